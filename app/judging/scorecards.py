"""A judge's side of a round: the entry as the round lets them see it, and their scorecard
(drafts save, submit checks completeness, editable while the round is open, then locked; an
organiser may reopen one with a reason).

Blind rounds: what reaches the judge is built here and only here, from an allow-list. Form
answers come only from fields shown to judges that are neither identifying nor demographic;
the team and the submitter are left out; files go out under a neutral name with their
document and image metadata removed (`app.files.blind`), or are withheld with a reason where
that cannot be done.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Literal

from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.audit.service import record
from app.challenges.form import fields_at
from app.core.db import utcnow
from app.core.errors import Conflict, NotAuthenticated, NotFound, Unprocessable
from app.files import blind
from app.files.kinds import EXTENSIONS
from app.files.storage import Storage
from app.files.upload import content_disposition, download_response
from app.judging.rounds import RoundAccess, RoundState, round_state
from app.judging.schemas import CriterionPublic
from app.judging.scoring import scorecard_score_query, shared_scale, to_shown
from app.models import (
    Assignment,
    Challenge,
    Criterion,
    Entry,
    FieldType,
    Judge,
    JudgeStatus,
    Round,
    Scorecard,
    ScorecardStatus,
    ScoreValue,
    StoredFile,
    TeamMember,
    User,
)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "a date not set yet"


# --- Bodies ---------------------------------------------------------------------------------


class ValueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    criterion_id: int
    value: float | None = Field(default=None, description="on the criterion's scale; null clears")
    na: bool = Field(default=False, description="not applicable (where the criterion allows it)")


class ScorecardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    values: list[ValueIn] = Field(default_factory=list, max_length=50)
    comment: str = Field(default="", max_length=5000, description="for the organisers only")
    feedback: str = Field(default="", max_length=5000, description="may be shown to the entrant")


class ReopenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=3, max_length=500)


class ValuePublic(BaseModel):
    criterion_id: int
    value: float | None
    na: bool


class ScorecardPublic(BaseModel):
    id: int | None
    status: Literal["none", "draft", "submitted"]
    values: list[ValuePublic]
    comment: str
    feedback: str
    updated_at: datetime | None
    submitted_at: datetime | None
    editable: bool
    locked_reason: str | None
    reopen_reason: str | None
    score: float | None = Field(description="the weighted score on the round's shown scale")


class ScorecardForOrganisers(BaseModel):
    id: int
    assignment_id: int
    judge_id: int
    judge_name: str
    status: ScorecardStatus
    values: list[ValuePublic]
    comment: str
    feedback: str
    score: float | None
    submitted_at: datetime | None
    reopen_reason: str | None


class ChallengeRef(BaseModel):
    slug: str
    title: str


class RoundForJudge(BaseModel):
    id: int
    name: str
    blind: bool
    opens_at: datetime | None
    closes_at: datetime | None
    state: RoundState
    criteria: list[CriterionPublic]


class Answer(BaseModel):
    key: str
    label: str
    type: str
    value: Any


class TeamMemberForJudge(BaseModel):
    name: str


class SubmitterForJudge(BaseModel):
    display_name: str


class FileForJudge(BaseModel):
    id: int
    field_key: str | None
    label: str
    name: str
    content_type: str
    size: int
    url: str
    withheld: str | None = Field(description="why the file is not given, or null")


class EntryForJudge(BaseModel):
    reference: str | None
    category: str | None
    language: str | None
    answers: list[Answer]
    team: list[TeamMemberForJudge] | None = Field(description="null in a blind round")
    submitter: SubmitterForJudge | None = Field(description="null in a blind round")
    files: list[FileForJudge]


class AssignmentDetail(BaseModel):
    id: int
    challenge: ChallengeRef
    round: RoundForJudge
    entry: EntryForJudge
    scorecard: ScorecardPublic


# --- Access ---------------------------------------------------------------------------------


class JudgeAssignment:
    """An assignment of the calling judge (an active member of the panel). Anyone else's
    assignment does not exist for the caller: a conflicted judge has none for that entry,
    since recording the conflict removes it."""

    def __init__(self, session: Session, user: User | None, assignment_id: int) -> None:
        if user is None:
            raise NotAuthenticated()
        assignment = session.get(Assignment, assignment_id)
        judge = session.get(Judge, assignment.judge_id) if assignment else None
        if (
            assignment is None
            or judge is None
            or judge.user_id != user.id
            or judge.status != JudgeStatus.active
        ):
            raise NotFound("No such assignment.")
        round_ = session.get(Round, assignment.round_id)
        entry = session.get(Entry, assignment.entry_id)
        challenge = session.get(Challenge, judge.challenge_id)
        assert round_ is not None and entry is not None and challenge is not None
        self.user = user
        self.assignment = assignment
        self.judge = judge
        self.round = round_
        self.entry = entry
        self.challenge = challenge


def _criteria(session: Session, round_id: int) -> list[Criterion]:
    return list(
        session.exec(
            select(Criterion)
            .where(Criterion.round_id == round_id)
            .order_by(col(Criterion.position), col(Criterion.id))
        ).all()
    )


def _scorecard(session: Session, assignment_id: int) -> Scorecard | None:
    return session.exec(select(Scorecard).where(Scorecard.assignment_id == assignment_id)).first()


def lock_reason(round_: Round, scorecard: Scorecard | None) -> str | None:
    """Why the judge may not change this scorecard now, or None when they may. A scorecard an
    organiser reopened stays editable, even after the round closed, until it is submitted."""
    if (
        scorecard is not None
        and scorecard.reopened_at is not None
        and scorecard.status == ScorecardStatus.draft
    ):
        return None
    state = round_state(round_)
    if state == "upcoming":
        return f"The round opens for scoring on {_when(round_.opens_at)}."
    if state == "closed":
        return (
            f"The round closed on {_when(round_.closes_at)}; scorecards are locked. "
            "The organisers can reopen yours if it needs a change."
        )
    if round_.advanced_at is not None:
        return "The organisers have decided who advances from this round; scorecards are locked."
    return None


# --- Reading ----------------------------------------------------------------------------------


def _score(
    session: Session, round_: Round, scorecard: Scorecard, criteria: list[Criterion]
) -> float | None:
    if scorecard.status != ScorecardStatus.submitted:
        return None
    assert round_.id is not None
    row = session.execute(
        scorecard_score_query(round_.id, criteria).where(col(Scorecard.id) == scorecard.id)
    ).first()
    if row is None or row.score is None:
        return None
    return to_shown(float(row.score), shared_scale(criteria))


def _values(session: Session, scorecard_id: int | None) -> list[ValuePublic]:
    if scorecard_id is None:
        return []
    rows = session.exec(
        select(ScoreValue)
        .where(ScoreValue.scorecard_id == scorecard_id)
        .order_by(col(ScoreValue.criterion_id))
    ).all()
    return [
        ValuePublic(criterion_id=v.criterion_id, value=v.value, na=v.value is None) for v in rows
    ]


def scorecard_public(
    session: Session, round_: Round, scorecard: Scorecard | None, criteria: list[Criterion]
) -> ScorecardPublic:
    reason = lock_reason(round_, scorecard)
    if scorecard is None:
        return ScorecardPublic(
            id=None,
            status="none",
            values=[],
            comment="",
            feedback="",
            updated_at=None,
            submitted_at=None,
            editable=reason is None,
            locked_reason=reason,
            reopen_reason=None,
            score=None,
        )
    return ScorecardPublic(
        id=scorecard.id,
        status=scorecard.status.value,
        values=_values(session, scorecard.id),
        comment=scorecard.comment,
        feedback=scorecard.feedback,
        updated_at=scorecard.updated_at,
        submitted_at=scorecard.submitted_at,
        editable=reason is None,
        locked_reason=reason,
        reopen_reason=scorecard.reopen_reason,
        score=_score(session, round_, scorecard, criteria),
    )


def _judge_fields(session: Session, entry: Entry, blind_round: bool) -> list[Any]:
    """The form fields a judge may read: shown to judges, never demographic, and in a blind
    round never identifying."""
    return [
        f
        for f in fields_at(session, entry.challenge_id, entry.form_version)
        if f.show_to_judges and not f.demographic and not (blind_round and f.identifying)
    ]


def file_name_for_judge(entry: Entry, field_key: str | None, number: int, content_type: str) -> str:
    """A neutral download name: the entry's reference, the question and a number."""
    extension = EXTENSIONS.get(content_type, ("bin",))[0]
    stem = "-".join(part for part in (entry.reference or "entry", field_key or "file") if part)
    return f"{stem}-{number}.{extension}"


