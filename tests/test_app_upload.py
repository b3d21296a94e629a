"""AppTest of the Data sources page: upload (good, messy, broken files), sample data, roles, metrics."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).parent.parent
APP = str(ROOT / "app.py")
MESSY = ROOT / "tests" / "data" / "messy"


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("UXCX_WORKSPACE", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert not at.exception
    return at


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader(key="uploads").set_value([(n, b, "text/csv") for n, b in files]).run()
    at.button(key="load_files").click().run()
    return at


def test_start_page_offers_upload_and_sample(app):
    assert app.title[0].value == "UX and CX, side by side"
    assert app.button(key="load_files").disabled
    assert "dataset" not in app.query_params


def test_sample_data_button_loads_every_metric(app):
    app.button(key="use_sample").click().run()
    assert not app.exception
    assert app.query_params["dataset"] == "sample"
    tables = [df for df in app.dataframe if "Metric" in df.value.columns]
    assert tables, "the metric table is shown"
    metrics = tables[0].value
    assert len(metrics) == 14 and set(metrics["Family"]) == {"UX", "CX"}
    sus = metrics[metrics["Metric"] == "SUS"].iloc[0]
    assert (sus["Value"], sus["n"], sus["Grade"]) == ("70.9", 2955, "C")


def test_messy_upload_shows_roles_rejects_and_metrics(app):
    content = (MESSY / "bom_utf8_multiline.csv").read_bytes()
    upload(app, ("bom_utf8_multiline.csv", content))
    assert not app.exception and not app.error
    text = " ".join(m.value for m in app.markdown)
    assert "1 rejected" in text
    assert [h.value for h in app.subheader][1:] == ["What each column means",
                                                    "Every metric this data supports"]  # fmt: skip
    # The rejected row is listed with its line number and reason.
    rejects = [df.value for df in app.dataframe if "line" in df.value.columns]
    assert rejects and list(rejects[0]["line"]) == [7]


@pytest.mark.parametrize(
    ("name", "phrase"),
    [("garbage.bin", "binary"), ("empty.csv", "empty"), ("header_only.csv", "no data rows")],
)
def test_broken_files_give_one_friendly_sentence(app, name, phrase):
    # The uploader only accepts data extensions, so binary junk arrives named like a CSV.
    shown = name.replace(".bin", ".csv")
    upload(app, (shown, (MESSY / name).read_bytes()))
    assert not app.exception
    assert app.error and phrase in app.error[0].value.lower()
    assert shown in app.error[0].value
    assert "dataset" not in app.query_params


def test_saving_roles_changes_metrics(app):
    csv = b"id,score,other\n1,10,5\n2,9,4\n3,3,1\n4,8,2\n"
    upload(app, ("s.csv", csv))
    assert not app.exception
    tables = [df.value for df in app.dataframe if "Metric" in df.value.columns]
    assert not tables or "NPS" not in set(tables[0]["Metric"])
    from ui.cache import workspace

    ws = workspace()
    ds = ws.open(
        app.query_params["dataset"][0]
        if isinstance(app.query_params["dataset"], list)
        else app.query_params["dataset"]
    )
    ws.set_roles(ds, ds.tables[0].name, {"nps_score": "score"})
    app.run()
    metrics = [df.value for df in app.dataframe if "Metric" in df.value.columns][0]
    nps = metrics[metrics["Metric"] == "NPS"].iloc[0]
    assert (nps["Value"], nps["n"]) == ("+25", 4)


def test_make_run_opens_on_the_sample_data(tmp_path, monkeypatch):
    monkeypatch.setenv("UXCX_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("UXCX_DEFAULT_DATASET", "sample")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert at.subheader[0].value == "Loaded: Sample data (Acme)"
    assert at.query_params["dataset"] == "sample"


def test_add_files_to_the_loaded_dataset(app):
    upload(app, ("survey.csv", b"customer_id,How likely are you to recommend us?\n1,10\n2,0\n"))
    first = app.session_state["_dataset_id"]
    assert app.checkbox(key="add_to_dataset").value is False
    app.checkbox(key="add_to_dataset").check().run()
    upload(app, ("crm.csv", b"customer_id,plan,churned\n1,Pro,no\n2,Basic,yes\n"))
    assert not app.exception
    assert app.session_state["_dataset_id"] != first
    assert app.subheader[0].value == "Loaded: survey.csv, crm.csv"
    metrics = [df.value for df in app.dataframe if "Metric" in df.value.columns][0]
    assert {"NPS", "Churn"} <= set(metrics["Metric"])


def test_dead_link_warns_once_and_cleans_the_url(tmp_path, monkeypatch):
    monkeypatch.setenv("UXCX_WORKSPACE", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["dataset"] = "no-such-dataset-0123456789"
    at.run()
    assert not at.exception
    assert len(at.warning) == 1 and "not on this server" in at.warning[0].value
    assert "dataset" not in at.query_params


def test_dead_link_with_a_default_dataset_opens_it_everywhere(tmp_path, monkeypatch):
    monkeypatch.setenv("UXCX_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("UXCX_DEFAULT_DATASET", "sample")
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["dataset"] = "no-such-dataset-0123456789"
    at.run()
    assert len(at.warning) == 1
    # Sidebar and page agree on the dataset within the same run.
    assert any(m.value.startswith("**Dataset:** Sample data") for m in at.sidebar.markdown)
    assert at.subheader[0].value == "Loaded: Sample data (Acme)"


# ---- uploads to disk ---------------------------------------------------------------------------
def test_uploads_are_copied_to_disk_in_chunks_with_byte_and_line_progress(tmp_path, monkeypatch):
    import io

    from ui import uploads

    monkeypatch.setattr(uploads, "CHUNK_BYTES", 1000)
    body = b"".join(f"{i},{i % 11}\n".encode() for i in range(2000))

    class Up(io.BytesIO):
        def __init__(self, name: str, data: bytes):
            super().__init__(data)
            self.name, self.size = name, len(data)

    files = [Up("a.csv", body), Up("b.parquet", b"PAR1" * 700)]
    seen: list[tuple[float, str]] = []
    with uploads.saved_uploads(files, tmp_path, lambda f, m: seen.append((f, m))) as (saved, rest):
        assert [n for n, _ in saved] == ["a.csv", "b.parquet"]
        assert saved[0][1].read_bytes() == body and saved[1][1].read_bytes() == b"PAR1" * 700
        folder = saved[0][1].parent
        rest(0.5, "half")
    assert not folder.exists()
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] > uploads.SAVE_SHARE
    saving = [m for _, m in seen if m.startswith("Saving")]
    assert len(saving) > 10  # one per chunk, not one per file
    assert any("lines so far" in m for m in saving) and "2,000 lines" in saving[len(body) // 1000]
    assert saving[-1].endswith(f"of {uploads.size_text(len(body) + 2800)}")
    assert seen[-1] == (uploads.SAVE_SHARE + (1 - uploads.SAVE_SHARE) * 0.5, "half")
