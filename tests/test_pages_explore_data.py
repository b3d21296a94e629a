"""The Explore and Data pages through Streamlit's AppTest, on the sample data and a messy file.

ui.cache.workspace() is a process-wide st.cache_resource built from UXCX_WORKSPACE. Datasets are
built once per session in a temporary workspace; each test then points UXCX_WORKSPACE at it and
clears that cache, and afterwards puts back whatever was there and clears it again. Other AppTest
modules with their own workspace can therefore share a pytest-xdist worker with this one, in any
order of tests. (If a shared tests/conftest.py ever owns the workspace, move this there.)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from ui import state as app_state
from uxcx.store import SAMPLE_ID, Workspace

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 60

SUS_HEADERS = [f"SUS Q{i}" for i in range(1, 11)]


def _messy_csv() -> bytes:
    """A small survey export with the problems the Data page must explain.

    An NPS of 11 (line 3), a SUS item of 6 (line 4), a row with too few fields (line 6) and a
    word in the CSAT column (line 7); line numbers count the header as line 1. Twenty clean rows
    follow so that every column is still read as numbers.
    """
    lines = [
        ",".join(["customer_id", "date", "plan", "NPS", *SUS_HEADERS, "CSAT"]),
        "C001,2025-01-10,Basic,2,5,1,3,1,4,4,4,4,2,1,4",
        "C002,2025-01-11,Pro,11,4,4,5,1,4,3,2,5,1,3,1",
        "C003,2025-02-12,Basic,0,1,5,1,6,2,4,1,5,2,4,4",
        "C004,2025-02-13,Pro,9,2,3,2,2,4,3,1,4,5,1,2",
        "C005,2025-02-14,Pro,5,extra,fields",
        "C006,2025-03-15,Basic,10,3,1,3,5,4,5,2,3,3,5,great",
    ]
    for i in range(20):
        items = ",".join(str(1 + (i + k) % 5) for k in range(10))
        plan = ("Basic", "Pro")[i % 2]
        lines.append(f"C{100 + i},2025-03-{1 + i:02d},{plan},{i % 11},{items},{1 + i % 5}")
    return ("\n".join(lines) + "\n").encode()


MESSY_CSV = _messy_csv()


@dataclass(frozen=True)
class Datasets:
    """The test workspace and the ids of the datasets built in it."""

    root: Path
    sample: str
    messy: str


@pytest.fixture(scope="session")
def built(app_workspace) -> Datasets:
    """Build the sample and the messy dataset once per session (about 8 s for the sample)."""
    root = app_workspace
    ws = Workspace(root)
    sample = ws.sample_dataset()
    messy = ws.create_dataset([("messy survey.csv", MESSY_CSV)], name="messy survey.csv")
    assert sample.id == SAMPLE_ID
    return Datasets(root, sample.id, messy.id)


@pytest.fixture
def datasets(built: Datasets, monkeypatch: pytest.MonkeyPatch) -> Iterator[Datasets]:
    """Make the app open the test workspace for one test, then restore the previous one."""
    monkeypatch.setenv("UXCX_WORKSPACE", str(built.root))
    yield built


def open_page(page: str, params: dict[str, str | list[str]]) -> AppTest:
    """Open a page of app.py as a link with these query parameters would.

    AppTest finds a page of st.navigation only after a first run has registered the pages, so
    the app runs once on its default page, then switches (the sidebar and its global filters
    run on every page, as in the browser).
    """
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def table(at: AppTest) -> pd.DataFrame:
    """The Explore page's aggregate table."""
    (df,) = [d.value for d in at.dataframe]
    return df


def grain_widget(at: AppTest):
    return at.segmented_control(key="x_grain")


