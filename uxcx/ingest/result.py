"""What an ingest job hands back, and the wording both the supervisor and the worker use.

Standard library only: the server imports this with ``uxcx.ingest``, and start-up time matters.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

#: How many rejected rows and problem cells are kept in a result (the counts are always exact).
MAX_KEPT = 1000


class IngestError(Exception):
    """A file could not be read; ``str(e)`` is one friendly sentence naming the cause."""


@dataclass
class IngestResult:
    """What the worker wrote and everything it had to do to the data on the way."""

    parquet_path: Path
    rows: int
    rejected_rows: int
    rejects: list[dict[str, Any]] = field(default_factory=list)
    blank_rows: int = 0
    columns: list[dict[str, Any]] = field(default_factory=list)
    cell_issues: list[dict[str, Any]] = field(default_factory=list)
    cell_issue_count: int = 0
    notes: list[str] = field(default_factory=list)
    source_format: str = "csv"
    # The codec the text was decoded with ("utf-8", "windows-1251", "utf-16-le"), or the one an
    # SPSS file declares; "" for Excel and Parquet, which carry no choice of encoding.
    encoding: str = ""
    # Each column's profile for role detection (``profile.read_profiles``), made by the worker.
    profiles: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
        """Return a JSON-serialisable dict (the path as a string), without the `exclude` fields."""
        d = {k: v for k, v in asdict(self).items() if k not in exclude}
        d["parquet_path"] = str(self.parquet_path)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> IngestResult:
        """Rebuild a result from :meth:`to_dict` output (unknown keys are ignored)."""
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in d.items() if k in known}
        kwargs["parquet_path"] = Path(kwargs["parquet_path"])
        return cls(**kwargs)


DISK_FULL = "The server's disk is full, so nothing was saved; try again later."


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
