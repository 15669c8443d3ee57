"""Rounds and criteria: declared before a round opens, frozen from then on (a change after
that needs a reason and is audited)."""

from __future__ import annotations

import math
from typing import Any, Literal

from sqlmodel import Session, col, func, select

from app.audit.service import changes, record, snapshot
from app.challenges.access import ChallengeAccess, load_challenge
from app.core.db import utcnow
from app.core.errors import Conflict, NotAuthenticated, NotFound, Unprocessable
from app.judging.schemas import (
    CriterionIn,
    CriterionPublic,
    CriterionUpdate,
    RoundCreate,
    RoundPublic,
    RoundUpdate,
    ScalePreset,
)
from app.models import Assignment, Challenge, Criterion, Round, User

SCALE_PRESETS = {
    "1-10": ScalePreset(key="1-10", label="1 to 10", scale_min=1, scale_max=10, scale_step=1),
    "0-2": ScalePreset(key="0-2", label="0, 1 or 2 points", scale_min=0, scale_max=2, scale_step=1),
    "likert-3": ScalePreset(
        key="likert-3",
        label="3-point scale (1 disagree – 3 agree)",
        scale_min=1,
        scale_max=3,
        scale_step=1,
    ),
}
ROUND_FIELDS = (
    "name",
    "opens_at",
    "closes_at",
    "judges_per_entry",
    "blind",
    "normalise",
    "advancement",
    "tie_breaks",
    "disagreement_share",
)
CRITERION_FIELDS = (
    "name",
    "description",
    "weight",
    "scale_min",
    "scale_max",
    "scale_step",
    "allow_na",
    "position",
)


def _without_nulls(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if v is not None}


RoundState = Literal["upcoming", "open", "closed"]


def round_state(round_: Round) -> RoundState:
    """Upcoming until `opens_at` (or while it is not set), closed from `closes_at` on."""
    now = utcnow()
    if round_.opens_at is None or now < round_.opens_at:
        return "upcoming"
    if round_.closes_at is not None and now >= round_.closes_at:
        return "closed"
    return "open"


def frozen(round_: Round) -> bool:
    return round_.opens_at is not None and utcnow() >= round_.opens_at


def _check_scale(scale_min: float, scale_max: float, step: float, field: str) -> None:
    if scale_max <= scale_min:
        raise Unprocessable(f"{field}scale_max: must be above scale_min", field=f"{field}scale_max")
    steps = (scale_max - scale_min) / step
    if not math.isclose(steps, round(steps), abs_tol=1e-9):
        raise Unprocessable(
            f"{field}scale_step: must divide the scale evenly", field=f"{field}scale_step"
        )


def _check_round(session: Session, round_: Round) -> None:
    if round_.opens_at and round_.closes_at and round_.closes_at <= round_.opens_at:
        raise Unprocessable("closes_at: must be after opens_at", field="closes_at")
    ids = {c.id for c in criteria_of(session, round_.id)} if round_.id else set()
    for i, tie in enumerate(round_.tie_breaks):
        if tie.get("kind") == "criterion" and tie.get("criterion_id") not in ids:
            raise Unprocessable(
                f"tie_breaks.{i}.criterion_id: is not a criterion of this round",
                field=f"tie_breaks.{i}.criterion_id",
            )


def require_reason(round_: Round, reason: str | None) -> None:
    """Once a round has opened, each change to it needs a reason (kept in the audit log)."""
    if frozen(round_) and not reason:
        raise Conflict(
            "This round has opened: give the reason for this change; it is kept in the audit log.",
            field="reason",
            code="round_frozen",
        )


def criteria_of(session: Session, round_id: int | None) -> list[Criterion]:
    return list(
        session.exec(
            select(Criterion)
            .where(Criterion.round_id == round_id)
            .order_by(col(Criterion.position), col(Criterion.id))
        ).all()
    )


