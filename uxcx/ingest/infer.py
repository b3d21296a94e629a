"""Type inference and conversion in DuckDB: parse counts per column, a type, Parquet out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import money
from .common import NA_TOKENS, WS, plural, sql_ident, sql_in, sql_str
from .likert import AGREE5, AGREE7, SATISFACTION5, SEVEN_POINT_ONLY, label_key, label_to_int
from .result import MAX_KEPT, IngestError

# Columns per statistics query.
STATS_BATCH = 16

# What a yes/no column may say (compared lower-cased).
TRUE_TOKENS = ("yes", "true", "y")
FALSE_TOKENS = ("no", "false", "n")

# RE2 patterns, always used with regexp_full_match on trimmed text.
NUM_DOT = r"[+-]?((\d+|\d{1,3}(,\d{3})+)(\.\d*)?|\.\d+)([eE][+-]?\d+)?"
INT_DOT = r"[+-]?(\d+|\d{1,3}(,\d{3})+)"
NUM_COMMA = r"[+-]?((\d+|\d{1,3}(\.\d{3})+)(,\d*)?|,\d+)"
INT_COMMA = r"[+-]?(\d+|\d{1,3}(\.\d{3})+)"
# Numbers that are really codes: leading zeros (ZIP codes, IDs) or too long for a double.
CODE_LIKE = r"[+-]?0\d+|[+-]?\d{16,}"
ISO_DATE = r"\d{4}-\d{1,2}-\d{1,2}"
ISO_TS = r"\d{4}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?"
TZ_SUFFIX = r".*(Z|[+-]\d{2}(:?\d{2})?)"
SLASH_DATE = r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}"
SLASH_TS = r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}[T ]+\d{1,2}:\d{2}(:\d{2})?\s*([AaPp]\.?[Mm]\.?)?"

ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]


def _ordinal(k: int) -> str:
    return ORDINALS[k - 1] if k <= len(ORDINALS) else f"{k}th"


@dataclass
class Column:
    """One column on its way from the raw relation to the output."""

    source_name: str
    raw: str  # the staged column's identifier: c0, c1, ...
    raw_type: str
    name: str = ""
    type: str = "VARCHAR"
    expr: str = ""
    what: str = ""  # "a number", ... for problem-cell notes
    drop: bool = False
    nulls_done: bool = False  # staging already turned NA tokens into nulls
    infer: bool = True  # False: a text column kept exactly as it is (typed Parquet input)
    kind: str = ""  # what _choose read it as: "bool", "num", "time", "agree", "sat" ("" text)
    stats: dict[str, int] | None = None  # the parse counts the choice was made from
    meta: dict[str, str] = field(default_factory=dict)  # kept with the column: currency, unit


def _stats_sql(t: str, decimal_comma: bool) -> list[tuple[str, str]]:
    # count_if, not count(*) FILTER (...): each FILTER clause costs DuckDB ~1 MB of address
    # space, which adds up under the worker's memory cap.
    def count(cond: str) -> str:
        return f"count_if({cond})"

    # DuckDB evaluates both sides of AND on every row but a CASE branch only on the rows
    # that reach it; the cheap regex guards the expensive parse this way (30x faster).
    def guarded(pattern: str, then: str) -> str:
        return f"count_if(CASE WHEN {full(pattern)} THEN {then} END)"

    def full(pattern: str) -> str:
        return f"regexp_full_match({t}, '{pattern}')"

    label = label_key(t)
    items = [
        ("n", f"count({t})"),
        ("bool", count(sql_in(f"lower({t})", TRUE_TOKENS + FALSE_TOKENS))),
        ("code", count(full(CODE_LIKE))),
        ("dot_num", count(full(NUM_DOT))),
        ("dot_int", guarded(INT_DOT, _int_ok(t, False))),
        ("dot_sep", guarded(NUM_DOT, f"contains({t}, ',')")),
        ("iso_d", guarded(ISO_DATE, f"try_cast({t} AS DATE) IS NOT NULL")),
        ("iso_t", guarded(ISO_TS, f"try_cast({t} AS TIMESTAMPTZ) IS NOT NULL")),
        ("iso_tz", guarded(ISO_TS, f"regexp_full_match({t}, '{TZ_SUFFIX}')")),
        ("agree5", count(sql_in(label, list(AGREE5.labels)))),
        ("agree7", count(sql_in(label, list(AGREE7.labels)))),
        ("seven", count(sql_in(label, SEVEN_POINT_ONLY))),
        ("sat5", count(sql_in(label, list(SATISFACTION5.labels)))),
    ]
    for order in ("dmy", "mdy"):
        parsed = f"{_slash_parse(t, order)} IS NOT NULL"
        items.append((f"{order}_d", guarded(SLASH_DATE, parsed)))
        items.append((f"{order}_t", guarded(SLASH_TS, parsed)))
    if decimal_comma:
        items += [
            ("comma_num", count(full(NUM_COMMA))),
            ("comma_int", guarded(INT_COMMA, _int_ok(t, True))),
            ("comma_only", guarded(NUM_COMMA, f"NOT {full(NUM_DOT)}")),
            ("dot_only", guarded(NUM_DOT, f"NOT {full(NUM_COMMA)}")),
        ]
    else:
        items += [(k, "0") for k in ("comma_num", "comma_int", "comma_only", "dot_only")]
    return items + money.stats_items(t, guarded)


def _clean_number(t: str, decimal_comma: bool) -> str:
    if decimal_comma:
        return f"replace(replace({t}, '.', ''), ',', '.')"
    return f"replace({t}, ',', '')"


def _int_ok(t: str, decimal_comma: bool) -> str:
    return f"try_cast({_clean_number(t, decimal_comma)} AS BIGINT) IS NOT NULL"


def _slash_parse(t: str, order: str) -> str:
    day_month = "%d/%m" if order == "dmy" else "%m/%d"
    formats = [
        f"{day_month}/%Y",
        f"{day_month}/%Y %H:%M",
        f"{day_month}/%Y %H:%M:%S",
        f"{day_month}/%Y %I:%M %p",
        f"{day_month}/%Y %I:%M:%S %p",
    ]
    norm = (
        f"regexp_replace(regexp_replace(regexp_replace({t}, "
        "'^(\\d{1,2})[./-](\\d{1,2})[./-](\\d{4})[T ]*', '\\1/\\2/\\3 '), "
        "'\\s*([AaPp])\\.?[Mm]\\.?$', ' \\1M'), '\\s+$', '')"
    )
    return f"try_strptime({norm}, [{', '.join(sql_str(f) for f in formats)}])"


def _choose(col: Column, s: dict[str, int], decimal_comma: bool, notes: list[str]) -> None:
    """Pick the column's type from its parse counts and set its conversion expression."""
    t = f"t_{col.raw}"
    n = s["n"]
    if n == 0:
        return
    name = col.name
    candidates: list[tuple[float, int, str]] = []

    # Numbers: the decimal mark is whichever reading more values need.
    use_comma = decimal_comma and s["comma_only"] > s["dot_only"]
    num_ok, int_ok = (s["comma_num"], s["comma_int"]) if use_comma else (s["dot_num"], s["dot_int"])
    if s["code"]:
        num_ok = 0
        if (s["dot_num"] + s["comma_num"]) / n >= 0.95:
            notes.append(
                f"Kept '{name}' as text because its numbers look like codes "
                "(leading zeros or very long)."
            )
    candidates.append((s["bool"] / n, 0, "bool"))
    candidates.append((num_ok / n, 1, "num"))
    order = "mdy" if s["mdy_d"] + s["mdy_t"] > s["dmy_d"] + s["dmy_t"] else "dmy"
    temporal = s["iso_d"] + s["iso_t"] + s[f"{order}_d"] + s[f"{order}_t"]
    candidates.append((temporal / n, 2, "time"))
    agree = AGREE7 if s["seven"] else AGREE5
    candidates.append((s["agree7" if s["seven"] else "agree5"] / n, 3, "agree"))
    candidates.append((s["sat5"] / n, 4, "sat"))
    # Amounts need a currency somewhere in the column, percentages a % sign: a plain number
    # column stays "num" (it wins ties).
    money_comma = s["money_comma_only"] > s["money_dot_only"]
    money_ok = (s["money_c"] if money_comma else s["money_d"]) if s["cur"] else 0
    candidates.append((money_ok / n, 5, "money"))
    pct_comma = decimal_comma and s["pct_c"] > s["pct_d"]
    pct_ok = (s["pct_c"] if pct_comma else s["pct_d"]) if s["pct_mark"] else 0
    candidates.append((pct_ok / n, 6, "pct"))
    rate, _, kind = max(candidates, key=lambda c: (c[0], -c[1]))
    if rate < 0.95:
        return
    col.kind = kind

    if kind == "bool":
        col.type = "BOOLEAN"
        lowered = f"lower({t})"
        col.expr = (
            f"CASE WHEN {sql_in(lowered, TRUE_TOKENS)} THEN true "
            f"WHEN {sql_in(lowered, FALSE_TOKENS)} THEN false END"
        )
        col.what = "a yes/no value"
    elif kind == "num":
        col.type = "BIGINT" if int_ok == num_ok else "DOUBLE"
        pattern = NUM_COMMA if use_comma else NUM_DOT
        col.expr = (
            f"CASE WHEN regexp_full_match({t}, '{pattern}') "
            f"THEN try_cast({_clean_number(t, use_comma)} AS {col.type}) END"
        )
        col.what = "a number"
        if use_comma and s["comma_only"]:
            notes.append(f"Read decimal commas in '{name}' as decimals.")
        elif not use_comma and s["dot_sep"]:
            notes.append(f"Read commas in '{name}' as thousands separators.")
    elif kind == "time":
        date_only = s["iso_t"] + s[f"{order}_t"] == 0
        col.type = "DATE" if date_only else "TIMESTAMP"
        col.expr = (
            f"CASE WHEN regexp_full_match({t}, '{ISO_DATE}') THEN try_cast({t} AS DATE)::TIMESTAMP"
            f" WHEN regexp_full_match({t}, '{ISO_TS}') THEN try_cast({t} AS TIMESTAMPTZ)::TIMESTAMP"
            f" WHEN regexp_full_match({t}, '{SLASH_DATE}') OR regexp_full_match({t}, '{SLASH_TS}')"
            f" THEN {_slash_parse(t, order)} END"
        )
        if date_only:
            col.expr = f"CAST({col.expr} AS DATE)"
        col.what = "a date" if date_only else "a date and time"
        if s[f"{order}_d"] + s[f"{order}_t"]:
            other = "dmy" if order == "mdy" else "mdy"
            readable = "day/month/year" if order == "dmy" else "month/day/year"
            if s[f"{other}_d"] + s[f"{other}_t"] >= s[f"{order}_d"] + s[f"{order}_t"]:
                notes.append(
                    f"Read dates in '{name}' as {readable}; no day above 12 showed which "
                    "comes first."
                )
            else:
                notes.append(f"Read dates in '{name}' as {readable}.")
        if s["iso_tz"]:
            notes.append(f"Converted times with a time-zone offset in '{name}' to UTC.")
    elif kind == "money":
        # The note (with the currency) comes from choose_types, which can ask which one.
        col.type = "DOUBLE"
        col.expr = money.money_sql(t, money_comma)
        col.what = "an amount of money"
    elif kind == "pct":
        col.type = "DOUBLE"
        col.expr = money.percent_sql(t, pct_comma)
        col.what = "a percentage"
        col.meta["unit"] = "%"
        notes.append(f"Read percentages in '{name}' as numbers from 0 to 100 (45% → 45).")
    else:
        scale = agree if kind == "agree" else SATISFACTION5
        col.type = "BIGINT"
        col.expr = label_to_int(t, scale)
        col.what = f"one of the {scale.kind} labels"
        notes.append(
            f"Converted {scale.kind} labels in '{name}' ({scale.low} … {scale.high}) "
            f"to 1–{scale.points}."
        )


