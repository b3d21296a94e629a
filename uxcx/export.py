"""Downloads: metric results as a tidy table and CSV bytes that are safe to open in a spreadsheet.

CSV injection (OWASP): a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab, CR or LF is
read by Excel, LibreOffice and Google Sheets as a formula, so a survey comment such as
``=HYPERLINK("http://evil", "click")`` would run when a product manager opens the export. Such
text cells get a leading ``'`` (the spreadsheet's "this is text" marker). Columns whose dtype is
numeric are written as plain numbers and never prefixed: a negative NPS of -12 must stay a
number a spreadsheet can sum. Text cells are always quoted, so a ``;`` inside a value cannot
split it into a new formula cell when a European-locale Excel uses ``;`` as the separator.

Encoding: UTF-8 with a byte-order mark. Excel on Windows opens a CSV without a BOM in the
machine's legacy code page (e.g. Windows-1252), which turns "Zürich" into "ZÃ¼rich" and "—"
into "â€”"; the BOM is how Excel recognises UTF-8. Every other tool we know skips it
(pandas, DuckDB and Python's ``utf-8-sig`` read it transparently).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Iterable

import pandas as pd

from .compute import MetricResult

# OWASP "CSV Injection": characters that make a spreadsheet treat a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
BOM = "\ufeff"


def neutralise(cell: str) -> str:
    """Prefix a text cell with ' when a spreadsheet would read it as a formula."""
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell


def _is_numeric_column(s: pd.Series) -> bool:
    # Booleans are numeric to pandas but their text form ("True") cannot start a formula anyway.
    return pd.api.types.is_numeric_dtype(s.dtype)


def _safe_cell(x: object) -> object:
    # Only real strings can carry a formula; numbers, dates and missing values in an object
    # column are written as they are.
    return neutralise(x) if isinstance(x, str) else x


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of df whose text cells and column names cannot be read as spreadsheet formulas."""
    columns = []
    for i in range(df.shape[1]):
        s = df.iloc[:, i]
        columns.append(s if _is_numeric_column(s) else s.astype(object).map(_safe_cell))
    out = pd.concat(columns, axis=1) if columns else pd.DataFrame(index=df.index)
    # Positional renaming keeps duplicate column names apart.
    out.columns = [neutralise(str(c)) for c in df.columns]
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV bytes for spreadsheets: formulas neutralised, numbers kept, UTF-8 with BOM, CRLF."""
    safe = safe_frame(df)
    text = safe.to_csv(
        index=False,
        # Quote everything that is not a number; numeric columns stay unquoted numbers.
        quoting=csv.QUOTE_NONNUMERIC,
        lineterminator="\r\n",  # RFC 4180
        date_format="%Y-%m-%d",
    )
    return (BOM + text).encode("utf-8")


def results_table(results: Iterable[MetricResult]) -> pd.DataFrame:
    """Metric results as a tidy, numeric table (one row per metric × group × period)."""
    rows = []
    for r in results:
        rows.append(
            {
                "metric": r.metric,
                "label": r.label,
                "family": r.family,
                "group": r.group,
                "period": _iso(r.period),
                "value": _round(r.value),
                "ci_low": _round(r.ci_low),
                "ci_high": _round(r.ci_high),
                "unit": r.unit,
                "n": int(r.n),
                "low_n": bool(r.low_n),
                "out_of_scale": int(r.out_of_scale),
                "grade": r.grade or "",
                "method": r.method,
            }
        )
    columns = [
        "metric", "label", "family", "group", "period", "value", "ci_low", "ci_high", "unit",
        "n", "low_n", "out_of_scale", "grade", "method",
    ]  # fmt: skip
    df = pd.DataFrame(rows, columns=columns)
    for col in ("value", "ci_low", "ci_high"):
        df[col] = df[col].astype("float64")
    for col in ("n", "out_of_scale"):
        df[col] = df[col].astype("int64")
    return df


def _round(x: float | None, digits: int = 4) -> float:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return float("nan")
    return round(float(x), digits)


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if isinstance(d, dt.date) else d
