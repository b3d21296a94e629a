"""Faults: slow queries, a killed build, a worker over its memory cap, a full disk, corrupted
records. Each ends in one sentence (or a calm refusal) and every other dataset keeps working."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from uxcx.compute import compute
from uxcx.engines import QueryTimeout
from uxcx.engines.duckdb import DuckDBEngine, default_timeout_s
from uxcx.ingest import IngestError
from uxcx.store import Handle, Refusal, Request, Shares, Workspace, open_dataset
from uxcx.store.workspace import BUILDING

ROOT = Path(__file__).resolve().parents[1]
CSV = b"customer_id,plan,nps\n" + b"".join(b"c%d,P%d,%d\n" % (i, i % 3, i % 11) for i in range(60))
SLOW = "SELECT count(*) FROM range(100000000) a, range(100000000) b"


# ---- query time limit --------------------------------------------------------------------
def test_a_slow_query_is_interrupted_with_a_sentence(tmp_path):
    engine = DuckDBEngine(tmp_path, timeout_s=0.5)
    t0 = time.monotonic()
    with pytest.raises(QueryTimeout) as e:
        engine.query(SLOW)
    assert time.monotonic() - t0 < 10  # interrupted, not run to the end (hours)
    assert str(e.value) == "This question took longer than 0.5 seconds, so uxcx stopped it."
    # The cursor is usable again, and a timer that fired late never hits the next query.
    time.sleep(0.7)
    assert engine.query("SELECT 41 + ?", [1]).column(0).to_pylist() == [42]


def test_the_time_limit_is_configurable(monkeypatch):
    monkeypatch.setenv("UXCX_QUERY_TIMEOUT_S", "7")
    assert default_timeout_s() == 7
    monkeypatch.setenv("UXCX_QUERY_TIMEOUT_S", "soon")
    assert default_timeout_s() == 60


def test_quick_queries_do_not_trip_the_limit(tmp_path):
    engine = DuckDBEngine(tmp_path, timeout_s=0.2)
    for _ in range(20):  # each well under the limit; the timers of earlier ones are cancelled
        assert engine.query("SELECT count(*) FROM range(1000)").num_rows == 1


def test_the_app_shows_a_stopped_query_as_a_sentence(tmp_path, monkeypatch):
    monkeypatch.setenv("UXCX_WORKSPACE", str(tmp_path))
    ds = Workspace(tmp_path).create_dataset([("a.csv", CSV)])
    slow = DuckDBEngine(tmp_path / "slow", timeout_s=0.3)
    real = DuckDBEngine._run  # behind both query() and rows()
    # Every query of the page becomes the cross join, run (and interrupted) by a real engine.
    monkeypatch.setattr(
        DuckDBEngine, "_run", lambda self, sql, params, fetch: real(slow, SLOW, (), fetch)
    )
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params["dataset"] = ds.id
    at.run()  # through app.py's frame (switch_page would run the page file bare)
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("took longer than 0.3 seconds, so uxcx stopped it." in e for e in errors), errors


# ---- a build killed half-way -------------------------------------------------------------
def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


def _big_csv(path: Path, rows: int = 400_000) -> Path:
    with open(path, "w") as f:
        f.write("customer_id,plan,signup,nps\n")
        for i in range(rows):
            f.write(f"c{i},P{i % 7},2024-{i % 12 + 1:02d}-{i % 28 + 1:02d},{i % 11}\n")
    return path


def test_a_build_killed_half_way_leaves_nothing_visible_and_is_removed_at_start(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ds = ws.create_dataset([("a.csv", CSV)])
    token, _ = Shares(ws.root).create(ds.id)
    manifest = (ds.root / "manifest.json").read_bytes()
    big = _big_csv(tmp_path / "big.csv")
    code = (
        "import sys; from uxcx.store import Workspace; "
        "Workspace(sys.argv[1]).create_dataset([('big.csv', sys.argv[2])])"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(ws.root), str(big)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        # Wait until the worker is parsing (its work directory exists inside the build).
        while not list(ws.root.glob(".tmp-*/tables/.ingest-*")):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        workers = _children(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    for pid in workers:  # the worker leads its own session; a service manager would stop it too
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    left = list(ws.root.glob(".tmp-*"))
    assert left, "the kill came too late to test anything"
    # Visitors never see half a dataset: only the finished one is listed and opens.
    again = Workspace(ws.root)
    assert [d.id for d in again.datasets()] == [ds.id]
    # A build that is still running (its lock held) and a fresh unlocked one are left alone.
    live = ws.root / ".tmp-live-0000"
    live.mkdir()
    with open(live / BUILDING, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        fresh = ws.root / ".tmp-fresh-0000"
        fresh.mkdir()
        trash = ws.root / ".trash-gone-0000"
        trash.mkdir()
        assert again.remove_leftovers() == len(left) + 1  # the killed build and the trash
        assert live.exists() and fresh.exists() and not trash.exists()
    assert not any(p.exists() for p in left)
    old = time.time() - 7200
    os.utime(fresh, (old, old))
    assert again.remove_leftovers() == 2  # lock released: both go now
    # The earlier dataset and its link are intact.
    assert (ds.root / "manifest.json").read_bytes() == manifest
    granted = open_dataset(again, Request(share_token=token))
    assert isinstance(granted, Handle)
    (nps,), _ = compute(again.engine, granted.tables(), ["nps"])
    assert nps.n == 60


# ---- the worker over its memory cap, in the app ------------------------------------------
def test_a_worker_over_its_memory_cap_gets_a_sentence_and_the_app_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("UXCX_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("UXCX_INGEST_MEMORY_MB", "150")  # far below what Python + DuckDB need
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    at.file_uploader(key="uploads").set_value([("a.csv", CSV, "text/csv")]).run()
    at.button(key="load_files").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("needed more than the 150 MB of memory uxcx allows" in e for e in errors), errors
    assert Workspace(tmp_path).datasets() == []
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
    monkeypatch.delenv("UXCX_INGEST_MEMORY_MB")
    at.button(key="load_files").click().run()  # same server, same upload: now it loads
    assert not at.exception and "dataset" in at.query_params


# ---- a full disk -------------------------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path):
    """A 12 MB tmpfs (needs root, as in CI); skipped where mounting is not allowed."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mnt)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(disk: Path, leave_bytes: int) -> Path:
    """Fill the disk until about `leave_bytes` are free."""
    filler = disk / "filler"
    filler.unlink(missing_ok=True)
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with open(filler, "wb") as f:
        f.write(b"\0" * max(0, free - leave_bytes))
    return filler


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "filler"
    }


