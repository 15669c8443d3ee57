"""Property-based fuzzing of the whole API against its own OpenAPI document (schemathesis).

Every operation is called with generated requests, valid and invalid, as anonymous and as each
role of a seeded call (tests/test_authorization.py's World, one per role in a database of
its own, so what one role's requests change never reaches another's run). Every response
must be no 5xx, a status the operation documents, a body matching its documented schema and
content type, and the documented headers.

The suite runs a fixed, small sample (derandomized). `make fuzz` runs the long one:
OPENCALL_FUZZ_EXAMPLES raises the examples per operation and role, OPENCALL_FUZZ_SEED picks
the seed (random, and printed, when unset there), and the summary it prints gives the
requests sent, the answers per status, the failures and the time.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session, select

from app.auth.service import ClientInfo, start_session
from app.cli import run_migrations
from app.main import create_app
from app.models import User
from tests.conftest import (
    BASE_URL,
    TEST_DB_KIND,
    create_pg_database,
    drop_pg_database,
    make_settings,
)
from tests.test_authorization import World

ROLES = ("anonymous", "participant", "screener", "organiser", "judge", "admin")
EXAMPLES = int(os.environ.get("OPENCALL_FUZZ_EXAMPLES", "4"))
# "random" draws one (printed in the summary); unset, the run is derandomized (fixed).
SEED: int | None = (
    random.randrange(2**32)
    if os.environ.get("OPENCALL_FUZZ_SEED") == "random"
    else int(os.environ["OPENCALL_FUZZ_SEED"])
    if os.environ.get("OPENCALL_FUZZ_SEED")
    else None
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
]
# Operations that end the session presenting them, or every session of an account (the
# admin's own among them): each of their requests gets a session of its own, so the role
# stays logged in for the rest of its run.
SESSION_ENDING = frozenset(
    {
        "POST /api/auth/logout",
        "DELETE /api/auth/sessions/{session_id}",
        "POST /api/admin/users/{user_id}/sessions/end",
    }
)
# Seeded rows have small ids in a database of their own, so path ids drawn from this range
# name real calls, entries, rounds, assignments, files... (a third of the requests are made
# so; the generator's own ids mostly name nothing).
SEEDED_IDS = st.integers(min_value=1, max_value=60)
SEEDED_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "slug": st.sampled_from(["call", "other-call"]),
    "language": st.sampled_from(["fr", "es", "qaa"]),
}


def _schema() -> schemathesis.schemas.BaseSchema:
    """The app's OpenAPI document, as the app serves it (it depends on no setting)."""
    app = create_app(make_settings("sqlite://", 25))
    document = app.openapi()
    app.state.engine.dispose()
    return schemathesis.openapi.from_dict(document)


SCHEMA = _schema()
OPERATIONS = {op.ok().label: op.ok() for op in SCHEMA.get_all_operations()}


@dataclass
class Figures:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: int = 0
    started: float = field(default_factory=time.perf_counter)


FIGURES = Figures()


@dataclass
class Target:
    """One role's view of its own seeded call."""

    role: str
    app: FastAPI
    user_id: int | None
    token: str | None

    def headers(self, label: str) -> dict[str, str]:
        headers = {"Origin": BASE_URL}
        if self.user_id is None:
            return headers
        token = self.fresh_token() if label in SESSION_ENDING else self.token
        return {**headers, "Authorization": f"Bearer {token}"}

    def fresh_token(self) -> str:
        settings = self.app.state.settings
        with Session(self.app.state.engine) as session:
            user = session.get(User, self.user_id)
            assert user is not None
            new = start_session(session, settings, user, ClientInfo(ip=None, user_agent="fuzz"))
            session.commit()
            return new.token


def _seed(world: World) -> None:
    """Something of every kind the API serves, so seeded ids and slugs find real rows.
    Entries first: the call takes none once voting opens."""
    world.judged_entry(with_file=True)
    world.scored()
    world.assignment()
    world.criterion()
    world.attachment()
    world.award_id = world.award()
    world.committee_member()
    assert world.org.put("/api/challenges/call/translations/qaa", json={"title": "T"}).is_success
    world.membership()
    world.invitation()
    world.cover()
    world.held_votes()
    world.vote_by("other_participant")
    world.publish_results()


