"""The CLI prints exactly what it printed before the restructuring (byte for byte).

Tools parse this output; tests/data/cli_golden/make_golden.py records it and is rerun only when
an output change is intended (and said in the change's notes).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "data" / "cli_golden"
_spec = importlib.util.spec_from_file_location("make_golden", HERE / "make_golden.py")
assert _spec and _spec.loader
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)


@pytest.mark.parametrize("name", sorted(golden.CASES))
def test_cli_output_unchanged(name: str) -> None:
    code, out, err = golden.run(golden.CASES[name])
    assert f"exit {code}\n{out}" == (HERE / f"{name}.out").read_text(), err
