"""UX ↔ retention: link a UX score to churn, survival and CLV per customer (or per group) in SQL.

DuckDB does the joins and aggregation; only small aggregates reach Python: counts per distinct
(score, outcome) pair, per (band, tenure, churned), correlation moments. The statistics come from
stats.py. Everything here describes associations in observational data, never effects.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import stats
from .engines import Engine, QueryError
from .metrics import METRIC_BY_ID, METRICS, Metric, Variant, get_metric
from .roles import ROLE_BY_NAME, Role, is_numeric_type
from .sql import DUCKDB, Filters, TableInfo, filter_clauses, quote_ident

typed_column = DUCKDB.typed_column  # the retention SQL moves onto engine.dialect next

UX_MEASURES = ("sus", "task_success_rate", "product_nps", "app_rating")
OUTCOMES = ("churned", "retention", "tenure")
# Metrics that are outcomes here, not UX scores.
_OUTCOME_METRICS = ("churn_rate", "retention_rate", "clv")
_SCORES = ("scale", "numeric", "binary")
_NOT_SCORES = ("customer_id", "churned", "churn_date", "tenure", "clv", "signup_date", "date")

MIN_CUSTOMERS = 10
MIN_GROUPS = 3
SCATTER_MAX_POINTS = 5000
SCATTER_BINS = 40
AT_RISK_TIMES = (0, 6, 12, 18, 24)
SURVIVAL_AT = (12, 24)
# Beyond this many distinct per-customer scores the counts are taken on a grid of 10,000 steps
# across the observed range (the method says so): r moves by far less than its interval.
MAX_DISTINCT_X = 20000
GRID_STEPS = 10000
# Bootstrap rows (customers × replicates) DuckDB builds for key drivers; beyond, a subsample.
MAX_BOOT_ROWS = 5_000_000
R_FOR_POWER = 0.3


class RetentionError(Exception):
    """A user-fixable reason the analysis cannot run; str() is one sentence."""


# ---------------------------------------------------------------------------------------------
# what is measured


@dataclass(frozen=True)
class Measure:
    """How one UX score is read: its table, typed columns, per-row formula and per-unit mean."""

    key: str
    label: str
    table: TableInfo
    columns: tuple[tuple[str, str, str], ...]  # (alias, column, role kind)
    value: str  # SQL over the aliases
    valid: str
    where: str
    agg: str  # "mean" | "percent" | "geomean"
    span: float | None  # width of the scale (None: unknown), picks the "+step" of the impact
    is_sus: bool = False
    unit: str = ""  # "s" for seconds; otherwise points on the measure's scale

    def fill(self, template: str) -> str:
        """Substitute the {alias} placeholders of a metric formula with the typed columns."""
        out = template
        for alias, _col, _kind in self.columns:
            out = out.replace("{" + alias + "}", alias)
        return out


@dataclass(frozen=True)
class OutcomeSource:
    """Where the churn flag (and tenure, CLV) live."""

    table: TableInfo
    churned: str  # column
    churn_from_date: bool  # churned = churn date present (no yes/no column)
    tenure: str | None
    clv: str | None


def _has_id(t: TableInfo) -> bool:
    return t.role_column("customer_id") is not None


def _by_preference(tables: Sequence[TableInfo]) -> list[TableInfo]:
    """Tables that can link per customer first (stable otherwise)."""
    return sorted(tables, key=lambda t: not _has_id(t))


def _metric_span(metric: Metric) -> float | None:
    if metric.kind == "proportion":
        return 100.0
    if metric.kind == "nps":
        return 10.0
    if metric.axis_range:
        return metric.axis_range[1] - metric.axis_range[0]
    return None


def _agg_for(kind: str) -> str:
    return {"proportion": "percent", "geomean": "geomean"}.get(kind, "mean")


def _metric_label(metric: Metric) -> str:
    if metric.kind == "nps":
        return f"{metric.label} score (0–10)"
    if metric.kind == "proportion":
        return f"{metric.label} (%)"
    return metric.label


def _measure_from_variant(
    key: str, label: str, metric: Metric, variant: Variant, table: TableInfo
) -> Measure:
    cols = tuple((r, table.role_column(r) or "", ROLE_BY_NAME[r].kind) for r in variant.roles)
    return Measure(
        key=key,
        label=label,
        table=table,
        columns=cols,
        value=variant.value,
        valid=variant.valid,
        where=variant.where,
        agg=_agg_for(metric.kind),
        span=_metric_span(metric),
        is_sus=metric.id == "sus",
        unit="s" if metric.unit == "s" else "",
    )


def _from_metric(metric: Metric, tables: Sequence[TableInfo], key: str) -> Measure | None:
    """The first variant (in registry order) that some table can compute, as compile.plan does."""
    for variant in metric.variants:
        for t in _by_preference(tables):
            if set(variant.roles) <= set(t.roles):
                return _measure_from_variant(key, _metric_label(metric), metric, variant, t)
    return None


def _role_span(role: Role) -> float | None:
    if role.kind == "binary":
        return 100.0
    if role.scale and all(math.isfinite(v) for v in role.scale):
        return role.scale[1] - role.scale[0]
    return None


def _from_role(role: Role, table: TableInfo, key: str) -> Measure:
    """A single-role measure: the registry's variant for it when there is one (its scale check)."""
    for metric in METRICS:
        if metric.id in _OUTCOME_METRICS:
            continue
        for v in metric.variants:
            if v.roles == (role.name,):
                return _measure_from_variant(key, _metric_label(metric), metric, v, table)
    binary = role.kind == "binary"
    ph = "{" + role.name + "}"
    return Measure(
        key=key,
        label=role.label + (" (%)" if binary else ""),
        table=table,
        columns=((role.name, table.role_column(role.name) or "", role.kind),),
        value=ph,
        valid=f"{ph} IN (0, 1)" if binary else f"{ph} IS NOT NULL",
        where="",
        agg="percent" if binary else "mean",
        span=_role_span(role),
    )


def resolve_measure(tables: Sequence[TableInfo], ux: str) -> Measure:
    """A metric id (sus, task_success_rate …), a role name (sus_score …) or a numeric column."""
    if ux in METRIC_BY_ID and ux not in _OUTCOME_METRICS:
        metric = get_metric(ux)
        m = _from_metric(metric, tables, ux)
        if m is None:
            needs = " or ".join(
                "the ten SUS items"
                if len(v.roles) == 10
                else f"a {ROLE_BY_NAME[v.roles[0]].label} column"
                for v in metric.variants
            )
            raise RetentionError(f"{metric.label} needs {needs}; map one on the Data page.")
        return m
    if ux in ROLE_BY_NAME and ux not in _NOT_SCORES:
        role = ROLE_BY_NAME[ux]
        if role.kind not in ("scale", "numeric", "binary"):
            raise RetentionError(f"{role.label} is not a score; choose a numeric UX measure.")
        for t in _by_preference(tables):
            if t.role_column(ux):
                return _from_role(role, t, ux)
        raise RetentionError(f"No file has a column for {role.label}; map one on the Data page.")
    for t in _by_preference(tables):
        if ux in t.columns:
            typ = t.columns[ux].upper()
            if not (is_numeric_type(typ) or typ == "BOOLEAN"):
                raise RetentionError(f"Column '{ux}' is not numeric, so it cannot be a UX score.")
            for role_name, col in t.roles.items():
                role = ROLE_BY_NAME.get(role_name)
                if col == ux and role and role_name not in _NOT_SCORES and role.kind in _SCORES:
                    return _from_role(role, t, ux)
            held = [r for r in _NOT_SCORES if t.role_column(r) == ux]
            if held:
                what = ROLE_BY_NAME[held[0]].label.lower()
                raise RetentionError(f"Column '{ux}' holds the {what}, not a UX score.")
            binary = typ == "BOOLEAN"
            return Measure(
                key=ux,
                label=ux,
                table=t,
                columns=(("ux_value", ux, "binary" if binary else "numeric"),),
                value="{ux_value}",
                valid="{ux_value} IS NOT NULL",
                where="",
                agg="percent" if binary else "mean",
                span=100.0 if binary else None,
            )
    known = ", ".join(UX_MEASURES)
    raise RetentionError(
        f"'{ux}' is not a UX measure, role or column in these files; try one of: {known}."
    )


