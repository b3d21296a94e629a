"""Distribution charts: SUS on the grade scale, NPS shares, answers per value, histograms, cohorts."""

from __future__ import annotations

import math

import altair as alt
import pandas as pd
import pyarrow as pa

from ..metrics import METRIC_BY_ID
from ..sus import SUS_GRADES
from .theme import (
    _GRAIN_FORMAT,
    _GRAIN_TITLES,
    BENCHMARK_COLOR,
    DETRACTOR_COLOR,
    FAMILY_COLORS,
    FAMILY_DARK,
    PASSIVE_COLOR,
    PROMOTER_COLOR,
    UX_COLOR,
    _as_time,
    _frame,
    _layer,
)


# ---- distributions -----------------------------------------------------------------------
def _grade_bands() -> pd.DataFrame:
    """Sauro–Lewis grade ranges (lower, upper, grade) for shading a SUS axis."""
    bounds = sorted(SUS_GRADES)  # ascending by lower bound
    rows = []
    for i, (lo, grade) in enumerate(bounds):
        hi = bounds[i + 1][0] if i + 1 < len(bounds) else 100.0
        rows.append({"lo": lo, "hi": hi, "grade": grade, "letter": grade[0]})
    return pd.DataFrame(rows)


# One light tint per grade letter; alternating lightness keeps adjacent bands distinguishable.
_GRADE_TINTS = {"F": "#F6E3DA", "D": "#FBEFD9", "C": "#EEEEEE", "B": "#E3F0F7", "A": "#DCEFE6"}


def sus_distribution(
    hist_df: pd.DataFrame | pa.Table, *, mean: float | None = None
) -> alt.LayerChart:
    """Histogram of per-respondent SUS with Sauro–Lewis grade bands shaded and a rule at 68.

    hist_df: bin_start, bin_end, count (share optional).
    """
    d = _frame(hist_df, ["bin_start", "bin_end", "count"])
    total = float(d["count"].sum()) or 1.0
    d["share"] = d["count"] / total
    d["range"] = [f"{a:g}–{b:g}" for a, b in zip(d.bin_start, d.bin_end, strict=True)]
    bands = _grade_bands()
    x = alt.X("lo:Q", title="SUS score per respondent (0–100)", scale=alt.Scale(domain=[0, 100]))
    shade = (
        alt.Chart(bands)
        .mark_rect(opacity=0.9)
        .encode(
            x=x,
            x2="hi:Q",
            color=alt.Color(
                "letter:N",
                scale=alt.Scale(domain=list(_GRADE_TINTS), range=list(_GRADE_TINTS.values())),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("grade:N", title="Sauro–Lewis grade"),
                alt.Tooltip("lo:Q", title="from", format=".1f"),
                alt.Tooltip("hi:Q", title="to", format=".1f"),
            ],
        )
    )
    # Label only the letter bands wide enough to hold text (A+/A/A−… are a few points wide).
    letters = bands.groupby("letter", as_index=False).agg(lo=("lo", "min"), hi=("hi", "max"))
    letters["mid"] = (letters["lo"] + letters["hi"]) / 2
    letter_text = (
        alt.Chart(letters)
        .mark_text(baseline="top", dy=4, fontSize=12, fontWeight=600, color="#6B6D76")
        .encode(x="mid:Q", y=alt.value(0), text="letter:N")
    )
    bars = (
        alt.Chart(d)
        .mark_bar(color=UX_COLOR, opacity=0.9, binSpacing=1, cornerRadiusEnd=0)
        .encode(
            x=alt.X("bin_start:Q", bin="binned", scale=alt.Scale(domain=[0, 100])),
            x2="bin_end:Q",
            # Headroom above the tallest bar keeps the grade letters and labels off the bars.
            y=alt.Y(
                "count:Q",
                title="Respondents",
                scale=alt.Scale(domain=[0, max(float(d["count"].max()) * 1.3, 1.0)], nice=False),
            ),
            tooltip=[
                alt.Tooltip("range:N", title="SUS"),
                alt.Tooltip("count:Q", title="respondents", format=","),
                alt.Tooltip("share:Q", title="share", format=".1%"),
            ],
        )
    )
    rule_df = pd.DataFrame({"x": [68.0], "label": ["68 = average"]})
    rule = alt.Chart(rule_df).mark_rule(color=BENCHMARK_COLOR, strokeDash=[5, 4], strokeWidth=2)
    rule = rule.encode(x="x:Q", tooltip=[alt.Tooltip("label:N", title="benchmark")])
    # The benchmark label goes on the side away from the mean so the two never overlap.
    mean_left = mean is not None and math.isfinite(mean) and mean < 68.0
    rule_text = (
        alt.Chart(rule_df)
        .mark_text(
            align="left" if mean_left else "right",
            dx=4 if mean_left else -4,
            dy=30,
            fontSize=11,
            fontWeight=600,
            color=BENCHMARK_COLOR,
        )
        .encode(x="x:Q", y=alt.value(0), text="label:N")
    )
    layers: list[alt.Chart] = [shade, letter_text, bars, rule, rule_text]
    if mean is not None and math.isfinite(mean):
        mdf = pd.DataFrame({"x": [mean], "label": [f"mean {mean:.1f}"]})
        layers.append(
            alt.Chart(mdf)
            .mark_rule(color=FAMILY_DARK["UX"], strokeWidth=2)
            .encode(x="x:Q", tooltip=[alt.Tooltip("label:N", title="mean")])
        )
        layers.append(
            alt.Chart(mdf)
            .mark_text(
                align="right" if mean_left else "left",
                dx=-4 if mean_left else 4,
                dy=30,
                fontSize=11,
                fontWeight=600,
                color=FAMILY_DARK["UX"],
            )
            .encode(x="x:Q", y=alt.value(0), text="label:N")
        )
    return _layer(*layers)


