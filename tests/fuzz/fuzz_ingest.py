"""atheris fuzz target for ingestion: any bytes → Parquet uxcx wrote, or one IngestError sentence.

Run a bounded session (what .ci/run does):
    python tests/fuzz/fuzz_ingest.py -runs=2000 -max_total_time=60
With no corpus directory on the command line it starts from the hostile corpus
(tests/data/hostile/corpus.py) written to a temporary directory. The target runs the worker's
own `convert` in this process (no subprocess per input, so thousands of inputs fit in a minute);
a failure is any exception the worker would have turned into its generic "unexpected problem"
sentence instead of a specific one.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Inputs past this are cut by libFuzzer; seeds past it (the 1 MB line, 10,000 columns) are
# left out of the starting corpus, which tests/test_hostile.py covers in full.
MAX_LEN = 65_536
_WORK = Path(tempfile.mkdtemp(prefix="uxcx-fuzz-"))


def one_input(data: bytes) -> str | None:
    """Ingest `data`; None when it loaded, the sentence when it was refused; raise on a bug."""
    from uxcx.ingest import IngestError
    from uxcx.ingest.worker import convert, disk_message, is_memory_error

    work = _WORK / "job"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    src = work / "upload.csv"
    src.write_bytes(data)
    try:
        convert(src, work / "out.parquet", work_dir=work, max_expanded_mb=64, duckdb_memory_mb=128)
    except IngestError as e:
        msg = str(e)
        if not msg or "\n" in msg or "Traceback" in msg:
            raise AssertionError(f"not one sentence: {msg!r}") from e
        return msg
    except Exception as e:
        # The worker says these in words of their own (memory cap, disk); anything else is a bug.
        if is_memory_error(e) or disk_message(e, 64) is not None:
            return str(e)
        raise
    return None


def seeds() -> list[bytes]:
    """The hostile corpus as starting inputs (those within MAX_LEN)."""
    sys.path.insert(0, str(ROOT))
    from tests.data.hostile.corpus import CASES

    return [b for b in (c.make() for c in CASES) if 0 < len(b) <= MAX_LEN]


def main(argv: list[str]) -> None:
    """Run libFuzzer over `one_input` with uxcx's Python code instrumented for coverage."""
    import atheris

    sys.path.insert(0, str(ROOT))
    with atheris.instrument_imports(include=["uxcx"]):
        import uxcx.ingest.worker  # noqa: F401 - instrumented on import

    args = list(argv)
    if not any(not a.startswith("-") for a in args[1:]):
        corpus = Path(tempfile.mkdtemp(prefix="uxcx-fuzz-seeds-"))
        for i, seed in enumerate(seeds()):
            (corpus / f"seed-{i:02d}").write_bytes(seed)
        args.append(str(corpus))
    if not any(a.startswith("-max_len=") for a in args):
        args.append(f"-max_len={MAX_LEN}")
    if not any(a.startswith("-artifact_prefix=") for a in args):
        # Crashes and slow inputs land with the other test artifacts, not in the work tree.
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        args.append(f"-artifact_prefix={ROOT / 'test-artifacts'}/fuzz-")
    atheris.Setup(args, lambda data: one_input(bytes(data)))
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
