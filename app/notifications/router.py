"""/api/me/mail-preferences, /api/me/language, /api/me/notifications, /api/unsubscribe,
/api/mail-kinds and /api/challenges/{slug}/broadcasts: what each person hears, and
organisers' messages to a segment of their call."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Query, Request, status
from fastapi.responses import RedirectResponse
from pydantic import StrictBool

from app.auth.router import wake_mail_sender
from app.challenges.access import OrganiserOf
from app.core.deps import CurrentUser, SessionDep, SettingsDep
from app.core.errors import error_responses
from app.core.pagination import CursorQuery, LimitQuery, Page
from app.notifications import broadcasts, service
from app.notifications.schemas import (
    BroadcastIn,
    BroadcastPreview,
    BroadcastPublic,
    LanguageIn,
    LanguageOut,
    MailKind,
    MailPreferences,
    MarkedRead,
    NotificationPublic,
    UnreadCount,
    Unsubscribed,
)

router = APIRouter(prefix="/api", tags=["notifications"])

TokenQuery = Annotated[
    str, Query(min_length=1, max_length=200, description="The token of the mailed link")
]
Choices = Annotated[
    dict[str, StrictBool],
    Body(examples=[{"deadline_reminder": False, "broadcast": True}]),
]


@router.get("/mail-kinds")
def list_mail_kinds() -> list[MailKind]:
    """Every kind of message OpenCall sends, and whether it is optional (transactional
    messages, such as receipts and password resets, always go)."""
    return service.mail_kinds()


@router.get("/me/mail-preferences", responses=error_responses(401))
def get_mail_preferences(user: CurrentUser, session: SessionDep) -> MailPreferences:
    """Which messages I get by mail, kind by kind, and my language for mail."""
    return service.preferences(session, user)


@router.put("/me/mail-preferences", responses=error_responses(401))
def put_mail_preferences(
    choices: Choices, user: CurrentUser, session: SessionDep
) -> MailPreferences:
    """Turn optional kinds of mail on or off (`{"kind": true|false, ...}`); kinds left out
    keep their setting. A transactional or unknown kind is refused (422, naming it) and
    nothing changes. In-app notifications are kept either way."""
    return service.set_preferences(session, user, choices)


@router.patch("/me/language", responses=error_responses(401))
def set_language(body: LanguageIn, user: CurrentUser, session: SessionDep) -> LanguageOut:
    """My language (a BCP 47 tag such as `fr`), for the pages and for mail, used where a
    translation exists; null for none (the pages then follow the browser; mail is English)."""
    return LanguageOut(language=service.set_language(session, user, body.language).language)


@router.post("/unsubscribe", responses=error_responses(400))
def unsubscribe(token: TokenQuery, session: SessionDep, settings: SettingsDep) -> Unsubscribed:
    """One-click unsubscribe (RFC 8058): mail clients POST `List-Unsubscribe=One-Click` to the
    link an optional message carries, without logging in; the signed token says who and
    which kind, and that kind is turned off. Using it again changes nothing more."""
    return service.unsubscribe(session, settings, token)


@router.get(
    "/unsubscribe",
    status_code=status.HTTP_303_SEE_OTHER,
    response_class=RedirectResponse,
    responses={303: {"description": "To the page that asks before unsubscribing"}},
)
def unsubscribe_page(token: TokenQuery) -> RedirectResponse:
    """Opening the link changes nothing (mail scanners fetch links on their own): it leads
    to a page that says which messages it stops and asks with one button."""
    return RedirectResponse(
        f"/unsubscribe.html?{urlencode({'token': token})}", status_code=status.HTTP_303_SEE_OTHER
    )


@router.get("/me/notifications", responses=error_responses(400, 401))
def list_notifications(
    user: CurrentUser, session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[NotificationPublic]:
    """My notifications, newest first, each read or not."""
    items, next_cursor = service.notifications(session, user, limit, cursor)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/me/notifications/unread", responses=error_responses(401))
def unread_notifications(user: CurrentUser, session: SessionDep) -> UnreadCount:
    """How many of my notifications are unread."""
    return UnreadCount(count=service.unread_count(session, user))


@router.post("/me/notifications/read-all", responses=error_responses(401))
def read_all_notifications(user: CurrentUser, session: SessionDep) -> MarkedRead:
    """Mark every one of my notifications read."""
    return MarkedRead(marked=service.mark_all_read(session, user))


@router.post("/me/notifications/{notification_id}/read", responses=error_responses(401, 404))
def read_notification(
    notification_id: int, user: CurrentUser, session: SessionDep
) -> NotificationPublic:
    """Mark one of my notifications read (someone else's does not exist for me)."""
    return service.mark_read(session, user, notification_id)


@router.post("/challenges/{slug}/broadcasts/preview", responses=error_responses(401, 403, 404))
def preview_broadcast(
    body: BroadcastIn, access: OrganiserOf, session: SessionDep, settings: SettingsDep
) -> BroadcastPreview:
    """How many people a broadcast to the segment reaches, up to ten of their names, and the
    message as they will read it. Segments (accounts only, each person once): all_entrants
    (submitted an entry), drafts (a draft but nothing submitted), eligible, finalists (a
    finalist award, or advanced from the last round that advanced any), judges (active, with
    an account), voters (a counted vote)."""
    return broadcasts.preview(session, settings, access, body)


@router.post(
    "/challenges/{slug}/broadcasts",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409),
)
def send_broadcast(
    body: BroadcastIn,
    request: Request,
    access: OrganiserOf,
    session: SessionDep,
    settings: SettingsDep,
) -> BroadcastPublic:
    """Send a message to everyone in the segment: by mail (to those who have not turned
    organisers' messages off; each mail carries a one-click unsubscribe link) and on their
    notifications page. Audited. An empty segment is refused (409)."""
    sent = broadcasts.send(session, settings, access, body)
    wake_mail_sender(request)
    return sent


@router.get("/challenges/{slug}/broadcasts", responses=error_responses(400, 401, 403, 404))
def list_broadcasts(
    access: OrganiserOf, session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[BroadcastPublic]:
    """The call's broadcasts, newest first, each with its recipients and how many of its
    mails are sent, pending or failed so far."""
    items, next_cursor = broadcasts.broadcasts(session, access.challenge, limit, cursor)
    return Page(items=items, next_cursor=next_cursor)
