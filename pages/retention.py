"""UX ↔ retention: how a product UX score relates to churn, survival and CLV, with the caveats."""

from __future__ import annotations

import dataclasses
import json
import math

import streamlit as st

from ui import cache
from ui.common import dataset_or_stop, filters_line, md, page_link, show_chart
from ui.routes import DATA_PAGE
from ui.sidebar import active_filters
from ui.state import ensure_app_frame
from uxcx import retention as R
from uxcx import stats
from uxcx.charts import axis_title
from uxcx.charts import retention as RC
from uxcx.metrics import METRIC_BY_ID
from uxcx.retention import KeyDrivers, RetentionAnalysis

ensure_app_frame()

MINUS = "\u2212"
OUTCOME_HELP = {
    "churned": "churned yes/no (y = 1 when the customer left)",
    "retention": "retained yes/no (y = 1 when the customer stayed)",
    "tenure": "time to churn: tenure with churn as the event, active customers censored",
}
OUTCOME_LABELS = {
    "churned": "Churned (yes/no)",
    "retention": "Retained (yes/no)",
    "tenure": "Time to churn (survival)",
}


# ---- formatting ----------------------------------------------------------------------------
def num(x: float | None, digits: int = 2, sign: bool = False) -> str:
    """A number with a true minus sign ('–' when undefined)."""
    if x is None or not math.isfinite(x):
        return "–"
    # r = −0.9954 must not read as a perfect −1.00.
    if digits == 2 and abs(x) < 1 and round(abs(x), 2) == 1:
        digits = 3
    text = f"{x:+.{digits}f}" if sign else f"{x:.{digits}f}"
    return text.replace("-", MINUS)


def pct(x: float | None, digits: int = 0) -> str:
    """A 0..1 share as a percentage."""
    if x is None or not math.isfinite(x):
        return "–"
    return f"{100 * x:.{digits}f}%"


def pval(p: float | None) -> str:
    """p as an analyst writes it."""
    if p is None or not math.isfinite(p):
        return "p n/a"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def ci(lo: float, hi: float, digits: int = 2, sign: bool = False) -> str:
    """'95% CI lo … hi'."""
    return f"95% CI {num(lo, digits, sign)} … {num(hi, digits, sign)}"


def x_title(a: RetentionAnalysis) -> str:
    """The score axis title with its unit, per customer or per group."""
    ux = a.query.ux
    m = METRIC_BY_ID.get(ux)
    # NPS-kind axis titles describe the −100…+100 score; here x is the 0–10 answer.
    base = axis_title(ux) if m is not None and m.kind != "nps" else a.query.ux_label
    return f"{base}, {'mean per customer' if a.level == 'customer' else 'mean per group'}"


def band_name(a: RetentionAnalysis, band: R.Band, top: bool) -> str:
    """How the headline names a band: 'SUS grade A (≥78.9)', 'the top quartile…, scoring 9–10'."""
    q = a.query
    if q.band_kind == "sus_grade":
        return f"SUS grade {band.band}" if top else f"grade {band.band}"
    if q.band_kind == "quartile":
        rng = f"{band.x_min:,.3g}–{band.x_max:,.3g}"
        if len(a.bands) == 4:
            which = "top" if top else "bottom"
            of = f" of {q.ux_label}" if top else ""
            return f"the {which} quartile{of}, scoring {rng}"
        return f"the {'highest' if top else 'lowest'} {q.ux_label} band, scoring {rng}"
    return str(band.band)


def overall_rate(a: RetentionAnalysis) -> float | None:
    """Share of y = 1 over all linked customers."""
    n = sum(b.n or 0 for b in a.bands)
    events = sum(b.events or 0 for b in a.bands)
    return events / n if n else None


def headline(a: RetentionAnalysis) -> str:
    """The finding in one plain sentence, with its uncertainty and its limits."""
    q = a.query
    p = a.pearson
    r_text = f"r = {num(p.r)} ({ci(p.ci_low, p.ci_high)})"
    spans_zero = p.ci_low <= 0 <= p.ci_high
    unit = "customers" if a.level == "customer" else "groups"
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
                f"After {t} months, {pct(sb.at[t])} of customers in {top_name} "
                f"were still customers vs {pct(sw.at[t])} for {low_name} "
                f"(log-rank {pval(surv.logrank.p)}); {r_text}, n = {a.n:,} {unit}" + tail
            )
    verb = "were retained" if q.outcome == "retention" else "churned"
    return (
        f"Customers in {top_name} {verb} {pct(best.rate)} vs {pct(worst.rate)} "
        f"for {low_name}; {r_text}, n = {a.n:,} {unit}" + tail
    )


