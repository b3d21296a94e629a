"""How far the ingest worker has read: it rewrites a small JSON file, the supervisor reads it.

The worker calls ``Reporter.rows`` once per chunk it stages (never per row) and lets
``Reporter.watch`` follow the bytes it has read while one DuckDB query reads the whole file;
the file is rewritten with ``os.replace`` at most every ``INTERVAL_S``, so a reader never sees
half of it. ``describe`` is the one line the upload page shows per file.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# How often the worker rewrites its progress file (and polls DuckDB) at most.
INTERVAL_S = 0.5
# The file's name in the worker's --work-dir.
FILE_NAME = "progress.json"

READ = "read"  # rows are being parsed
CHECK = "check"  # every row is read; the column types are being checked and converted
STEPS = (READ, CHECK)


@dataclass(frozen=True)
class ReadProgress:
    """Rows parsed so far and, where known, the total (a text file's lines, a footer's count)."""

    rows: int
    total: int | None = None
    step: str = READ
    # A later reader started over (DuckDB's readers gave the file to the exact one).
    again: bool = False

    @property
    def fraction(self) -> float | None:
        """The share of the file read, when the total is known."""
        if self.step == CHECK:
            return 1.0
        if not self.total:
            return None
        return min(1.0, self.rows / self.total)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form the worker writes."""
        return {"rows": self.rows, "total": self.total, "step": self.step, "again": self.again}

    @classmethod
    def from_dict(cls, data: Any) -> ReadProgress | None:
        """The progress a worker wrote, or None if it is not what a worker writes."""
        if not isinstance(data, dict):
            return None
        rows, total, step = data.get("rows"), data.get("total"), data.get("step")
        if type(rows) is not int or rows < 0 or step not in STEPS:
            return None
        if total is not None and (type(total) is not int or total < 0):
            return None
        return cls(rows, total, step, data.get("again") is True)


def read_progress(path: Path) -> ReadProgress | None:
    """The worker's latest progress (None before its first report)."""
    try:
        return ReadProgress.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


class Reporter:
    """The worker's side: keeps the latest progress and rewrites the file at most every interval.

    ``Reporter(None)`` reports nothing (a file read in process, by the command line).
    """

    def __init__(self, path: Path | None, interval_s: float = INTERVAL_S) -> None:
        self.path = path
        self.interval_s = interval_s
        self._last_write = -float("inf")
        self._lock = threading.Lock()
        self._reported = False
        self._again = False

    def rows(
        self, rows: int, total: int | None = None, step: str = READ, *, force: bool = False
    ) -> None:
        """Rows parsed so far of `total`; written now if `force` or the interval has passed."""
        if self.path is None:
            return
        if total is not None and rows > total:
            # A total read from a header (a workbook's size, an SPSS case count) can be wrong.
            total = None
        now = time.monotonic()
        with self._lock:
            self._reported = True
            if not force and now - self._last_write < self.interval_s:
                return
            self._last_write = now
            self.emit(ReadProgress(rows, total, step, self._again and step == READ))

    def start_over(self) -> None:
        """A reader gave up and the next one reads the file from the start: say "again"."""
        self._again = self._reported

    def emit(self, progress: ReadProgress) -> None:
        """Rewrite the progress file atomically."""
        assert self.path is not None
        tmp = self.path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(progress.to_dict()), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:  # progress is a courtesy: a full disk fails the real writes instead
            pass

    @contextlib.contextmanager
    def watch(self, con: Any, total: int, src_bytes: int) -> Iterator[None]:
        """While open, report `con`'s running query's read of a `src_bytes` file as rows of `total`.

        The share read is the bytes this process has read since (Linux's ``rchar``; the
        query is its only reader meanwhile), which runs ahead of the rows by at most DuckDB's
        read-ahead buffers, so it stops at 99% until the query ends. DuckDB's own
        ``query_progress()`` is the fallback elsewhere: in duckdb 2.0 it lags far behind on
        a ``COPY`` with many expressions (40% when it is done; duckdb issue #22519).
        """
        if self.path is None:
            yield
            return
        stop = threading.Event()
        start = _bytes_read()
        # Rows are an estimate here: whole thousands on a file of 100,000 rows or more.
        step = 1000 if total >= 100_000 else 1

        def share() -> float:
            if start is not None and (now := _bytes_read()) is not None:
                return (now - start) / max(src_bytes, 1)
            try:
                return float(con.query_progress()) / 100  # -1 before it knows
            except Exception:  # the query ended between the check and the call
                return -1.0

        def poll() -> None:
            while not stop.wait(max(self.interval_s, 0.05)):  # never a busy loop
                if (done := share()) >= 0:
                    rows = int(total * min(done, 0.99)) // step * step
                    self.rows(rows, total, force=True)

        self.rows(0, total, force=True)
        thread = threading.Thread(target=poll, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


NO_REPORTS = Reporter(None)


def _bytes_read() -> int | None:
    """Bytes this process has read so far, less its reads of /proc/self/io (None without it)."""
    global _own_reads
    try:
        with open("/proc/self/io", "rb") as f:
            text = f.read()
    except OSError:
        return None
    _own_reads += len(text)
    for line in text.splitlines():
        if line.startswith(b"rchar:"):
            return int(line.split()[1]) - _own_reads
    return None


# Bytes _bytes_read has read itself (rchar counts them too).
_own_reads = 0


def describe(
    name: str,
    progress: ReadProgress | None,
    seconds: float,
    queued: int | None = None,
    *,
    alone: bool = True,
) -> str:
    """One file's line on the upload page while it waits for a worker or the worker reads it.

    `queued` is its place in the queue for a free worker; `alone`: the only file of the upload.
    """
    if queued is not None:
        where = f"number {queued} in the queue"
        if alone:
            return f"Waiting for a free file reader: {where}"
        return f"Waiting for a free file reader for {name}: {where}"
    clock = f"{seconds:,.0f} s"
    if progress is None:
        return f"Reading {name} … {clock}"
    if progress.step == CHECK:
        return f"Checking the column types of {name} ({progress.rows:,} rows) … {clock}"
    what = f"{name} again" if progress.again else name
    if progress.total:
        # Rounded down: "100%" only once every row is read.
        percent = 100 * progress.rows // progress.total
        return (
            f"Reading {what}: {progress.rows:,} of {progress.total:,} rows ({percent}%) · {clock}"
        )
    return f"Reading {what}: {progress.rows:,} rows so far · {clock}"
