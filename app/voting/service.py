"""Community voting: the rules, the ballot, casting and retracting votes exactly, and the
review of votes held as suspicious.

Exactness comes from the database, never from a check-then-write in Python:
- one vote per voter per entry: the unique constraint (entry_id, voter_id);
- one per category where the rules say so: the unique (challenge_id, voter_id, category_slot);
- at most the declared number per voter: a conditional upsert of the voter's ballot counter
  (`ON CONFLICT DO UPDATE … WHERE used < limit`) in the same transaction as the insert.
  PostgreSQL locks the ballot row for the rest of the transaction; SQLite serialises
  writers. Either way no two votes can both take the last slot, whatever the number of
  workers.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import (
    Table,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    true,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import load_only
from sqlmodel import Session, col, select

from app.audit.service import changes, record, snapshot
from app.auth.service import live_session
from app.challenges.access import ChallengeAccess
from app.challenges.form import fields_at
from app.core.config import Settings
from app.core.db import utcnow
from app.core.errors import AppError, Conflict, Forbidden, NotFound, TooManyRequests, Unprocessable
from app.core.pagination import decode_cursor, encode_cursor
from app.core.ratelimit import Limit, RateLimiter
from app.models import (
    Ballot,
    BallotSource,
    Challenge,
    Eligibility,
    Entry,
    EntryStatus,
    FieldType,
    Round,
    RoundEntry,
    StoredFile,
    TeamMember,
    User,
    UserSession,
    Vote,
    VoteStatus,
    VotingRules,
)

VotingState = Literal["off", "upcoming", "open", "closed"]
VOTE_COLUMNS = (
    "challenge_id",
    "entry_id",
    "voter_id",
    "category_slot",
    "status",
    "network",
    "new_account",
    "hold_reason",
    "created_at",
)
RULE_FIELDS = (
    "enabled",
    "ballot",
    "ballot_round_id",
    "votes_per_voter",
    "one_per_category",
    "require_verified",
    "allow_self_vote",
    "new_account_hours",
    "burst_accounts",
    "burst_minutes",
    "per_account_per_minute",
    "per_address_per_minute",
)


# --- Bodies ---------------------------------------------------------------------------------


class RulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool | None = None
    ballot: BallotSource | None = Field(
        default=None, description="eligible entries, those advanced from a round, or finalists"
    )
    ballot_round_id: int | None = Field(default=None, description="the round, for `advanced`")
    votes_per_voter: int | None = Field(default=None, ge=1, le=100)
    one_per_category: bool | None = Field(
        default=None, description="at most one of a voter's votes in each category"
    )
    require_verified: bool | None = None
    allow_self_vote: bool | None = None
    new_account_hours: int | None = Field(default=None, ge=0, le=24 * 90)
    burst_accounts: int | None = Field(default=None, ge=2, le=10_000)
    burst_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    per_account_per_minute: int | None = Field(default=None, ge=1, le=10_000)
    per_address_per_minute: int | None = Field(default=None, ge=1, le=100_000)


# Every rule has a value, but for the round an `advanced` ballot names: null is refused.
RULES_NOT_NULL = tuple(name for name in RulesIn.model_fields if name != "ballot_round_id")


class RulesPublic(BaseModel):
    enabled: bool
    state: VotingState
    opens_at: datetime | None
    closes_at: datetime | None
    timezone: str
    ballot: BallotSource
    ballot_round_id: int | None
    votes_per_voter: int
    one_per_category: bool
    require_verified: bool
    allow_self_vote: bool
    new_account_hours: int
    burst_accounts: int
    burst_minutes: int
    per_account_per_minute: int
    per_address_per_minute: int


class VoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entry_id: int


class VotePublic(BaseModel):
    id: int
    entry_id: int
    entry_reference: str | None
    entry_title: str
    category: str | None
    status: VoteStatus
    created_at: datetime


class MyVotes(BaseModel):
    votes: list[VotePublic]
    votes_per_voter: int
    used: int
    left: int
    state: VotingState


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    vote_ids: list[int] = Field(min_length=1, max_length=5000)
    decision: Literal["release", "discard"]
    reason: str = Field(min_length=3, max_length=500)

    @model_validator(mode="after")
    def _distinct(self) -> ReviewIn:
        if len(set(self.vote_ids)) != len(self.vote_ids):
            raise ValueError("vote_ids names a vote twice")
        return self


class HeldVote(BaseModel):
    id: int
    entry_id: int
    entry_reference: str | None
    voter_id: int
    voter_name: str
    voter_created_at: datetime
    network: str = Field(description="a keyed hash of the voter's network, to group bursts")
    hold_reason: str | None
    created_at: datetime


class Reviewed(BaseModel):
    released: int
    discarded: int


class EntryCount(BaseModel):
    entry_id: int
    reference: str | None
    title: str
    category: str | None
    counted: int
    held: int
    discarded: int


class Counts(BaseModel):
    """The call's votes in all: the totals above the per-entry list, which pages apart."""

    counted: int
    held: int
    discarded: int
    voters: int = Field(description="accounts with at least one vote in the call")