# ---- sections ----------------------------------------------------------------------------
def tile(label: str, value: str, lines: list[str], help_text: str) -> None:
    """One bordered statistic: value, then CI · p · n underneath."""
    # height="stretch" in a horizontal row: every tile as tall as the tallest.
    with st.container(border=True, height="stretch", width="stretch"):
        st.metric(label, value, help=help_text)
        st.caption("  \n".join(lines))


def tiles(a: RetentionAnalysis) -> None:
    """Pearson (point-biserial), Spearman, odds ratio per step, and the band gap."""
    q = a.query
    word = RC.outcome_word(q.direction).lower()
    binary = a.level == "customer"
    p, s = a.pearson, a.spearman
    # One horizontal row rather than st.columns: its tiles can stretch to equal heights.
    row = st.container(horizontal=True, gap="small")
    units = "customers" if a.level == "customer" else "groups"
    with row:
        tile(
            "Point-biserial r" if binary else "Pearson r",
            num(p.r),
            [ci(p.ci_low, p.ci_high), f"{pval(p.p)} · n = {p.n:,} {units}"],
            f"Pearson correlation of {q.ux_label} with {q.direction} (for a yes/no outcome this "
            "is the point-biserial r). Fisher-z interval. "
            + (
                "Negative: higher scores go with less churn."
                if word == "churned"
                else "Positive: higher scores go with more retention."
            ),
        )
    with row:
        tile(
            "Spearman ρ",
            num(s.r),
            [ci(s.ci_low, s.ci_high), f"{pval(s.p)} · n = {s.n:,} {units}"],
            "Rank correlation: robust to outliers and to a curved but monotone link.",
        )
    with row:
        step = a.impact.step_label if a.impact else f"+{a.step:g}"
        if a.odds_ratio_per_step is not None and a.logistic is not None:
            orv, lo, hi = a.odds_ratio_per_step
            tile(
                "Odds ratio",
                num(orv),
                [
                    f"odds of {'churning' if word == 'churned' else 'staying'} per {step}",
                    ci(lo, hi),
                    f"{pval(a.logistic.p)} · n = {a.logistic.n:,} customers",
                ],
                "Logistic regression of the outcome on the score. Below 1: the odds fall as the "
                "score rises; 1 = no link.",
            )
        else:
            tile(
                "Odds ratio",
                "–",
                ["needs one row per customer (a customer id in both files)"],
                "Logistic regression needs per-customer outcomes; group averages cannot give it.",
            )
    with row:
        worst, best = a.bands[0], a.bands[-1]
        if binary and worst.n and best.n and len(a.bands) >= 2:
            d = stats.diff_proportions(worst.events or 0, worst.n, best.events or 0, best.n)
            tile(
                f"{word.capitalize()}: best vs worst band",
                f"{num(100 * d.diff, 1, sign=True)} pts",
                [
                    f"{pct(best.rate, 1)} vs {pct(worst.rate, 1)}",
                    f"{ci(100 * d.ci_low, 100 * d.ci_high, 1, sign=True)} pts · {pval(d.p)}",
                ],
                f"Share {word} in the best band ({best.band}) minus the worst ({worst.band}), "
                "percentage points; Agresti–Caffo interval.",
            )
        else:
            tile("Groups", f"{a.n}", [f"{md(q.group_column or 'rows')}"], "Units analysed.")


def how_to_read(a: RetentionAnalysis) -> None:
    """The visible caution box: what these numbers can and cannot say."""
    need = stats.power_n_for_r(R.R_FOR_POWER)
    units = "customers" if a.level == "customer" else "groups"
    lines = list(a.cautions)
    if a.n >= need:
        r = abs(a.pearson.r)
        seen = (
            f" The r seen here ({num(r)}) would need about {stats.power_n_for_r(r):,}."
            if 0.01 < r < R.R_FOR_POWER
            else ""
        )
        lines.append(
            f"Power: a correlation of r = {R.R_FOR_POWER} needs about {need} {units} to be "
            f"detected reliably (80% power); this analysis has {a.n:,}.{seen}"
        )
    lines.append(
        "Shaded bands and error bars are 95% confidence intervals; a band or bin with fewer than "
        "20 customers is grey: too few for a stable estimate."
    )
    with st.container(border=True):
        st.markdown("**How to read this**")
        st.markdown("\n".join(f"- {md(line)}" for line in lines))


