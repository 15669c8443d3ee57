"""The participants, results, awards and audit-log tables."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, Select, literal, select, union_all
from sqlmodel import Session, col

from app.exports.entries import BATCH, Column
from app.models import AuditEvent, Award, Challenge, Entry, TeamMember, User
from app.results import service as results

PARTICIPANTS = (
    Column("entry_id", "integer", "The entry (entry_id of the entries table)."),
    Column("reference", "text", "Its reference."),
    Column("role", "entrant | team_member", "The account holder who entered, or a teammate."),
    Column("position", "integer", "0 for the entrant; teammates in the order listed, from 1."),
    Column("user_id", "integer", "The entrant's account number (teammates have none)."),
    Column("name", "text", "The person's name."),
    Column("email", "text", "The person's e-mail address, when given."),
)

RESULTS = (
    Column("category", "text", "The group ranked: a category, or empty for the whole call."),
    Column("position", "integer", "The place under the declared ranking rule, from 1."),
    Column("reference", "text", "The entry's reference."),
    Column("title", "text", "The entry's title."),
    Column("awards", "text", "Its awards, joined with '; '."),
    Column("jury_score", "number", "The jury score, 0-1, from the jury round."),
    Column("votes", "integer", "Counted public votes."),
    Column("vote_share", "number", "Its share of the group's counted votes, 0-1."),
    Column("final_score", "number", "w_jury · jury_score + w_public · vote_share."),
)

AWARDS = (
    Column("award_id", "integer", "The award's number."),
    Column("entry_id", "integer", "The entry (entry_id of the entries table)."),
    Column("reference", "text", "Its reference."),
    Column(
        "tier",
        "winner | second | third | honourable_mention | peoples_choice | finalist | custom",
        "The award's tier.",
    ),
    Column("label", "text", "The name of a custom tier."),
    Column("category", "text", "The category it was given in, if any."),
    Column("override_reason", "text", "Why it departs from the ranking's proposal, if it does."),
    Column("created_at", "datetime", "When it was given (UTC)."),
)

AUDIT = (
    Column("event_id", "integer", "The event's number, in the order things happened."),
    Column("created_at", "datetime", "When (UTC)."),
    Column("actor_id", "integer", "The account that acted (empty: the system)."),
    Column("actor_name", "text", "Its name."),
    Column("action", "text", "What was done, e.g. entry.screen, voting.rules."),
    Column("object_type", "text", "The kind of thing acted on."),
    Column("object_id", "integer", "Its number."),
    Column("before", "JSON", "The changed fields before, as JSON."),
    Column("after", "JSON", "The changed fields after, as JSON."),
    Column("reason", "text", "The reason given, where one is required."),
)


def participants(engine: Engine, challenge_id: int) -> Iterator[list[Any]]:
    entrants: Select[*tuple[Any, ...]] = (
        select(
            col(Entry.id).label("entry_id"),
            col(Entry.reference).label("reference"),
            literal("entrant").label("role"),
            literal(0).label("position"),
            col(User.id).label("user_id"),
            col(User.display_name).label("name"),
            col(User.email).label("email"),
        )
        .join(User, col(User.id) == col(Entry.owner_id))
        .where(col(Entry.challenge_id) == challenge_id)
    )
    members: Select[*tuple[Any, ...]] = (
        select(
            col(Entry.id),
            col(Entry.reference),
            literal("team_member"),
            col(TeamMember.position) + 1,
            literal(None),
            col(TeamMember.name),
            col(TeamMember.email),
        )
        .join(Entry, col(Entry.id) == col(TeamMember.entry_id))
        .where(col(Entry.challenge_id) == challenge_id)
    )
    both = union_all(entrants, members).subquery()
    with Session(engine) as session:
        for row in session.execute(
            select(both)
            .order_by(both.c.entry_id, both.c.position)
            .execution_options(yield_per=BATCH)
        ):
            yield list(row)


def results_rows(engine: Engine, challenge_id: int) -> Iterator[list[Any]]:
    """The standings as they stand now, in the published table's shape (a publication
    keeps the table as it was; this one is live)."""
    with Session(engine) as session:
        challenge = session.get(Challenge, challenge_id)
        assert challenge is not None
        yield from (list(row) for row in results.table_rows(session, challenge))


def awards(engine: Engine, challenge_id: int) -> Iterator[list[Any]]:
    with Session(engine) as session:
        for row in session.execute(
            select(
                *(
                    col(c)
                    for c in (
                        Award.id,
                        Award.entry_id,
                        Entry.reference,
                        Award.tier,
                        Award.label,
                        Award.category,
                        Award.override_reason,
                        Award.created_at,
                    )
                )
            )
            .join(Entry, col(Entry.id) == col(Award.entry_id))
            .where(col(Award.challenge_id) == challenge_id)
            .order_by(col(Award.id))
        ):
            yield list(row)


def audit(engine: Engine, challenge_id: int) -> Iterator[list[Any]]:
    with Session(engine) as session:
        for row in session.execute(
            select(
                *(
                    col(c)
                    for c in (
                        AuditEvent.id,
                        AuditEvent.created_at,
                        AuditEvent.actor_id,
                        User.display_name,
                        AuditEvent.action,
                        AuditEvent.object_type,
                        AuditEvent.object_id,
                        AuditEvent.before,
                        AuditEvent.after,
                        AuditEvent.reason,
                    )
                )
            )
            .outerjoin(User, col(User.id) == col(AuditEvent.actor_id))
            .where(col(AuditEvent.challenge_id) == challenge_id)
            .order_by(col(AuditEvent.id))
            .execution_options(yield_per=BATCH)
        ):
            *head, before, after, reason = row
            yield [
                *head,
                None if before is None else json.dumps(before, ensure_ascii=False, sort_keys=True),
                None if after is None else json.dumps(after, ensure_ascii=False, sort_keys=True),
                reason,
            ]
