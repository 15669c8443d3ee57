"""The authorization walk: every operation of the app's OpenAPI document (but accounts and
health, tested where they live) × twelve roles, with exactly who may and who may not. The
table below is checked against the OpenAPI document, so a new route without a row fails the
suite.

Denied answers: anonymous callers get 401; callers who may see the object but not act on it
get 403; callers for whom the object does not exist (someone else's entry) get 404.
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image

from app.main import create_app
from tests.factories import COMPLETE, anonymous, client_for, make_challenge, start_entry

ROLES = (
    "anonymous",
    "participant",
    "other_participant",
    "unverified",
    "team_member",
    "screener",
    "other_organiser",
    "organiser",
    "admin",
    "judge",
    "other_round_judge",
    "conflicted_judge",
)
# `unverified` has an account whose e-mail address is not verified yet; `team_member` is named
# (by e-mail) in the team of every entry the participant makes here, and has an account.
# Neither holds any right to another's entry: unless a row says otherwise (exceptions), each
# gets what `other_participant` gets.
OUTSIDERS = ("unverified", "team_member")
# Judges of the call's panel: `judge` holds the assignment a judge route names (round 1),
# `other_round_judge` judges the same entry in another round, and `conflicted_judge` was
# assigned the same entry until a conflict of interest was recorded (which takes it away).
JUDGES = frozenset({"judge", "other_round_judge", "conflicted_judge"})
LOGGED_IN = frozenset(ROLES) - {"anonymous"}
STAFF = frozenset({"screener", "organiser", "admin"})
ORGANISERS = frozenset({"organiser", "admin"})
TEAM_MEMBER = "team@example.org"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"0" * 1000
_counter = itertools.count()


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


class World:
    """One open call with a screener, a participant with a submitted entry, another
    participant, the organiser of another call, and an admin."""

    def __init__(self, app: FastAPI, *, submitted: bool = True) -> None:
        self.app = app
        self.clients: dict[str, TestClient] = {"anonymous": anonymous(app)}
        self.clients["organiser"] = client_for(app, "org@example.org")
        make_challenge(self.clients["organiser"], "call", max_entries_per_participant=100)
        self.clients["screener"] = client_for(app, "screener@example.org")
        self.org.post(
            "/api/challenges/call/roles", json={"email": "screener@example.org", "role": "screener"}
        )
        self.clients["participant"] = client_for(app, "p1@example.org")
        self.clients["other_participant"] = client_for(app, "p2@example.org")
        self.clients["unverified"] = client_for(app, "new@example.org", verified=False)
        self.clients["team_member"] = client_for(app, TEAM_MEMBER)
        self.clients["other_organiser"] = client_for(app, "org2@example.org")
        make_challenge(self.clients["other_organiser"], "other-call", form=[])
        self.clients["admin"] = client_for(app, "admin@example.org", admin=True)
        self.judge_ids = {role: self._panel_judge(role) for role in sorted(JUDGES)}
        if submitted:
            self.submitted()

    @property
    def org(self) -> TestClient:
        return self.clients["organiser"]

    @property
    def owner(self) -> TestClient:
        return self.clients["participant"]

    def draft(self, body: dict[str, Any] | None = None) -> int:
        team = [{"name": "Pat Participant", "email": "p1@example.org"}]
        team.append({"name": "Tam Team", "email": TEAM_MEMBER})
        return start_entry(self.owner, "call", {**(body or {}), "team": team})["id"]

    def submitted(self) -> int:
        entry_id = self.draft(COMPLETE)
        assert self.owner.post(f"/api/entries/{entry_id}/submit").status_code == 200
        return entry_id

    def screened(self) -> int:
        entry_id = self.submitted()
        self.org.post(f"/api/entries/{entry_id}/eligibility", json={"eligibility": "eligible"})
        return entry_id

    def attachment(self) -> int:
        entry_id = self.draft()
        r = self.owner.post(
            f"/api/entries/{entry_id}/attachments",
            params={"field": "poster", "filename": "a.pdf"},
            content=PDF,
        )
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def committee_member(self) -> int:
        return self.org.post(
            "/api/challenges/call/committee", json={"name": f"M{next(_counter)}"}
        ).json()["id"]

    def translation(self) -> str:
        """A fresh language the call is translated into (three letters, like "qab")."""
        n = next(_counter)
        language = "q" + chr(97 + n // 26 % 26) + chr(97 + n % 26)
        r = self.org.put(f"/api/challenges/call/translations/{language}", json={"title": "T"})
        assert r.status_code == 200, r.text
        return language

    def field_id(self) -> int:
        r = self.org.post(
            "/api/challenges/call/form/fields",
            json={"type": "short_text", "label": f"Q{next(_counter)}"},
        )
        return r.json()["id"]

    def membership(self) -> int:
        email = f"fresh{next(_counter)}@example.org"
        client_for(self.app, email)
        return self.org.post(
            "/api/challenges/call/roles", json={"email": email, "role": "screener"}
        ).json()["id"]

    def round_id(self) -> int:
        body = {
            "name": f"Round {next(_counter)}",
            "criteria": [{"name": "Impact", "preset": "1-10"}],
        }
        r = self.org.post("/api/challenges/call/rounds", json=body)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def criterion(self) -> tuple[int, int]:
        round_id = self.round_id()
        r = self.org.post(
            f"/api/rounds/{round_id}/criteria", json={"name": "Feasibility", "preset": "0-2"}
        )
        return round_id, r.json()["id"]

    def judge(self) -> int:
        email = f"judge{next(_counter)}@example.org"
        r = self.org.post("/api/challenges/call/judges", json={"email": email, "display_name": "J"})
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def invitation(self) -> str:
        """A judging invitation's token (the mailed link), made as the invite route makes it."""
        from sqlmodel import Session

        from app.core.security import hash_token, new_token
        from app.models import Judge

        token = new_token()
        with Session(self.app.state.engine) as session:
            judge = session.get(Judge, self.judge())
            assert judge is not None
            judge.invite_token_hash = hash_token(self.app.state.settings.secret_key, token)
            session.add(judge)
            session.commit()
        return token

    def _panel_judge(self, role: str) -> int:
        """An active judge of the call's panel with their own account (as after accepting)."""
        from sqlmodel import Session

        from app.core.db import utcnow
        from app.models import ChallengeRole, Judge, JudgeStatus, Membership, User

        email = f"{role.replace('_', '-')}@example.org"
        self.clients[role] = client_for(self.app, email)
        with Session(self.app.state.engine) as session:
            from sqlmodel import select

            user = session.exec(select(User).where(User.email == email)).one()
            challenge_id = self.org.get("/api/challenges/call").json()["id"]
            judge = Judge(
                challenge_id=challenge_id,
                user_id=user.id,
                email=email,
                display_name=role,
                status=JudgeStatus.active,
                accepted_at=utcnow(),
                # Automatic runs never draw them, so round 1 stays another round for them.
                max_load=0 if role == "other_round_judge" else None,
            )
            session.add(judge)
            session.add(
                Membership(challenge_id=challenge_id, user_id=user.id, role=ChallengeRole.judge)
            )
            session.commit()
            assert judge.id is not None
            return judge.id

    def first_round(self) -> int:
        """Round 1, which takes the eligible entries, open for scoring (made once)."""
        if not hasattr(self, "_first_round"):
            self._first_round = self.open_round()
        return self._first_round

    def open_round(self) -> int:
        """A blind round open for scoring now, with two criteria."""
        from datetime import timedelta

        from app.core.db import utcnow

        now = utcnow()
        body = {
            "name": f"Open round {next(_counter)}",
            "opens_at": (now - timedelta(hours=1)).isoformat(),
            "closes_at": (now + timedelta(days=1)).isoformat(),
            "criteria": [{"name": "Impact", "preset": "1-10"}, {"name": "Reach", "preset": "0-2"}],
        }
        r = self.org.post("/api/challenges/call/rounds", json=body)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def judged_entry(self, with_file: bool = False) -> tuple[int, int, int]:
        """An eligible entry in round 1 assigned to `judge`; `conflicted_judge` was assigned
        it too until the organisers recorded a conflict. (round id, entry id, assignment id)"""
        round_id = self.first_round()
        entry_id = self.draft(COMPLETE)
        if with_file:
            r = self.owner.post(
                f"/api/entries/{entry_id}/attachments",
                params={"field": "poster", "filename": "Pat Participant CV.pdf"},
                content=_pdf(),
            )
            assert r.status_code == 201, r.text
            self.file_id = r.json()["id"]
        assert self.owner.post(f"/api/entries/{entry_id}/submit").status_code == 200
        self.org.post(f"/api/entries/{entry_id}/eligibility", json={"eligibility": "eligible"})
        for role in ("judge", "conflicted_judge"):
            body = {"entry_id": entry_id, "judge_id": self.judge_ids[role]}
            r = self.org.post(f"/api/rounds/{round_id}/assignments", json=body)
            assert r.status_code == 201, r.text
            if role == "judge":
                assignment_id = r.json()["id"]
        self._in_another_round(entry_id)
        conflict = {
            "judge_id": self.judge_ids["conflicted_judge"],
            "entry_id": entry_id,
            "reason": "Works with the entrant",
        }
        assert self.org.post("/api/challenges/call/conflicts", json=conflict).status_code == 201
        return round_id, entry_id, assignment_id

    def voting_open(self, **rules: Any) -> None:
        """Public voting on the call, open now (made once; `rules` apply each time)."""
        from datetime import timedelta

        from app.core.db import utcnow

        if not getattr(self, "_voting", False):
            # Entries are taken only before voting opens: make the ballot's entries first.
            self._ballot = [self.screened() for _ in range(12)]
            now = utcnow()
            window = {
                "voting_opens_at": (now - timedelta(hours=1)).isoformat(),
                "voting_closes_at": (now + timedelta(days=1)).isoformat(),
            }
            assert self.org.patch("/api/challenges/call", json=window).status_code == 200
            self._voting = True
        r = self.org.patch("/api/challenges/call/voting", json={"enabled": True, **rules})
        assert r.status_code == 200, r.text

    def vote_by(self, role: str) -> int:
        """A counted vote by `role` for a fresh entry on the ballot."""
        self.voting_open(votes_per_voter=50)
        r = self.clients[role].post(
            "/api/challenges/call/votes", json={"entry_id": self._ballot.pop()}
        )
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def held_votes(self) -> list[int]:
        """Two votes from brand-new accounts on one network: a burst, held for review."""
        self.voting_open(votes_per_voter=50, burst_accounts=2, new_account_hours=24)
        entry_id = self._ballot.pop()
        ids = []
        for _ in range(2):
            voter = client_for(self.app, f"burst{next(_counter)}@example.org")
            r = voter.post("/api/challenges/call/votes", json={"entry_id": entry_id})
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        return ids

    def public_file(self) -> int:
        """A PDF on a public question of an entry on the ballot (a call not yet submitted to)."""
        r = self.org.post(
            "/api/challenges/call/form/fields",
            json={
                "type": "file",
                "label": "Public poster",
                "key": "public_poster",
                "public": True,
                "config": {"accept": ["pdf"], "max_files": 1},
            },
        )
        assert r.status_code == 201, r.text
        entry_id = self.draft(COMPLETE)
        r = self.owner.post(
            f"/api/entries/{entry_id}/attachments",
            params={"field": "public_poster", "filename": "poster.pdf"},
            content=_pdf(),
        )
        assert r.status_code == 201, r.text
        assert self.owner.post(f"/api/entries/{entry_id}/submit").status_code == 200
        self.org.post(f"/api/entries/{entry_id}/eligibility", json={"eligibility": "eligible"})
        self.voting_open()
        return r.json()["id"]

    def award(self) -> int:
        """A custom award for a fresh eligible entry of the participant's."""
        body = {"entry_id": self.screened(), "tier": "custom", "label": "Bold", "reason": "Jury"}
        r = self.org.post("/api/challenges/call/awards", json=body)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def publish_results(self) -> None:
        if not hasattr(self, "award_id"):
            self.award_id = self.award()
        r = self.org.post("/api/challenges/call/results/publish", json={"reason": "Checked"})
        assert r.status_code == 200, r.text

    def _in_another_round(self, entry_id: int) -> None:
        """`other_round_judge` judges the entry in round 2 (as if it had advanced there)."""
        from sqlmodel import Session

        from app.models import Assignment

        if not hasattr(self, "_second_round"):
            self._second_round = self.open_round()
        with Session(self.app.state.engine) as session:
            session.add(
                Assignment(
                    round_id=self._second_round,
                    entry_id=entry_id,
                    judge_id=self.judge_ids["other_round_judge"],
                )
            )
            session.commit()

    def scored(self) -> tuple[int, int, int]:
        """As judged_entry, with `judge`'s scorecard submitted: (round, entry, scorecard id)."""
        round_id, entry_id, assignment_id = self.judged_entry()
        judge = self.clients["judge"]
        criteria = self.org.get(f"/api/rounds/{round_id}").json()["criteria"]
        values = [{"criterion_id": c["id"], "value": c["scale_min"]} for c in criteria]
        r = judge.put(f"/api/assignments/{assignment_id}/scorecard", json={"values": values})
        assert r.status_code == 200, r.text
        r = judge.post(f"/api/assignments/{assignment_id}/scorecard/submit")
        assert r.status_code == 200, r.text
        return round_id, entry_id, r.json()["id"]

    def assignment(self) -> tuple[int, int]:
        """A fresh hand-made assignment in round 1: (round id, assignment id)."""
        round_id = self.first_round()
        body = {"entry_id": self.screened(), "judge_id": self.judge()}
        r = self.org.post(f"/api/rounds/{round_id}/assignments", json=body)
        assert r.status_code == 201, r.text
        return round_id, r.json()["id"]

    def cover(self) -> None:
        assert (
            self.org.put(
                "/api/challenges/call/cover", params={"filename": "c.png"}, content=_png()
            ).status_code
            == 200
        )


