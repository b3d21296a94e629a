"""Every sentence the retention analysis says: headline, cautions, how to read it, band names,
tile and chart captions, methods. Pure functions from the analysis to text (formatted with
uxcx.labels), so the page, the CLI and any report word the same numbers the same way.

Functions taking `esc` apply it to names that come from the user's files (column names, band
labels): the page passes its Markdown escape, plain-text callers leave the identity.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from .. import stats
from ..labels import MINUS, fmt_ci_num, fmt_num, fmt_p, fmt_pct
from .measures import Measure
from .queries import RetentionQuery
from .report import RetentionAnalysis
from .results import R_FOR_POWER, Band, KeyDrivers, Survival
from .wording import Escape
from .wording import comparison_caption as comparison_caption  # re-exported: one place to look
from .wording import comparison_rows as comparison_rows
from .wording import comparison_sentence as comparison_sentence
from .wording import same as _same


class Tile(NamedTuple):
    """One headline statistic: label, value, the lines under it and its help text."""

    label: str
    value: str
    lines: list[str]
    help: str


# ---- words and names ---------------------------------------------------------------------------
def outcome_word(direction: str) -> str:
    """'Churned' or 'Retained': what y = 1 means."""
    return "Retained" if direction.startswith("retained") else "Churned"


def _units(a: RetentionAnalysis) -> str:
    return "customers" if a.level == "customer" else "groups"


def _amount(x: float) -> str:
    """A signed amount in the file's currency with thousands separators: '+1,234', '−56'."""
    return f"{x:+,.0f}".replace("-", MINUS)


def step_label(measure: Measure, step: float) -> str:
    """The step the impact speaks of: '+10 points of SUS', '+1 percentage point of …'."""
    label = measure.label.removesuffix(" (%)")
    if measure.kind == "proportion":
        unit = "percentage point" if step == 1 else "percentage points"
    elif measure.unit:
        unit = measure.unit
    else:
        unit = "point" if step == 1 else "points"
    return f"+{step:g} {unit} of {label}"


def choice_label(measure: Measure) -> str:
    """How a score is offered: its name and family, 'SUS (UX)', 'CSAT score 1–5 (CX)'."""
    return f"{measure.label} ({measure.family})" if measure.family else measure.label


class BandWords(NamedTuple):
    """How the bands are named: chart title, 'churned by …' heading, survival legend title."""

    title: str
    heading: str
    legend: str


def band_words(q: RetentionQuery) -> BandWords:
    """The words for the bands of this analysis (a group-level one: its group column)."""
    m = q.measure
    if q.band_kind == "sus_grade":
        return BandWords("SUS grade (Sauro–Lewis)", "SUS grade", "SUS grade")
    if q.band_kind == "quartile":
        return BandWords("Quartile of the score", "quartile of the score", "Quartile")
    if q.band_kind == "nps_category":
        return BandWords("NPS group", "NPS group (detractor / passive / promoter)", "NPS group")
    if q.band_kind == "level" and m.categories:
        lo, hi = m.categories[0].lo, m.categories[-1].hi
        return BandWords(f"{m.label}: answer", f"answer on the {lo:g}–{hi:g} scale", "Answer")
    if q.band_kind == "low_mid_high":
        return BandWords(f"{m.label}: low / mid / high", "low / mid / high answer", "Band")
    group = q.group_column or "Group"
    return BandWords(group, group, "Group")


def band_method(q: RetentionQuery, several: int) -> str:
    """How customers were placed in the scale's categories (for the method line)."""
    m = q.measure
    if q.band_kind == "level":
        what = f"one per answer {m.categories[0].lo:g}–{m.categories[-1].hi:g}"
    else:
        what = "the scale's categories " + " / ".join(c.label for c in m.categories)
    if not several:
        return f"bands: {what}, by each customer's single answer"
    return (
        f"bands: {what}; {several:,} customers with several answers are placed by their mean "
        "rounded half up"
    )


def tenure_sentence(q: RetentionQuery) -> str | None:
    """Where tenure came from when the file has dates but no tenure column (None otherwise)."""
    if q.tenure_end is None or q.tenure_columns is None:
        return None
    signup, churn = q.tenure_columns
    return (
        f"Tenure: months (days / 30.4375) from '{signup}' to '{churn}' for churned customers, or "
        f"to {q.tenure_end.isoformat()}, the last date anywhere in the data, for active ones "
        "(censored there)."
    )


