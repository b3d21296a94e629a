"""The UX ↔ retention page through Streamlit's AppTest, on the sample data and three small files.

ui.cache.workspace() is a process-wide st.cache_resource that reads UXCX_WORKSPACE when first
built, so the session fixture points the variable at a temporary workspace and clears that cache
before any AppTest runs (as tests/test_pages_explore_data.py does).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from uxcx import retention as R
from uxcx.sql import Filters
from uxcx.store import SAMPLE_ID, Workspace

PAGE = "../pages/retention.py"
APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 90
SUS_HEADERS = ",".join(f"SUS Q{i}" for i in range(1, 11))


def _sus_items(i: int) -> str:
    return ",".join(str(1 + (i + k) % 5) for k in range(10))


def _survey_only() -> bytes:
    """SUS answers per customer and no churn column."""
    rows = [f"customer_id,{SUS_HEADERS}"] + [f"C{i:03d},{_sus_items(i)}" for i in range(30)]
    return ("\n".join(rows) + "\n").encode()


def _too_few() -> bytes:
    """Six customers with a SUS score and a churn flag: below the minimum of ten."""
    rows = [f"customer_id,churned,{SUS_HEADERS}"]
    rows += [f"C{i:03d},{'Yes' if i % 3 == 0 else 'No'},{_sus_items(i)}" for i in range(6)]
    return ("\n".join(rows) + "\n").encode()


def _by_product() -> list[tuple[str, bytes]]:
    """SUS per product without customer ids, churn per customer: only group level can link."""
    products = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot"]
    ux = [f"product,{SUS_HEADERS}"]
    for k, p in enumerate(products):
        for j in range(12):
            good = j < 2 + k  # later products score better
            items = [(4 if good else 3) if i % 2 == 0 else (2 if good else 3) for i in range(10)]
            ux.append(p + "," + ",".join(map(str, items)))
    cust = ["customer_id,product,churned,tenure_months"]
    for i in range(240):
        k = i % 6
        churned = (i // 6) % 10 < 4 - k // 2
        cust.append(f"C{i:04d},{products[k]},{'Yes' if churned else 'No'},{1 + i % 23}")
    return [
        ("product_sus.csv", ("\n".join(ux) + "\n").encode()),
        ("customers.csv", ("\n".join(cust) + "\n").encode()),
    ]


@dataclass(frozen=True)
class Datasets:
    """Ids of the datasets the tests open, and the workspace they live in."""

    ws: Workspace
    sample: str
    survey_only: str
    too_few: str
    by_product: str


@pytest.fixture(scope="session")
def datasets(app_workspace) -> Iterator[Datasets]:
    """Build every dataset once, in the workspace the page will open."""
    ws = Workspace(app_workspace)
    sample = ws.sample_dataset()
    assert sample.id == SAMPLE_ID
    survey = ws.create_dataset([("survey.csv", _survey_only())], name="survey only")
    few = ws.create_dataset([("few.csv", _too_few())], name="too few")
    grp = ws.create_dataset(_by_product(), name="by product")
    yield Datasets(ws, sample.id, survey.id, few.id, grp.id)


def open_page(params: dict[str, str]) -> AppTest:
    """The page on its own, opened as a link with these query parameters would."""
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def analyse(ds: Datasets, ds_id: str, ux: str, outcome: str, filters=None) -> R.RetentionAnalysis:
    tables = ds.ws.open(ds_id).table_infos(ds.ws.engine)
    return R.analyse(ds.ws.engine, tables, ux, outcome, filters, drivers=False)


def number(text: str) -> float:
    """A shown value ('−0.12', '−15.7 pts', 'p < 0.001') as a float."""
    return float(text.replace("\u2212", "-").split()[0])


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def charts(at: AppTest) -> list:
    return list(at.get("vega_lite_chart")) + list(at.get("arrow_vega_lite_chart"))


def headline(at: AppTest) -> str:
    text = next(m.value for m in at.markdown if m.value.startswith("#### "))
    return text.replace("\\", "")  # the page escapes Markdown


# ---- the sample data -----------------------------------------------------------------------
def test_default_view_matches_the_analysis(datasets):
    at = open_page({"dataset": datasets.sample})
    assert at.selectbox(key="x_ux").value == "sus"
    assert at.selectbox(key="x_outcome").value == "churned"
    a = analyse(datasets, datasets.sample, "sus", "churned")
    shown = metrics(at)
    assert math.isclose(number(shown["Point-biserial r"]), a.pearson.r, abs_tol=0.005)
    assert math.isclose(number(shown["Spearman ρ"]), a.spearman.r, abs_tol=0.005)
    orv, lo, hi = a.odds_ratio_per_step
    assert math.isclose(number(shown["Odds ratio"]), orv, abs_tol=0.005)
    text = captions(at)
    assert f"95% CI {lo:.2f} … {hi:.2f}".replace("-", "\u2212") in text
    assert "odds of churning per +10 points of SUS" in text
    assert f"n = {a.n:,} customers" in text
    assert shown["Log-rank test across bands"] == "p < 0.001" and a.survival.logrank.p < 0.001
    change = a.impact.outcome_change.value * 100
    assert math.isclose(number(shown["Change in churn"]), change, abs_tol=0.05)
    assert math.isclose(number(shown["Change in CLV"]), a.impact.clv_change.value, abs_tol=0.5)
    best, worst = a.bands[-1], a.bands[0]
    gap = number(shown["Churned: best vs worst band"])
    assert math.isclose(gap, 100 * (best.rate - worst.rate), abs_tol=0.05)

    h = headline(at)
    assert "SUS grade A" in h and "grade F" in h
    assert f"churned {100 * best.rate:.0f}% vs {100 * worst.rate:.0f}%" in h
    assert "an association, not proof of cause" in h and "n = 1,765" in h

    # Scatter, strip, bands and survival; key drivers on request, then two charts more.
    assert len(charts(at)) == 4
    assert "Key drivers are in the download once computed" in captions(at)
    at.button(key="drivers").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert len(charts(at)) == 6
    assert at.session_state["drivers_on"] and "drivers" not in [b.key for b in at.button]
    assert "Key drivers are in the download once computed" not in captions(at)
    (table,) = at.dataframe
    assert list(table.value["Band"])[-1] == "All customers"
    assert any("How to read this" in m.value for m in at.markdown)
    box = "\n".join(m.value for m in at.markdown)
    assert "not causation" in box and "Power" in box and "85 customers" in box
    assert not at.warning  # customer level: no ecological-fallacy warning
    (download,) = at.get("download_button")
    assert download.proto.label.startswith("Download")


def test_url_opens_the_view(datasets):
    at = open_page({"dataset": datasets.sample, "x_ux": "product_nps", "x_outcome": "tenure"})
    assert at.selectbox(key="x_ux").value == "product_nps"
    assert at.selectbox(key="x_outcome").value == "tenure"
    a = analyse(datasets, datasets.sample, "product_nps", "tenure")
    assert math.isclose(number(metrics(at)["Point-biserial r"]), a.pearson.r, abs_tol=0.005)
    h = headline(at)
    assert h.startswith("#### After 12 months") and "top quartile" in h
    # Time to churn puts the survival curves first.
    headers = [x.value for x in at.header]
    assert headers[0].startswith("Survival")
    assert "Product NPS score" in captions(at)  # the choice named in words


def test_retention_outcome_reads_the_other_way(datasets):
    at = open_page({"dataset": datasets.sample, "x_outcome": "retention"})
    r = number(metrics(at)["Point-biserial r"])
    assert r > 0
    assert "were retained" in headline(at)
    assert "Change in retention" in metrics(at)


def test_unknown_measure_in_the_url_falls_back(datasets):
    at = open_page({"dataset": datasets.sample, "x_ux": "bogus"})
    assert at.selectbox(key="x_ux").value == "sus"


def test_widgets_switch_the_view(datasets):
    at = open_page({"dataset": datasets.sample})
    at.selectbox(key="x_ux").set_value("app_rating").run()
    assert not at.exception
    a = analyse(datasets, datasets.sample, "app_rating", "churned")
    assert math.isclose(number(metrics(at)["Point-biserial r"]), a.pearson.r, abs_tol=0.005)
    assert "+1 point of App rating" in captions(at)


def test_global_filters_apply(datasets):
    """Through app.py, so the sidebar reads f_plan from the URL as in the browser."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["dataset"] = datasets.sample
    at.query_params["f_plan"] = "Enterprise"
    at.run()
    at.switch_page("pages/retention.py").run()
    assert not at.exception, [e.message for e in at.exception]
    a = analyse(
        datasets, datasets.sample, "sus", "churned", Filters(None, None, {"plan": ["Enterprise"]})
    )
    assert a.n < 1765
    assert f"n = {a.n:,} customers" in captions(at)
    assert "Filters: plan" in captions(at).replace("\\", "") and "Enterprise" in captions(at)