# ---- Explore -------------------------------------------------------------------------------
def test_explore_url_reopens_the_exact_view(datasets):
    at = open_page(
        "pages/explore.py",
        {
            "dataset": datasets.sample,
            "x_metrics": ["sus", "nps"],
            "x_by": "plan",
            "x_grain": "month",
        },
    )
    assert at.multiselect(key="x_metrics").value == ["sus", "nps"]
    assert at.selectbox(key="x_by").value == "plan"
    assert grain_widget(at).value == "month"
    df = table(at)
    assert set(df["Metric"]) == {"SUS", "NPS"}
    assert set(df["Group"]) == {"Basic", "Pro", "Enterprise"}
    # Two years of months per plan and metric.
    assert df.groupby(["Metric", "Group"])["Period"].nunique().min() >= 20
    assert {"Value", "95% CI", "n", "Method"} <= set(df.columns)
    assert len(at.get("vega_lite_chart")) == 2  # one panel per metric
    (download,) = at.get("download_button")
    assert download.proto.label.startswith("Download")
    assert not at.warning


def test_explore_defaults_to_a_ux_and_a_cx_metric(datasets):
    at = open_page("pages/explore.py", {"dataset": datasets.sample})
    assert at.multiselect(key="x_metrics").value == ["sus", "nps"]
    assert at.selectbox(key="x_by").value is None
    assert grain_widget(at).value == "none"
    df = table(at)
    assert list(df["Metric"]) == ["SUS", "NPS"]
    assert "Group" not in df.columns and "Period" not in df.columns
    assert any("No filters" in c.value for c in at.caption)


def test_explore_widgets_update_the_table(datasets):
    at = open_page(
        "pages/explore.py",
        {"dataset": datasets.sample, "x_metrics": ["sus"], "x_by": "plan", "x_grain": "quarter"},
    )
    assert set(table(at)["Group"]) == {"Basic", "Pro", "Enterprise"}

    at.selectbox(key="x_by").set_value("region").run()
    assert set(table(at)["Group"]) == {"EMEA", "Americas", "APAC"}

    grain_widget(at).set_value("none").run()
    df = table(at)
    assert "Period" not in df.columns
    assert len(df) == 3

    at.multiselect(key="x_metrics").select("csat").run()
    assert set(table(at)["Metric"]) == {"SUS", "CSAT"}
    assert len(at.get("vega_lite_chart")) == 2

    at.selectbox(key="x_by").set_value(None).run()
    assert len(table(at)) == 2


def test_explore_ignores_unknown_metric_ids_in_the_url(datasets):
    at = open_page("pages/explore.py", {"dataset": datasets.sample, "x_metrics": ["bogus"]})
    assert at.multiselect(key="x_metrics").value == ["sus", "nps"]


def test_explore_global_filters_apply(datasets):
    at = open_page(
        "pages/explore.py",
        {"dataset": datasets.sample, "x_metrics": ["nps"], "x_by": "plan", "f_plan": "Pro"},
    )
    assert set(table(at)["Group"]) == {"Pro"}
    assert any("plan: Pro" in c.value for c in at.caption)


def test_explore_says_what_a_metric_needs_and_links_to_data(datasets):
    at = open_page(
        "pages/explore.py",
        {"dataset": datasets.messy, "x_metrics": ["sus", "task_success_rate"]},
    )
    (warning,) = at.warning
    assert "Task success" in warning.value and "needs a column for Task success" in warning.value
    (link,) = at.get("page_link")
    assert link.proto.page == "data"
    assert link.proto.query_string == f"dataset={datasets.messy}"
    assert list(table(at)["Metric"]) == ["SUS"]


def test_explore_marks_low_n_rows(datasets):
    at = open_page(
        "pages/explore.py",
        {"dataset": datasets.messy, "x_metrics": ["nps"], "x_by": "plan"},
    )
    df = table(at)
    assert set(df["Group"]) == {"Basic", "Pro"}
    assert df["Note"].str.contains("too few for a stable estimate").all()
    # The NPS of 11 is reported, not silently used.
    assert df["Note"].str.contains("out of scale").any()
    assert any("fewer than 20 answers" in c.value for c in at.caption)


def test_explore_without_dataset_points_to_upload(datasets):
    at = open_page("pages/explore.py", {})
    assert at.info and "Load data first" in at.info[0].value
    (link,) = at.get("page_link")
    # Links navigate by script hash; the default (upload) page's URL path is "" under
    # st.navigation and "upload" when AppTest runs the page as a legacy multipage app.
    assert link.proto.page in ("", "upload") and link.proto.page_script_hash
    assert not at.dataframe