def _files(
    session: Session, ja: JudgeAssignment, fields: list[Any]
) -> list[tuple[StoredFile, FileForJudge]]:
    """The entry's files on the fields the judge may read, numbered per field."""
    shown = {f.key: f for f in fields if f.type == FieldType.file}
    files = session.exec(
        select(StoredFile)
        .where(StoredFile.entry_id == ja.entry.id, col(StoredFile.field_key).in_(list(shown)))
        .order_by(col(StoredFile.id))
    ).all()
    counts: dict[str | None, int] = {}
    result = []
    for file in files:
        assert file.id is not None
        counts[file.field_key] = counts.get(file.field_key, 0) + 1
        field = shown[file.field_key or ""]
        name = (
            file_name_for_judge(ja.entry, file.field_key, counts[file.field_key], file.content_type)
            if ja.round.blind
            else file.original_name
        )
        result.append(
            (
                file,
                FileForJudge(
                    id=file.id,
                    field_key=file.field_key,
                    label=field.label,
                    name=name,
                    content_type=file.content_type,
                    size=file.size,
                    url=f"/api/assignments/{ja.assignment.id}/files/{file.id}",
                    withheld=blind.withheld_reason(file.content_type) if ja.round.blind else None,
                ),
            )
        )
    return result


def assignment_detail(session: Session, ja: JudgeAssignment) -> AssignmentDetail:
    """Everything the judge's scoring page shows, built from an allow-list."""
    assert ja.round.id is not None and ja.assignment.id is not None
    criteria = _criteria(session, ja.round.id)
    fields = _judge_fields(session, ja.entry, ja.round.blind)
    answers = [
        Answer(key=key, label=label, type=kind, value=value)
        for key, label, kind, value in (
            ("title", "Title", "short_text", ja.entry.title),
            ("summary", "Summary", "long_text", ja.entry.summary),
        )
        if value
    ] + [
        Answer(key=f.key, label=f.label, type=f.type.value, value=ja.entry.answers.get(f.key))
        for f in fields
        if f.type != FieldType.file
    ]
    team: list[TeamMemberForJudge] | None = None
    submitter: SubmitterForJudge | None = None
    if not ja.round.blind:
        team = [
            TeamMemberForJudge(name=m.name)
            for m in session.exec(
                select(TeamMember)
                .where(TeamMember.entry_id == ja.entry.id)
                .order_by(col(TeamMember.position))
            ).all()
        ]
        owner = session.get(User, ja.entry.owner_id) if ja.entry.owner_id else None
        name = owner.display_name if owner else (ja.entry.submitter_name or "")
        submitter = SubmitterForJudge(display_name=name)
    return AssignmentDetail(
        id=ja.assignment.id,
        challenge=ChallengeRef(slug=ja.challenge.slug, title=ja.challenge.title),
        round=RoundForJudge(
            id=ja.round.id,
            name=ja.round.name,
            blind=ja.round.blind,
            opens_at=ja.round.opens_at,
            closes_at=ja.round.closes_at,
            state=round_state(ja.round),
            criteria=[CriterionPublic.model_validate(c, from_attributes=True) for c in criteria],
        ),
        entry=EntryForJudge(
            reference=ja.entry.reference,
            category=ja.entry.category,
            language=ja.entry.language,
            answers=answers,
            team=team,
            submitter=submitter,
            files=[public for _, public in _files(session, ja, fields)],
        ),
        scorecard=scorecard_public(
            session, ja.round, _scorecard(session, ja.assignment.id), criteria
        ),
    )


