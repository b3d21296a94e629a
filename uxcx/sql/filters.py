"""Global filters (a date range and segment values) and the one place they become SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from .dialect import DUCKDB, Dialect

# (date_from, date_to, ((segment column, (values …)) …)): hashable, for cache keys.
FilterKey = tuple[dt.date | None, dt.date | None, tuple[tuple[str, tuple[str, ...]], ...]]


@dataclass(frozen=True)
class Filters:
    """Global filters: an inclusive date range and allowed values per segment column."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    segments: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def is_empty(self) -> bool:
        """True when nothing is filtered."""
        return self.date_from is None and self.date_to is None and not any(self.segments.values())

    def key(self) -> FilterKey:
        """A hashable, order-independent form (cache keys)."""
        return (
            self.date_from,
            self.date_to,
            tuple(sorted((k, tuple(sorted(v))) for k, v in self.segments.items() if v)),
        )

    @classmethod
    def from_key(cls, key: FilterKey | tuple[()]) -> Filters | None:
        """Inverse of key(); the empty tuple means no filters at all."""
        if not key:
            return None
        date_from, date_to, segs = key
        return cls(date_from, date_to, {k: list(v) for k, v in segs})


ColumnLookup = Callable[[str], "tuple[str, str] | None"]


def filter_clauses(
    column: ColumnLookup,
    time_sql: str | None,
    filters: Filters | None,
    dialect: Dialect = DUCKDB,
) -> tuple[list[str], list[object], list[str]]:
    """WHERE parts, bound parameters and the names of filters this table cannot reach.

    `column` maps a column name to its (qualified SQL reference, type), or None when the rows
    being filtered cannot reach that column; `time_sql` is the typed date the range applies to.
    """
    where: list[str] = []
    params: list[object] = []
    unapplied: list[str] = []
    if not filters:
        return where, params, unapplied
    if filters.date_from or filters.date_to:
        if time_sql is None:
            unapplied.append("date range")
        else:
            if filters.date_from:
                where.append(f"{time_sql} >= ?")
                params.append(filters.date_from)
            if filters.date_to:
                where.append(f"{time_sql} <= ?")
                params.append(filters.date_to)
    for col, values in sorted(filters.segments.items()):
        if not values:
            continue
        found = column(col)
        if found is None:
            unapplied.append(col)
            continue
        where.append(f"{dialect.as_text(found[0])} IN ({', '.join('?' for _ in values)})")
        params.extend(str(v) for v in values)
    return where, params, unapplied
