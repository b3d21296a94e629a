"""Chart specs: one theme, UX blue and CX orange, tooltips, axis titles with units, small data."""

from __future__ import annotations

import datetime as dt
import json

import altair as alt
import pandas as pd
import pytest

from uxcx import charts
from uxcx.metrics import METRICS


def _trend(n: int = 6, low_first: bool = True) -> pd.DataFrame:
    """A small monthly aggregate like ui.cache.metrics(..., grain='month') returns."""
    return pd.DataFrame(
        {
            "period": [dt.date(2024, m, 1) for m in range(1, n + 1)],
            "value": [60.0 + i for i in range(n)],
            "ci_low": [55.0 + i for i in range(n)],
            "ci_high": [65.0 + i for i in range(n)],
            "n": [7 if (i == 0 and low_first) else 80 for i in range(n)],
        }
    )


def _groups() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": ["Basic", "Pro", "Enterprise"],
            "value": [70.0, 72.0, 75.0],
            "ci_low": [68.0, 70.0, 60.0],
            "ci_high": [72.0, 74.0, 90.0],
            "n": [300, 200, 9],
        }
    )


def _spec(chart: alt.TopLevelMixin) -> dict:
    return chart.to_dict()


def _walk(obj):
    """Every dict inside a spec (layers, concats, encodings)."""
    if isinstance(obj, dict):
        yield obj
        for v in obj.values():
            yield from _walk(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _walk(v)


def _colors(spec: dict) -> set[str]:
    """Every literal colour in a spec (mark colours, value encodings, scale ranges)."""
    out: set[str] = set()
    for d in _walk(spec):
        for key in ("color", "fill", "stroke"):
            v = d.get(key)
            if isinstance(v, str) and v.startswith("#"):
                out.add(v.upper())
        if isinstance(d.get("value"), str) and d["value"].startswith("#"):
            out.add(d["value"].upper())
        if isinstance(d.get("range"), list):
            out.update(x.upper() for x in d["range"] if isinstance(x, str) and x.startswith("#"))
    return out


def _tooltip_titles(spec: dict) -> set[str]:
    out: set[str] = set()
    for d in _walk(spec):
        tips = d.get("tooltip")
        if isinstance(tips, list):
            out.update(t.get("title") or t.get("field") for t in tips if isinstance(t, dict))
    return out


def _axis_titles(spec: dict) -> set[str]:
    out: set[str] = set()
    for d in _walk(spec):
        for ch in ("x", "y"):
            enc = d.get(ch)
            if isinstance(enc, dict) and isinstance(enc.get("title"), str):
                out.add(enc["title"])
    return out


def _data_rows(spec: dict) -> int:
    return sum(len(v) for v in spec.get("datasets", {}).values())


def test_theme_is_registered_and_enabled():
    assert alt.theme.active == "uxcx"
    cfg = charts.uxcx_theme()["config"]
    assert "Source Sans" in cfg["font"]
    assert cfg["axis"]["gridColor"].upper() in ("#ECECEC",)
    assert cfg["range"]["category"][0] == charts.UX_COLOR
    # The theme reaches every chart's spec (what st.altair_chart(theme=None) sends).
    assert _spec(charts.metric_trend(_trend(), "sus"))["config"]["font"] == cfg["font"]


def test_family_colours_are_okabe_ito_and_distinct():
    assert charts.UX_COLOR in charts.OKABE_ITO and charts.CX_COLOR in charts.OKABE_ITO
    assert charts.UX_COLOR != charts.CX_COLOR
    for m in METRICS:
        assert charts.family_color(m.id) == charts.FAMILY_COLORS[m.family]


@pytest.mark.parametrize("metric_id", ["sus", "task_success_rate", "time_on_task", "csat", "nps"])
def test_metric_trend_colour_tooltips_axis_titles(metric_id):
    spec = _spec(charts.metric_trend(_trend(), metric_id))
    own = charts.family_color(metric_id)
    other = charts.CX_COLOR if own == charts.UX_COLOR else charts.UX_COLOR
    assert own.upper() in _colors(spec) and other.upper() not in _colors(spec)
    tips = _tooltip_titles(spec)
    assert {"95% CI", "n"} <= tips
    assert charts.axis_title(metric_id) in _axis_titles(spec)
    assert "Month" in _axis_titles(spec)
    # The CI band is an area between ci_low and ci_high.
    assert any(d.get("mark", {}).get("type") == "area" for d in spec["layer"])
    assert _data_rows(spec) <= 2 * len(_trend()) + 2


def test_axis_titles_carry_units():
    assert charts.axis_title("task_success_rate").endswith("(%)")
    assert "(s" in charts.axis_title("time_on_task")
    assert "0–100" in charts.axis_title("sus")
    assert "−100" in charts.axis_title("nps")
    assert "1–7" in charts.axis_title("ces")


def test_metric_trend_benchmark_rule_only_where_a_benchmark_exists():
    sus = json.dumps(_spec(charts.metric_trend(_trend(), "sus")))
    ces = json.dumps(_spec(charts.metric_trend(_trend(), "ces")))
    assert "68 = industry average" in sus
    assert "benchmark" not in ces


def test_metric_trend_low_n_points_are_greyed():
    spec = json.dumps(_spec(charts.metric_trend(_trend(), "sus")))
    assert "datum.n < 20" in spec
    assert charts.LOW_N_COLOR in spec


def test_metric_trend_groups_get_distinct_colours():
    df = pd.concat([_trend().assign(group="iOS"), _trend().assign(group="Android")])
    spec = _spec(charts.metric_trend(df, "sus"))
    scales = [d["scale"] for d in _walk(spec) if d.get("field") == "group" and "scale" in d]
    assert scales and scales[0]["domain"] == ["iOS", "Android"]
    assert len(set(scales[0]["range"])) == 2


def test_metric_by_group_error_bars_and_order():
    spec = _spec(charts.metric_by_group(_groups(), "sus", group_title="plan"))
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert "rule" in marks and "point" in marks and "tick" in marks
    y = next(d["y"] for d in spec["layer"] if "y" in d.get("encoding", {}) for d in [d["encoding"]])
    # Best first for a higher-is-better metric.
    assert y["sort"] == ["Enterprise", "Pro", "Basic"]
    assert {"95% CI", "n", "plan"} <= _tooltip_titles(spec)
    assert charts.UX_COLOR.upper() in _colors(spec)
    assert charts.axis_title("sus") in _axis_titles(spec)
    # Lower is better for time on task: fastest first.
    spec = _spec(charts.metric_by_group(_groups(), "time_on_task"))
    y = spec["layer"][-1]["encoding"]["y"]
    assert y["sort"] == ["Basic", "Pro", "Enterprise"]


def test_metric_by_group_explicit_order():
    spec = _spec(charts.metric_by_group(_groups(), "nps", sort=["Pro", "Basic", "Enterprise"]))
    assert spec["layer"][-1]["encoding"]["y"]["sort"] == ["Pro", "Basic", "Enterprise"]
    assert charts.CX_COLOR.upper() in _colors(spec)


def test_paired_trend_shares_the_time_axis_and_colours_each_family():
    ux, cx = _trend(6), _trend(4).assign(value=20.0, ci_low=10.0, ci_high=30.0)
    chart = charts.paired_trend(ux, cx, "sus", "nps")
    spec = _spec(chart)
    assert len(spec["vconcat"]) == 2
    top, bottom = spec["vconcat"]
    assert charts.UX_COLOR.upper() in _colors(top) and charts.UX_COLOR.upper() not in _colors(
        bottom
    )
    assert charts.CX_COLOR.upper() in _colors(bottom)
    domains = [
        d["scale"]["domain"]
        for panel in (top, bottom)
        for d in _walk(panel)
        if d.get("field") == "period" and "scale" in d
    ]
    assert domains and all(dom == domains[0] for dom in domains)
    panels = charts.paired_panels(ux, cx, "sus", "nps")
    assert [p.to_dict()["title"]["text"] for p in panels] == ["UX · SUS", "CX · NPS"]


def test_metrics_trend_multi_one_panel_per_metric():
    df = pd.concat([_trend().assign(metric="sus"), _trend().assign(metric="csat")])
    spec = _spec(charts.metrics_trend_multi(df))
    assert len(spec["vconcat"]) == 2
    assert charts.UX_COLOR.upper() in _colors(spec["vconcat"][0])
    assert charts.CX_COLOR.upper() in _colors(spec["vconcat"][1])


def test_sus_distribution_bands_rule_and_bins():
    hist = pd.DataFrame(
        {"bin_start": [60.0, 65.0, 70.0], "bin_end": [65.0, 70.0, 75.0], "count": [3, 5, 2]}
    )
    spec = _spec(charts.sus_distribution(hist, mean=67.0))
    text = json.dumps(spec)
    assert "68 = average" in text and "mean 67.0" in text
    grades = {r["grade"] for rows in spec["datasets"].values() for r in rows if "grade" in r}
    assert {"A+", "C", "F"} <= grades
    bars = [layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "bar"]
    assert bars and bars[0]["encoding"]["x"]["bin"] == "binned"
    assert "SUS score per respondent (0–100)" in _axis_titles(spec)
    assert {"respondents", "share"} <= _tooltip_titles(spec)


def test_nps_composition_stacks_three_buckets():
    df = pd.DataFrame(
        {
            "period": [dt.date(2024, 1, 1), dt.date(2024, 2, 1)],
            "promoters": [5, 6],
            "detractors": [2, 3],
            "n": [10, 12],
        }
    )
    spec = _spec(charts.nps_composition(df))
    rows = next(iter(spec["datasets"].values()))
    assert len(rows) == 6
    jan = {r["bucket"]: r["count"] for r in rows if r["period"].startswith("2024-01")}
    assert jan == {"Promoters": 5, "Passives": 3, "Detractors": 2}
    assert spec["encoding"]["y"]["stack"] == "normalize"
    assert {"NPS", "share"} <= _tooltip_titles(spec)


def test_nps_composition_by_year_has_a_tooltip_format():
    # There is no year entry in the grain formats: the tooltip falls back to "%Y" like the axis
    # (it was None, which Vega-Lite's schema rejects when the chart is serialised).
    df = pd.DataFrame(
        {"period": [dt.date(2024, 1, 1)], "promoters": [5], "detractors": [2], "n": [10]}
    )
    spec = _spec(charts.nps_composition(df, grain="year"))
    period = next(t for t in spec["encoding"]["tooltip"] if t["field"] == "period")
    assert period["format"] == "%Y"


def test_score_distribution_marks_top_two_box():
    df = pd.DataFrame({"value": [1.0, 2.0, 3.0, 4.0, 5.0], "count": [1, 2, 3, 4, 5]})
    spec = _spec(charts.score_distribution(df, "csat", x_title="Satisfaction (1–5)"))
    buckets = {r["label"]: r["bucket"] for r in next(iter(spec["datasets"].values()))}
    assert buckets["4"] == buckets["5"] != buckets["3"]
    assert charts.CX_COLOR.upper() in _colors(spec)
    assert "Satisfaction (1–5)" in _axis_titles(spec)


def test_histogram_and_cohort_heatmap():
    h = pd.DataFrame({"bin_start": [0.0, 500.0], "bin_end": [500.0, 1000.0], "count": [3, 4]})
    spec = _spec(charts.histogram(h, x_title="CLV (USD)", family="CX"))
    assert spec["encoding"]["x"]["bin"] == "binned" and "CLV (USD)" in _axis_titles(spec)
    cohorts = pd.DataFrame(
        {
            "cohort": [dt.date(2024, 1, 1)] * 2 + [dt.date(2024, 2, 1)],
            "months_since": [1, 2, 1],
            "share": [0.9, 0.8, 0.95],
            "customers": [10, 10, 20],
            "active": [9, 8, 19],
        }
    )
    spec = _spec(charts.cohort_heatmap(cohorts))
    assert spec["mark"]["type"] == "rect"
    assert {"Months since signup", "Signup month"} <= _axis_titles(spec)
    assert "customers in cohort" in _tooltip_titles(spec)


def test_decimal_columns_become_numbers():
    from decimal import Decimal

    h = pd.DataFrame(
        {"bin_start": [Decimal("0.0"), Decimal("2.5")], "bin_end": [2.5, 5.0], "count": [1, 2]}
    )
    rows = next(iter(_spec(charts.histogram(h))["datasets"].values()))
    assert rows[1]["bin_start"] == 2.5


def test_raw_rows_are_refused():
    big = pd.DataFrame({"group": range(charts.MAX_ROWS + 1), "value": 1.0})
    big = big.assign(ci_low=0.0, ci_high=2.0, n=1)
    with pytest.raises(ValueError, match="aggregate"):
        charts.metric_by_group(big, "sus")


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="ci_low"):
        charts.metric_trend(pd.DataFrame({"period": [], "value": [], "n": []}), "sus")


