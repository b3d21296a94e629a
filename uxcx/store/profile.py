"""Whether a table has one row per customer id, counted in the engine.

The column profiles role detection reads are made by the ingest worker (``ingest/profile.py``).
"""

from __future__ import annotations

from pathlib import Path

from ..engines import Engine
from ..roles import RoleMap
from ..sql import quote_ident

# approx_count_distinct (HyperLogLog) is within a few percent: below 80% of the non-null count
# some value surely repeats; at or above it only the exact count can tell.
_SURELY_REPEATED = 0.8


def customer_unique(
    engine: Engine,
    parquet: Path,
    roles: RoleMap,
    distinct: dict[str, list[int]],
    known: dict[str, bool],
) -> bool:
    """One row per customer id (so the table can be joined as a customer dimension).

    `distinct` holds the ingest's [non-null, approximate distinct] counts per column; `known`
    is the table's cache of answers per id column, filled in here.
    """
    cid = roles.get("customer_id")
    if not isinstance(cid, str):
        return False
    if cid not in known:
        counts = distinct.get(cid)
        if counts is not None and counts[1] < _SURELY_REPEATED * counts[0]:
            known[cid] = False  # the profile already shows repeated ids
        else:
            q = quote_ident(cid)
            row = engine.rows(
                f"SELECT count({q}) AS n, count(DISTINCT {q}) AS d FROM {engine.source(parquet)}"
            )[0]
            known[cid] = bool(row["n"] > 0 and row["n"] == row["d"])
    return known[cid]