@dataclass
class Case:
    allowed: frozenset[str]
    ok: int = 200
    # What to send: returns (path parameters, keyword arguments for the request).
    request: Callable[[World], tuple[dict[str, Any], dict[str, Any]]] = lambda w: ({}, {})
    # Roles that cannot see the object at all (404) rather than being refused (403).
    hidden_from: frozenset[str] = frozenset()
    submitted: bool = True
    setup: Callable[[World], None] | None = None
    # Roles with another answer than the rule above gives them, e.g. a judge accepting an
    # invitation to a panel they already sit on (409).
    exceptions: dict[str, int] = field(default_factory=dict)
    notes: str = field(default="")


def call(**params: Any) -> Callable[[World], tuple[dict[str, Any], dict[str, Any]]]:
    return lambda w: (params, {})


def with_json(body: Callable[[], dict[str, Any]] | dict[str, Any], **params: Any):
    return lambda w: (params, {"json": body() if callable(body) else body})


def entry_case(
    allowed: frozenset[str], fresh: Callable[[World], int], ok: int = 200, **kwargs: Any
) -> Case:
    """An entry route: other participants and other organisers do not see the entry."""
    body = kwargs.pop("json", None)

    def request(w: World) -> tuple[dict[str, Any], dict[str, Any]]:
        return {"entry_id": fresh(w)}, ({"json": body} if body is not None else {})

    return Case(
        allowed=allowed,
        ok=ok,
        request=request,
        hidden_from=frozenset({"other_participant", "other_organiser"}) | JUDGES,
        **kwargs,
    )


