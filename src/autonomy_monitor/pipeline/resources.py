"""Time and memory of the build's steps, for the progress output and ``meta_build__steps``.

Memory is the resident set size (RSS) of the build process, DuckDB's buffers included (DuckDB
runs inside the process). A step's peak is sampled by a background thread every
``interval`` seconds while the step runs (``/proc/self/statm``; on systems without it,
``resource.getrusage`` gives the process peak so far instead). Times are wall-clock seconds.
"""

from __future__ import annotations

import os
import resource
import sys
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType

MB = 1024 * 1024
STATM = "/proc/self/statm"


def rss_bytes() -> int:
    """Current resident set size of this process in bytes."""
    try:
        with open(STATM, "rb") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return peak_rss_bytes()


def peak_rss_bytes() -> int:
    """Peak resident set size of this process so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


@dataclass
class StepUsage:
    """What one build step cost: wall seconds (of which writing), RSS at the end and at its peak."""

    step: str
    kind: str
    seconds: float = 0.0
    write_seconds: float = 0.0
    rss_end_mb: float = 0.0
    peak_rss_mb: float = 0.0
    tables: list[str] = field(default_factory=list)
    rows: int = 0
    reused: bool = False
    note: str = ""

    def line(self) -> str:
        """One line for the progress output, e.g. ``unga  7.4 s (write 1.2 s)  RSS 0.9 GB, peak 1.4
        GB``."""
        write = f" (write {self.write_seconds:.1f} s)" if self.write_seconds >= 0.05 else ""
        reused = " reused from the previous warehouse" if self.reused else ""
        note = f"; {self.note}" if self.note else ""
        return (
            f"{self.kind} {self.step}: {self.seconds:.1f} s{write}, "
            f"RSS {self.rss_end_mb / 1024:.2f} GB (peak "
            f"{self.peak_rss_mb / 1024:.2f} GB), {self.rows:,} rows{reused}{note}"
        )


class StepMeter:
    """Context manager timing one step and sampling the process RSS while it runs.

    with StepMeter(usage) as meter:
        ...
        with meter.writing():
            write_table(...)
    """

    def __init__(self, usage: StepUsage, interval: float = 0.05) -> None:
        self.usage = usage
        self.interval = interval
        self._peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name=f"rss-{usage.step}", daemon=True)
        self._start = 0.0

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self._peak = max(self._peak, rss_bytes())

    def __enter__(self) -> StepMeter:
        self._peak = rss_bytes()
        self._start = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        end = rss_bytes()
        self.usage.seconds = time.perf_counter() - self._start
        self.usage.rss_end_mb = end / MB
        self.usage.peak_rss_mb = max(self._peak, end) / MB

    def writing(self) -> _WriteTimer:
        """Context manager adding its duration to the step's ``write_seconds``."""
        return _WriteTimer(self.usage)


class _WriteTimer:
    def __init__(self, usage: StepUsage) -> None:
        self.usage = usage
        self._start = 0.0

    def __enter__(self) -> None:
        self._start = time.perf_counter()

    def __exit__(self, *_exc: object) -> None:
        self.usage.write_seconds += time.perf_counter() - self._start