class PublicAnswer(BaseModel):
    key: str
    label: str
    type: str
    value: Any


class PublicFile(BaseModel):
    id: int
    label: str
    name: str
    content_type: str
    size: int
    url: str


class BallotEntry(BaseModel):
    id: int
    reference: str | None
    title: str
    summary: str
    category: str | None
    language: str | None
    licence: str
    answers: list[PublicAnswer]
    files: list[PublicFile]


class BallotPage(BaseModel):
    items: list[BallotEntry]
    total: int
    next_offset: int | None


# --- Rules and state --------------------------------------------------------------------------


def rules_of(session: Session, challenge: Challenge) -> VotingRules:
    """The challenge's voting rules (the defaults, not stored, until organisers set them)."""
    assert challenge.id is not None
    rules = session.get(VotingRules, challenge.id)
    return rules if rules is not None else VotingRules(challenge_id=challenge.id)


def voting_state(challenge: Challenge, rules: VotingRules, now: datetime) -> VotingState:
    """Off unless enabled; then by the challenge's voting window, on the server's clock."""
    if not rules.enabled or challenge.voting_opens_at is None:
        return "off" if not rules.enabled else "upcoming"
    if now < challenge.voting_opens_at:
        return "upcoming"
    if challenge.voting_closes_at is not None and now >= challenge.voting_closes_at:
        return "closed"
    return "open"


def rules_public(challenge: Challenge, rules: VotingRules) -> RulesPublic:
    return RulesPublic(
        state=voting_state(challenge, rules, utcnow()),
        opens_at=challenge.voting_opens_at,
        closes_at=challenge.voting_closes_at,
        timezone=challenge.timezone,
        **snapshot(rules, RULE_FIELDS),
    )


def update_rules(session: Session, access: ChallengeAccess, body: RulesIn) -> VotingRules:
    """Declare the voting rules (audited). Once voting has opened, the ballot and the number
    of votes are fixed: changing them would change what earlier voters chose under."""
    actor = access.need_organiser()
    challenge = access.challenge
    rules = rules_of(session, challenge)
    before = snapshot(rules, RULE_FIELDS)
    values = body.model_dump(exclude_unset=True)
    for name in RULES_NOT_NULL:
        if name in values and values[name] is None:
            raise Unprocessable(f"{name}: may not be null", field=name)
    started = challenge.voting_opens_at is not None and utcnow() >= challenge.voting_opens_at
    fixed = ("ballot", "ballot_round_id", "votes_per_voter", "one_per_category", "allow_self_vote")
    if rules.enabled and started:
        moved = [k for k in fixed if k in values and values[k] != before[k]]
        if moved:
            raise Conflict(
                f"Voting has opened; {moved[0].replace('_', ' ')} can no longer change.",
                field=moved[0],
                code="voting_started",
            )
    for name, value in values.items():
        setattr(rules, name, value)
    if rules.ballot == BallotSource.advanced:
        round_ = session.get(Round, rules.ballot_round_id) if rules.ballot_round_id else None
        if round_ is None or round_.challenge_id != challenge.id:
            raise Unprocessable(
                "ballot_round_id: name a round of this challenge whose advanced entries are "
                "on the ballot",
                field="ballot_round_id",
            )
    rules.updated_at = utcnow()
    session.add(rules)
    old, new = changes(before, snapshot(rules, RULE_FIELDS))
    if new:
        record(
            session,
            actor=actor,
            action="voting.rules",
            object_type="challenge",
            object_id=challenge.id,
            challenge_id=challenge.id,
            before=old,
            after=new,
        )
    session.commit()
    session.refresh(rules)
    return rules


# --- The ballot -----------------------------------------------------------------------------


def ballot_filter(challenge: Challenge, rules: VotingRules) -> Any:
    """A condition on Entry: the entries on the challenge's ballot under these rules."""
    return ballot_condition(challenge.id, rules.ballot, rules.ballot_round_id)