def resolve_outcome(tables: Sequence[TableInfo], outcome: str) -> OutcomeSource:
    """The table with the churn flag (or churn date), preferring one row per customer."""
    if outcome not in OUTCOMES:
        raise RetentionError(f"'{outcome}' is not an outcome; use one of: {', '.join(OUTCOMES)}.")
    ordered = sorted(tables, key=lambda t: (not t.customer_unique, not _has_id(t)))
    need_tenure = outcome == "tenure"
    for from_date in (False, True):
        role = "churn_date" if from_date else "churned"
        for t in ordered:
            col = t.role_column(role)
            if col is None or (need_tenure and not t.role_column("tenure")):
                continue
            return OutcomeSource(t, col, from_date, t.role_column("tenure"), t.role_column("clv"))
    if need_tenure and any(t.role_column("churned") or t.role_column("churn_date") for t in tables):
        raise RetentionError(
            "Survival by UX needs a tenure column (months as a customer) next to the churn "
            "flag; map one on the Data page."
        )
    raise RetentionError("This analysis needs a churn column; map one on the Data page.")


def available_measures(tables: Sequence[TableInfo], include_columns: bool = False) -> list[str]:
    """UX measures computable from these tables (the four main ones first), optionally columns."""
    out = [m for m in UX_MEASURES if _from_metric(get_metric(m), tables, m) is not None]
    for metric in METRICS:
        if metric.family == "UX" and metric.id not in out and _from_metric(metric, tables, ""):
            out.append(metric.id)
    if include_columns:
        for t in tables:
            if not _has_id(t):
                continue
            mapped = {c for v in t.roles.values() for c in (v if isinstance(v, list) else [v])}
            for col, typ in t.columns.items():
                if col not in mapped and is_numeric_type(typ) and col not in out:
                    out.append(col)
    return out


def available_outcomes(tables: Sequence[TableInfo]) -> list[str]:
    """Outcomes these tables support: churned/retention with a churn flag, tenure with both."""
    out: list[str] = []
    for o in OUTCOMES:
        try:
            resolve_outcome(tables, o)
        except RetentionError:
            continue
        out.append(o)
    return out


# ---------------------------------------------------------------------------------------------
# SQL


@dataclass(frozen=True)
class RetentionQuery:
    """The SQL that yields one row per analysis unit (customer or group), and what it means.

    `ctes` ends with `pc` (unit, x, churned, y, …) and `cust` (customer rows with band, band_label,
    x, y, churned, tenure); at customer level `cust` is `pc`. Append a SELECT to run anything.
    """

    level: str  # "customer" | "group"
    mode: str  # "customer" | "rows" | "group" | "group_rates"
    ctes: str
    params: tuple
    ux: str
    ux_label: str
    outcome: str
    outcome_label: str
    direction: str
    band_kind: str  # "sus_grade" | "quartile" | "group"
    has_tenure: bool
    has_clv: bool
    group_column: str | None
    ux_table: str
    outcome_table: str
    measure: Measure
    unapplied_filters: tuple[str, ...] = ()

    @property
    def sql(self) -> str:
        """The per-unit rows (snapshot-tested)."""
        return self.select("SELECT * FROM pc\nORDER BY unit")

    def select(self, tail: str, extra_ctes: str = "") -> str:
        """The CTE chain, optional extra CTEs (", name AS (…)"), then a final statement."""
        return f"{self.ctes}{extra_ctes}\n{tail}"


def _sus_band_case(x: str) -> str:
    """CASE giving 1 (F) … 5 (A) from the Sauro–Lewis bounds (A+/A/A− collapse to A, etc.)."""
    whens = []
    for order, letter in ((5, "A"), (4, "B"), (3, "C"), (2, "D")):
        bound = min(b for b, g in stats.SUS_GRADES if g[0] == letter)
        whens.append(f"WHEN {x} >= {bound} THEN {order}")
    return f"CASE {' '.join(whens)} ELSE 1 END"


def sus_band_labels() -> dict[int, str]:
    """Band order → label, worst first: F (<51.7), D (51.7–62.7) … A (≥78.9)."""
    lows = {letter: min(b for b, g in stats.SUS_GRADES if g[0] == letter) for letter in "ABCDF"}
    return {
        1: f"F (<{lows['D']:g})",
        2: f"D ({lows['D']:g}–{lows['C']:g})",
        3: f"C ({lows['C']:g}–{lows['B']:g})",
        4: f"B ({lows['B']:g}–{lows['A']:g})",
        5: f"A (≥{lows['A']:g})",
    }


def _aggregate(agg: str) -> str:
    if agg == "percent":
        return "100 * avg(v) FILTER (WHERE ok)"
    if agg == "geomean":
        # ln only of valid (positive) values: ln(0) would raise.
        return "exp(avg(ln(CASE WHEN ok THEN v END)))"
    return "avg(v) FILTER (WHERE ok)"


class _Builder:
    """Collects CTEs and their bound parameters in text order."""

    def __init__(self) -> None:
        self.ctes: list[str] = []
        self.params: list = []

    def add(self, name: str, body: str, params: Sequence = (), materialized: bool = False) -> None:
        mat = "MATERIALIZED " if materialized else ""
        self.ctes.append(f"{name} AS {mat}(\n  {body}\n)")
        self.params.extend(params)

    def text(self) -> str:
        return "WITH " + ",\n".join(self.ctes)


@dataclass
class _FilterPlan:
    filters: Filters | None
    date_tables: frozenset[str]
    unapplied: list[str]

    def where(self, table: TableInfo, alias: str) -> tuple[str, list]:
        """WHERE clause (with leading newline) and params for one table scan."""
        f = self.filters
        if f is None or f.is_empty():
            return "", []
        time_sql = None
        if table.name in self.date_tables and table.time_column:
            col = table.time_column
            time_sql = typed_column(f"{alias}.{quote_ident(col)}", table.columns[col], "date")

        def column(name: str) -> tuple[str, str] | None:
            # One table per scan: a segment it lacks is reported by _plan_filters, not here.
            if name not in table.columns:
                return None
            return f"{alias}.{quote_ident(name)}", table.columns[name]

        conds, params, _ = filter_clauses(column, time_sql, f)
        if not conds:
            return "", []
        return "\n  WHERE " + "\n    AND ".join(conds), params


def _plan_filters(
    filters: Filters | None, scans: Sequence[TableInfo], every_dated: bool = False
) -> _FilterPlan:
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
    return _FilterPlan(filters, date_tables, unapplied)


def _typed(table: TableInfo, alias: str, column: str, kind: str) -> str:
    return typed_column(f"{alias}.{quote_ident(column)}", table.columns[column], kind)


def _churn_expr(out: OutcomeSource, alias: str, rates: bool = False) -> str:
    """The churn flag as 0/1 (or, for a table of group rates, as a number)."""
    if out.churn_from_date:
        return f"CASE WHEN {alias}.{quote_ident(out.churned)} IS NULL THEN 0 ELSE 1 END"
    return _typed(out.table, alias, out.churned, "numeric" if rates else "binary")


def _ux_columns(m: Measure, alias: str) -> list[str]:
    return [f"{_typed(m.table, alias, col, kind)} AS {a}" for a, col, kind in m.columns]


def _outcome_columns(out: OutcomeSource, alias: str) -> list[str]:
    cols = [f"{_churn_expr(out, alias)} AS churned"]
    if out.tenure:
        cols.append(f"{_typed(out.table, alias, out.tenure, 'numeric')} AS tenure")
    if out.clv:
        cols.append(f"{_typed(out.table, alias, out.clv, 'numeric')} AS clv")
    return cols


def _scored(m: Measure, key: str, source: str) -> str:
    where = f"\n  WHERE {m.fill(m.where)}" if m.where else ""
    return (
        f"SELECT {key}, {m.fill(m.value)} AS v,\n    ({m.fill(m.valid)}) AS ok\n"
        f"  FROM {source}{where}"
    )


def _ux_cte(m: Measure, key: str, source: str = "ux_scored") -> str:
    return (
        f"SELECT {key}, {_aggregate(m.agg)} AS x,\n"
        "    count(*) FILTER (WHERE ok) AS responses,\n"
        "    count(*) FILTER (WHERE NOT ok) AS out_of_scale\n"
        f"  FROM {source}\n  WHERE {key} IS NOT NULL\n  GROUP BY {key}"
    )