def file_for_judge(
    session: Session, ja: JudgeAssignment, file_id: int
) -> tuple[StoredFile, FileForJudge]:
    """One of the entry's files the judge may read (404 for any other file)."""
    fields = _judge_fields(session, ja.entry, ja.round.blind)
    for file, public in _files(session, ja, fields):
        if file.id == file_id:
            return file, public
    raise NotFound("No such file.")


# --- Writing ----------------------------------------------------------------------------------


def _on_step(value: float, criterion: Criterion) -> bool:
    steps = (value - criterion.scale_min) / criterion.scale_step
    return math.isclose(steps, round(steps), abs_tol=1e-9)


def _number(value: float) -> str:
    return f"{value:g}"


def _check_values(values: list[ValueIn], criteria: list[Criterion]) -> dict[int, float | None]:
    """The values to keep, by criterion (None for N/A); every problem named by criterion."""
    by_id = {c.id: c for c in criteria}
    kept: dict[int, float | None] = {}
    problems: list[dict[str, Any]] = []
    for item in values:
        field = f"criterion.{item.criterion_id}"
        criterion = by_id.get(item.criterion_id)
        if criterion is None:
            problems.append({"field": field, "message": "is not a criterion of this round"})
            continue
        if item.criterion_id in kept:
            problems.append({"field": field, "message": "is given twice; give each criterion once"})
            continue
        if item.na:
            if item.value is not None:
                problems.append({"field": field, "message": "give a value or N/A, not both"})
            elif not criterion.allow_na:
                problems.append(
                    {
                        "field": field,
                        "message": f"{criterion.name}: N/A is not allowed; give a value",
                    }
                )
            else:
                kept[item.criterion_id] = None
            continue
        if item.value is None:
            continue  # cleared
        low, high = criterion.scale_min, criterion.scale_max
        if not (math.isfinite(item.value) and low <= item.value <= high):
            problems.append(
                {
                    "field": field,
                    "message": f"{criterion.name}: give a value from {_number(low)} to {_number(high)}",
                }
            )
        elif not _on_step(item.value, criterion):
            problems.append(
                {
                    "field": field,
                    "message": f"{criterion.name}: values go in steps of "
                    f"{_number(criterion.scale_step)} from {_number(low)}",
                }
            )
        else:
            kept[item.criterion_id] = float(item.value)
    if problems:
        raise Unprocessable(problems[0]["message"], field=problems[0]["field"], details=problems)
    return kept