def test_finished_spec_equals_the_altair_chart_with_data_as_arrow():
    from uxcx.charts.spec import spec_rows, vega_spec

    df = pd.DataFrame(
        {
            "group": ["a", "b"],
            "value": [70.0, 60.0],
            "ci_low": [65.0, 50.0],
            "ci_high": [75.0, 70.0],
            "n": [100, 10],
        }
    )
    chart = charts.metric_by_group(df, "sus")
    full = chart.to_dict()  # validated
    spec = vega_spec(chart)
    assert {k: v for k, v in spec.items() if k != "datasets"} == {
        k: v for k, v in full.items() if k != "datasets"
    }
    assert all(isinstance(b, bytes) for b in spec["datasets"].values())
    assert spec_rows(spec) == full["datasets"]


# ---- tile sparklines as SVG images -------------------------------------------------------
def test_sparkline_svg_draws_a_line_and_a_dot_per_month_low_n_grey():
    import base64
    import re

    from uxcx.charts.svg import sparkline_html, sparkline_svg

    svg = sparkline_svg(_trend(), "sus")
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert len(re.findall(r"M[\d.]+ [\d.]+h0", svg)) == 6  # one dot per month
    assert charts.UX_COLOR in svg and charts.LOW_N_COLOR in svg  # the n = 7 month is grey
    assert charts.CX_COLOR in sparkline_svg(_trend(), "nps")
    # Months left to right, higher values higher (a smaller y): the values rise month by month.
    points = re.search(r'points="([^"]+)"', svg)
    assert points
    xy = [tuple(map(float, p.split(","))) for p in points.group(1).split()]
    assert [x for x, _ in xy] == sorted(x for x, _ in xy)
    assert [y for _, y in xy] == sorted((y for _, y in xy), reverse=True)

    html = sparkline_html(_trend(), "sus")
    uri = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert uri and base64.b64decode(uri.group(1)).decode() == svg
    assert 'alt="SUS by month, Jan 2024 to Jun 2024: 60.0 to 65.0"' in html
    tips = re.findall(r'title="([^"]+)"', html)
    assert len(tips) == 6
    assert (
        tips[0] == "Jan 2024: SUS 60.0, 95% CI 55.0 … 65.0, n = 7 (too few for a stable estimate)"
    )
    assert tips[-1] == "Jun 2024: SUS 65.0, 95% CI 60.0 … 70.0, n = 80"


def test_sparkline_svg_needs_two_months_and_draws_a_flat_line():
    from uxcx.charts.svg import sparkline_html, sparkline_svg

    assert sparkline_svg(_trend(1), "sus") == "" and sparkline_html(_trend(1), "sus") == ""
    flat = _trend(3).assign(value=[5.0, 5.0, 5.0])
    assert "M" in sparkline_svg(flat, "ces")  # a flat line is drawn, mid-height