def ballot_condition(challenge_id: Any, ballot: Any, ballot_round_id: Any) -> Any:
    """A condition on Entry: submitted to the challenge and on the ballot its rules name,
    all eligible entries or those advanced from a round (a declared one, or the last one
    advanced: the finalists). `ballot` and `ballot_round_id` are the rules' values, or the
    columns of a VotingRules joined in the same query, whose ballot SQL then chooses."""

    def advanced_from(round_id: Any) -> Any:
        return col(Entry.id).in_(
            select(RoundEntry.entry_id).where(
                RoundEntry.round_id == round_id, col(RoundEntry.advanced).is_(True)
            )
        )

    submitted = (col(Entry.challenge_id) == challenge_id) & (
        col(Entry.status) == EntryStatus.submitted
    )
    eligible = col(Entry.eligibility) == Eligibility.eligible
    last_advanced = (
        select(Round.id)
        .where(Round.challenge_id == challenge_id, col(Round.advanced_at).is_not(None))
        .order_by(col(Round.position).desc())
        .limit(1)
        .correlate_except(Round)  # the challenge's, in a query about it two levels out
        .scalar_subquery()
    )
    if isinstance(ballot, str):  # the rules' value: Python chooses
        source = BallotSource(ballot)
        if source == BallotSource.eligible:
            return submitted & eligible
        finalists = source == BallotSource.finalists
        return submitted & advanced_from(last_advanced if finalists else ballot_round_id)
    return submitted & case(
        (ballot == BallotSource.eligible, eligible),
        (ballot == BallotSource.finalists, advanced_from(last_advanced)),
        else_=advanced_from(ballot_round_id),
    )


def ballot(
    session: Session,
    challenge: Challenge,
    *,
    q: str | None,
    category: str | None,
    offset: int,
    limit: int,
) -> BallotPage:
    """The entries on the ballot with their public fields only, in a stable order."""
    rules = rules_of(session, challenge)
    if not rules.enabled:
        return BallotPage(items=[], total=0, next_offset=None)
    return entry_page(
        session,
        challenge,
        ballot_filter(challenge, rules),
        q=q,
        category=category,
        offset=offset,
        limit=limit,
    )


def entry_page(
    session: Session,
    challenge: Challenge,
    condition: Any,
    *,
    q: str | None,
    category: str | None,
    offset: int,
    limit: int,
) -> BallotPage:
    """A page of the entries meeting `condition`, public fields only (the ballot and the
    gallery), searched by title, summary or reference and filtered by category."""
    where = [condition]
    if category:
        where.append(col(Entry.category) == category)
    if q:
        needle = f"%{q.strip().lower()}%"
        where.append(
            func.lower(Entry.title).like(needle)
            | func.lower(Entry.summary).like(needle)
            | func.lower(func.coalesce(Entry.reference, "")).like(needle)
        )
    total = session.exec(select(func.count()).select_from(Entry).where(*where)).one()
    entries = session.exec(
        select(Entry)
        .where(*where)
        .order_by(col(Entry.reference), col(Entry.id))
        .offset(offset)
        .limit(limit)
    ).all()
    items = [ballot_entry(session, challenge, e) for e in entries]
    more = offset + len(items) < total
    return BallotPage(items=items, total=total, next_offset=offset + len(items) if more else None)


def _public_fields(session: Session, entry: Entry) -> list[Any]:
    return [
        f
        for f in fields_at(session, entry.challenge_id, entry.form_version)
        if f.public and not f.identifying and not f.demographic
    ]


def ballot_entry(session: Session, challenge: Challenge, entry: Entry) -> BallotEntry:
    assert entry.id is not None
    fields = _public_fields(session, entry)
    file_fields = {f.key: f for f in fields if f.type == FieldType.file}
    files = session.exec(
        select(StoredFile)
        .where(StoredFile.entry_id == entry.id, col(StoredFile.field_key).in_(list(file_fields)))
        .order_by(col(StoredFile.id))
    ).all()
    return BallotEntry(
        id=entry.id,
        reference=entry.reference,
        title=entry.title,
        summary=entry.summary,
        category=entry.category,
        language=entry.language,
        licence=entry.licence or challenge.licence.value,
        answers=[
            PublicAnswer(
                key=f.key, label=f.label, type=f.type.value, value=entry.answers.get(f.key)
            )
            for f in fields
            if f.type != FieldType.file
        ],
        files=[
            PublicFile(
                id=file.id or 0,
                label=file_fields[file.field_key or ""].label,
                name=f"{entry.reference or 'entry'}-{file.field_key}-{n}",
                content_type=file.content_type,
                size=file.size,
                url=f"/api/challenges/{challenge.slug}/ballot/files/{file.id}",
            )
            for n, file in enumerate(files, start=1)
        ],
    )