@pytest.mark.parametrize("leave", [200_000, 3_000_000], ids=["copy fails", "parse fails"])
def test_a_full_disk_gets_a_sentence_and_corrupts_nothing(small_disk, tmp_path, leave):
    ws = Workspace(small_disk / "ws")
    ds = ws.create_dataset([("a.csv", CSV)])
    token, _ = Shares(ws.root).create(ds.id)
    before = _snapshot(ws.root)
    # 2.6 MB of incompressible text: with 200 kB free the copy of the upload fails; with 3 MB
    # free the copy fits and the worker's staging runs out of disk.
    src = tmp_path / "big.csv"
    src.write_text("a,b\n" + "".join(f"{i},{os.urandom(32).hex()}\n" for i in range(36_000)))
    filler = _fill(small_disk, leave)
    with pytest.raises(IngestError) as e:
        ws.create_dataset([("big.csv", src)])
    msg = str(e.value)
    assert "disk is full" in msg and "\n" not in msg and "Traceback" not in msg, msg
    # Nothing half-written stays, nothing that was there changed, and it all still works.
    assert not [p for p in ws.root.iterdir() if p.name.startswith((".tmp-", ".trash-"))]
    assert _snapshot(ws.root) == before
    with pytest.raises(OSError):  # a manifest update on a full disk fails …
        _fill(small_disk, 0)
        ws.rename(ws.open(ds.id), "x" * 100_000)
    assert _snapshot(ws.root) == before  # … and leaves the manifest as it was
    filler.unlink()
    assert isinstance(open_dataset(ws, Request(share_token=token)), Handle)
    (nps,), _ = compute(ws.engine, ws.open(ds.id).table_infos(ws.engine), ["nps"])
    assert nps.n == 60
    assert ws.create_dataset([("big.csv", src)]).tables[0].rows == 36_000  # space again: loads


