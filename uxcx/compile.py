"""Compile a metric × breakdown × time grain × filters into one SQL query (the only place SQL is built).

The query returns sufficient statistics per group (n, successes, promoters, mean, sd …); intervals
are computed from those few numbers in stats.py. Identifiers are validated against the table's
columns and quoted; filter values are always bound parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from .metrics import Metric, Variant
from .roles import (
    FALSE_WORDS,
    ROLE_BY_NAME,
    TRUE_WORDS,
    RoleMap,
    is_date_type,
    is_numeric_type,
)

GRAINS = ("day", "week", "month", "quarter", "year")


@dataclass(frozen=True)
class TableInfo:
    """What the compiler knows about one table: where it lives, its columns and roles."""

    name: str
    source: str  # a SQL FROM item, e.g. read_parquet('/ws/abc/customers.parquet')
    columns: Mapping[str, str]  # column → DuckDB type
    roles: RoleMap
    customer_unique: bool = False  # one row per customer_id: usable as a dimension table

    def role_column(self, role: str) -> str | None:
        """The column holding a single-column role, or None."""
        value = self.roles.get(role)
        return value if isinstance(value, str) else None

    @property
    def time_column(self) -> str | None:
        """The column trends use: the row's date, else the customer's signup date."""
        return self.role_column("date") or self.role_column("signup_date")


@dataclass(frozen=True)
class Filters:
    """Global filters: an inclusive date range and allowed values per segment column."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    segments: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def is_empty(self) -> bool:
        """True when nothing is filtered."""
        return self.date_from is None and self.date_to is None and not any(self.segments.values())


@dataclass(frozen=True)
class CompiledQuery:
    """SQL plus parameters for one metric, and what it was built from."""

    metric_id: str
    sql: str
    params: tuple
    table: str
    variant_roles: tuple[str, ...]
    by: str | None
    grain: str | None
    unapplied_filters: tuple[str, ...] = ()