def ballot_file(session: Session, challenge: Challenge, file_id: int) -> tuple[StoredFile, str]:
    """A file on a public field of an entry on the ballot, with its neutral name."""
    file = session.get(StoredFile, file_id)
    entry = session.get(Entry, file.entry_id) if file and file.entry_id else None
    rules = rules_of(session, challenge)
    if file is None or entry is None or entry.challenge_id != challenge.id or not rules.enabled:
        raise NotFound("No such file.")
    on_ballot = session.exec(
        select(Entry.id).where(Entry.id == entry.id, ballot_filter(challenge, rules))
    ).first()
    shown = {f.key for f in _public_fields(session, entry) if f.type == FieldType.file}
    if on_ballot is None or file.field_key not in shown:
        raise NotFound("No such file.")
    item = next(f for f in ballot_entry(session, challenge, entry).files if f.id == file.id)
    return file, item.name


# --- Votes ----------------------------------------------------------------------------------


def _keyed(settings: Settings, text: str) -> str:
    """A keyed hash: lets rows be grouped by an address without storing it."""
    return hmac.new(settings.secret_key.encode(), text.encode(), hashlib.sha256).hexdigest()


def network_of(settings: Settings, address: str | None) -> str:
    """A keyed hash of the address's network: /24 for IPv4, /48 for IPv6."""
    try:
        ip = ipaddress.ip_address(address or "")
        prefix = 24 if ip.version == 4 else 48
        network = str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
    except ValueError:
        network = "unknown"
    return _keyed(settings, f"network:{network}")


def _limits(settings: Settings, rules: VotingRules, user: User, address: str | None) -> list[Limit]:
    """The voter's and the address's limits on voting (and retracting) per minute."""
    limits = [Limit("vote-account", str(user.id), rules.per_account_per_minute, 60)]
    if address is not None:
        key = _keyed(settings, f"address:{address}")
        limits.append(Limit("vote-address", key, rules.per_address_per_minute, 60))
    return limits


def _count_and_commit(session: Session, limiter: RateLimiter, limits: list[Limit]) -> None:
    """Count the action against its limits in the open transaction and commit both; or,
    when a limit is reached, roll everything back and refuse with the seconds to wait."""
    wait = limiter.hit(session, limits)
    if wait is not None:
        session.rollback()
        raise TooManyRequests(
            f"Too many votes in a short time; try again in {wait} seconds.", retry_after=wait
        )
    session.commit()


def _refused(session: Session, limiter: RateLimiter, limits: list[Limit], error: AppError) -> None:
    """A refused attempt counts against the limits too (on its own), so hammering at a
    closed door is throttled like anything else; then the refusal is raised."""
    session.rollback()
    _count_and_commit(session, limiter, limits)
    raise error


