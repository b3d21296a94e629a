"""What is measured: the score (a metric, a role or a numeric column) and the churn outcome.

A registry metric with a `score` (SUS, product NPS, app rating, NPS, CSAT, CES) is read as that
score: each customer's mean answer on the scale's own units, banded by the scale's categories.
Other metrics (task success, time on task …) are read through their per-row value.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..kinds import KINDS, Agg, KindName, kind_of
from ..metrics import (
    CX_SCORES,
    METRIC_BY_ID,
    METRICS,
    OUTCOME_METRICS,
    UX_MEASURES,
    BandScheme,
    Metric,
    ScoreBand,
    get_metric,
    score_variants,
)
from ..roles import ROLE_BY_NAME, Role, RoleKind, is_numeric_type
from ..sql import DUCKDB, Dialect, Missing, Planned, TableInfo, per_customer_tables, plan
from .errors import RetentionError

__all__ = [
    "OUTCOMES",
    "UX_MEASURES",
    "Measure",
    "OutcomeSource",
    "available_measures",
    "available_outcomes",
    "linked_measure",
    "resolve_measure",
    "resolve_outcome",
]

OUTCOMES = ("churned", "retention", "tenure")
_SCORES = ("scale", "numeric", "binary")
_NOT_SCORES = ("customer_id", "churned", "churn_date", "tenure", "clv", "signup_date", "date")


@dataclass(frozen=True)
class Measure:
    """How one UX score is read: its table, typed columns, per-row formula and per-unit score."""

    key: str
    label: str
    table: TableInfo
    columns: tuple[tuple[str, str, RoleKind], ...]  # (alias, column, role kind)
    value: str  # SQL over the aliases
    valid: str
    where: str
    kind: KindName  # how the per-unit score aggregates (proportion: a percentage)
    span: float | None  # width of the scale (None: unknown), picks the "+step" of the impact
    unit: str = ""  # "s" for seconds; otherwise points on the measure's scale
    family: str = ""  # "UX" or "CX" for a registry metric; "" for a column
    metric: str = ""  # the registry metric it is read from ("" for a column)
    bands: BandScheme = "quartile"  # how customers are banded
    categories: tuple[ScoreBand, ...] = ()  # the scale's own bands (bands nps/levels/low_mid_high)
    axis_title: str = ""  # the score axis, with its scale

    @property
    def is_sus(self) -> bool:
        """Banded by SUS grade."""
        return self.bands == "sus_grade"

    @property
    def per_unit(self) -> Agg:
        """The per-customer (or per-group) score over the scored rows' v and ok."""
        return KINDS[self.kind].per_unit

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
    # No tenure column: tenure in months from these (signup, churn date) columns, up to the churn
    # date or, for active customers, to tenure_end (the last date anywhere in the data).
    tenure_dates: tuple[str, str] | None = None
    tenure_end: dt.date | None = None

    @property
    def has_tenure(self) -> bool:
        """A tenure column, or signup and churn dates to derive it from."""
        return self.tenure is not None or self.tenure_dates is not None


def _measure(key: str, metric: Metric, planned: Planned) -> Measure:
    """A registry metric's variant on the table the planner chose: its score when it has one."""
    table, variant = planned.table, planned.variant
    kind = kind_of(metric)
    columns = tuple((r, table.role_column(r) or "", ROLE_BY_NAME[r].kind) for r in variant.roles)
    score = metric.score
    if score is not None:
        # The mean answer per customer, on the scale's own units (avg of v over in-scale rows).
        own_axis = not score.variants and not kind.signed
        return Measure(
            key=key,
            label=score.label,
            table=table,
            columns=columns,
            value=variant.value,
            valid=variant.valid,
            where=variant.where,
            kind="mean",
            span=score.scale[1] - score.scale[0],
            family=metric.family,
            metric=metric.id,
            bands=score.bands,
            categories=score.categories(),
            axis_title=metric.axis_title if own_axis and metric.axis_title else score.label,
        )
    return Measure(
        key=key,
        label=kind.score_label.format(label=metric.label),
        table=table,
        columns=columns,
        value=variant.value,
        valid=variant.valid,
        where=variant.where,
        kind=kind.name,
        span=kind.span_of(metric),
        unit="s" if metric.unit == "s" else "",
        family=metric.family,
        metric=metric.id,
        axis_title=metric.axis_title,
    )


def _planned(
    metric: Metric, tables: Sequence[TableInfo], dialect: Dialect = DUCKDB
) -> Planned | None:
    """The table and variant of the metric's per-customer score (its own variants for CSAT)."""
    variants = score_variants(metric)
    found = plan(replace(metric, variants=variants), tables, per_customer=True, dialect=dialect)
    return None if isinstance(found, Missing) else found


def _linkable_first(tables: Sequence[TableInfo], dialect: Dialect = DUCKDB) -> list[TableInfo]:
    """Tables whose rows name their customer (directly or through links) first: the order
    plan(per_customer=True) searches."""
    return per_customer_tables(tables, dialect)


def _role_span(role: Role) -> float | None:
    if role.kind == "binary":
        return KINDS["proportion"].span
    if role.scale and all(math.isfinite(v) for v in role.scale):
        return role.scale[1] - role.scale[0]
    return None


def _from_role(role: Role, table: TableInfo, key: str) -> Measure:
    """A single-role measure: the registry's variant for it when there is one (its scale check)."""
    for metric in METRICS:
        if metric.id in OUTCOME_METRICS:
            continue
        for v in score_variants(metric):
            if v.roles == (role.name,):
                return _measure(key, metric, Planned(table, v))
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
        kind="proportion" if binary else "mean",
        span=_role_span(role),
    )


