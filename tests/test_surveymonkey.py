"""SurveyMonkey's two header rows: merged into column names, question text as label, data from
line 3 with physical line numbers, and NPS/CSAT detected from the merged names."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from uxcx.ingest import ingest_file
from uxcx.ingest.sniff import Dialect, detect_encoding, sniff
from uxcx.ingest.stage_fast import FAST_MIN_BYTES, fast_path_fits
from uxcx.ingest.surveymonkey import is_surveymonkey, merge_headers
from uxcx.ingest.worker import convert
from uxcx.store import Workspace

HERE = Path(__file__).parent / "data" / "surveymonkey"
EXPORT = HERE / "surveymonkey_expanded.csv"
MESSY = Path(__file__).parent / "data" / "messy"

NPS_Q = "How likely is it that you would recommend Acme to a friend or colleague?"
CSAT_Q = "Overall, how satisfied or dissatisfied are you with Acme?"
FEATURES = "Which features do you use? (Select all that apply)"
PLAN = "Which plan are you on?"
RATE = "Please rate Acme on the following:"
NAMES = [
    "Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
    "First Name", "Last Name", "Custom Data 1",
    NPS_Q,  # "Response" under it: the question alone
    CSAT_Q,
    f"{FEATURES} - Reports", f"{FEATURES} - Dashboards", f"{FEATURES} - Alerts",
    f"{FEATURES} - Other (please specify)",
    PLAN, f"{PLAN} - Other (please specify)",
    f"{RATE} - Ease of use", f"{RATE} - Speed", f"{RATE} - Support",  # a matrix
    "Is there anything else you would like to tell us?",  # "Open-Ended Response", alone
]  # fmt: skip


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return ingest_file(EXPORT, tmp_path_factory.mktemp("sm") / "sm.parquet")


def test_two_header_rows_become_one_name_per_column(result):
    assert [c["name"] for c in result.columns] == NAMES
    labels = {c["name"]: c.get("label") for c in result.columns}
    # The question text is each column's label where the name says more than the question.
    assert labels[f"{RATE} - Speed"] == RATE
    assert labels[f"{FEATURES} - Alerts"] == FEATURES
    assert labels[NPS_Q] is None  # the name is the question already
    assert (
        "Merged the two header rows SurveyMonkey writes (questions, then answer options) into "
        "the column names." in result.notes
    )


def test_data_starts_on_line_3_and_lines_stay_physical(result):
    # Line 3 is the first response; its NPS "10+" is reported on that line.
    assert [(i["line"], i["column"], i["value"]) for i in result.cell_issues] == [(3, NPS_Q, "10+")]
    # A comment on lines 5–6 spans two lines; the row with a field too many is on line 11.
    assert result.rejects == [
        {"line": 11, "reason": "The row has 22 fields but the header has 21."}
    ]
    assert (result.rows, result.rejected_rows) == (29, 1)


def test_values_equal_pandas_reading_below_the_second_row(result):
    want = pd.read_csv(EXPORT, skiprows=[1], dtype=str, keep_default_na=False,
                       on_bad_lines="skip")  # fmt: skip
    data = pq.read_table(result.parquet_path).to_pydict()
    assert data[NPS_Q] == [None if v == "10+" else int(v) for v in want.iloc[:, 9]]
    assert data["Respondent ID"] == [int(v) for v in want.iloc[:, 0]]
    satisfaction = ["Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied",
                    "Satisfied", "Very satisfied"]  # fmt: skip
    assert data[CSAT_Q] == [satisfaction.index(v) + 1 for v in want.iloc[:, 10]]
    assert data[f"{RATE} - Support"] == list(want.iloc[:, 19])
    assert data[f"{PLAN} - Other (please specify)"] == [v or None for v in want.iloc[:, 16]]


def test_nps_and_csat_are_detected(tmp_path):
    ws = Workspace(tmp_path)
    ds = ws.create_dataset([("survey.csv", EXPORT)])
    roles = ds.tables[0].roles
    assert roles["nps_score"] == NPS_Q
    # "satisfied or dissatisfied" is SurveyMonkey's CSAT question, not a dissatisfaction one.
    assert roles["csat_score"] == CSAT_Q
    assert PLAN in roles["segment"]


def test_detection_needs_the_surveymonkey_layout(tmp_path):
    header = ["Respondent ID", "Q1", "Q2", ""]
    assert is_surveymonkey(header, ["", "Response", "Yes", "No"])
    # Without the metadata columns: an empty first cell and mostly markers still say so.
    assert is_surveymonkey(["NPS?", "Plan?", ""], ["Response", "Response", "Other"])
    # A data row that happens to say "Response" is not a second header row.
    assert not is_surveymonkey(["Ticket", "Type"], ["1001", "Response"])
    assert not is_surveymonkey(["Ticket", "Type", "Note"], ["1001", "Response", "ok"])
    assert not is_surveymonkey(["a", "b"], ["", ""])
    for name in ("qualtrics_three_header_rows.csv", "likert_sus.csv", "tab_separated.tsv"):
        src = MESSY / name
        assert not sniff(src, detect_encoding(src)).surveymonkey, name
    assert sniff(EXPORT, "utf-8").surveymonkey


def test_merge_without_metadata_columns():
    names, questions = merge_headers(
        ["Q?", "", "Tell us more"], ["Yes", "No", "Open-Ended Response"]
    )
    assert names == ["Q? - Yes", "Q? - No", "Tell us more"]
    assert questions == ["Q?", "Q?", "Tell us more"]


def test_a_large_export_is_not_given_to_duckdbs_reader(tmp_path):
    # DuckDB's CSV reader cannot skip the second header row: the Python reader stages it.
    big = tmp_path / "big.csv"
    with open(big, "wb") as f:
        f.write(EXPORT.read_bytes())
        f.truncate(FAST_MIN_BYTES + 1)
    dialect = Dialect(encoding="utf-8", delimiter=",", surveymonkey=True)
    assert not fast_path_fits(big, dialect)
    assert fast_path_fits(big, Dialect(encoding="utf-8", delimiter=","))


def test_python_reader_alone_gives_the_same(tmp_path, result):
    slow = convert(EXPORT, tmp_path / "o.parquet", work_dir=tmp_path, fast=False)
    assert slow.columns == result.columns and slow.rejects == result.rejects


def test_generator_reproduces_committed_file(tmp_path):
    spec = importlib.util.spec_from_file_location("make_sm", HERE / "make_surveymonkey.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    assert (tmp_path / EXPORT.name).read_bytes() == EXPORT.read_bytes()
