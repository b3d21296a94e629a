"""On-disk helpers of the workspace: safe file names, fingerprints, atomic JSON, build locks."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

BUILDING = ".building"  # the build lock inside a half-built dataset directory


def hold_build_lock(folder: Path) -> IO[str]:
    """Lock a half-built '.tmp-' folder as in use; closing the returned file releases it.

    A lock nobody holds marks a build whose process died, so the leftover sweep (any replica's)
    removes that folder at once and never one still being built (see `abandoned`).
    """
    f = open(folder / BUILDING, "w")  # noqa: SIM115 - the caller closes it
    fcntl.flock(f, fcntl.LOCK_EX)
    return f


def safe_filename(name: str, used: set[str]) -> str:
    """A file name safe on disk and unique within the dataset (keeps the extension)."""
    base = Path(name).name or "upload"
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem).strip("._") or "upload"
    suffix = re.sub(r"[^a-z0-9.]", "", suffix)[:10]
    candidate, k = f"{stem}{suffix}", 2
    while candidate in used or Path(candidate).stem in {Path(u).stem for u in used}:
        candidate, k = f"{stem}_{k}{suffix}", k + 1
    return candidate


def fingerprint(files: Sequence[Path]) -> str:
    h = hashlib.sha256()
    for p in files:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def json_safe(d: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(d, default=str))
    return out


def abandoned(tmp: Path, cutoff: float) -> bool:
    """Whether a half-built dataset directory's builder is gone (its lock is free)."""
    lock = tmp / BUILDING
    try:
        f = open(lock)  # noqa: SIM115 - closed below
    except FileNotFoundError:
        try:
            return tmp.stat().st_mtime < cutoff
        except FileNotFoundError:
            return False
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    try:
        tmp.write_text(json.dumps(data, indent=1, default=str))
        os.replace(tmp, path)
    except BaseException:
        # A full disk cuts the write short: the old file stays as it was, the stub goes.
        tmp.unlink(missing_ok=True)
        raise
