"""The judging exports against a round scored by hand: scorecards row by row (N/A as
such), entry statistics worked by hand, the panel's load, and the conflict register."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi import FastAPI

from app.exports import judging
from tests.judging.world import SLUG, judged_round


def _table(client: Any, name: str, columns: tuple[judging.Column, ...]) -> list[dict[str, str]]:
    r = client.get(f"/api/challenges/{SLUG}/exports/{name}.csv")
    assert r.status_code == 200, r.text
    reader = csv.DictReader(io.StringIO(r.content.decode(), newline=""))
    assert reader.fieldnames == [c.name for c in columns]
    return list(reader)


def test_the_judging_tables(app: FastAPI, mailbox: Any) -> None:
    world = judged_round(app, mailbox, entries=2, judges=("ada", "bo"), k=2)
    e1, e2 = world.entry_ids
    world.score("ada", e1, 8, 6)
    world.score("ada", e2, 4, None)  # Feasibility not applicable
    world.score("bo", e1, 6, 4)
    r = world.org.post(
        f"/api/challenges/{SLUG}/conflicts",
        json={"judge_id": world.judge_ids["bo"], "entry_id": e2, "reason": "Former colleague"},
    )
    assert r.status_code in (200, 201), r.text

    cards = _table(world.org, "scorecards", judging.SCORECARDS)
    assert [
        (c["judge_name"], int(c["entry_id"]), c["criterion"], c["value"], c["na"]) for c in cards
    ] == [
        ("Ada", e1, "Impact", "8.0", "false"),
        ("Ada", e1, "Feasibility", "6.0", "false"),
        ("Ada", e2, "Impact", "4.0", "false"),
        ("Ada", e2, "Feasibility", "", "true"),
        ("Bo", e1, "Impact", "6.0", "false"),
        ("Bo", e1, "Feasibility", "4.0", "false"),
    ]
    assert {
        (c["weight"], c["scale_min"], c["scale_max"]) for c in cards if c["criterion"] == "Impact"
    } == {("2.0", "1.0", "10.0")}
    assert all(c["status"] == "submitted" and c["submitted_at"].endswith("Z") for c in cards)

    # Scorecard scores on 0-1, Impact weighing 2 and Feasibility 1 on 1-10:
    # Ada e1 (2·7/9 + 5/9)/3 = 19/27; Bo e1 (2·5/9 + 3/9)/3 = 13/27; Ada e2 Impact only: 3/9.
    scores = {int(s["entry_id"]): s for s in _table(world.org, "scores", judging.SCORES)}
    one, two = scores[e1], scores[e2]
    assert (one["scorecards"], two["scorecards"]) == ("2", "1")
    assert float(one["mean"]) == pytest.approx(16 / 27)
    assert float(one["min"]) == pytest.approx(13 / 27)
    assert float(one["max"]) == pytest.approx(19 / 27)
    assert float(one["sd"]) == pytest.approx((6 / 27) / 2**0.5)
    assert float(two["mean"]) == pytest.approx(1 / 3)
    assert one["round"] == "Round 1" and one["advanced"] == "" and one["rank"] == ""

    panel = {j["name"]: j for j in _table(world.org, "judges", judging.JUDGES)}
    assert (panel["Ada"]["assigned"], panel["Ada"]["submitted"]) == ("2", "2")
    assert panel["Bo"]["submitted"] == "1"
    assert panel["Ada"]["email"] == "ada@uni-ada.edu" and panel["Ada"]["status"] == "active"

    (conflict,) = _table(world.org, "conflicts", judging.CONFLICTS)
    assert (conflict["judge_name"], int(conflict["entry_id"]), conflict["source"]) == (
        "Bo",
        e2,
        "organiser",
    )
    assert conflict["reason"] == "Former colleague"


def test_judges_cannot_download_the_judging_tables(app: FastAPI, mailbox: Any) -> None:
    world = judged_round(app, mailbox, entries=1, judges=("ada",), k=1)
    for table in ("scorecards", "scores", "judges", "conflicts"):
        r = world.judges["ada"].get(f"/api/challenges/{SLUG}/exports/{table}.csv")
        assert r.status_code == 403, (table, r.text)
