"""/api/auth: register, log in and out, sessions, e-mail verification, password reset."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from sqlmodel import col, select

from app.auth import service
from app.auth.schemas import (
    Accepted,
    ChangePasswordIn,
    LoginIn,
    LoginOut,
    RegisterIn,
    ResetPasswordIn,
    ResetRequestIn,
    SessionPublic,
    TokenIn,
    UpdateMeIn,
    UserPublic,
)
from app.core.config import Settings
from app.core.db import utcnow
from app.core.deps import (
    SESSION_COOKIE,
    CurrentAuth,
    CurrentUser,
    HasherDep,
    SessionDep,
    SettingsDep,
    ThrottleDep,
)
from app.core.errors import error_responses
from app.core.pagination import CursorQuery, LimitQuery, Page, paginate_by_id
from app.models import User, UserSession

router = APIRouter(prefix="/api/auth", tags=["auth"])


def user_public(user: User) -> UserPublic:
    assert user.id is not None
    return UserPublic(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        email_verified=user.email_verified_at is not None,
        is_admin=user.is_admin,
        created_at=user.created_at,
        language=user.language,
    )


def client_info(request: Request) -> service.ClientInfo:
    return service.ClientInfo(
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )


def wake_mail_sender(request: Request) -> None:
    sender = getattr(request.app.state, "mail_sender", None)
    if sender is not None:
        sender.wake()


def _set_cookie(response: Response, settings: Settings, new: service.NewSession) -> LoginOut:
    response.set_cookie(
        SESSION_COOKIE,
        new.token,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.https,
        path="/",
    )
    return LoginOut(user=user_public(new.user), token=new.token, expires_at=new.session.expires_at)


@router.post("/register", status_code=status.HTTP_201_CREATED, responses=error_responses(409))
def register(
    body: RegisterIn,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    hasher: HasherDep,
) -> LoginOut:
    """Create an account and log it in; a verification link is mailed to the address."""
    new = service.register(
        session,
        settings,
        hasher,
        email=body.email,
        display_name=body.display_name,
        password=body.password,
        client=client_info(request),
    )
    wake_mail_sender(request)
    return _set_cookie(response, settings, new)


@router.post("/login", responses=error_responses(401, 429))
def login(
    body: LoginIn,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    hasher: HasherDep,
    throttle: ThrottleDep,
) -> LoginOut:
    """Log in with e-mail and password. Sets the session cookie and returns the token for
    scripts (`Authorization: Bearer`). Repeated failures answer 429 with `Retry-After`."""
    new = service.authenticate(
        session,
        settings,
        hasher,
        throttle,
        email=body.email,
        password=body.password,
        client=client_info(request),
    )
    return _set_cookie(response, settings, new)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(401))
def logout(auth: CurrentAuth, session: SessionDep, settings: SettingsDep) -> Response:
    """End this session (the token stops working at once) and clear the cookie."""
    service.end_session(session, auth.session)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=settings.https
    )
    return response


@router.get("/me", responses=error_responses(401))
def me(user: CurrentUser) -> UserPublic:
    """The logged-in account."""
    return user_public(user)


@router.patch("/me", responses=error_responses(401))
def update_me(body: UpdateMeIn, user: CurrentUser, session: SessionDep) -> UserPublic:
    """Change my display name."""
    return user_public(service.update_profile(session, user, body.display_name))


@router.post(
    "/password", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(400, 401)
)
def change_password(
    body: ChangePasswordIn,
    request: Request,
    auth: CurrentAuth,
    session: SessionDep,
    settings: SettingsDep,
    hasher: HasherDep,
) -> None:
    """Change my password (the current one is required); every other session is logged out."""
    service.change_password(
        session,
        settings,
        hasher,
        user=auth.user,
        current=auth.session,
        current_password=body.current_password,
        new_password=body.new_password,
    )
    wake_mail_sender(request)


@router.get("/sessions", responses=error_responses(400, 401))
def list_sessions(
    auth: CurrentAuth, session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[SessionPublic]:
    """My active sessions, newest first; `current` marks the one making this request."""
    statement = select(UserSession).where(
        UserSession.user_id == auth.user.id,
        col(UserSession.revoked_at).is_(None),
        col(UserSession.expires_at) > utcnow(),
    )
    rows, next_cursor = paginate_by_id(session, statement, UserSession.id, limit, cursor)
    items = [
        SessionPublic(
            id=row.id,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
            user_agent=row.user_agent,
            ip=row.ip,
            current=row.id == auth.session.id,
        )
        for row in rows
    ]
    return Page[SessionPublic](items=items, next_cursor=next_cursor)


@router.delete(
    "/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 404),
)
def revoke_session(session_id: int, user: CurrentUser, session: SessionDep) -> None:
    """Revoke one of my sessions (log out that device)."""
    service.revoke_session(session, user, session_id)


@router.post(
    "/verify/request", status_code=status.HTTP_202_ACCEPTED, responses=error_responses(401)
)
def request_verification(
    request: Request, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> Accepted:
    """Mail me a new e-mail verification link."""
    if not service.request_verification(session, settings, user):
        return Accepted(detail="Your e-mail address is verified already.")
    wake_mail_sender(request)
    return Accepted(detail=f"We sent a new link to {user.email}.")


@router.post("/verify", responses=error_responses(400))
def verify_email(body: TokenIn, session: SessionDep, settings: SettingsDep) -> UserPublic:
    """Verify an e-mail address with the token from the mailed link (single use, expiring)."""
    return user_public(service.verify_email(session, settings, body.token))


@router.post(
    "/password-reset/request", status_code=status.HTTP_202_ACCEPTED, responses=error_responses()
)
def request_password_reset(
    body: ResetRequestIn, request: Request, session: SessionDep, settings: SettingsDep
) -> Accepted:
    """Mail a password reset link. The answer is the same whether or not the account exists."""
    service.request_password_reset(session, settings, body.email)
    wake_mail_sender(request)
    return Accepted(
        detail="If an account uses this address, we sent it a link to reset the password."
    )


@router.post(
    "/password-reset", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(400)
)
def reset_password(
    body: ResetPasswordIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    hasher: HasherDep,
) -> None:
    """Set a new password with the token from the mailed link; every session is logged out."""
    service.reset_password(session, settings, hasher, body.token, body.new_password)
    wake_mail_sender(request)