def round_public(session: Session, round_: Round, challenge: Challenge) -> RoundPublic:
    assert round_.id is not None
    return RoundPublic(
        id=round_.id,
        challenge_slug=challenge.slug,
        position=round_.position,
        name=round_.name,
        opens_at=round_.opens_at,
        closes_at=round_.closes_at,
        judges_per_entry=round_.judges_per_entry,
        blind=round_.blind,
        normalise=round_.normalise,
        advancement=round_.advancement,
        tie_breaks=round_.tie_breaks,
        disagreement_share=round_.disagreement_share,
        required_tags=round_.required_tags,
        match_language=round_.match_language,
        assignment_seed=round_.assignment_seed,
        frozen=frozen(round_),
        state=round_state(round_),
        advanced_at=round_.advanced_at,
        criteria=[
            CriterionPublic.model_validate(c, from_attributes=True)
            for c in criteria_of(session, round_.id)
        ],
    )


def _new_criterion(round_id: int, body: CriterionIn, position: int, field: str = "") -> Criterion:
    values = body.model_dump(exclude={"preset", "position"})
    if body.preset:
        preset = SCALE_PRESETS[body.preset]
        values.update(
            scale_min=preset.scale_min, scale_max=preset.scale_max, scale_step=preset.scale_step
        )
    _check_scale(values["scale_min"], values["scale_max"], values["scale_step"], field)
    return Criterion(
        **values,
        round_id=round_id,
        position=body.position if body.position is not None else position,
    )


def create_round(session: Session, access: ChallengeAccess, body: RoundCreate) -> Round:
    """Declare a round (its rules and criteria) at the end of the challenge's rounds."""
    challenge = access.challenge
    assert challenge.id is not None
    last = session.exec(
        select(func.max(Round.position)).where(Round.challenge_id == challenge.id)
    ).one()
    values = body.model_dump(exclude={"criteria"}, exclude_none=True)
    round_ = Round(
        challenge_id=challenge.id,
        position=(last or 0) + 1,
        name=body.name,
        advancement=values.pop("advancement", {"kind": "manual"}),
        **{k: v for k, v in values.items() if k != "name"},
    )
    session.add(round_)
    session.flush()
    assert round_.id is not None
    for i, criterion in enumerate(body.criteria):
        session.add(_new_criterion(round_.id, criterion, i, field=f"criteria.{i}."))
    session.flush()
    _check_round(session, round_)
    record(
        session,
        actor=access.user,
        action="round.create",
        object_type="round",
        object_id=round_.id,
        challenge_id=challenge.id,
        after={**snapshot(round_, ROUND_FIELDS), "criteria": len(body.criteria)},
    )
    session.commit()
    return round_


class RoundAccess:
    """A round, its challenge and the caller's standing in it."""

    def __init__(self, session: Session, round_id: int, user: User | None) -> None:
        if user is None:
            raise NotAuthenticated()
        round_ = session.get(Round, round_id)
        if round_ is None:
            raise NotFound("No such round.")
        challenge = session.get(Challenge, round_.challenge_id)
        assert challenge is not None
        self.round = round_
        self.challenge_access = ChallengeAccess(
            session, load_challenge(session, challenge.slug, user), user
        )
        if not self.challenge_access.staff:
            raise NotFound("No such round.")

    @property
    def challenge(self) -> Challenge:
        return self.challenge_access.challenge


def update_round(session: Session, ra: RoundAccess, body: RoundUpdate) -> Round:
    ra.challenge_access.need_organiser()
    round_ = ra.round
    require_reason(round_, body.reason)
    before = snapshot(round_, ROUND_FIELDS)
    for name, value in body.model_dump(exclude_unset=True, exclude={"reason"}).items():
        if value is None and name in (
            "name",
            "judges_per_entry",
            "blind",
            "normalise",
            "advancement",
            "tie_breaks",
            "disagreement_share",
        ):
            raise Unprocessable(f"{name}: may not be null", field=name)
        if name == "advancement":
            value = _without_nulls(value)
        elif name == "tie_breaks":
            value = [_without_nulls(tie) for tie in value]
        setattr(round_, name, value)
    round_.updated_at = utcnow()
    _check_round(session, round_)
    old, new = changes(before, snapshot(round_, ROUND_FIELDS))
    if new:
        record(
            session,
            actor=ra.challenge_access.user,
            action="round.update",
            object_type="round",
            object_id=round_.id,
            challenge_id=round_.challenge_id,
            before=old,
            after=new,
            reason=body.reason,
        )
    session.add(round_)
    session.commit()
    return round_