@dataclass(frozen=True)
class Missing:
    """Why a metric cannot be computed: the roles (columns) it needs."""

    metric_id: str
    needs: tuple[str, ...]
    reason: str


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB/ANSI SQL (double any embedded quote)."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """Quote a string literal (used only for file paths uxcx itself chose)."""
    return "'" + value.replace("'", "''") + "'"


def typed_column(ref: str, duck_type: str, kind: str) -> str:
    """SQL that reads a column as the role kind needs it (number, 0/1, date or text)."""
    t = duck_type.upper()
    if kind in ("scale", "numeric"):
        if t == "BOOLEAN":
            return f"CAST({ref} AS DOUBLE)"
        return f"CAST({ref} AS DOUBLE)" if is_numeric_type(t) else f"TRY_CAST({ref} AS DOUBLE)"
    if kind == "binary":
        if t == "BOOLEAN":
            return f"CAST({ref} AS INTEGER)"
        if is_numeric_type(t):
            return f"CAST({ref} AS DOUBLE)"
        # Text yes/no: unknown words become −1 so the metric reports them as out of scale.
        trues = ", ".join(quote_literal(w) for w in TRUE_WORDS)
        falses = ", ".join(quote_literal(w) for w in FALSE_WORDS)
        norm = f"lower(trim(CAST({ref} AS VARCHAR)))"
        return (
            f"CASE WHEN {ref} IS NULL THEN NULL WHEN {norm} IN ({trues}) THEN 1 "
            f"WHEN {norm} IN ({falses}) THEN 0 ELSE -1 END"
        )
    if kind == "date":
        return f"CAST({ref} AS DATE)" if is_date_type(t) else f"TRY_CAST({ref} AS DATE)"
    return f"CAST({ref} AS VARCHAR)"


class _Resolver:
    """Finds a column in the base table or, via customer_id, in a one-row-per-customer table."""

    def __init__(self, base: TableInfo, tables: Sequence[TableInfo]):
        self.base = base
        self.tables = tables
        self.joins: dict[str, TableInfo] = {}

    def _dimension_tables(self) -> list[TableInfo]:
        if not self.base.role_column("customer_id"):
            return []
        return [
            t
            for t in self.tables
            if t.name != self.base.name and t.customer_unique and t.role_column("customer_id")
        ]

    def column(self, name: str) -> tuple[str, str] | None:
        """(qualified SQL reference, type) for a column name, joining when needed."""
        if name in self.base.columns:
            return f"b.{quote_ident(name)}", self.base.columns[name]
        for i, t in enumerate(self._dimension_tables()):
            if name in t.columns:
                alias = f"d{i}"
                self.joins[alias] = t
                return f"{alias}.{quote_ident(name)}", t.columns[name]
        return None

    def time(self) -> tuple[str, str] | None:
        """The time column: the base table's, else a joined customer table's signup date."""
        col = self.base.time_column
        if col:
            return self.column(col)
        for t in self._dimension_tables():
            if t.time_column:
                return self.column(t.time_column)
        return None

    def from_clause(self) -> str:
        parts = [f"{self.base.source} AS b"]
        base_id = quote_ident(self.base.role_column("customer_id") or "")
        for alias, t in self.joins.items():
            dim_id = quote_ident(t.role_column("customer_id") or "")
            parts.append(
                f"LEFT JOIN {t.source} AS {alias} "
                f"ON CAST(b.{base_id} AS VARCHAR) = CAST({alias}.{dim_id} AS VARCHAR)"
            )
        return "\n  ".join(parts)


ColumnLookup = Callable[[str], "tuple[str, str] | None"]


def filter_clauses(
    column: ColumnLookup, time_sql: str | None, filters: Filters | None
) -> tuple[list[str], list, list[str]]:
    """WHERE parts, bound parameters and the names of filters this table cannot reach.

    `column` maps a column name to its (qualified SQL reference, type), or None when the rows
    being filtered cannot reach that column; `time_sql` is the typed date the range applies to.
    """
    where: list[str] = []
    params: list = []
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
        where.append(f"CAST({found[0]} AS VARCHAR) IN ({', '.join('?' for _ in values)})")
        params.extend(str(v) for v in values)
    return where, params, unapplied


def plan(metric: Metric, tables: Sequence[TableInfo]) -> tuple[TableInfo, Variant] | Missing:
    """Pick the table and variant a metric is computed from, or say what is missing."""
    for variant in metric.variants:
        for t in tables:
            if set(variant.roles) <= set(t.roles):
                return t, variant
    options = [_describe_roles(v.roles) for v in metric.variants]
    simplest = min(metric.variants, key=lambda v: len(v.roles)).roles
    return Missing(metric.id, simplest, "needs a column for " + ", or ".join(options))


def _describe_roles(roles: Sequence[str]) -> str:
    """'SUS items 1–10' instead of ten labels; otherwise the role labels joined with 'and'."""
    if len(roles) >= 10 and all(r.startswith("sus_q") for r in roles):
        return "SUS items 1–10"
    return " and ".join(ROLE_BY_NAME[r].label for r in roles)


def _aggregates(kind: str) -> str:
    """Sufficient statistics per kind; v is the per-row value, ok says it is inside the scale."""
    common = "count(*) FILTER (WHERE ok) AS n,\n  count(*) FILTER (WHERE NOT ok) AS out_of_scale"
    if kind == "proportion":
        return f"{common},\n  CAST(sum(v) FILTER (WHERE ok) AS DOUBLE) AS successes"
    if kind == "nps":
        return (
            f"{common},\n  count(*) FILTER (WHERE ok AND v >= 9) AS promoters,\n"
            "  count(*) FILTER (WHERE ok AND v <= 6) AS detractors"
        )
    if kind == "mean":
        return (
            f"{common},\n  avg(v) FILTER (WHERE ok) AS mean,\n"
            "  stddev_samp(v) FILTER (WHERE ok) AS sd"
        )
    if kind == "geomean":
        # ln only of valid (positive) values: ln(0) would raise.
        return (
            f"{common},\n  avg(ln(CASE WHEN ok THEN v END)) AS mean_log,\n"
            "  stddev_samp(ln(CASE WHEN ok THEN v END)) AS sd_log"
        )
    raise ValueError(f"unknown metric kind {kind!r}")


def compile_metric(
    metric: Metric,
    tables: Sequence[TableInfo],
    *,
    by: str | None = None,
    grain: str | None = None,
    filters: Filters | None = None,
) -> CompiledQuery | Missing:
    """Build the SQL for one metric; group by a column and/or a time grain; apply filters."""
    planned = plan(metric, tables)
    if isinstance(planned, Missing):
        return planned
    base, variant = planned
    res = _Resolver(base, tables)

    # Stage 1 reads each role's column typed as its kind; stage 2 applies the metric's formula to
    # those role names, which keeps the formula readable in the generated SQL.
    typed = [
        typed_column(
            f"b.{quote_ident(base.role_column(role))}",
            base.columns[base.role_column(role)],
            ROLE_BY_NAME[role].kind,
        )
        + f" AS {role}"
        for role in variant.roles
    ]

    def fill(template: str) -> str:
        out = template
        for role in variant.roles:
            out = out.replace("{" + role + "}", role)
        return out

    select = list(typed)
    where: list[str] = []
    metric_where = f"\n  WHERE {fill(variant.where)}" if variant.where else ""
    params: list = []
    unapplied: list[str] = []

    group_cols = []
    if by:
        found = res.column(by)
        if found is None:
            return Missing(
                metric.id, ("segment",), f"'{by}' cannot be linked to this metric's rows"
            )
        select.append(f"CAST({found[0]} AS VARCHAR) AS grp")
        group_cols.append("grp")
    time = res.time() if (grain or (filters and (filters.date_from or filters.date_to))) else None
    if grain:
        if grain not in GRAINS:
            raise ValueError(f"unknown time grain {grain!r}; use one of {', '.join(GRAINS)}")
        if time is None:
            return Missing(metric.id, ("date",), "needs a date column for a trend")
        select.append(f"CAST(date_trunc('{grain}', {typed_column(time[0], time[1], 'date')}) "
                      "AS DATE) AS period")  # fmt: skip
        group_cols.append("period")

    if filters:
        date_sql = typed_column(time[0], time[1], "date") if time else None
        f_where, f_params, unapplied = filter_clauses(res.column, date_sql, filters)
        where += f_where
        params += f_params

    where_sql = ("\n  WHERE " + "\n    AND ".join(where)) if where else ""
    select_sql = ",\n    ".join(select)
    keys = "".join(f", {c}" for c in group_cols)
    outer_keys = "".join(f"{c}, " for c in group_cols)
    group_by = (
        f"\nGROUP BY {', '.join(group_cols)}\nORDER BY {', '.join(group_cols)}"
        if group_cols
        else ""
    )
    sql = (
        f"WITH t AS (\n  SELECT\n    {select_sql}\n  FROM {res.from_clause()}{where_sql}\n),\n"
        f"r AS (\n  SELECT {fill(variant.value)} AS v,\n    ({fill(variant.valid)}) AS ok{keys}\n"
        f"  FROM t{metric_where}\n)\n"
        f"SELECT\n  {outer_keys}{_aggregates(metric.kind)}\nFROM r{group_by}"
    )
    return CompiledQuery(
        metric_id=metric.id,
        sql=sql,
        params=tuple(params),
        table=base.name,
        variant_roles=variant.roles,
        by=by,
        grain=grain,
        unapplied_filters=tuple(unapplied),
    )