@functools.cache
def _take_statement(dialect: str) -> Any:
    """Take one of the voter's votes, or find none left: one statement that creates the
    ballot with one vote used, or adds one to it while fewer than `allowed` are used.
    PostgreSQL locks the ballot row until the transaction ends and re-checks the condition on
    the latest row; SQLite serialises writers. No two votes can both take the last one.
    Built once per dialect from bound parameters, so compiled once."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    ballots: Table = Ballot.__table__  # type: ignore[attr-defined]
    first = insert(ballots).values(
        challenge_id=bindparam("challenge_id"), voter_id=bindparam("voter_id"), used=1
    )
    return first.on_conflict_do_update(
        index_elements=["challenge_id", "voter_id"],
        set_={"used": ballots.c.used + 1},
        where=ballots.c.used < bindparam("allowed"),
    ).returning(ballots.c.used)


_votes: Table = Vote.__table__  # type: ignore[attr-defined]
_VOTE_VALUES = [bindparam(name, type_=_votes.c[name].type) for name in VOTE_COLUMNS]
_INSERT_VOTE = (
    insert(_votes).values(dict(zip(VOTE_COLUMNS, _VOTE_VALUES, strict=True))).returning(_votes.c.id)
)


@functools.cache
def _take_and_insert_statement(dialect: str) -> Any:
    """On PostgreSQL, the take and the vote's insert as one statement, a round trip fewer on
    the busiest route: the take runs in a CTE, and the insert selects from its row, so no
    vote is inserted (and no row returned) when none was left to take. Elsewhere None: the
    take, then the insert."""
    if dialect != "postgresql":
        return None
    taken = _take_statement(dialect).cte("taken")
    values = select(*_VOTE_VALUES).select_from(taken)
    return insert(_votes).from_select(list(VOTE_COLUMNS), values).returning(_votes.c.id)


# What a vote reads of its challenge: whether it is public, and the voting window.
VOTE_READS = ("id", "slug", "published_at", "voting_opens_at", "voting_closes_at", "timezone")


_SESSIONS: Table = UserSession.__table__  # type: ignore[attr-defined]
_USERS: Table = User.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class BallotChoice:
    """The entry a vote names, as the vote reads it."""

    reference: str | None
    title: str
    category: str | None
    on_ballot: bool
    own: bool  # the caller's entry, or one whose team lists the caller's e-mail


@dataclass(frozen=True)
class VoteReads:
    """Everything a vote reads, from one query (`read_vote`)."""

    challenge: Challenge
    rules: VotingRules
    caller: tuple[UserSession, User] | None
    entry: BallotChoice | None


# What a vote reads of the caller (the rest of their rows loads on first use).
SESSION_READS = ("id", "user_id", "last_seen_at")
USER_READS = ("id", "email", "email_verified_at", "created_at", "is_admin", "is_active")


@functools.cache
def _read_vote_statement() -> Any:
    """`read_vote`'s query, built once from bound parameters, so compiled once."""
    own = (col(Entry.owner_id) == col(User.id)) | exists().where(
        col(TeamMember.entry_id) == col(Entry.id),
        func.lower(TeamMember.email) == func.lower(User.email),
    )
    on_ballot = ballot_condition(
        col(Challenge.id), col(VotingRules.ballot), col(VotingRules.ballot_round_id)
    )
    caller = live_session(bindparam("token_hash"), bindparam("now"))
    return (
        select(  # type: ignore[call-overload]
            Challenge,
            VotingRules,
            UserSession,
            User,
            Entry.id,
            Entry.reference,
            Entry.title,
            Entry.category,
            on_ballot,
            own,
        )
        .options(
            load_only(*(getattr(Challenge, name) for name in VOTE_READS)),
            load_only(*(getattr(UserSession, name) for name in SESSION_READS)),
            load_only(*(getattr(User, name) for name in USER_READS)),
        )
        .outerjoin(VotingRules, col(VotingRules.challenge_id) == col(Challenge.id))
        .outerjoin(_SESSIONS.join(_USERS, caller), true())
        .outerjoin(
            Entry,
            (col(Entry.id) == bindparam("entry_id"))
            & (col(Entry.challenge_id) == col(Challenge.id)),
        )
        .where(col(Challenge.slug) == bindparam("slug"))
    )


def read_vote(
    session: Session, slug: str, entry_id: int, token_hash: str, now: datetime
) -> VoteReads | None:
    """The busiest route's reads in one round trip: the challenge named by `slug` (only the
    columns a vote reads; any other loads on first use) with its voting rules, the caller
    whose session token hashes to `token_hash` (`live_session`), and the entry voted for,
    whether it is on the ballot the rules name and whether it is the caller's own. None when
    there is no such challenge."""
    params = {"slug": slug, "entry_id": entry_id, "token_hash": token_hash, "now": now}
    row = session.execute(_read_vote_statement(), params).first()
    if row is None:
        return None
    (challenge, rules, user_session, user, found, reference, title, category, listed, mine) = row
    if rules is None:
        rules = VotingRules(challenge_id=challenge.id)
    return VoteReads(
        challenge=challenge,
        rules=rules,
        caller=(user_session, user) if user is not None else None,
        entry=None
        if found is None
        else BallotChoice(reference, title, category, bool(listed), bool(mine)),
    )


def cast_vote(
    session: Session,
    settings: Settings,
    limiter: RateLimiter,
    reads: VoteReads,
    user: User,
    body: VoteIn,
    address: str | None,
) -> VotePublic:
    """Cast one vote, exactly: inside the window by the server's clock, within the voter's
    number of votes, once per entry (and per category where declared). A vote from a young
    account in a burst of young accounts from one network is held for review.

    The hot path of a public vote, so it is lean: one read (`read_vote`: the challenge, its
    rules, the caller, the entry), then one transaction: take a vote from the voter's
    ballot, insert the vote, count the rate limits, commit. The constraints and the
    conditional upserts do the counting. Rows are always locked in that order (ballot, then
    the limits' counters), so concurrent votes cannot deadlock; the shared per-address
    counter is held only from its upsert to the commit."""
    challenge, rules = reads.challenge, reads.rules
    assert challenge.id is not None and user.id is not None
    now = utcnow()
    state = voting_state(challenge, rules, now)
    if state != "open":
        raise Conflict(_closed_message(challenge, state), code=f"voting_{state}")
    if rules.require_verified and user.email_verified_at is None:
        raise Forbidden(
            "Verify your e-mail address before voting: open the link we sent you.",
            code="not_verified",
        )
    limits = _limits(settings, rules, user, address)
    try:
        vote = _write_vote(session, settings, reads, user, body, address, now)
    except AppError as error:
        _refused(session, limiter, limits, error)
    _count_and_commit(session, limiter, limits)
    return vote


