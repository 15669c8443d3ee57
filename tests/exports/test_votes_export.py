"""The votes export: counted, held and discarded votes apart, voters as pseudonyms."""

from __future__ import annotations

import csv
import io
import re

from fastapi import FastAPI

from app.exports import votes
from tests.factories import client_for
from tests.voting.test_votes import SLUG, _voting_call


def test_votes_counted_held_and_reviewed_with_voters_as_pseudonyms(app: FastAPI) -> None:
    # Two young accounts from one network make a burst: both votes are held.
    org, (e1, e2, _e3) = _voting_call(app, burst_accounts=2)
    ama = client_for(app, "ama.voter@example.org", name="Ama Voter")
    kofi = client_for(app, "kofi.voter@example.org", name="Kofi Voter")
    first = ama.post(f"/api/challenges/{SLUG}/votes", json={"entry_id": e1}).json()["id"]
    second = kofi.post(f"/api/challenges/{SLUG}/votes", json={"entry_id": e2}).json()["id"]
    r = org.post(
        f"/api/challenges/{SLUG}/votes/review",
        json={"vote_ids": [first], "decision": "release", "reason": "Known school group"},
    )
    assert r.status_code == 200, r.text

    r = org.get(f"/api/challenges/{SLUG}/exports/votes.csv")

    assert r.status_code == 200, r.text
    text = r.content.decode()
    assert "@example.org" not in text and "Voter" not in text
    table = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [c.name for c in votes.COLUMNS] == list(table[0])
    one, two = table
    assert (one["vote_id"], one["entry_id"], one["status"]) == (str(first), str(e1), "counted")
    assert (two["vote_id"], two["entry_id"], two["status"]) == (str(second), str(e2), "held")
    assert two["hold_reason"].startswith("2 accounts younger than 48 h")
    assert one["reviewed_at"].endswith("Z") and two["reviewed_at"] == ""
    assert one["new_account"] == two["new_account"] == "true"
    assert one["network"] == two["network"] != ""
    assert re.fullmatch(r"P-[0-9a-f]{12}", one["voter"])
    assert one["voter"] != two["voter"]
    assert one["reference"].startswith("HIV-") and one["category"] == "Community"


def test_only_organisers_download_votes(app: FastAPI) -> None:
    _org, (e1, _e2, _e3) = _voting_call(app)
    voter = client_for(app, "voter@example.org")
    assert voter.post(f"/api/challenges/{SLUG}/votes", json={"entry_id": e1}).status_code == 201
    assert voter.get(f"/api/challenges/{SLUG}/exports/votes.csv").status_code == 403