OWNER = frozenset({"participant"})
OWNER_AND_STAFF = OWNER | STAFF


def judge_case(fresh: Callable[[World], int], ok: int = 200, **kwargs: Any) -> Case:
    body = kwargs.pop("json", None)
    return Case(
        allowed=frozenset({"judge"}),
        ok=ok,
        hidden_from=LOGGED_IN - {"judge"},
        request=lambda w: (
            {"assignment_id": fresh(w)},
            {"json": body} if body is not None else {},
        ),
        **kwargs,
    )


def _submit_ready(w: World) -> tuple[dict[str, Any], dict[str, Any]]:
    round_id, _, assignment_id = w.judged_entry()
    criteria = w.org.get(f"/api/rounds/{round_id}").json()["criteria"]
    values = [{"criterion_id": c["id"], "value": c["scale_max"]} for c in criteria]
    w.clients["judge"].put(f"/api/assignments/{assignment_id}/scorecard", json={"values": values})
    return {"assignment_id": assignment_id}, {}


def round_case(fresh: Callable[[World], dict[str, Any]], ok: int = 200, **kwargs: Any) -> Case:
    """An organisers' route of a round: screeners are refused, non-staff do not see it."""
    body = kwargs.pop("json", None)
    return Case(
        allowed=ORGANISERS,
        ok=ok,
        hidden_from=NOT_STAFF,
        request=lambda w: (fresh(w), {"json": body} if body is not None else {}),
        **kwargs,
    )


CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/countries"): Case(allowed=frozenset(ROLES)),
    ("GET", "/api/challenges"): Case(allowed=frozenset(ROLES)),
    ("POST", "/api/challenges"): Case(
        allowed=LOGGED_IN,
        ok=201,
        request=lambda w: ({}, {"json": {"title": f"Call {next(_counter)}"}}),
        exceptions={"unverified": 403},  # an address must be verified to launch a call
    ),
    ("GET", "/api/challenges/{slug}"): Case(allowed=frozenset(ROLES), request=call(slug="call")),
    ("PATCH", "/api/challenges/{slug}"): Case(
        allowed=ORGANISERS, request=with_json({"grace_minutes": 5}, slug="call")
    ),
    ("POST", "/api/challenges/{slug}/publish"): Case(allowed=ORGANISERS, request=call(slug="call")),
    ("POST", "/api/challenges/{slug}/close"): Case(allowed=ORGANISERS, request=call(slug="call")),
    ("POST", "/api/challenges/{slug}/archive"): Case(allowed=ORGANISERS, request=call(slug="call")),
    ("POST", "/api/challenges/{slug}/phase"): Case(
        allowed=ORGANISERS,
        request=with_json({"phase": "closed", "reason": "Audit test"}, slug="call"),
    ),
    ("POST", "/api/challenges/{slug}/clone"): Case(
        allowed=ORGANISERS,
        ok=201,
        request=lambda w: (
            {"slug": "call"},
            {"json": {"slug": f"copy-{next(_counter)}", "title": "A copy"}},
        ),
    ),
    ("PUT", "/api/challenges/{slug}/cover"): Case(
        allowed=ORGANISERS,
        request=lambda w: ({"slug": "call"}, {"params": {"filename": "c.png"}, "content": _png()}),
    ),
    ("GET", "/api/challenges/{slug}/cover"): Case(
        allowed=frozenset(ROLES), request=call(slug="call"), setup=World.cover
    ),
    ("GET", "/api/challenges/{slug}/committee"): Case(
        allowed=frozenset(ROLES), request=call(slug="call")
    ),
    ("POST", "/api/challenges/{slug}/committee"): Case(
        allowed=ORGANISERS, ok=201, request=with_json({"name": "Ngozi"}, slug="call")
    ),
    ("PATCH", "/api/challenges/{slug}/committee/{member_id}"): Case(
        allowed=ORGANISERS,
        request=lambda w: (
            {"slug": "call", "member_id": w.committee_member()},
            {"json": {"role": "Chair"}},
        ),
    ),
    ("DELETE", "/api/challenges/{slug}/committee/{member_id}"): Case(
        allowed=ORGANISERS,
        ok=204,
        request=lambda w: ({"slug": "call", "member_id": w.committee_member()}, {}),
    ),
    ("GET", "/api/challenges/{slug}/roles"): Case(allowed=ORGANISERS, request=call(slug="call")),
    ("POST", "/api/challenges/{slug}/roles"): Case(
        allowed=ORGANISERS,
        ok=201,
        request=lambda w: (
            {"slug": "call"},
            {
                "json": {
                    "email": client_for(w.app, e := f"n{next(_counter)}@example.org") and e,
                    "role": "screener",
                }
            },
        ),
    ),
    ("DELETE", "/api/challenges/{slug}/roles/{membership_id}"): Case(
        allowed=ORGANISERS,
        ok=204,
        request=lambda w: ({"slug": "call", "membership_id": w.membership()}, {}),
    ),
    ("GET", "/api/challenges/{slug}/form"): Case(
        allowed=frozenset(ROLES), request=call(slug="call")
    ),
    ("GET", "/api/challenges/{slug}/translations"): Case(
        allowed=ORGANISERS, request=call(slug="call")
    ),
    ("PUT", "/api/challenges/{slug}/translations/{language}"): Case(
        allowed=ORGANISERS,
        request=with_json(
            {"title": "Le dépistage", "form": {"idea": {"label": "Idée"}}},
            slug="call",
            language="fr",
        ),
    ),
    ("DELETE", "/api/challenges/{slug}/translations/{language}"): Case(
        allowed=ORGANISERS,
        ok=204,
        request=lambda w: ({"slug": "call", "language": w.translation()}, {}),
    ),
    ("POST", "/api/challenges/{slug}/form/fields"): Case(
        allowed=ORGANISERS,
        ok=201,
        request=lambda w: (
            {"slug": "call"},
            {"json": {"type": "url", "label": f"Link {next(_counter)}"}},
        ),
    ),
    ("PATCH", "/api/challenges/{slug}/form/fields/{field_id}"): Case(
        allowed=ORGANISERS,
        submitted=False,
        request=lambda w: (
            {"slug": "call", "field_id": w.field_id()},
            {"json": {"help_text": "Be brief"}},
        ),
    ),
    ("DELETE", "/api/challenges/{slug}/form/fields/{field_id}"): Case(
        allowed=ORGANISERS,
        ok=204,
        submitted=False,
        request=lambda w: ({"slug": "call", "field_id": w.field_id()}, {}),
    ),
    ("GET", "/api/challenges/{slug}/entries"): Case(allowed=STAFF, request=call(slug="call")),
    ("GET", "/api/challenges/{slug}/exports/entries.csv"): Case(
        allowed=ORGANISERS, request=call(slug="call")
    ),
    ("GET", "/api/challenges/{slug}/exports/codebook.csv"): Case(
        allowed=ORGANISERS, request=call(slug="call")
    ),
    ("GET", "/api/challenges/{slug}/exports/votes.csv"): Case(
        allowed=ORGANISERS, request=call(slug="call")
    ),
    ("GET", "/api/challenges/{slug}/exports/scorecards.csv"): Case(
        allowed=ORGANISERS, request=call(slug="call")
    ),
    ("GET", "/api/challenges/{slug}/exports/scores.csv"): Case(
        allowed=ORGANISERS, request=call(slug="call")
    ),
    ("GET", "/api/challenges/{slug}/exports/judges.csv"): Case(
        allowed=ORGANISERS, request=call(slug="call")
    ),
    ("GET", "/api/challenges/{slug}/exports/conflicts.csv"): Case(
        allowed=ORGANISERS, request=call(slug="call")
    ),
    ("GET", "/api/challenges/{slug}/exports/participants.csv"): Case(
        allowed=ORGANISERS, request=call(slug="call")
    ),
    ("GET", "/api/challenges/{slug}/exports/results.csv"): Case(
        allowed=ORGANISERS, request=call(slug="call")
    ),
    ("GET", "/api/challenges/{slug}/exports/awards.csv"): Case(
        allowed=ORGANISERS, request=call(slug="call")
    ),
    ("GET", "/api/challenges/{slug}/exports/audit.csv"): Case(
        allowed=ORGANISERS, request=call(slug="call")
    ),
    ("GET", "/api/challenges/{slug}/exports/bundle.zip"): Case(
        allowed=ORGANISERS, request=call(slug="call")
    ),
    ("GET", "/api/challenges/{slug}/stats"): Case(allowed=ORGANISERS, request=call(slug="call")),
    ("GET", "/api/challenges/{slug}/stats.csv"): Case(
        allowed=ORGANISERS, request=call(slug="call")
    ),
    ("GET", "/api/challenges/{slug}/stats/reach"): Case(
        allowed=ORGANISERS, request=call(slug="call")
    ),
    ("PUT", "/api/challenges/{slug}/stats/reach"): Case(
        allowed=ORGANISERS, request=with_json({"events": 3, "prize_costs": 500}, slug="call")
    ),
    ("GET", "/api/stats"): Case(allowed=frozenset({"admin"})),
    ("GET", "/api/stats.csv"): Case(allowed=frozenset({"admin"})),
    ("GET", "/api/challenges/{slug}/entries/counts"): Case(
        allowed=STAFF, request=call(slug="call")
    ),
    ("POST", "/api/challenges/{slug}/entries"): Case(
        allowed=LOGGED_IN, ok=201, request=with_json({"title": "Mine"}, slug="call")
    ),
    ("POST", "/api/challenges/{slug}/screening"): Case(
        allowed=STAFF,
        request=lambda w: (
            {"slug": "call"},
            {"json": {"entry_ids": [w.submitted()], "eligibility": "eligible"}},
        ),
    ),
    ("GET", "/api/challenges/{slug}/audit"): Case(allowed=ORGANISERS, request=call(slug="call")),
    ("GET", "/api/me/entries"): Case(allowed=LOGGED_IN),
    ("GET", "/api/entries/{entry_id}"): entry_case(OWNER_AND_STAFF, World.submitted),
    ("PATCH", "/api/entries/{entry_id}"): entry_case(
        OWNER, World.draft, json={"title": "New title"}
    ),
    ("POST", "/api/entries/{entry_id}/submit"): entry_case(OWNER, lambda w: w.draft(COMPLETE)),
    ("POST", "/api/entries/{entry_id}/withdraw"): entry_case(OWNER, World.submitted),
    ("POST", "/api/entries/{entry_id}/eligibility"): entry_case(
        STAFF, World.submitted, json={"eligibility": "eligible"}
    ),
    ("POST", "/api/entries/{entry_id}/reopen-screening"): entry_case(
        STAFF, World.screened, json={"reason": "Second look"}
    ),
    ("GET", "/api/entries/{entry_id}/revisions"): entry_case(OWNER_AND_STAFF, World.submitted),
    ("POST", "/api/entries/{entry_id}/attachments"): Case(
        allowed=OWNER,
        ok=201,
        hidden_from=frozenset({"other_participant", "other_organiser"}) | JUDGES,
        request=lambda w: (
            {"entry_id": w.draft()},
            {"params": {"field": "poster", "filename": "p.pdf"}, "content": PDF},
        ),
    ),
    ("GET", "/api/attachments/{attachment_id}"): Case(
        allowed=OWNER_AND_STAFF,
        hidden_from=frozenset({"other_participant", "other_organiser"}) | JUDGES,
        request=lambda w: ({"attachment_id": w.attachment()}, {}),
    ),
    ("DELETE", "/api/attachments/{attachment_id}"): Case(
        allowed=OWNER,
        ok=204,
        hidden_from=frozenset({"other_participant", "other_organiser"}) | JUDGES,
        request=lambda w: ({"attachment_id": w.attachment()}, {}),
    ),
}