def _write_vote(
    session: Session,
    settings: Settings,
    reads: VoteReads,
    user: User,
    body: VoteIn,
    address: str | None,
    now: datetime,
) -> VotePublic:
    """The vote's writes, uncommitted; raises the refusal when it may not be cast."""
    challenge, rules, entry = reads.challenge, reads.rules, reads.entry
    assert challenge.id is not None and user.id is not None
    challenge_id, voter_id = challenge.id, user.id
    if entry is None or not entry.on_ballot:
        raise NotFound("This entry is not on the ballot.", field="entry_id")
    if entry.own and not rules.allow_self_vote:
        raise Forbidden("You cannot vote for your own entry.", code="self_vote")
    reference, title, category = entry.reference, entry.title, entry.category
    network = network_of(settings, address)
    new_account = user.created_at > now - timedelta(hours=rules.new_account_hours)
    status, reason = VoteStatus.counted, None
    young = (
        _young_accounts(session, rules, challenge_id, voter_id, network, now) if new_account else 0
    )
    if new_account and young + 1 >= rules.burst_accounts:
        status = VoteStatus.held
        reason = (
            f"{young + 1} accounts younger than {rules.new_account_hours} h voted from one "
            f"network within {rules.burst_minutes} min"
        )
        # The burst's earlier votes were counted before it showed: hold them too.
        session.execute(
            update(Vote)
            .where(
                col(Vote.challenge_id) == challenge_id,
                col(Vote.network) == network,
                col(Vote.new_account).is_(True),
                col(Vote.created_at) > now - timedelta(minutes=rules.burst_minutes),
                col(Vote.status) == VoteStatus.counted,
            )
            .values(status=VoteStatus.held, hold_reason=reason)
            .execution_options(synchronize_session=False)
        )
    params = {
        "challenge_id": challenge_id,
        "entry_id": body.entry_id,
        "voter_id": voter_id,
        "category_slot": (category or "") if rules.one_per_category else None,
        "status": status,
        "network": network,
        "new_account": new_account,
        "hold_reason": reason,
        "created_at": now,
        "allowed": rules.votes_per_voter,
    }
    # Core statements on the session's connection: the ORM has nothing to add here.
    connection = session.connection()
    take_and_insert = _take_and_insert_statement(connection.dialect.name)
    try:
        if take_and_insert is not None:
            vote_id = connection.execute(take_and_insert, params).scalar_one_or_none()
        elif connection.execute(_take_statement(connection.dialect.name), params).first():
            vote_id = connection.execute(_INSERT_VOTE, params).scalar_one()
        else:
            vote_id = None
    except IntegrityError:
        session.rollback()
        if (
            rules.one_per_category
            and session.exec(
                select(Vote.id).where(
                    Vote.challenge_id == challenge_id,
                    Vote.voter_id == voter_id,
                    Vote.category_slot == (category or ""),
                    Vote.entry_id != body.entry_id,
                )
            ).first()
        ):
            raise Conflict(
                "You have voted in this category already; retract that vote to change it.",
                field="entry_id",
                code="category_voted",
            ) from None
        raise Conflict(
            "You have voted for this entry already.", field="entry_id", code="already_voted"
        ) from None
    if vote_id is None:
        n = rules.votes_per_voter
        raise Conflict(
            f"You have used all {n} vote{'s' if n != 1 else ''}; retract one to vote again.",
            code="no_votes_left",
        )
    return VotePublic(
        id=vote_id,
        entry_id=body.entry_id,
        entry_reference=reference,
        entry_title=title,
        category=category,
        status=status,
        created_at=now,
    )