# ---- corrupted records -------------------------------------------------------------------
MANIFEST_DAMAGE = {
    "truncated": lambda text: text[: len(text) // 2],
    "not an object": lambda text: "[1, 2, 3]",
    "wrong types": lambda text: json.dumps({**json.loads(text), "tables": [{"name": 3}]}),
    "another id": lambda text: json.dumps({**json.loads(text), "id": "someone-else"}),
    "table outside": lambda text: text.replace('"tables/', '"../../etc/'),
    "empty": lambda text: "",
}


@pytest.mark.parametrize("damage", MANIFEST_DAMAGE, ids=list(MANIFEST_DAMAGE))
def test_a_corrupted_manifest_makes_only_that_dataset_unavailable(tmp_path, damage):
    ws = Workspace(tmp_path)
    bad = ws.create_dataset([("a.csv", CSV)])
    good = ws.create_dataset([("b.csv", CSV)])
    token, _ = Shares(ws.root).create(bad.id)
    good_token, _ = Shares(ws.root).create(good.id)
    path = bad.root / "manifest.json"
    path.write_text(MANIFEST_DAMAGE[damage](path.read_text()))
    refused = open_dataset(ws, Request(bad.id))
    assert isinstance(refused, Refusal) and refused.reason == "not_found"
    assert open_dataset(ws, Request(share_token=token)).reason == "invalid_link"
    assert [d.id for d in ws.datasets()] == [good.id]
    granted = open_dataset(ws, Request(share_token=good_token))
    assert isinstance(granted, Handle)
    (nps,), _ = compute(ws.engine, granted.tables(), ["nps"])
    assert nps.n == 60


def test_a_missing_table_file_makes_only_that_dataset_unavailable(tmp_path):
    ws = Workspace(tmp_path)
    bad = ws.create_dataset([("a.csv", CSV)])
    good = ws.create_dataset([("b.csv", CSV)])
    (bad.root / bad.tables[0].parquet).unlink()
    assert isinstance(open_dataset(ws, Request(bad.id)), Refusal)
    assert isinstance(open_dataset(ws, Request(good.id)), Handle)


LINK_DAMAGE = {
    "dataset id a list": {"dataset_id": ["x"]},
    "expiry not a date": {"expires": "next tuesday"},
    "expiry without a zone": {"expires": "2030-01-01T00:00:00"},
    "failed not a list": {"failed": 5},
    "params not a map": {"params": "f_plan=Pro"},
    "key of another link": {"key": "0" * 64},
}


@pytest.mark.parametrize("damage", LINK_DAMAGE, ids=list(LINK_DAMAGE))
def test_a_malformed_link_record_breaks_only_that_link(tmp_path, damage):
    ws = Workspace(tmp_path)
    ds = ws.create_dataset([("a.csv", CSV)])
    shares = Shares(ws.root)
    bad, bad_link = shares.create(ds.id)
    good, _ = shares.create(ds.id)
    path = ws.root / "links" / f"{bad_link.key}.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **LINK_DAMAGE[damage]}))
    assert open_dataset(ws, Request(share_token=bad)).reason == "invalid_link"
    assert isinstance(open_dataset(ws, Request(share_token=good)), Handle)
    assert len(shares.for_dataset(ds.id)) == 1  # the owner's list skips it too


def test_the_app_says_a_corrupted_dataset_is_unavailable(tmp_path, monkeypatch):
    monkeypatch.setenv("UXCX_WORKSPACE", str(tmp_path))
    ws = Workspace(tmp_path)
    bad = ws.create_dataset([("a.csv", CSV)])
    (bad.root / "manifest.json").write_text("{")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params["dataset"] = bad.id
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    assert any("not on this server" in w.value for w in at.warning)