def _missing(kept: dict[int, float | None], criteria: list[Criterion]) -> list[dict[str, Any]]:
    return [
        {
            "field": f"criterion.{c.id}",
            "message": f"{c.name}: give a value" + (" or N/A" if c.allow_na else ""),
        }
        for c in criteria
        if c.id not in kept
    ]


def _store_values(session: Session, scorecard: Scorecard, kept: dict[int, float | None]) -> None:
    existing = {
        v.criterion_id: v
        for v in session.exec(
            select(ScoreValue).where(ScoreValue.scorecard_id == scorecard.id)
        ).all()
    }
    assert scorecard.id is not None
    for criterion_id, row in existing.items():
        if criterion_id not in kept:
            session.delete(row)
    for criterion_id, value in kept.items():
        current = existing.get(criterion_id)
        if current is None:
            session.add(
                ScoreValue(scorecard_id=scorecard.id, criterion_id=criterion_id, value=value)
            )
        else:
            current.value = value
            session.add(current)


def _ensure_scorecard(session: Session, assignment: Assignment) -> Scorecard:
    scorecard = _scorecard(session, assignment.id or 0)
    if scorecard is not None:
        return scorecard
    assert assignment.id is not None
    scorecard = Scorecard(assignment_id=assignment.id)
    session.add(scorecard)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            "This scorecard was saved from elsewhere at the same moment; save again.",
            code="save_race",
        ) from None
    return scorecard