# ---- Data ----------------------------------------------------------------------------------
def test_data_page_on_the_sample(datasets):
    at = open_page("pages/data.py", {"dataset": datasets.sample})
    summary = at.dataframe[0].value
    assert list(summary["File"]) == [
        "customers.csv",
        "cx_survey.csv",
        "usability_tasks.csv",
        "ux_survey.csv",
        "web_sessions.csv",
    ]
    assert summary["Rows"].sum() == 3000 + 5242 + 1200 + 2955 + 9303
    assert summary["Rejected rows"].sum() == 0
    assert summary["Values out of scale"].sum() == 0
    assert at.selectbox(key="d_file").value == "customers.csv"
    quality = at.dataframe[-2].value
    assert "tenure_months" in set(quality["Column"])
    preview = at.dataframe[-1].value
    assert len(preview) == 100
    assert list(preview.columns)[:3] == ["customer_id", "plan", "region"]

    at.selectbox(key="d_file").set_value("cx_survey.csv").run()
    assert "Satisfaction Score" in at.dataframe[-1].value.columns


def test_data_page_shows_the_roles_editor(datasets):
    at = open_page("pages/data.py", {"dataset": datasets.sample})
    assert "What each column means" in [s.value for s in at.subheader]
    (editor,) = [d for d in at.dataframe if "Detected" in d.value.columns]
    # Editable (not a read-only table): one row per column of every file.
    assert editor.proto.editing_mode != editor.proto.EditingMode.READ_ONLY
    roles = editor.value.set_index(["File", "Column"])["Role"]
    assert len(roles) == 8 + 7 + 8 + 15 + 7
    assert roles[("customers.csv", "churned")] == "churned"
    assert any(b.label == "Save roles" for b in at.button)


def test_data_page_reports_a_messy_file(datasets):
    at = open_page("pages/data.py", {"dataset": datasets.messy})
    summary = at.dataframe[0].value.iloc[0]
    assert summary["File"] == "messy survey.csv"
    assert summary["Rows"] == 25
    assert summary["Rejected rows"] == 1
    assert summary["Values out of scale"] == 2
    assert summary["Unreadable cells"] == 1

    frames = [d.value for d in at.dataframe]
    quality = next(f for f in frames if "Out of scale" in f.columns).set_index("Column")
    assert quality.loc["NPS", "Out of scale"] == 1
    assert quality.loc["NPS", "Examples out of scale"] == "11"
    assert quality.loc["SUS Q4", "Out of scale"] == 1
    assert quality.loc["SUS Q4", "Examples out of scale"] == "6"
    assert quality.loc["CSAT", "Empty"] == 1
    warnings = " ".join(w.value for w in at.warning)
    assert "'NPS'" in warnings and "'SUS Q4'" in warnings

    rejects = next(f for f in frames if list(f.columns) == ["Line", "Reason"])
    assert rejects["Line"].tolist() == [6]
    assert "fields" in rejects["Reason"].iloc[0]
    issues = next(f for f in frames if "Value" in f.columns and "Line" in f.columns)
    assert issues.iloc[0][["Line", "Column", "Value"]].tolist() == [7, "CSAT", "great"]
    notes = " ".join(m.value for m in at.markdown)
    assert "line 6" in notes


def test_data_page_without_dataset(datasets):
    at = open_page("pages/data.py", {})
    assert at.info and "No data loaded yet" in at.info[0].value
    (link,) = at.get("page_link")
    # Links navigate by script hash; the default (upload) page's URL path is "" under
    # st.navigation and "upload" when AppTest runs the page as a legacy multipage app.
    assert link.proto.page in ("", "upload") and link.proto.page_script_hash
    assert not at.dataframe


def test_workspace_fixture_points_the_app_at_the_test_workspace(datasets):
    # Guards the fixture itself: the app must read the datasets built above.
    assert Path(os.environ["UXCX_WORKSPACE"]) == datasets.root
    assert app_state.workspace().root == datasets.root.resolve()
    assert app_state.workspace().exists(datasets.messy)
