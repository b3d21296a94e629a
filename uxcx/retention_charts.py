"""UX ↔ retention charts: score vs outcome, outcome by band, survival curves, key drivers.

No Streamlit here. Every chart is built from aggregates (score bins, bands, Kaplan–Meier steps,
driver shares), never from customer rows, because st.altair_chart ships the whole frame to the
browser. The theme and the UX colour come from uxcx.charts (importing it registers the theme).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from . import stats
from .charts import BENCHMARK_COLOR, FAMILY_DARK, LOW_N, LOW_N_COLOR, MAX_ROWS, UX_COLOR
from .retention import Band, KeyDrivers, Scatter, Survival

# Bands run from the worst UX score to the best: a diverging red → grey → blue ramp keeps the
# order readable and ends on a strong blue for good UX (ColorBrewer RdBu with a grey middle, so
# no band is drawn in near-white).
BAND_PALETTES: dict[int, tuple[str, ...]] = {
    1: (UX_COLOR,),
    2: ("#B2182B", "#2166AC"),
    3: ("#B2182B", "#8C8C8C", "#2166AC"),
    4: ("#B2182B", "#EF8A62", "#67A9CF", "#2166AC"),
    5: ("#B2182B", "#EF8A62", "#8C8C8C", "#67A9CF", "#2166AC"),
}
# The y-axis of the score chart and of the strip under it get the same width, so their plot
# areas (and therefore their x axes) line up when stacked.
Y_AXIS_EXTENT = 58
MAX_SCORE_BINS = 16
CURVE_POINTS = 80


def _small(df: pd.DataFrame) -> pd.DataFrame:
    """Refuse anything that looks like raw rows rather than an aggregate."""
    if len(df) > MAX_ROWS:
        raise ValueError(f"charts take aggregates (≤ {MAX_ROWS} rows), got {len(df)} rows")
    return df


def band_scale(bands: Sequence[str]) -> alt.Scale:
    """Colour scale for bands given worst first (the same colours on every band chart)."""
    names = list(dict.fromkeys(str(b) for b in bands))
    palette = BAND_PALETTES.get(len(names))
    if palette is None:  # many groups: an ordered perceptual ramp
        return alt.Scale(domain=names, scheme={"name": "viridis", "extent": [0.1, 0.85]})
    return alt.Scale(domain=names, range=list(palette))


def outcome_word(direction: str) -> str:
    """'Churned' or 'Retained': what y = 1 means."""
    return "Retained" if direction.startswith("retained") else "Churned"


def _pct(v: float | None, digits: int = 1) -> str:
    if v is None or not math.isfinite(v):
        return "–"
    return f"{100 * v:.{digits}f}%"


def _ci_text(lo: float, hi: float, digits: int = 1) -> str:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "–"
    return f"{_pct(lo, digits)} … {_pct(hi, digits)}"


def _num_text(v: float) -> str:
    return f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}"


def is_binary(scatter: Scatter) -> bool:
    """Whether the outcome on the y axis is a 0/1 flag (customer level)."""
    y = pd.to_numeric(scatter.data["y"], errors="coerce").dropna()
    return len(y) > 0 and bool(y.isin([0, 1]).all())


# ---- score bins ----------------------------------------------------------------------------
def _nice_width(span: float, max_bins: int) -> float:
    """The smallest 1/2/2.5/5 × 10^k width giving at most max_bins bins over span."""
    if not math.isfinite(span) or span <= 0:
        return 1.0
    k = math.floor(math.log10(span / max_bins))
    for power in (k, k + 1):
        for m in (1, 2, 2.5, 5):
            w = m * 10.0**power
            if span / w <= max_bins + 1e-9:
                return w
    return 10.0 ** (k + 2)


def _bin_points(x: np.ndarray, max_bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bin index per x on nice edges, and the (lower, upper) edge of every bin."""
    lo, hi = float(np.min(x)), float(np.max(x))
    w = _nice_width(hi - lo, max_bins)
    lo_edge = math.floor(lo / w + 1e-9) * w
    hi_edge = math.ceil(hi / w - 1e-9) * w
    if hi_edge <= lo_edge:
        hi_edge = lo_edge + w
    k = max(int(round((hi_edge - lo_edge) / w)), 1)
    # The top edge belongs to the last bin (a SUS of 100 is in 95–100, not in 100–105).
    idx = np.clip(np.floor((x - lo_edge) / w + 1e-9).astype(int), 0, k - 1)
    edges = lo_edge + w * np.arange(k + 1)
    return idx, edges[:-1], edges[1:]