def _measure_ctes(
    b: _Builder, m: Measure, name: str, key_col: str, key: str, fp: _FilterPlan
) -> None:
    """{name}_rows (typed columns), {name}_scored (v, ok), {name} (key, x per customer/group)."""
    where, params = fp.where(m.table, "b")
    cols = ",\n    ".join(
        [f"CAST(b.{quote_ident(key_col)} AS VARCHAR) AS {key}", *_ux_columns(m, "b")]
    )
    b.add(f"{name}_rows", f"SELECT {cols}\n  FROM {m.table.source} AS b{where}", params)
    b.add(f"{name}_scored", _scored(m, key, f"{name}_rows"))
    b.add(name, _ux_cte(m, key, f"{name}_scored"))


def _y(outcome: str, churned: str = "churned") -> str:
    return f"1 - {churned}" if outcome == "retention" else churned


def _outcome_optional(out: OutcomeSource, prefix: str = "o.") -> str:
    tenure = f"{prefix}tenure" if out.tenure else "CAST(NULL AS DOUBLE)"
    clv = f"{prefix}clv" if out.clv else "CAST(NULL AS DOUBLE)"
    return f"{tenure} AS tenure, {clv} AS clv"


def _shared_segment(a: TableInfo, b: TableInfo) -> str | None:
    """A column both tables have and at least one maps as a segment (the group to correlate on)."""

    def segs(t: TableInfo) -> list[str]:
        v = t.roles.get("segment") or []
        return [v] if isinstance(v, str) else list(v)

    for col in [*segs(a), *segs(b)]:
        if col in a.columns and col in b.columns:
            return col
    return None


def _group_label_column(t: TableInfo) -> str | None:
    """A column naming each row of a one-row-per-group table."""
    v = t.roles.get("segment") or []
    segs = [v] if isinstance(v, str) else list(v)
    if segs:
        return segs[0]
    mapped = {c for vv in t.roles.values() for c in (vv if isinstance(vv, list) else [vv])}
    for col, typ in t.columns.items():
        if typ.upper() == "VARCHAR" and col not in mapped:
            return col
    return None


def build_query(
    tables: Sequence[TableInfo],
    ux: str,
    outcome: str,
    filters: Filters | None = None,
    *,
    churn_rates: float | None = None,
) -> RetentionQuery:
    """Plan the per-unit SQL (pure). churn_rates: the churn column holds rates, divide by this."""
    m = resolve_measure(tables, ux)
    out = resolve_outcome(tables, outcome)
    same = m.table.name == out.table.name
    rates = churn_rates is not None
    group_col = None
    if rates:
        mode = "group_rates"
        if not same:
            group_col = _shared_segment(m.table, out.table)
            if group_col is None:
                raise RetentionError(_no_link(m, out))
    elif _has_id(m.table) and _has_id(out.table):
        mode = "customer"
    elif same:
        mode = "rows"
    else:
        group_col = _shared_segment(m.table, out.table)
        if group_col is None:
            raise RetentionError(_no_link(m, out))
        mode = "group"

    scans = [m.table] if same else [m.table, out.table]
    fp = _plan_filters(filters, scans)
    b = _Builder()
    if mode == "customer":
        _sql_customer(b, m, out, outcome, fp)
    elif mode == "rows":
        _sql_rows(b, m, out, outcome, fp)
    elif mode == "group":
        _sql_group(b, m, out, outcome, fp, group_col or "")
    else:
        _sql_group_rates(b, m, out, outcome, fp, group_col, churn_rates or 1.0)
    level = "customer" if mode in ("customer", "rows") else "group"
    band_kind = ("sus_grade" if m.is_sus else "quartile") if level == "customer" else "group"
    return RetentionQuery(
        level=level,
        mode=mode,
        ctes=b.text(),
        params=tuple(b.params),
        ux=ux,
        ux_label=m.label,
        outcome=outcome,
        outcome_label={"churned": "Churned", "retention": "Retained"}.get(
            outcome, "Time to churn (tenure)"
        ),
        direction="retained = 1" if outcome == "retention" else "churned = 1",
        band_kind=band_kind,
        has_tenure=out.tenure is not None and mode != "group_rates",
        has_clv=out.clv is not None and level == "customer",
        group_column=group_col or (_group_label_column(m.table) if mode == "group_rates" else None),
        ux_table=m.table.name,
        outcome_table=out.table.name,
        measure=m,
        unapplied_filters=tuple(fp.unapplied),
    )


def _no_link(m: Measure, out: OutcomeSource) -> str:
    return (
        f"The {m.label} scores ({m.table.name}) cannot be linked to the churn flags "
        f"({out.table.name}): map a customer id in both files, or give both a shared segment "
        "column."
    )


def _band_ctes(b: _Builder, m: Measure, outcome: str) -> None:
    """pc from linked: y in the outcome's direction and the band (SUS grade or quartile)."""
    if m.is_sus:
        band = _sus_band_case("x")
        labels = sus_band_labels()
        label = "CASE band " + " ".join(f"WHEN {k} THEN '{v}'" for k, v in labels.items()) + " END"
        b.add(
            "banded",
            f"SELECT *, {band} AS band\n  FROM linked",
        )
    else:
        b.add("cuts", "SELECT quantile_cont(x, [0.25, 0.5, 0.75]) AS q FROM linked")
        b.add(
            "banded",
            "SELECT linked.*, CASE WHEN x <= q[1] THEN 1 WHEN x <= q[2] THEN 2 "
            "WHEN x <= q[3] THEN 3 ELSE 4 END AS band\n  FROM linked, cuts",
        )
        label = "'Q' || band"
    b.add(
        "pc",
        f"SELECT unit, x, churned, {_y(outcome)} AS y, tenure, clv, band,\n"
        f"    {label} AS band_label\n  FROM banded",
    )
    b.add("cust", "SELECT * FROM pc")


def _outcome_cte(b: _Builder, out: OutcomeSource, fp: _FilterPlan, group: str | None) -> None:
    """outcome: one row per customer (and group) with churned 0/1, tenure, CLV."""
    t = out.table
    where, params = fp.where(t, "c")
    churn = _churn_expr(out, "c")
    cid = t.role_column("customer_id")
    keys = [f"CAST(c.{quote_ident(cid)} AS VARCHAR) AS customer_id"] if cid else []
    if group:
        keys.append(f"CAST(c.{quote_ident(group)} AS VARCHAR) AS grp")
    if cid:
        # Max per customer: a flat file repeats the customer's flag on every row; when the rows
        # disagree, having churned at any point counts (churn_values > 1 flags it).
        parts = [*keys, f"max({churn}) AS churned", f"count(DISTINCT {churn}) AS churn_values"]
        if out.tenure:
            parts.append(f"max({_typed(t, 'c', out.tenure, 'numeric')}) AS tenure")
        if out.clv:
            parts.append(f"avg({_typed(t, 'c', out.clv, 'numeric')}) AS clv")
        group_by = "\n  GROUP BY " + ", ".join(str(i + 1) for i in range(len(keys)))
    else:  # no customer id: each row is a customer
        parts = [*keys, *_outcome_columns(out, "c"), "1 AS churn_values"]
        group_by = ""
    body = "SELECT " + ",\n    ".join(parts) + f"\n  FROM {t.source} AS c{where}{group_by}"
    b.add("outcome", body, params)


_LINKED = (
    "SELECT ux.customer_id AS unit, ux.x, o.churned, {opt}\n"
    "  FROM ux JOIN outcome AS o ON ux.customer_id = o.customer_id\n"
    "  WHERE ux.x IS NOT NULL AND o.churned IN (0, 1)"
)


def _sql_customer(
    b: _Builder, m: Measure, out: OutcomeSource, outcome: str, fp: _FilterPlan
) -> None:
    """UX per customer (mean over responses) joined on customer_id to the customer's outcome."""
    _measure_ctes(b, m, "ux", m.table.role_column("customer_id") or "", "customer_id", fp)
    _outcome_cte(b, out, fp, None)
    b.add("linked", _LINKED.format(opt=_outcome_optional(out)))
    _band_ctes(b, m, outcome)


