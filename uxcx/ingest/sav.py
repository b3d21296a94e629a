"""Reading SPSS files (.sav, .zsav, .por) with pyreadstat inside the ingest worker.

Survey tools (Qualtrics, SurveyMonkey) export SPSS files with short variable names (Q1, Q2_3),
the question text as each variable's label and value labels (1 = "Very dissatisfied" …). The
data is staged in chunks as Parquet (numbers as doubles, text as strings) and converted by the
same DuckDB step as every other format; numeric codes stay numbers (whole ones become BIGINT),
SPSS dates become dates. Question texts become each column's ``label`` and value labels ride
along as ``value_labels``, so role detection can read "How likely are you to recommend…" and
"Very dissatisfied … Very satisfied" there.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..value_labels import describe, labelled_scale
from .common import connect, plural, sql_ident, sql_str
from .infer import Column, final_names, finish
from .progress import CHECK, NO_REPORTS, Reporter
from .result import IngestError, IngestResult, format_size

SPSS_FORMATS = ("sav", "zsav", "por")
# Decoded bytes per chunk handed over by pyreadstat: a pandas chunk and its Arrow copy must fit
# under the worker's memory cap next to DuckDB's buffer pool.
CHUNK_BYTES = 32 * 1024 * 1024
MAX_CHUNK_ROWS = 200_000
# Bytes a text value costs in pandas beyond its characters (a Python str object and a pointer).
STR_OVERHEAD = 64
# SPSS counts seconds from the start of the Gregorian calendar; DuckDB from 1970.
SPSS_EPOCH_TO_UNIX_S = 12_219_379_200
# SPSS formats pyreadstat treats as dates and date-times (its own lists, kept in step).
DATE_FORMATS = ("DATE", "ADATE", "EDATE", "JDATE", "SDATE")
DATETIME_FORMATS = ("DATETIME", "YMDHMS")
# The largest whole number a double holds exactly (2^53): beyond it a code is not safe as BIGINT.
EXACT_INT = 9_007_199_254_740_992

_KIND_NAMES = {
    "sav": "an SPSS data file (.sav)",
    "zsav": "a compressed SPSS data file (.zsav)",
    "por": "an SPSS portable file (.por)",
}
DAMAGED = "This SPSS file is damaged or incomplete, so uxcx could not read it."


def convert_spss(
    src: Path,
    out: Path,
    fmt: str,
    *,
    work_dir: Path,
    max_expanded_mb: int,
    duckdb_memory_mb: int,
    progress: Reporter = NO_REPORTS,
) -> IngestResult:
    """Parse an SPSS file into Parquet at `out` (in the worker), with labels and value labels."""
    import pyreadstat

    reader = pyreadstat.read_por if fmt == "por" else pyreadstat.read_sav
    # user_missing shows which variables have user-missing codes (portable files have none).
    extra = {} if fmt == "por" else {"user_missing": True}
    meta = _read(reader, src, metadataonly=True, **extra)
    names = list(meta.column_names or [])
    if not names:
        raise IngestError("This SPSS file has no variables.")
    formats = meta.original_variable_types or {}
    is_text = {n: (meta.readstat_variable_types or {}).get(n) == "string" for n in names}
    widths = {n: _width(meta, n) if is_text[n] else 8 for n in names}
    limit = max_expanded_mb * 1024 * 1024
    declared = meta.number_rows if isinstance(meta.number_rows, int) else None
    if declared is not None and declared > 0:
        expanded = declared * sum(widths.values())
        if expanded > limit:
            raise IngestError(
                f"This SPSS file says it would expand to {format_size(expanded)}, more than the "
                f"{format_size(limit)} uxcx allows."
            )

    stage = work_dir / "stage.parquet"
    row_cost = sum(widths[n] + STR_OVERHEAD if is_text[n] else 8 for n in names)
    chunk_rows = max(1, min(MAX_CHUNK_ROWS, CHUNK_BYTES // max(row_cost, 1)))
    rows = _stage(reader, src, stage, names, is_text, chunk_rows, limit, progress, declared)
    if rows == 0:
        raise IngestError("This SPSS file has variables but no cases (rows).")
    progress.rows(rows, rows, CHECK, force=True)

    notes = [f"Read {_KIND_NAMES[fmt]} with {plural(len(names), 'variable')}."]
    con = connect(work_dir, duckdb_memory_mb, [out])
    try:
        kinds = _numeric_kinds(con, stage, names, is_text, formats)
        out_names = final_names(names, notes)
        columns = []
        selects = []
        for i, name in enumerate(names):
            raw = f"c{i}"
            expr, duck_type = _convert_sql(sql_ident(raw), kinds[name])
            selects.append(f"{expr} AS {raw}")
            columns.append(Column(name, raw=raw, raw_type=duck_type, name=out_names[i]))
        numbered = f"read_parquet({sql_str(str(stage))}, file_row_number = true)"
        # The "line" of a case is its number in the file (SPSS has no lines).
        source_sql = f"(SELECT file_row_number + 1 AS __line, {', '.join(selects)} FROM {numbered})"
        rows_out, out_columns, issues, issue_count = finish(
            con, source_sql, columns, out, decimal_comma=False, notes=notes
        )
    finally:
        con.close()
    notes += _annotate(out_columns, meta)
    encoding = (meta.file_encoding or "").lower()
    return IngestResult(
        parquet_path=out,
        rows=rows_out,
        rejected_rows=0,
        columns=out_columns,
        cell_issues=issues,
        cell_issue_count=issue_count,
        notes=notes,
        source_format=fmt,
        encoding=encoding,
    )


def _read(reader: Any, src: Path, **kwargs: Any) -> Any:
    """Call pyreadstat; a damaged file becomes one sentence, a failed allocation a MemoryError."""
    import pyreadstat

    try:
        return reader(str(src), **kwargs)[1]
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as exc:
        raise _readstat_error(exc) from None


def _readstat_error(exc: Exception) -> Exception:
    text = str(exc)
    if "allocate memory" in text:
        return MemoryError(text)
    if "convert string" in text or "encoding" in text.lower():
        return IngestError(
            "The text in this SPSS file is not in the encoding the file declares, so uxcx could "
            "not read it."
        )
    return IngestError(DAMAGED)


def _width(meta: Any, name: str) -> int:
    """Bytes one value of a text variable takes: its storage width, or the width its format says."""
    width = (meta.variable_storage_width or {}).get(name)
    if not width:
        m = re.fullmatch(r"A(\d+)", str((meta.original_variable_types or {}).get(name) or ""))
        width = int(m.group(1)) if m else 255
    return int(width)


def _stage(
    reader: Any,
    src: Path,
    stage: Path,
    names: list[str],
    is_text: dict[str, bool],
    chunk_rows: int,
    limit: int,
    progress: Reporter,
    declared: int | None,
) -> int:
    """Write the cases as Parquet (c0, c1 …: doubles and strings), chunk by chunk; return rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import pyreadstat

    schema = pa.schema(
        [
            pa.field(f"c{i}", pa.string() if is_text[n] else pa.float64())
            for i, n in enumerate(names)
        ]
    )
    rows = 0
    expanded = 0
    writer = pq.ParquetWriter(str(stage), schema, compression="lz4")
    try:
        # Dates stay numbers (seconds) here: DuckDB converts them, so every chunk has one schema.
        chunks = pyreadstat.read_file_in_chunks(
            reader, str(src), chunksize=chunk_rows, apply_value_formats=False,
            disable_datetime_conversion=True,
        )  # fmt: skip
        while True:
            try:
                df, _ = next(chunks)
            except StopIteration:
                break
            except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as exc:
                raise _readstat_error(exc) from None
            if len(df) == 0:
                break
            arrays = [_arrow(pa, df[n], is_text[n]) for n in names]
            table = pa.Table.from_arrays(arrays, schema=schema)
            del df
            # The header's case count can be missing or wrong: count what really arrives.
            expanded += table.nbytes
            if expanded > limit:
                raise IngestError(
                    f"This SPSS file expands to more than the {format_size(limit)} uxcx allows, "
                    "so uxcx stopped."
                )
            writer.write_table(table)
            rows += table.num_rows
            progress.rows(rows, declared if declared and declared > 0 else None)
    finally:
        writer.close()
    return rows


