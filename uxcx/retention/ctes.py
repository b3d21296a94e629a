"""SQL building blocks shared by the per-mode queries and key drivers: scans, filters, scores.

Every engine-specific construct goes through the Builder's Dialect, so the same plan renders for
DuckDB (the default, snapshot-tested) or another engine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..kinds import Agg
from ..roles import RoleKind
from ..sql import DUCKDB, Dialect, Filters, TableInfo, filter_clauses
from .measures import Measure, OutcomeSource


class Builder:
    """Collects CTEs and their bound parameters in text order, rendered by one dialect."""

    def __init__(self, dialect: Dialect = DUCKDB) -> None:
        self.dialect = dialect
        self.ctes: list[str] = []
        self.params: list[object] = []

    def add(
        self, name: str, body: str, params: Sequence[object] = (), materialized: bool = False
    ) -> None:
        """Append `name AS (body)` and the parameters its placeholders bind."""
        self.ctes.append(self.dialect.cte(name, body, materialized=materialized))
        self.params.extend(params)

    def text(self) -> str:
        """The WITH clause so far."""
        return "WITH " + ",\n".join(self.ctes)


@dataclass
class FilterPlan:
    """Which scans the global filters apply to, and the filters no scanned table can reach."""

    filters: Filters | None
    date_tables: frozenset[str]
    unapplied: list[str]
    dialect: Dialect = DUCKDB

    def where(self, table: TableInfo, alias: str) -> tuple[str, list[object]]:
        """WHERE clause (with leading newline) and params for one table scan."""
        f = self.filters
        if f is None or f.is_empty():
            return "", []
        d = self.dialect
        time_sql = None
        if table.name in self.date_tables and table.time_column:
            time_sql = typed(d, table, alias, table.time_column, "date")

        def column(name: str) -> tuple[str, str] | None:
            # One table per scan: a segment it lacks is reported by plan_filters, not here.
            if name not in table.columns:
                return None
            return f"{alias}.{d.quote_ident(name)}", table.columns[name]

        conds, params, _ = filter_clauses(column, time_sql, f, d)
        if not conds:
            return "", []
        return "\n  WHERE " + "\n    AND ".join(conds), params


def plan_filters(
    filters: Filters | None,
    scans: Sequence[TableInfo],
    dialect: Dialect = DUCKDB,
    every_dated: bool = False,
) -> FilterPlan:
    """Segments filter every scanned table that has the column; the date range filters the
    first table with a response date (else signup date), or every dated table."""
    unapplied: list[str] = []
    date_tables: frozenset[str] = frozenset()
    if filters and (filters.date_from or filters.date_to):
        dated = [t for t in scans if t.role_column("date")] or [t for t in scans if t.time_column]
        if dated:
            date_tables = frozenset(t.name for t in (dated if every_dated else dated[:1]))
        else:
            unapplied.append("date range")
    if filters:
        for col, values in sorted(filters.segments.items()):
            if values and not any(col in t.columns for t in scans):
                unapplied.append(col)
    return FilterPlan(filters, date_tables, unapplied, dialect)


def typed(d: Dialect, table: TableInfo, alias: str, column: str, kind: RoleKind) -> str:
    """A column of a scanned table, read as the role kind needs it."""
    return d.typed_column(f"{alias}.{d.quote_ident(column)}", table.columns[column], kind)


def as_key(d: Dialect, alias: str, column: str) -> str:
    """A join key (customer id or group) as text, so ids typed differently per file still match."""
    return d.as_text(f"{alias}.{d.quote_ident(column)}")


def churn_expr(d: Dialect, out: OutcomeSource, alias: str, rates: bool = False) -> str:
    """The churn flag as 0/1 (or, for a table of group rates, as a number)."""
    if out.churn_from_date:
        return f"CASE WHEN {alias}.{d.quote_ident(out.churned)} IS NULL THEN 0 ELSE 1 END"
    return typed(d, out.table, alias, out.churned, "numeric" if rates else "binary")


# Tenure from dates: days / (365.25 / 12), the mean month of the Gregorian calendar.
DAYS_PER_MONTH = 365.25 / 12


def tenure_expr(d: Dialect, out: OutcomeSource, alias: str) -> str | None:
    """Tenure in months: the mapped column, or from signup to the churn date (churned) or to the
    end of the data (active); None without either."""
    if out.tenure:
        return typed(d, out.table, alias, out.tenure, "numeric")
    if out.tenure_dates is None or out.tenure_end is None:
        return None
    signup, churn = (typed(d, out.table, alias, c, "date") for c in out.tenure_dates)
    # A churned flag without a churn date leaves the tenure unknown (NULL), never "until now".
    left = d.days_between(signup, churn)
    active = d.days_between(signup, d.date_literal(out.tenure_end))
    return (
        f"CASE WHEN ({churn_expr(d, out, alias)}) = 1 THEN {left} ELSE {active} END "
        f"/ {DAYS_PER_MONTH!r}"
    )


def ux_columns(d: Dialect, m: Measure, alias: str) -> list[str]:
    """The measure's typed input columns, named by their role aliases."""
    return [f"{typed(d, m.table, alias, col, kind)} AS {a}" for a, col, kind in m.columns]