def score_section(a: RetentionAnalysis) -> None:
    """Score against outcome, and the outcome by band."""
    q = a.query
    word = RC.outcome_word(q.direction)
    st.header(f"{q.ux_label} and {word.lower()} customers", divider="blue")
    left, right = st.columns([3, 2], gap="large")
    with left:
        if a.level == "customer":
            score = " score" if q.ux == "sus" else ""
            st.markdown(f"**Share {word.lower()} by {md(q.ux_label)}{score}**")
        else:
            rate = "Churn" if word == "Churned" else "Retention"
            st.markdown(f"**{rate} rate against mean {md(q.ux_label)}, one point per group**")
        st.altair_chart(
            RC.scatter_chart(
                a.scatter, logistic=a.logistic, direction=q.direction, x_title=x_title(a)
            ),
            width="stretch",
            theme=None,
        )
        if RC.is_binary(a.scatter):
            st.altair_chart(
                RC.outcome_strip(a.scatter, direction=q.direction), width="stretch", theme=None
            )
            st.caption(
                f"Dots: share {word.lower()} per score bin (size = customers, bar = 95% adjusted-"
                "Wald CI; grey = fewer than 20). Line and band: logistic fit with its 95% CI. "
                "Strip: customers per bin and outcome"
                + (
                    " (binned: too many customers to draw one by one)."
                    if a.scatter.kind == "binned"
                    else "."
                )
            )
        else:
            st.caption("Line and band: least-squares fit across groups, unweighted, 95% CI.")
    with right:
        kind = {"sus_grade": "SUS grade (Sauro–Lewis)", "quartile": "Quartile of the score"}
        band_title = kind.get(q.band_kind, q.group_column or "Group")
        heading = {"sus_grade": "SUS grade", "quartile": "quartile of the score"}
        st.markdown(f"**{word} by {heading.get(q.band_kind, md(band_title))}**")
        overall = overall_rate(a)
        show_chart(
            RC.band_rates_chart(
                a.bands, direction=q.direction, band_title=band_title, overall=overall
            ),
            band_caption(a, word, overall),
        )


def band_caption(a: RetentionAnalysis, word: str, overall: float | None) -> str:
    """What the band bars show, and what they ignore."""
    if overall is None:  # a file of group rates: no customer counts, so no intervals
        return f"Bars: {word.lower()} rate per group as given in the file (no customer counts)."
    customers = sum(b.n or 0 for b in a.bands)
    return (
        f"Bars: share {word.lower()} by the end of the data, 95% adjusted-Wald CI; dashed: all "
        f"{customers:,} customers ({pct(overall, 1)}). Ignores how long each customer was "
        "observed; the survival curves below do not."
    )


def survival_section(a: RetentionAnalysis) -> None:
    """Kaplan–Meier curves per band, median lifetime, numbers at risk, log-rank."""
    q = a.query
    st.header("Survival: how long customers stay, by UX band", divider="blue")
    s = a.survival
    if s is None:
        st.info(
            "Survival curves need a **tenure** column (months as a customer) next to the churn "
            "flag, at customer level. Map one to the Tenure role on the Data page.",
            icon="🧩",
        )
        page_link(DATA_PAGE, "Map columns on the Data page", icon="🗂️")
        return
    order = [b.band for b in a.bands]
    kind = {"sus_grade": "SUS grade", "quartile": "Quartile"}.get(q.band_kind, "Group")
    lr = s.logrank
    left, right = st.columns([3, 1], gap="large")
    with left:
        words = {"SUS grade": "SUS grade", "Quartile": "quartile of the score"}
        st.markdown(f"**Still a customer, by months since signup and {words.get(kind, 'group')}**")
        show_chart(
            RC.km_chart(s, band_order=order, band_title=kind),
            "Kaplan–Meier estimate; churn is the event, active customers are censored at their "
            "tenure. Shaded: 95% CI (Greenwood, log(−log))."
            + (f" The y axis starts at {pct(RC.km_y_floor(s))}." if RC.km_y_floor(s) > 0 else ""),
        )
    with right:
        with st.container(border=True):
            st.metric(
                "Log-rank test across bands",
                pval(lr.p),
                help="Do the survival curves differ more than chance would make them? "
                "Compares observed and expected churn in every band at every month.",
            )
            st.caption(f"χ² = {lr.chi2:.1f}, df = {lr.df} · n = {s.overall.n:,} customers")
        med = [b for b in s.bands if b.median is not None]
        if med:
            st.caption(
                "Median lifetime: "
                + "; ".join(f"{md(b.band)}: {b.median:g} months" for b in med)
                + "."
            )
        else:
            st.caption(
                "Median lifetime: not reached in any band: more than half of every band was "
                "still a customer at the end of the data."
            )
        worst = next((b for b in s.bands if b.band == order[0]), None)
        best = next((b for b in s.bands if b.band == order[-1]), None)
        t = next((t for t, v in s.overall.at.items() if v is not None), None)
        if worst and best and t is not None:
            st.caption(
                f"Still a customer after {t} months: {pct(best.at[t])} in {md(best.band)} vs "
                f"{pct(worst.at[t])} in {md(worst.band)}."
            )
    st.markdown("**Customers, churn, median lifetime and numbers at risk**")
    table = RC.survival_table(s, band_order=order)
    counts = {
        c: st.column_config.NumberColumn(c, format="localized")
        for c in table.columns
        if c in ("Customers", "Churned") or c.startswith("At risk")
    }
    st.dataframe(table, hide_index=True, width="stretch", column_config=counts)
    st.caption(
        "At risk: customers still observed (not yet churned or censored) at that month. "
        "Months without anyone at risk are left out."
    )


