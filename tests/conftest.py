"""Shared fixtures: one app workspace per test session, so every AppTest opens the same place."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from uxcx.store import Workspace


@pytest.fixture(scope="session")
def app_workspace(tmp_path_factory) -> Path:
    """The UXCX_WORKSPACE every AppTest of this session opens, with the sample data built once.

    Test modules add their own datasets here (ids are random, the sample's is "sample"), so
    modules that run interleaved on one xdist worker never point the app at each other's folders.
    """
    root = tmp_path_factory.mktemp("app-workspace")
    os.environ["UXCX_WORKSPACE"] = str(root)
    Workspace(root).sample_dataset()
    return root


SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.fixture
def snapshot():
    """assert_match(text, "dir/name.sql"): compare with a committed snapshot of generated SQL.

    Run with UXCX_UPDATE_SNAPSHOTS=1 to write the snapshots after reviewing a change (ibis-style).
    """

    def assert_match(text: str, name: str) -> None:
        path = SNAPSHOTS / name
        if os.environ.get("UXCX_UPDATE_SNAPSHOTS"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        assert path.exists(), f"no snapshot {path}; run with UXCX_UPDATE_SNAPSHOTS=1"
        assert text == path.read_text(), f"SQL for {name} changed; review and update the snapshot"

    return assert_match