def _edge(v: float, span: float) -> str:
    return f"{v:.2f}" if span < 10 else f"{v:.1f}"


def quartile_band_labels(bounds: Sequence[tuple[float, float]]) -> list[str]:
    """Quartile bands (lowest first) with their score ranges: 'Q1 (1.00–2.00)', 'Low (…)'."""
    span = float(max(hi for _, hi in bounds) - min(lo for lo, _ in bounds)) if bounds else 0.0
    # Tied scores at a cut point leave a quartile empty; name what is left by position instead.
    names = {4: ["Q1", "Q2", "Q3", "Q4"], 3: ["Low", "Middle", "High"], 2: ["Lower", "Upper"]}
    positional = names.get(len(bounds), ["All"] * len(bounds))
    return [
        f"{name} ({_edge(lo, span)}–{_edge(hi, span)})"
        for name, (lo, hi) in zip(positional, bounds, strict=True)
    ]


def band_name(a: RetentionAnalysis, band: Band, top: bool) -> str:
    """How the headline names a band: 'SUS grade A (≥78.9)', 'the top quartile…, scoring 9–10'."""
    q = a.query
    if q.band_kind == "sus_grade":
        return f"SUS grade {band.band}" if top else f"grade {band.band}"
    if q.band_kind == "level":
        return f"level {band.band} of {q.ux_label}" if top else f"level {band.band}"
    if q.band_kind in ("nps_category", "low_mid_high"):
        return f"the {band.band} group of {q.ux_label}" if top else f"the {band.band} group"
    if q.band_kind == "quartile":
        rng = f"{band.x_min:,.3g}–{band.x_max:,.3g}"
        if len(a.bands) == 4:
            which = "top" if top else "bottom"
            of = f" of {q.ux_label}" if top else ""
            return f"the {which} quartile{of}, scoring {rng}"
        return f"the {'highest' if top else 'lowest'} {q.ux_label} band, scoring {rng}"
    return str(band.band)


# ---- the finding -------------------------------------------------------------------------------
def headline(a: RetentionAnalysis) -> str:
    """The finding in one plain sentence, with its uncertainty and its limits."""
    q = a.query
    p = a.pearson
    r_text = f"r = {fmt_num(p.r)} ({fmt_ci_num(p.ci_low, p.ci_high)})"
    spans_zero = p.ci_low <= 0 <= p.ci_high
    unit = _units(a)
    if not math.isfinite(p.r):
        return (
            f"No correlation can be computed for these {a.n:,} {unit}: either every "
            f"{q.ux_label} score or every outcome is the same, so there is nothing to relate."
        )
    tail = (
        ": no clear association in these data."
        if spans_zero
        else " — an association, not proof of cause."
    )
    if a.level == "group":
        what = "churn rate" if q.direction == "churned = 1" else "retention rate"
        return (
            f"Across {a.n} groups ({q.group_column or 'rows'}), mean {q.ux_label} and "
            f"{what} correlate at {r_text}. This describes group averages, not individual "
            "customers" + tail
        )
    worst, best = a.bands[0], a.bands[-1]
    top_name, low_name = band_name(a, best, True), band_name(a, worst, False)
    # "…the top quartile of X, scoring 9–10, churned": close the apposition mid-sentence.
    top_name += "," if ", scoring" in top_name else ""
    surv = a.survival
    if q.outcome == "tenure" and surv is not None:
        by = {b.band: b for b in surv.bands}
        sb, sw = by.get(best.band), by.get(worst.band)
        t = next((t for t, v in surv.overall.at.items() if v is not None), None)
        if sb and sw and t is not None:
            return (
                f"After {t} months, {fmt_pct(sb.at[t])} of customers in {top_name} "
                f"were still customers vs {fmt_pct(sw.at[t])} for {low_name} "
                f"(log-rank {fmt_p(surv.logrank.p)}); {r_text}, n = {a.n:,} {unit}" + tail
            )
    verb = "were retained" if q.outcome == "retention" else "churned"
    return (
        f"Customers in {top_name} {verb} {fmt_pct(best.rate)} vs {fmt_pct(worst.rate)} "
        f"for {low_name}; {r_text}, n = {a.n:,} {unit}" + tail
    )