def final_names(sources: list[str], notes: list[str]) -> list[str]:
    """Trim names, name the unnamed, and number repeats: Score, Score_2 (case-insensitively)."""
    bases = []
    for i, source in enumerate(sources):
        base = " ".join(source.split()) or f"column_{i + 1}"
        bases.append(base)
    taken = {b.lower() for b in bases}
    seen: dict[str, int] = {}
    names = []
    for base in bases:
        key = base.lower()
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 1:
            names.append(base)
            continue
        k = seen[key]
        candidate = f"{base}_{k}"
        while candidate.lower() in taken:
            k += 1
            candidate = f"{base}_{k}"
        taken.add(candidate.lower())
        names.append(candidate)
        notes.append(f"Renamed the {_ordinal(seen[key])} '{base}' column to '{candidate}'.")
    return names


def _relation(source_sql: str, cols: list[Column]) -> str:
    """SQL over `source_sql` with ``__line``, ``s_<raw>`` (NA tokens as nulls) and ``t_<raw>``."""
    # Per query, only the columns it uses: binding a view of every column costs ~25 ms
    # per column per query on wide survey exports.
    inner = []
    outer = []
    for col in cols:
        if not col.infer:
            inner.append(f"{col.raw} AS s_{col.raw}")
            outer.append(f"s_{col.raw}")
        elif col.raw_type == "VARCHAR" and col.nulls_done:
            inner.append(f"{col.raw} AS s_{col.raw}")
            outer.append(f"s_{col.raw}, trim(s_{col.raw}, {sql_str(WS)}) AS t_{col.raw}")
        elif col.raw_type == "VARCHAR":
            trimmed = f"trim({col.raw}, {sql_str(WS)})"
            inner.append(
                f"CASE WHEN {sql_in(f'lower({trimmed})', NA_TOKENS)} THEN NULL "
                f"ELSE {col.raw} END AS s_{col.raw}"
            )
            outer.append(f"s_{col.raw}, trim(s_{col.raw}, {sql_str(WS)}) AS t_{col.raw}")
        else:
            inner.append(f"{col.raw} AS s_{col.raw}")
            outer.append(f"s_{col.raw}")
    return (
        f"(SELECT __line, {', '.join(outer)} "
        f"FROM (SELECT __line, {', '.join(inner)} FROM {source_sql}))"
    )


