"""Mail delivery throughput: the outbox drained by `opencall worker` processes into a local
aiosmtpd server, against plain smtplib sending the same messages in one loop, in one run.

What is measured. The script migrates the database given by --database-url (a PostgreSQL
database is created when it does not exist; without the option, a temporary SQLite file),
starts an aiosmtpd server in a process of its own (it counts every message it receives by
its Message-ID) and --workers `opencall worker` processes (the real command, polling every
50 ms, batches of 50), and warms them on a small run. Then, per round:

- the baseline: the round's N messages (rendered by the outbox's own `queue_mail`, not yet
  committed) sent by plain smtplib in one loop over one connection, each built as an
  EmailMessage with the same headers and bodies, timed from connecting to the last reply;
- the outbox: the same N messages committed to the outbox in one transaction; timed from
  the commit to the server's receipt of the last one (the server notes the time), so it
  includes the workers noticing the new mail, claiming batches, building each message,
  sending it and writing its outcome.

After each run the server's count is checked exactly (every Message-ID once, N in all), and
after the outbox run the database too (N rows sent, none pending or failed, one attempt
each). The round's rows are then deleted. Throughput is messages per second; the ratio is
the outbox's over the baseline's (aim >= 0.5).

The database's outbox must hold no pending mail of its own (the counts are exact), so
`make bench` gives this script a database of its own (OPENCALL_BENCH_OUTBOX_PG_URL).

Usage: .venv/bin/python bench/outbox.py [--database-url postgresql://postgres@127.0.0.1:5432/bencho]
       [--workers 2] [--messages 2000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import smtplib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, delete, func, select, text
from sqlmodel import Session, col
from votes import ensure_database, free_port  # bench/votes.py, beside this file

from app.cli import run_migrations
from app.core.config import Settings
from app.core.db import normalise_database_url
from app.mail.outbox import queue_mail
from app.models import OutboxMessage

SECRET_KEY = "bench-outbox-secret-key-long-enough-0123456789abcdef"
MAIL_FROM = "OpenCall <no-reply@bench.example.org>"
MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)

# --- The SMTP server, in a process of its own ------------------------------------------------


def smtp_server(port: int, control: Connection) -> None:
    """aiosmtpd on `port`, counting Message-IDs; answers `control`'s commands: ("expect", n)
    resets the count and waits for n messages, then sends back the monotonic time of the
    n-th; ("count",) sends back the Counter; ("stop",) ends it."""
    from aiosmtpd.controller import Controller

    lock = threading.Lock()
    received: Counter[bytes] = Counter()
    expected = [0]
    done = threading.Event()
    last = [0.0]

    class Counting:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            content = envelope.original_content or envelope.content
            head = content.split(b"\r\n\r\n", 1)[0]
            found = MESSAGE_ID.search(head)
            with lock:
                received[found.group(1) if found else b"(none)"] += 1
                if sum(received.values()) == expected[0]:
                    last[0] = time.monotonic()
                    done.set()
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    control.send("ready")
    while True:
        command = control.recv()
        if command[0] == "expect":
            with lock:
                received.clear()
                expected[0] = command[1]
                done.clear()
            control.send("ok")
            done.wait()
            control.send(last[0])
        elif command[0] == "count":
            with lock:
                control.send(Counter({k.decode(): v for k, v in received.items()}))
        else:
            controller.stop()
            control.send("stopped")
            return


@dataclass
class SmtpServer:
    port: int
    process: multiprocessing.process.BaseProcess
    control: Connection

    def expect(self, n: int) -> None:
        self.control.send(("expect", n))
        assert self.control.recv() == "ok"

    def wait_done(self, timeout: float) -> float:
        if not self.control.poll(timeout):
            raise SystemExit(f"the server had not received every message after {timeout} s")
        return float(self.control.recv())

    def count(self) -> Counter[str]:
        self.control.send(("count",))
        counts: Counter[str] = self.control.recv()
        return counts

    def stop(self) -> None:
        self.control.send(("stop",))
        self.control.recv()
        self.process.join(timeout=10)


def start_smtp_server() -> SmtpServer:
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    port = free_port()
    process = context.Process(target=smtp_server, args=(port, theirs), daemon=True)
    process.start()
    if not ours.poll(30) or ours.recv() != "ready":
        raise SystemExit("the SMTP server did not start")
    return SmtpServer(port, process, ours)


# --- The messages ------------------------------------------------------------------------------


@dataclass
class Plain:
    message_id: str
    to_address: str
    subject: str
    text_body: str
    html_body: str | None


def make_messages(session: Any, settings: Settings, n: int, tag: str) -> list[Plain]:
    """N messages added to `session` (nothing written until its commit), and plain copies."""
    plain = []
    for i in range(n):
        message = queue_mail(
            session,
            settings,
            template="password_changed",
            to_address=f"{tag}-{i}@bench.example.org",
            context={"display_name": f"Participant {i}"},
        )
        assert message is not None
        plain.append(
            Plain(
                message.message_id,
                message.to_address,
                message.subject,
                message.text_body,
                message.html_body,
            )
        )
    return plain


def run_baseline(server: SmtpServer, messages: list[Plain]) -> float:
    """Plain smtplib, one connection, one loop: each message built and sent. Seconds taken."""
    server.expect(len(messages))
    start = time.monotonic()
    with smtplib.SMTP("127.0.0.1", server.port, timeout=30) as smtp:
        for m in messages:
            email = EmailMessage()
            email["From"] = MAIL_FROM
            email["To"] = m.to_address
            email["Subject"] = m.subject
            email["Message-ID"] = m.message_id
            email["Date"] = formatdate(localtime=False, usegmt=True)
            email["Auto-Submitted"] = "auto-generated"
            email.set_content(m.text_body)
            if m.html_body:
                email.add_alternative(m.html_body, subtype="html")
            smtp.send_message(email)
    elapsed = time.monotonic() - start
    server.wait_done(60)
    return elapsed


def check_delivered(server: SmtpServer, messages: list[Plain], what: str) -> None:
    counts = server.count()
    expected = Counter(m.message_id for m in messages)
    if counts != expected:
        twice = sum(1 for v in counts.values() if v > 1)
        missing = len(expected - counts)
        raise SystemExit(f"{what}: {twice} messages arrived more than once, {missing} never")


# --- The run -----------------------------------------------------------------------------------


def start_workers(n: int, env: dict[str, str], workdir: Path) -> list[subprocess.Popen[bytes]]:
    opencall = Path(sys.executable).with_name("opencall")
    command = [str(opencall)] if opencall.exists() else [sys.executable, "-m", "app.cli"]
    workers = []
    for i in range(n):
        log = (workdir / f"worker-{i}.log").open("w")
        workers.append(
            subprocess.Popen(
                [*command, "worker"], env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT
            )
        )
    return workers


def run_outbox(engine: Any, session: Any, server: SmtpServer, messages: list[Plain]) -> float:
    """Commit the messages to the outbox; seconds until the server has the last of them."""
    ids = [m.message_id for m in messages]
    server.expect(len(messages))
    session.commit()
    start = time.monotonic()
    last = server.wait_done(600)
    # The last outcomes may still be being written: wait for them, then check them all.
    deadline = time.monotonic() + 60
    with engine.connect() as conn:
        while True:
            rows = dict(
                conn.execute(
                    select(col(OutboxMessage.status), func.count())
                    .where(col(OutboxMessage.message_id).in_(ids))
                    .group_by(col(OutboxMessage.status))
                ).all()
            )
            conn.rollback()
            if rows == {"sent": len(ids)} or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        attempts = conn.execute(
            select(func.max(col(OutboxMessage.attempts))).where(
                col(OutboxMessage.message_id).in_(ids)
            )
        ).scalar()
    if rows != {"sent": len(ids)} or attempts != 1:
        raise SystemExit(f"outbox: rows by status {rows}, most attempts {attempts}")
    return last - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL (created if missing); else SQLite")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = args.database_url or f"sqlite:///{workdir / 'outbox-bench.db'}"
        if url.startswith("postgres"):
            ensure_database(url)
        run_migrations(url)
        engine = create_engine(normalise_database_url(url))
        with engine.connect() as conn:
            waiting = conn.execute(
                select(func.count()).where(col(OutboxMessage.status) == "pending")
            ).scalar()
            if engine.dialect.name == "postgresql":
                version = f"PostgreSQL {conn.execute(text('SHOW server_version')).scalar()}"
            else:
                version = "SQLite"
        if waiting:
            raise SystemExit(
                f"the outbox of {url} holds {waiting} pending messages of its own; the exact "
                "counts need an outbox with none (use another database)"
            )
        server = start_smtp_server()
        settings = Settings(
            _env_file=None,
            environment="test",
            database_url=url,
            secret_key=SECRET_KEY,
            base_url="https://bench.example.org",
            mail_from=MAIL_FROM,
        )
        env = {
            **os.environ,
            "OPENCALL_ENVIRONMENT": "test",
            "OPENCALL_DATABASE_URL": url,
            "OPENCALL_SECRET_KEY": SECRET_KEY,
            "OPENCALL_BASE_URL": "https://bench.example.org",
            "OPENCALL_MAIL_FROM": MAIL_FROM,
            "OPENCALL_MAIL_BACKEND": "smtp",
            "OPENCALL_SMTP_HOST": "127.0.0.1",
            "OPENCALL_SMTP_PORT": str(server.port),
            "OPENCALL_MAIL_POLL_SECONDS": "0.05",
        }
        workers = start_workers(args.workers, env, workdir)
        print(
            f"{version}; {args.workers} `opencall worker` processes against plain smtplib, "
            f"{args.messages} messages a run, aiosmtpd in its own process, {os.cpu_count()} CPUs"
        )
        results: list[tuple[float, float]] = []
        try:
            for round_no in range(args.rounds + 1):
                warm = round_no == 0
                n = min(200, args.messages) if warm else args.messages
                with Session(engine) as session:
                    messages = make_messages(session, settings, n, f"r{round_no}-{time.time_ns()}")
                    base = run_baseline(server, messages)
                    check_delivered(server, messages, "baseline")
                    took = run_outbox(engine, session, server, messages)
                    check_delivered(server, messages, "outbox")
                with engine.begin() as conn:
                    conn.execute(
                        delete(OutboxMessage).where(
                            col(OutboxMessage.message_id).in_([m.message_id for m in messages])
                        )
                    )
                if warm:
                    continue
                results.append((n / took, n / base))
                print(
                    f"round {round_no}: outbox {n / took:7.1f} messages/s ({took:.2f} s), "
                    f"plain smtplib {n / base:7.1f} messages/s ({base:.2f} s): "
                    f"ratio {base / took:.2f}; {n} delivered, each Message-ID once"
                )
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=60)
            server.stop()
            engine.dispose()
    ratios = [ours / theirs for ours, theirs in results]
    print(
        f"median: outbox {statistics.median(r[0] for r in results):.1f} messages/s, plain "
        f"smtplib {statistics.median(r[1] for r in results):.1f} messages/s, ratio "
        f"{statistics.median(ratios):.2f} (aim >= 0.5)"
    )


if __name__ == "__main__":
    main()