def _corr_lines(c: stats.CorrResult, units: str) -> list[str]:
    return [fmt_ci_num(c.ci_low, c.ci_high), f"{fmt_p(c.p)} · n = {c.n:,} {units}"]


def tiles(a: RetentionAnalysis, esc: Escape = _same) -> list[Tile]:
    """Pearson (point-biserial), Spearman, odds ratio per step, and the best-vs-worst band gap."""
    q = a.query
    word = outcome_word(q.direction).lower()
    units = _units(a)
    p, s = a.pearson, a.spearman
    out = [
        Tile(
            "Point-biserial r" if a.level == "customer" else "Pearson r",
            fmt_num(p.r),
            _corr_lines(p, units),
            f"Pearson correlation of {q.ux_label} with {q.direction} (for a yes/no outcome this "
            "is the point-biserial r). Fisher-z interval. "
            + (
                "Negative: higher scores go with less churn."
                if word == "churned"
                else "Positive: higher scores go with more retention."
            ),
        ),
        Tile(
            "Spearman ρ",
            fmt_num(s.r),
            _corr_lines(s, units),
            "Rank correlation: robust to outliers and to a curved but monotone link.",
        ),
    ]
    step = a.impact.step_label if a.impact else f"+{a.step:g}"
    if a.odds_ratio_per_step is not None and a.logistic is not None:
        orv, lo, hi = a.odds_ratio_per_step
        odds = "churning" if word == "churned" else "staying"
        out.append(
            Tile(
                "Odds ratio",
                fmt_num(orv),
                [
                    f"odds of {odds} per {step}",
                    fmt_ci_num(lo, hi),
                    f"{fmt_p(a.logistic.p)} · n = {a.logistic.n:,} customers",
                ],
                "Logistic regression of the outcome on the score. Below 1: the odds fall as the "
                "score rises; 1 = no link.",
            )
        )
    else:
        out.append(
            Tile(
                "Odds ratio",
                "–",
                ["needs one row per customer (a customer id in both files)"],
                "Logistic regression needs per-customer outcomes; group averages cannot give it.",
            )
        )
    d = a.band_gap
    if d is not None:
        worst, best = a.bands[0], a.bands[-1]
        ci = fmt_ci_num(100 * d.ci_low, 100 * d.ci_high, 1, sign=True)
        out.append(
            Tile(
                f"{word.capitalize()}: best vs worst band",
                f"{fmt_num(100 * d.diff, 1, sign=True)} pts",
                [
                    f"{fmt_pct(best.rate, 1)} vs {fmt_pct(worst.rate, 1)}",
                    f"{ci} pts · {fmt_p(d.p)}",
                ],
                f"Share {word} in the best band ({best.band}) minus the worst ({worst.band}), "
                "percentage points; Agresti–Caffo interval.",
            )
        )
    else:
        out.append(Tile("Groups", f"{a.n}", [esc(q.group_column or "rows")], "Units analysed."))
    return out


# ---- cautions and how to read --------------------------------------------------------------------
def ecological_caution(a: RetentionAnalysis) -> str:
    """Why a correlation across groups says little about customers."""
    return (
        f"These are {a.n} groups ({a.query.group_column or 'rows of the file'}), not customers: "
        "a correlation across group averages can be much stronger, weaker or even opposite to "
        "the link for individual customers (ecological fallacy), and with so few points its "
        "interval is very wide."
    )


