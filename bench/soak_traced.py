"""The app factory `bench/soak.py --trace-memory` gives uvicorn. The first SIGUSR1 (the end
of the soak's warm-up) starts tracing the worker's Python allocations (tracemalloc); each
later one collects garbage and writes to $OPENCALL_SOAK_TRACE_DIR `<pid>.json` (the signal's
number and the bytes traced now and at the peak) and `<pid>.snap`, a snapshot of what is
held. Everything traced was allocated after the warm-up, so what a snapshot holds at the end
is what the run kept: a leak shows there with the stack that allocated it, while memory the
allocator keeps after Python let it go shows as resident size without traced bytes.

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

from app.main import create_app

__all__ = ["create_app"]

FRAMES = int(os.environ.get("OPENCALL_SOAK_TRACE_FRAMES", "8"))
_SIGNALS = itertools.count(1)


def _write(path: Path, write: Callable[[Path], object]) -> None:
    """Writes beside `path` and renames, so the soak never reads half a file."""
    part = path.with_name(path.name + ".part")
    write(part)
    part.rename(path)


def _dump(signum: int, frame: FrameType | None) -> None:
    directory = Path(os.environ["OPENCALL_SOAK_TRACE_DIR"])
    number = next(_SIGNALS)
    pid = os.getpid()
    if number == 1:
        gc.collect()
        tracemalloc.start(FRAMES)
    else:
        gc.collect()
        snapshot = tracemalloc.take_snapshot()
        _write(directory / f"{pid}.snap", lambda path: snapshot.dump(str(path)))
    current, peak = tracemalloc.get_traced_memory()
    figures = json.dumps({"dump": number, "traced": current, "peak": peak})
    _write(directory / f"{pid}.json", lambda path: path.write_text(figures))


signal.signal(signal.SIGUSR1, _dump)