def save_scorecard(session: Session, ja: JudgeAssignment, body: ScorecardIn) -> ScorecardPublic:
    """Save the judge's scorecard as it stands. A draft may be incomplete; a submitted one
    stays submitted, so it must stay complete."""
    assert ja.round.id is not None
    scorecard = _scorecard(session, ja.assignment.id or 0)
    reason = lock_reason(ja.round, scorecard)
    if reason is not None:
        raise Conflict(reason, code="scorecard_locked")
    criteria = _criteria(session, ja.round.id)
    kept = _check_values(body.values, criteria)
    if scorecard is not None and scorecard.status == ScorecardStatus.submitted:
        missing = _missing(kept, criteria)
        if missing:
            raise Unprocessable(
                "A submitted scorecard must stay complete: " + missing[0]["message"],
                field=missing[0]["field"],
                details=missing,
            )
    scorecard = _ensure_scorecard(session, ja.assignment)
    _store_values(session, scorecard, kept)
    scorecard.comment = body.comment
    scorecard.feedback = body.feedback
    scorecard.updated_at = utcnow()
    session.add(scorecard)
    session.commit()
    return scorecard_public(session, ja.round, scorecard, criteria)


def submit_scorecard(session: Session, ja: JudgeAssignment) -> ScorecardPublic:
    """Submit the saved scorecard: every criterion needs a value, or N/A where allowed."""
    assert ja.round.id is not None
    scorecard = _scorecard(session, ja.assignment.id or 0)
    reason = lock_reason(ja.round, scorecard)
    if reason is not None:
        raise Conflict(reason, code="scorecard_locked")
    criteria = _criteria(session, ja.round.id)
    kept: dict[int, float | None] = {}
    if scorecard is not None:
        kept = {
            v.criterion_id: v.value
            for v in session.exec(
                select(ScoreValue).where(ScoreValue.scorecard_id == scorecard.id)
            ).all()
        }
    missing = _missing(kept, criteria)
    if not criteria:
        raise Conflict("This round has no criteria to score yet.", code="no_criteria")
    if missing:
        raise Unprocessable(
            f"{len(missing)} of {len(criteria)} criteria still need a value: "
            + missing[0]["message"],
            field=missing[0]["field"],
            details=missing,
        )
    assert scorecard is not None
    now = utcnow()
    reopened = scorecard.reopened_at is not None
    scorecard.status = ScorecardStatus.submitted
    scorecard.submitted_at = now
    scorecard.updated_at = now
    session.add(scorecard)
    if reopened:
        record(
            session,
            actor=ja.user,
            action="scorecard.resubmit",
            object_type="scorecard",
            object_id=scorecard.id,
            challenge_id=ja.challenge.id,
            after={"assignment_id": ja.assignment.id},
        )
    session.commit()
    return scorecard_public(session, ja.round, scorecard, criteria)


# --- Organisers -------------------------------------------------------------------------------


def _organiser_item(
    session: Session,
    round_: Round,
    scorecard: Scorecard,
    assignment: Assignment,
    judge: Judge,
    criteria: list[Criterion],
) -> ScorecardForOrganisers:
    assert scorecard.id is not None and assignment.id is not None and judge.id is not None
    return ScorecardForOrganisers(
        id=scorecard.id,
        assignment_id=assignment.id,
        judge_id=judge.id,
        judge_name=judge.display_name,
        status=scorecard.status,
        values=_values(session, scorecard.id),
        comment=scorecard.comment,
        feedback=scorecard.feedback,
        score=_score(session, round_, scorecard, criteria),
        submitted_at=scorecard.submitted_at,
        reopen_reason=scorecard.reopen_reason,
    )


