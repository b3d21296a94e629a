"""Compile a metric × breakdown × time grain × filters into SQL: plan → row query → aggregate.

`row_query` gives one row per counted observation (CTE `t`: each role's typed column, named after
the role; CTE `r`: `v`, the metric's per-row value, and `ok`, inside the scale, plus the group
keys). `compile_metric` appends the kind's sufficient statistics; distributions append their own
aggregate to the same row query, so a histogram counts exactly the rows its metric counts.
Identifiers are validated against the table's columns and quoted; values are bound parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..kinds import kind_of
from ..metrics import Metric
from .dialect import DUCKDB, Dialect
from .filters import Filters, filter_clauses
from .plan import Missing, Resolver, TableInfo, plan

GRAINS = ("day", "week", "month", "quarter", "year")


@dataclass(frozen=True)
class RowQuery:
    """One row per observation a metric counts: `WITH t AS (…), r AS (…)` and its parameters."""

    metric_id: str
    ctes: str
    params: tuple[object, ...]
    table: str
    variant_roles: tuple[str, ...]
    group_cols: tuple[str, ...]  # "grp" and/or "period", in r
    by: str | None
    grain: str | None
    unapplied_filters: tuple[str, ...] = ()

    def select(self, tail: str, extra_ctes: str = "") -> str:
        """The row CTEs, optional extra CTEs (",\\nname AS (…)"), then a final statement."""
        return f"{self.ctes}{extra_ctes}\n{tail}"


@dataclass(frozen=True)
class CompiledQuery:
    """SQL plus parameters for one metric, and what it was built from."""

    metric_id: str
    sql: str
    params: tuple[object, ...]
    table: str
    variant_roles: tuple[str, ...]
    by: str | None
    grain: str | None
    unapplied_filters: tuple[str, ...] = ()


def row_query(
    metric: Metric,
    tables: Sequence[TableInfo],
    *,
    by: str | None = None,
    grain: str | None = None,
    filters: Filters | None = None,
    dialect: Dialect = DUCKDB,
) -> RowQuery | Missing:
    """The per-row SQL of a metric: its planned table and variant, joins, filters, group keys."""
    planned = plan(metric, tables)
    if isinstance(planned, Missing):
        return planned
    base, variant = planned.table, planned.variant
    res = Resolver(base, tables, dialect)

    # Stage 1 reads each role's column typed as its kind; stage 2 applies the metric's formula to
    # those role names, which keeps the formula readable in the generated SQL.
    select = [f"{res.role(role)} AS {role}" for role in variant.roles]

    def fill(template: str) -> str:
        out = template
        for role in variant.roles:
            out = out.replace("{" + role + "}", role)
        return out

    where: list[str] = []
    metric_where = f"\n  WHERE {fill(variant.where)}" if variant.where else ""
    params: list[object] = []
    unapplied: list[str] = []

    group_cols = []
    if by:
        found = res.column(by)
        if found is None:
            why = res.why_not(by) or f"'{by}' cannot be linked to this metric's rows"
            return Missing(metric.id, ("segment",), why)
        select.append(f"{dialect.as_text(found[0])} AS grp")
        group_cols.append("grp")
    dated = grain or (filters and (filters.date_from or filters.date_to))
    time_sql = res.typed_time() if dated else None
    if grain:
        if grain not in GRAINS:
            raise ValueError(f"unknown time grain {grain!r}; use one of {', '.join(GRAINS)}")
        if time_sql is None:
            return Missing(metric.id, ("date",), "needs a date column for a trend")
        select.append(f"{dialect.date_trunc(grain, time_sql)} AS period")
        group_cols.append("period")

    if filters:
        f_where, f_params, unapplied = filter_clauses(res.column, time_sql, filters, dialect)
        where += f_where
        params += f_params

    where_sql = ("\n  WHERE " + "\n    AND ".join(where)) if where else ""
    select_sql = ",\n    ".join(select)
    keys = "".join(f", {c}" for c in group_cols)
    ctes = (
        f"WITH t AS (\n  SELECT\n    {select_sql}\n  FROM {res.from_clause()}{where_sql}\n),\n"
        f"r AS (\n  SELECT {fill(variant.value)} AS v,\n    ({fill(variant.valid)}) AS ok{keys}\n"
        f"  FROM t{metric_where}\n)"
    )
    return RowQuery(
        metric_id=metric.id,
        ctes=ctes,
        params=tuple(params),
        table=base.name,
        variant_roles=variant.roles,
        group_cols=tuple(group_cols),
        by=by,
        grain=grain,
        unapplied_filters=tuple(unapplied),
    )


def aggregate(metric: Metric, rq: RowQuery, dialect: Dialect = DUCKDB) -> CompiledQuery:
    """The metric's sufficient statistics per group over its row query."""
    aggs = ",\n  ".join(f"{dialect.aggregate(a)} AS {a.name}" for a in kind_of(metric).aggregates)
    outer_keys = "".join(f"{c}, " for c in rq.group_cols)
    cols = ", ".join(rq.group_cols)
    order = dialect.order_by(rq.group_cols)
    group_by = f"\nGROUP BY {cols}\nORDER BY {order}" if rq.group_cols else ""
    return CompiledQuery(
        metric_id=rq.metric_id,
        sql=rq.select(f"SELECT\n  {outer_keys}{aggs}\nFROM r{group_by}"),
        params=rq.params,
        table=rq.table,
        variant_roles=rq.variant_roles,
        by=rq.by,
        grain=rq.grain,
        unapplied_filters=rq.unapplied_filters,
    )


def compile_metric(
    metric: Metric,
    tables: Sequence[TableInfo],
    *,
    by: str | None = None,
    grain: str | None = None,
    filters: Filters | None = None,
    dialect: Dialect = DUCKDB,
) -> CompiledQuery | Missing:
    """Build the SQL for one metric; group by a column and/or a time grain; apply filters."""
    rq = row_query(metric, tables, by=by, grain=grain, filters=filters, dialect=dialect)
    if isinstance(rq, Missing):
        return rq
    return aggregate(metric, rq, dialect)
