"""The per-unit SQL: how scores and churn flags are linked (customer or group) and banded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ..sql import DUCKDB, Dialect, Filters, TableInfo
from .ctes import Builder, plan_filters
from .errors import RetentionError
from .measures import Measure, OutcomeSource, resolve_measure, resolve_outcome
from .modes import group_label_column, sql_customer, sql_group, sql_group_rates, sql_rows

Level = Literal["customer", "group"]
Mode = Literal["customer", "rows", "group", "group_rates"]
BandKind = Literal["sus_grade", "quartile", "group", "nps_category", "level", "low_mid_high"]
# The band kind of each score band scheme (customer level).
_BAND_KINDS: dict[str, BandKind] = {
    "sus_grade": "sus_grade",
    "nps": "nps_category",
    "levels": "level",
    "low_mid_high": "low_mid_high",
    "quartile": "quartile",
}
# Band kinds that are the scale's own categories (customers placed by their rounded mean).
CATEGORY_BANDS: frozenset[BandKind] = frozenset(("nps_category", "level", "low_mid_high"))
Direction = Literal["churned = 1", "retained = 1"]


@dataclass(frozen=True)
class RetentionQuery:
    """The SQL that yields one row per analysis unit (customer or group), and what it means.

    `ctes` ends with `pc` (unit, x, churned, y, …) and `cust` (customer rows with band, band_label,
    x, y, churned, tenure); at customer level `cust` is `pc`. Append a SELECT to run anything.
    """

    level: Level
    mode: Mode
    ctes: str
    params: tuple[object, ...]
    ux: str
    ux_label: str
    outcome: str
    outcome_label: str
    direction: Direction
    band_kind: BandKind
    has_tenure: bool
    has_clv: bool
    group_column: str | None
    ux_table: str
    outcome_table: str
    measure: Measure
    unapplied_filters: tuple[str, ...] = ()
    # Tenure derived from signup and churn dates, active customers observed up to this date.
    tenure_end: dt.date | None = None
    tenure_columns: tuple[str, str] | None = None  # (signup, churn date) it is derived from

    @property
    def sql(self) -> str:
        """The per-unit rows (snapshot-tested)."""
        return self.select("SELECT * FROM pc\nORDER BY unit")

    def select(self, tail: str, extra_ctes: str = "") -> str:
        """The CTE chain, optional extra CTEs (", name AS (…)"), then a final statement."""
        return f"{self.ctes}{extra_ctes}\n{tail}"


def _shared_segment(a: TableInfo, b: TableInfo) -> str | None:
    """A column both tables have and at least one maps as a segment (the group to correlate on)."""

    def segs(t: TableInfo) -> list[str]:
        v = t.roles.get("segment") or []
        return [v] if isinstance(v, str) else list(v)

    for col in [*segs(a), *segs(b)]:
        if col in a.columns and col in b.columns:
            return col
    return None


def _no_link(m: Measure, out: OutcomeSource) -> RetentionError:
    return RetentionError(
        f"The {m.label} scores ({m.table.name}) cannot be linked to the churn flags "
        f"({out.table.name}): map a customer id in both files, or give both a shared segment "
        "column.",
        "no_link",
    )


def _mode(m: Measure, out: OutcomeSource, rates: bool) -> tuple[Mode, str | None]:
    """How the scores reach the churn flags, and the segment column linking them (if any)."""
    same = m.table.name == out.table.name
    if rates:
        if same:
            return "group_rates", None
        group_col = _shared_segment(m.table, out.table)
        if group_col is None:
            raise _no_link(m, out)
        return "group_rates", group_col
    if m.table.has_customer_id and out.table.has_customer_id:
        return "customer", None
    if same:
        return "rows", None
    group_col = _shared_segment(m.table, out.table)
    if group_col is None:
        raise _no_link(m, out)
    return "group", group_col


def build_query(
    tables: Sequence[TableInfo],
    ux: str,
    outcome: str,
    filters: Filters | None = None,
    *,
    churn_rates: float | None = None,
    data_end: dt.date | None = None,
    dialect: Dialect = DUCKDB,
) -> RetentionQuery:
    """Plan the per-unit SQL (pure). churn_rates: the churn column holds rates, divide by this;
    data_end: the last date in the data, where tenure from dates stops for active customers."""
    m = resolve_measure(tables, ux, dialect)
    out = resolve_outcome(tables, outcome)
    if out.tenure_dates is not None:
        if data_end is None:  # no end to measure active customers' tenure up to
            if outcome == "tenure":
                raise RetentionError(
                    "Survival needs a tenure column, or signup and churn dates to derive it from; "
                    "the date columns are empty.",
                    "no_tenure",
                )
            out = replace(out, tenure_dates=None)
        else:
            out = replace(out, tenure_end=data_end)
    mode, group_col = _mode(m, out, churn_rates is not None)
    same = m.table.name == out.table.name
    scans = [m.table] if same else [m.table, out.table]
    fp = plan_filters(filters, scans, dialect)
    b = Builder(dialect)
    if mode == "customer":
        sql_customer(b, m, out, outcome, fp)
    elif mode == "rows":
        sql_rows(b, m, out, outcome, fp)
    elif mode == "group":
        sql_group(b, m, out, outcome, fp, group_col or "")
    else:
        sql_group_rates(b, m, out, outcome, fp, group_col, churn_rates or 1.0)
    level: Level = "customer" if mode in ("customer", "rows") else "group"
    from_dates = out.tenure_dates is not None and mode != "group_rates"
    band_kind: BandKind = _BAND_KINDS[m.bands] if level == "customer" else "group"
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
        has_tenure=out.has_tenure and mode != "group_rates",
        has_clv=out.clv is not None and level == "customer",
        group_column=group_col or (group_label_column(m.table) if mode == "group_rates" else None),
        ux_table=m.table.name,
        outcome_table=out.table.name,
        measure=m,
        unapplied_filters=tuple(fp.unapplied),
        tenure_end=out.tenure_end if from_dates else None,
        tenure_columns=out.tenure_dates if from_dates else None,
    )
