"""UX ↔ retention: how a UX or CX score relates to churn, survival and CLV, with the caveats."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import streamlit as st

from ui import cache
from ui.common import dataset_or_stop, draw, filters_line, md, page_link, show_chart
from ui.routes import DATA_PAGE
from ui.sidebar import active_filters
from ui.state import ensure_app_frame
from uxcx.charts import retention as RC
from uxcx.labels import fmt_p
from uxcx.retention import KeyDrivers, RetentionAnalysis, ScoreComparison
from uxcx.retention import narrative as N

ensure_app_frame()

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


# ---- sections ----------------------------------------------------------------------------
def x_title(a: RetentionAnalysis) -> str:
    """The score axis title with its unit, per customer or per group."""
    # The measure's own axis: NPS-kind metric titles describe the −100…+100 score and CSAT's the
    # top-2-box share, but here x is the answer on its scale.
    base = a.query.measure.axis_title or a.query.ux_label
    return f"{base}, {'mean per customer' if a.level == 'customer' else 'mean per group'}"


def tile(label: str, value: str, lines: list[str], help_text: str) -> None:
    """One bordered statistic: value, then CI · p · n underneath."""
    # height="stretch" in a horizontal row: every tile as tall as the tallest.
    with st.container(border=True, height="stretch", width="stretch"):
        st.metric(label, value, help=help_text)
        st.caption("  \n".join(lines))


def tiles(a: RetentionAnalysis) -> None:
    """Pearson (point-biserial), Spearman, odds ratio per step, and the band gap."""
    # One horizontal row rather than st.columns: its tiles can stretch to equal heights.
    row = st.container(horizontal=True, gap="small")
    for t in N.tiles(a, esc=md):
        with row:
            tile(t.label, t.value, t.lines, t.help)


def how_to_read(a: RetentionAnalysis) -> None:
    """The visible caution box: what these numbers can and cannot say."""
    with st.container(border=True):
        st.markdown("**How to read this**")
        st.markdown("\n".join(f"- {md(line)}" for line in N.how_to_read(a)))


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
        draw(
            RC.scatter_chart(
                a.scatter, logistic=a.logistic, direction=q.direction, x_title=x_title(a)
            )
        )
        if RC.is_binary(a.scatter):
            draw(RC.outcome_strip(a.scatter, direction=q.direction))
            st.caption(N.strip_caption(a))
        else:
            st.caption("Line and band: least-squares fit across groups, unweighted, 95% CI.")
    with right:
        words = N.band_words(q)
        band_title = words.title
        st.markdown(f"**{word} by {md(words.heading)}**")
        show_chart(
            RC.band_rates_chart(
                a.bands, direction=q.direction, band_title=band_title, overall=a.overall_rate
            ),
            N.band_caption(a),
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
    words = N.band_words(q)
    kind = words.legend
    left, right = st.columns([3, 1], gap="large")
    with left:
        by = "group" if q.band_kind == "group" else md(words.heading)
        st.markdown(f"**Still a customer, by months since signup and {by}**")
        show_chart(
            RC.km_chart(s, band_order=order, band_title=kind), N.km_caption(RC.km_y_floor(s))
        )
        tenure = N.tenure_sentence(q)
        if tenure is not None:
            st.caption(md(tenure))
    with right:
        with st.container(border=True):
            st.metric(
                "Log-rank test across bands",
                fmt_p(s.logrank.p),
                help="Do the survival curves differ more than chance would make them? "
                "Compares observed and expected churn in every band at every month.",
            )
            st.caption(N.logrank_caption(s))
        st.caption(N.median_caption(s, esc=md))
        gap = N.survival_gap_caption(a, esc=md)
        if gap is not None:
            st.caption(gap)
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
    word = RC.outcome_word(a.direction).lower()
    st.header(f"What is {im.step_label} worth?", divider="blue")
    left, mid, right = st.columns([1, 1, 2], gap="medium")
    with left, st.container(border=True):
        st.metric(
            "Change in churn" if word == "churned" else "Change in retention",
            N.impact_value(a),
            help="Average over these customers of the logistic model's predicted change if "
            "each score were higher by the step.",
        )
        st.caption(N.impact_caption(a))
    with mid, st.container(border=True):
        if im.clv_change is not None:
            st.metric(
                "Change in CLV",
                N.clv_value(a),
                help="Least-squares slope of CLV on the score, times the step.",
            )
        else:
            st.metric("Change in CLV", N.clv_value(a))
        st.caption(N.clv_caption(a))
    with right:
        st.markdown(N.impact_sentence(a, esc=md))
        st.caption(N.impact_method(a, esc=md))


def comparison_section(c: ScoreComparison | None) -> None:
    """Which per-customer score (UX or CX) goes with the outcome most strongly."""
    if c is None:
        return
    what = "churn" if c.direction == "churned = 1" else "retention"
    st.header(f"Which score predicts {what} best?", divider="blue")
    st.markdown(N.comparison_sentence(c, esc=md))
    # A static table: the page's one interactive table is the survival table.
    st.table(pd.DataFrame(N.comparison_rows(c)).set_index("Score"))
    st.caption(md(N.comparison_caption(c)))


DRIVERS_ON = "drivers_on"


def drivers_wanted(customers: int) -> bool:
    """Key drivers only on request: a bootstrap over every UX measure is the page's heaviest part."""
    if st.session_state.get(DRIVERS_ON):
        return True
    st.header("Key drivers: which UX measures matter most?", divider="blue")
    st.caption(
        "Which UX measures relate most to NPS and to retention: Shapley shares of R² with "
        f"bootstrap intervals. Computed on request (a few seconds for {customers:,} customers)."
    )
    if st.button("Compute key drivers", key="drivers", icon=":material/query_stats:"):
        # Kept for the session: a filter change recomputes them without asking again.
        st.session_state[DRIVERS_ON] = True
        st.rerun()
    return False


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
            st.markdown(f"**{md(kd.target_label)}**")
            show_chart(RC.drivers_chart(kd), N.drivers_caption(kd))
            for note in kd.left_out:
                st.caption(f"Left out: {md(note)}")