def _arrow(pa: Any, series: Any, text: bool) -> Any:
    if text:
        return pa.array(series.astype(object).where(series.notna(), None), pa.string())
    return pa.array(series.to_numpy(dtype="float64", na_value=float("nan")), pa.float64(),
                    from_pandas=True)  # fmt: skip


def _numeric_kinds(
    con: Any, stage: Path, names: list[str], is_text: dict[str, bool], formats: dict[str, str]
) -> dict[str, str]:
    """Per variable: "text", "date", "datetime", "int" (every value whole) or "double"."""
    kinds: dict[str, str] = {}
    checks = []
    for i, name in enumerate(names):
        base = re.match(r"[A-Z]+", str(formats.get(name) or "").upper())
        fmt = base.group(0) if base else ""
        if is_text[name]:
            kinds[name] = "text"
        elif fmt in DATE_FORMATS:
            kinds[name] = "date"
        elif fmt in DATETIME_FORMATS:
            kinds[name] = "datetime"
        else:
            c = sql_ident(f"c{i}")
            checks.append(
                (name, f"coalesce(bool_and({c} = trunc({c}) AND abs({c}) < {EXACT_INT}), true)")
            )
    if checks:
        # NaN reads as null in the stage file; an all-empty variable stays a double.
        row = con.execute(
            f"SELECT {', '.join(sql for _, sql in checks)} FROM read_parquet({sql_str(str(stage))})"
        ).fetchall()[0]
        for (name, _), whole in zip(checks, row, strict=True):
            kinds[name] = "int" if whole else "double"
    return kinds


