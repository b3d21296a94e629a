"""UX ↔ retention charts: score vs outcome (with the strip under it) and the outcome by band.

No Streamlit here. Every chart is built from aggregates (score bins, bands, Kaplan–Meier steps,
driver shares), never from customer rows, because st.altair_chart ships the whole frame to the
browser. The binning, rates and fitted bands come from uxcx.stats; this module only draws them.
The survival and key-driver charts live in charts.survival and charts.drivers and are re-exported
here, so the retention page needs one module.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from ..retention import Band, Scatter
from ..stats.bins import bin_counts, bin_points, bin_rates, merge_bins
from ..stats.regression import LogisticResult, logistic_band, ols_band
from .drivers import drivers_chart, drivers_frame
from .survival import km_chart, km_frame, km_y_floor, survival_table
from .theme import (
    BAND_PALETTES,
    BENCHMARK_COLOR,
    FAMILY_DARK,
    LOW_N,
    LOW_N_COLOR,
    UX_COLOR,
    _ci_text,
    _layer,
    _num_text,
    _pct,
    _small,
    band_scale,
)

__all__ = [
    "BAND_PALETTES",
    "CURVE_POINTS",
    "MAX_SCORE_BINS",
    "Y_AXIS_EXTENT",
    "band_rates_chart",
    "band_scale",
    "bands_frame",
    "drivers_chart",
    "drivers_frame",
    "is_binary",
    "km_chart",
    "km_frame",
    "km_y_floor",
    "logistic_curve",
    "ols_band",
    "outcome_strip",
    "outcome_word",
    "scatter_chart",
    "score_bins",
    "survival_table",
]

# The y-axis of the score chart and of the strip under it get the same width, so their plot
# areas (and therefore their x axes) line up when stacked.
Y_AXIS_EXTENT = 58
MAX_SCORE_BINS = 16
CURVE_POINTS = 80


def outcome_word(direction: str) -> str:
    """'Churned' or 'Retained': what y = 1 means."""
    return "Retained" if direction.startswith("retained") else "Churned"


def is_binary(scatter: Scatter) -> bool:
    """Whether the outcome on the y axis is a 0/1 flag (customer level)."""
    y = pd.to_numeric(scatter.data["y"], errors="coerce").dropna()
    return len(y) > 0 and bool(y.isin([0, 1]).all())


# ---- score bins ----------------------------------------------------------------------------
def _counts_per_bin(scatter: Scatter, max_bins: int) -> pd.DataFrame:
    """Customers (and y = 1 customers) per score bin: x_lo, x_hi, x, n, events."""
    d = scatter.data
    if scatter.kind == "binned":
        # Already 40 equal-width bins: merge neighbours to at most max_bins.
        return merge_bins(d, max_bins)
    return bin_counts(d["x"].to_numpy(float), d["y"], max_bins)


def score_bins(scatter: Scatter, max_bins: int = MAX_SCORE_BINS) -> pd.DataFrame:
    """Share of y = 1 per score bin with adjusted-Wald 95% CIs (one row per bin, ≤ max_bins)."""
    out = bin_rates(_counts_per_bin(scatter, max_bins))
    out["range"] = [
        f"{_num_text(a)}–{_num_text(b)}" for a, b in zip(out.x_lo, out.x_hi, strict=True)
    ]
    out["ci"] = [_ci_text(a, b) for a, b in zip(out.ci_low, out.ci_high, strict=True)]
    out["note"] = ["too few for a stable estimate" if n < LOW_N else "" for n in out["n"]]
    return _small(out)


def logistic_curve(
    logistic: LogisticResult, x_lo: float, x_hi: float, points: int = CURVE_POINTS
) -> pd.DataFrame:
    """Fitted P(y = 1) over a grid of scores, with a delta-method 95% band on the logit scale."""
    df = logistic_band(logistic, x_lo, x_hi, points)
    df["ci"] = [_ci_text(a, b) for a, b in zip(df.ci_low, df.ci_high, strict=True)]
    return df


def _x_domain(scatter: Scatter) -> list[float]:
    """The score range the score chart and the strip under it share."""
    d = scatter.data
    if scatter.kind == "binned":
        return [float(d["x_lo"].min()), float(d["x_hi"].max())]
    _, lows, highs = bin_points(d["x"].to_numpy(float), MAX_SCORE_BINS)
    return [float(lows.min()), float(highs.max())]


def _y_axis(title: str, fmt: str | None = None) -> alt.Axis:
    return alt.Axis(
        title=title,
        format=fmt or alt.Undefined,
        minExtent=Y_AXIS_EXTENT,
        maxExtent=Y_AXIS_EXTENT,
        tickCount=5,
    )


def scatter_chart(
    scatter: Scatter,
    *,
    logistic: LogisticResult | None = None,
    direction: str = "churned = 1",
    x_title: str | None = None,
) -> alt.LayerChart | alt.Chart:
    """UX score against the outcome, with a fitted line and 95% band.

    Yes/no outcome (customers): share of y = 1 per score bin (dot size = customers, bar = 95%
    CI) under the fitted logistic curve. Numeric outcome (groups): points with an OLS line.
    """
    x_title = x_title or scatter.x_label
    if is_binary(scatter):
        return _binary_chart(scatter, logistic, direction, x_title)
    if scatter.kind == "binned":
        return _heatmap(scatter, direction, x_title)
    return _points_chart(scatter, direction, x_title)


def _binary_chart(
    scatter: Scatter, logistic: LogisticResult | None, direction: str, x_title: str
) -> alt.LayerChart:
    word = outcome_word(direction)
    bins = score_bins(scatter)
    domain = _x_domain(scatter)
    x = alt.X("x:Q", title=x_title, scale=alt.Scale(domain=domain, nice=False, zero=False))
    # Bins with few customers have huge intervals: they are drawn (grey) but do not set the axis.
    stable = bins[bins["n"] >= LOW_N] if (bins["n"] >= LOW_N).any() else bins
    top = float(stable["ci_high"].max())
    curve = None
    if logistic is not None and math.isfinite(logistic.slope):
        curve = logistic_curve(logistic, domain[0], domain[1])
    if curve is not None:
        top = max(top, float(curve["p"].max()))
    scale = alt.Scale(domain=[0.0, min(1.0, top * 1.12 + 0.01)], nice=False)
    axis = _y_axis(f"{word} (% of customers)", "%")

    def y(field: str) -> alt.Y:
        # Same axis and scale on every layer, so the merged axis keeps one title.
        return alt.Y(f"{field}:Q", axis=axis, scale=scale)

    layers: list[alt.Chart] = []
    if curve is not None:
        ctips = [
            alt.Tooltip("x:Q", title=x_title, format=",.1f"),
            alt.Tooltip("p:Q", title=f"fitted share {word.lower()}", format=".1%"),
            alt.Tooltip("ci:N", title="95% CI"),
        ]
        cbase = alt.Chart(curve).encode(x=x)
        layers.append(
            cbase.mark_area(color=UX_COLOR, opacity=0.16, clip=True).encode(
                y=y("ci_low"), y2="ci_high:Q", tooltip=ctips
            )
        )
        layers.append(
            cbase.mark_line(color=FAMILY_DARK["UX"], strokeWidth=2.5, clip=True).encode(
                y=y("p"), tooltip=ctips
            )
        )
    low = f"datum.n < {LOW_N}"
    colour = alt.condition(low, alt.value(LOW_N_COLOR), alt.value(UX_COLOR))
    tips = [
        alt.Tooltip("range:N", title=x_title),
        alt.Tooltip("n:Q", title="customers", format=","),
        alt.Tooltip("events:Q", title=word.lower(), format=","),
        alt.Tooltip("rate:Q", title=f"share {word.lower()}", format=".1%"),
        alt.Tooltip("ci:N", title="95% CI (adjusted Wald)"),
        alt.Tooltip("note:N", title="note"),
    ]
    base = alt.Chart(bins).encode(x=x)
    layers.append(
        base.mark_rule(strokeWidth=1.5, clip=True).encode(
            y=y("ci_low"), y2="ci_high:Q", color=colour, tooltip=tips
        )
    )
    layers.append(
        base.mark_point(filled=True, opacity=0.9, clip=True).encode(
            y=y("rate"),
            color=colour,
            # No size legend: the caption says size = customers and the tooltip gives n.
            size=alt.Size(
                "n:Q",
                scale=alt.Scale(domain=[0, float(bins["n"].max())], range=[12, 260]),
                legend=None,
            ),
            tooltip=tips,
        )
    )
    return _layer(*layers).properties(height=280)


def _points_chart(scatter: Scatter, direction: str, x_title: str) -> alt.LayerChart:
    """Few units (groups): one point each, labelled, with an OLS line and its 95% band."""
    d = _small(scatter.data.copy())
    word = outcome_word(direction)
    d["x"] = pd.to_numeric(d["x"], errors="coerce")
    d["y"] = pd.to_numeric(d["y"], errors="coerce")
    d = d.dropna(subset=["x", "y"])
    has_unit = "unit" in d.columns
    if has_unit:
        d["unit"] = d["unit"].astype(str)
    x = alt.X("x:Q", title=x_title, scale=alt.Scale(zero=False, nice=True))
    y_title = f"{word} (% of customers in the group)"
    y_scale = alt.Scale(zero=False, nice=True)
    y = alt.Y("y:Q", axis=_y_axis(y_title, "%"), scale=y_scale)
    tips = [alt.Tooltip("unit:N", title="group")] if has_unit else []
    tips += [
        alt.Tooltip("x:Q", title=x_title, format=",.1f"),
        alt.Tooltip("y:Q", title=f"share {word.lower()}", format=".1%"),
    ]
    if "customers" in d.columns and d["customers"].notna().any():
        tips.append(alt.Tooltip("customers:Q", title="customers", format=","))
    layers: list[alt.Chart] = []
    fit = ols_band(d["x"].to_numpy(float), d["y"].to_numpy(float))
    if fit is not None:
        fbase = alt.Chart(fit).encode(x=x)
        layers.append(
            fbase.mark_area(color=UX_COLOR, opacity=0.16).encode(
                y=alt.Y("ci_low:Q", axis=_y_axis(y_title, "%"), scale=y_scale), y2="ci_high:Q"
            )
        )
        layers.append(
            fbase.mark_line(color=FAMILY_DARK["UX"], strokeWidth=2).encode(
                y=alt.Y("fit:Q", axis=_y_axis(y_title, "%"), scale=y_scale)
            )
        )
    base = alt.Chart(d).encode(x=x, y=y, tooltip=tips)
    layers.append(base.mark_point(filled=True, size=90, color=UX_COLOR, opacity=0.9))
    if has_unit and len(d) <= 30:
        layers.append(base.mark_text(align="left", dx=7, dy=-7, fontSize=11).encode(text="unit:N"))
    return _layer(*layers).properties(height=280)


def _heatmap(scatter: Scatter, direction: str, x_title: str) -> alt.Chart:
    """Many units with a numeric outcome: counts on a grid of score bins × outcome bins."""
    d = _small(scatter.data.copy())
    word = outcome_word(direction)
    chart: alt.Chart = (
        alt.Chart(d)
        .mark_rect()
        .encode(
            x=alt.X("x_lo:Q", title=x_title, bin="binned"),
            x2="x_hi:Q",
            y=alt.Y("y:Q", bin=alt.Bin(maxbins=20), axis=_y_axis(word)),
            color=alt.Color("sum(count):Q", title="customers", scale=alt.Scale(scheme="blues")),
            tooltip=[
                alt.Tooltip("x_lo:Q", title="score from", format=",.1f"),
                alt.Tooltip("x_hi:Q", title="score to", format=",.1f"),
                alt.Tooltip("sum(count):Q", title="customers", format=","),
            ],
        )
        .properties(height=280)
    )
    return chart


def outcome_strip(scatter: Scatter, *, direction: str = "churned = 1") -> alt.Chart:
    """Where the customers are: a 2-D heatmap of customers per score bin × outcome (yes / no).

    Sits under scatter_chart with the same x range and y-axis width, so the bins line up.
    """
    word = outcome_word(direction)
    other = "Churned" if word == "Retained" else "Stayed"
    # The same bins as the dots above, so each cell sits right under its dot.
    counts = _counts_per_bin(scatter, MAX_SCORE_BINS)
    rows = []
    # Zipped columns yield the Python scalars itertuples would, but pandas-stubs types an
    # itertuples field as any scalar (a date, NaT…), which float() and int() do not take.
    bins = zip(counts["x_lo"], counts["x_hi"], counts["n"], counts["events"], strict=True)
    for x_lo, x_hi, n, events in bins:
        rng = f"{_num_text(x_lo)}–{_num_text(x_hi)}"
        for label, k in ((word, events), (other, n - events)):
            share = k / n if n else math.nan
            rows.append(
                {
                    "x_lo": x_lo,
                    "x_hi": x_hi,
                    "outcome": label,
                    "customers": int(k),
                    "share": share,
                    "range": rng,
                    "bin_n": int(n),
                }  # fmt: skip
            )
    d = _small(pd.DataFrame(rows))
    chart: alt.Chart = (
        alt.Chart(d)
        .mark_rect(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X(
                "x_lo:Q",
                bin="binned",
                title=None,
                scale=alt.Scale(domain=_x_domain(scatter), nice=False, zero=False),
                axis=alt.Axis(labels=False, ticks=False, domain=False),
            ),
            x2="x_hi:Q",
            # A y title like the chart above keeps both plot areas starting at the same x.
            y=alt.Y(
                "outcome:N",
                sort=[word, other],
                axis=alt.Axis(
                    title="Customers",
                    minExtent=Y_AXIS_EXTENT,
                    maxExtent=Y_AXIS_EXTENT,
                    ticks=False,
                    domain=False,
                ),
            ),
            # No legend (it would narrow the plot and break the alignment); tooltips give counts.
            color=alt.Color("customers:Q", scale=alt.Scale(scheme="blues"), legend=None),
            tooltip=[
                alt.Tooltip("range:N", title="score"),
                alt.Tooltip("outcome:N", title="outcome"),
                alt.Tooltip("customers:Q", title="customers", format=","),
                alt.Tooltip("share:Q", title="share of the bin", format=".1%"),
                alt.Tooltip("bin_n:Q", title="customers in the bin", format=","),
            ],
        )
        .properties(height=78)
    )
    return chart


# ---- bands -------------------------------------------------------------------------------
def bands_frame(bands: Sequence[Band]) -> pd.DataFrame:
    """One row per band (worst first) with the rate, its CI and the text tooltips need."""
    rows = []
    for i, b in enumerate(bands):
        rows.append(
            {
                "band": b.band,
                "order": i,
                "n": b.n,
                "events": b.events,
                "rate": b.rate,
                "ci_low": b.ci_low,
                "ci_high": b.ci_high,
                "ci": _ci_text(b.ci_low, b.ci_high),
                "scores": f"{_num_text(b.x_min)}–{_num_text(b.x_max)}",
                "x_mean": b.x_mean,
                "label": _pct(b.rate, 0),
            }
        )
    return _small(pd.DataFrame(rows))


def band_rates_chart(
    bands: Sequence[Band],
    *,
    direction: str = "churned = 1",
    band_title: str = "UX band",
    overall: float | None = None,
) -> alt.LayerChart:
    """Share of y = 1 per band (worst UX left), bars coloured by band, 95% CI error bars."""
    d = bands_frame(bands)
    word = outcome_word(direction)
    order = list(d["band"])
    has_ci = bool(d["ci_low"].notna().any())
    # Band names wrap at the space ("F" over "(<51.7)") so five bands fit side by side.
    x = alt.X(
        "band:N",
        title=band_title,
        sort=order,
        axis=alt.Axis(labelAngle=0, labelLimit=160, labelExpr="split(datum.label, ' ')"),
    )
    top = float(np.nanmax(d["ci_high"])) if has_ci else float(d["rate"].max())
    axis = alt.Axis(title=f"{word} (% of customers)", format="%", tickCount=5)
    scale = alt.Scale(domain=[0, min(1.0, top * 1.15 + 0.01)], nice=False)

    def y(field: str) -> alt.Y:
        return alt.Y(f"{field}:Q", axis=axis, scale=scale)

    tips = [
        alt.Tooltip("band:N", title=band_title),
        alt.Tooltip("scores:N", title="scores in band"),
        alt.Tooltip("n:Q", title="customers", format=","),
        alt.Tooltip("events:Q", title=word.lower(), format=","),
        alt.Tooltip("rate:Q", title=f"share {word.lower()}", format=".1%"),
        alt.Tooltip("ci:N", title="95% CI (adjusted Wald)"),
    ]
    base = alt.Chart(d).encode(x=x)
    layers: list[alt.Chart] = [
        base.mark_bar(opacity=0.85, width={"band": 0.62}).encode(
            y=y("rate"),
            color=alt.Color("band:N", scale=band_scale(order), legend=None),
            tooltip=tips,
        )
    ]
    if has_ci:
        layers.append(
            base.mark_rule(color="#31333F", strokeWidth=1.5).encode(
                y=y("ci_low"), y2="ci_high:Q", tooltip=tips
            )
        )
        for col in ("ci_low", "ci_high"):
            layers.append(base.mark_tick(color="#31333F", thickness=1.5, size=10).encode(y=y(col)))
    # Labels sit above the error bar so they never collide with it.
    layers.append(
        base.mark_text(dy=-8, fontSize=12, fontWeight=600, baseline="bottom").encode(
            y=y("ci_high" if has_ci else "rate"), text="label:N"
        )
    )
    if overall is not None and math.isfinite(overall):
        odf = pd.DataFrame({"rate": [overall], "label": [f"all: {_pct(overall)}"]})
        layers.append(
            alt.Chart(odf)
            .mark_rule(color=BENCHMARK_COLOR, strokeDash=[5, 4], strokeWidth=1.2)
            .encode(y=y("rate"), tooltip=[alt.Tooltip("label:N", title="all customers")])
        )
    return _layer(*layers).properties(height=280)
