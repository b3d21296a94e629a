"""SPSS exports (.sav, .zsav, .por): values equal pyreadstat's, question texts and value labels
reach role detection, the CLI's NPS and CSAT equal a pandas computation, and bad files are
refused with one sentence."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest

from uxcx.cli import main
from uxcx.ingest import IngestError, ingest_file, sav
from uxcx.ingest.sniff import detect_format
from uxcx.ingest.worker import convert
from uxcx.roles import ColumnProfile, detect_roles
from uxcx.store import Workspace
from uxcx.value_labels import labelled_scale

HERE = Path(__file__).parent / "data" / "spss"
FILES = ["survey.sav", "survey.zsav", "survey.por"]


def _read(name: str) -> tuple[pd.DataFrame, object]:
    """What pyreadstat itself reads: the known answer."""
    reader = pyreadstat.read_por if name.endswith(".por") else pyreadstat.read_sav
    return reader(str(HERE / name), apply_value_formats=False)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory) -> dict:
    """Every fixture through the real, capped worker process."""
    out = tmp_path_factory.mktemp("spss")
    return {n: ingest_file(HERE / n, out / f"{n}.parquet") for n in FILES}


def _plain(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None if value == "" else value


@pytest.mark.parametrize("name", FILES)
def test_values_equal_pyreadstat(ingested, name):
    r = ingested[name]
    df, meta = _read(name)
    data = pq.read_table(r.parquet_path).to_pydict()
    assert (r.source_format, r.rows, r.rejected_rows) == (name.split(".")[1], len(df), 0)
    assert list(data) == list(df.columns)
    for column in df.columns:
        assert data[column] == [_plain(v) for v in df[column]], column
    labels = {c["name"]: c.get("label") for c in r.columns}
    assert labels == {k: v for k, v in meta.column_names_to_labels.items()}
    want = {
        n: {str(int(k)): v for k, v in codes.items()}
        for n, codes in meta.variable_value_labels.items()
    }
    assert {c["name"]: c["value_labels"] for c in r.columns if "value_labels" in c} == want


def test_codes_stay_numbers_and_types_follow_spss_formats(ingested):
    r = ingested["survey.sav"]
    types = {c["name"]: c["type"] for c in r.columns}
    assert types == {
        "ResponseId": "VARCHAR", "StartDate": "TIMESTAMP", "RecordedDate": "DATE",
        "plan": "BIGINT", "Q1": "BIGINT", "Q2": "BIGINT", "Q3": "BIGINT", "Q4": "BIGINT",
        "Q5": "BIGINT", "Q6": "VARCHAR", "Duration": "BIGINT",
    }  # fmt: skip
    data = pq.read_table(r.parquet_path).to_pydict()
    raw, _ = pyreadstat.read_sav(str(HERE / "survey.sav"), user_missing=True)
    # "Don't know" (99) is user-missing: empty here, as SPSS leaves it out of analyses.
    dont_know = [i for i, v in enumerate(raw["Q2"]) if v == 99]
    assert dont_know and all(data["Q2"][i] is None for i in dont_know)
    assert r.notes[0] == "Read an SPSS data file (.sav) with 11 variables."
    assert (
        "'Q2' is labelled as a satisfaction scale (1 = Very dissatisfied … 5 = Very satisfied)."
        in r.notes
    )
    assert (
        "'Q4' is labelled as an agreement scale (1 = Strongly disagree … 7 = Strongly agree)."
        in r.notes
    )
    assert r.encoding == "utf-8"


def test_roles_come_from_question_texts_and_value_labels(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ds = ws.create_dataset(
        [("survey.sav", HERE / "survey.sav"), ("survey.por", HERE / "survey.por")]
    )
    roles = ds.tables[0].roles
    assert roles["nps_score"] == "Q1"  # "How likely are you to recommend Acme …"
    assert roles["csat_score"] == "Q2"  # its question has no "satisfied": the value labels say it
    assert roles["ces_score"] == "Q4"  # "Acme made it easy to handle my issue."
    assert "plan" in roles["segment"]
    assert "Q5" not in json.dumps(roles)  # satisfaction coded 1 = Very satisfied: no scale role
    assert ds.tables[0].value_labels["Q2"]["5"] == "Very satisfied"
    assert ws.open(ds.id).tables[0].value_labels == ds.tables[0].value_labels  # in the manifest
    por = ds.tables[1].roles
    assert (por["nps_score"], por["ces_score"]) == ("Q1", "Q4")  # from question texts alone


def _pandas_nps_csat(name: str) -> tuple[float, int, float, int]:
    df, _ = _read(name)
    nps = df["Q1"].dropna()
    promoters, detractors = (nps >= 9).sum(), (nps <= 6).sum()
    csat = df["Q2"].dropna()
    csat = csat[(csat >= 1) & (csat <= 5)]
    return (
        100 * (promoters - detractors) / len(nps), len(nps),
        100 * (csat >= 4).sum() / len(csat), len(csat),
    )  # fmt: skip


@pytest.mark.parametrize("name", ["survey.sav", "survey.zsav"])
def test_cli_metrics_equal_pandas(capsys, name):
    assert main(["metrics", str(HERE / name), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    metrics = {m["metric"]: m for m in out["metrics"] if m["group"] is None}
    nps, nps_n, csat, csat_n = _pandas_nps_csat(name)
    assert (metrics["nps"]["n"], metrics["csat"]["n"]) == (nps_n, csat_n)
    assert metrics["nps"]["value"] == pytest.approx(nps, abs=1e-4)
    assert metrics["csat"]["value"] == pytest.approx(csat, abs=1e-4)
    assert out["datasets"][0]["roles"]["nps_score"] == "Q1"


def test_reading_in_small_chunks_gives_the_same_table(tmp_path, monkeypatch):
    whole = convert(HERE / "survey.zsav", tmp_path / "a.parquet", work_dir=tmp_path)
    monkeypatch.setattr(sav, "CHUNK_BYTES", 500)  # a few cases per chunk
    (tmp_path / "b").mkdir()
    chunked = convert(HERE / "survey.zsav", tmp_path / "b.parquet", work_dir=tmp_path / "b")
    assert pq.read_table(tmp_path / "a.parquet") == pq.read_table(tmp_path / "b.parquet")
    assert whole.columns == chunked.columns


def test_formats_are_told_by_content_not_name(tmp_path):
    for name, fmt in [("survey.sav", "sav"), ("survey.zsav", "zsav"), ("survey.por", "por")]:
        renamed = tmp_path / "upload.bin"
        renamed.write_bytes((HERE / name).read_bytes())
        assert detect_format(renamed) == fmt


DAMAGED = "This SPSS file is damaged or incomplete, so uxcx could not read it."


@pytest.mark.parametrize(
    ("name", "cut"),
    [("survey.sav", 700), ("survey.zsav", 1500), ("survey.por", 900), ("survey.sav", None)],
    ids=["truncated-sav", "truncated-zsav", "truncated-por", "garbled-sav"],
)
def test_damaged_files_give_one_sentence(tmp_path, name, cut):
    data = (HERE / name).read_bytes()
    # Cut short, or the magic number followed by nonsense.
    data = data[:cut] if cut is not None else data[:4] + bytes(range(256)) * 8
    src = tmp_path / name
    src.write_bytes(data)
    dest = tmp_path / "out" / "x.parquet"
    with pytest.raises(IngestError) as info:
        ingest_file(src, dest)
    assert str(info.value) == DAMAGED
    assert list(dest.parent.iterdir()) == []


def test_expanded_size_cap(tmp_path):
    df = pd.DataFrame({f"v{i}": [float(j % 11) for j in range(20_000)] for i in range(10)})
    pyreadstat.write_sav(df, tmp_path / "big.zsav", compress=True)  # 1.6 MB once decoded
    pyreadstat.write_por(df, tmp_path / "big.por")  # portable files do not declare a row count
    with pytest.raises(IngestError) as info:
        convert(tmp_path / "big.zsav", tmp_path / "o.parquet", work_dir=tmp_path, max_expanded_mb=1)
    assert str(info.value) == (
        "This SPSS file says it would expand to 1.5 MB, more than the 1 MB uxcx allows."
    )
    with pytest.raises(IngestError) as info:
        convert(tmp_path / "big.por", tmp_path / "o.parquet", work_dir=tmp_path, max_expanded_mb=1)
    assert str(info.value) == (
        "This SPSS file expands to more than the 1 MB uxcx allows, so uxcx stopped."
    )


def test_labelled_scales():
    def scale(labels):
        s = labelled_scale({str(k): v for k, v in labels.items()})
        return s and (s.kind, s.low, s.high, s.reversed)

    assert scale({0: "0 - Not at all likely", 5: "5", 10: "10 - Extremely likely"}) == (
        "likelihood", 0, 10, False)  # fmt: skip
    assert scale({1: "Very dissatisfied", 3: "Neutral", 5: "Very satisfied", 99: "Don't know"}) == (
        "satisfaction", 1, 5, False)  # fmt: skip
    assert scale({1: "Strongly agree", 7: "Strongly disagree"}) == ("agreement", 7, 1, True)
    assert scale({1: "Basic", 2: "Pro"}) is None
    assert scale({}) is None


def test_value_labels_drive_roles_without_telling_headers():
    def col(name, labels, lo=1, hi=5):
        p = ColumnProfile(name, "BIGINT", 100, int(hi - lo + 1), lo, hi, True)
        p.value_labels = labels
        return p

    sat = {"1": "Very dissatisfied", "2": "Dissatisfied", "3": "Neutral", "4": "Satisfied",
           "5": "Very satisfied"}  # fmt: skip
    likely = {"0": "Not at all likely", "10": "Extremely likely"}
    roles = detect_roles([col("Q7", sat), col("Q8", likely, 0, 10)])
    assert (roles["csat_score"], roles["nps_score"]) == ("Q7", "Q8")
    # A rating question with satisfaction labels is CSAT, not an app rating.
    assert detect_roles([col("Support rating", sat)])["csat_score"] == "Support rating"
    # Reversed codes (1 = Very satisfied) would turn CSAT upside down: no scale role at all.
    reversed_sat = {str(6 - int(k)): v for k, v in sat.items()}
    roles = detect_roles([col("How satisfied are you with the price?", reversed_sat)])
    assert "csat_score" not in roles and "app_rating" not in roles


def _contents(path: Path) -> tuple[pd.DataFrame, tuple]:
    if path.suffix == ".por":
        df, meta = pyreadstat.read_por(str(path))
    else:
        df, meta = pyreadstat.read_sav(str(path), user_missing=True)
    return df, (meta.column_names_to_labels, meta.variable_value_labels, meta.missing_ranges,
                meta.original_variable_types)  # fmt: skip


def test_generator_reproduces_committed_files(tmp_path):
    spec = importlib.util.spec_from_file_location("make_spss", HERE / "make_spss.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for name in FILES:
        (fresh, fresh_meta), (committed, committed_meta) = (
            _contents(tmp_path / name), _contents(HERE / name)
        )  # fmt: skip
        pd.testing.assert_frame_equal(fresh, committed)
        assert fresh_meta == committed_meta, name