# What a value must contain for a count to find it (on trimmed text): a column without any
# such value gets 0 for those counts without running their regexes. Planning ~20 regexes per
# column costs more than counting them on a sample, and counting them on all rows is the
# exact path's largest cost.
_NEEDS = {
    "digit": (
        "code", "dot_num", "dot_int", "dot_sep", "iso_d", "iso_t", "iso_tz",
        "dmy_d", "dmy_t", "mdy_d", "mdy_t", "comma_num", "comma_int", "comma_only", "dot_only",
        "cur", "money_d", "money_c", "money_dot_only", "money_comma_only", "pct_mark", "pct_d",
        "pct_c",
    ),
    "currency": ("cur", "money_d", "money_c", "money_dot_only", "money_comma_only"),
    "percent": ("pct_mark", "pct_d", "pct_c"),
    "letter": ("bool", "agree5", "agree7", "seven", "sat5"),
    # Every agreement and satisfaction label has one of these words.
    "label": ("agree5", "agree7", "seven", "sat5"),
    # A code has a leading zero or 16 digits in a row.
    "code": ("code",),
    # Dates have two separators: 2024-01-31, 31/01/2024, 31.01.2024.
    "two_seps": ("iso_d", "iso_t", "iso_tz", "dmy_d", "dmy_t", "mdy_d", "mdy_t"),
    "comma": ("dot_sep",),
}  # fmt: skip
_PROBES = {
    "digit": "[0-9]",
    "letter": "[A-Za-z]",
    "two_seps": "[/.-].*[/.-]",
    "comma": ",",
    "label": "(?i)(agree|neutral|satisf)",
    "code": "0[0-9]|[0-9]{16}",
    "currency": money.CURRENCY,
    "percent": "%",
}