NPS_BUCKETS = ("Promoters", "Passives", "Detractors")
_NPS_COLORS = (PROMOTER_COLOR, PASSIVE_COLOR, DETRACTOR_COLOR)


def nps_composition(
    df: pd.DataFrame | pa.Table, *, grain: str | None = "month", by: str = "period"
) -> alt.Chart:
    """Stacked shares of promoters, passives and detractors per period (or per group).

    df: period (or group), promoters, detractors, n (passives = n − promoters − detractors).
    """
    d = _frame(df, [by, "promoters", "detractors", "n"])
    if by == "period":
        d = _as_time(d)
    d["passives"] = d["n"] - d["promoters"] - d["detractors"]
    d["nps"] = (d["promoters"] - d["detractors"]) / d["n"].where(d["n"] > 0) * 100
    long = d.melt(
        id_vars=[by, "n", "nps"],
        value_vars=["promoters", "passives", "detractors"],
        var_name="bucket",
        value_name="count",
    )
    long["bucket"] = long["bucket"].str.capitalize()
    long["share"] = long["count"] / long["n"].where(long["n"] > 0)
    long["order"] = long["bucket"].map({b: i for i, b in enumerate(NPS_BUCKETS)})
    if by == "period":
        xenc = alt.X(
            "period:T",
            title=_GRAIN_TITLES.get(grain or "month", "Period"),
            timeUnit="yearmonth" if grain == "month" else alt.Undefined,
            axis=alt.Axis(format=_GRAIN_FORMAT.get(grain or "month", "%Y"), labelAngle=0),
        )
        first = alt.Tooltip(
            "period:T", title="Month", format=_GRAIN_FORMAT.get(grain or "month", "%Y")
        )
    else:
        xenc = alt.X(f"{by}:N", title=None, axis=alt.Axis(labelAngle=0))
        first = alt.Tooltip(f"{by}:N", title="group")
    chart: alt.Chart = (
        alt.Chart(long)
        .mark_bar(cornerRadiusEnd=0)
        .encode(
            x=xenc,
            y=alt.Y(
                "share:Q",
                title="Share of respondents (%)",
                stack="normalize",
                axis=alt.Axis(format="%"),
            ),
            color=alt.Color(
                "bucket:N",
                title=None,
                scale=alt.Scale(domain=list(NPS_BUCKETS), range=list(_NPS_COLORS)),
                sort=list(NPS_BUCKETS),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                first,
                alt.Tooltip("bucket:N", title="group"),
                alt.Tooltip("count:Q", title="respondents", format=","),
                alt.Tooltip("share:Q", title="share", format=".1%"),
                alt.Tooltip("nps:Q", title="NPS", format="+.0f"),
                alt.Tooltip("n:Q", title="n", format=","),
            ],
        )
    )
    return chart


def _scale_bucket(metric_id: str | None, v: float) -> str:
    """Which part of a scale a value counts as (NPS buckets, CSAT top-2-box, SUS not used)."""
    if metric_id in ("nps", "product_nps"):
        return "Promoters" if v >= 9 else "Detractors" if v <= 6 else "Passives"
    if metric_id == "csat":
        return "Counted as satisfied (4–5)" if v >= 4 else "Not satisfied (1–3)"
    return "Answers"


