"""Turn an uploaded CSV, TSV, Excel or Parquet file into Parquet that uxcx wrote itself.

The parsing runs in a separate worker process (``uxcx._ingest_worker``) with a memory cap and a
time limit, because a crafted file can crash or exhaust the process that reads it. This module
only starts the worker and translates every way it can fail into one friendly sentence.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

__all__ = ["MAX_KEPT", "IngestError", "IngestResult", "ingest_file"]

log = logging.getLogger(__name__)

#: How many rejected rows and problem cells are kept in a result (the counts are always exact).
MAX_KEPT = 1000

# Words in a worker's stderr that mean it ran out of memory rather than hit a bug.
_MEMORY_MARKERS = (
    "MemoryError",
    "bad_alloc",
    "Cannot allocate memory",
    "Out of Memory",
    "out of memory",
    "OutOfMemory",
    "Memory allocation",
)


class IngestError(Exception):
    """A file could not be read; ``str(e)`` is one friendly sentence naming the cause."""


@dataclass
class IngestResult:
    """What the worker wrote and everything it had to do to the data on the way."""

    parquet_path: Path
    rows: int
    rejected_rows: int
    rejects: list[dict] = field(default_factory=list)
    blank_rows: int = 0
    columns: list[dict] = field(default_factory=list)
    cell_issues: list[dict] = field(default_factory=list)
    cell_issue_count: int = 0
    notes: list[str] = field(default_factory=list)
    source_format: str = "csv"

    def to_dict(self) -> dict:
        """Return a JSON-serialisable dict (the path as a string)."""
        d = asdict(self)
        d["parquet_path"] = str(self.parquet_path)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> IngestResult:
        """Rebuild a result from :meth:`to_dict` output (unknown keys are ignored)."""
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in d.items() if k in known}
        kwargs["parquet_path"] = Path(kwargs["parquet_path"])
        return cls(**kwargs)


def memory_message(memory_mb: int) -> str:
    """The sentence shown when reading a file hits the memory cap."""
    return (
        f"Reading the file needed more than the {format_size(memory_mb * 1024 * 1024)} "
        "of memory uxcx allows, so uxcx stopped."
    )


def format_size(n_bytes: float) -> str:
    """Format a byte count the way people read it: ``40 MB``, ``1.2 TB``."""
    units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"]
    size = float(n_bytes)
    unit = 0
    while size >= 1024 and unit < len(units) - 1:
        size /= 1024
        unit += 1
    if unit == 0:
        return f"{int(size)} bytes"
    text = f"{size:.1f}" if size < 10 else f"{size:.0f}"
    return f"{text.removesuffix('.0')} {units[unit]}"


def _seconds(timeout_s: float) -> str:
    text = f"{timeout_s:g}"
    return f"{text} second" if text == "1" else f"{text} seconds"


def _kill(proc: subprocess.Popen) -> None:
    # The worker leads its own session, so the whole group goes (it starts no children, but
    # a future one might).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    # Under an address-space cap, per-thread malloc arenas and BLAS thread pools reserve
    # hundreds of MB of address space they never use; keep them small.
    env.update(
        MALLOC_ARENA_MAX="2",
        OPENBLAS_NUM_THREADS="1",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        ARROW_DEFAULT_MEMORY_POOL="system",
        PYTHONDONTWRITEBYTECODE="1",
    )
    # Make `-m uxcx._ingest_worker` importable even when uxcx is not installed.
    pkg_root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (pkg_root, env.get("PYTHONPATH")) if p)
    return env


def _failure_sentence(returncode: int, stderr: str, memory_mb: int) -> str:
    if any(marker in stderr for marker in _MEMORY_MARKERS):
        return memory_message(memory_mb)
    if returncode in (-signal.SIGKILL, -signal.SIGABRT):
        # SIGKILL comes from the kernel's OOM killer; SIGABRT from C++ failing to allocate.
        return memory_message(memory_mb)
    if returncode < 0:
        # Under an address-space cap, native code that ignores a failed allocation segfaults.
        return (
            "The file reader crashed, probably because reading the file needed more than the "
            f"{format_size(memory_mb * 1024 * 1024)} of memory uxcx allows."
        )
    return "The file reader stopped unexpectedly while reading this file, so uxcx stopped."


def ingest_file(
    src: Path,
    dest: Path,
    *,
    timeout_s: float = 120.0,
    memory_mb: int = 2048,
    max_expanded_mb: int = 2048,
) -> IngestResult:
    """Parse `src` in a separate worker process with a memory cap and time limit; write Parquet to `dest`."""
    src = Path(src)
    dest = Path(dest)
    if not src.is_file():
        raise IngestError("The file could not be found.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = dest.with_suffix(".tmp.parquet")
    work = Path(tempfile.mkdtemp(prefix=".ingest-", dir=dest.parent))
    result_path = work / "result.json"
    cmd = [
        sys.executable,
        "-m",
        "uxcx._ingest_worker",
        "--src",
        str(src.resolve()),
        "--out",
        str(tmp_out.resolve()),
        "--result",
        str(result_path.resolve()),
        "--work-dir",
        str(work.resolve()),
        "--memory-mb",
        str(int(memory_mb)),
        "--max-expanded-mb",
        str(int(max_expanded_mb)),
    ]
    proc: subprocess.Popen | None = None
    try:
        with open(work / "stderr.txt", "wb") as err:
            # No preexec_fn: it can deadlock in a threaded parent (Streamlit). The worker sets
            # its own RLIMIT_AS before it imports anything large.
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=_worker_env(),
                start_new_session=True,
                close_fds=True,
            )
            try:
                returncode = proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                _kill(proc)
                raise IngestError(
                    f"Reading the file took longer than {_seconds(timeout_s)}, so uxcx stopped."
                ) from None
        stderr = (work / "stderr.txt").read_text(encoding="utf-8", errors="replace")[-20000:]
        if stderr.strip():
            # The user sees one sentence; whoever runs the server gets the worker's own words.
            log.warning("ingest worker for %s (exit %s) wrote:\n%s", src.name, returncode, stderr)
        payload = None
        if result_path.exists():
            try:
                payload = json.loads(result_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                payload = None
        if payload is None:
            raise IngestError(_failure_sentence(returncode, stderr, memory_mb))
        if not payload.get("ok"):
            raise IngestError(str(payload.get("error") or "The file could not be read."))
        if not tmp_out.exists():
            raise IngestError("The file reader finished without writing any data, so uxcx stopped.")
        result = IngestResult.from_dict(payload["result"])
        os.replace(tmp_out, dest)
        result.parquet_path = dest
        return result
    finally:
        if proc is not None and proc.poll() is None:
            _kill(proc)
        shutil.rmtree(work, ignore_errors=True)
        tmp_out.unlink(missing_ok=True)
