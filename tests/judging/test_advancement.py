"""The ranking as organisers see it, progress and reminders, "add a judge", and advancement:
the declared rule, ties resolved by the declared tie-breaks, overrides with a reason, apply,
entrants told with released feedback, and the next round taking the advanced entries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlmodel import Session

from app.core.db import utcnow
from app.judging import ranking
from app.judging.ranking import EntryLabel, entry_labels
from tests.conftest import deliver_mail
from tests.factories import client_for, make_challenge, submitted_entry
from tests.judging.world import JudgedRound, judged_round

approx = pytest.approx


def _scored(app: FastAPI, mailbox, *, tie_breaks: list[dict] | None = None) -> JudgedRound:
    """Four entries, both judges score each (Impact weighs 2, Feasibility 1, both 1–10)."""
    w = judged_round(
        app,
        mailbox,
        entries=4,
        advancement={"kind": "top_n", "n": 2},
        tie_breaks=tie_breaks,
    )
    e1, e2, e3, e4 = w.entry_ids
    for name in ("ada", "bo"):
        w.score(name, e1, 9, 9, feedback=f"{name}: strong")
        w.score(name, e2, 7, 4)  # (2·6/9 + 3/9)/3 = 15/27 → 1 + 9·15/27 = 6
        w.score(name, e3, 6, 6)  # 6, Impact 6
    w.score("ada", e4, 1, 1)  # 1
    w.score("bo", e4, 3, 3)  # 3
    return w


def test_ranking_on_the_shown_scale(app: FastAPI, mailbox) -> None:
    w = _scored(app, mailbox)
    e1, e2, e3, e4 = w.entry_ids
    ranking = w.org.get(f"/api/rounds/{w.round_id}/ranking").json()
    assert ranking["scale"] == {"min": 1.0, "max": 10.0}
    assert ranking["n"] == 8 and ranking["normalise"] is False
    rows = [(r["entry_id"], r["n"], r["score"], r["min"], r["max"]) for r in ranking["entries"]]
    assert rows == [
        (e1, 2, approx(9.0), approx(9.0), approx(9.0)),
        (e2, 2, approx(6.0), approx(6.0), approx(6.0)),
        (e3, 2, approx(6.0), approx(6.0), approx(6.0)),
        (e4, 2, approx(2.0), approx(1.0), approx(3.0)),
    ]
    e4_row = ranking["entries"][3]
    # SD of 1 and 3 is √2; the spread 2 of 9 is under the 0.3 share: no flag.
    assert (e4_row["sd"], e4_row["spread"], e4_row["disagreement"]) == (
        approx(2**0.5),
        approx(2.0),
        False,
    )
    impact = w.criteria[0]["id"]
    assert e4_row["criteria"][0] == {
        "criterion_id": impact,
        "n": 2,
        "mean": 2.0,
        "sd": approx(2**0.5),
    }
    # Mean of all eight scorecards: (9+9+6+6+6+6+1+3)/8 = 5.75.
    assert ranking["mean"] == approx(5.75)
    judges = {j["display_name"]: (j["n"], j["mean"]) for j in ranking["judges"]}
    assert judges == {"Ada": (4, approx(5.5)), "Bo": (4, approx(6.0))}
    assert ranking["icc"]["a"] == 4 and ranking["icc"]["n"] == 8
    assert ranking["icc"]["k0"] == approx(2.0)
    # Screeners and entrants do not see it.
    assert w.participant.get(f"/api/rounds/{w.round_id}/ranking").status_code == 404


def test_tie_resolved_by_the_declared_criterion_then_applied(app: FastAPI, mailbox) -> None:
    w = _scored(app, mailbox)
    e1, e2, e3, e4 = w.entry_ids
    impact_first = [
        {"kind": "criterion", "criterion_id": w.criteria[0]["id"]},
        {"kind": "scorecards"},
    ]
    r = w.org.patch(
        f"/api/rounds/{w.round_id}",
        json={"tie_breaks": impact_first, "reason": "Declared in the call text"},
    )
    assert r.status_code == 200, r.text
    preview = w.org.post(f"/api/rounds/{w.round_id}/advancement/preview", json={}).json()
    got = [(e["entry_id"], e["position"], e["advances"], e["tie"]) for e in preview["entries"]]
    assert got == [
        (e1, 1, True, None),
        (e2, 2, True, {"with": [e3], "resolved_by": "criterion"}),
        (e3, 3, False, {"with": [e2], "resolved_by": "criterion"}),
        (e4, 4, False, None),
    ]
    assert (preview["advancing"], preview["unresolved_ties"], preview["applied_at"]) == (
        2,
        [],
        None,
    )

    # An override needs a reason; with one it counts.
    bad = w.org.post(
        f"/api/rounds/{w.round_id}/advancement/preview",
        json={"overrides": [{"entry_id": e4, "advanced": True}]},
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "overrides.0.reason"
    body = {
        "overrides": [
            {"entry_id": e4, "advanced": True, "reason": "Only entry from a rural clinic"}
        ],
        "release_feedback": True,
    }
    applied = w.org.post(f"/api/rounds/{w.round_id}/advancement/apply", json=body)
    assert applied.status_code == 200, applied.text
    result = applied.json()
    assert result["applied_at"] is not None and result["feedback_released"] is True
    assert [e["entry_id"] for e in result["entries"] if e["advances"]] == [e1, e2, e4]

    # The ranking shows the decision; scorecards are locked now.
    ranking = w.org.get(f"/api/rounds/{w.round_id}/ranking").json()
    assert {r["entry_id"]: r["advanced"] for r in ranking["entries"]} == {
        e1: True,
        e2: True,
        e3: False,
        e4: True,
    }
    a = w.assignment("ada", e1)
    assert (
        w.judges["ada"].put(f"/api/assignments/{a}/scorecard", json={"values": []}).status_code
        == 409
    )

    # Entrants are told, with the released feedback (no judge's name beyond what they wrote).
    deliver_mail(app)
    texts = [
        m.get_body(preferencelist=("plain",)).get_content() for m in mailbox.to("p@example.org")
    ]
    told = [t for t in texts if "Round 1" in t]
    assert len(told) == 4
    assert sum("has advanced from Round 1" in t for t in told) == 3
    assert sum("ada: strong" in t for t in told) == 1
    outcomes = w.participant.get(f"/api/entries/{e1}/outcomes").json()
    assert [(o["round_name"], o["advanced"], sorted(o["feedback"])) for o in outcomes] == [
        ("Round 1", True, ["ada: strong", "bo: strong"])
    ]
    assert w.participant.get(f"/api/entries/{e3}/outcomes").json()[0]["advanced"] is False
    stranger = w.judges["ada"]
    assert stranger.get(f"/api/entries/{e1}/outcomes").status_code == 404

    # The next round takes the advanced entries.
    now = utcnow()
    r2 = w.org.post(
        "/api/challenges/hiv-testing/rounds",
        json={
            "name": "Final",
            "judges_per_entry": 1,
            "opens_at": (now + timedelta(days=8)).isoformat(),
            "criteria": [{"name": "Overall", "preset": "1-10"}],
        },
    ).json()
    w.org.post(f"/api/rounds/{r2['id']}/assign", json={})
    taken = w.org.get(f"/api/rounds/{r2['id']}/assignments/entries").json()
    assert sorted(e["entry_id"] for e in taken["items"]) == sorted([e1, e2, e4])
    audit = w.org.get("/api/challenges/hiv-testing/audit").json()["items"]
    assert "round.advance" in {e["action"] for e in audit}


def test_an_open_tie_at_the_cut_needs_the_organisers_choice(app: FastAPI, mailbox) -> None:
    w = _scored(app, mailbox)
    e1, e2, e3, e4 = w.entry_ids
    # Equal Impact means: make E3 look like E2 on every tie-break.
    for name in ("ada", "bo"):
        a = w.assignment(name, e3)
        w.org.post(
            f"/api/scorecards/{w.judges[name].get(f'/api/assignments/{a}').json()['scorecard']['id']}/reopen",
            json={"reason": "Recheck"},
        )
        w.score(name, e3, 7, 4)
    r = w.org.patch(
        f"/api/rounds/{w.round_id}",
        json={
            "tie_breaks": [
                {"kind": "criterion", "criterion_id": w.criteria[0]["id"]},
                {"kind": "scorecards"},
            ],
            "reason": "Declared",
        },
    )
    assert r.status_code == 200
    url = f"/api/rounds/{w.round_id}/advancement"
    preview = w.org.post(f"{url}/preview", json={}).json()
    assert preview["unresolved_ties"] == [[e2, e3]]
    assert [e["tie"]["resolved_by"] for e in preview["entries"] if e["tie"]] == [None, None]
    # The tied entries come with every page, so the organiser can put them in order from it.
    first = w.org.post(f"{url}/preview?limit=1", json={}).json()
    assert [e["entry_id"] for e in first["entries"]] == [e1]
    assert [(e["entry_id"], e["position"], e["reference"]) for e in first["tied"]] == [
        (e["entry_id"], e["position"], e["reference"]) for e in preview["entries"][1:3]
    ]
    refused = w.org.post(f"{url}/apply", json={})
    assert refused.status_code == 409 and refused.json()["error"]["field"] == "tie_order"
    chosen = w.org.post(f"{url}/apply", json={"tie_order": [e3, e2], "notify": False}).json()
    assert [(e["entry_id"], e["advances"]) for e in chosen["entries"]] == [
        (e1, True),
        (e3, True),
        (e2, False),
        (e4, False),
    ]
    assert chosen["entries"][1]["tie"] == {"with": [e2], "resolved_by": "organiser"}


def test_the_ranking_and_the_preview_come_a_page_at_a_time(app: FastAPI, mailbox) -> None:
    """A round of 100,000 entries is not one answer: pages in ranking order with the round's
    counts on each, filters that keep the round's positions, and a preview that counts the
    whole round and what it would change in the applied decision."""
    w = _scored(app, mailbox)
    e1, e2, e3, e4 = w.entry_ids
    url = f"/api/rounds/{w.round_id}/ranking"
    first = w.org.get(f"{url}?limit=3").json()
    assert [(e["entry_id"], e["position"]) for e in first["entries"]] == [(e1, 1), (e2, 2), (e3, 3)]
    assert (first["total"], first["scored"], first["matching"]) == (4, 4, 4)
    assert (first["decided"], first["advanced"]) == (0, 0)
    assert first["n"] == 8 and len(first["judges"]) == 2  # the round's figures on every page
    second = w.org.get(f"{url}?limit=3&cursor={first['next_cursor']}").json()
    assert [(e["entry_id"], e["position"]) for e in second["entries"]] == [(e4, 4)]
    assert second["next_cursor"] is None

    # Filters: by reference or title, by disagreement; positions stay the round's.
    reference = w.org.get(f"/api/entries/{e3}").json()["reference"]
    found = w.org.get(url, params={"q": reference.lower()}).json()
    assert [(e["entry_id"], e["position"]) for e in found["entries"]] == [(e3, 3)]
    assert (found["matching"], found["total"]) == (1, 4)
    assert w.org.get(url, params={"disagreement": "true"}).json()["entries"] == []
    assert w.org.get(url, params={"disagreement": "false"}).json()["matching"] == 4

    # A cursor that is not one of this list's is refused, naming the field.
    for cursor in ("nonsense", first["next_cursor"].replace("c", "d"), "aWQ6Mw"):  # "id:3"
        bad = w.org.get(url, params={"cursor": cursor})
        assert bad.status_code == 400 and bad.json()["error"]["field"] == "cursor", cursor
    assert w.org.get(url, params={"limit": 0}).status_code == 422

    preview_url = f"/api/rounds/{w.round_id}/advancement"
    page = w.org.post(f"{preview_url}/preview?limit=1", json={}).json()
    assert [e["entry_id"] for e in page["entries"]] == [e1]
    assert (page["advancing"], page["total"], page["differs_from_applied"]) == (2, 4, 0)
    page = w.org.post(f"{preview_url}/preview?limit=1&cursor={page['next_cursor']}", json={})
    assert [e["entry_id"] for e in page.json()["entries"]] == [e2]

    w.close()
    body = {"notify": False, "tie_order": [e2, e3]}  # E2 and E3 tie at the cut on 6
    applied = w.org.post(f"{preview_url}/apply?limit=2", json=body).json()
    assert [(e["entry_id"], e["advances"]) for e in applied["entries"]] == [(e1, True), (e2, True)]
    assert applied["next_cursor"] and applied["total"] == 4
    advanced = w.org.get(url, params={"advanced": "true"}).json()
    assert [e["entry_id"] for e in advanced["entries"]] == [e1, e2]
    assert (advanced["decided"], advanced["advanced"], advanced["matching"]) == (4, 2, 2)
    assert [
        e["entry_id"] for e in w.org.get(url, params={"advanced": "false"}).json()["entries"]
    ] == [
        e3,
        e4,
    ]
    # A new preview counts the entries it decides otherwise than the applied decision.
    swap = {
        "overrides": [
            {"entry_id": e2, "advanced": False, "reason": "Withdrawn by the team"},
            {"entry_id": e4, "advanced": True, "reason": "Only entry from a rural clinic"},
        ]
    }
    changed = w.org.post(f"{preview_url}/preview", json=swap).json()
    assert (changed["advancing"], changed["differs_from_applied"]) == (2, 2)
    assert w.org.post(f"{preview_url}/preview", json={}).json()["differs_from_applied"] == 0


def test_apply_waits_for_due_scorecards_while_the_round_is_open(app: FastAPI, mailbox) -> None:
    w = judged_round(app, mailbox, entries=2, advancement={"kind": "threshold", "threshold": 5})
    e1, e2 = w.entry_ids
    w.score("ada", e1, 9, 9)
    refused = w.org.post(f"/api/rounds/{w.round_id}/advancement/apply", json={})
    assert refused.status_code == 409 and "still due" in refused.json()["error"]["message"]
    w.close()
    applied = w.org.post(f"/api/rounds/{w.round_id}/advancement/apply", json={"notify": False})
    assert applied.status_code == 200
    # Threshold 5 on the shown scale: E1 (9) advances; E2 has no scorecards and does not.
    assert [(e["entry_id"], e["advances"]) for e in applied.json()["entries"]] == [
        (e1, True),
        (e2, False),
    ]


def test_progress_and_reminders(app: FastAPI, mailbox) -> None:
    w = judged_round(app, mailbox, entries=2)
    e1, e2 = w.entry_ids
    w.score("ada", e1, 5, 5)
    w.score("ada", e2, 5, 5)
    a = w.assignment("bo", e1)
    w.judges["bo"].put(f"/api/assignments/{a}/scorecard", json={"values": []})
    progress = w.org.get(f"/api/rounds/{w.round_id}/progress").json()
    assert (progress["due"], progress["submitted"], progress["drafts"]) == (4, 2, 1)
    assert [
        (j["display_name"], j["due"], j["submitted"], j["drafts"]) for j in progress["judges"]
    ] == [
        ("Ada", 2, 2, 0),
        ("Bo", 2, 0, 1),
    ]
    per_entry = w.org.get(f"/api/rounds/{w.round_id}/assignments/entries").json()["items"]
    assert [(e["entry_id"], e["assigned"], e["submitted"], e["short"]) for e in per_entry] == [
        (e1, 2, 1, 0),
        (e2, 2, 1, 0),
    ]
    url = f"/api/rounds/{w.round_id}/reminders"
    not_lagging = w.org.post(url, json={"judge_ids": [w.judge_ids["ada"]]})
    assert not_lagging.status_code == 422
    sent = w.org.post(url, json={"message": "Two days left!"}).json()
    assert sent == {"sent": 1, "judge_ids": [w.judge_ids["bo"]]}
    deliver_mail(app)
    [reminder] = mailbox.to("bo@uni-bo.edu")[-1:]
    text = reminder.get_body(preferencelist=("plain",)).get_content()
    assert "2 of 2 scorecards" in text and "Two days left!" in text
    assert reminder["Subject"] == '2 scorecards due for "HIV testing for young people"'
    assert w.org.get(f"/api/rounds/{w.round_id}/progress").json()["judges"][1]["reminded_at"]
    assert w.judges["ada"].post(url, json={}).status_code == 404


def test_add_a_judge_to_a_disagreeing_entry(app: FastAPI, mailbox) -> None:
    w = judged_round(app, mailbox, entries=1, judges=("ada", "bo", "cy"), k=2)
    [e1] = w.entry_ids
    pairs = w.org.get(f"/api/rounds/{w.round_id}/assignments").json()
    on = [next(n for n, i in w.judge_ids.items() if i == p["judge_id"]) for p in pairs]
    w.score(on[0], e1, 1, 1)
    w.score(on[1], e1, 10, 10)
    ranking = w.org.get(f"/api/rounds/{w.round_id}/ranking").json()
    assert ranking["entries"][0]["disagreement"] is True
    added = w.org.post(f"/api/rounds/{w.round_id}/entries/{e1}/extra-judge")
    assert added.status_code == 201, added.text
    free = next(n for n in w.judges if n not in on)
    assert added.json()["judge_id"] == w.judge_ids[free]
    # A re-run of the assignment keeps the extra judge.
    w.org.post(f"/api/rounds/{w.round_id}/assign", json={})
    assert len(w.org.get(f"/api/rounds/{w.round_id}/assignments").json()) == 3
    none_left = w.org.post(f"/api/rounds/{w.round_id}/entries/{e1}/extra-judge")
    assert none_left.status_code == 409 and "3 assigned" in none_left.json()["error"]["message"]
    cards = w.org.get(f"/api/rounds/{w.round_id}/entries/{e1}/scorecards").json()
    assert sorted(c["score"] for c in cards) == [approx(1.0), approx(10.0)]


def test_entry_labels_read_by_id_or_as_the_calls_entries(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ranking's entry labels: by IN list for a few ids, as the call's entries (one scan, no
    parameters) for more than a list holds; either way exactly the ids asked, and only the
    call's."""
    org = client_for(app, "labels-org@example.org")
    challenge_id = make_challenge(org, max_entries_per_participant=10)["id"]
    make_challenge(org, "other-call", max_entries_per_participant=10)
    entrant = client_for(app, "labels-entrant@example.org")
    mine = [submitted_entry(entrant) for _ in range(3)]
    other = submitted_entry(entrant, "other-call")
    expected = {
        e["id"]: EntryLabel(reference=e["reference"], title=e["title"], category=e["category"])
        for e in mine
    }
    monkeypatch.setattr(ranking, "IN_LIST_SIZE", 2)
    with Session(app.state.engine) as session:
        asked = [e["id"] for e in mine[1:]]
        assert entry_labels(session, challenge_id, asked) == {i: expected[i] for i in asked}
        every = [e["id"] for e in mine] + [other["id"]]
        assert entry_labels(session, challenge_id, every) == expected