# ---- friendly messages -----------------------------------------------------------------------
def test_no_dataset_says_how_to_load_one(datasets):
    at = open_page({})
    assert any("No data loaded yet" in i.value for i in at.info)
    assert not charts(at)


def test_data_without_churn_says_which_column_to_map(datasets):
    at = open_page({"dataset": datasets.survey_only})
    (info,) = at.info
    assert "churn column" in info.value and "Data page" in info.value
    assert "Map columns on the Data page" in captions(at) or at.get("page_link")
    assert not charts(at)


def test_too_few_customers_is_a_warning_not_a_traceback(datasets):
    at = open_page({"dataset": datasets.too_few})
    (warning,) = at.warning
    assert "Only 6 customers" in warning.value and "at least 10" in warning.value
    assert not charts(at)


def test_group_level_warns_about_the_ecological_fallacy(datasets):
    at = open_page({"dataset": datasets.by_product})
    (warning,) = at.warning
    assert "ecological fallacy" in warning.value
    a = analyse(datasets, datasets.by_product, "sus", "churned")
    assert a.level == "group" and a.n == 6
    shown = metrics(at)
    assert math.isclose(number(shown["Pearson r"]), a.pearson.r, abs_tol=0.005)
    assert shown["Odds ratio"] == "–"
    assert "Across 6 groups (product)" in headline(at)
    assert len(charts(at)) >= 3