def entry_scorecards(
    session: Session, ra: RoundAccess, entry_id: int
) -> list[ScorecardForOrganisers]:
    """Every scorecard of the entry in the round, for its organisers."""
    ra.challenge_access.need_organiser()
    assert ra.round.id is not None
    criteria = _criteria(session, ra.round.id)
    rows = session.exec(
        select(Scorecard, Assignment, Judge)
        .join(Assignment, col(Assignment.id) == col(Scorecard.assignment_id))
        .join(Judge, col(Judge.id) == col(Assignment.judge_id))
        .where(Assignment.round_id == ra.round.id, Assignment.entry_id == entry_id)
        .order_by(col(Judge.display_name), col(Judge.id))
    ).all()
    return [_organiser_item(session, ra.round, s, a, j, criteria) for s, a, j in rows]


def reopen_scorecard(
    session: Session, user: User | None, scorecard_id: int, body: ReopenIn
) -> ScorecardForOrganisers:
    """Send a submitted scorecard back to its judge as a draft, with the reason (audited);
    they may change it even after the round closed, until they submit it again."""
    scorecard = session.get(Scorecard, scorecard_id)
    assignment = session.get(Assignment, scorecard.assignment_id) if scorecard else None
    if scorecard is None or assignment is None:
        raise NotFound("No such scorecard.")
    ra = RoundAccess(session, assignment.round_id, user)
    actor = ra.challenge_access.need_organiser()
    if scorecard.status != ScorecardStatus.submitted:
        raise Conflict("Only a submitted scorecard can be reopened.", code="not_submitted")
    judge = session.get(Judge, assignment.judge_id)
    assert judge is not None
    now = utcnow()
    scorecard.status = ScorecardStatus.draft
    scorecard.reopen_reason = body.reason
    scorecard.reopened_at = now
    scorecard.updated_at = now
    session.add(scorecard)
    record(
        session,
        actor=actor,
        action="scorecard.reopen",
        object_type="scorecard",
        object_id=scorecard.id,
        challenge_id=ra.challenge.id,
        before={"status": "submitted"},
        after={"status": "draft", "judge_id": judge.id, "entry_id": assignment.entry_id},
        reason=body.reason,
    )
    session.commit()
    assert ra.round.id is not None
    return _organiser_item(
        session, ra.round, scorecard, assignment, judge, _criteria(session, ra.round.id)
    )


def judge_file_response(
    session: Session, ja: JudgeAssignment, file_id: int, storage: Storage
) -> Response:
    """The file as the judge may have it: as uploaded in an open round; in a blind round
    under a neutral name with its document and image metadata removed, or refused with the
    reason when its type cannot be cleaned."""
    file, public = file_for_judge(session, ja, file_id)
    if not ja.round.blind:
        return download_response(
            storage,
            storage_key=file.storage_key,
            content_type=file.content_type,
            filename=file.original_name,
            size=file.size,
        )
    if public.withheld is not None:
        raise Conflict(public.withheld, code="file_withheld")
    try:
        with storage.open(file.storage_key) as handle:
            data = handle.read()
    except FileNotFoundError as exc:
        raise NotFound("This file is no longer stored.") from exc
    try:
        cleaned = blind.clean_for_judges(file.content_type, data)
    except blind.CannotClean as exc:
        raise Conflict(
            f"This file cannot be given to judges of a blind round: {exc}", code="file_withheld"
        ) from exc
    return Response(
        cleaned,
        media_type=file.content_type,
        headers={
            "Content-Disposition": content_disposition(public.name),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
