"""The real server killed (SIGKILL) in the middle of an upload, then started again."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import start_server, stop_server, wait_idle
from tests.e2e.test_browser import no_exceptions, tiles
from uxcx.store import Shares, Workspace

pytestmark = [pytest.mark.browser, pytest.mark.faults]

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = sorted((ROOT / "sample_data").glob("*.csv"))


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except (OSError, IndexError):
        return True


def _descendants(pid: int) -> list[int]:
    out: list[int] = []
    with contextlib.suppress(FileNotFoundError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                out += [int(child), *_descendants(int(child))]
    return out


def _big_csv(path: Path, rows: int = 600_000) -> Path:
    with open(path, "w") as f:
        f.write("customer_id,plan,signup,How likely are you to recommend us?\n")
        for i in range(rows):
            f.write(f"c{i},P{i % 7},2024-{i % 12 + 1:02d}-{i % 28 + 1:02d},{i % 11}\n")
    return path


def test_killed_during_an_upload_then_restarted(browser, tmp_path):
    work = tmp_path / "ws"
    ws = Workspace(work)
    earlier = ws.create_dataset([(p.name, p) for p in SAMPLE], name="Earlier upload")
    token, _ = Shares(work).create(earlier.id)
    manifest = (earlier.root / "manifest.json").read_bytes()
    big = _big_csv(tmp_path / "big.csv")

    proc, base = start_server(work)
    try:
        ctx = browser.new_context()
        page = ctx.new_page()
        page.goto(base)
        wait_idle(page)
        page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files(str(big))
        wait_idle(page)
        page.get_by_role("button", name="Load files").click()
        deadline = time.monotonic() + 120
        # Mid-way: the dataset is being built and its file is being parsed by a worker.
        while not list(work.glob(".tmp-*/tables/.ingest-*")):
            assert time.monotonic() < deadline, "the upload never started"
            time.sleep(0.02)
        children = _descendants(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        # The worker leads its own session, but dies with the server (PR_SET_PDEATHSIG):
        # no orphan keeps parsing a file nobody waits for.
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() and not _zombie(pid) for pid in children):
            if time.monotonic() > deadline:
                for pid in children:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                pytest.fail("the ingest worker outlived the killed server")
            time.sleep(0.05)
        ctx.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    leftovers = list(work.glob(".tmp-*"))
    assert leftovers, "the kill came after the upload finished"
    # No half-written dataset is visible: only the earlier one is listed.
    assert [d.id for d in Workspace(work).datasets()] == [earlier.id]

    proc, base = start_server(work)
    try:
        ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
        page = ctx.new_page()
        page.goto(f"{base}/overview?share={token}")
        wait_idle(page, timeout=120_000)
        assert len(tiles(page)) >= 14
        no_exceptions(page)
        # The first visit of the new process removed what the killed one left.
        assert not any(p.exists() for p in leftovers)
        assert not list(work.glob(".tmp-*"))
        page.goto(f"{base}/overview?dataset={earlier.id}")
        wait_idle(page, timeout=120_000)
        assert len(tiles(page)) >= 14
        no_exceptions(page)
        ctx.close()
    finally:
        stop_server(proc)
    assert (earlier.root / "manifest.json").read_bytes() == manifest
    assert [d.id for d in Workspace(work).datasets()] == [earlier.id]