def _from_column(t: TableInfo, ux: str) -> Measure:
    """A numeric (or yes/no) column of t that no role claims as something else."""
    typ = t.columns[ux].upper()
    if not (is_numeric_type(typ) or typ == "BOOLEAN"):
        raise RetentionError(
            f"Column '{ux}' is not numeric, so it cannot be a score.", "not_a_score"
        )
    for role_name, col in t.roles.items():
        role = ROLE_BY_NAME.get(role_name)
        if col == ux and role and role_name not in _NOT_SCORES and role.kind in _SCORES:
            return _from_role(role, t, ux)
    held = [r for r in _NOT_SCORES if t.role_column(r) == ux]
    if held:
        what = ROLE_BY_NAME[held[0]].label.lower()
        raise RetentionError(f"Column '{ux}' holds the {what}, not a score.", "not_a_score")
    binary = typ == "BOOLEAN"
    return Measure(
        key=ux,
        label=ux,
        table=t,
        columns=(("ux_value", ux, "binary" if binary else "numeric"),),
        value="{ux_value}",
        valid="{ux_value} IS NOT NULL",
        where="",
        kind="proportion" if binary else "mean",
        span=KINDS["proportion"].span if binary else None,
    )


def resolve_measure(tables: Sequence[TableInfo], ux: str, dialect: Dialect = DUCKDB) -> Measure:
    """A metric id (sus, csat …), a role name (sus_score, csat_score …) or a numeric column."""
    if ux in METRIC_BY_ID and ux not in OUTCOME_METRICS:
        metric = get_metric(ux)
        found = _planned(metric, tables, dialect)
        if found is None:
            needs = " or ".join(
                "the ten SUS items"
                if len(v.roles) == 10
                else f"a {ROLE_BY_NAME[v.roles[0]].label} column"
                for v in score_variants(metric)
            )
            raise RetentionError(
                f"{metric.label} needs {needs}; map one on the Data page.", "no_measure"
            )
        return _measure(ux, metric, found)
    if ux in ROLE_BY_NAME and ux not in _NOT_SCORES:
        role = ROLE_BY_NAME[ux]
        if role.kind not in _SCORES:
            raise RetentionError(
                f"{role.label} is not a score; choose a numeric UX measure.", "not_a_score"
            )
        for t in _linkable_first(tables, dialect):
            if t.role_column(ux):
                return _from_role(role, t, ux)
        raise RetentionError(
            f"No file has a column for {role.label}; map one on the Data page.", "no_measure"
        )
    for t in _linkable_first(tables, dialect):
        if ux in t.columns:
            return _from_column(t, ux)
    known = ", ".join((*UX_MEASURES, *CX_SCORES))
    raise RetentionError(
        f"'{ux}' is not a UX measure, CX score, role or column in these files; try one of: "
        f"{known}.",
        "unknown_measure",
    )


def linked_measure(metric_id: str, tables: Sequence[TableInfo]) -> Measure | None:
    """A registry metric as a per-customer measure, or None unless its rows name customers."""
    found = _planned(get_metric(metric_id), tables)
    if found is None or not found.table.has_customer_id:
        return None
    return _measure(metric_id, get_metric(metric_id), found)


def resolve_outcome(tables: Sequence[TableInfo], outcome: str) -> OutcomeSource:
    """The table with the churn flag (or churn date), preferring one row per customer."""
    if outcome not in OUTCOMES:
        raise RetentionError(
            f"'{outcome}' is not an outcome; use one of: {', '.join(OUTCOMES)}.",
            "unknown_outcome",
        )
    ordered = sorted(tables, key=lambda t: (not t.customer_unique, not t.has_customer_id))
    need_tenure = outcome == "tenure"
    for from_date in (False, True):
        role = "churn_date" if from_date else "churned"
        for t in ordered:
            col = t.role_column(role)
            tenure = t.role_column("tenure")
            dates = None if tenure else _tenure_dates(t)
            if col is None or (need_tenure and not (tenure or dates)):
                continue
            return OutcomeSource(t, col, from_date, tenure, t.role_column("clv"), dates)
    if need_tenure and any(t.role_column("churned") or t.role_column("churn_date") for t in tables):
        raise RetentionError(
            "Survival by UX needs a tenure column (months as a customer) next to the churn "
            "flag, or signup and churn dates; map them on the Data page.",
            "no_tenure",
        )
    raise RetentionError(
        "This analysis needs a churn column; map one on the Data page.", "no_outcome"
    )


def _tenure_dates(t: TableInfo) -> tuple[str, str] | None:
    """(signup, churn date) columns when both are mapped: tenure can be derived from them."""
    signup, churn = t.role_column("signup_date"), t.role_column("churn_date")
    return (signup, churn) if signup and churn else None


def available_measures(tables: Sequence[TableInfo], include_columns: bool = False) -> list[str]:
    """Scores computable from these tables: UX measures (the four main ones first), then the CX
    scores (registry order), optionally numeric columns."""
    out = [m for m in UX_MEASURES if _planned(get_metric(m), tables)]
    for metric in METRICS:
        if metric.family == "UX" and metric.id not in out and _planned(metric, tables):
            out.append(metric.id)
    out += [m for m in CX_SCORES if _planned(get_metric(m), tables)]
    if include_columns:
        for t in per_customer_tables(tables):
            if not t.has_customer_id:
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
