"""The votes table: one row per vote of a challenge's public vote, counted, held for review
and discarded alike, with each voter as a pseudonym (in every variant: the export is for
counting, never for finding out who voted for what). Streamed in batches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from app.exports.entries import BATCH, Column, pseudonym
from app.models import Entry, Vote

COLUMNS = (
    Column("vote_id", "integer", "The vote's number in OpenCall."),
    Column("entry_id", "integer", "The entry voted for (entry_id of the entries table)."),
    Column("reference", "text", "That entry's reference."),
    Column("category", "text", "That entry's category."),
    Column(
        "voter",
        "text",
        "The voter as a pseudonym (P- and 12 hex digits), the same as in the entries table "
        "when the voter also entered; unrelated across calls.",
    ),
    Column(
        "status",
        "counted | held | discarded",
        "counted: in the results; held: waiting for the organisers' review; discarded: "
        "refused on review.",
    ),
    Column("hold_reason", "text", "Why the vote was held: the burst it was part of."),
    Column(
        "new_account",
        "boolean",
        "Whether the voter's account was younger than the call's new-account hours.",
    ),
    Column(
        "network",
        "text",
        "The voter's network (/24 or /48) as a keyed hash: votes from one network share it.",
    ),
    Column("created_at", "datetime", "When the vote was cast (UTC)."),
    Column("reviewed_at", "datetime", "When an organiser released or discarded it (UTC)."),
)


def rows(engine: Engine, challenge_id: int, secret_key: str) -> Iterator[list[Any]]:
    with Session(engine) as session:
        result = session.execute(
            select(
                *(
                    col(c)
                    for c in (
                        Vote.id,
                        Vote.entry_id,
                        Entry.reference,
                        Entry.category,
                        Vote.voter_id,
                        Vote.status,
                        Vote.hold_reason,
                        Vote.new_account,
                        Vote.network,
                        Vote.created_at,
                        Vote.reviewed_at,
                    )
                )
            )
            .join(Entry, col(Entry.id) == col(Vote.entry_id))
            .where(col(Vote.challenge_id) == challenge_id)
            .order_by(col(Vote.id))
            .execution_options(yield_per=BATCH)
        )
        for vote_id, entry_id, reference, category, voter_id, *rest in result:
            yield [
                vote_id,
                entry_id,
                reference,
                category,
                pseudonym(secret_key, challenge_id, voter_id),
                *rest,
            ]