NOT_STAFF = frozenset({"participant", "other_participant", "other_organiser"}) | JUDGES
CASES.update(
    {
        ("GET", "/api/scale-presets"): Case(allowed=frozenset(ROLES)),
        ("GET", "/api/challenges/{slug}/rounds"): Case(allowed=STAFF, request=call(slug="call")),
        ("POST", "/api/challenges/{slug}/rounds"): Case(
            allowed=ORGANISERS,
            ok=201,
            request=with_json({"name": "Round", "criteria": [{"name": "Impact"}]}, slug="call"),
        ),
        ("GET", "/api/rounds/{round_id}"): Case(
            allowed=STAFF, hidden_from=NOT_STAFF, request=lambda w: ({"round_id": w.round_id()}, {})
        ),
        ("PATCH", "/api/rounds/{round_id}"): Case(
            allowed=ORGANISERS,
            hidden_from=NOT_STAFF,
            request=lambda w: ({"round_id": w.round_id()}, {"json": {"judges_per_entry": 4}}),
        ),
        ("DELETE", "/api/rounds/{round_id}"): Case(
            allowed=ORGANISERS,
            ok=204,
            hidden_from=NOT_STAFF,
            request=lambda w: ({"round_id": w.round_id()}, {}),
        ),
        ("POST", "/api/rounds/{round_id}/criteria"): Case(
            allowed=ORGANISERS,
            ok=201,
            hidden_from=NOT_STAFF,
            request=lambda w: (
                {"round_id": w.round_id()},
                {"json": {"name": "Reach", "preset": "likert-3"}},
            ),
        ),
        ("PATCH", "/api/rounds/{round_id}/criteria/{criterion_id}"): Case(
            allowed=ORGANISERS,
            hidden_from=NOT_STAFF,
            request=lambda w: (
                dict(zip(("round_id", "criterion_id"), w.criterion(), strict=True)),
                {"json": {"weight": 2}},
            ),
        ),
        ("DELETE", "/api/rounds/{round_id}/criteria/{criterion_id}"): Case(
            allowed=ORGANISERS,
            ok=204,
            hidden_from=NOT_STAFF,
            request=lambda w: (
                dict(zip(("round_id", "criterion_id"), w.criterion(), strict=True)),
                {},
            ),
        ),
    }
)

CASES.update(
    {
        ("GET", "/api/challenges/{slug}/judges"): Case(
            allowed=ORGANISERS, request=call(slug="call")
        ),
        ("POST", "/api/challenges/{slug}/judges"): Case(
            allowed=ORGANISERS,
            ok=201,
            request=lambda w: (
                {"slug": "call"},
                {"json": {"email": f"j{next(_counter)}@example.org", "display_name": "J"}},
            ),
        ),
        ("PATCH", "/api/challenges/{slug}/judges/{judge_id}"): Case(
            allowed=ORGANISERS,
            request=lambda w: ({"slug": "call", "judge_id": w.judge()}, {"json": {"max_load": 9}}),
        ),
        ("POST", "/api/judge-invitations/accept"): Case(
            allowed=LOGGED_IN,
            request=lambda w: ({}, {"json": {"token": w.invitation()}}),
            exceptions=dict.fromkeys(JUDGES, 409),  # on this panel already
        ),
        ("GET", "/api/challenges/{slug}/conflicts"): Case(
            allowed=ORGANISERS, request=call(slug="call")
        ),
        ("POST", "/api/challenges/{slug}/conflicts"): Case(
            allowed=ORGANISERS,
            ok=201,
            request=lambda w: (
                {"slug": "call"},
                {"json": {"judge_id": w.judge(), "entry_id": w.submitted(), "reason": "Colleague"}},
            ),
        ),
        ("POST", "/api/challenges/{slug}/conflicts/detect"): Case(
            allowed=ORGANISERS, request=call(slug="call")
        ),
    }
)