def _sql_rows(b: _Builder, m: Measure, out: OutcomeSource, outcome: str, fp: _FilterPlan) -> None:
    """One file, no customer id: each row is a customer."""
    where, params = fp.where(m.table, "b")
    cols = ",\n    ".join(
        ["row_number() OVER () AS customer_id", *_ux_columns(m, "b"), *_outcome_columns(out, "b")]
    )
    # Materialized so the row numbers are assigned once for both uses below.
    b.add("rows_", f"SELECT {cols}\n  FROM {m.table.source} AS b{where}", params, True)
    b.add("ux_scored", _scored(m, "customer_id", "rows_"))
    b.add("ux", _ux_cte(m, "customer_id"))
    b.add(
        "outcome",
        f"SELECT customer_id, churned, 1 AS churn_values, {_outcome_optional(out, '')}\n"
        "  FROM rows_",
    )
    b.add("linked", _LINKED.format(opt=_outcome_optional(out)))
    _band_ctes(b, m, outcome)


def _sql_group(
    b: _Builder, m: Measure, out: OutcomeSource, outcome: str, fp: _FilterPlan, group_col: str
) -> None:
    """No customer link: mean UX per group (segment) against customers' churn in that group."""
    _measure_ctes(b, m, "ux", group_col, "grp", fp)
    _outcome_cte(b, out, fp, group_col)
    b.add(
        "cust",
        f"SELECT 0 AS band, o.grp AS band_label, ux.x, o.churned, {_y(outcome, 'o.churned')} AS y,"
        f"\n    {_outcome_optional(out)}\n"
        "  FROM outcome AS o JOIN ux ON o.grp = ux.grp\n"
        "  WHERE ux.x IS NOT NULL AND o.churned IN (0, 1)",
    )
    b.add(
        "pc",
        "SELECT band_label AS unit, any_value(x) AS x, avg(churned) AS churned, avg(y) AS y,\n"
        "    count(*) AS customers\n  FROM cust\n  GROUP BY band_label",
    )


def _sql_group_rates(
    b: _Builder,
    m: Measure,
    out: OutcomeSource,
    outcome: str,
    fp: _FilterPlan,
    group_col: str | None,
    divisor: float,
) -> None:
    """Rows that each hold a group's churn rate (e.g. per product) against the group's mean UX."""

    def rate(alias: str) -> str:
        return f"{_churn_expr(out, alias, rates=True)} / {divisor:g}"

    if group_col is None:  # one table: its rows are the groups
        label = _group_label_column(m.table)
        key = f"b.{quote_ident(label)}" if label else "row_number() OVER ()"
        where, params = fp.where(m.table, "b")
        cols = ",\n    ".join(
            [f"CAST({key} AS VARCHAR) AS grp", *_ux_columns(m, "b"), f"{rate('b')} AS rate"]
        )
        b.add("rows_", f"SELECT {cols}\n  FROM {m.table.source} AS b{where}", params, True)
        b.add("ux_scored", _scored(m, "grp", "rows_"))
        b.add("ux", _ux_cte(m, "grp"))
        b.add("rates", "SELECT grp, avg(rate) AS rate\n  FROM rows_\n  GROUP BY grp")
    else:
        _measure_ctes(b, m, "ux", group_col, "grp", fp)
        where, params = fp.where(out.table, "c")
        b.add(
            "rates",
            f"SELECT CAST(c.{quote_ident(group_col)} AS VARCHAR) AS grp, avg({rate('c')}) AS rate\n"
            f"  FROM {out.table.source} AS c{where}\n  GROUP BY 1",
            params,
        )
    b.add(
        "pc",
        f"SELECT r.grp AS unit, ux.x, r.rate AS churned, {_y(outcome, 'r.rate')} AS y,\n"
        "    CAST(NULL AS BIGINT) AS customers\n"
        "  FROM rates AS r JOIN ux ON r.grp = ux.grp\n"
        "  WHERE ux.x IS NOT NULL AND r.rate IS NOT NULL",
    )
    # No customer rows: bands come from pc, survival is not available.
    b.add(
        "cust",
        "SELECT 0 AS band, unit AS band_label, x, churned, y, CAST(NULL AS DOUBLE) AS tenure\n"
        "  FROM pc\n  WHERE false",
    )


# ---------------------------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class Band:
    """Churn (or retention) rate in one band of the UX score, with an adjusted-Wald interval."""

    band: str
    n: int | None  # customers (None for a table of group rates)
    events: int | None  # customers with y = 1
    rate: float
    ci_low: float
    ci_high: float
    x_min: float
    x_max: float
    x_mean: float
    key: str = ""  # the band's label in SQL (cust.band_label)


@dataclass(frozen=True)
class BandSurvival:
    """Kaplan–Meier summary of one band: median lifetime, survival at 12/24, numbers at risk."""

    band: str
    n: int
    events: int
    median: float | None
    at: dict[int, float | None]  # None beyond the longest observed tenure
    at_risk: dict[int, int]


@dataclass
class Survival:
    """Survival by band: summaries, curves (with CI bands) for the chart, log-rank across bands."""

    overall: BandSurvival
    bands: list[BandSurvival]
    curves: pd.DataFrame  # band, time, at_risk, events, censored, survival, ci_low, ci_high
    logrank: stats.LogrankResult


@dataclass(frozen=True)
class Impact:
    """What a step up in the score goes with: change in P(outcome) and in CLV (associations)."""

    step: float
    step_label: str
    outcome_change: stats.Estimate  # probability of y = 1 (churn or retention), 0..1 scale
    clv_change: stats.Estimate | None
    clv_method: str = ""


@dataclass(frozen=True)
class Driver:
    """One UX measure's share of the R² of a target (Shapley/LMG), with a bootstrap interval."""

    measure: str
    label: str
    share: float
    ci_low: float
    ci_high: float
    r: float


@dataclass(frozen=True)
class KeyDrivers:
    """Which UX measures relate most to one target (NPS or retention), per customer."""

    target: str
    target_label: str
    n: int
    r2: float
    r2_ci: tuple[float, float]
    drivers: list[Driver]
    left_out: list[str]
    n_boot: int
    method: str


@dataclass
class Scatter:
    """Chart data: raw per-unit points (≤ 5,000) or counts on a 2-D grid (x bins × outcome)."""

    kind: str  # "points" | "binned"
    data: pd.DataFrame
    n: int
    x_label: str
    y_label: str


@dataclass
class RetentionAnalysis:
    """Everything the UX ↔ retention page and `uxcx correlate` show."""

    query: RetentionQuery
    n: int
    pearson: stats.CorrResult
    spearman: stats.CorrResult
    method: str
    bands: list[Band]
    survival: Survival | None
    logistic: stats.LogisticResult | None
    step: float
    odds_ratio_per_step: tuple[float, float, float] | None
    impact: Impact | None
    drivers: list[KeyDrivers]
    scatter: Scatter
    cautions: list[str]
    coverage: dict[str, int] = field(default_factory=dict)

    @property
    def level(self) -> str:
        """ "customer" or "group"."""
        return self.query.level

    @property
    def direction(self) -> str:
        """ "churned = 1" or "retained = 1": what y = 1 means in r, rates and odds ratios."""
        return self.query.direction

    def to_json(self) -> dict:
        """The `uxcx correlate` JSON (NaN becomes null; rates and survival on 0..1)."""
        q = self.query
        out: dict = {
            "n": self.n,
            "level": q.level,
            "ux": q.ux,
            "ux_label": q.ux_label,
            "outcome": q.outcome,
            "outcome_direction": q.direction,
            "method": self.method,
            "pearson": _corr_json(self.pearson),
            "spearman": _corr_json(self.spearman),
            "band_kind": q.band_kind,
            "bands": [
                {
                    "band": b.band,
                    "n": b.n,
                    "rate": _num(b.rate),
                    "ci_low": _num(b.ci_low),
                    "ci_high": _num(b.ci_high),
                    "x_min": _num(b.x_min),
                    "x_max": _num(b.x_max),
                }
                for b in self.bands
            ],
        }
        if self.survival is not None:
            s = self.survival
            out["survival"] = {
                **_surv_json(s.overall),
                "bands": [{"band": b.band, **_surv_json(b)} for b in s.bands],
                "logrank": {
                    "chi2": _num(s.logrank.chi2),
                    "df": s.logrank.df,
                    "p": _p(s.logrank.p),
                },  # fmt: skip
            }
        lg = self.logistic
        if lg is None:
            out["logistic"] = None
        else:
            out["logistic"] = {
                "odds_ratio_per_10": _num(lg.odds_ratio_per_10),
                "ci_low": _num(lg.or_ci_low),
                "ci_high": _num(lg.or_ci_high),
                "p": _p(lg.p),
                "n": lg.n,
                "method": lg.method,
            }
            if self.odds_ratio_per_step is not None:
                orv, lo, hi = self.odds_ratio_per_step
                out["logistic"].update(
                    step=self.step,
                    odds_ratio_per_step=_num(orv),
                    step_ci_low=_num(lo),
                    step_ci_high=_num(hi),
                )
        if self.impact is not None:
            im = self.impact
            out["impact"] = {
                "step": im.step,
                "label": im.step_label,
                "outcome_change_pp": _num(im.outcome_change.value * 100),
                "ci_low_pp": _num(im.outcome_change.ci_low * 100),
                "ci_high_pp": _num(im.outcome_change.ci_high * 100),
                "method": im.outcome_change.method,
            }
            if im.clv_change is not None:
                out["impact"].update(
                    clv_change=_num(im.clv_change.value),
                    clv_ci_low=_num(im.clv_change.ci_low),
                    clv_ci_high=_num(im.clv_change.ci_high),
                    clv_method=im.clv_method,
                )
        out["key_drivers"] = [
            {
                "target": k.target,
                "n": k.n,
                "r2": _num(k.r2),
                "r2_ci": [_num(k.r2_ci[0]), _num(k.r2_ci[1])],
                "drivers": [
                    {
                        "measure": d.measure,
                        "share": _num(d.share),
                        "ci_low": _num(d.ci_low),
                        "ci_high": _num(d.ci_high),
                        "r": _num(d.r),
                    }  # fmt: skip
                    for d in k.drivers
                ],
                "left_out": k.left_out,
                "method": k.method,
            }
            for k in self.drivers
        ]
        out["scatter"] = {"kind": self.scatter.kind, "rows": len(self.scatter.data)}
        out["coverage"] = self.coverage
        out["cautions"] = self.cautions
        return out