def score_distribution(
    df: pd.DataFrame | pa.Table,
    metric_id: str | None = None,
    *,
    x_title: str = "Answer",
    family: str | None = None,
) -> alt.Chart:
    """Counts per scale value (e.g. CSAT 1–5, NPS 0–10, CES 1–7); NPS/CSAT parts coloured.

    df: value, count.
    """
    d = _frame(df, ["value", "count"])
    fam = family or (METRIC_BY_ID[metric_id].family if metric_id else "CX")
    total = float(d["count"].sum()) or 1.0
    d["share"] = d["count"] / total
    d["bucket"] = [_scale_bucket(metric_id, float(v)) for v in d["value"]]
    d["label"] = [f"{v:g}" for v in d["value"]]
    buckets = list(dict.fromkeys(d["bucket"]))
    if metric_id in ("nps", "product_nps"):
        domain, rng = list(NPS_BUCKETS), list(_NPS_COLORS)
    elif metric_id == "csat":
        domain = ["Counted as satisfied (4–5)", "Not satisfied (1–3)"]
        rng = [FAMILY_COLORS[fam], "#C9C9C9"]
    else:
        domain, rng = buckets, [FAMILY_COLORS[fam]]
    order = [f"{v:g}" for v in sorted(d["value"])]
    chart: alt.Chart = (
        alt.Chart(d)
        .mark_bar()
        .encode(
            x=alt.X("label:N", title=x_title, sort=order, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("count:Q", title="Respondents"),
            color=alt.Color(
                "bucket:N",
                title=None,
                scale=alt.Scale(domain=domain, range=rng),
                legend=None if len(domain) == 1 else alt.Legend(),
            ),
            tooltip=[
                alt.Tooltip("label:N", title=x_title),
                alt.Tooltip("count:Q", title="respondents", format=","),
                alt.Tooltip("share:Q", title="share", format=".1%"),
                alt.Tooltip("bucket:N", title="counts as"),
            ],
        )
    )
    return chart


def histogram(
    df: pd.DataFrame | pa.Table,
    *,
    x_title: str = "Value",
    y_title: str = "Count",
    family: str = "CX",
    x_format: str = ",.0f",
) -> alt.Chart:
    """Bars of pre-binned counts. df: bin_start, bin_end, count."""
    d = _frame(df, ["bin_start", "bin_end", "count"])
    total = float(d["count"].sum()) or 1.0
    d["share"] = d["count"] / total
    chart: alt.Chart = (
        alt.Chart(d)
        .mark_bar(color=FAMILY_COLORS.get(family, UX_COLOR), binSpacing=1, cornerRadiusEnd=0)
        .encode(
            x=alt.X("bin_start:Q", bin="binned", title=x_title, axis=alt.Axis(format=x_format)),
            x2="bin_end:Q",
            y=alt.Y(
                "count:Q",
                title=y_title,
                scale=alt.Scale(domain=[0, max(float(d["count"].max()) * 1.08, 1.0)]),
            ),
            tooltip=[
                alt.Tooltip("bin_start:Q", title="from", format=x_format),
                alt.Tooltip("bin_end:Q", title="to (excl.)", format=x_format),
                alt.Tooltip("count:Q", title=y_title.lower(), format=","),
                alt.Tooltip("share:Q", title="share", format=".1%"),
            ],
        )
    )
    return chart


def cohort_heatmap(df: pd.DataFrame | pa.Table, *, value_title: str = "Still active") -> alt.Chart:
    """Signup cohort × months since signup, shaded by the share still active (with labels).

    df: cohort (month), months_since, share, active, customers.
    """
    d = _frame(df, ["cohort", "months_since", "share", "customers"])
    d = _as_time(d, "cohort")
    d["cohort_label"] = d["cohort"].dt.strftime("%Y-%m")
    cohorts = sorted(d["cohort_label"].unique())
    lo = math.floor(float(d["share"].min()) * 10) / 10 if not d.empty else 0.0
    base = alt.Chart(d).encode(
        x=alt.X(
            "months_since:O",
            title="Months since signup",
            axis=alt.Axis(labelAngle=0, labelOverlap=True),
        ),
        y=alt.Y("cohort_label:O", title="Signup month", sort=cohorts),
    )
    tips = [
        alt.Tooltip("cohort_label:N", title="signup month"),
        alt.Tooltip("months_since:O", title="months since signup"),
        alt.Tooltip("share:Q", title=value_title.lower(), format=".1%"),
        alt.Tooltip("customers:Q", title="customers in cohort", format=","),
    ]
    if "active" in d.columns:
        tips.insert(3, alt.Tooltip("active:Q", title="still active", format=","))
    rects = base.mark_rect(stroke="white", strokeWidth=0.5).encode(
        color=alt.Color(
            "share:Q",
            title=f"{value_title} (%)",
            # Start the colour ramp near the lowest share so differences between cohorts show.
            scale=alt.Scale(scheme="oranges", domain=[lo, 1.0], reverse=False),
            legend=alt.Legend(format="%", orient="right", gradientLength=160),
        ),
        tooltip=tips,
    )
    chart: alt.Chart = rects.properties(height=alt.Step(16) if len(cohorts) > 12 else alt.Step(22))
    return chart