# Above this many rows the probes (4 regexes a cell) cost about what they save.
PROBE_MAX_ROWS = 200_000


def found_in(values: list[str]) -> dict[str, bool]:
    """The probes of ``_PROBES`` answered in Python for a few values (a sample's)."""
    return {need: any(re.search(pattern, v) for v in values) for need, pattern in _PROBES.items()}


def parse_counts(
    con: Any,
    source_sql: str,
    cols: list[Column],
    decimal_comma: bool,
    *,
    probe: bool = True,
    found: dict[str, dict[str, bool]] | None = None,
) -> dict[str, dict[str, int]]:
    """The parse-count statistics of each text column: {raw: {key: count}}.

    ``found`` ({raw: found_in(values)}) answers the probes without a query.
    """
    if found is not None:
        return _parse_counts_long(con, source_sql, cols, decimal_comma, found)
    stats: dict[str, dict[str, int]] = {}
    # A few columns per query keeps each query's plan small on very wide files.
    for first in range(0, len(cols), STATS_BATCH):
        batch = cols[first : first + STATS_BATCH]
        # On many rows only the probes that save the most run: a currency mark or a % sign
        # spares 8 regexes a cell, a single regex or contains() finds it.
        needs = list(_PROBES) if probe else ["currency", "percent"]
        probes = [
            f"count_if(contains(t_{col.raw}, {sql_str(_PROBES[need])}))"
            if need in ("comma", "percent")
            else f"count_if(regexp_matches(t_{col.raw}, {sql_str(_PROBES[need])}))"
            for col in batch
            for need in needs
        ]
        if found is not None:
            hits = [found[col.raw][need] for col in batch for need in _PROBES]
        else:
            query = f"SELECT {', '.join(probes)} FROM {_relation(source_sql, batch)}"
            answers = iter(con.execute(query).fetchall()[0])
            hits = [
                bool(next(answers)) if need in needs else True for _col in batch for need in _PROBES
            ]
        keys: list[tuple[Column, str]] = []
        aggs = []
        for i, col in enumerate(batch):
            absent = {
                key
                for j, need in enumerate(_PROBES)
                if not hits[i * len(_PROBES) + j]
                for key in _NEEDS[need]
            }
            stats[col.raw] = dict.fromkeys(absent, 0)
            for key, sql in _stats_sql(f"t_{col.raw}", decimal_comma):
                if key not in absent:
                    keys.append((col, key))
                    aggs.append(sql)
        values = con.execute(
            f"SELECT {', '.join(aggs)} FROM {_relation(source_sql, batch)}"
        ).fetchall()[0]
        for (col, key), value in zip(keys, values, strict=True):
            stats[col.raw][key] = int(value or 0)
    return stats