def _num(x: float | None, digits: int = 6) -> float | None:
    if x is None or not math.isfinite(float(x)):
        return None
    return round(float(x), digits)


def _p(x: float | None) -> float | None:
    """p-values keep 4 significant digits: 6 decimals would turn 3e-9 into 0."""
    if x is None or not math.isfinite(float(x)):
        return None
    return float(f"{float(x):.4g}")


def _corr_json(c: stats.CorrResult) -> dict:
    return {"r": _num(c.r), "ci_low": _num(c.ci_low), "ci_high": _num(c.ci_high),
            "p": _p(c.p), "n": c.n, "method": c.method}  # fmt: skip


def _surv_json(b: BandSurvival) -> dict:
    return {
        "n": b.n,
        "events": b.events,
        "median": b.median,
        "at": {str(t): _num(v) for t, v in b.at.items()},
        "at_risk": {str(t): v for t, v in b.at_risk.items()},
    }


# ---------------------------------------------------------------------------------------------
# analysis


def _churn_rate_divisor(engine: Engine, out: OutcomeSource) -> float | None:
    """None when the churn column is a 0/1 flag; 1 or 100 when it holds rates (per group)."""
    if out.churn_from_date:
        return None
    typ = out.table.columns[out.churned].upper()
    if not is_numeric_type(typ):
        return None
    c = quote_ident(out.churned)
    row = engine.query(
        f"SELECT min({c})::DOUBLE AS lo, max({c})::DOUBLE AS hi, "
        f"count(*) FILTER (WHERE {c} NOT IN (0, 1)) AS other FROM {out.table.source}"
    ).to_pylist()[0]
    if not row["other"]:
        return None
    if row["lo"] < 0 or row["hi"] > 100:
        raise RetentionError(
            f"The churn column '{out.churned}' holds values other than yes/no (0/1) that are not "
            "rates either; map a yes/no churn column."
        )
    return 100.0 if row["hi"] > 1 else 1.0


def analyse(
    engine: Engine,
    tables: Sequence[TableInfo],
    ux: str,
    outcome: str,
    filters: Filters | None = None,
    *,
    n_boot: int = 200,
    seed: int = 0,
    drivers: bool = True,
) -> RetentionAnalysis:
    """Relate a UX measure to churn/retention/tenure; raises RetentionError for user problems."""
    out = resolve_outcome(tables, outcome)
    divisor = _churn_rate_divisor(engine, out)
    q = build_query(tables, ux, outcome, filters, churn_rates=divisor)
    result = _analyse_customers(engine, q) if q.level == "customer" else _analyse_groups(engine, q)
    problem = ""
    if drivers:
        # Key drivers are an extra: a failure there must not hide the main analysis.
        try:
            result.drivers = key_drivers(engine, tables, filters, n_boot=n_boot, seed=seed)
        except (RetentionError, QueryError) as e:
            problem = f"Key drivers could not be computed: {e}"
    result.cautions = _cautions(result) + ([problem] if problem else [])
    return result


def _fetch(engine: Engine, q: RetentionQuery, tail: str, extra: str = "") -> pd.DataFrame:
    return engine.query(q.select(tail, extra), q.params).to_pandas()


_COVERAGE = ("with_outcome", "with_ux", "out_of_scale", "conflicting")


def _counts(engine: Engine, q: RetentionQuery) -> tuple[pd.DataFrame, dict[str, int]]:
    """Customers per distinct (x, y), on a fine grid when there are very many distinct x; plus
    coverage counts (in the same statement, so DuckDB evaluates the shared CTEs once)."""
    extra = (
        ",\nlim AS (SELECT count(DISTINCT x) AS k, min(x) AS lo, max(x) AS hi FROM pc),\n"
        "cov AS (\n  SELECT (SELECT count(*) FROM outcome WHERE churned IN (0, 1)) AS with_outcome,\n"
        "    (SELECT count(*) FROM ux WHERE x IS NOT NULL) AS with_ux,\n"
        "    (SELECT coalesce(sum(out_of_scale), 0) FROM ux) AS out_of_scale,\n"
        "    (SELECT count(*) FROM outcome WHERE churn_values > 1) AS conflicting\n)"
    )
    width = f"((lim.hi - lim.lo) / {GRID_STEPS})"
    tail = (
        f"SELECT CASE WHEN lim.k > {MAX_DISTINCT_X} "
        f"THEN lim.lo + round((x - lim.lo) / {width}) * {width} ELSE x END AS x,\n"
        "  y, count(*) AS w, any_value(lim.k) AS distinct_x,\n  "
        + ", ".join(f"any_value(cov.{c}) AS {c}" for c in _COVERAGE)
        + "\nFROM pc, lim, cov\nGROUP BY 1, 2\nORDER BY 1, 2"
    )
    df = _fetch(engine, q, tail, extra)
    cov = {c: int(df[c].iloc[0]) if len(df) else 0 for c in (*_COVERAGE, "distinct_x")}
    return df[["x", "y", "w"]].astype(float), cov


def _too_few(q: RetentionQuery, n: int, unit: str, minimum: int) -> RetentionError:
    label = q.ux_label.removesuffix(" (%)")
    article = "an" if label[:1].lower() in "aeiou" else "a"
    score = "" if label.lower().endswith(("score", "(0–10)")) else " score"
    what = "a retention flag" if q.outcome == "retention" else "a churn flag"
    return RetentionError(
        f"Only {n} {unit} have both {article} {label}{score} and {what}; at least {minimum} are "
        "needed."
    )


def _fmt_edge(v: float, span: float) -> str:
    return f"{v:.2f}" if span < 10 else f"{v:.1f}"


def _band_time(engine: Engine, q: RetentionQuery) -> pd.DataFrame:
    """Counts per (band, tenure): one query feeds both the rate table and the survival curves."""
    return _fetch(
        engine,
        q,
        "SELECT band, band_label, tenure AS time, count(*) AS n, sum(churned) AS events,\n"
        "  sum(y) AS y_events, min(x) AS x_min, max(x) AS x_max, sum(x) AS x_sum\n"
        "FROM cust\nGROUP BY ALL\nORDER BY band, band_label, time",
    )