def methods(a: RetentionAnalysis, kds: list[KeyDrivers]) -> None:
    """Methods, coverage and a download of every number on the page."""
    q = a.query
    with st.expander("Methods, coverage and data used"):
        st.markdown("\n".join(f"- {md(x)}" for x in N.methods(a)))
        payload = dataclasses.replace(a, drivers=kds).to_json()
        st.download_button(
            "Download these numbers (JSON)",
            json.dumps(payload, indent=2, ensure_ascii=False),
            file_name=f"uxcx-retention-{q.ux}-{q.outcome}.json",
            mime="application/json",
        )
        if not kds:
            st.caption("Key drivers are in the download once computed (button above).")


# ---- page --------------------------------------------------------------------------------
st.title("UX ↔ retention")
st.caption(
    "How product UX scores and CX scores (NPS, CSAT, CES) relate to customer retention. Every "
    "number is an association in observational data, shown with its 95% confidence interval."
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
        "This page needs a **score** per customer: a UX score (the ten SUS items, task success, "
        "a product NPS or an app rating) or a CX score (NPS, CSAT or CES). Map one on the Data "
        "page, with a customer id so it can be linked to churn.",
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
        "Score (UX or CX)",
        measures,
        key="x_ux",
        bind="query-params",
        help="Any UX or CX score (UX first) or numeric column in the data:\n\n"
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
    comparison = cache.retention_comparison(ds, outcome, filters) if analysis is not None else None
if analysis is None:
    assert error is not None  # _analysis returns one or the other
    st.warning(md(str(error)), icon="⚠️")
    if error.fixed_by_mapping:
        page_link(DATA_PAGE, "Map columns on the Data page", icon="🗂️")
    st.stop()
a: RetentionAnalysis = analysis  # not None: st.stop() never returns

with st.container(border=True):
    st.markdown(f"#### {md(N.headline(a))}")
if a.level == "group":
    st.warning(
        "**Group-level data: beware the ecological fallacy.** " + md(N.ecological_caution(a)),
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
comparison_section(comparison)
kds: list[KeyDrivers] = []
if drivers_wanted(a.n):
    with st.spinner("Computing key drivers …"):
        kds = cache.retention_drivers(ds, filters)
    drivers_section(kds)
methods(a, kds)
