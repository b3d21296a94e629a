"""The worker's column profiles, and the command line's typed Parquet read in place."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from uxcx.ingest import IngestError, allow_in_process, ingest_file, link_parquet
from uxcx.ingest.parquet import DAMAGED_PARQUET
from uxcx.store import Workspace


def _typed(path: Path, rows: int = 300) -> Path:
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i % 40) for i in range(rows)]
    table = pa.table(
        {
            "customer_id": [f"C{i:04d}" for i in range(rows)],
            "plan": ["Basic" if i % 3 else "Pro" for i in range(rows)],
            "answer": [None if i % 7 == 0 else ("yes" if i % 2 else "no") for i in range(rows)],
            "nps": pa.array([None if i % 5 == 0 else i % 11 for i in range(rows)], pa.int64()),
            "clv": [float(i) * 1.5 for i in range(rows)],
            "whole": [float(i % 4) for i in range(rows)],
            "churned": [i % 4 == 0 for i in range(rows)],
            "date": days,
        }
    )
    pq.write_table(table, path)
    return path


def _expected(path: Path) -> dict[str, dict[str, object]]:
    """Each column's profile computed in Python from the file (distinct counts are exact here)."""
    table = pq.read_table(path).to_pydict()
    out: dict[str, dict[str, object]] = {}
    for name, values in table.items():
        present = [v for v in values if v is not None]
        # The distinct count is HyperLogLog's: within a few percent.
        distinct = pytest.approx(len(set(present)), rel=0.03)
        p: dict[str, object] = {"non_null": len(present), "distinct": distinct}
        if isinstance(present[0], str):
            p["extremes"] = list(dict.fromkeys([min(present), max(present)]))
            p["avg_length"] = pytest.approx(sum(map(len, present)) / len(present))
        elif isinstance(present[0], int | float) and not isinstance(present[0], bool):
            p["min"], p["max"] = float(min(present)), float(max(present))
            p["all_integer"] = all(float(v).is_integer() for v in present)
        out[name] = p
    return out


def test_the_worker_profiles_every_column(tmp_path: Path) -> None:
    src = _typed(tmp_path / "in.parquet")
    result = ingest_file(src, tmp_path / "out" / "x.parquet")
    got = {p["name"]: p for p in result.profiles}
    assert list(got) == [c["name"] for c in result.columns]
    for name, want in _expected(src).items():
        assert {k: got[name][k] for k in want} == want, name
    # A column of two text values shows both: what the yes/no test reads.
    assert got["answer"]["extremes"] == ["no", "yes"]
    # Role detection reads them; the manifest keeps its roles and counts, not the profiles.
    ds = Workspace(tmp_path / "ws").create_dataset([("in.parquet", src)])
    assert ds.tables[0].roles["customer_id"] == "customer_id"
    assert ds.tables[0].distinct["plan"] == [300, 2]
    assert "profiles" not in ds.tables[0].ingest and ds.tables[0].ingest["rows"] == 300


def test_csv_profiles_match_the_parquet_it_wrote(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text(
        "id,score,ok,when\n"
        + "".join(
            f"r{i},{i % 6}.5,{'yes' if i % 2 else 'no'},2024-02-{1 + i % 28:02d}\n"
            for i in range(50)
        ),
        encoding="utf-8",
    )
    dest = tmp_path / "out" / "x.parquet"
    result = ingest_file(src, dest)
    got = {p["name"]: p for p in result.profiles}
    for name, want in _expected(dest).items():
        assert {k: got[name][k] for k in want} == want, name
    assert got["score"]["all_integer"] is False and got["ok"]["type"] == "BOOLEAN"


@pytest.mark.parametrize("in_process", [False, True])
def test_the_command_line_reads_a_typed_parquet_in_place(tmp_path: Path, in_process: bool) -> None:
    src = _typed(tmp_path / "in.parquet")
    rewritten = ingest_file(src, tmp_path / "server" / "x.parquet")
    assert not os.path.samefile(src, tmp_path / "server" / "x.parquet")  # the server rewrites
    dest = tmp_path / "cli" / "x.parquet"
    with allow_in_process(max_bytes=10**9 if in_process else 0), link_parquet():
        linked = ingest_file(src, dest)
    assert os.path.samefile(src, dest)  # a hard link: nothing rewritten
    assert (linked.rows, linked.columns, linked.profiles) == (
        rewritten.rows, rewritten.columns, rewritten.profiles
    )  # fmt: skip
    assert (
        pq.read_table(dest).to_pylist()
        == pq.read_table(tmp_path / "server" / "x.parquet").to_pylist()
    )
    assert src.exists() and list(dest.parent.iterdir()) == [dest]


@pytest.mark.parametrize(
    "table",
    [
        pa.table({"nps": ["9", "10", "n/a"], "ok": ["yes", "no", "yes"]}),  # all text: inferred
        pa.table({"nps": [9, 10, 6], "tags": [["a"], [], ["b", "c"]]}),  # a list column
        pa.table({"nps ": [9, 10, 6], "plan": ["A", "B", "A"]}),  # a name uxcx tidies
    ],
    ids=["all-text", "nested", "renamed"],
)
def test_a_parquet_that_needs_a_change_is_still_rewritten(tmp_path: Path, table: pa.Table) -> None:
    src = tmp_path / "in.parquet"
    pq.write_table(table, src)
    dest = tmp_path / "out" / "x.parquet"
    with link_parquet():
        result = ingest_file(src, dest)
    assert result.rows == 3 and not os.path.samefile(src, dest)


def test_damaged_pages_in_a_linked_parquet_are_one_sentence(tmp_path: Path) -> None:
    src = tmp_path / "in.parquet"
    values = pa.array([float(i) ** 0.5 for i in range(20_000)])
    pq.write_table(pa.table({"score": values}), src, write_statistics=False)
    page = pq.read_metadata(src).row_group(0).column(0).data_page_offset
    data = bytearray(src.read_bytes())
    data[page : page + 16] = b"\xff" * 16  # the data page's header; the footer is intact
    src.write_bytes(bytes(data))
    with link_parquet(), pytest.raises(IngestError) as info:
        ingest_file(src, tmp_path / "out" / "x.parquet")
    # Numbers only: the footer check reads no page, so the profile is the first to decode one.
    assert str(info.value) == DAMAGED_PARQUET
    assert list((tmp_path / "out").iterdir()) == []
