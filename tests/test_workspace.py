"""Real exports end to end: ingest → roles detected → metrics; datasets on disk; role overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from uxcx.compute import compute
from uxcx.store import DatasetNotFound, Workspace

MESSY = Path(__file__).parent / "data" / "messy"


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Workspace:
    return Workspace(tmp_path_factory.mktemp("ws"))


def metrics_of(ws: Workspace, name: str) -> tuple[dict, dict]:
    ds = ws.create_dataset([(name, MESSY / name)])
    results, _ = compute(ws.engine, ds.table_infos(ws.engine))
    return ds.tables[0].roles, {r.metric: r for r in results}


def test_telco_crm_export(ws):
    roles, m = metrics_of(ws, "quoted_numbers_yes_no.csv")
    assert {k: roles[k] for k in ("customer_id", "churned", "tenure", "clv", "csat_score")} == {
        "customer_id": "CustomerID", "churned": "Churn Label", "tenure": "Tenure in Months",
        "clv": "CLTV", "csat_score": "Satisfaction Score",
    }  # fmt: skip
    assert (m["churn_rate"].n, round(m["churn_rate"].value, 1)) == (7, 28.6)


def test_qualtrics_question_text_row_drives_detection(ws):
    roles, m = metrics_of(ws, "qualtrics_three_header_rows.csv")
    assert roles["nps_score"] == "Q1"  # "How likely are you to recommend…" is in row 2
    assert roles["ces_score"] == "Q2_1"  # "Acme made it easy to handle my issue."
    assert "signup_date" not in roles and "churn_date" not in roles
    assert m["nps"].n == 5


def test_sus_likert_labels(ws):
    roles, m = metrics_of(ws, "likert_sus.csv")
    assert all(f"sus_q{i}" in roles for i in range(1, 11))
    assert m["sus"].n == 6 and m["sus"].value == pytest.approx(68.75)


def test_survey_tool_response_dates_are_not_customer_dates(ws):
    roles, _ = metrics_of(ws, "bom_utf8_multiline.csv")
    assert roles["date"] == "Start Date" and "churn_date" not in roles


def test_dataset_on_disk_and_role_override(ws):
    ds = ws.create_dataset([("a.csv", b"id,score\n1,10\n2,3\n")])
    manifest = json.loads((ds.root / "manifest.json").read_text())
    assert manifest["tables"][0]["rows"] == 2
    assert (ds.root / "sources" / "a.csv").read_bytes() == b"id,score\n1,10\n2,3\n"
    before = ds.version
    ws.set_roles(ds, "a", {"nps_score": "score"})
    again = ws.open(ds.id)
    assert again.tables[0].roles == {"nps_score": "score"} and again.version != before
    with pytest.raises(ValueError, match="not in the file"):
        ws.set_roles(ds, "a", {"nps_score": "nope"})


def test_ids_are_unguessable_and_validated(ws):
    ds = ws.create_dataset([("a.csv", b"x\n1\n")])
    assert len(ds.id) >= 20
    for bad in ("../etc", "", "a/b", "x" * 100):
        with pytest.raises(DatasetNotFound):
            ws.open(bad)


def test_adding_files_makes_a_new_dataset_and_keeps_saved_roles(ws):
    first = ws.create_dataset([("survey.csv", b"cid,score\n1,10\n2,3\n")])
    ws.set_roles(first, "survey", {"customer_id": "cid", "nps_score": "score"})
    crm = b"customer_id,churned,plan\n1,yes,Pro\n2,no,Basic\n"
    both = ws.extend_dataset(ws.open(first.id), [("crm.csv", crm)])
    assert both.id != first.id and ws.open(first.id).tables[0].file == "survey.csv"
    assert [t.file for t in both.tables] == ["survey.csv", "crm.csv"]
    assert both.tables[0].roles == {"customer_id": "cid", "nps_score": "score"}
    results, _ = compute(ws.engine, both.table_infos(ws.engine), ["nps"], by="plan")
    assert {r.group: r.value for r in results} == {"Pro": 100.0, "Basic": -100.0}
