"""The app factory `bench/soak.py --trace-memory` gives uvicorn: each worker traces its Python
allocations (tracemalloc) from its first import, and on SIGUSR1 collects garbage and writes
what it holds to $OPENCALL_SOAK_TRACE_DIR: `<pid>.json` (the traced bytes now, and the peak)
(numbered) every time, `<pid>-first.snap` the first time and `<pid>-last.snap` after that, so the soak
can tell memory Python holds on to (a leak: the snapshots show where it was allocated) from
memory the allocator keeps after Python let it go (resident size grows, traced bytes do not).

Tracing costs time (each allocation records its stack): a traced soak is slower than the
plain one, and its figures are for finding growth, not for the throughput table.
"""

from __future__ import annotations

import gc
import itertools
import json
import os
import signal
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from types import FrameType

tracemalloc.start(int(os.environ.get("OPENCALL_SOAK_TRACE_FRAMES", "12")))

from app.main import create_app  # noqa: E402  (traced from here on)

__all__ = ["create_app"]


_DUMPS = itertools.count(1)


def _write(path: Path, write: Callable[[Path], object]) -> None:
    """Writes beside `path` and renames, so the soak never reads half a file."""
    part = path.with_name(path.name + ".part")
    write(part)
    part.rename(path)


def _dump(signum: int, frame: FrameType | None) -> None:
    directory = Path(os.environ["OPENCALL_SOAK_TRACE_DIR"])
    gc.collect()
    pid = os.getpid()
    first = directory / f"{pid}-first.snap"
    snapshot = tracemalloc.take_snapshot()
    target = directory / f"{pid}-last.snap" if first.exists() else first
    _write(target, lambda path: snapshot.dump(str(path)))
    current, peak = tracemalloc.get_traced_memory()
    figures = json.dumps({"dump": next(_DUMPS), "traced": current, "peak": peak})
    _write(directory / f"{pid}.json", lambda path: path.write_text(figures))


signal.signal(signal.SIGUSR1, _dump)
