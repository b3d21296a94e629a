"""UX ↔ retention chart specs: the layers, tooltips and axis titles, and that only aggregates ship.

Built from small hand-made results (no database), so these run in well under a second each.
"""

from __future__ import annotations

import json
import math

import altair as alt
import numpy as np
import pandas as pd
import pytest

from uxcx import stats
from uxcx.charts import UX_COLOR
from uxcx.charts import retention as RC
from uxcx.retention import Band, BandSurvival, Driver, KeyDrivers, Scatter, Survival

SUS_TITLE = "SUS score (0–100), mean per customer"


# ---- fixtures ------------------------------------------------------------------------------
def customers(n: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer SUS (multiples of 2.5 in 20–100) and churn that falls with SUS."""
    rng = np.random.default_rng(seed)
    x = np.clip(np.round(rng.normal(70, 15, n) / 2.5) * 2.5, 20, 100)
    p = 1 / (1 + np.exp(-(-0.2 - 0.03 * (x - 50))))
    return x, (rng.random(n) < p).astype(int)


def points_scatter(n: int = 1500) -> Scatter:
    x, y = customers(n)
    return Scatter("points", pd.DataFrame({"x": x, "y": y}), n, "SUS", "churned = 1")


def binned_scatter(n: int = 20000, bins: int = 40) -> Scatter:
    """What retention._scatter returns above 5,000 customers: counts on 40 x bins × outcome."""
    x, y = customers(n)
    lo, hi = float(x.min()), float(x.max())
    width = (hi - lo) / bins
    b = np.minimum(np.floor((x - lo) / width), bins - 1).astype(int)
    g = pd.DataFrame({"bin": b, "y": y}).value_counts().rename("count").reset_index()
    g = g.sort_values(["bin", "y"], ignore_index=True)
    df = pd.DataFrame(
        {
            "x_lo": lo + g["bin"] * width,
            "x_hi": lo + (g["bin"] + 1) * width,
            "x": lo + (g["bin"] + 0.5) * width,
            "y": g["y"],
            "count": g["count"].astype("int64"),
        }
    )
    return Scatter("binned", df, n, "SUS", "churned = 1")


def logistic(s: Scatter) -> stats.LogisticResult:
    d = s.data
    w = d["count"] if "count" in d else pd.Series(1, index=d.index)
    g = d.assign(w=w, e=d["y"] * w).groupby("x")[["e", "w"]].sum()
    return stats.logistic_from_counts(g.index.to_numpy(), g["e"], g["w"])


BAND_NAMES = ["F (<51.7)", "D (51.7–62.7)", "C (62.7–72.6)", "B (72.6–78.9)", "A (≥78.9)"]


def bands() -> list[Band]:
    rows = [(165, 45, 20, 51.7), (310, 54, 52.5, 62.5), (397, 63, 63.3, 72.5),
            (235, 33, 73.3, 78.75), (519, 60, 79.2, 100)]  # fmt: skip
    out = []
    for name, (n, e, lo, hi) in zip(BAND_NAMES, rows, strict=True):
        est = stats.adjusted_wald(e, n)
        out.append(Band(name, n, e, est.value, est.ci_low, est.ci_high, lo, hi, (lo + hi) / 2))
    return out


def survival() -> Survival:
    """Kaplan–Meier per band from made-up monthly counts (worse bands churn faster)."""
    curves, per_band, groups = [], [], {}
    rng = np.random.default_rng(5)
    times = np.arange(0, 24)
    for k, name in enumerate(BAND_NAMES):
        events = rng.poisson(3.5 - 0.5 * k, len(times))
        censored = rng.poisson(6, len(times))
        km = stats.kaplan_meier(times, events, censored)
        curves.append(km.assign(band=name))
        groups[name] = (times, events, censored)
        n = int(events.sum() + censored.sum())
        per_band.append(
            BandSurvival(
                name,
                n,
                int(events.sum()),
                None,
                {12: 0.8, 24: None},
                {0: n, 6: n - 40, 12: n - 80, 18: n - 120, 24: 0},
            )  # fmt: skip
        )
    overall = BandSurvival(
        "All", 2000, 300, None, {12: 0.85, 24: None}, {0: 2000, 6: 1700, 12: 1400, 18: 900, 24: 0}
    )
    curves.append(curves[0].assign(band="All"))
    return Survival(
        overall=overall,
        bands=per_band,
        curves=pd.concat(curves, ignore_index=True)[["band", *stats.KM_COLUMNS]],
        logrank=stats.logrank(groups),
    )


def drivers(target: str = "nps") -> KeyDrivers:
    ds = [
        Driver("sus", "SUS", 0.24, 0.22, 0.26, 0.67),
        Driver("app_rating", "App rating", 0.10, 0.08, 0.12, 0.52),
        Driver("product_nps", "Product NPS score (0–10)", 0.12, 0.10, 0.14, 0.56),
    ]
    return KeyDrivers(target, "NPS", 1372, 0.46, (0.42, 0.50), ds, [], 200, "Shapley")


# ---- spec helpers --------------------------------------------------------------------------
def spec(chart: alt.TopLevelMixin) -> dict:
    return chart.to_dict()


def layers(chart: alt.TopLevelMixin) -> list[dict]:
    d = spec(chart)
    return d.get("layer", [d])


def marks(chart: alt.TopLevelMixin) -> list[str]:
    out = []
    for layer in layers(chart):
        m = layer["mark"]
        out.append(m if isinstance(m, str) else m["type"])
    return out


def dataset_rows(chart: alt.TopLevelMixin) -> list[int]:
    """Rows of every inline dataset: what st.altair_chart would send to the browser."""
    return [len(v) for v in spec(chart).get("datasets", {}).values()]


def axis_titles(chart: alt.TopLevelMixin, channel: str) -> set[str]:
    titles = set()
    for layer in layers(chart):
        enc = layer.get("encoding", {}).get(channel, {})
        t = enc.get("axis", {}).get("title") if isinstance(enc.get("axis"), dict) else None
        t = t or enc.get("title")
        if t:
            titles.add(t)
    return titles


def tooltip_titles(chart: alt.TopLevelMixin) -> set[str]:
    titles = set()
    for layer in layers(chart):
        for t in layer.get("encoding", {}).get("tooltip", []) or []:
            titles.add(t.get("title", t.get("field")))
    return titles


# ---- score bins --------------------------------------------------------------------------
def test_score_bins_use_nice_edges_and_adjusted_wald():
    s = points_scatter()
    b = RC.score_bins(s)
    assert len(b) <= RC.MAX_SCORE_BINS
    assert b["n"].sum() == len(s.data)
    widths = (b["x_hi"] - b["x_lo"]).round(9).unique()
    assert list(widths) == [5.0]  # 20–100 in 16 bins of 5 points
    assert b["x_lo"].min() == 20 and b["x_hi"].max() == 100
    # A SUS of 100 sits in the last bin (95–100), not in a bin of its own.
    top = b.iloc[-1]
    assert (top.x_lo, top.x_hi) == (95, 100)
    for r in b.itertuples():
        est = stats.adjusted_wald(r.events, r.n)
        assert math.isclose(r.rate, est.value) and math.isclose(r.ci_low, est.ci_low)
    assert set(b.loc[b["n"] < 20, "note"]) <= {"too few for a stable estimate"}


def test_binned_input_is_merged_and_counts_preserved():
    s = binned_scatter()
    b = RC.score_bins(s)
    assert len(b) <= RC.MAX_SCORE_BINS
    assert b["n"].sum() == s.data["count"].sum() == s.n
    assert b["events"].sum() == s.data.loc[s.data["y"] == 1, "count"].sum()
    assert (b["x_lo"].iloc[1:].to_numpy() == b["x_hi"].iloc[:-1].to_numpy()).all()
    # The merged bins cover exactly the data's range (no last bin sticking out).
    assert b["x_lo"].min() == s.data["x_lo"].min()
    assert math.isclose(b["x_hi"].max(), s.data["x_hi"].max())


def test_nice_width():
    assert stats.nice_width(80, 16) == 5
    assert stats.nice_width(9, 16) == 1
    assert stats.nice_width(4, 16) == 0.25
    assert stats.nice_width(100, 16) == 10


# ---- scatter -------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [points_scatter, binned_scatter])
def test_binary_scatter_layers_tooltips_titles(make):
    s = make()
    chart = RC.scatter_chart(s, logistic=logistic(s), direction="churned = 1", x_title=SUS_TITLE)
    assert marks(chart) == ["area", "line", "rule", "point"]
    assert axis_titles(chart, "x") == {SUS_TITLE}
    assert axis_titles(chart, "y") == {"Churned (% of customers)"}
    assert {"customers", "share churned", "95% CI (adjusted Wald)", "fitted share churned"} <= (
        tooltip_titles(chart)
    )
    # Only aggregates reach the browser: ≤ 16 bins and an 80-point curve, whatever n is.
    assert max(dataset_rows(chart)) <= RC.CURVE_POINTS
    assert sum(dataset_rows(chart)) < 100
    point = layers(chart)[3]
    assert point["encoding"]["color"]["value"] == UX_COLOR  # condition: grey when n < 20
    assert "datum.n < 20" in json.dumps(point["encoding"]["color"])


def test_binary_scatter_without_a_fit_still_draws_the_bins():
    chart = RC.scatter_chart(points_scatter(), logistic=None, x_title=SUS_TITLE)
    assert marks(chart) == ["rule", "point"]


def test_retention_direction_titles():
    s = points_scatter()
    s.data["y"] = 1 - s.data["y"]
    chart = RC.scatter_chart(s, logistic=logistic(s), direction="retained = 1")
    assert axis_titles(chart, "y") == {"Retained (% of customers)"}


def test_logistic_curve_matches_the_model_and_brackets_it():
    s = points_scatter()
    lg = logistic(s)
    c = RC.logistic_curve(lg, 20, 100)
    expected = 1 / (1 + np.exp(-(lg.intercept + lg.slope * c["x"])))
    assert np.allclose(c["p"], expected)
    assert (c["ci_low"] <= c["p"]).all() and (c["p"] <= c["ci_high"]).all()
    assert (np.diff(c["p"]) < 0).all()  # churn falls with SUS in this data


def test_outcome_strip_is_a_binned_heatmap_aligned_with_the_dots():
    s = binned_scatter()
    strip = RC.outcome_strip(s, direction="churned = 1")
    assert marks(strip) == ["rect"]
    (rows,) = dataset_rows(strip)
    assert rows == 2 * len(RC.score_bins(s))  # one cell per bin and outcome
    enc = spec(strip)["encoding"]
    assert enc["x"]["bin"] == "binned" and enc["x2"]["field"] == "x_hi"
    assert enc["y"]["sort"] == ["Churned", "Stayed"]
    assert enc["y"]["axis"]["minExtent"] == RC.Y_AXIS_EXTENT
    assert {"customers", "share of the bin"} <= tooltip_titles(strip)
    main = RC.scatter_chart(s, logistic=logistic(s))
    assert layers(main)[0]["encoding"]["x"]["scale"]["domain"] == enc["x"]["scale"]["domain"]


def test_group_points_get_an_ols_line_and_labels():
    df = pd.DataFrame(
        {
            "unit": ["A", "B", "C", "D", "E"],
            "x": [60.0, 64, 66, 68, 71],
            "y": [0.30, 0.24, 0.25, 0.2, 0.17],
            "customers": [100, 90, 80, 120, 110],
        }
    )
    s = Scatter("points", df, 5, "SUS", "churned = 1")
    chart = RC.scatter_chart(s, direction="churned = 1", x_title="SUS, mean per group")
    assert marks(chart) == ["area", "line", "point", "text"]
    assert "group" in tooltip_titles(chart)
    fit = RC.ols_band(df["x"].to_numpy(), df["y"].to_numpy())
    slope, icpt = np.polyfit(df["x"], df["y"], 1)
    assert np.allclose(fit["fit"], icpt + slope * fit["x"])
    assert (fit["ci_low"] < fit["fit"]).all()


def test_many_points_with_a_numeric_outcome_become_a_heatmap():
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {"x_lo": np.repeat(np.arange(40.0), 5), "y": np.tile(np.linspace(0, 3, 5), 40)}
    )
    df["x_hi"] = df["x_lo"] + 1
    df["x"] = df["x_lo"] + 0.5
    df["count"] = rng.integers(1, 50, len(df))
    chart = RC.scatter_chart(Scatter("binned", df, 5000, "Score", "y"))
    assert marks(chart) == ["rect"]


def test_raw_rows_are_refused():
    with pytest.raises(ValueError, match="aggregates"):
        RC._small(pd.DataFrame({"x": range(6000)}))


# ---- bands -------------------------------------------------------------------------------
def test_band_rates_chart():
    chart = RC.band_rates_chart(
        bands(), direction="churned = 1", band_title="SUS grade", overall=0.157
    )
    assert marks(chart) == ["bar", "rule", "tick", "tick", "text", "rule"]
    bar = layers(chart)[0]
    assert bar["encoding"]["x"]["sort"] == BAND_NAMES
    assert bar["encoding"]["x"]["title"] == "SUS grade"
    assert bar["encoding"]["color"]["scale"]["domain"] == BAND_NAMES
    assert bar["encoding"]["color"]["scale"]["range"] == list(RC.BAND_PALETTES[5])
    assert axis_titles(chart, "y") == {"Churned (% of customers)"}
    assert {"customers", "churned", "95% CI (adjusted Wald)", "scores in band"} <= (
        tooltip_titles(chart)
    )
    assert max(dataset_rows(chart)) == 5


def test_band_scale_orders_any_number_of_groups():
    assert RC.band_scale(["a", "b", "c", "d"]).to_dict()["range"] == list(RC.BAND_PALETTES[4])
    many = RC.band_scale([f"g{i}" for i in range(9)]).to_dict()
    assert many["domain"][0] == "g0" and many["scheme"]["name"] == "viridis"


# ---- survival ----------------------------------------------------------------------------
def test_km_chart_steps_with_ci_bands():
    s = survival()
    chart = RC.km_chart(s, band_order=BAND_NAMES, band_title="SUS grade")
    assert marks(chart) == ["line", "area", "point"]
    line, band, _ = layers(chart)
    assert line["mark"]["interpolate"] == "step-after"
    assert band["mark"]["interpolate"] == "step-after"
    assert band["encoding"]["y2"]["field"] == "ci_high"
    assert line["encoding"]["color"]["scale"]["domain"] == BAND_NAMES
    assert axis_titles(chart, "y") == {"Still a customer (%)"}
    assert axis_titles(chart, "x") == {"Months as a customer (tenure)"}
    assert {"at risk", "95% CI", "still a customer"} <= tooltip_titles(chart)
    (rows,) = set(dataset_rows(chart))
    assert rows == len(s.curves[s.curves["band"] != "All"])  # the overall curve is left out
    floor = RC.km_y_floor(s)
    assert line["encoding"]["y"]["scale"]["domain"] == [floor, 1.0]
    assert 0 <= floor <= s.curves["ci_low"].min()


def test_survival_table():
    t = RC.survival_table(survival(), band_order=BAND_NAMES)
    assert list(t["Band"]) == [*BAND_NAMES, "All customers"]
    assert "Still a customer at 12 mo" in t.columns
    assert "Still a customer at 24 mo" not in t.columns  # nobody observed that long
    assert [c for c in t.columns if c.startswith("At risk")] == [
        "At risk at 0 mo", "At risk at 6 mo", "At risk at 12 mo", "At risk at 18 mo"
    ]  # fmt: skip
    assert set(t["Median lifetime"]) == {"not reached"}


# ---- key drivers -------------------------------------------------------------------------
def test_drivers_chart():
    chart = RC.drivers_chart(drivers())
    assert marks(chart) == ["bar", "rule", "tick", "tick", "text"]
    bar = layers(chart)[0]
    assert bar["encoding"]["y"]["sort"] == ["SUS", "Product NPS score (0–10)", "App rating"]
    assert bar["mark"]["color"] == UX_COLOR
    assert axis_titles(chart, "x") == {"Share of variance in NPS (Shapley R², %)"}
    assert {"share of variance", "95% CI (bootstrap)", "r with NPS"} <= tooltip_titles(chart)
    retention = RC.drivers_chart(drivers("retention"))
    assert axis_titles(retention, "x") == {"Share of variance in retention (Shapley R², %)"}
