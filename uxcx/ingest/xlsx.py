"""Staging the first sheet of an .xlsx workbook (streamed with openpyxl)."""

from __future__ import annotations

import gc
import zipfile
from pathlib import Path
from typing import Any

from .progress import NO_REPORTS, Reporter
from .result import IngestError, format_size
from .stage_text import RowSink, Staged


def _cell_text(value: Any) -> str:
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None and value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds" if not value.microsecond else "auto")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def stage_xlsx(
    src: Path, stage_path: Path, max_expanded_mb: int, progress: Reporter = NO_REPORTS
) -> Staged:
    """Read the first sheet of an .xlsx workbook (streaming) into the stage file."""
    import openpyxl

    with zipfile.ZipFile(src) as zf:
        expanded = sum(info.file_size for info in zf.infolist())
    if expanded > max_expanded_mb * 1024 * 1024:
        raise IngestError(
            f"This Excel file says it would expand to {format_size(expanded)}, more than the "
            f"{format_size(max_expanded_mb * 1024 * 1024)} uxcx allows."
        )
    try:
        wb = openpyxl.load_workbook(src, read_only=True, data_only=True)
    except Exception:
        raise IngestError(
            "This Excel workbook is damaged or uses a feature uxcx cannot read, so uxcx could "
            "not open it."
        ) from None
    try:
        if not wb.worksheets:
            raise IngestError("This Excel workbook has no sheets.")
        ws = wb.worksheets[0]
        # The sheet's stated size is only the progress's total (a wrong one is dropped there).
        declared = ws.max_row if isinstance(ws.max_row, int) and ws.max_row > 1 else None
        # Some writers store a wrong sheet size; without it openpyxl reads the real rows.
        ws.reset_dimensions()
        sink = RowSink(stage_path, pad_short=True, progress=progress, total_lines=declared)
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            for line, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
                row = [_cell_text(v) for v in values]
                while row and not row[-1]:
                    row.pop()
                sink.feed(line, row)
        finally:
            if gc_was_enabled:
                gc.enable()
        staged = sink.finish(f"The first sheet of this Excel workbook ('{ws.title}') is empty.")
        sheets = len(wb.worksheets)
        where = f"the Excel sheet '{ws.title}'"
        if sheets > 1:
            where = f"the first sheet, '{ws.title}', of an Excel workbook with {sheets} sheets"
        staged.notes.insert(0, f"Read {where}.")
        return staged
    finally:
        wb.close()
