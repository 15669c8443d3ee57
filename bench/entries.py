"""Entries at scale, measured against baselines taken in the same run.

1. Listing 10,000 entries a page at a time through the API: p50 and p99 per page for the
   first and the last pages (keyset pagination: the last page costs what the first does).
2. Uploading a 50 MB file through the API against copying the same file on disk, with the
   server's peak memory before and after (uploads stream: memory stays flat).

Usage: .venv/bin/python bench/entries.py [--entries 10000] [--page 50] [--upload-mb 50]
       [--database-url postgresql://postgres@127.0.0.1:5432/somedb]   (default: SQLite)
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, insert

from app.cli import run_migrations
from app.core.db import normalise_database_url, utcnow
from app.models import Entry

PASSWORD = "bench passphrase"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def start_server(workdir: Path, database_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "OPENCALL_ENVIRONMENT": "test",
        "OPENCALL_DATABASE_URL": database_url,
        "OPENCALL_BASE_URL": url,
        "OPENCALL_UPLOAD_DIR": str(workdir / "uploads"),
        "OPENCALL_MAIL_SENDER_IN_APP": "false",
        "OPENCALL_ARGON2_MEMORY_KIB": "1024",
        "OPENCALL_ARGON2_TIME_COST": "1",
        "OPENCALL_ARGON2_PARALLELISM": "1",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:create_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=workdir,
    )
    for _ in range(100):
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


def setup(client: httpx.Client, database_url: str, upload_mb: int) -> tuple[int, int]:
    client.post(
        "/api/auth/register",
        json={"email": "org@bench.example.org", "display_name": "Org", "password": PASSWORD},
    ).raise_for_status()
    engine = create_engine(normalise_database_url(database_url))
    with engine.begin() as conn:
        conn.exec_driver_sql('UPDATE "user" SET email_verified_at = created_at')
    now = utcnow()
    client.post(
        "/api/challenges",
        json={
            "title": "Bench call",
            "slug": "bench",
            "prompt": "How might we measure?",
            "opens_at": (now - timedelta(days=1)).isoformat(),
            "closes_at": (now + timedelta(days=30)).isoformat(),
            "max_entries_per_participant": 5,
        },
    ).raise_for_status()
    client.post(
        "/api/challenges/bench/form/fields",
        json={
            "type": "file",
            "label": "Video",
            "key": "video",
            "config": {"accept": ["pdf", "video"], "max_size_mb": upload_mb + 10, "max_files": 10},
        },
    ).raise_for_status()
    client.post("/api/challenges/bench/publish").raise_for_status()
    entry_id = client.post("/api/challenges/bench/entries", json={"title": "Upload"}).json()["id"]
    challenge_id = client.get("/api/challenges/bench").json()["id"]
    engine.dispose()
    return challenge_id, entry_id


def fill_entries(database_url: str, challenge_id: int, count: int) -> float:
    engine = create_engine(normalise_database_url(database_url))
    started = time.perf_counter()
    now = utcnow()
    rows = [
        {
            "challenge_id": challenge_id,
            "reference": f"B-{i:05d}",
            "title": f"Entry {i}",
            "summary": "s",
            "answers": {},
            "status": "submitted",
            "eligibility": "pending",
            "channel": "web",
            "rule_outcomes": [],
            "form_version": 1,
            "licence_accepted": True,
            "created_at": now,
            "updated_at": now,
            "submitted_at": now,
        }
        for i in range(1, count + 1)
    ]
    with engine.begin() as conn:
        for start in range(0, count, 1000):
            conn.execute(insert(Entry), rows[start : start + 1000])
    engine.dispose()
    return time.perf_counter() - started


def bench_listing(client: httpx.Client, page_size: int) -> None:
    times: list[float] = []
    cursor = None
    seen = 0
    while True:
        params: dict[str, str | int] = {"limit": page_size}
        if cursor:
            params["cursor"] = cursor
        t0 = time.perf_counter()
        response = client.get("/api/challenges/bench/entries", params=params)
        times.append(time.perf_counter() - t0)
        response.raise_for_status()
        body = response.json()
        seen += len(body["items"])
        cursor = body["next_cursor"]
        if not cursor:
            break
    tenth = max(1, len(times) // 10)
    first, last = times[:tenth], times[-tenth:]
    print(f"listing: {seen} entries in {len(times)} pages of {page_size}")
    print(
        f"  first {tenth} pages: p50 {pct(first, 0.5) * 1000:.1f} ms, p99 {pct(first, 0.99) * 1000:.1f} ms"
    )
    print(
        f"  last  {tenth} pages: p50 {pct(last, 0.5) * 1000:.1f} ms, p99 {pct(last, 0.99) * 1000:.1f} ms"
    )
    print(
        f"  all pages:          p50 {pct(times, 0.5) * 1000:.1f} ms, p99 {pct(times, 0.99) * 1000:.1f} ms"
    )
    print(f"  last / first page p50: {pct(last, 0.5) / pct(first, 0.5):.2f}x (1.0 = flat)")


def bench_upload(
    client: httpx.Client, workdir: Path, entry_id: int, upload_mb: int, pid: int
) -> None:
    source = workdir / "big.pdf"
    with source.open("wb") as handle:
        handle.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        for _ in range(upload_mb):
            handle.write(secrets.token_bytes(1024 * 1024))
    size = source.stat().st_size
    rss_before = peak_rss_mb(pid)
    copies, uploads = [], []
    # Interleaved, so that the disk's write-back state weighs on both alike.
    for n in range(5):
        target = workdir / f"copy{n}.pdf"
        t0 = time.perf_counter()
        with source.open("rb") as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
            dst.flush()
            os.fsync(dst.fileno())  # the upload path fsyncs too
        copies.append(time.perf_counter() - t0)
        target.unlink()
        with source.open("rb") as handle:
            t0 = time.perf_counter()
            response = client.post(
                f"/api/entries/{entry_id}/attachments",
                params={"field": "video", "filename": "big.pdf"},
                content=iter(lambda: handle.read(1024 * 1024), b""),
                headers={"Content-Type": "application/pdf"},
                timeout=300,
            )
            uploads.append(time.perf_counter() - t0)
        response.raise_for_status()
        assert response.json()["size"] == size
    rss_after = peak_rss_mb(pid)
    copy_s, upload_s = statistics.median(copies), statistics.median(uploads)
    mb = size / 1024 / 1024
    ratios = sorted(c / u for c, u in zip(copies, uploads, strict=True))
    print(f"upload: {mb:.0f} MB file, 5 interleaved pairs (medians)")
    print(f"  copy on disk:    {copy_s * 1000:.0f} ms ({mb / copy_s:.0f} MB/s)")
    print(f"  upload via API:  {upload_s * 1000:.0f} ms ({mb / upload_s:.0f} MB/s)")
    print(
        f"  upload / copy throughput: median {statistics.median(ratios):.2f}, "
        f"range {ratios[0]:.2f}-{ratios[-1]:.2f} (aim >= 0.3)"
    )
    print(
        f"  server peak memory: {rss_before:.0f} MB before, {rss_after:.0f} MB after 5 uploads "
        f"(+{rss_after - rss_before:.0f} MB for {5 * mb:.0f} MB received)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Entries at scale")
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--page", type=int, default=50)
    parser.add_argument("--upload-mb", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        database_url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
        run_migrations(database_url)
        process, url = start_server(workdir, database_url)
        try:
            with httpx.Client(base_url=url, headers={"Origin": url}, timeout=60) as client:
                challenge_id, entry_id = setup(client, database_url, args.upload_mb)
                seconds = fill_entries(database_url, challenge_id, args.entries)
                print(
                    f"database: {database_url.split(':', 1)[0]}; "
                    f"{args.entries} entries inserted in {seconds:.1f} s"
                )
                bench_listing(client, args.page)
                bench_upload(client, workdir, entry_id, args.upload_mb, process.pid)
        finally:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