def _young_accounts(
    session: Session,
    rules: VotingRules,
    challenge_id: int,
    voter_id: int,
    network: str,
    now: datetime,
) -> int:
    """How many other young accounts voted from this network within `burst_minutes`."""
    return session.exec(
        select(func.count(func.distinct(Vote.voter_id))).where(
            Vote.challenge_id == challenge_id,
            Vote.network == network,
            col(Vote.new_account).is_(True),
            col(Vote.created_at) > now - timedelta(minutes=rules.burst_minutes),
            Vote.voter_id != voter_id,
        )
    ).one()


def _closed_message(challenge: Challenge, state: VotingState) -> str:
    def when(moment: datetime | None) -> str:
        """In the call's time zone, and in UTC when that is another."""
        if moment is None:
            return "a date not set yet"
        utc = moment.strftime("%Y-%m-%d %H:%M UTC")
        if challenge.timezone in ("UTC", "Etc/UTC"):
            return utc
        try:
            local = moment.astimezone(ZoneInfo(challenge.timezone))
        except (ZoneInfoNotFoundError, ValueError):
            return utc
        return f"{local.strftime('%Y-%m-%d %H:%M')} {challenge.timezone} ({utc})"

    if state == "off":
        return "This challenge has no public vote."
    if state == "upcoming":
        return f"Voting opens on {when(challenge.voting_opens_at)}."
    return f"Voting closed on {when(challenge.voting_closes_at)}."


def retract_vote(
    session: Session,
    settings: Settings,
    limiter: RateLimiter,
    user: User,
    vote_id: int,
    address: str | None,
) -> None:
    """Take back one of my votes while voting is open; the vote is free to use again."""
    vote = session.get(Vote, vote_id)
    if vote is None or vote.voter_id != user.id:
        raise NotFound("No such vote.")
    challenge = session.get(Challenge, vote.challenge_id)
    assert challenge is not None
    rules = rules_of(session, challenge)
    state = voting_state(challenge, rules, utcnow())
    if state != "open":
        raise Conflict(_closed_message(challenge, state), code=f"voting_{state}")
    limits = _limits(settings, rules, user, address)
    if vote.status == VoteStatus.discarded:
        _refused(
            session,
            limiter,
            limits,
            Conflict("This vote was discarded on review; it cannot be retracted."),
        )
    # The same lock order as casting, so the two cannot deadlock: the voter's ballot first,
    # then the vote, then the limits' counters.
    mine = (col(Ballot.challenge_id) == vote.challenge_id, col(Ballot.voter_id) == user.id)
    session.execute(select(Ballot.id).where(*mine).with_for_update())
    deleted = session.execute(delete(Vote).where(col(Vote.id) == vote_id))
    if deleted.rowcount == 1:  # type: ignore[attr-defined]
        session.execute(
            update(Ballot).where(*mine, col(Ballot.used) > 0).values(used=Ballot.used - 1)
        )
    _count_and_commit(session, limiter, limits)


def _vote_public(vote: Vote, entry: Entry) -> VotePublic:
    assert vote.id is not None
    return VotePublic(
        id=vote.id,
        entry_id=vote.entry_id,
        entry_reference=entry.reference,
        entry_title=entry.title,
        category=entry.category,
        status=vote.status,
        created_at=vote.created_at,
    )


def my_votes(session: Session, challenge: Challenge, user: User) -> MyVotes:
    rules = rules_of(session, challenge)
    rows = session.exec(
        select(Vote, Entry)
        .join(Entry, col(Entry.id) == col(Vote.entry_id))
        .where(Vote.challenge_id == challenge.id, Vote.voter_id == user.id)
        .order_by(col(Vote.created_at), col(Vote.id))
    ).all()
    used = (
        session.exec(
            select(Ballot.used).where(
                Ballot.challenge_id == challenge.id, Ballot.voter_id == user.id
            )
        ).first()
        or 0
    )
    return MyVotes(
        votes=[_vote_public(v, e) for v, e in rows],
        votes_per_voter=rules.votes_per_voter,
        used=used,
        left=max(0, rules.votes_per_voter - used),
        state=voting_state(challenge, rules, utcnow()),
    )


# --- Organisers -------------------------------------------------------------------------------


def _by_status(status: VoteStatus) -> Any:
    return func.count().filter(col(Vote.status) == status)


