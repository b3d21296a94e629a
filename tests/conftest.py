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