def outcome_columns(d: Dialect, out: OutcomeSource, alias: str) -> list[str]:
    """churned 0/1, and tenure and CLV when mapped."""
    cols = [f"{churn_expr(d, out, alias)} AS churned"]
    tenure = tenure_expr(d, out, alias)
    if tenure:
        cols.append(f"{tenure} AS tenure")
    if out.clv:
        cols.append(f"{typed(d, out.table, alias, out.clv, 'numeric')} AS clv")
    return cols


def scored(m: Measure, key: str, source: str) -> str:
    """Per response: the score v and whether it is inside the scale (ok)."""
    where = f"\n  WHERE {m.fill(m.where)}" if m.where else ""
    return (
        f"SELECT {key}, {m.fill(m.value)} AS v,\n    ({m.fill(m.valid)}) AS ok\n"
        f"  FROM {source}{where}"
    )


def ux_cte(
    d: Dialect, m: Measure, key: str, source: str = "ux_scored", one_row: bool = False
) -> str:
    """Per customer (or group): the score x and how many responses were in and out of scale.

    one_row: the source already has one row per key, so the aggregates are read off each row
    (the same values, without the GROUP BY that costs most of the query at 1M customers)."""
    if one_row:
        return (
            f"SELECT {key}, {d.row_aggregate(m.per_unit)} AS x,\n"
            f"    {d.row_count_where('ok')} AS responses,\n"
            f"    {d.row_count_where('NOT ok')} AS out_of_scale\n"
            f"  FROM {source}\n  WHERE {key} IS NOT NULL"
        )
    return (
        f"SELECT {key}, {d.aggregate(m.per_unit)} AS x,\n"
        f"    {d.count_where('ok')} AS responses,\n"
        f"    {d.count_where('NOT ok')} AS out_of_scale\n"
        f"  FROM {source}\n  WHERE {key} IS NOT NULL\n  GROUP BY {key}"
    )


def one_row_per(t: TableInfo, key_col: str) -> bool:
    """The table has one row per value of the key: it is the customer id, known to be unique."""
    return t.customer_unique and bool(key_col) and key_col == t.role_column("customer_id")


def measure_ctes(b: Builder, m: Measure, name: str, key_col: str, key: str, fp: FilterPlan) -> None:
    """{name}_rows (typed columns), {name}_scored (v, ok), {name} (key, x per customer/group)."""
    d = b.dialect
    where, params = fp.where(m.table, "b")
    cols = ",\n    ".join([f"{as_key(d, 'b', key_col)} AS {key}", *ux_columns(d, m, "b")])
    b.add(f"{name}_rows", f"SELECT {cols}\n  FROM {m.table.source} AS b{where}", params)
    b.add(f"{name}_scored", scored(m, key, f"{name}_rows"))
    b.add(name, ux_cte(d, m, key, f"{name}_scored", one_row_per(m.table, key_col)))


def outcome_cte(b: Builder, out: OutcomeSource, fp: FilterPlan, group: str | None) -> None:
    """outcome: one row per customer (and group) with churned 0/1, tenure, CLV."""
    d = b.dialect
    t = out.table
    where, params = fp.where(t, "c")
    churn = churn_expr(d, out, "c")
    cid = t.role_column("customer_id")
    keys = [f"{as_key(d, 'c', cid)} AS customer_id"] if cid else []
    if group:
        keys.append(f"{as_key(d, 'c', group)} AS grp")
    if cid:
        # Max per customer: a flat file repeats the customer's flag on every row; when the rows
        # disagree, having churned at any point counts (churn_values > 1 flags it: 2 when the
        # rows disagree; min < max rather than count(DISTINCT), which DuckDB plans as a second
        # GROUP BY and a join).
        parts = [*keys, f"max({churn}) AS churned", _churn_values(f"min({churn})", f"max({churn})")]
        tenure = tenure_expr(d, out, "c")
        if tenure:
            parts.append(f"max({tenure}) AS tenure")
        if out.clv:
            parts.append(f"avg({typed(d, t, 'c', out.clv, 'numeric')}) AS clv")
        group_by = "\n  GROUP BY " + ", ".join(str(i + 1) for i in range(len(keys)))
        if group is None and t.customer_unique:
            _unique_outcome(b, out, keys, parts, where, params, group_by, cid)
            return
    else:  # no customer id: each row is a customer
        parts = [*keys, *outcome_columns(d, out, "c"), "1 AS churn_values"]
        group_by = ""
    body = "SELECT " + ",\n    ".join(parts) + f"\n  FROM {t.source} AS c{where}{group_by}"
    b.add("outcome", body, params)