@contextmanager
def _database(tmp_path_factory: pytest.TempPathFactory, role: str) -> Iterator[str]:
    if TEST_DB_KIND == "postgresql":
        url = create_pg_database("opencall_fuzz")
        run_migrations(url)
        yield url
        drop_pg_database(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / f'{role}.db'}"
        run_migrations(url)
        yield url


@pytest.fixture(scope="module", params=ROLES)
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, smtp_server: Any
) -> Iterator[Target]:
    role: str = request.param
    controller, _ = smtp_server
    with _database(tmp_path_factory, role) as url:
        uploads = str(tmp_path_factory.mktemp("uploads"))
        app = create_app(make_settings(url, controller.port, upload_dir=uploads))
        world = World(app)
        _seed(world)
        target = Target(role, app, user_id=None, token=None)
        if role != "anonymous":
            email = world.clients[role].get("/api/auth/me").json()["email"]
            with Session(app.state.engine) as session:
                target.user_id = session.exec(select(User.id).where(User.email == email)).one()
            target.token = target.fresh_token()
        yield target
        for client in world.clients.values():
            client.close()
        app.state.engine.dispose()


@pytest.fixture(scope="module", autouse=True)
def summary(request: pytest.FixtureRequest) -> Iterator[None]:
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        # Up front, so a run that dies can still be replayed with OPENCALL_FUZZ_SEED.
        print(f"\nfuzz seed: {'fixed (derandomized)' if SEED is None else SEED}")
    # Timed from here: the module is imported when the whole suite is collected, long before.
    FIGURES.started = time.perf_counter()
    yield
    elapsed = time.perf_counter() - FIGURES.started
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(FIGURES.statuses.items()))
    lines = [
        f"fuzz ({TEST_DB_KIND}): {FIGURES.requests} requests to {len(OPERATIONS)} operations "
        f"as {len(ROLES)} roles in {elapsed:.0f} s, up to {EXAMPLES} examples each, "
        f"seed {'fixed (derandomized)' if SEED is None else SEED}",
        f"fuzz statuses: {statuses}",
        f"fuzz failures (operation and role pairs): {FIGURES.failures}",
    ]
    with capture.global_and_fixture_disabled():
        print("\n" + "\n".join(lines))


def _cases(label: str) -> st.SearchStrategy[Any]:
    """Valid and invalid requests; half the valid ones name the seeded rows in their path."""
    operation = OPERATIONS[label]
    positive = operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
    negative = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    names = [p.name for p in operation.path_parameters]
    if not names:
        return st.one_of(positive, negative)
    seeded = st.fixed_dictionaries(
        {name: SEEDED_VALUES.get(name, SEEDED_IDS) for name in names}
    ).flatmap(
        lambda values: operation.as_strategy(
            generation_mode=GenerationMode.POSITIVE, path_parameters=values
        )
    )
    return st.one_of(positive, seeded, negative)


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_operation_answers_as_documented(target: Target, label: str) -> None:
    """No 5xx, and every answer documented: status, body schema, content type, headers."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=SEED is None,
        # Generation health, not the API's: some bodies are large and slow to draw, and an
        # invalid raw file body (the uploads') is often drawn only after many discarded tries.
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )
    @given(case=_cases(label))
    def answers_as_documented(case: Any) -> None:
        headers = target.headers(label)
        response = case.call(app=target.app, headers=headers)
        FIGURES.requests += 1
        FIGURES.statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    if SEED is not None:
        answers_as_documented = seed(SEED)(answers_as_documented)
    try:
        answers_as_documented()
    except BaseException:
        # One failure per operation and role, however many requests shrinking it took.
        FIGURES.failures += 1
        raise
    if target.user_id is not None:
        # Still logged in as the role: the run was not quietly an anonymous one.
        me_headers = target.headers("GET /api/auth/me")
        me = OPERATIONS["GET /api/auth/me"].Case().call(app=target.app, headers=me_headers)
        assert me.status_code == 200, f"{target.role} was logged out by {label}"
