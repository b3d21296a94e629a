"""The dialect seam: every engine-specific SQL construct uxcx generates, behind one class.

The planner and compilers write SQL through a Dialect; DuckDB's is the default. Another engine
(Spark SQL) subclasses it and overrides only what differs, so a metric definition never needs to
know which engine runs it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ..kinds import Agg
from ..roles import FALSE_WORDS, TRUE_WORDS, RoleKind, is_date_type, is_numeric_type


class Dialect:
    """DuckDB SQL (the reference dialect)."""

    name = "duckdb"

    # ---- names and literals ---------------------------------------------------------------
    @staticmethod
    def quote_ident(name: str) -> str:
        """Quote an identifier (double any embedded quote)."""
        return '"' + name.replace('"', '""') + '"'

    @staticmethod
    def quote_literal(value: str) -> str:
        """Quote a string literal (used only for words and paths uxcx itself chose)."""
        return "'" + value.replace("'", "''") + "'"

    # ---- types ----------------------------------------------------------------------------
    def try_cast(self, ref: str, sql_type: str) -> str:
        """A cast that yields NULL instead of failing on a bad value."""
        return f"TRY_CAST({ref} AS {sql_type})"

    def typed_column(self, ref: str, duck_type: str, kind: RoleKind) -> str:
        """SQL that reads a column as the role kind needs it (number, 0/1, date or text)."""
        t = duck_type.upper()
        if kind in ("scale", "numeric"):
            if t == "BOOLEAN" or is_numeric_type(t):
                return f"CAST({ref} AS DOUBLE)"
            return self.try_cast(ref, "DOUBLE")
        if kind == "binary":
            if t == "BOOLEAN":
                return f"CAST({ref} AS INTEGER)"
            if is_numeric_type(t):
                return f"CAST({ref} AS DOUBLE)"
            # Text yes/no: unknown words become −1 so the metric reports them as out of scale.
            trues = ", ".join(self.quote_literal(w) for w in TRUE_WORDS)
            falses = ", ".join(self.quote_literal(w) for w in FALSE_WORDS)
            norm = f"lower(trim({self.as_text(ref)}))"
            return (
                f"CASE WHEN {ref} IS NULL THEN NULL WHEN {norm} IN ({trues}) THEN 1 "
                f"WHEN {norm} IN ({falses}) THEN 0 ELSE -1 END"
            )
        if kind == "date":
            return f"CAST({ref} AS DATE)" if is_date_type(t) else self.try_cast(ref, "DATE")
        return self.as_text(ref)

    @staticmethod
    def as_text(ref: str) -> str:
        """A value as text (joins on ids and segment filters compare text)."""
        return f"CAST({ref} AS VARCHAR)"

    def join_key(self, ref: str, normalise: str = "text") -> str:
        """A join key as text; e-mail addresses trimmed and lower-cased so 'A@x.com ' matches."""
        text = self.as_text(ref)
        return f"lower(trim({text}))" if normalise == "email" else text

    # ---- aggregates -----------------------------------------------------------------------
    def aggregate(self, agg: Agg) -> str:
        """One sufficient statistic, `func(arg) FILTER (WHERE …)`, cast and wrapped."""
        sql = f"{agg.func}({agg.arg})"
        if agg.where:
            sql += f" FILTER (WHERE {agg.where})"
        if agg.cast:
            sql = f"CAST({sql} AS {agg.cast})"
        return agg.wrap.format(sql)

    def row_aggregate(self, agg: Agg) -> str:
        """What `aggregate(agg)` gives over exactly one row, without grouping (a table that
        already has one row per unit skips the GROUP BY, DuckDB's costliest step at 1M ids)."""
        hit = f"CASE WHEN {agg.where} THEN {{}} END" if agg.where else "{}"
        arg = "1" if agg.arg == "*" else agg.arg
        if agg.func == "count":
            sql = f"CAST(CASE WHEN {agg.where or 'TRUE'} AND {arg} IS NOT NULL THEN 1 ELSE 0 END AS BIGINT)"
        elif agg.func == "avg":  # the mean of one value is the value, as a DOUBLE like avg()
            sql = f"CAST({hit.format(arg)} AS DOUBLE)"
        elif agg.func == "sum":
            sql = hit.format(arg)
        else:  # stddev_samp of a single value is NULL
            sql = "CAST(NULL AS DOUBLE)"
        if agg.cast:
            sql = f"CAST({sql} AS {agg.cast})"
        return agg.wrap.format(sql)

    def count_where(self, condition: str) -> str:
        """Rows where a condition holds."""
        return f"count(*) FILTER (WHERE {condition})"

    def row_count_where(self, condition: str) -> str:
        """count_where over exactly one row: 1 or 0, as a BIGINT like count()."""
        return f"CAST(CASE WHEN {condition} THEN 1 ELSE 0 END AS BIGINT)"

    def count_if(self, condition: str) -> str:
        """Rows where a condition holds, as count_if: count_where's number (but NULL, not 0, when
        no row matched), cheaper when a query has dozens of them (DuckDB: ~20% of a 14-metric
        scan), as a BIGINT."""
        return f"CAST(count_if({condition}) AS BIGINT)"  # DuckDB's count_if is a HUGEINT

    def examples(self, expr: str, condition: str, k: int) -> str:
        """Up to k distinct values (as text) of the rows where a condition holds."""
        return f"list_slice(list(DISTINCT {self.as_text(expr)}) FILTER (WHERE {condition}), 1, {k})"

    def quantile(self, expr: str, q: float | str) -> str:
        """The interpolated quantile (q a number or a list literal such as [0.25, 0.5])."""
        return f"quantile_cont({expr}, {q})"

    def is_finite(self, expr: str) -> str:
        """True for a number that is neither infinite nor NaN (NULL stays NULL)."""
        return f"isfinite({expr})"

    def greatest(self, exprs: Sequence[str]) -> str:
        """The largest of one or more values, ignoring NULLs."""
        return f"greatest({', '.join(exprs)})"

    # ---- lists ----------------------------------------------------------------------------
    @staticmethod
    def list_literal(values: Sequence[float]) -> str:
        """A list of numbers, e.g. the quantiles to take at once: [0.25, 0.5, 0.75]."""
        return "[" + ", ".join(repr(float(v)) for v in values) + "]"

    @staticmethod
    def list_element(expr: str, index: int) -> str:
        """One element of a list value, counting from 1."""
        return f"{expr}[{index}]"

    # ---- statements -----------------------------------------------------------------------
    @staticmethod
    def cte(name: str, body: str, *, materialized: bool = False) -> str:
        """One WITH item; materialized: evaluate once however often it is referenced."""
        # An engine may inline a CTE into each reference: row numbers and hashed subsamples
        # must then be the same rows in every one.
        mat = "MATERIALIZED " if materialized else ""
        return f"{name} AS {mat}(\n  {body}\n)"

    # ---- time -----------------------------------------------------------------------------
    def date_trunc(self, grain: str, date_sql: str) -> str:
        """The start of the day/week/month/quarter/year a date falls in, as a DATE."""
        return f"CAST(date_trunc('{grain}', {date_sql}) AS DATE)"

    def add_months(self, date_sql: str, months_sql: str) -> str:
        """A date plus a whole number of months (end-of-month aware)."""
        return f"CAST({date_sql} + to_months(CAST({months_sql} AS INTEGER)) AS DATE)"

    def days_between(self, start_sql: str, end_sql: str) -> str:
        """Whole days from one DATE to another (negative when end is before start)."""
        return f"date_diff('day', {start_sql}, {end_sql})"

    def date_literal(self, day: dt.date) -> str:
        """A DATE constant."""
        return f"DATE '{day.isoformat()}'"

    # ---- generated rows -------------------------------------------------------------------
    def series(self, start: int | str, stop: int | str) -> str:
        """A FROM item of integers start … stop − 1 in a column named `range`."""
        return f"range({start}, {stop})"

    def hash_unit(self, expr: str) -> str:
        """A deterministic pseudo-uniform number in (0, 1) from a value (for bootstraps)."""
        # The top 53 bits of the 64-bit hash: exactly representable as a double.
        return f"((hash({expr}) >> 11) + 0.5) / 9007199254740992.0"

    # ---- ordering -------------------------------------------------------------------------
    def order_by(self, cols: Sequence[str]) -> str:
        """An ORDER BY list of group keys, missing values last."""
        return ", ".join(cols)


DUCKDB = Dialect()


class SparkDialect(Dialect):
    """Spark SQL (3.5+; 4.x tested): only what it spells differently from DuckDB."""

    name = "spark"

    @staticmethod
    def quote_ident(name: str) -> str:
        """Backticks: in Spark SQL "x" is a string literal, not a column."""
        return "`" + name.replace("`", "``") + "`"

    @staticmethod
    def quote_literal(value: str) -> str:
        """Backslash escapes: Spark reads 'a''b' as two adjacent literals, i.e. 'ab'."""
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"

    @staticmethod
    def as_text(ref: str) -> str:
        """Spark has no unbounded VARCHAR."""
        return f"CAST({ref} AS STRING)"

    def examples(self, expr: str, condition: str, k: int) -> str:
        """Up to k distinct values (as text), sorted: collect_set's order changes per run."""
        values = f"collect_set({self.as_text(expr)}) FILTER (WHERE {condition})"
        return f"slice(array_sort({values}), 1, {k})"

    def quantile(self, expr: str, q: float | str) -> str:
        """`percentile` interpolates exactly like quantile_cont (percentile_approx does not)."""
        if isinstance(q, str) and q.strip().startswith("["):
            q = f"array({q.strip()[1:-1]})"
        return f"percentile({expr}, {q})"

    def count_if(self, condition: str) -> str:
        """Spark's count_if is already a BIGINT."""
        return f"count_if({condition})"

    def is_finite(self, expr: str) -> str:
        """Spark has isnan but no isfinite."""
        return f"NOT (isnan({expr}) OR abs({expr}) = CAST('Infinity' AS DOUBLE))"

    def greatest(self, exprs: Sequence[str]) -> str:
        """Spark's greatest() wants at least two values."""
        return exprs[0] if len(exprs) == 1 else super().greatest(exprs)

    def days_between(self, start_sql: str, end_sql: str) -> str:
        """Whole days from one DATE to another: Spark's datediff takes (end, start)."""
        return f"datediff({end_sql}, {start_sql})"

    def add_months(self, date_sql: str, months_sql: str) -> str:
        """Spark's add_months is end-of-month aware like DuckDB's interval arithmetic."""
        return f"add_months({date_sql}, CAST({months_sql} AS INT))"

    def series(self, start: int | str, stop: int | str) -> str:
        """Spark's range() names its column `id`; callers read `range`."""
        return f"(SELECT id AS `range` FROM range({start}, {stop}))"

    def hash_unit(self, expr: str) -> str:
        """xxhash64 is signed: an unsigned shift keeps the top 53 bits non-negative."""
        # Another hash than DuckDB's: the same rows get other (equally uniform) numbers.
        top = f"CAST(shiftrightunsigned(xxhash64({expr}), 11) AS DOUBLE)"
        return f"(({top} + 0.5) / 9007199254740992.0)"

    def order_by(self, cols: Sequence[str]) -> str:
        """Spark sorts NULL first; DuckDB last (the group of rows without a segment comes last)."""
        return ", ".join(f"{c} NULLS LAST" for c in cols)


SPARK = SparkDialect()
