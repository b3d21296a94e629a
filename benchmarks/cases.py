"""What is measured: each case is one job done by uxcx and by its peers, each figure a goal on it.

A case's sides are whole processes (``argv``), so every side pays its own interpreter start and
imports, as a user running it does. Figures are ratios uxcx ÷ peer of the best of N interleaved
runs in the same benchmark run; the start-up figure is absolute, the values figure a tolerance.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SEGMENT = "plan"

# `ingest_file` in a fresh process: prints the call's wall time and the worker's peak RSS
# (RUSAGE_CHILDREN of this process: the worker is its only child). The app's 120 s time limit is
# lifted here so that the cost is measured at every size and load; the CLI runs keep it.
INGEST_PROBE = """
import json, resource, sys, time
from pathlib import Path
from uxcx.ingest import IngestError, ingest_file
t = time.perf_counter()
try:
    r = ingest_file(Path(sys.argv[1]), Path(sys.argv[2]), timeout_s=3600.0)
except IngestError as e:
    print(json.dumps({"error": str(e)}))
    raise SystemExit(2)
s = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": s, "worker_maxrss_kb": ru.ru_maxrss,
                  "worker_cpu_s": ru.ru_utime + ru.ru_stime, "rows": r.rows, "notes": r.notes}))
"""

# DuckDB's own CSV → Parquet, in a fresh process (interpreter start + import duckdb included,
# as the uxcx worker's are).
DUCKDB_COPY = (
    'import duckdb, sys; duckdb.execute("COPY (FROM read_csv(\'" + sys.argv[1] + "\')) '
    'TO \'" + sys.argv[2] + "\' (FORMAT parquet)")'
)


@dataclass(frozen=True)
class Side:
    """One implementation of a case: a command line, and how to read its result."""

    name: str  # "uxcx", "duckdb" or "pandas"
    argv: list[str]
    # From the process's stdout: the seconds to count instead of the process's wall time (the
    # ingest probe reports the ingest_file call alone), plus anything worth keeping.
    parse: Callable[[str], dict] | None = None


@dataclass(frozen=True)
class Case:
    """One job, done by every side on the same input."""

    id: str
    title: str
    sides: list[Side]
    sizes: str = "every"  # "every" size, or "first" only (start-up does not depend on N)


@dataclass(frozen=True)
class Figure:
    """A goal on a case: uxcx ÷ peer ≤ limit, or uxcx's own figure below a limit."""

    id: str
    title: str
    case: str
    peer: str
    goal: str  # as printed
    limit: float
    absolute: bool = False  # compare uxcx's seconds with the limit, not the ratio
    notes: list[str] = field(default_factory=list)

    def passes(self, uxcx: float | None, ratio: float | None) -> bool | None:
        """Whether the goal is met (None: not measured)."""
        value = uxcx if self.absolute else ratio
        if value is None:
            return None
        return value < self.limit if self.absolute else value <= self.limit


def _probe(stdout: str) -> dict:
    out = json.loads(stdout.strip().splitlines()[-1])
    if "seconds" not in out:
        return {"error": out.get("error", "no result")}
    return out


def cases(data: dict[str, Path], work: Path, python: str = sys.executable) -> list[Case]:
    """The cases on one size's files: data = {"csv", "parquet", "tiny"}."""
    py = [python]

    def cli(path: Path) -> list[str]:
        return [*py, "-m", "uxcx", "metrics", str(path), "--by", SEGMENT, "--format", "json"]

    def peer(module: str, path: Path) -> list[str]:
        return [*py, "-m", f"benchmarks.peers.{module}", str(path), "--by", SEGMENT]

    csv, parquet = data["csv"], data["parquet"]
    return [
        Case(
            "metrics_csv",
            "uxcx metrics CSV --by plan --format json (process start → JSON)",
            [Side("uxcx", cli(csv)), Side("duckdb", peer("duck", csv)),
             Side("pandas", peer("frame", csv))],
        ),
        Case(
            "metrics_parquet",
            "the same on the same rows as Parquet",
            [Side("uxcx", cli(parquet)), Side("duckdb", peer("duck", parquet)),
             Side("pandas", peer("frame", parquet))],
        ),
        Case(
            "ingest",
            "ingest: CSV → Parquet (uxcx.ingest.ingest_file vs DuckDB COPY)",
            [Side("uxcx", [*py, "-c", INGEST_PROBE, str(csv), str(work / "uxcx.parquet")], _probe),
             Side("duckdb", [*py, "-c", DUCKDB_COPY, str(csv), str(work / "duckdb.parquet")])],
        ),
        Case(
            "startup",
            "start-up: uxcx metrics on a 3-row file vs python -c 'import duckdb'",
            [Side("uxcx", cli(data["tiny"])), Side("duckdb", [*py, "-c", "import duckdb"]),
             Side("pandas", [*py, "-c", "import pandas"])],
            sizes="first",
        ),
    ]  # fmt: skip


FIGURES = [
    Figure("metrics_csv_vs_duckdb", "metrics, CSV → JSON (14 + CIs, all+plan)",
           "metrics_csv", "duckdb", "≤ 2.0× DuckDB", 2.0),
    Figure("metrics_csv_vs_pandas", "  the same vs pandas", "metrics_csv", "pandas",
           "≤ 0.33× pandas (3× faster)", 1 / 3),
    Figure("metrics_parquet_vs_duckdb", "metrics, Parquet → JSON (same rows)", "metrics_parquet",
           "duckdb", "≤ 2.0× DuckDB", 2.0),
    Figure("ingest_vs_duckdb", "ingest CSV → Parquet", "ingest", "duckdb", "≤ 1.3× DuckDB", 1.3),
    Figure("startup", "start-up: metrics on a 3-row CSV", "startup", "duckdb",
           "< 0.5 s", 0.5, absolute=True),
]  # fmt: skip

# Peak RSS of the ingest worker beyond the CSV's size (GB).
RSS_LIMIT_GB = 1.5
# Values: every value/ci of uxcx's compute() equals the DuckDB peer's to this relative tolerance.
VALUES_REL_TOL = 1e-9
