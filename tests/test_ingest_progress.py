"""Progress while the ingest worker reads: rows parsed of the total, per reader and on the page."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.helpers import child_pids
from uxcx.ingest import IngestError, ingest_file, worker
from uxcx.ingest import progress as prog
from uxcx.ingest.progress import CHECK, READ, ReadProgress, Reporter, describe, read_progress
from uxcx.ingest.worker import convert
from uxcx.store import workspace as ws_module

ROWS = 110_000  # not a multiple of the 20,000-row chunks


class Recording(Reporter):
    """Every report, unthrottled, instead of a file."""

    def __init__(self) -> None:
        super().__init__(Path("unused.json"), interval_s=0.0)
        self.seen: list[ReadProgress] = []

    def emit(self, progress: ReadProgress) -> None:
        self.seen.append(progress)


def clean_csv(path: Path, rows: int = ROWS, bad_at: int | None = None) -> Path:
    """A plain CSV the typed one-scan reader takes; `bad_at` adds a ragged row (exact path)."""
    with open(path, "w") as f:
        f.write("customer_id,plan,signup,nps\n")
        for i in range(rows):
            if i == bad_at:
                f.write("x,P1,2024-01-01\n")  # one field short: only the Python reader takes it
            f.write(f"c{i},P{i % 7},2024-{i % 12 + 1:02d}-{i % 28 + 1:02d},{i % 11}\n")
    return path


def test_the_typed_path_reports_rows_of_the_file_lines(tmp_path: Path, monkeypatch) -> None:
    def no_exact_path(*args: object) -> None:
        raise AssertionError("the exact path ran")

    monkeypatch.setattr(worker, "stage_text", no_exact_path)
    src = clean_csv(tmp_path / "in.csv")
    seen = Recording()
    r = convert(src, tmp_path / "out.parquet", work_dir=tmp_path, progress=seen)
    assert r.rows == ROWS
    reading = [p for p in seen.seen if p.step == READ]
    assert reading[0] == ReadProgress(0, ROWS)
    assert all(p.total == ROWS and p.rows < ROWS for p in reading)  # 99% until it is done
    assert all(p.rows % 1000 == 0 and not p.again for p in reading)  # an estimate: thousands
    assert [p.rows for p in reading] == sorted(p.rows for p in reading)
    assert seen.seen[-1] == ReadProgress(ROWS, ROWS, CHECK)


def test_the_exact_path_reports_every_chunk_it_stages(tmp_path: Path) -> None:
    src = clean_csv(tmp_path / "in.csv", bad_at=ROWS - 10)
    seen = Recording()
    r = convert(src, tmp_path / "out.parquet", work_dir=tmp_path, progress=seen)
    assert (r.rows, r.rejected_rows) == (ROWS, 1)
    # The DuckDB readers start (0 of the lines) and give up; the Python reader counts lines
    # below the header once per row group of 20,000.
    lines = ROWS + 1
    python = seen.seen[seen.seen.index(ReadProgress(20_000, lines, again=True)) :]
    assert all(p.again for p in python if p.step == READ)
    staged = [p.rows for p in python if p.step == READ]
    assert staged == [*range(20_000, ROWS, 20_000), lines]
    assert python[-1] == ReadProgress(ROWS, ROWS, CHECK)


def test_an_excel_sheet_reports_rows_of_its_stated_size(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "nps"])
    for i in range(45_000):
        sheet.append([i, i % 11])
    book.save(tmp_path / "in.xlsx")
    seen = Recording()
    r = convert(tmp_path / "in.xlsx", tmp_path / "out.parquet", work_dir=tmp_path, progress=seen)
    assert r.rows == 45_000
    assert seen.seen == [
        ReadProgress(20_000, 45_000),
        ReadProgress(40_000, 45_000),
        ReadProgress(45_000, 45_000),
        ReadProgress(45_000, 45_000, CHECK),
    ]


def test_the_progress_file_is_json_rewritten_whole(tmp_path: Path) -> None:
    path = tmp_path / prog.FILE_NAME
    assert read_progress(path) is None
    reporter = Reporter(path, interval_s=60)
    reporter.rows(10, 100)
    reporter.rows(20, 100)  # within the interval: not written
    assert read_progress(path) == ReadProgress(10, 100)
    reporter.rows(30, 20, force=True)  # more rows than a header claimed: the total is dropped
    assert json.loads(path.read_text()) == {
        "rows": 30, "total": None, "step": "read", "again": False
    }  # fmt: skip
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
    for junk in ("", "[1]", '{"rows": -1, "step": "read"}', '{"rows": 1, "step": "x"}'):
        path.write_text(junk)
        assert read_progress(path) is None
    Reporter(None).rows(1, 2, force=True)  # reports nothing, anywhere


def test_ingest_file_tells_rows_from_the_worker(tmp_path: Path, monkeypatch) -> None:
    # The row-by-row reader takes seconds on this file (~2 s on a fast machine, reports at
    # most twice a second): several reports arrive on the way.
    monkeypatch.setenv("UXCX_INGEST_FAST", "0")
    rows = 5 * ROWS
    src = clean_csv(tmp_path / "in.csv", rows=rows)
    seen: list[ReadProgress] = []
    r = ingest_file(src, tmp_path / "out" / "x.parquet", on_progress=seen.append)
    assert r.rows == rows
    reading = [p for p in seen if p.step == READ]
    assert len(reading) >= 2 and all(p.total == rows for p in reading)
    assert [p.rows for p in seen] == sorted(p.rows for p in seen)
    assert any(0 < p.rows < rows for p in reading)
    assert seen[-1] == ReadProgress(rows, rows, CHECK)


def test_the_time_limit_still_kills_a_worker_that_reports(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("UXCX_INGEST_FAST", "0")
    src = clean_csv(tmp_path / "in.csv", rows=3 * ROWS)
    dest = tmp_path / "out" / "x.parquet"
    before = set(child_pids())
    seen: list[ReadProgress] = []
    started = time.monotonic()
    with pytest.raises(IngestError) as info:
        ingest_file(src, dest, timeout_s=1.5, on_progress=seen.append)
    assert time.monotonic() - started < 5
    assert str(info.value) == "Reading the file took longer than 1.5 seconds, so uxcx stopped."
    assert list(dest.parent.iterdir()) == []
    assert set(child_pids()) <= before


def test_the_line_per_file() -> None:
    assert describe("big.csv", None, 3.2) == "Reading big.csv … 3 s"
    assert (
        describe("big.csv", ReadProgress(1_234_000, 5_000_000), 14)
        == "Reading big.csv: 1,234,000 of 5,000,000 rows (24%) · 14 s"
    )
    assert describe("big.csv", ReadProgress(4_999_999, 5_000_000), 1).endswith("(99%) · 1 s")
    assert describe("b.xlsx", ReadProgress(20_000), 9) == "Reading b.xlsx: 20,000 rows so far · 9 s"
    assert describe("big.csv", ReadProgress(20_000, 50_000, again=True), 30) == (
        "Reading big.csv again: 20,000 of 50,000 rows (40%) · 30 s"
    )
    assert (
        describe("big.csv", ReadProgress(5_000_000, 5_000_000, CHECK), 40)
        == "Checking the column types of big.csv (5,000,000 rows) … 40 s"
    )
    waiting = "Waiting for a free file reader: number 2 in the queue"
    assert describe("big.csv", None, 0, 2) == waiting
    assert describe("big.csv", None, 0, 2, alone=False) == (
        "Waiting for a free file reader for big.csv: number 2 in the queue"
    )


def test_the_upload_page_shows_each_file_and_moves_the_bar(tmp_path: Path, monkeypatch) -> None:
    from uxcx.ingest import IngestResult

    def fake_ingest(src, dest, *, memory_mb, on_wait, on_progress):
        # b.csv waits for a reader while a.csv is read, then both finish.
        if src.name == "b.csv":
            for _ in range(3):
                on_wait(1)
                time.sleep(0.4)
        else:
            for rows in (0, 500, 1000):
                on_progress(ReadProgress(rows, 1000))
                time.sleep(0.6)
        return IngestResult(parquet_path=dest, rows=1000, rejected_rows=0, columns=[])

    monkeypatch.setattr(ws_module, "ingest_file", fake_ingest)
    jobs = []
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_text("x\n" * 1000)
        jobs.append((name, tmp_path / name, tmp_path / f"{name}.parquet"))
    seen: list[tuple[float, str]] = []
    results = ws_module.Workspace._ingest_all(jobs, lambda f, m: seen.append((f, m)))
    assert [r.rows for r in results] == [1000, 1000]
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(0.8)
    texts = [m for _, m in seen]
    both = [
        m
        for m in texts
        if "Reading a.csv: 500 of 1,000 rows (50%) · " in m
        and "  \nWaiting for a free file reader for b.csv: number 1 in the queue" in m
    ]
    assert both, texts
    assert "Read a.csv: 1,000 rows" in texts and "Read b.csv: 1,000 rows" in texts