def _counts_per_bin(scatter: Scatter, max_bins: int) -> pd.DataFrame:
    """Customers (and y = 1 customers) per score bin: x_lo, x_hi, x, n, events."""
    d = scatter.data
    if scatter.kind == "binned":
        # Already 40 equal-width bins: merge neighbours to at most max_bins.
        width = float((d["x_hi"] - d["x_lo"]).max()) if len(d) else 1.0
        lo = float(d["x_lo"].min()) if len(d) else 0.0
        i0 = np.round((d["x_lo"].to_numpy(float) - lo) / width).astype(int)
        total = int(i0.max()) + 1 if len(d) else 1
        factor = max(math.ceil(total / max_bins), 1)
        g = d.assign(
            bin=i0 // factor,
            events=d["count"] * (d["y"] == 1),
        ).groupby("bin", as_index=False)
        out = g.agg(
            x_lo=("x_lo", "min"), x_hi=("x_hi", "max"), n=("count", "sum"), events=("events", "sum")
        )
        out["x_lo"] = lo + out["bin"] * factor * width
        # The last merged bin may hold fewer than `factor` bins: it ends where the data ends.
        out["x_hi"] = np.minimum(out["x_lo"] + factor * width, float(d["x_hi"].max()))
    else:
        x = d["x"].to_numpy(float)
        idx, lows, highs = _bin_points(x, max_bins)
        y = pd.to_numeric(d["y"], errors="coerce").fillna(0).to_numpy(float)
        out = (
            pd.DataFrame({"bin": idx, "n": 1, "events": (y == 1).astype(int)})
            .groupby("bin", as_index=False)
            .sum()
        )
        out["x_lo"] = lows[out["bin"]]
        out["x_hi"] = highs[out["bin"]]
    out["x"] = (out["x_lo"] + out["x_hi"]) / 2
    out["n"] = out["n"].astype("int64")
    out["events"] = out["events"].round().astype("int64")
    return out[out["n"] > 0].drop(columns="bin").reset_index(drop=True)


def score_bins(scatter: Scatter, max_bins: int = MAX_SCORE_BINS) -> pd.DataFrame:
    """Share of y = 1 per score bin with adjusted-Wald 95% CIs (one row per bin, ≤ max_bins)."""
    out = _counts_per_bin(scatter, max_bins)
    est = [
        stats.adjusted_wald(int(e), int(n)) for e, n in zip(out["events"], out["n"], strict=True)
    ]
    out["rate"] = [e.value for e in est]
    out["ci_low"] = [e.ci_low for e in est]
    out["ci_high"] = [e.ci_high for e in est]
    out["range"] = [
        f"{_num_text(a)}–{_num_text(b)}" for a, b in zip(out.x_lo, out.x_hi, strict=True)
    ]
    out["ci"] = [_ci_text(a, b) for a, b in zip(out.ci_low, out.ci_high, strict=True)]
    out["note"] = ["too few for a stable estimate" if n < LOW_N else "" for n in out["n"]]
    return _small(out)


def logistic_curve(
    logistic: stats.LogisticResult, x_lo: float, x_hi: float, points: int = CURVE_POINTS
) -> pd.DataFrame:
    """Fitted P(y = 1) over a grid of scores, with a delta-method 95% band on the logit scale."""
    x = np.linspace(x_lo, x_hi, points)
    eta = logistic.intercept + logistic.slope * x
    cov = np.asarray(logistic.cov, dtype=float)
    var = cov[0, 0] + 2 * x * cov[0, 1] + x**2 * cov[1, 1]
    half = stats.z_crit(0.95) * np.sqrt(np.clip(var, 0, None))

    def expit(v: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-v))

    df = pd.DataFrame(
        {"x": x, "p": expit(eta), "ci_low": expit(eta - half), "ci_high": expit(eta + half)}
    )
    df["ci"] = [_ci_text(a, b) for a, b in zip(df.ci_low, df.ci_high, strict=True)]
    return df


def _x_domain(scatter: Scatter) -> list[float]:
    """The score range the score chart and the strip under it share."""
    d = scatter.data
    if scatter.kind == "binned":
        return [float(d["x_lo"].min()), float(d["x_hi"].max())]
    _, lows, highs = _bin_points(d["x"].to_numpy(float), MAX_SCORE_BINS)
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
    logistic: stats.LogisticResult | None = None,
    direction: str = "churned = 1",
    x_title: str | None = None,
) -> alt.LayerChart:
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
    scatter: Scatter, logistic: stats.LogisticResult | None, direction: str, x_title: str
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
    return alt.layer(*layers).properties(height=280)


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
    return alt.layer(*layers).properties(height=280)


