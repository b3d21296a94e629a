"""The `uxcx metrics` command: the JSON contract, --map/--by, and clear errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from uxcx.cli import main
from uxcx.metrics import METRICS

ROOT = Path(__file__).parent.parent
SAMPLE = sorted(str(p) for p in (ROOT / "sample_data").glob("*.csv"))
MESSY = ROOT / "tests" / "data" / "messy"


def run_json(capsys, *args: str) -> dict:
    assert main(["metrics", *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def sample_json() -> dict:
    # Through the console entry point, as a user runs it (never imports Streamlit).
    out = subprocess.run(
        [sys.executable, "-m", "uxcx", "metrics", *SAMPLE, "--format", "json"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    # Nothing on stderr: e.g. the query watchdog thread left alive at exit made DuckDB's
    # bindings print "nanobind: leaked 28 instances!" after every successful run.
    assert out.stderr == ""
    return json.loads(out.stdout)


def test_sample_prints_all_14_metrics_with_cis(sample_json):
    metrics = {m["metric"]: m for m in sample_json["metrics"]}
    assert list(metrics) == [m.id for m in METRICS]
    for m in metrics.values():
        assert set(m) >= {"metric", "family", "group", "value", "ci_low", "ci_high", "n", "method"}
        assert m["group"] is None and m["ci_low"] <= m["value"] <= m["ci_high"] and m["n"] > 0
    # Units: rates and NPS in percent points, SUS 0–100, time in seconds.
    assert metrics["sus"]["value"] == pytest.approx(70.85, abs=0.01)
    assert metrics["sus"]["grade"] == "C"
    assert metrics["nps"]["value"] == pytest.approx(20.20, abs=0.01)
    assert metrics["churn_rate"]["value"] == pytest.approx(26.67, abs=0.01)
    assert metrics["churn_rate"]["value"] + metrics["retention_rate"]["value"] == pytest.approx(100)
    assert sample_json["missing"] == []


def test_datasets_block(sample_json):
    by_file = {d["file"]: d for d in sample_json["datasets"]}
    assert by_file["customers.csv"]["rows"] == 3000
    assert by_file["customers.csv"]["rejected_rows"] == 0
    assert by_file["customers.csv"]["roles"]["churned"] == "churned"
    assert by_file["cx_survey.csv"]["roles"]["nps_score"].startswith("How likely")


def test_no_streamlit_import():
    code = "import sys, uxcx.cli, uxcx.compute; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_by_segment_joins_customer_table(capsys):
    files = [str(ROOT / "sample_data" / f) for f in ("customers.csv", "cx_survey.csv")]
    out = run_json(capsys, *files, "--by", "plan", "--metric", "nps")
    # Issue 10 made --by return the whole data (group null) beside the groups.
    (overall,) = [m for m in out["metrics"] if m["group"] is None]
    groups = {m["group"]: m for m in out["metrics"] if m["group"] is not None}
    assert set(groups) == {"Basic", "Pro", "Enterprise"}
    assert sum(m["n"] for m in groups.values()) == 5242 == overall["n"]


def test_map_column_with_spaces_and_quotes(tmp_path, capsys):
    f = tmp_path / "survey.csv"
    f.write_text('id,"Q7: would you ""recommend"" us?",seg\n1,10,a\n2,9,a\n3,0,b\n4,7,b\n')
    out = run_json(capsys, str(f), "--map", 'nps_score=Q7: would you "recommend" us?')
    (nps,) = [m for m in out["metrics"] if m["metric"] == "nps"]
    assert nps["value"] == pytest.approx(25.0) and nps["n"] == 4
    assert out["datasets"][0]["roles"]["nps_score"] == 'Q7: would you "recommend" us?'


def test_table_format(capsys):
    assert main(["metrics", str(ROOT / "sample_data" / "customers.csv")]) == 0
    text = capsys.readouterr().out
    assert "churn_rate" in text and "26.7" in text and "not computed" in text


@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        ("garbage.bin", "binary"),
        ("empty.csv", "empty"),
        ("header_only.csv", "no data rows"),
    ],
)
def test_unreadable_input_exits_2_with_one_line(name, phrase, capsys):
    assert main(["metrics", str(MESSY / name)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and phrase in err.lower() and "Traceback" not in err


def test_parquet_bomb_exits_2(tmp_path, capsys, monkeypatch):
    import functools

    import pyarrow as pa
    import pyarrow.parquet as pq

    import uxcx.ingest

    # 20 million identical values compress to almost nothing but expand past the (lowered) cap.
    path = tmp_path / "bomb.parquet"
    pq.write_table(pa.table({"x": pa.repeat(pa.scalar(7, pa.int64()), 20_000_000)}), path)
    assert path.stat().st_size < 200_000
    capped = functools.partial(uxcx.ingest.ingest_file, max_expanded_mb=50)
    monkeypatch.setattr("uxcx.store.workspace.ingest_file", capped)
    assert main(["metrics", str(path)]) == 2
    err = capsys.readouterr().err
    assert "expand" in err and err.count("\n") == 1


def test_bad_arguments_exit_2(capsys):
    assert main(["metrics", str(ROOT / "sample_data" / "customers.csv"), "--map", "nps=x"]) == 2
    assert "'nps' is not a role" in capsys.readouterr().err
    assert (
        main(["metrics", str(ROOT / "sample_data" / "customers.csv"), "--map", "nps_score=zz"]) == 2
    )
    assert "no file has a column named 'zz'" in capsys.readouterr().err
    assert main(["metrics", "/nonexistent.csv"]) == 2


def test_by_keeps_the_overall_row_beside_the_groups(capsys, sample_json):
    by = run_json(capsys, *SAMPLE, "--by", "plan")
    overall = {m["metric"]: m for m in sample_json["metrics"]}
    rows = by["metrics"]
    for mid, whole in overall.items():
        mine = [r for r in rows if r["metric"] == mid]
        # The whole data first (group null, the same figure as without --by), then its groups.
        assert mine[0]["group"] is None and mine[0]["value"] == whole["value"], mid
        assert {r["group"] for r in mine[1:]} == {"Basic", "Pro", "Enterprise"}, mid


def test_twelve_maps_validate_once_and_scan_no_ids(tmp_path, capsys, monkeypatch):
    """--map overrides are one change set: one validation, no customer-id recount per role."""
    import uxcx.roles
    import uxcx.store.workspace as W
    from benchmarks.generator import write
    from uxcx.engines.duckdb import DuckDBEngine

    f = tmp_path / "b.csv"
    write(500, f, seed=3)
    maps = ["customer_id=customer_id", "date=date", "segment=plan", "sus_score=sus_score",
            "task_success=task_success", "time_on_task=time_on_task", "error_count=error_count",
            "nps_score=nps_score", "csat_score=csat_score", "ces_score=ces_score",
            "churned=churned", "clv=clv"]  # fmt: skip
    calls = {"validate": 0}
    validate, run = uxcx.roles.validate_mapping, DuckDBEngine._run
    exact_counts: list[str] = []

    def counting_validate(*a, **k):
        calls["validate"] += 1
        return validate(*a, **k)

    def recording_run(self, sql, params, fetch):
        if "count(DISTINCT" in sql:
            exact_counts.append(sql)
        return run(self, sql, params, fetch)

    monkeypatch.setattr(W, "validate_mapping", counting_validate)
    monkeypatch.setattr(DuckDBEngine, "_run", recording_run)
    args = [a for m in maps for a in ("--map", m)]
    out = run_json(capsys, str(f), *args, "--by", "plan")
    assert calls["validate"] == 1  # one table, one change set
    # The ids repeat (several rows per customer): the ingest's profile says so, no exact count.
    assert exact_counts == []
    assert out["datasets"][0]["roles"]["segment"] == ["plan"]
    assert {m["metric"] for m in out["metrics"]} >= {"nps", "csat", "sus", "clv"}
