"""Logins per second against the cost of one bare argon2 verification, measured in one run.

Usage: .venv/bin/python bench/login.py [--logins 30] [--database-url URL]

A login is dominated on purpose by argon2id; the ratio (login time / bare verify time) shows
what the rest of the request costs, and stays meaningful on a noisy machine because both are
measured together. The hashing parameters are the production defaults from the settings.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
from fastapi.testclient import TestClient  # noqa: E402

from app.cli import run_migrations  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.core.security import PasswordHasher  # noqa: E402
from app.main import create_app  # noqa: E402

PASSWORD = "a benchmark passphrase"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=30)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        run_migrations(url)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            environment="test",
            database_url=url,
            base_url="http://testserver",
            mail_sender_in_app=False,
            # Room for every login: the throttle must not turn the benchmark into 429s.
            login_max_failures_per_account=10_000,
        )
        hasher = PasswordHasher(settings)
        app = create_app(settings)
        with TestClient(
            app, base_url="http://testserver", headers={"Origin": "http://testserver"}
        ) as client:
            client.post(
                "/api/auth/register",
                json={"email": "bench@example.org", "display_name": "Bench", "password": PASSWORD},
            ).raise_for_status()
            stored = hasher.hash(PASSWORD)
            hasher.verify(PASSWORD, stored)  # warm up

            verify_times, login_times = [], []
            for _ in range(args.logins):
                # Interleave the two so drift on a noisy machine hits both alike.
                t0 = time.perf_counter()
                hasher.verify(PASSWORD, stored)
                verify_times.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                response = client.post(
                    "/api/auth/login", json={"email": "bench@example.org", "password": PASSWORD}
                )
                login_times.append(time.perf_counter() - t0)
                assert response.status_code == 200, response.text
        app.state.engine.dispose()

    verify_ms = statistics.median(verify_times) * 1000
    login_ms = statistics.median(login_times) * 1000
    print(
        f"argon2id parameters: time_cost={settings.argon2_time_cost} "
        f"memory={settings.argon2_memory_kib} KiB parallelism={settings.argon2_parallelism}"
    )
    print(f"database: {url.split(':', 1)[0]}, logins measured: {args.logins}, sequential")
    print(f"bare hash verification: {verify_ms:.1f} ms median ({1000 / verify_ms:.2f} per second)")
    print(
        f"login through the API:  {login_ms:.1f} ms median "
        f"({1000 / login_ms:.2f} logins per second)"
    )
    print(f"login / bare hash: {login_ms / verify_ms:.2f}x")


if __name__ == "__main__":
    main()