CASES.update(
    {
        ("POST", "/api/rounds/{round_id}/assign"): Case(
            allowed=ORGANISERS,
            hidden_from=NOT_STAFF,
            request=lambda w: ({"round_id": w.round_id()}, {"json": {}}),
        ),
        ("GET", "/api/rounds/{round_id}/assignments"): Case(
            allowed=STAFF, hidden_from=NOT_STAFF, request=lambda w: ({"round_id": w.round_id()}, {})
        ),
        ("POST", "/api/rounds/{round_id}/assignments"): Case(
            allowed=ORGANISERS,
            ok=201,
            hidden_from=NOT_STAFF,
            request=lambda w: (
                {"round_id": w.first_round()},
                {"json": {"entry_id": w.screened(), "judge_id": w.judge()}},
            ),
        ),
        ("DELETE", "/api/assignments/{assignment_id}"): Case(
            allowed=ORGANISERS,
            ok=204,
            hidden_from=NOT_STAFF,
            # Round 1 is open, so taking a judge off needs a reason.
            request=lambda w: (
                {"assignment_id": w.assignment()[1]},
                {"params": {"reason": "Judge is unwell"}},
            ),
        ),
    }
)

CASES.update(
    {
        ("GET", "/api/me/assignments"): Case(allowed=LOGGED_IN),
        # For everyone but its judge an assignment does not exist, organisers included (they
        # use the conflict register and the round's pages).
        ("POST", "/api/assignments/{assignment_id}/conflict"): judge_case(
            lambda w: w.judged_entry()[2], ok=201, json={"reason": "Conflicted"}
        ),
        ("GET", "/api/assignments/{assignment_id}"): judge_case(lambda w: w.judged_entry()[2]),
        ("PUT", "/api/assignments/{assignment_id}/scorecard"): judge_case(
            lambda w: w.judged_entry()[2], json={"values": [], "comment": "Draft"}
        ),
        ("POST", "/api/assignments/{assignment_id}/scorecard/submit"): Case(
            allowed=frozenset({"judge"}),
            hidden_from=LOGGED_IN - {"judge"},
            request=lambda w: _submit_ready(w),
        ),
        ("GET", "/api/assignments/{assignment_id}/files/{file_id}"): Case(
            allowed=frozenset({"judge"}),
            hidden_from=LOGGED_IN - {"judge"},
            request=lambda w: (
                {"assignment_id": w.judged_entry(with_file=True)[2], "file_id": w.file_id},
                {},
            ),
        ),
        ("GET", "/api/entries/{entry_id}/outcomes"): entry_case(OWNER_AND_STAFF, World.submitted),
    }
)


CASES.update(
    {
        ("GET", "/api/rounds/{round_id}/progress"): round_case(
            lambda w: {"round_id": w.judged_entry()[0]}
        ),
        ("GET", "/api/rounds/{round_id}/assignments/entries"): round_case(
            lambda w: {"round_id": w.judged_entry()[0]}
        ),
        ("POST", "/api/rounds/{round_id}/reminders"): round_case(
            lambda w: {"round_id": w.judged_entry()[0]}, json={"message": "Nearly there"}
        ),
        ("GET", "/api/rounds/{round_id}/ranking"): round_case(
            lambda w: {"round_id": w.scored()[0]}
        ),
        ("GET", "/api/rounds/{round_id}/entries/{entry_id}/scorecards"): round_case(
            lambda w: dict(zip(("round_id", "entry_id"), w.scored()[:2], strict=True))
        ),
        # Every judge free to take the entry is on it by then; a judge who joins can take it.
        ("POST", "/api/rounds/{round_id}/entries/{entry_id}/extra-judge"): round_case(
            lambda w: dict(
                zip(("round_id", "entry_id"), w.judged_entry()[:2], strict=True),
                spare=w._panel_judge(f"spare_{next(_counter)}"),
            ),
            ok=201,
        ),
        ("POST", "/api/scorecards/{scorecard_id}/reopen"): round_case(
            lambda w: {"scorecard_id": w.scored()[2]}, json={"reason": "Recheck the values"}
        ),
        ("POST", "/api/rounds/{round_id}/advancement/preview"): round_case(
            lambda w: {"round_id": w.scored()[0]}, json={}
        ),
        # A round open with no scorecard due may be decided at once.
        ("POST", "/api/rounds/{round_id}/advancement/apply"): round_case(
            lambda w: {"round_id": w.open_round()}, json={"notify": False}
        ),
    }
)