def impact_section(a: RetentionAnalysis) -> None:
    """What a step up in the score goes with: churn in percentage points and CLV."""
    im = a.impact
    if im is None:
        return
    q = a.query
    word = RC.outcome_word(q.direction).lower()
    st.header(f"What is {im.step_label} worth?", divider="blue")
    oc = im.outcome_change
    left, mid, right = st.columns([1, 1, 2], gap="medium")
    with left, st.container(border=True):
        st.metric(
            "Change in churn" if word == "churned" else "Change in retention",
            f"{num(100 * oc.value, 1, sign=True)} pts",
            help="Average over these customers of the logistic model's predicted change if "
            "each score were higher by the step.",
        )
        st.caption(
            f"percentage points of {'churn' if word == 'churned' else 'retention'} probability"
            "  \n"
            f"{ci(100 * oc.ci_low, 100 * oc.ci_high, 1, sign=True)} pts"
        )
    with mid, st.container(border=True):
        clv = im.clv_change
        if clv is not None:
            st.metric(
                "Change in CLV",
                f"{clv.value:+,.0f}".replace("-", MINUS),
                help="Least-squares slope of CLV on the score, times the step.",
            )
            st.caption(
                f"95% CI {clv.ci_low:+,.0f} … {clv.ci_high:+,.0f}".replace("-", MINUS)
                + " · in the CLV column's currency"
            )
        else:
            st.metric("Change in CLV", "–")
            st.caption("Needs a CLV column per customer (map it on the Data page).")
    with right:
        base = overall_rate(a)
        fewer = oc.value < 0
        # step_label is "+10 points of SUS": keep "10 points".
        step_size = im.step_label.split(" of ", 1)[0].lstrip("+")
        st.markdown(
            f"Customers scoring {md(step_size)} higher on {md(q.ux_label)} "
            f"{'churn' if word == 'churned' else 'are retained'} "
            f"**{num(abs(100 * oc.value), 1)} percentage points "
            f"{'less' if fewer else 'more'}** often on average"
            + (f" (against {pct(base, 1)} overall)" if base is not None else "")
            + (
                f" and have a CLV about **{clv.value:,.0f} {'higher' if clv.value >= 0 else 'lower'}**"
                if clv is not None
                else ""
            )
            + ". This is an **association** in observational data: it does not say that raising "
            f"{md(q.ux_label)} by {md(step_size)} would *cause* these changes."
        )
        st.caption(
            f"Method: {md(oc.method)}; logistic regression of {md(q.direction)} on the score"
            + (f"; CLV: {md(im.clv_method)}" if clv is not None else "")
            + "."
        )


def drivers_section(kds: list[KeyDrivers]) -> None:
    """Which UX measures relate most to NPS and to retention (Shapley shares of R²)."""
    st.header("Key drivers: which UX measures matter most?", divider="blue")
    if not kds:
        st.info(
            "Key drivers need at least one UX measure and NPS or a churn flag per customer "
            "(a customer id in each file).",
            icon="🧩",
        )
        return
    st.caption(
        "Each bar: the share of the variance in the target that a UX measure accounts for, "
        "splitting what the measures explain jointly fairly between them (Shapley / LMG). "
        "Measures that move together (as UX scores do) share credit; this ranks associations, "
        "not causes."
    )
    cols = st.columns(len(kds), gap="large")
    for col, kd in zip(cols, kds, strict=True):
        with col:
            target = "NPS" if kd.target == "nps" else "retention"
            st.markdown(f"**{md(kd.target_label)}**")
            show_chart(
                RC.drivers_chart(kd),
                f"All measures together: R² = {num(kd.r2)} ({ci(*kd.r2_ci)}) · n = {kd.n:,} "
                f"customers with every measure · 95% Bayesian-bootstrap intervals, "
                f"{kd.n_boot} replicates"
                + (
                    " · linear-probability model for a yes/no target"
                    if target == "retention"
                    else ""
                ),
            )
            for note in kd.left_out:
                st.caption(f"Left out: {md(note)}")


