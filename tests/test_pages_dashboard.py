"""The Overview, UX and CX pages through Streamlit's AppTest, on the sample data.

ui.cache.workspace() is a process-wide st.cache_resource that reads UXCX_WORKSPACE when it is
first built, so the session fixture points the variable at one temporary workspace, builds the
sample there once and clears that cache. Pages run on their own (AppTest.from_file on the page
file); one test runs the whole app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import tiles
from uxcx.metrics import CX_METRICS, UX_METRICS
from uxcx.store import SAMPLE_ID, Workspace

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 90

# Only an NPS question: every other metric must say which column it needs.
NPS_ONLY_CSV = b"customer_id,date,NPS\n" + b"".join(
    f"C{i:03d},2025-0{1 + i % 6}-{1 + i % 27:02d},{i % 11}\n".encode() for i in range(60)
)


@dataclass(frozen=True)
class Datasets:
    """Ids of the datasets the tests open."""

    sample: str
    nps_only: str


@pytest.fixture(scope="session")
def datasets(app_workspace) -> Iterator[Datasets]:
    """Build the sample and a one-column dataset once, in the workspace the pages open."""
    ws = Workspace(app_workspace)
    sample = ws.sample_dataset()
    nps_only = ws.create_dataset([("nps.csv", NPS_ONLY_CSV)], name="nps.csv")
    assert sample.id == SAMPLE_ID
    yield Datasets(sample.id, nps_only.id)


def open_page(page: str, params: dict[str, str] | None = None, state: dict | None = None):
    """Run one page file as a link with these query parameters (and session state) would."""
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=TIMEOUT)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def charts(at: AppTest) -> list:
    return at.get("vega_lite_chart")


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


# ---- Overview ------------------------------------------------------------------------------
def test_overview_shows_every_metric_side_by_side(datasets):
    at = open_page("overview", {"dataset": datasets.sample})
    labels = [m.label for m in at.metric]
    assert len(labels) == len(UX_METRICS) + len(CX_METRICS) == 14
    assert labels[:2] == ["SUS", "Task success"]  # UX column first
    by_label = {m.label: m.value for m in at.metric}
    assert by_label["SUS"] == "70.9"  # sample_data/README.md: mean SUS 70.9
    assert by_label["NPS"] == "+20"  # README: +20.2 overall
    assert by_label["Churn"] == "26.7%"  # README: 26.7%
    text = captions(at)
    assert "Grade C ·" in text and "n = 2,955" in text and "95% CI" in text
    # With no date filter the change compares the last 90 days with the 90 days before.
    assert "last 90 days of data (2025-10-03 – 2025-12-31)" in text
    assert any((m.delta or "").endswith(" in 90 d") for m in at.metric)
    # The paired UX/CX panels + UX and CX by segment; the 14 sparklines are SVG images.
    assert len(charts(at)) == 2 + 2
    sparks = [h.proto.body for h in at.get("html")]
    assert len(sparks) == 14 and all("data:image/svg+xml;base64," in s for s in sparks)
    assert 'alt="SUS by month, ' in sparks[0] and 'title="Jan 2024: SUS ' in sparks[0]
    assert at.selectbox(key="x_ux").value == "sus"
    assert at.selectbox(key="x_cx").value == "nps"
    assert at.selectbox(key="x_segment").value == "plan"


def test_overview_url_reopens_the_chosen_view(datasets):
    # Bound selectboxes carry the shown option in the URL.
    params = {"dataset": datasets.sample, "x_ux": "Task success", "x_cx": "CSAT",
              "x_grain": "Quarter", "x_segment": "region"}  # fmt: skip
    at = open_page("overview", params)
    assert at.selectbox(key="x_ux").value == "task_success_rate"
    assert at.selectbox(key="x_cx").value == "csat"
    assert at.selectbox(key="x_grain").value == "quarter"
    assert at.selectbox(key="x_segment").value == "region"
    text = captions(at)
    assert "Task success: n = 1,200" in text and "CSAT: n = 5,242" in text
    assert "by region" in " ".join(m.value for m in at.markdown)


def test_overview_change_against_the_previous_period(datasets):
    # Second half of 2025 against the first half: the sample's drift shows up as a change.
    state = {"f_dates": (dt.date(2025, 7, 1), dt.date(2025, 12, 31))}
    at = open_page("overview", {"dataset": datasets.sample}, state)
    deltas = {m.label: m.delta for m in at.metric}
    assert all(d and d[0] in "▲▼●" and "vs previous" in d for d in deltas.values())
    assert "Change vs the previous 184 days (2024-12-29 – 2025-06-30)" in captions(at)
    assert "Filters: 2025-07-01 to …" in captions(at)  # the end is the data's last day


def test_overview_low_n_is_greyed_and_said(datasets):
    state = {
        "f_dates": (dt.date(2025, 12, 1), dt.date(2025, 12, 31)),
        "f_plan": ["Enterprise"],
        "f_product": ["iOS app"],
    }
    at = open_page("overview", {"dataset": datasets.sample}, state)
    sus = next(m for m in at.metric if m.label == "SUS")
    assert sus.value.startswith(":gray[")
    text = captions(at)
    assert "n = 11: too few for a stable estimate" in text
    assert "filter not applicable: product" in text  # the CX survey has no product column
    assert "No rows in the current period or filters." in text  # no usability study in Dec


def test_overview_missing_roles_say_what_they_need(datasets):
    at = open_page("overview", {"dataset": datasets.nps_only})
    shown = {m.label: m.value for m in at.metric}
    assert len(shown) == 14 and shown["NPS"] == "-50"
    assert all(v in ("—", "", None) for k, v in shown.items() if k != "NPS"), shown
    text = captions(at)
    assert "Not computed: needs a column for SUS items 1–10" in text
    assert "Not computed: needs a column for CSAT score" in text
    # Each tile links to the Data page (or says where it is when run outside app.py).
    links = at.get("page_link")
    assert len(links) == 13 or text.count("Map a column (open it from the menu") == 13


def test_no_dataset_points_to_data_sources(datasets):
    for page in ("overview", "ux", "cx"):
        at = open_page(page)
        assert "No data loaded yet" in at.info[0].value
        assert not charts(at) and not at.metric


# ---- UX ----------------------------------------------------------------------------------
def test_ux_page_on_the_sample(datasets):
    at = open_page("ux", {"dataset": datasets.sample})
    text = captions(at)
    assert "n = 2,955 · per-respondent SUS in 5-point bins" in text
    assert "grade **C**" in text
    assert "n = 1,200 · adjusted Wald" in text  # task success by task
    assert "n = 896 · geometric mean" in text  # time on task, successful attempts only
    # SUS histogram + trend + by segment, 3 task charts, 4 product metrics × (trend + segment).
    assert len(charts(at)) == 3 + 3 + 8
    assert not at.info


def test_ux_page_without_ux_columns(datasets):
    at = open_page("ux", {"dataset": datasets.nps_only})
    infos = " ".join(i.value for i in at.info)
    assert "**SUS** needs a column for SUS items 1–10" in infos
    assert "Task results" in infos and "App rating" in infos
    assert not charts(at)


# ---- CX ----------------------------------------------------------------------------------
def test_cx_page_on_the_sample(datasets):
    at = open_page("cx", {"dataset": datasets.sample, "x_cx_segment": "region"})
    text = captions(at)
    assert "promoters 9–10, passives 7–8, detractors 0–6" in text
    assert "CSAT counts 4–5 as satisfied" in text
    assert "only cohorts fully observed by 2025-12-31" in text
    assert "CLV per row, binned in SQL" in text
    # NPS composition, trend, by region; CSAT and CES distribution + by region;
    # retention trend, churn by region, cohort heatmap; CLV histogram + by region.
    assert len(charts(at)) == 3 + 4 + 3 + 2
    assert "by region" in " ".join(m.value for m in at.markdown)


def test_cx_page_with_only_nps(datasets):
    at = open_page("cx", {"dataset": datasets.nps_only})
    assert len(charts(at)) == 2  # composition and trend; no segment column
    infos = " ".join(i.value for i in at.info)
    assert "**CSAT** needs a column" in infos and "**CLV** needs a column" in infos


# ---- whole app ---------------------------------------------------------------------------
def test_pages_through_app_py(datasets):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["dataset"] = datasets.sample
    at.query_params["x_cx"] = "CES"
    at.run()
    for page in ("overview", "ux", "cx"):
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, [e.message for e in at.exception]
        assert charts(at)


# ---- periods -----------------------------------------------------------------------------
def test_periods_previous_window_of_equal_length():
    from uxcx.periods import periods
    from uxcx.sql import Filters

    bounds = (dt.date(2024, 1, 1), dt.date(2025, 12, 31))
    per = periods(Filters(dt.date(2025, 1, 1), dt.date(2025, 3, 31)), bounds)
    assert per.previous.date_from == dt.date(2024, 10, 3)
    assert per.previous.date_to == dt.date(2024, 12, 31)
    assert per.note == ""
    per = periods(Filters(), bounds)
    assert per.compare_current == Filters(dt.date(2025, 10, 3), dt.date(2025, 12, 31), {})
    assert per.previous == Filters(dt.date(2025, 7, 5), dt.date(2025, 10, 2), {})
    short = (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    per = periods(Filters(), short)
    assert per.previous is None and "no earlier data" in per.note
    per = periods(Filters(dt.date(2024, 3, 1), None, {"plan": ["Pro"]}), bounds)
    assert per.previous.segments == {"plan": ["Pro"]}
    assert "starts before the data" in per.note
    assert periods(Filters(), None).previous is None


def test_md_escapes_user_text():
    assert tiles.md("[x](http://e.vil) *b* :red[c]") == r"\[x\]\(http\://e.vil\) \*b\* \:red\[c\]"
