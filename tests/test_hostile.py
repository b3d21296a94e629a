"""Hostile input: every corpus case loads correctly or gets one clear sentence; nothing is left
half-written and the server process (this one) keeps working."""

from __future__ import annotations

import pytest

from tests.data.hostile.corpus import CASES, Case
from uxcx.compute import compute
from uxcx.export import results_table, to_csv_bytes
from uxcx.ingest import IngestError
from uxcx.store import Workspace

TRACEBACK_WORDS = ("Traceback", "Error:", "Exception", 'File "', "duckdb.", "pyarrow.")


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Workspace:
    return Workspace(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case_loads_or_gets_one_sentence(ws, case: Case, tmp_path):
    before = {p.name for p in ws.root.iterdir()}
    if case.refused:
        with pytest.raises(IngestError) as e:
            ws.create_dataset([(case.filename, case.make())])
        msg = str(e.value)
        assert case.refused in msg.lower(), msg
        assert "\n" not in msg and not any(w in msg for w in TRACEBACK_WORDS), msg
        # Nothing half-written: the workspace holds exactly what it held before.
        assert {p.name for p in ws.root.iterdir()} == before
        return
    ds = ws.create_dataset([(case.filename, case.make())])
    assert ds.tables[0].rows > 0
    results, _missing = compute(ws.engine, ds.table_infos(ws.engine))
    for r in results:  # whatever was computed is a number or an honest NaN, never inf
        assert r.n >= 0 and r.value == r.value or r.n == 0


def test_formulas_in_group_names_are_neutralised_in_downloads(ws):
    case = next(c for c in CASES if c.name == "spreadsheet formulas")
    ds = ws.create_dataset([(case.filename, case.make())])
    results, _ = compute(ws.engine, ds.table_infos(ws.engine), ["nps"], by="plan")
    text = to_csv_bytes(results_table(results)).decode("utf-8-sig")
    for dangerous in ("=HYPERLINK", "+1+1", "@SUM(A1)", "-2+3"):
        assert f"'{dangerous}" in text and f",{dangerous}" not in text


def test_sql_looking_headers_are_columns_not_sql(ws):
    case = next(c for c in CASES if c.name == "SQL-looking headers")
    ds = ws.create_dataset([(case.filename, case.make())])
    t = ds.tables[0]
    assert '"; DROP TABLE x; --' in t.columns and "nps'); --" in t.columns
    ws.set_roles(ds, t.name, {"customer_id": "customer_id", "nps_score": "nps'); --"})
    (nps,), _ = compute(ws.engine, ds.table_infos(ws.engine), ["nps"])
    assert nps.n == 30
