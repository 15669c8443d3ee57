"""The steering committee (public) and the people who run a challenge (organisers, screeners)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from app.audit.service import changes, record, snapshot
from app.challenges.access import ChallengeAccess
from app.challenges.schemas import (
    CommitteeMemberIn,
    CommitteeMemberPublic,
    CommitteeMemberUpdate,
    RoleIn,
    RolePublic,
)
from app.core.errors import Conflict, NotFound
from app.models import ChallengeRole, CommitteeMember, Membership, User

MEMBER_FIELDS = ("name", "affiliation", "role", "voting", "position")


def committee(session: Session, challenge_id: int) -> list[CommitteeMemberPublic]:
    rows = session.exec(
        select(CommitteeMember)
        .where(CommitteeMember.challenge_id == challenge_id)
        .order_by(col(CommitteeMember.position), col(CommitteeMember.id))
    ).all()
    return [CommitteeMemberPublic.model_validate(r, from_attributes=True) for r in rows]


def _member(session: Session, access: ChallengeAccess, member_id: int) -> CommitteeMember:
    member = session.get(CommitteeMember, member_id)
    if member is None or member.challenge_id != access.challenge.id:
        raise NotFound("No such committee member.")
    return member


def add_member(
    session: Session, access: ChallengeAccess, body: CommitteeMemberIn
) -> CommitteeMember:
    challenge_id = access.challenge.id
    assert challenge_id is not None
    position = body.position
    if position is None:
        last = session.exec(
            select(func.max(CommitteeMember.position)).where(
                CommitteeMember.challenge_id == challenge_id
            )
        ).one()
        position = (last or 0) + 1 if last is not None else 0
    member = CommitteeMember(
        **body.model_dump(exclude={"position"}), position=position, challenge_id=challenge_id
    )
    session.add(member)
    session.flush()
    record(
        session,
        actor=access.user,
        action="committee.add",
        object_type="committee_member",
        object_id=member.id,
        challenge_id=challenge_id,
        after=snapshot(member, MEMBER_FIELDS),
    )
    session.commit()
    return member


def update_member(
    session: Session, access: ChallengeAccess, member_id: int, body: CommitteeMemberUpdate
) -> CommitteeMember:
    member = _member(session, access, member_id)
    before = snapshot(member, MEMBER_FIELDS)
    for name, value in body.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(member, name, value)
    old, new = changes(before, snapshot(member, MEMBER_FIELDS))
    record(
        session,
        actor=access.user,
        action="committee.update",
        object_type="committee_member",
        object_id=member.id,
        challenge_id=member.challenge_id,
        before=old,
        after=new,
    )
    session.add(member)
    session.commit()
    return member


def remove_member(session: Session, access: ChallengeAccess, member_id: int) -> None:
    member = _member(session, access, member_id)
    record(
        session,
        actor=access.user,
        action="committee.remove",
        object_type="committee_member",
        object_id=member.id,
        challenge_id=member.challenge_id,
        before=snapshot(member, MEMBER_FIELDS),
    )
    session.delete(member)
    session.commit()


def roles(session: Session, challenge_id: int) -> list[RolePublic]:
    rows = session.exec(
        select(Membership, User)
        .join(User, col(User.id) == col(Membership.user_id))
        .where(Membership.challenge_id == challenge_id)
        .order_by(col(Membership.role), col(User.display_name))
    ).all()
    return [
        RolePublic(
            id=m.id,
            user_id=u.id,
            display_name=u.display_name,
            email=u.email,
            role=m.role,
            created_at=m.created_at,
        )
        for m, u in rows
    ]


def grant_role(session: Session, access: ChallengeAccess, body: RoleIn) -> RolePublic:
    """Give an existing account a role (organisers add co-organisers and screeners)."""
    challenge_id = access.challenge.id
    assert challenge_id is not None
    user = session.exec(select(User).where(User.email == body.email)).first()
    if user is None or not user.is_active:
        raise NotFound(
            "No account uses this e-mail address; ask them to register first.", field="email"
        )
    role = ChallengeRole(body.role)
    membership = Membership(challenge_id=challenge_id, user_id=user.id, role=role)  # type: ignore[arg-type]
    session.add(membership)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            f"{user.display_name} is a {role.value} already.", field="email", code="role_exists"
        ) from None
    record(
        session,
        actor=access.user,
        action="role.grant",
        object_type="membership",
        object_id=membership.id,
        challenge_id=challenge_id,
        after={"user_id": user.id, "email": user.email, "role": role.value},
    )
    session.commit()
    assert membership.id is not None and user.id is not None
    return RolePublic(
        id=membership.id,
        user_id=user.id,
        display_name=user.display_name,
        email=user.email,
        role=role,
        created_at=membership.created_at,
    )


def revoke_role(session: Session, access: ChallengeAccess, membership_id: int) -> None:
    membership = session.get(Membership, membership_id)
    if membership is None or membership.challenge_id != access.challenge.id:
        raise NotFound("No such role in this challenge.")
    if membership.role == ChallengeRole.organiser:
        organisers = session.exec(
            select(func.count())
            .select_from(Membership)
            .where(
                Membership.challenge_id == membership.challenge_id,
                Membership.role == ChallengeRole.organiser,
            )
        ).one()
        if organisers <= 1:
            raise Conflict(
                "A challenge keeps at least one organiser; add another first.",
                code="last_organiser",
            )
    record(
        session,
        actor=access.user,
        action="role.revoke",
        object_type="membership",
        object_id=membership.id,
        challenge_id=membership.challenge_id,
        before={"user_id": membership.user_id, "role": membership.role.value},
    )
    session.delete(membership)
    session.commit()