def counts(session: Session, challenge: Challenge) -> Counts:
    """The call's votes, counted, held and discarded apart, and how many accounts cast them:
    two index-only scans of the call's votes, whatever the number of entries."""
    counted, held, discarded = session.exec(
        select(
            _by_status(VoteStatus.counted),
            _by_status(VoteStatus.held),
            _by_status(VoteStatus.discarded),
        ).where(Vote.challenge_id == challenge.id)
    ).one()
    # DISTINCT in a subquery, not count(DISTINCT ...): it reads the voters in the order of
    # uq_vote_challenge_id_voter_id_category_slot instead of sorting a million of them.
    voters = select(col(Vote.voter_id)).where(Vote.challenge_id == challenge.id).distinct()
    n_voters = session.exec(select(func.count()).select_from(voters.subquery())).one()
    return Counts(counted=counted, held=held, discarded=discarded, voters=n_voters)


def entry_counts(
    session: Session, challenge: Challenge, *, limit: int, cursor: str | None
) -> tuple[list[EntryCount], str | None]:
    """Votes per entry, counted, held and discarded apart, a page at a time in the order of
    the entries' ids; entries without votes are not listed. One statement: the GROUP BY
    walks ix_vote_challenge_id_entry_id_status from the cursor and stops at the page's end,
    then only the page's entries are joined for their reference, title and category."""
    tally = (
        sa_select(
            col(Vote.entry_id).label("entry_id"),
            _by_status(VoteStatus.counted).label("counted"),
            _by_status(VoteStatus.held).label("held"),
            _by_status(VoteStatus.discarded).label("discarded"),
        )
        .where(col(Vote.challenge_id) == challenge.id)
        .group_by(col(Vote.entry_id))
        .order_by(col(Vote.entry_id))
        .limit(limit + 1)
    )
    if cursor:
        tally = tally.where(col(Vote.entry_id) > decode_cursor(cursor))
    page = tally.subquery()
    rows = session.execute(
        sa_select(
            page.c.entry_id,
            col(Entry.reference),
            col(Entry.title),
            col(Entry.category),
            page.c.counted,
            page.c.held,
            page.c.discarded,
        )
        .join(Entry, col(Entry.id) == page.c.entry_id)
        .order_by(page.c.entry_id)
    ).all()
    items = [
        EntryCount(
            entry_id=entry_id,
            reference=reference,
            title=title,
            category=category,
            counted=counted,
            held=held,
            discarded=discarded,
        )
        for entry_id, reference, title, category, counted, held, discarded in rows[:limit]
    ]
    next_cursor = encode_cursor(items[-1].entry_id) if len(rows) > limit else None
    return items, next_cursor


def held_votes(session: Session, challenge: Challenge) -> list[HeldVote]:
    rows = session.exec(
        select(Vote, Entry, User)
        .join(Entry, col(Entry.id) == col(Vote.entry_id))
        .join(User, col(User.id) == col(Vote.voter_id))
        .where(Vote.challenge_id == challenge.id, Vote.status == VoteStatus.held)
        .order_by(col(Vote.network), col(Vote.created_at), col(Vote.id))
    ).all()
    return [
        HeldVote(
            id=v.id or 0,
            entry_id=v.entry_id,
            entry_reference=e.reference,
            voter_id=v.voter_id,
            voter_name=u.display_name,
            voter_created_at=u.created_at,
            network=v.network[:12],
            hold_reason=v.hold_reason,
            created_at=v.created_at,
        )
        for v, e, u in rows
    ]


def review(session: Session, access: ChallengeAccess, body: ReviewIn) -> Reviewed:
    """Release held votes into the count or discard them, with the reason (audited)."""
    actor = access.need_organiser()
    challenge = access.challenge
    votes = session.exec(
        select(Vote).where(Vote.challenge_id == challenge.id, col(Vote.id).in_(body.vote_ids))
    ).all()
    found = {v.id: v for v in votes}
    problems = [
        {"field": f"vote_ids.{i}", "message": "is not a vote held for review in this challenge"}
        for i, vote_id in enumerate(body.vote_ids)
        if vote_id not in found or found[vote_id].status != VoteStatus.held
    ]
    if problems:
        raise Unprocessable(problems[0]["message"], field=problems[0]["field"], details=problems)
    now = utcnow()
    status = VoteStatus.counted if body.decision == "release" else VoteStatus.discarded
    for vote in votes:
        vote.status = status
        vote.reviewed_by_id = actor.id
        vote.reviewed_at = now
        session.add(vote)
    record(
        session,
        actor=actor,
        action=f"votes.{body.decision}",
        object_type="challenge",
        object_id=challenge.id,
        challenge_id=challenge.id,
        after={"vote_ids": sorted(body.vote_ids)},
        reason=body.reason,
    )
    session.commit()
    n = len(votes)
    return Reviewed(
        released=n if body.decision == "release" else 0,
        discarded=n if body.decision == "discard" else 0,
    )
