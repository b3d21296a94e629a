"""`make bench`: uxcx against hand-written DuckDB SQL and pandas on the same data, in the same run.

Every figure is a ratio measured in this run (best of 3 per side, interleaved). See
benchmarks/runner.py for the options (--rows, --sizes 1e6,1e7, --repeat, --only, --work).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script (python benchmarks/run.py): the repository root replaces the script's folder
# at the head of the path, so this checkout's uxcx and the benchmarks package are imported.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from benchmarks.runner import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