def _absent(found: dict[str, bool]) -> set[str]:
    """The counts a column's probes rule out (0 without a regex)."""
    return {key for need, hit in found.items() if not hit for key in _NEEDS[need]}


def _parse_counts_long(
    con: Any,
    source_sql: str,
    cols: list[Column],
    decimal_comma: bool,
    found: dict[str, dict[str, bool]],
) -> dict[str, dict[str, int]]:
    """parse_counts for a sample: every column's values stacked, each count once, by column.

    Per column, the ~25 counts are ~25 regexes DuckDB compiles and plans: 16 columns cost
    ~0.15 s of planning on a sample of a few thousand rows (or a 3-row file), far more than
    counting. Stacked (UNPIVOT), each regex is planned once and the counts come per column
    name; a null matches no count, so leaving nulls out of the stack changes nothing.
    """
    absent = {col.raw: _absent(found[col.raw]) for col in cols}
    items = [
        (key, sql)
        for key, sql in _stats_sql("t_v", decimal_comma)
        if any(key not in absent[col.raw] for col in cols)
    ]
    stats = {col.raw: dict.fromkeys(absent[col.raw], 0) for col in cols}
    if not cols:
        return stats
    names = ", ".join(f"t_{col.raw}" for col in cols)
    query = (
        f"SELECT col, {', '.join(sql for _, sql in items)} FROM (UNPIVOT (SELECT {names} "
        f"FROM {_relation(source_sql, cols)}) ON {names} INTO NAME col VALUE t_v) GROUP BY col"
    )
    counted = {str(row[0]): row[1:] for row in con.execute(query).fetchall()}
    for col in cols:
        # A column of only nulls has no row in the stack: every count is 0.
        values = counted.get(f"t_{col.raw}", (0,) * len(items))
        for (key, _sql), value in zip(items, values, strict=True):
            if key not in absent[col.raw]:
                stats[col.raw][key] = int(value or 0)
    return stats


def choose_types(
    con: Any,
    source_sql: str,
    columns: list[Column],
    *,
    decimal_comma: bool,
    notes: list[str],
    rows: int = 0,
    found: dict[str, dict[str, bool]] | None = None,
) -> list[Column]:
    """Infer every text column's type from the rows of `source_sql`; return the kept columns."""
    text_cols = [c for c in columns if c.raw_type == "VARCHAR" and c.infer]
    probe = rows <= PROBE_MAX_ROWS
    stats = parse_counts(con, source_sql, text_cols, decimal_comma, probe=probe, found=found)
    for col in text_cols:
        s = stats[col.raw]
        col.stats = s
        if s["n"] == 0 and not col.source_name.strip(WS):
            col.drop = True
            continue
        _choose(col, s, decimal_comma, notes)
        if col.kind == "money":
            _name_currency(con, source_sql, col, notes)

    kept = [c for c in columns if not c.drop]
    # Naming notes go right after the "Read as ..." note, before the per-column ones.
    naming = []
    dropped = len(columns) - len(kept)
    if dropped:
        naming.append(f"Dropped {plural(dropped, 'empty column')} without a name.")
    for position, col in enumerate(columns, start=1):
        if not col.drop and not col.source_name.strip(WS):
            naming.append(f"Named the unnamed column {position} '{col.name}'.")
    notes[1:1] = naming
    if not kept:
        raise IngestError("The file has a header row but every column is empty.")
    return kept