CASES.update(
    {
        ("GET", "/api/challenges/{slug}/voting"): Case(
            allowed=frozenset(ROLES), request=call(slug="call")
        ),
        ("PATCH", "/api/challenges/{slug}/voting"): Case(
            allowed=ORGANISERS, request=with_json({"burst_minutes": 30}, slug="call")
        ),
        ("GET", "/api/challenges/{slug}/ballot"): Case(
            allowed=frozenset(ROLES), request=lambda w: (w.voting_open() or {"slug": "call"}, {})
        ),
        ("GET", "/api/challenges/{slug}/ballot/files/{file_id}"): Case(
            allowed=frozenset(ROLES),
            submitted=False,
            setup=lambda w: setattr(w, "file_id", w.public_file()),
            request=lambda w: ({"slug": "call", "file_id": w.file_id}, {}),
        ),
        # Everyone verified may vote, but not for their own entry (theirs, or one whose team
        # names them).
        ("POST", "/api/challenges/{slug}/votes"): Case(
            allowed=LOGGED_IN,
            ok=201,
            request=lambda w: (
                w.voting_open(votes_per_voter=50) or {"slug": "call"},
                {"json": {"entry_id": w._ballot.pop()}},
            ),
            exceptions={"participant": 403, "team_member": 403, "unverified": 403},
        ),
        ("GET", "/api/challenges/{slug}/votes/mine"): Case(
            allowed=LOGGED_IN, request=call(slug="call")
        ),
        ("DELETE", "/api/votes/{vote_id}"): Case(
            allowed=frozenset({"other_participant"}),
            ok=204,
            hidden_from=LOGGED_IN - {"other_participant"},
            request=lambda w: ({"vote_id": w.vote_by("other_participant")}, {}),
            exceptions={"unverified": 404, "team_member": 404},  # another's vote
        ),
        ("GET", "/api/challenges/{slug}/votes/counts"): Case(
            allowed=ORGANISERS, request=call(slug="call")
        ),
        ("GET", "/api/challenges/{slug}/votes/counts/entries"): Case(
            allowed=ORGANISERS, request=call(slug="call")
        ),
        ("GET", "/api/challenges/{slug}/votes/held"): Case(
            allowed=ORGANISERS, request=call(slug="call")
        ),
        ("POST", "/api/challenges/{slug}/votes/review"): Case(
            allowed=ORGANISERS,
            request=lambda w: (
                {"slug": "call"},
                {"json": {"vote_ids": w.held_votes(), "decision": "release", "reason": "Checked"}},
            ),
        ),
    }
)

CASES.update(
    {
        ("GET", "/api/challenges/{slug}/results/rules"): Case(
            allowed=frozenset(ROLES), request=call(slug="call")
        ),
        ("PATCH", "/api/challenges/{slug}/results/rules"): Case(
            allowed=ORGANISERS, request=with_json({"w_public": 0.25}, slug="call")
        ),
        ("GET", "/api/challenges/{slug}/results/standings"): Case(
            allowed=ORGANISERS, request=call(slug="call")
        ),
        ("GET", "/api/challenges/{slug}/awards"): Case(
            allowed=ORGANISERS, request=call(slug="call")
        ),
        ("POST", "/api/challenges/{slug}/awards/propose"): Case(
            allowed=ORGANISERS, request=call(slug="call")
        ),
        ("POST", "/api/challenges/{slug}/awards"): Case(
            allowed=ORGANISERS,
            ok=201,
            request=lambda w: (
                {"slug": "call"},
                {
                    "json": {
                        "entry_id": w.screened(),
                        "tier": "honourable_mention",
                        "reason": "Stood out",
                    }
                },
            ),
        ),
        ("DELETE", "/api/challenges/{slug}/awards/{award_id}"): Case(
            allowed=ORGANISERS,
            ok=204,
            request=lambda w: (
                {"slug": "call", "award_id": w.award()},
                {"params": {"reason": "Changed"}},
            ),
        ),
        ("POST", "/api/challenges/{slug}/results/publish"): Case(
            allowed=ORGANISERS,
            setup=lambda w: setattr(w, "award_id", w.award()),
            request=with_json({"reason": "Final"}, slug="call"),
        ),
        ("POST", "/api/challenges/{slug}/results/unpublish"): Case(
            allowed=ORGANISERS,
            ok=204,
            request=lambda w: (
                w.publish_results() or {"slug": "call"},
                {"json": {"reason": "A score to check"}},
            ),
        ),
        ("GET", "/api/challenges/{slug}/results"): Case(
            allowed=frozenset(ROLES), setup=World.publish_results, request=call(slug="call")
        ),
        ("GET", "/api/challenges/{slug}/results.csv"): Case(
            allowed=frozenset(ROLES), setup=World.publish_results, request=call(slug="call")
        ),
        ("GET", "/api/challenges/{slug}/gallery"): Case(
            allowed=frozenset(ROLES), setup=World.publish_results, request=call(slug="call")
        ),
        ("GET", "/api/entries/{entry_id}/awards"): entry_case(OWNER_AND_STAFF, World.submitted),
        # The entrant whose entry won, and the organisers.
        ("GET", "/api/awards/{award_id}/certificate"): Case(
            allowed=OWNER | ORGANISERS,
            hidden_from=LOGGED_IN - OWNER - ORGANISERS,
            setup=World.publish_results,
            request=lambda w: ({"award_id": w.award_id}, {}),
        ),
    }
)

IMPORT_CSV = (
    b"Title,Summary,Category,Name,Your idea,Country,Consent,Licence agreed\r\n"
    b"Kits,Free kits,Community,Bola,Peers hand out kits.,NG,yes,yes\r\n"
)
IMPORT_MAPPING = {
    "Title": "title",
    "Summary": "summary",
    "Category": "category",
    "Name": "submitter_name",
    "Your idea": "answer:idea",
    "Country": "answer:country",
    "Consent": "answer:consent",
    "Licence agreed": "licence",
}


def csv_import(**fields: str) -> Callable[[World], tuple[dict[str, Any], dict[str, Any]]]:
    """A CSV file of one entry for the call, with the form's other fields."""
    return lambda w: (
        {"slug": "call"},
        {"files": {"file": ("entries.csv", IMPORT_CSV, "text/csv")}, "data": fields},
    )


CASES.update(
    {
        ("POST", "/api/challenges/{slug}/imports/preview"): Case(
            allowed=ORGANISERS, request=csv_import()
        ),
        # Every allowed caller imports the file again: each import adds its own entries.
        ("POST", "/api/challenges/{slug}/imports"): Case(
            allowed=ORGANISERS,
            ok=201,
            request=csv_import(mapping=json.dumps(IMPORT_MAPPING), channel="paper"),
        ),
    }
)


def _participant_id(w: World) -> int:
    return w.owner.get("/api/auth/me").json()["id"]


def _own_notification(w: World) -> tuple[dict[str, Any], dict[str, Any]]:
    """A notification of the participant's (the only person it exists for)."""
    from sqlmodel import Session

    from app.models import Notification

    with Session(w.app.state.engine) as session:
        notification = Notification(user_id=_participant_id(w), kind="broadcast", title="News")
        session.add(notification)
        session.commit()
        return {"notification_id": notification.id}, {}


