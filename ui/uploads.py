"""Uploads copied to disk in chunks, with progress by bytes (and lines of text files) read.

Streamlit keeps every uploaded file in the server's memory (its uploader has no disk mode); the
app never makes a second full copy (no getvalue()): each file is copied to a temporary folder in
the workspace a few MB at a time and the ingest worker reads it from there.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from uxcx.store.files import hold_build_lock

Progress = Callable[[float, str], None]

CHUNK_BYTES = 8 << 20
# Share of the progress bar the copy takes; reading and recognising columns get the rest.
SAVE_SHARE = 0.15
_TEXT = (".csv", ".tsv", ".txt")


class Upload(Protocol):
    """What the page needs of an uploaded file (Streamlit's UploadedFile has it)."""

    name: str
    size: int

    def seek(self, offset: int, whence: int = 0, /) -> int:
        """Move to a byte offset."""
        ...

    def read(self, size: int = -1, /) -> bytes:
        """Up to size bytes."""
        ...


def size_text(n: int) -> str:
    """Bytes in the unit a person reads (KB, MB, GB)."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n:,} bytes"


def copy_upload(src: Upload, dest: Path, on_chunk: Callable[[int, int], None]) -> int:
    """Copy a file-like to dest in chunks; on_chunk(bytes so far, newlines so far); returns bytes."""
    src.seek(0)
    done = lines = 0
    count_lines = dest.suffix.lower() in _TEXT
    with open(dest, "wb") as out:
        while chunk := src.read(CHUNK_BYTES):
            out.write(chunk)
            done += len(chunk)
            if count_lines:
                lines += chunk.count(b"\n")
            on_chunk(done, lines)
    return done


@contextmanager
def saved_uploads(
    files: Sequence[Upload], root: Path, progress: Progress
) -> Iterator[tuple[list[tuple[str, Path]], Progress]]:
    """Copy uploads under root; yields (name, path) pairs and the progress for what follows.

    The folder is removed afterwards. Its '.tmp-' name and the build lock it holds while in
    use let the workspace's leftover sweep delete it at once when the server dies mid-upload
    (and never while another server process sharing the workspace is still copying).
    """
    folder = Path(root) / f".tmp-upload-{secrets.token_hex(8)}"
    folder.mkdir(parents=True)
    lock = hold_build_lock(folder)  # released in the finally below
    total = max(sum(int(f.size) for f in files), 1)
    try:
        saved: list[tuple[str, Path]] = []
        before = 0
        for i, f in enumerate(files):
            # The workspace makes the final, safe file name; here only the extension matters.
            dest = folder / f"{i}{Path(f.name).suffix.lower()}"

            def report(done: int, lines: int, name: str = f.name, start: int = before) -> None:
                so_far = start + done
                text = f"Saving {name}: {size_text(so_far)} of {size_text(total)}"
                if lines:
                    text += f" · {lines:,} lines so far"
                progress(SAVE_SHARE * so_far / total, text)

            before += copy_upload(f, dest, report)
            saved.append((f.name, dest))

        def rest(fraction: float, message: str) -> None:
            progress(SAVE_SHARE + (1 - SAVE_SHARE) * fraction, message)

        yield saved, rest
    finally:
        lock.close()
        shutil.rmtree(folder, ignore_errors=True)