def ols_band(x: np.ndarray, y: np.ndarray, points: int = 40) -> pd.DataFrame | None:
    """Least-squares line of y on x over x's range with a t-based 95% band for the mean."""
    n = len(x)
    if n < 3 or float(np.ptp(x)) == 0:
        return None
    mx = float(x.mean())
    sxx = float(((x - mx) ** 2).sum())
    slope = float(((x - mx) * (y - y.mean())).sum()) / sxx
    icpt = float(y.mean()) - slope * mx
    resid = y - (icpt + slope * x)
    s = math.sqrt(float((resid**2).sum()) / (n - 2))
    from scipy.stats import t as t_dist  # scipy is heavy: only on the (rare) group path

    tc = float(t_dist.ppf(0.975, n - 2))
    grid = np.linspace(float(x.min()), float(x.max()), points)
    fit = icpt + slope * grid
    half = tc * s * np.sqrt(1 / n + (grid - mx) ** 2 / sxx)
    return pd.DataFrame({"x": grid, "fit": fit, "ci_low": fit - half, "ci_high": fit + half})


def _heatmap(scatter: Scatter, direction: str, x_title: str) -> alt.Chart:
    """Many units with a numeric outcome: counts on a grid of score bins × outcome bins."""
    d = _small(scatter.data.copy())
    word = outcome_word(direction)
    return (
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


def outcome_strip(scatter: Scatter, *, direction: str = "churned = 1") -> alt.Chart:
    """Where the customers are: a 2-D heatmap of customers per score bin × outcome (yes / no).

    Sits under scatter_chart with the same x range and y-axis width, so the bins line up.
    """
    word = outcome_word(direction)
    other = "Churned" if word == "Retained" else "Stayed"
    # The same bins as the dots above, so each cell sits right under its dot.
    counts = _counts_per_bin(scatter, MAX_SCORE_BINS)
    rows = []
    for r in counts.itertuples():
        rng = f"{_num_text(r.x_lo)}–{_num_text(r.x_hi)}"
        for label, k in ((word, r.events), (other, r.n - r.events)):
            share = k / r.n if r.n else math.nan
            rows.append(
                {
                    "x_lo": r.x_lo,
                    "x_hi": r.x_hi,
                    "outcome": label,
                    "customers": int(k),
                    "share": share,
                    "range": rng,
                    "bin_n": int(r.n),
                }  # fmt: skip
            )
    d = _small(pd.DataFrame(rows))
    return (
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
    return alt.layer(*layers).properties(height=280)


# ---- survival ----------------------------------------------------------------------------
def km_frame(survival: Survival, *, include_overall: bool = False) -> pd.DataFrame:
    """The Kaplan–Meier steps for the chart, with preformatted CI text."""
    d = survival.curves.copy()
    if not include_overall:
        d = d[d["band"] != "All"]
    d = d.dropna(subset=["survival"]).reset_index(drop=True)
    d["ci"] = [_ci_text(a, b) for a, b in zip(d.ci_low, d.ci_high, strict=True)]
    return _small(d)


def km_y_floor(survival: Survival) -> float:
    """Where the survival axis starts: zoomed to the curves, at a round tenth, never above 0.9."""
    d = km_frame(survival)
    low = float(d["ci_low"].min()) if len(d) else 0.0
    return max(0.0, min(0.9, math.floor(low * 10 - 1e-9) / 10))


def km_chart(
    survival: Survival,
    *,
    band_order: Sequence[str] | None = None,
    time_title: str = "Months as a customer (tenure)",
    band_title: str = "UX band",
) -> alt.LayerChart:
    """Kaplan–Meier curves per band as steps, with Greenwood log(−log) 95% bands."""
    d = km_frame(survival)
    order = list(band_order) if band_order else list(dict.fromkeys(d["band"]))
    order = [b for b in order if b in set(d["band"])]
    y_lo = km_y_floor(survival)
    colour = alt.Color(
        "band:N", title=band_title, scale=band_scale(order), sort=order, legend=alt.Legend()
    )
    x = alt.X("time:Q", title=time_title, scale=alt.Scale(nice=False, zero=True))
    tips = [
        alt.Tooltip("band:N", title=band_title),
        alt.Tooltip("time:Q", title="month", format=",.0f"),
        alt.Tooltip("survival:Q", title="still a customer", format=".1%"),
        alt.Tooltip("ci:N", title="95% CI"),
        alt.Tooltip("at_risk:Q", title="at risk", format=","),
        alt.Tooltip("events:Q", title="churned that month", format=","),
        alt.Tooltip("censored:Q", title="censored (still active)", format=","),
    ]
    base = alt.Chart(d).encode(x=x, color=colour)
    axis = alt.Axis(title="Still a customer (%)", format="%", tickCount=6)
    scale = alt.Scale(domain=[y_lo, 1.0], nice=False)

    def y(field: str) -> alt.Y:
        return alt.Y(f"{field}:Q", axis=axis, scale=scale)

    band = base.mark_area(interpolate="step-after", opacity=0.12, clip=True).encode(
        y=y("ci_low"), y2="ci_high:Q", tooltip=tips
    )
    line = base.mark_line(interpolate="step-after", strokeWidth=2.2, clip=True).encode(
        y=y("survival"), tooltip=tips
    )
    # Invisible points give every step a hover target for the tooltip.
    hover = base.mark_point(size=50, opacity=0, clip=True).encode(y=y("survival"), tooltip=tips)
    return alt.layer(line, band, hover).properties(height=300)


def survival_table(survival: Survival, *, band_order: Sequence[str] | None = None) -> pd.DataFrame:
    """Per band: customers, churned, median lifetime, survival at 12 months, numbers at risk."""
    by_name = {b.band: b for b in survival.bands}
    names = [b for b in (band_order or by_name) if b in by_name]
    names += [b for b in by_name if b not in names]
    rows_src = [by_name[n] for n in names] + [survival.overall]
    ov = survival.overall
    times = [t for t, k in ov.at_risk.items() if k > 0]
    at_times = [t for t, v in ov.at.items() if v is not None]
    rows = []
    for b in rows_src:
        row: dict[str, object] = {
            "Band": "All customers" if b is ov else b.band,
            "Customers": b.n,
            "Churned": b.events,
            "Median lifetime": "not reached" if b.median is None else f"{b.median:g} months",
        }
        for t in at_times:
            v = b.at.get(t)
            row[f"Still a customer at {t} mo"] = "–" if v is None else _pct(v)
        for t in times:
            row[f"At risk at {t} mo"] = b.at_risk.get(t, 0)
        rows.append(row)
    return pd.DataFrame(rows)


# ---- key drivers -------------------------------------------------------------------------
def drivers_frame(kd: KeyDrivers) -> pd.DataFrame:
    """One row per UX measure: Shapley share of R², its bootstrap CI and r with the target."""
    rows = [
        {
            "measure": d.label,
            "share": d.share,
            "ci_low": d.ci_low,
            "ci_high": d.ci_high,
            "r": d.r,
            "ci": _ci_text(d.ci_low, d.ci_high),
            "label": _pct(d.share),
            "n": kd.n,
        }
        for d in kd.drivers
    ]
    return _small(pd.DataFrame(rows))


def drivers_chart(kd: KeyDrivers, *, title: str | None = None) -> alt.LayerChart:
    """Share of the target's variance each UX measure accounts for, with bootstrap 95% CIs."""
    d = drivers_frame(kd)
    order = list(d.sort_values("share", ascending=False)["measure"])
    target = "NPS" if kd.target == "nps" else "retention"
    y = alt.Y("measure:N", title=None, sort=order, axis=alt.Axis(labelLimit=200))
    top = float(np.nanmax(d[["share", "ci_high"]].to_numpy())) if len(d) else 0.01
    axis = alt.Axis(title=f"Share of variance in {target} (Shapley R², %)", format="%", tickCount=4)
    scale = alt.Scale(domain=[0, top * 1.3 if top > 0 else 0.01], nice=False)

    def x(field: str) -> alt.X:
        return alt.X(f"{field}:Q", axis=axis, scale=scale)

    tips = [
        alt.Tooltip("measure:N", title="UX measure"),
        alt.Tooltip("share:Q", title="share of variance", format=".1%"),
        alt.Tooltip("ci:N", title="95% CI (bootstrap)"),
        alt.Tooltip("r:Q", title=f"r with {target}", format="+.2f"),
        alt.Tooltip("n:Q", title="customers", format=","),
    ]
    base = alt.Chart(d).encode(y=y)
    tick = {"color": "#31333F", "thickness": 1.5, "size": 10, "orient": "vertical"}
    layers: list[alt.Chart] = [
        base.mark_bar(color=UX_COLOR, opacity=0.85, height={"band": 0.6}).encode(
            x=x("share"), tooltip=tips
        ),
        base.mark_rule(color="#31333F", strokeWidth=1.5).encode(
            x=x("ci_low"), x2="ci_high:Q", tooltip=tips
        ),
        base.mark_tick(**tick).encode(x=x("ci_low")),
        base.mark_tick(**tick).encode(x=x("ci_high")),
        base.mark_text(align="left", dx=6, fontSize=12, fontWeight=600).encode(
            x=x("ci_high"), text="label:N"
        ),
    ]
    chart = alt.layer(*layers).properties(height=alt.Step(40))
    if title:
        chart = chart.properties(title=title)
    return chart