def _unsubscribe(**extra: Any) -> Callable[[World], tuple[dict[str, Any], dict[str, Any]]]:
    """The participant's one-click link for organisers' messages: it needs no login."""
    from app.mail.outbox import unsubscribe_token

    return lambda w: (
        {},
        {
            "params": {
                "token": unsubscribe_token(w.app.state.settings, _participant_id(w), "broadcast")
            },
            **extra,
        },
    )


BROADCAST = {"segment": "all_entrants", "subject": "News", "body": "The deadline moves."}

CASES.update(
    {
        ("GET", "/api/mail-kinds"): Case(allowed=frozenset(ROLES)),
        ("GET", "/api/me/mail-preferences"): Case(allowed=LOGGED_IN),
        ("PUT", "/api/me/mail-preferences"): Case(
            allowed=LOGGED_IN, request=with_json({"broadcast": False})
        ),
        ("PATCH", "/api/me/language"): Case(
            allowed=LOGGED_IN, request=with_json({"language": "fr"})
        ),
        # The signed token is the proof: anyone holding the link may use it, logged in or not.
        ("POST", "/api/unsubscribe"): Case(allowed=frozenset(ROLES), request=_unsubscribe()),
        ("GET", "/api/unsubscribe"): Case(
            allowed=frozenset(ROLES), ok=303, request=_unsubscribe(follow_redirects=False)
        ),
        ("GET", "/api/me/notifications"): Case(allowed=LOGGED_IN),
        ("GET", "/api/me/notifications/unread"): Case(allowed=LOGGED_IN),
        ("POST", "/api/me/notifications/read-all"): Case(allowed=LOGGED_IN),
        ("POST", "/api/me/notifications/{notification_id}/read"): Case(
            allowed=OWNER, hidden_from=LOGGED_IN - OWNER, request=_own_notification
        ),
        ("POST", "/api/challenges/{slug}/broadcasts/preview"): Case(
            allowed=ORGANISERS, request=with_json(BROADCAST, slug="call")
        ),
        ("POST", "/api/challenges/{slug}/broadcasts"): Case(
            allowed=ORGANISERS, ok=201, request=with_json(BROADCAST, slug="call")
        ),
        ("GET", "/api/challenges/{slug}/broadcasts"): Case(
            allowed=ORGANISERS, request=call(slug="call")
        ),
    }
)


def _failed_mail(w: World) -> int:
    """A message of the call that failed after its last try."""
    from sqlmodel import Session

    from app.core.db import utcnow
    from app.mail.outbox import queue_mail

    with Session(w.app.state.engine) as session:
        message = queue_mail(
            session,
            w.app.state.settings,
            template="password_changed",
            to_address=f"gone{next(_counter)}@example.org",
            context={"display_name": "Gone"},
            challenge_id=w.org.get("/api/challenges/call").json()["id"],
        )
        assert message is not None
        message.status, message.attempts, message.failed_at = "failed", 8, utcnow()
        session.commit()
        assert message.id is not None
        return message.id


CASES.update(
    {
        ("GET", "/api/challenges/{slug}/mail"): Case(allowed=ORGANISERS, request=call(slug="call")),
        ("GET", "/api/admin/mail"): Case(
            allowed=frozenset({"admin"}), request=lambda w: ({}, {"params": {"status": "failed"}})
        ),
        # A fresh failed message for each caller: the admin's retry is the one that succeeds.
        ("POST", "/api/admin/mail/{message_id}/retry"): Case(
            allowed=frozenset({"admin"}), request=lambda w: ({"message_id": _failed_mail(w)}, {})
        ),
    }
)


def _participant_account(w: World) -> dict[str, Any]:
    return {"user_id": _participant_id(w)}


ADMINS = frozenset({"admin"})
CASES.update(
    {
        ("GET", "/api/admin/users"): Case(allowed=ADMINS),
        ("GET", "/api/admin/users/{user_id}"): Case(
            allowed=ADMINS, request=lambda w: (_participant_account(w), {})
        ),
        ("PATCH", "/api/admin/users/{user_id}"): Case(
            allowed=ADMINS,
            request=lambda w: (
                _participant_account(w),
                {"json": {"is_active": True, "reason": "Check"}},
            ),
        ),
        # Last, after every refusal: the admin's request logs the participant out everywhere.
        ("POST", "/api/admin/users/{user_id}/sessions/end"): Case(
            allowed=ADMINS,
            request=lambda w: (_participant_account(w), {"json": {"reason": "Lost"}}),
        ),
    }
)


# Routes whose every rule is tested where they live: accounts (tests/auth) and health.
COVERED_ELSEWHERE = {"/api/auth/", "/healthz"}


def _api_routes() -> set[tuple[str, str]]:
    """Every operation the app serves, read from its own OpenAPI document."""
    app = create_app()
    paths = app.openapi()["paths"]
    app.state.engine.dispose()
    return {
        (method.upper(), path)
        for path, operations in paths.items()
        if not any(path.startswith(prefix) for prefix in COVERED_ELSEWHERE)
        for method in operations
    }


def test_every_route_has_a_row() -> None:
    routes = _api_routes()
    assert sorted(routes - CASES.keys()) == [], "add these routes to CASES"
    assert sorted(CASES.keys() - routes) == [], "these rows name no route"


def _expected(case: Case, role: str) -> int:
    if role in case.exceptions:
        return case.exceptions[role]
    if role in OUTSIDERS:
        return _expected(case, "other_participant")
    if role in case.allowed:
        return case.ok
    if role == "anonymous":
        return 401
    return 404 if role in case.hidden_from else 403


@pytest.mark.parametrize(
    ("method", "path"), sorted(CASES), ids=[f"{m} {p}" for m, p in sorted(CASES)]
)
def test_who_may_and_who_may_not(app: FastAPI, method: str, path: str) -> None:
    case = CASES[(method, path)]
    world = World(app, submitted=case.submitted)
    if case.setup:
        case.setup(world)
    answers = {}
    # Refused callers first: a refusal must change nothing for those who follow.
    for role in sorted(ROLES, key=lambda r: r in case.allowed):
        params, kwargs = case.request(world)
        response = world.clients[role].request(method, path.format(**params), **kwargs)
        answers[role] = response.status_code
    assert answers == {role: _expected(case, role) for role in ROLES}