def _bands(q: RetentionQuery, bt: pd.DataFrame) -> list[Band]:
    """Rate of y = 1 per band with adjusted-Wald intervals, worst band first."""
    df = (
        bt.groupby(["band", "band_label"], sort=False)
        .agg(
            n=("n", "sum"),
            events=("y_events", "sum"),
            x_min=("x_min", "min"),
            x_max=("x_max", "max"),
            x_sum=("x_sum", "sum"),
        )  # fmt: skip
        .reset_index()
    )
    df["x_mean"] = df["x_sum"] / df["n"]
    df = df.sort_values(["band", "x_mean", "band_label"], ignore_index=True)
    span = float(df["x_max"].max() - df["x_min"].min()) if len(df) else 0.0
    # Tied scores at a cut point leave a quartile empty; name what is left by position instead.
    names = {4: ["Q1", "Q2", "Q3", "Q4"], 3: ["Low", "Middle", "High"], 2: ["Lower", "Upper"]}
    positional = names.get(len(df), ["All"] * len(df))
    bands = []
    for i, r in enumerate(df.itertuples()):
        n, events = int(r.n), int(round(r.events))
        est = stats.adjusted_wald(events, n)
        label = str(r.band_label)
        if q.band_kind == "quartile":
            label = f"{positional[i]} ({_fmt_edge(r.x_min, span)}–{_fmt_edge(r.x_max, span)})"
        bands.append(
            Band(
                label,
                n,
                events,
                est.value,
                est.ci_low,
                est.ci_high,
                float(r.x_min),
                float(r.x_max),
                float(r.x_mean),
                str(r.band_label),
            )  # fmt: skip
        )
    return bands


def _survival(bt: pd.DataFrame, bands: list[Band]) -> Survival | None:
    """Kaplan–Meier per band and overall, log-rank across bands (customers with a tenure)."""
    df = bt[bt["time"].notna() & (bt["time"] >= 0)].copy()
    df["censored"] = df["n"] - df["events"]
    if df.empty:
        return None
    shown = {b.key: b.band for b in bands}
    per_band: list[BandSurvival] = []
    curves = []
    groups: dict[str, tuple] = {}
    for (_band, raw), g in df.groupby(["band", "band_label"], sort=False):
        name = shown.get(str(raw), str(raw))
        km = stats.kaplan_meier(g["time"], g["events"], g["censored"])
        per_band.append(_summarise(name, g, km))
        curves.append(km.assign(band=name))
        groups[name] = (g["time"].to_numpy(), g["events"].to_numpy(), g["censored"].to_numpy())
    km_all = stats.kaplan_meier(df["time"], df["events"], df["censored"])
    overall = _summarise("All", df, km_all)
    curves.append(km_all.assign(band="All"))
    return Survival(
        overall=overall,
        bands=per_band,
        curves=pd.concat(curves, ignore_index=True)[["band", *stats.KM_COLUMNS]],
        logrank=stats.logrank(groups),
    )


def _summarise(name: str, g: pd.DataFrame, km: pd.DataFrame) -> BandSurvival:
    t = g["time"].to_numpy(dtype=float)
    removed = (g["events"] + g["censored"]).to_numpy(dtype=float)
    # Beyond the longest observed tenure the curve is unknown, not flat: say so with None.
    last = float(t.max()) if len(t) else -math.inf
    return BandSurvival(
        band=name,
        n=int(removed.sum()),
        events=int(g["events"].sum()),
        median=stats.km_median(km),
        at={t_: stats.km_at(km, t_) if t_ <= last else None for t_ in SURVIVAL_AT},
        at_risk={t_: int(removed[t >= t_].sum()) for t_ in AT_RISK_TIMES},
    )


def _nice(v: float) -> float:
    """1, 2 or 5 × 10^k nearest below-or-at v (a readable step)."""
    if not math.isfinite(v) or v <= 0:
        return 1.0
    k = math.floor(math.log10(v))
    base = v / 10**k
    return (5 if base >= 5 else 2 if base >= 2 else 1) * 10.0**k


def choose_step(span: float | None, sd: float) -> float:
    """The "+step" the impact speaks of: 10 on 0–100 scales, 1 on short scales, else ~1 SD."""
    if span is not None and span >= 50:
        return 10.0
    if span is not None and span >= 3:
        return 1.0
    return _nice(sd)


def _step_label(q: RetentionQuery, measure: Measure, step: float) -> str:
    label = measure.label.removesuffix(" (%)")
    if measure.agg == "percent":
        unit = "percentage point" if step == 1 else "percentage points"
    elif measure.unit:
        unit = measure.unit
    else:
        unit = "point" if step == 1 else "points"
    return f"+{step:g} {unit} of {label}"


def _clv_change(engine: Engine, q: RetentionQuery, step: float) -> stats.Estimate | None:
    """OLS slope of CLV on the score × step, with a heteroskedasticity-robust (HC1) interval.

    Computed from centred sums in DuckDB; CLV is skewed and its spread grows with it, so the
    plain OLS standard error would be too small.
    """
    extra = (
        ",\ncm AS (SELECT count(*) AS n, avg(x) AS mx, avg(clv) AS my FROM pc "
        "WHERE clv IS NOT NULL),\n"
        "cs AS (SELECT any_value(n) AS n, any_value(mx) AS mx, any_value(my) AS my,\n"
        "  sum((x - mx) * (x - mx)) AS sxx, sum((x - mx) * (clv - my)) AS sxy\n"
        "  FROM pc, cm WHERE clv IS NOT NULL)"
    )
    tail = (
        "SELECT cs.n, cs.sxx, cs.sxy,\n"
        "  sum(power(x - cs.mx, 2) * power(clv - cs.my - cs.sxy / nullif(cs.sxx, 0) * (x - cs.mx),"
        " 2)) AS meat\nFROM pc, cs\nWHERE clv IS NOT NULL\nGROUP BY cs.n, cs.sxx, cs.sxy"
    )
    rows = engine.query(q.select(tail, extra), q.params).to_pylist()
    if not rows:
        return None
    r = rows[0]
    n, sxx, sxy, meat = int(r["n"] or 0), r["sxx"], r["sxy"], r["meat"]
    method = "OLS slope of CLV on the score × step; HC1 robust 95% CI"
    if n < 3 or not sxx or meat is None:
        return None
    slope = sxy / sxx
    se = math.sqrt(n / (n - 2) * meat) / sxx
    z = stats.z_crit(0.95)
    return stats.Estimate(slope * step, (slope - z * se) * step, (slope + z * se) * step, n, method)


def _scatter(
    engine: Engine, q: RetentionQuery, n: int, measure_label: str, counts: pd.DataFrame
) -> Scatter:
    """Raw points for small data; above SCATTER_MAX_POINTS, the (x, y) counts on 40 x bins."""
    y_label = q.direction
    if q.level == "group":
        df = _fetch(engine, q, "SELECT unit, x, y, customers FROM pc\nORDER BY x, unit")
        return Scatter("points", df, n, measure_label, y_label)
    if n <= SCATTER_MAX_POINTS:
        df = _fetch(
            engine, q, "SELECT x, y, tenure, band_label FROM pc\nORDER BY x, y, tenure, unit"
        )
        return Scatter("points", df, n, measure_label, y_label)
    # The counts per distinct (x, y) are already here: binning them needs no second scan.
    x = counts["x"].to_numpy()
    lo, hi = float(x.min()), float(x.max())
    width = (hi - lo) / SCATTER_BINS if hi > lo else 1.0
    bins = np.minimum(np.floor((x - lo) / width), SCATTER_BINS - 1).astype(int)
    g = (
        counts.assign(bin=bins)
        .groupby(["bin", "y"], as_index=False)["w"]
        .sum()
        .sort_values(["bin", "y"], ignore_index=True)
    )
    df = pd.DataFrame(
        {
            "x_lo": lo + g["bin"] * width,
            "x_hi": lo + (g["bin"] + 1) * width,
            "x": lo + (g["bin"] + 0.5) * width,
            "y": g["y"],
            "count": g["w"].round().astype("int64"),
        }
    )
    return Scatter("binned", df, n, measure_label, y_label)


def _group_coverage(engine: Engine, q: RetentionQuery) -> dict[str, int]:
    """Out-of-scale UX answers (group level: there is no per-customer coverage to report)."""
    row = engine.query(
        q.select("SELECT coalesce(sum(out_of_scale), 0) AS out_of_scale FROM ux"), q.params
    ).to_pylist()[0]
    return {"out_of_scale": int(row["out_of_scale"])}