def delete_round(session: Session, ra: RoundAccess) -> None:
    """Only a round that has not opened and has no assignments can go, and only the last one."""
    ra.challenge_access.need_organiser()
    round_ = ra.round
    if frozen(round_):
        raise Conflict("This round has opened and can no longer be deleted.", code="round_frozen")
    if session.exec(select(Assignment.id).where(Assignment.round_id == round_.id).limit(1)).first():
        raise Conflict(
            "Judges are assigned in this round; unassign them first.", code="round_in_use"
        )
    later = session.exec(
        select(Round.id)
        .where(Round.challenge_id == round_.challenge_id, Round.position > round_.position)
        .limit(1)
    ).first()
    if later is not None:
        raise Conflict(
            "Delete the later rounds first: rounds follow one another.", code="round_in_use"
        )
    record(
        session,
        actor=ra.challenge_access.user,
        action="round.delete",
        object_type="round",
        object_id=round_.id,
        challenge_id=round_.challenge_id,
        before=snapshot(round_, ROUND_FIELDS),
    )
    session.delete(round_)
    session.commit()


def add_criterion(
    session: Session, ra: RoundAccess, body: CriterionIn, reason: str | None
) -> Criterion:
    ra.challenge_access.need_organiser()
    require_reason(ra.round, reason)
    assert ra.round.id is not None
    position = len(criteria_of(session, ra.round.id))
    criterion = _new_criterion(ra.round.id, body, position)
    session.add(criterion)
    session.flush()
    record(
        session,
        actor=ra.challenge_access.user,
        action="criterion.add",
        object_type="criterion",
        object_id=criterion.id,
        challenge_id=ra.round.challenge_id,
        after=snapshot(criterion, CRITERION_FIELDS),
        reason=reason,
    )
    session.commit()
    return criterion


def _criterion(session: Session, ra: RoundAccess, criterion_id: int) -> Criterion:
    criterion = session.get(Criterion, criterion_id)
    if criterion is None or criterion.round_id != ra.round.id:
        raise NotFound("No such criterion in this round.")
    return criterion


def update_criterion(
    session: Session, ra: RoundAccess, criterion_id: int, body: CriterionUpdate
) -> Criterion:
    ra.challenge_access.need_organiser()
    criterion = _criterion(session, ra, criterion_id)
    require_reason(ra.round, body.reason)
    before = snapshot(criterion, CRITERION_FIELDS)
    values: dict[str, Any] = body.model_dump(exclude_unset=True, exclude={"reason"})
    for name, value in values.items():
        if value is not None:
            setattr(criterion, name, value)
    _check_scale(criterion.scale_min, criterion.scale_max, criterion.scale_step, "")
    old, new = changes(before, snapshot(criterion, CRITERION_FIELDS))
    if new:
        record(
            session,
            actor=ra.challenge_access.user,
            action="criterion.update",
            object_type="criterion",
            object_id=criterion.id,
            challenge_id=ra.round.challenge_id,
            before=old,
            after=new,
            reason=body.reason,
        )
    session.add(criterion)
    session.commit()
    return criterion


def delete_criterion(
    session: Session, ra: RoundAccess, criterion_id: int, reason: str | None
) -> None:
    ra.challenge_access.need_organiser()
    criterion = _criterion(session, ra, criterion_id)
    require_reason(ra.round, reason)
    if any(t.get("criterion_id") == criterion.id for t in ra.round.tie_breaks):
        raise Conflict(
            "A tie-break names this criterion; change the tie-breaks first.",
            code="criterion_in_use",
        )
    record(
        session,
        actor=ra.challenge_access.user,
        action="criterion.delete",
        object_type="criterion",
        object_id=criterion.id,
        challenge_id=ra.round.challenge_id,
        before=snapshot(criterion, CRITERION_FIELDS),
        reason=reason,
    )
    session.delete(criterion)
    session.commit()
