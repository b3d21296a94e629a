"""UX: SUS distribution and grade, usability tasks, product NPS, app rating, bounce, conversion."""

import streamlit as st

from ui import cache
from ui.common import chart_caption, dataset_or_stop, filters_line, md, needs_column, show_chart
from ui.sidebar import active_filters
from ui.state import ensure_app_frame
from uxcx import charts
from uxcx.describe import role_column, segment_columns
from uxcx.labels import fmt_ci, fmt_value, value_text
from uxcx.metrics import METRIC_BY_ID
from uxcx.results import (
    against_benchmark,
    method_of,
    metric_frame,
    metric_label,
    missing_for,
    unapplied_of,
)
from uxcx.sql import Missing

ensure_app_frame()

st.title("UX — usability and product experience")
ds = dataset_or_stop()
filters = active_filters(ds)
st.caption(f"{filters_line(filters)} · 95% confidence intervals throughout.")


# ---- SUS ---------------------------------------------------------------------------------
st.header("System Usability Scale (SUS)", divider="blue")
sus = cache.distribution(ds, "sus", bin_width=5.0, filters=filters)
if isinstance(sus, Missing):
    needs_column("SUS", sus)
else:
    overall, _ = cache.metrics(ds, ["sus"], filters=filters)
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown("**Distribution of respondents' SUS scores**")
        mean = sus.extra.get("mean")
        show_chart(
            charts.sus_distribution(sus.data, mean=mean),
            chart_caption(
                sus.n,
                sus.method,
                unapplied=sus.unapplied_filters,
                extra="shaded: Sauro–Lewis grades (F < 51.7 ≤ D < 62.7 ≤ C < 72.6 ≤ B < 78.9 "
                "≤ A); dashed line: 68 = industry average"
                + (
                    f"; {sus.out_of_scale:,} incomplete or out-of-scale responses left out"
                    if sus.out_of_scale
                    else ""
                ),  # fmt: skip
            ),
        )
    with right:
        if overall:
            r = overall[0]
            st.metric("Mean SUS", fmt_value("sus", r.value), help=METRIC_BY_ID["sus"].formula)
            st.caption(
                f"95% CI {fmt_ci('sus', r.ci_low, r.ci_high)} · n = {r.n:,} · grade "
                f"**{r.grade}** (Sauro–Lewis) · {against_benchmark(r, 68)} the average of 68"
            )
        trend, _ = cache.metrics(ds, ["sus"], grain="month", filters=filters)
        tdf = metric_frame(trend)
        if len(tdf) >= 2:
            show_chart(
                charts.metric_trend(tdf, "sus").properties(height=200),
                chart_caption(int(tdf.n.sum()), "mean SUS by month, t-interval (band)"),
            )

# ---- segments ----------------------------------------------------------------------------
segments = segment_columns(ds)
seg = None
if segments:
    seg = st.selectbox(
        "Break UX metrics down by", segments, index=0, key="x_ux_segment", bind="query-params"
    )
    res, miss = cache.metrics(ds, ["sus"], by=seg, filters=filters)
    df = metric_frame(res)
    if not df.empty:
        show_chart(
            charts.metric_by_group(df, "sus", group_title=seg),
            chart_caption(
                int(df.n.sum()),
                f"mean SUS per {md(seg)}, t-interval; grey = n < 20",
                unapplied=unapplied_of(res),
            ),  # fmt: skip
        )
    elif miss:
        st.info(f"**SUS by {md(seg)}**: {md(miss[0].reason)}.", icon="🧩")

# ---- usability tasks ---------------------------------------------------------------------
st.header("Usability tasks", divider="blue")
task_col = role_column(ds, "task_id")
task_metrics = ["task_success_rate", "time_on_task", "error_rate"]
if task_col is None:
    overall, miss = cache.metrics(ds, task_metrics, filters=filters)
    if not overall:
        needs_column("Task results", miss[0] if miss else None)
    else:
        st.info(
            "The data has no **task** column, so results are shown overall only. Map the task "
            "name to the Task role on the Data page to see them per task.",
            icon="🧩",
        )
        for r in overall:
            st.markdown(f"- **{r.label}**: {value_text(r.metric, r.value)} "
                        f"(95% CI {fmt_ci(r.metric, r.ci_low, r.ci_high)}, n = {r.n:,})")  # fmt: skip
else:
    by_task, task_missing = cache.metrics(ds, task_metrics, by=task_col, filters=filters)
    cols = st.columns(3, gap="medium")
    titles = {
        "task_success_rate": "Task success by task",
        "time_on_task": "Time on task by task (successful attempts)",
        "error_rate": "Attempts with at least one error",
    }
    for col, mid in zip(cols, task_metrics, strict=True):
        with col:
            st.markdown(f"**{titles[mid]}**")
            df = metric_frame(by_task, mid)
            miss = missing_for(task_missing, mid)
            if df.empty:
                needs_column(metric_label(mid), miss)
                continue
            show_chart(
                charts.metric_by_group(df, mid, group_title=None),
                chart_caption(
                    int(df.n.sum()),
                    method_of(by_task, mid),
                    unapplied=unapplied_of(by_task, mid),
                    extra="dashed: 78% = average completion" if mid == "task_success_rate" else "",
                ),
            )

# ---- product experience ------------------------------------------------------------------
st.header("Product experience", divider="blue")
GRAINS = {"week": "Week", "month": "Month", "quarter": "Quarter"}
grain = st.selectbox(
    "Time grain", list(GRAINS), index=1, format_func=GRAINS.get, key="x_ux_grain",
    bind="query-params", width=200,
)  # fmt: skip
product_metrics = ["product_nps", "app_rating", "bounce_rate", "conversion_rate"]
trend, trend_missing = cache.metrics(ds, product_metrics, grain=grain, filters=filters)
by_seg, seg_missing = (
    cache.metrics(ds, product_metrics, by=seg, filters=filters) if seg else ([], [])
)
for mid in product_metrics:
    st.subheader(metric_label(mid))
    tdf = metric_frame(trend, mid)
    miss = missing_for(trend_missing, mid)
    if tdf.empty:
        if miss is not None and "date" not in miss.needs:
            needs_column(metric_label(mid), miss)
            continue
        if miss is not None:
            st.caption(f"No trend: {md(miss.reason)}.")
    left, right = st.columns([3, 2], gap="large")
    with left:
        if not tdf.empty:
            show_chart(
                charts.metric_trend(tdf, mid, grain=grain).properties(height=220),
                chart_caption(
                    int(tdf.n.sum()),
                    f"by {grain}, {method_of(trend, mid)} (band)",
                    unapplied=unapplied_of(trend, mid),
                ),
            )
    with right:
        sdf = metric_frame(by_seg, mid)
        smiss = missing_for(seg_missing, mid)
        if not sdf.empty:
            show_chart(
                charts.metric_by_group(sdf, mid, group_title=seg),
                chart_caption(int(sdf.n.sum()), f"per {md(seg)}, 95% CI; grey = n < 20"),
            )
        elif smiss is not None and seg:
            st.info(f"**{metric_label(mid)} by {md(seg)}**: {md(smiss.reason)}.", icon="ℹ️")