def methods(a: RetentionAnalysis, kds: list[KeyDrivers]) -> None:
    """Methods, coverage and a download of every number on the page."""
    q = a.query
    cov = a.coverage
    with st.expander("Methods, coverage and data used"):
        lines = [f"Correlation: {a.method}."]
        if a.logistic is not None:
            lines.append(f"Odds ratio: {a.logistic.method}, Wald 95% CI.")
        lines.append("Rates by band: adjusted-Wald (Agresti–Coull) 95% CIs.")
        if a.survival is not None:
            lines.append(
                "Survival: Kaplan–Meier with Greenwood log(−log) 95% CIs; k-group log-rank test."
            )
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
        st.markdown("\n".join(f"- {md(x)}" for x in lines))
        payload = dataclasses.replace(a, drivers=kds).to_json()
        st.download_button(
            "Download these numbers (JSON)",
            json.dumps(payload, indent=2, ensure_ascii=False),
            file_name=f"uxcx-retention-{q.ux}-{q.outcome}.json",
            mime="application/json",
        )


# ---- page --------------------------------------------------------------------------------
st.title("UX ↔ retention")
st.caption(
    "How product UX scores relate to customer retention. Every number is an association in "
    "observational data, shown with its 95% confidence interval."
)
ds = dataset_or_stop()
filters = active_filters(ds)
measures, labels, outcomes = cache.retention_options(ds)

if not outcomes:
    st.info(
        "This page needs a **churn column**: one yes/no (or 1/0) per customer saying whether "
        "they left, or a churn date. Map a column to the **Churned** role on the Data page "
        "(add a **Tenure** column too for the survival curves).",
        icon="🧩",
    )
    page_link(DATA_PAGE, "Map columns on the Data page", icon="🗂️")
    st.stop()
if not measures:
    st.info(
        "This page needs a **UX score** per customer: the ten SUS items, task success, a "
        "product NPS or an app rating. Map one on the Data page, with a customer id so it can "
        "be linked to churn.",
        icon="🧩",
    )
    page_link(DATA_PAGE, "Map columns on the Data page", icon="🗂️")
    st.stop()

c1, c2, _ = st.columns([2, 2, 3], gap="medium")
# No format_func: a bound widget writes the *shown* text to the URL, and short ids
# (?x_ux=product_nps&x_outcome=tenure) keep shared links readable and stable across labels.
# The caption below names the choice in words.
with c1:
    ux = st.selectbox(
        "UX measure",
        measures,
        key="x_ux",
        bind="query-params",
        help="Any UX measure or numeric UX column in the data:\n\n"
        + "\n".join(f"- `{m}`: {md(labels.get(m, m))}" for m in measures),
    )
with c2:
    outcome = st.selectbox(
        "Retention outcome",
        outcomes,
        key="x_outcome",
        bind="query-params",
        help="\n".join(f"- `{o}`: {OUTCOME_HELP[o]}" for o in outcomes),
    )
st.caption(
    f"Showing **{md(labels.get(ux, ux))}** against **{OUTCOME_LABELS.get(outcome, outcome)}** · "
    + filters_line(filters)
)

with st.spinner("Relating UX to retention …"):
    analysis, error = cache.retention_analysis(ds, ux, outcome, filters)
    kds = cache.retention_drivers(ds, filters) if analysis is not None else []
if analysis is None:
    st.warning(md(error), icon="⚠️")
    if "Data page" in error or "map" in error.lower():
        page_link(DATA_PAGE, "Map columns on the Data page", icon="🗂️")
    st.stop()
a: RetentionAnalysis = analysis  # not None: st.stop() never returns

with st.container(border=True):
    st.markdown(f"#### {md(headline(a))}")
if a.level == "group":
    eco = next((c for c in a.cautions if "ecological fallacy" in c), None)
    st.warning(
        "**Group-level data: beware the ecological fallacy.** "
        + md(eco or "A correlation across group averages may not hold for individual customers."),
        icon="⚠️",
    )
tiles(a)
how_to_read(a)
if outcome == "tenure":
    survival_section(a)
    score_section(a)
else:
    score_section(a)
    survival_section(a)
impact_section(a)
drivers_section(kds)
methods(a, kds)