def _convert_sql(c: str, kind: str) -> tuple[str, str]:
    """SQL turning a staged value into its final type, and that type."""
    micros = f"CAST(round(({c} - {SPSS_EPOCH_TO_UNIX_S}) * 1000000) AS BIGINT)"
    if kind == "text":
        return c, "VARCHAR"
    if kind == "date":
        return f"CAST(make_timestamp({micros}) AS DATE)", "DATE"
    if kind == "datetime":
        return f"make_timestamp({micros})", "TIMESTAMP"
    if kind == "int":
        return f"CAST({c} AS BIGINT)", "BIGINT"
    return c, "DOUBLE"


def _annotate(out_columns: list[dict[str, Any]], meta: Any) -> list[str]:
    """Put question texts and value labels on the columns; return the notes that say so."""
    labels = meta.column_names_to_labels or {}
    value_labels = meta.variable_value_labels or {}
    missing = set(meta.missing_ranges or {}) | set(meta.missing_user_values or {})
    notes = []
    labelled = 0
    scales = []
    for col in out_columns:
        source = col["source_name"]
        label = " ".join(str(labels.get(source) or "").split())
        if label and label != source:
            col["label"] = label
            labelled += 1
        codes = value_labels.get(source) or {}
        if codes:
            col["value_labels"] = {_code_text(k): str(v) for k, v in codes.items()}
            scale = labelled_scale(col["value_labels"])
            if scale is not None:
                scales.append((col["name"], scale))
    if labelled:
        notes.append(
            f"Kept the question texts (variable labels) of {plural(labelled, 'variable')} for "
            "recognising columns."
        )
    with_codes = sum("value_labels" in c for c in out_columns)
    if with_codes:
        notes.append(
            f"Kept the value labels of {plural(with_codes, 'variable')}; their numeric codes "
            "stay numbers."
        )
    for name, scale in scales:
        text = f"'{name}' is labelled as {describe(scale)}."
        if scale.reversed:
            text += " Its codes run from the positive end down; uxcx keeps them as they are."
        notes.append(text)
    if missing:
        notes.append(
            f"Left the codes SPSS marks as missing (user-missing values) empty in "
            f"{plural(len(missing), 'variable')}."
        )
    return notes


def _code_text(code: object) -> str:
    """A value-label code as a JSON key: 1.0 → "1", 2.5 → "2.5", "M" → "M"."""
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return str(code)
