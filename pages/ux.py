"""UX: SUS distribution and grade, usability tasks, product NPS, app rating, bounce, conversion."""

import streamlit as st

from uxcx import app_state, charts
from uxcx.describe import segment_columns
from uxcx.metrics import METRIC_BY_ID
from uxcx.sql import Missing
from views.sidebar import active_filters
from views.tiles import (
    chart_caption,
    dataset_or_stop,
    distribution,
    filters_line,
    md,
    needs_column,
    results_df,
    role_column,
    show_chart,
)

app_state.ensure_app_frame()

st.title("UX — usability and product experience")
ds = dataset_or_stop()
filters = active_filters(ds)
st.caption(f"{filters_line(filters)} · 95% confidence intervals throughout.")


def _label(metric_id: str) -> str:
    return METRIC_BY_ID[metric_id].label


def _method(results: list, metric_id: str) -> str:
    return next((r.method for r in results if r.metric == metric_id), "")


def _unapplied(results: list) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f for r in results for f in r.unapplied_filters))


# ---- SUS ---------------------------------------------------------------------------------
st.header("System Usability Scale (SUS)", divider="blue")
sus = distribution(ds, "sus", bin_width=5.0, filters=filters)
if isinstance(sus, Missing):
    needs_column("SUS", sus)
else:
    overall, _ = app_state.metrics(ds, ["sus"], filters=filters)
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
            st.metric(
                "Mean SUS",
                f"{r.value:.1f}",
                help=METRIC_BY_ID["sus"].formula,
            )
            st.caption(
                f"95% CI {r.ci_low:.1f} … {r.ci_high:.1f} · n = {r.n:,} · grade **{r.grade}** "
                f"(Sauro–Lewis) · {'above' if r.ci_low > 68 else 'below' if r.ci_high < 68 else 'not distinguishable from'} "
                "the average of 68"
            )
        trend, _ = app_state.metrics(ds, ["sus"], grain="month", filters=filters)
        tdf = results_df(trend)
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
    res, miss = app_state.metrics(ds, ["sus"], by=seg, filters=filters)
    df = results_df(res)
    if not df.empty:
        show_chart(
            charts.metric_by_group(df, "sus", group_title=seg),
            chart_caption(
                int(df.n.sum()),
                f"mean SUS per {md(seg)}, t-interval; grey = n < 20",
                unapplied=_unapplied(res),
            ),  # fmt: skip
        )
    elif miss:
        st.info(f"**SUS by {md(seg)}**: {md(miss[0].reason)}.", icon="🧩")

# ---- usability tasks ---------------------------------------------------------------------
st.header("Usability tasks", divider="blue")
task_col = role_column(ds, "task_id")
task_metrics = ["task_success_rate", "time_on_task", "error_rate"]
if task_col is None:
    overall, miss = app_state.metrics(ds, task_metrics, filters=filters)
    if not overall:
        needs_column("Task results", miss[0] if miss else None)
    else:
        st.info(
            "The data has no **task** column, so results are shown overall only. Map the task "
            "name to the Task role on the Data page to see them per task.",
            icon="🧩",
        )
        for r in overall:
            st.markdown(f"- **{r.label}**: {r.value:,.1f} {r.unit} (95% CI {r.ci_low:,.1f} … "
                        f"{r.ci_high:,.1f}, n = {r.n:,})")  # fmt: skip
else:
    by_task, task_missing = app_state.metrics(ds, task_metrics, by=task_col, filters=filters)
    cols = st.columns(3, gap="medium")
    titles = {
        "task_success_rate": "Task success by task",
        "time_on_task": "Time on task by task (successful attempts)",
        "error_rate": "Attempts with at least one error",
    }
    for col, mid in zip(cols, task_metrics, strict=True):
        with col:
            st.markdown(f"**{titles[mid]}**")
            df = results_df(by_task, mid)
            miss = next((m for m in task_missing if m.metric_id == mid), None)
            if df.empty:
                needs_column(_label(mid), miss)
                continue
            show_chart(
                charts.metric_by_group(df, mid, group_title=None),
                chart_caption(
                    int(df.n.sum()),
                    _method(by_task, mid),
                    unapplied=_unapplied([r for r in by_task if r.metric == mid]),
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
trend, trend_missing = app_state.metrics(ds, product_metrics, grain=grain, filters=filters)
by_seg, seg_missing = (
    app_state.metrics(ds, product_metrics, by=seg, filters=filters) if seg else ([], [])
)
for mid in product_metrics:
    st.subheader(_label(mid))
    tdf = results_df(trend, mid)
    miss = next((m for m in trend_missing if m.metric_id == mid), None)
    if tdf.empty:
        if miss is not None and "date" not in miss.needs:
            needs_column(_label(mid), miss)
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
                    f"by {grain}, {_method(trend, mid)} (band)",
                    unapplied=_unapplied([r for r in trend if r.metric == mid]),
                ),
            )
    with right:
        sdf = results_df(by_seg, mid)
        smiss = next((m for m in seg_missing if m.metric_id == mid), None)
        if not sdf.empty:
            show_chart(
                charts.metric_by_group(sdf, mid, group_title=seg),
                chart_caption(int(sdf.n.sum()), f"per {md(seg)}, 95% CI; grey = n < 20"),
            )
        elif smiss is not None and seg:
            st.info(f"**{_label(mid)} by {md(seg)}**: {md(smiss.reason)}.", icon="ℹ️")