def _analyse_customers(engine: Engine, q: RetentionQuery) -> RetentionAnalysis:
    counts, coverage = _counts(engine, q)
    distinct_x = coverage["distinct_x"]
    n = int(counts["w"].sum())
    if n < MIN_CUSTOMERS:
        raise _too_few(q, n, "customers", MIN_CUSTOMERS)
    x, y, w = counts["x"].to_numpy(), counts["y"].to_numpy(), counts["w"].to_numpy()
    pearson = stats.point_biserial_from_counts(x, y, w)
    spearman = stats.spearman_from_counts(x, y, w)
    per_x = counts.assign(e=counts["y"] * counts["w"]).groupby("x", sort=True)[["e", "w"]].sum()
    logistic = stats.logistic_from_counts(per_x.index.to_numpy(), per_x["e"], per_x["w"])
    mean = float(np.dot(w, x) / n)
    sd = math.sqrt(float(np.dot(w, (x - mean) ** 2)) / max(n - 1, 1))
    measure = q.measure
    step = choose_step(measure.span, sd)
    or_step = None
    impact = None
    if math.isfinite(logistic.slope):
        z = stats.z_crit(0.95)
        b, se = logistic.slope, logistic.se_slope
        or_step = (math.exp(step * b), math.exp(step * (b - z * se)), math.exp(step * (b + z * se)))
        change = stats.predicted_change(logistic, per_x.index.to_numpy(), per_x["w"], step)
        clv = _clv_change(engine, q, step) if q.has_clv else None
        impact = Impact(
            step,
            _step_label(q, measure, step),
            change,
            clv,
            clv.method if clv else "",
        )
    bt = _band_time(engine, q)
    bands = _bands(q, bt)
    method = (
        f"point-biserial r (Pearson with {q.direction}) and Spearman rho over customers, "
        "Fisher-z 95% CI; score = mean of each customer's responses"
    )
    if q.outcome == "tenure":
        method += "; tenure is censored for active customers, so it enters only the survival curves"
    if distinct_x > MAX_DISTINCT_X:
        method += f"; scores on a grid of {GRID_STEPS:,} steps ({distinct_x:,} distinct values)"
    return RetentionAnalysis(
        query=q,
        n=n,
        pearson=pearson,
        spearman=spearman,
        method=method,
        bands=bands,
        survival=_survival(bt, bands) if q.has_tenure else None,
        logistic=logistic,
        step=step,
        odds_ratio_per_step=or_step,
        impact=impact,
        drivers=[],
        scatter=_scatter(engine, q, n, measure.label, counts),
        cautions=[],
        coverage=coverage,
    )


def _analyse_groups(engine: Engine, q: RetentionQuery) -> RetentionAnalysis:
    df = _fetch(engine, q, "SELECT unit, x, y, customers FROM pc\nORDER BY x, unit")
    n = len(df)
    if n < MIN_GROUPS:
        raise _too_few(q, n, "groups", MIN_GROUPS)
    x, y = df["x"].to_numpy(float), df["y"].to_numpy(float)
    ones = np.ones(n)
    pearson = stats.pearson_from_counts(x, y, ones)
    spearman = stats.spearman_from_counts(x, y, ones)
    bt = _band_time(engine, q) if q.mode == "group" else None
    if bt is not None:
        bands = _bands(q, bt)
        bands.sort(key=lambda b: (b.x_mean, b.band))
    else:
        bands = [
            Band(str(r.unit), None, None, float(r.y), math.nan, math.nan, r.x, r.x, r.x)
            for r in df.itertuples()
        ]
    measure = q.measure
    what = "churn rate" if q.direction == "churned = 1" else "retention rate"
    method = (
        f"Pearson r and Spearman rho across {n} groups ({q.group_column or 'rows'}): mean "
        f"{q.ux_label} per group against the group's {what}, unweighted; Fisher-z 95% CI"
    )
    survival = _survival(bt, bands) if q.has_tenure and bt is not None else None
    return RetentionAnalysis(
        query=q,
        n=n,
        pearson=pearson,
        spearman=spearman,
        method=method,
        bands=bands,
        survival=survival,
        logistic=None,
        step=choose_step(measure.span, float(np.std(x, ddof=1)) if n > 1 else 1.0),
        odds_ratio_per_step=None,
        impact=None,
        drivers=[],
        scatter=_scatter(engine, q, n, measure.label, df),
        cautions=[],
        coverage=_group_coverage(engine, q),
    )


# ---------------------------------------------------------------------------------------------
# key drivers

_HASH_UNIT = 9007199254740992.0  # 2^53: the top 53 bits of a 64-bit hash as a uniform (0, 1)


def key_drivers(
    engine: Engine,
    tables: Sequence[TableInfo],
    filters: Filters | None = None,
    *,
    n_boot: int = 200,
    seed: int = 0,
) -> list[KeyDrivers]:
    """Shapley (LMG) shares of R² of NPS and of retention across the available UX measures."""
    measures = []
    for mid in UX_MEASURES:
        m = _from_metric(get_metric(mid), tables, mid)
        if m is not None and _has_id(m.table):
            measures.append(m)
    if not measures:
        return []
    results = []
    nps = _from_metric(get_metric("nps"), tables, "nps")
    if nps is not None and _has_id(nps.table):
        kd = _drivers_for(engine, measures, "nps", nps, None, filters, n_boot, seed)
        if kd:
            results.append(kd)
    try:
        out = resolve_outcome(tables, "retention")
    except RetentionError:
        out = None
    if out is not None and _has_id(out.table):
        kd = _drivers_for(engine, measures, "retention", None, out, filters, n_boot, seed)
        if kd:
            results.append(kd)
    return results


def _drivers_for(
    engine: Engine,
    measures: list[Measure],
    target: str,
    nps: Measure | None,
    out: OutcomeSource | None,
    filters: Filters | None,
    n_boot: int,
    seed: int,
) -> KeyDrivers | None:
    scans = [m.table for m in measures] + [nps.table if nps else out.table]  # type: ignore[union-attr]
    fp = _plan_filters(filters, scans, every_dated=True)
    b = _Builder()
    for i, m in enumerate(measures):
        _measure_ctes(b, m, f"m{i}", m.table.role_column("customer_id") or "", "customer_id", fp)
    if nps is not None:
        _measure_ctes(b, nps, "target", nps.table.role_column("customer_id") or "", "customer_id",
                      fp)  # fmt: skip
        target_label = "NPS (mean 0–10 score per customer)"
    else:
        assert out is not None
        _outcome_cte(b, out, fp, None)
        b.add(
            "target",
            "SELECT customer_id, 1 - churned AS x FROM outcome WHERE churned IN (0, 1)",
        )
        target_label = "Retention (retained = 1)"
    ctes, params = b.text(), tuple(b.params)
    joins = "".join(
        f"\n  LEFT JOIN m{i} ON m{i}.customer_id = t.customer_id" for i in range(len(measures))
    )
    cover = engine.query(
        ctes
        + "\nSELECT "
        + ", ".join(f"count(m{i}.x) AS n{i}" for i in range(len(measures)))
        + f"\nFROM target AS t{joins}\nWHERE t.x IS NOT NULL",
        params,
    ).to_pylist()[0]
    ns = [int(cover[f"n{i}"]) for i in range(len(measures))]
    best = max(ns)
    # Listwise deletion keeps one consistent set of customers; a measure few customers have
    # (a usability study of 50 people) would shrink it, so it is left out and said so.
    keep = [i for i, k in enumerate(ns) if k >= max(MIN_CUSTOMERS, 0.5 * best)]
    left_out = [
        f"{measures[i].label}: only {ns[i]:,} of the {best:,} customers with the most data have it."
        for i in range(len(measures))
        if i not in keep
    ]
    if not keep:
        return None
    names = [measures[i].key for i in keep]
    cols = [f"m{i}.x AS x{j}" for j, i in enumerate(keep)]
    inner = "".join(f"\n  JOIN m{i} ON m{i}.customer_id = t.customer_id" for i in keep)
    not_null = " AND ".join([f"m{i}.x IS NOT NULL" for i in keep] + ["t.x IS NOT NULL"])
    data_cte = (
        f",\nd AS MATERIALIZED (\n  SELECT t.customer_id, {', '.join(cols)}, t.x AS y\n  FROM target AS t{inner}"
        f"\n  WHERE {not_null}\n)"
    )
    v = [f"x{j}" for j in range(len(keep))] + ["y"]
    reps = max(int(n_boot), 0)
    # Above MAX_BOOT_ROWS customer × replicate rows, resample a hashed subsample of m customers
    # and shrink its spread by √(m/n) (m-out-of-n bootstrap): the same percentile interval to
    # first order, at a bounded cost on millions of customers. min(ns) bounds the listwise n.
    frac = min(1.0, MAX_BOOT_ROWS / (min(ns[i] for i in keep) * max(reps, 1)))
    (n, corr), (m, corr_sub), reps_corr = _boot_moments(
        engine, ctes + data_cte, params, v, reps, seed, frac
    )
    if n < MIN_CUSTOMERS:
        return None
    shares = stats.shapley_r2(corr, names)
    r2 = stats.r_squared(corr)
    boot_shares = np.full((reps, len(names)), math.nan)
    boot_r2 = np.full(reps, math.nan)
    if reps_corr:
        point_sub = stats.shapley_r2(corr_sub, names)
        r2_sub = stats.r_squared(corr_sub)
        shrink = math.sqrt(m / n)
        for r, c in enumerate(reps_corr):
            rep = stats.shapley_r2(c, names)
            boot_shares[r] = [shares[k] + shrink * (rep[k] - point_sub[k]) for k in names]
            boot_r2[r] = r2 + shrink * (stats.r_squared(c) - r2_sub)
    drivers = []
    for j, name in enumerate(names):
        lo, hi = stats.bootstrap_interval(boot_shares[:, j]) if reps else (math.nan, math.nan)
        drivers.append(
            Driver(name, measures[keep[j]].label, shares[name], lo, hi, float(corr[j, -1]))
        )
    drivers.sort(key=lambda d: -d.share if math.isfinite(d.share) else math.inf)
    return KeyDrivers(
        target=target,
        target_label=target_label,
        n=n,
        r2=r2,
        r2_ci=stats.bootstrap_interval(boot_r2) if reps else (math.nan, math.nan),
        drivers=drivers,
        left_out=left_out,
        n_boot=reps,
        method=(
            "Shapley (LMG) shares of R² from the per-customer correlation matrix (linear model; "
            f"for retention a linear-probability R²); 95% Bayesian-bootstrap intervals, {reps} "
            "replicates"
            + (f" on a subsample of {m:,} customers, rescaled" if frac < 1 and reps else "")
        ),
    )


