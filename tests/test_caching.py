"""A rerun with unchanged inputs runs no SQL: every page's queries are cached by dataset + query."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from uxcx.engines.duckdb import DuckDBEngine
from uxcx.store import Workspace

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("cache-ws")
    Workspace(root).sample_dataset()
    return root


@pytest.mark.parametrize("page", ["overview", "ux", "cx", "retention", "explore", "data"])
def test_rerun_with_same_inputs_runs_no_sql(workspace, monkeypatch, page):
    monkeypatch.setenv("UXCX_WORKSPACE", str(workspace))
    calls: list[str] = []
    real = DuckDBEngine._run  # behind both query() (Arrow) and rows() (dicts)

    def counting(self, sql, params, fetch):
        calls.append(sql)
        return real(self, sql, params, fetch)

    monkeypatch.setattr(DuckDBEngine, "_run", counting)
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=120)
    at.query_params["dataset"] = "sample"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert calls, "the first run queries DuckDB"
    calls.clear()
    at.run()
    assert not at.exception
    assert calls == [], f"{page}: a rerun with unchanged inputs ran {len(calls)} queries"