def _name_currency(con: Any, source_sql: str, col: Column, notes: list[str]) -> None:
    """Keep the amounts' currency with the column, or keep a column mixing currencies as text."""
    low, high = con.execute(
        f"SELECT {money.currencies_sql(f't_{col.raw}')} FROM {_relation(source_sql, [col])}"
    ).fetchall()[0]
    if low != high:
        col.kind, col.type, col.expr, col.what = "", "VARCHAR", "", ""
        notes.append(f"Kept '{col.name}' as text because it mixes currencies ({low}, {high}).")
        return
    col.meta["currency"] = str(low)
    notes.append(f"Read '{col.name}' as amounts in {low}.")


def finish(
    con: Any,
    source_sql: str,
    columns: list[Column],
    out: Path,
    *,
    decimal_comma: bool,
    notes: list[str],
    rows: int = 0,
) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]], int]:
    """Infer types, convert and write Parquet; return rows, columns, cell issues, issue count."""
    kept = choose_types(
        con, source_sql, columns, decimal_comma=decimal_comma, notes=notes, rows=rows
    )
    return convert_columns(con, source_sql, kept, out, notes=notes)


def convert_columns(
    con: Any,
    source_sql: str,
    kept: list[Column],
    out: Path,
    *,
    notes: list[str],
) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]], int]:
    """Convert the typed columns, count and keep the cells that fail, write Parquet."""

    def relation(cols: list[Column]) -> str:
        return _relation(source_sql, cols)

    issues: list[dict[str, Any]] = []
    issue_count = 0
    checked = [c for c in kept if c.expr]
    # Plain scans and ungrouped aggregates only: GROUP BY, ORDER BY and window operators make
    # DuckDB reserve hundreds of MB up front, which the worker's memory cap cannot afford.
    failed = {c.raw: f"(t_{c.raw} IS NOT NULL AND ({c.expr}) IS NULL)" for c in checked}
    per_col: dict[str, int] = {}
    for first in range(0, len(checked), STATS_BATCH):
        batch = checked[first : first + STATS_BATCH]
        counts = con.execute(
            f"SELECT {', '.join(f'count_if({failed[c.raw]})' for c in batch)} "
            f"FROM {relation(batch)}"
        ).fetchall()[0]
        per_col.update({c.raw: int(n or 0) for c, n in zip(batch, counts, strict=True)})
    bad = [c for c in checked if per_col[c.raw]]
    issue_count = sum(per_col.values())
    if bad:
        flagged = ", ".join(f"CASE WHEN {failed[c.raw]} THEN s_{c.raw} END" for c in bad)
        any_bad = " OR ".join(failed[c.raw] for c in bad)
        # Rows come back in file order (insertion order is preserved), so no ORDER BY.
        rows = con.execute(
            f"SELECT __line, {flagged} FROM {relation(bad)} WHERE {any_bad} LIMIT {MAX_KEPT}"
        ).fetchall()
        for line, *values in rows:
            for col, value in zip(bad, values, strict=True):
                if value is not None and len(issues) < MAX_KEPT:
                    issues.append(
                        {
                            "line": int(line),
                            "column": col.name,
                            "value": str(value),
                            "reason": f"Not {col.what}; left empty.",
                        }
                    )
        for col in bad:
            count = per_col[col.raw]
            notes.append(
                f"Left {plural(count, 'value')} in '{col.name}' empty because "
                f"{'it' if count == 1 else 'they'} could not be read as {col.what}."
            )

    select = ", ".join(f"{c.expr or ('s_' + c.raw)} AS {sql_ident(c.name)}" for c in kept)
    query = f"SELECT {select} FROM {relation(kept)}"
    described = con.execute(f"DESCRIBE {query}").fetchall()
    out_columns = [
        {"name": c.name, "source_name": c.source_name, "type": str(d[1]), **c.meta}
        for c, d in zip(kept, described, strict=True)
    ]
    written = con.execute(f"COPY ({query}) TO {sql_str(str(out))} (FORMAT parquet)").fetchall()
    return int(written[0][0]), out_columns, issues, issue_count