def cautions(a: RetentionAnalysis) -> list[str]:
    """Plain-language warnings for what the numbers can and cannot say."""
    q = a.query
    cov = a.coverage
    units = _units(a)
    out = [
        "Correlation is not causation: customers with better UX may differ in plan, company "
        "size or how much they use the product, and any of those can also drive retention."
    ]
    if q.level == "group":
        out.append(ecological_caution(a))
    need = a.power_n
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
            what = q.direction.replace(" = 1", "")
            out.append(
                f"Every customer here has {what if events else 'not '}{'' if events else what}, "
                "so the outcome cannot be related to UX."
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


def how_to_read(a: RetentionAnalysis) -> list[str]:
    """The caution box: the cautions, what the sample can detect, and how to read the charts."""
    lines = list(a.cautions)
    if a.n >= a.power_n:
        seen = (
            f" The r seen here ({fmt_num(abs(a.pearson.r))}) would need about {a.power_n_seen:,}."
            if a.power_n_seen is not None
            else ""
        )
        lines.append(
            f"Power: a correlation of r = {R_FOR_POWER} needs about {a.power_n} {_units(a)} to "
            f"be detected reliably (80% power); this analysis has {a.n:,}.{seen}"
        )
    lines.append(
        "Shaded bands and error bars are 95% confidence intervals; a band or bin with fewer than "
        "20 customers is grey: too few for a stable estimate."
    )
    return lines


# ---- chart captions ----------------------------------------------------------------------------
def strip_caption(a: RetentionAnalysis) -> str:
    """Under the per-customer score chart and its outcome strip."""
    word = outcome_word(a.direction).lower()
    binned = a.scatter.kind == "binned"
    return (
        f"Dots: share {word} per score bin (size = customers, bar = 95% adjusted-Wald CI; grey = "
        "fewer than 20). Line and band: logistic fit with its 95% CI. Strip: customers per bin "
        "and outcome" + (" (binned: too many customers to draw one by one)." if binned else ".")
    )


def band_caption(a: RetentionAnalysis) -> str:
    """What the band bars show, and what they ignore."""
    word = outcome_word(a.direction).lower()
    overall = a.overall_rate
    if overall is None:  # a file of group rates: no customer counts, so no intervals
        return f"Bars: {word} rate per group as given in the file (no customer counts)."
    customers = sum(b.n or 0 for b in a.bands)
    return (
        f"Bars: share {word} by the end of the data, 95% adjusted-Wald CI; dashed: all "
        f"{customers:,} customers ({fmt_pct(overall, 1)}). Ignores how long each customer was "
        "observed; the survival curves below do not."
    )


def km_caption(y_floor: float) -> str:
    """Under the Kaplan–Meier chart; y_floor: where its y axis starts (0 when at the bottom)."""
    return (
        "Kaplan–Meier estimate; churn is the event, active customers are censored at their "
        "tenure. Shaded: 95% CI (Greenwood, log(−log))."
        + (f" The y axis starts at {fmt_pct(y_floor)}." if y_floor > 0 else "")
    )


def logrank_caption(s: Survival) -> str:
    """The log-rank test's statistic and sample under its p-value."""
    lr = s.logrank
    return f"χ² = {lr.chi2:.1f}, df = {lr.df} · n = {s.overall.n:,} customers"


def median_caption(s: Survival, esc: Escape = _same) -> str:
    """Median lifetime per band, or why there is none."""
    med = [b for b in s.bands if b.median is not None]
    if not med:
        return (
            "Median lifetime: not reached in any band: more than half of every band was "
            "still a customer at the end of the data."
        )
    return (
        "Median lifetime: "
        + "; ".join(f"{esc(b.band)}: {_months(b.median)} months" for b in med)
        + "."
    )


def _months(x: float | None) -> str:
    """Whole months as they are ('28'); tenure derived from dates to one decimal ('27.2')."""
    if x is None:
        return "–"
    return f"{x:g}" if float(x).is_integer() else f"{x:.1f}"


def survival_gap_caption(a: RetentionAnalysis, esc: Escape = _same) -> str | None:
    """Still a customer after the first reported month, best band against worst (or None)."""
    s = a.survival
    if s is None or not a.bands:
        return None
    worst = next((b for b in s.bands if b.band == a.bands[0].band), None)
    best = next((b for b in s.bands if b.band == a.bands[-1].band), None)
    t = next((t for t, v in s.overall.at.items() if v is not None), None)
    if not (worst and best and t is not None):
        return None
    return (
        f"Still a customer after {t} months: {fmt_pct(best.at[t])} in {esc(best.band)} vs "
        f"{fmt_pct(worst.at[t])} in {esc(worst.band)}."
    )


# ---- impact --------------------------------------------------------------------------------------
def impact_value(a: RetentionAnalysis) -> str:
    """The change in P(outcome) per step, in percentage points: '−2.1 pts'."""
    assert a.impact is not None
    return f"{fmt_num(100 * a.impact.outcome_change.value, 1, sign=True)} pts"


def impact_caption(a: RetentionAnalysis) -> str:
    """What the change is in, and its interval."""
    assert a.impact is not None
    oc = a.impact.outcome_change
    what = "churn" if outcome_word(a.direction) == "Churned" else "retention"
    ci = fmt_ci_num(100 * oc.ci_low, 100 * oc.ci_high, 1, sign=True)
    return f"percentage points of {what} probability  \n{ci} pts"


def clv_value(a: RetentionAnalysis) -> str:
    """The CLV change per step ('–' without a CLV column)."""
    clv = a.impact.clv_change if a.impact else None
    return "–" if clv is None else _amount(clv.value)


def clv_caption(a: RetentionAnalysis) -> str:
    """The CLV change's interval, or what it needs."""
    clv = a.impact.clv_change if a.impact else None
    if clv is None:
        return "Needs a CLV column per customer (map it on the Data page)."
    return f"95% CI {_amount(clv.ci_low)} … {_amount(clv.ci_high)} · in the CLV column's currency"


def impact_sentence(a: RetentionAnalysis, esc: Escape = _same) -> str:
    """The step's association in words, Markdown-emphasised, with the not-a-cause caveat."""
    im = a.impact
    assert im is not None
    q = a.query
    oc, clv = im.outcome_change, im.clv_change
    churn = outcome_word(q.direction) == "Churned"
    base = a.overall_rate
    # step_label is "+10 points of SUS": keep "10 points".
    step_size = im.step_label.split(" of ", 1)[0].lstrip("+")
    return (
        f"Customers scoring {esc(step_size)} higher on {esc(q.ux_label)} "
        f"{'churn' if churn else 'are retained'} "
        f"**{fmt_num(abs(100 * oc.value), 1)} percentage points "
        f"{'less' if oc.value < 0 else 'more'}** often on average"
        + (f" (against {fmt_pct(base, 1)} overall)" if base is not None else "")
        + (
            f" and have a CLV about **{clv.value:,.0f} {'higher' if clv.value >= 0 else 'lower'}**"
            if clv is not None
            else ""
        )
        + ". This is an **association** in observational data: it does not say that raising "
        f"{esc(q.ux_label)} by {esc(step_size)} would *cause* these changes."
    )


def impact_method(a: RetentionAnalysis, esc: Escape = _same) -> str:
    """How the impact was estimated."""
    im = a.impact
    assert im is not None
    return (
        f"Method: {esc(im.outcome_change.method)}; logistic regression of {esc(a.direction)} on "
        "the score" + (f"; CLV: {esc(im.clv_method)}" if im.clv_change is not None else "") + "."
    )


# ---- key drivers and methods -------------------------------------------------------------------
def drivers_caption(kd: KeyDrivers) -> str:
    """Under a key-driver chart: R² of all measures together, n and the bootstrap."""
    return (
        f"All measures together: R² = {fmt_num(kd.r2)} ({fmt_ci_num(*kd.r2_ci)}) · n = "
        f"{kd.n:,} customers with every measure · 95% Bayesian-bootstrap intervals, "
        f"{kd.n_boot} replicates"
        + (" · linear-probability model for a yes/no target" if kd.target == "retention" else "")
    )


def methods(a: RetentionAnalysis) -> list[str]:
    """Methods, coverage and the data used, one line each."""
    q = a.query
    cov = a.coverage
    lines = [f"Correlation: {a.method}."]
    if a.logistic is not None:
        lines.append(f"Odds ratio: {a.logistic.method}, Wald 95% CI.")
    lines.append("Rates by band: adjusted-Wald (Agresti–Coull) 95% CIs.")
    if a.survival is not None:
        lines.append(
            "Survival: Kaplan–Meier with Greenwood log(−log) 95% CIs; k-group log-rank test."
        )
    tenure = tenure_sentence(q)
    if tenure is not None:
        lines.append(tenure)
    if q.level == "customer" and cov.get("with_outcome"):
        lines.append(
            f"Coverage: {a.n:,} of {cov['with_outcome']:,} customers with a churn flag have a "
            f"{q.ux_label} score."
        )
    lines.append(
        f"Data: {q.ux_label} from {q.ux_table}, churn from {q.outcome_table}"
        f" ({'linked per customer' if q.level == 'customer' else 'linked per group'})."
    )
    if q.unapplied_filters:
        lines.append(f"Filters not applicable here: {', '.join(q.unapplied_filters)}.")
    return lines
