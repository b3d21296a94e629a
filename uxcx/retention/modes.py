"""The per-unit SQL of each way scores and churn flags can be linked, and the UX bands.

customer: joined on customer_id · rows: one file, each row a customer · group: mean UX per
shared segment against the customers in it · group_rates: rows that hold a group's churn rate.
Each ends with the CTEs `pc` (one row per unit) and `cust` (customer rows with their band).
"""

from __future__ import annotations

from .. import stats
from ..sql import TableInfo
from .ctes import (
    Builder,
    FilterPlan,
    as_key,
    churn_expr,
    measure_ctes,
    outcome_columns,
    outcome_cte,
    scored,
    ux_columns,
    ux_cte,
)
from .measures import Measure, OutcomeSource

QUARTILES = (0.25, 0.5, 0.75)


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


def group_label_column(t: TableInfo) -> str | None:
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


def _y(outcome: str, churned: str = "churned") -> str:
    return f"1 - {churned}" if outcome == "retention" else churned


def _outcome_optional(out: OutcomeSource, prefix: str = "o.") -> str:
    tenure = f"{prefix}tenure" if out.has_tenure else "CAST(NULL AS DOUBLE)"
    clv = f"{prefix}clv" if out.clv else "CAST(NULL AS DOUBLE)"
    return f"{tenure} AS tenure, {clv} AS clv"


def _category_case(m: Measure, x: str) -> str:
    """CASE giving 1 … k, the scale category (worst first) of each customer's rounded score."""
    cats = m.categories
    # floor(x + 0.5): half up, the same on every engine; a single answer is its own level.
    whens = " ".join(
        f"WHEN floor({x} + 0.5) <= {c.hi:g} THEN {i}" for i, c in enumerate(cats[:-1], 1)
    )
    return f"CASE {whens} ELSE {len(cats)} END"


def _band_ctes(b: Builder, m: Measure, outcome: str) -> None:
    """pc from linked: y in the outcome's direction and the band (SUS grade, the scale's
    categories or quartile)."""
    d = b.dialect
    if m.categories:
        whens = " ".join(
            f"WHEN {i} THEN {d.quote_literal(c.label)}" for i, c in enumerate(m.categories, 1)
        )
        label = f"CASE band {whens} END"
        b.add("banded", f"SELECT *, {_category_case(m, 'x')} AS band\n  FROM linked")
    elif m.is_sus:
        band = _sus_band_case("x")
        whens = " ".join(
            f"WHEN {k} THEN {d.quote_literal(v)}" for k, v in sus_band_labels().items()
        )
        label = f"CASE band {whens} END"
        b.add("banded", f"SELECT *, {band} AS band\n  FROM linked")
    else:
        cuts = d.quantile("x", d.list_literal(QUARTILES))
        b.add("cuts", f"SELECT {cuts} AS q FROM linked")
        q = [d.list_element("q", i) for i in (1, 2, 3)]
        b.add(
            "banded",
            f"SELECT linked.*, CASE WHEN x <= {q[0]} THEN 1 WHEN x <= {q[1]} THEN 2 "
            f"WHEN x <= {q[2]} THEN 3 ELSE 4 END AS band\n  FROM linked, cuts",
        )
        label = "'Q' || band"
    b.add(
        "pc",
        f"SELECT unit, x, churned, {_y(outcome)} AS y, tenure, clv, band,\n"
        f"    {label} AS band_label\n  FROM banded",
    )
    b.add("cust", "SELECT * FROM pc")


_LINKED = (
    "SELECT ux.customer_id AS unit, ux.x, o.churned, {opt}\n"
    "  FROM ux JOIN outcome AS o ON ux.customer_id = o.customer_id\n"
    "  WHERE ux.x IS NOT NULL AND o.churned IN (0, 1)"
)


def sql_customer(b: Builder, m: Measure, out: OutcomeSource, outcome: str, fp: FilterPlan) -> None:
    """UX per customer (mean over responses) joined on customer_id to the customer's outcome."""
    measure_ctes(b, m, "ux", m.table.role_column("customer_id") or "", "customer_id", fp)
    outcome_cte(b, out, fp, None)
    b.add("linked", _LINKED.format(opt=_outcome_optional(out)))
    _band_ctes(b, m, outcome)


def sql_rows(b: Builder, m: Measure, out: OutcomeSource, outcome: str, fp: FilterPlan) -> None:
    """One file, no customer id: each row is a customer."""
    d = b.dialect
    where, params = fp.where(m.table, "b")
    cols = ",\n    ".join(
        [
            "row_number() OVER () AS customer_id",
            *ux_columns(d, m, "b"),
            *outcome_columns(d, out, "b"),
        ]
    )
    # Materialized so the row numbers are assigned once for both uses below.
    b.add("rows_", f"SELECT {cols}\n  FROM {m.table.source} AS b{where}", params, True)
    b.add("ux_scored", scored(m, "customer_id", "rows_"))
    b.add("ux", ux_cte(d, m, "customer_id"))
    b.add(
        "outcome",
        f"SELECT customer_id, churned, 1 AS churn_values, {_outcome_optional(out, '')}\n"
        "  FROM rows_",
    )
    b.add("linked", _LINKED.format(opt=_outcome_optional(out)))
    _band_ctes(b, m, outcome)


def sql_group(
    b: Builder, m: Measure, out: OutcomeSource, outcome: str, fp: FilterPlan, group_col: str
) -> None:
    """No customer link: mean UX per group (segment) against customers' churn in that group."""
    measure_ctes(b, m, "ux", group_col, "grp", fp)
    outcome_cte(b, out, fp, group_col)
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


def sql_group_rates(
    b: Builder,
    m: Measure,
    out: OutcomeSource,
    outcome: str,
    fp: FilterPlan,
    group_col: str | None,
    divisor: float,
) -> None:
    """Rows that each hold a group's churn rate (e.g. per product) against the group's mean UX."""
    d = b.dialect

    def rate(alias: str) -> str:
        return f"{churn_expr(d, out, alias, rates=True)} / {divisor:g}"

    if group_col is None:  # one table: its rows are the groups
        label = group_label_column(m.table)
        key = f"b.{d.quote_ident(label)}" if label else "row_number() OVER ()"
        where, params = fp.where(m.table, "b")
        cols = ",\n    ".join(
            [f"{d.as_text(key)} AS grp", *ux_columns(d, m, "b"), f"{rate('b')} AS rate"]
        )
        b.add("rows_", f"SELECT {cols}\n  FROM {m.table.source} AS b{where}", params, True)
        b.add("ux_scored", scored(m, "grp", "rows_"))
        b.add("ux", ux_cte(d, m, "grp"))
        b.add("rates", "SELECT grp, avg(rate) AS rate\n  FROM rows_\n  GROUP BY grp")
    else:
        measure_ctes(b, m, "ux", group_col, "grp", fp)
        where, params = fp.where(out.table, "c")
        b.add(
            "rates",
            f"SELECT {as_key(d, 'c', group_col)} AS grp, avg({rate('c')}) AS rate\n"
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
