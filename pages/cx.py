"""CX: NPS composition and trend, CSAT, CES, churn and retention by cohort, CLV."""

import streamlit as st

from ui import cache
from ui.common import chart_caption, dataset_or_stop, filters_line, md, needs_column, show_chart
from ui.sidebar import active_filters
from ui.state import ensure_app_frame
from uxcx import charts
from uxcx.describe import segment_columns
from uxcx.distributions import nps_composition_frame
from uxcx.results import method_of, metric_frame, metric_label, missing_for, unapplied_of
from uxcx.sql import Missing

ensure_app_frame()

GRAINS = {"week": "Week", "month": "Month", "quarter": "Quarter"}

st.title("CX — customer relationship")
ds = dataset_or_stop()
filters = active_filters(ds)
st.caption(f"{filters_line(filters)} · 95% confidence intervals throughout.")

c1, c2, _ = st.columns([1, 1, 2])
grain = c1.selectbox(
    "Time grain", list(GRAINS), index=1, format_func=GRAINS.get, key="x_cx_grain",
    bind="query-params",
)  # fmt: skip
segments = segment_columns(ds)
seg = (
    c2.selectbox("Segment", segments, index=0, key="x_cx_segment", bind="query-params")
    if segments
    else None
)


ALL = ["nps", "csat", "ces", "churn_rate", "retention_rate", "clv"]
trend, trend_missing = cache.metrics(ds, ALL, grain=grain, filters=filters)
by_seg, seg_missing = cache.metrics(ds, ALL, by=seg, filters=filters) if seg else ([], [])


def _by_segment(metric_id: str, note: str = "") -> None:
    """The metric per segment value with CIs, or why it cannot be split."""
    df = metric_frame(by_seg, metric_id)
    if not df.empty:
        show_chart(
            charts.metric_by_group(df, metric_id, group_title=seg),
            chart_caption(
                int(df.n.sum()),
                f"{metric_label(metric_id)} per {md(seg)}, {method_of(by_seg, metric_id)}",
                unapplied=unapplied_of(by_seg, metric_id),
                extra=note or "grey = n < 20",
            ),
        )
    elif (m := missing_for(seg_missing, metric_id)) is not None and seg:
        st.info(f"**{metric_label(metric_id)} by {md(seg)}**: {md(m.reason)}.", icon="ℹ️")


# ---- NPS ---------------------------------------------------------------------------------
st.header("Net Promoter Score", divider="orange")
nps_df = metric_frame(trend, "nps")
if nps_df.empty:
    needs_column("NPS", missing_for(trend_missing, "nps"))
else:
    nps_results = [r for r in trend if r.metric == "nps"]
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**Promoters, passives and detractors**")
        show_chart(
            charts.nps_composition(nps_composition_frame(nps_results), grain=grain),
            chart_caption(
                int(nps_df.n.sum()),
                f"share of answers per {grain}: promoters 9–10, passives 7–8, detractors 0–6",
                unapplied=unapplied_of(trend, "nps"),
            ),
        )
    with right:
        st.markdown("**NPS with 95% CI**")
        show_chart(
            charts.metric_trend(nps_df, "nps", grain=grain),
            chart_caption(
                int(nps_df.n.sum()),
                f"NPS = % promoters − % detractors per {grain}; {method_of(trend, 'nps')} (band)",
                extra="hollow grey points: n < 20",
            ),
        )
    _by_segment("nps")

# ---- CSAT and CES ------------------------------------------------------------------------
st.header("Satisfaction (CSAT) and effort (CES)", divider="orange")
for mid, scale_label in (("csat", "Satisfaction answer (1–5)"), ("ces", "Effort answer (1–7)")):
    st.subheader(metric_label(mid))
    dist = cache.distribution(ds, "scale", mid, filters=filters)
    if isinstance(dist, Missing):
        needs_column(metric_label(mid), dist)
        continue
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**Answers per scale value**")
        show_chart(
            charts.score_distribution(dist.data, mid, x_title=scale_label),
            chart_caption(
                dist.n,
                dist.method,
                unapplied=dist.unapplied_filters,
                extra="CSAT counts 4–5 as satisfied (top-2-box)"
                if mid == "csat"
                else "7 = very easy",
            ),
        )
    with right:
        st.markdown(f"**{'Top-2-box CSAT' if mid == 'csat' else 'Mean CES'} by {md(seg)}**"
                    if seg else f"**{metric_label(mid)} over time**")  # fmt: skip
        if seg:
            _by_segment(mid)
        else:
            tdf = metric_frame(trend, mid)
            if not tdf.empty:
                show_chart(charts.metric_trend(tdf, mid, grain=grain),
                           chart_caption(int(tdf.n.sum()), method_of(trend, mid)))  # fmt: skip

# ---- churn and retention -----------------------------------------------------------------
st.header("Churn and retention", divider="orange")
ret_df = metric_frame(trend, "retention_rate")
if ret_df.empty and missing_for(trend_missing, "retention_rate"):
    needs_column("Churn and retention", missing_for(trend_missing, "retention_rate"))
else:
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown(f"**Retention by signup {grain}**")
        if not ret_df.empty:
            show_chart(
                charts.metric_trend(ret_df, "retention_rate", grain=grain),
                chart_caption(
                    int(ret_df.n.sum()),
                    f"share of each signup {grain}'s customers still active today; "
                    f"{method_of(trend, 'retention_rate')}",
                    extra="recent cohorts have had less time to churn, so they look better; "
                    "the cohort matrix compares like with like",
                ),
            )
    with right:
        st.markdown(f"**Churn by {md(seg)}**" if seg else "**Churn**")
        _by_segment("churn_rate", note="share of customers who have left, grey = n < 20")
    st.markdown("**Cohort retention: share still active k months after signup**")
    cohorts = cache.distribution(ds, "cohorts", filters=filters)
    if isinstance(cohorts, Missing):
        needs_column("The cohort matrix", cohorts)
    elif cohorts.data.empty:
        st.info("No cohort has been observed for a full month yet.")
    else:
        show_chart(
            charts.cohort_heatmap(cohorts.data),
            chart_caption(
                cohorts.n,
                cohorts.method,
                unapplied=cohorts.unapplied_filters,
                extra="customers who signed up too recently to reach month k are not counted",
            ),
        )

# ---- CLV ---------------------------------------------------------------------------------
st.header("Customer lifetime value", divider="orange")
clv = cache.distribution(ds, "values", "clv", filters=filters)
if isinstance(clv, Missing):
    needs_column("CLV", clv)
else:
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**Distribution of CLV per customer**")
        show_chart(
            charts.histogram(
                clv.data,
                x_title="CLV per customer (file currency)",
                y_title="Customers",
                family="CX",
            ),  # fmt: skip
            chart_caption(clv.n, clv.method, unapplied=clv.unapplied_filters),
        )
    with right:
        st.markdown(f"**Mean CLV by {md(seg)}**" if seg else "**Mean CLV**")
        _by_segment("clv", note="mean is pulled up by a few large accounts; grey = n < 20")
