"""Start the ingest worker for one upload and turn every way it can fail into one sentence.

The parsing runs in a separate worker process (``uxcx.ingest.worker``) with a memory cap and a
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
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .progress import FILE_NAME, ReadProgress, read_progress
from .result import DISK_FULL, IngestError, IngestResult, format_size, memory_message

# Records keep the logger name they had before ingest became a package.
log = logging.getLogger("uxcx.ingest")

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


def _seconds(timeout_s: float) -> str:
    text = f"{timeout_s:g}"
    return f"{text} second" if text == "1" else f"{text} seconds"


def _kill(proc: subprocess.Popen[bytes]) -> None:
    # The worker leads its own session, so the whole group goes (it starts no children, but
    # a future one might).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


# The only variables a worker inherits: it parses untrusted files, so it never sees the server's
# secrets (OIDC client secrets, cloud credentials, tokens in the environment).
_ENV_ALLOWED = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "UXCX_INGEST_FAST")


def _worker_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in _ENV_ALLOWED}
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
    # Make `-m uxcx.ingest.worker` importable even when uxcx is not installed.
    pkg_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (pkg_root, os.environ.get("PYTHONPATH")) if p)
    return env


class WorkerSlots:
    """A server-wide bound on concurrent ingest workers; the rest wait in arrival order."""

    def __init__(self, size: int):
        self.size = max(1, size)
        self._busy = 0
        self._queue: list[object] = []
        self._cond = threading.Condition()

    @contextlib.contextmanager
    def slot(self, on_wait: Callable[[int], None] | None = None) -> Iterator[None]:
        """Hold one worker slot; `on_wait(position)` is told the queue position while waiting."""
        me = object()
        with self._cond:
            self._queue.append(me)
            while self._queue.index(me) >= self.size - self._busy:
                if on_wait is not None:
                    on_wait(self._queue.index(me) - (self.size - self._busy) + 1)
                self._cond.wait(timeout=0.5)
            self._queue.remove(me)
            self._busy += 1
        try:
            yield
        finally:
            with self._cond:
                self._busy -= 1
                self._cond.notify_all()


# Each worker may take 2 GB and a core: by default as many at once as the machine has cores.
SLOTS = WorkerSlots(int(os.environ.get("UXCX_MAX_INGEST_WORKERS") or os.cpu_count() or 2))


def max_output_mb(src: Path) -> int:
    """Bytes one job may write per file (Parquet, staging, DuckDB's spill): 3× the upload, ≥ 512 MB."""
    configured = os.environ.get("UXCX_INGEST_MAX_FILE_MB")
    if configured:
        return int(configured)
    return max(512, 3 * (src.stat().st_size >> 20))


def ingest_memory_mb() -> int:
    """The address-space cap of one worker: UXCX_INGEST_MEMORY_MB or 2048 MB."""
    return int(os.environ.get("UXCX_INGEST_MEMORY_MB") or 2048)


def _disk_full(folder: Path, stderr: str) -> bool:
    if "No space left on device" in stderr:
        return True
    try:
        return shutil.disk_usage(folder).free < 1 << 20
    except OSError:
        return False


# The ingest time limit: a floor for small files plus seconds per MB of upload. The exact
# reader (a file DuckDB's reader cannot prove right) takes ~0.3 CPU s per MB on an idle core;
# 1 s per MB leaves room for a machine loaded 3×. A workbook is zipped XML read cell by cell
# in Python, ~5× slower per byte on disk. 2 GB of CSV: 120 + 2,048 s ≈ 36 minutes.
TIME_LIMIT_FLOOR_S = 120.0
TIME_LIMIT_S_PER_MB = 1.0
TIME_LIMIT_S_PER_MB_XLSX = 5.0


def time_limit_s(src: Path) -> float:
    """The ingest time limit for `src`: 120 s + 1 s per MB (5 s per MB for an .xlsx)."""
    size_mb = src.stat().st_size / (1 << 20)
    with open(src, "rb") as f:
        zipped = f.read(4) == b"PK\x03\x04"
    per_mb = TIME_LIMIT_S_PER_MB_XLSX if zipped else TIME_LIMIT_S_PER_MB
    return float(round(TIME_LIMIT_FLOOR_S + per_mb * size_mb))


# Once a process that reads its user's own files (the command line) says so, files are read in
# this process, without the worker's caps; the server never does. A worker costs ~0.15–0.3 s
# (an interpreter importing DuckDB) and shields the user from nothing they did not bring.
_in_process_max_bytes = 0
_in_process_any_text = False
# Text and Parquet are read in process at any size: DuckDB's memory limit and spilling bound
# their reading, and the exact reader streams. Excel and SPSS files decode in libraries
# (zip, pyreadstat) that no memory limit reaches: beyond this size they keep the worker.
CLI_IN_PROCESS_BYTES = 8 * 1024 * 1024


@contextlib.contextmanager
def allow_in_process(
    max_bytes: int = CLI_IN_PROCESS_BYTES, *, any_size_text: bool = True
) -> Iterator[None]:
    """While open, read files in this process: the CLI, never the server.

    Files up to `max_bytes`, and with `any_size_text` every text or Parquet file.
    """
    global _in_process_max_bytes, _in_process_any_text
    before = _in_process_max_bytes, _in_process_any_text
    _in_process_max_bytes, _in_process_any_text = max_bytes, any_size_text
    try:
        yield
    finally:
        _in_process_max_bytes, _in_process_any_text = before


def _read_here(src: Path) -> bool:
    """Whether `src` is read in this process (see ``allow_in_process``)."""
    if src.stat().st_size <= _in_process_max_bytes:
        return True
    if not _in_process_any_text:
        return False
    from .sniff import detect_format

    try:
        return detect_format(src) in ("text", "parquet")
    except IngestError:
        return True  # the reader says what is wrong, in this process as in a worker


# Whether a typed Parquet file that needs no change is linked instead of rewritten: only for
# the command line on DuckDB, where the file is its user's own and no one else reads it. The
# server keeps its rule: it reads only Parquet uxcx wrote (a crafted file can crash a reader).
_link_parquet = False


@contextlib.contextmanager
def link_parquet(on: bool = True) -> Iterator[None]:
    """While open, read a typed Parquet file in place (linked; the profile decodes it first)."""
    global _link_parquet
    before, _link_parquet = _link_parquet, on
    try:
        yield
    finally:
        _link_parquet = before


def _ingest_here(src: Path, tmp_out: Path, work: Path, max_expanded_mb: int) -> IngestResult:
    """What the worker does, in this process (the same errors, as one sentence each)."""
    from . import worker

    try:
        return worker.convert(
            src, tmp_out, work_dir=work, max_expanded_mb=max_expanded_mb,
            link_parquet=_link_parquet,
        )  # fmt: skip
    except IngestError:
        raise
    except Exception as exc:
        if worker.is_memory_error(exc):
            raise IngestError(memory_message(2048)) from None
        log.exception("reading %s in process failed", src.name)
        raise IngestError(worker.GENERIC_FAILURE) from None


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


# How often the supervisor looks at a running worker (its exit and its progress file).
POLL_S = 0.25


def _wait(
    proc: subprocess.Popen[bytes],
    timeout_s: float,
    progress_file: Path,
    on_progress: Callable[[ReadProgress], None] | None,
) -> int:
    """Wait for the worker's exit code, telling `on_progress` what it reports; kill it on time."""
    deadline = time.monotonic() + timeout_s
    seen: ReadProgress | None = None
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            _kill(proc)
            raise IngestError(
                f"Reading the file took longer than {_seconds(timeout_s)}, so uxcx stopped."
            )
        try:
            return proc.wait(timeout=min(POLL_S, left))
        except subprocess.TimeoutExpired:
            pass
        if on_progress is not None:
            now = read_progress(progress_file)
            if now is not None and now != seen:
                seen = now
                on_progress(now)


def ingest_file(
    src: Path,
    dest: Path,
    *,
    timeout_s: float | None = None,
    memory_mb: int = 2048,
    max_expanded_mb: int = 2048,
    on_wait: Callable[[int], None] | None = None,
    on_progress: Callable[[ReadProgress], None] | None = None,
) -> IngestResult:
    """Parse `src` in a separate worker process with a memory cap and time limit; write Parquet to `dest`.

    ``timeout_s=None`` scales the limit with the file's size (``time_limit_s``).
    `on_progress` is told, from this thread, each new ``ReadProgress`` the worker reports (rows
    parsed so far and the total where known); a file read in process reports none.
    """
    src = Path(src)
    dest = Path(dest)
    if not src.is_file():
        raise IngestError("The file could not be found.")
    if timeout_s is None:
        timeout_s = time_limit_s(src)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = dest.with_suffix(".tmp.parquet")
    work = Path(tempfile.mkdtemp(prefix=".ingest-", dir=dest.parent))
    result_path = work / "result.json"
    cmd = [
        sys.executable,
        "-m",
        "uxcx.ingest.worker",
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
        "--max-output-mb",
        str(max_output_mb(src)),
        "--parent-pid",
        str(os.getpid()),
        *(["--link-parquet"] if _link_parquet else []),
    ]
    proc: subprocess.Popen[bytes] | None = None
    try:
        if _read_here(src):
            result = _ingest_here(src, tmp_out, work, max_expanded_mb)
            os.replace(tmp_out, dest)
            result.parquet_path = dest
            return result
        with SLOTS.slot(on_wait), open(work / "stderr.txt", "wb") as err:
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
            returncode = _wait(proc, timeout_s, work / FILE_NAME, on_progress)
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
        if payload is None and _disk_full(dest.parent, stderr):
            # The worker could not even write its verdict: the disk filled up under it.
            raise IngestError(DISK_FULL)
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