def _boot_moments(
    engine: Engine,
    ctes: str,
    params: tuple,
    v: list[str],
    reps: int,
    seed: int,
    frac: float = 1.0,
) -> tuple[tuple[int, np.ndarray], tuple[int, np.ndarray], list[np.ndarray]]:
    """Correlation matrices from weighted moments summed in SQL, in one statement: all customers
    (n, matrix), the bootstrap (sub)sample (m, matrix) and its Bayesian-bootstrap replicates.

    Each customer gets Exp(1) weights, one per replicate, from a hash of (customer, replicate,
    seed) rather than random(): reproducible whatever the thread count or row order.
    """
    centred = ", ".join(f"d.{a} - mu.{a} AS {a}" for a in v)
    sub = (
        f"((hash(d.customer_id, {int(seed)}) >> 11) + 0.5) / {_HASH_UNIT} < {frac!r}"
        if frac < 1
        else "true"
    )
    weight = f"-ln(((hash(dc.customer_id, r.rep, {int(seed)}) >> 11) + 0.5) / {_HASH_UNIT})"
    extra = (
        f",\nmu AS (SELECT {', '.join(f'avg({a}) AS {a}' for a in v)} FROM d),\n"
        f"dc AS (\n  SELECT d.customer_id, {centred}, {sub} AS sub\n  FROM d, mu\n),\n"
        "bw AS (\n  SELECT -2 AS rep, 1.0 AS w, dc.* FROM dc\n  UNION ALL\n"
        f"  SELECT r.rep, CASE WHEN r.rep < 0 THEN 1.0 ELSE {weight} END AS w, dc.*\n"
        f"  FROM dc CROSS JOIN range(-1, {int(reps)}) AS r(rep)\n  WHERE dc.sub\n)"
    )
    sums = ["sum(w) AS sw"] + [f"sum(w * {a}) AS s_{a}" for a in v]
    sums += [f"sum(w * {a} * {c}) AS s_{a}_{c}" for ai, a in enumerate(v) for c in v[ai:]]
    rows = engine.query(
        f"{ctes}{extra}\nSELECT rep, {', '.join(sums)}\nFROM bw\nGROUP BY rep\nORDER BY rep",
        params,
    ).to_pylist()
    k = len(v)
    empty = (0, np.full((k, k), math.nan))
    by_rep: dict[int, tuple[int, np.ndarray]] = {}
    for row in rows:
        sw = row["sw"]
        mean = np.array([row[f"s_{a}"] / sw for a in v])
        cov = np.empty((k, k))
        for ai, a in enumerate(v):
            for ci in range(ai, k):
                c = v[ci]
                cov[ai, ci] = cov[ci, ai] = row[f"s_{a}_{c}"] / sw - mean[ai] * mean[ci]
        sd = np.sqrt(np.clip(np.diag(cov), 0, None))
        with np.errstate(divide="ignore", invalid="ignore"):
            corr = cov / np.outer(sd, sd)
        np.fill_diagonal(corr, 1.0)
        # A constant variable has no correlation: NaN, as DuckDB's corr() would say.
        corr[sd == 0, :] = math.nan
        corr[:, sd == 0] = math.nan
        by_rep[int(row["rep"])] = (int(round(sw)), corr)
    replicates = [by_rep[r][1] for r in range(reps) if r in by_rep]
    return by_rep.get(-2, empty), by_rep.get(-1, empty), replicates


# ---------------------------------------------------------------------------------------------
# cautions


def _cautions(a: RetentionAnalysis) -> list[str]:
    """Plain-language warnings for what the numbers can and cannot say."""
    q = a.query
    cov = a.coverage
    units = "customers" if q.level == "customer" else "groups"
    out = [
        "Correlation is not causation: customers with better UX may differ in plan, company "
        "size or how much they use the product, and any of those can also drive retention."
    ]
    if q.level == "group":
        out.append(
            f"These are {a.n} groups ({q.group_column or 'rows of the file'}), not customers: a "
            "correlation across group averages can be much stronger, weaker or even opposite to "
            "the link for individual customers (ecological fallacy), and with so few points its "
            "interval is very wide."
        )
    need = stats.power_n_for_r(R_FOR_POWER)
    if a.n < need:
        out.append(
            f"Only {a.n} {units}: detecting a correlation of {R_FOR_POWER} reliably (80% power) "
            f"needs about {need}, so a real but moderate link may not show here."
        )
    elif q.level == "customer" and a.n >= 1000:
        out.append(
            f"With {a.n:,} customers even a tiny correlation is statistically significant; judge "
            "the size of r and of the churn difference between bands, not the p-value."
        )
    with_outcome = cov.get("with_outcome", 0)
    if q.level == "customer" and with_outcome > a.n:
        out.append(
            f"Only {a.n:,} of {with_outcome:,} customers have a {q.ux_label} score; customers who "
            "answer surveys or take part in studies may differ from those who do not."
        )
    if q.level == "customer" and len(a.bands) and a.n:
        events = sum(b.events or 0 for b in a.bands)
        if events in (0, a.n):
            out.append(
                f"Every customer here has {q.direction.replace(' = 1', '') if events else 'not '}"
                f"{'' if events else q.direction.replace(' = 1', '')}, so the outcome cannot be "
                "related to UX."
            )
    if a.survival is not None:
        out.append(
            "Churn rates per band ignore how long each customer has been observed; the survival "
            "curves take that into account."
        )
    if a.impact is not None and a.impact.clv_change is not None:
        out.append(
            "The CLV change is a straight-line association of CLV with the score, not a forecast; "
            "CLV measured as revenue to date also grows with tenure."
        )
    if cov.get("out_of_scale"):
        out.append(
            f"{cov['out_of_scale']:,} responses outside the {q.ux_label} scale were left out."
        )
    if cov.get("conflicting"):
        out.append(
            f"{cov['conflicting']:,} customers have different churn flags on different rows; "
            "they count as churned."
        )
    for f in q.unapplied_filters:
        out.append(f"The filter on {f} does not apply to these files and was ignored.")
    return out