def _churn_values(lo: str, hi: str) -> str:
    """0 without a flag, 1 when every row agrees, 2 when they disagree."""
    return f"CASE WHEN {lo} < {hi} THEN 2 WHEN {lo} IS NULL THEN 0 ELSE 1 END AS churn_values"


def _unique_outcome(
    b: Builder,
    out: OutcomeSource,
    keys: list[str],
    grouped: list[str],
    where: str,
    params: list[object],
    group_by: str,
    cid: str,
) -> None:
    """outcome of a table with one row per customer id: each row read as it is; the rows
    without an id still grouped into their one NULL customer, exactly as the GROUP BY did."""
    d = b.dialect
    t = out.table
    churn = churn_expr(d, out, "c")
    parts = [*keys, f"{churn} AS churned"]
    parts.append(f"CASE WHEN {churn} IS NULL THEN 0 ELSE 1 END AS churn_values")
    tenure = tenure_expr(d, out, "c")
    if tenure:
        parts.append(f"{tenure} AS tenure")
    if out.clv:
        parts.append(f"{typed(d, t, 'c', out.clv, 'numeric')} AS clv")  # a DOUBLE, as avg()
    ref = f"c.{d.quote_ident(cid)}"
    glue = "\n    AND " if where else "\n  WHERE "
    body = (
        "SELECT "
        + ",\n    ".join(parts)
        + f"\n  FROM {t.source} AS c{where}{glue}{ref} IS NOT NULL\n  UNION ALL\n  SELECT "
        + ",\n    ".join(grouped)
        + f"\n  FROM {t.source} AS c{where}{glue}{ref} IS NULL{group_by}"
    )
    b.add("outcome", body, [*params, *params])


def wide_ctes(
    b: Builder, fused: Sequence[tuple[str, Measure]], out: OutcomeSource, fp: FilterPlan
) -> None:
    """wide (customer_id, churned, {name}_x of each score) from one scan of the outcome's table,
    one row per customer: each {name}_x is what the score's own per-customer CTE and a LEFT JOIN
    on the id would give, without the join (customers without an id join to nothing: left out)."""
    d = b.dialect
    t = out.table
    where, params = fp.where(t, "c")
    ref = f"c.{d.quote_ident(t.role_column('customer_id') or '')}"
    cols = [f"{d.as_text(ref)} AS customer_id", f"{churn_expr(d, out, 'c')} AS churned"]
    scored = ["customer_id", "churned"]
    xs = ["customer_id", "churned"]
    for name, m in fused:
        names = {a: f"{name}_{a}" for a, _c, _k in m.columns}

        def fill(template: str, names: dict[str, str] = names) -> str:
            for a, n in names.items():
                template = template.replace("{" + a + "}", n)
            return template

        cols += [f"{typed(d, t, 'c', col, kind)} AS {names[a]}" for a, col, kind in m.columns]
        scored += [
            f"{fill(m.value)} AS {name}_v",
            f"({fill(m.valid)}) AS {name}_ok",
            f"({fill(m.where) if m.where else 'TRUE'}) AS {name}_in",
        ]
        x = d.row_aggregate(_renamed(m.per_unit, name))
        xs.append(f"CASE WHEN {name}_in THEN {x} END AS {name}_x")
    glue = "\n    AND " if where else "\n  WHERE "
    rows = (
        "SELECT " + ",\n    ".join(cols) + f"\n  FROM {t.source} AS c{where}{glue}{ref} IS NOT NULL"
    )
    b.add("wide_rows", rows, params)
    b.add("wide_scored", "SELECT " + ",\n    ".join(scored) + "\n  FROM wide_rows")
    b.add("wide", "SELECT " + ",\n    ".join(xs) + "\n  FROM wide_scored")


def _renamed(agg: Agg, name: str) -> Agg:
    """A per-unit aggregate over one score's columns of the wide rows (v, ok → {name}_v, _ok)."""

    def sub(e: str) -> str:
        return re.sub(r"\bok\b", f"{name}_ok", re.sub(r"\bv\b", f"{name}_v", e))

    return replace(agg, arg=sub(agg.arg), where=None if agg.where is None else sub(agg.where))
