"""Whether a table has one row per customer id, counted in the engine.

The column profiles role detection reads are made by the ingest worker (``ingest/profile.py``).
"""

from __future__ import annotations

from pathlib import Path

from ..engines import Engine
from ..roles import RoleMap
from ..sql import quote_ident


def customer_unique(engine: Engine, parquet: Path, roles: RoleMap) -> bool:
    """One row per customer id (so the table can be joined as a customer dimension)."""
    cid = roles.get("customer_id")
    if not isinstance(cid, str):
        return False
    q = quote_ident(cid)
    row = engine.rows(
        f"SELECT count({q}) AS n, count(DISTINCT {q}) AS d FROM {engine.source(parquet)}"
    )[0]
    return bool(row["n"] > 0 and row["n"] == row["d"])
