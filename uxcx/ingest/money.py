"""Amounts of money and percentages written as text: "$1,234.50", "1.234,50 €", "(12.00)", "45%".

The patterns and SQL the type inference uses for them (``infer._stats_sql`` counts, ``_choose``
picks): an amount becomes a DOUBLE and its column remembers the currency as written (``$``,
``€``, ``USD``); a percentage becomes a number from 0 to 100 (45% → 45).
"""

from __future__ import annotations

from typing import Any

from .common import sql_str

# Currency symbols and the ISO codes exports spell out, as RE2.
CURRENCY = r"(\$|€|£|¥|₹|USD|EUR|GBP|JPY|INR|CHF|CAD|AUD|NZD|SEK|NOK|DKK)"
# Digits with thousands separators and decimals: 1,234.50 (dot) or 1.234,50 (comma).
_NUM = {
    False: r"(\d+|\d{1,3}(,\d{3})+)(\.\d+)?",
    True: r"(\d+|\d{1,3}(\.\d{3})+)(,\d+)?",
}

# The same numbers for regexp_extract, grouped digits first: RE2 takes the first alternative
# that matches, and a bare \d+ would stop "1,234.50" at "1".
_FIRST = {
    False: r"(\d{1,3}(,\d{3})+|\d+)(\.\d+)?",
    True: r"(\d{1,3}(\.\d{3})+|\d+)(,\d+)?",
}


def money_pattern(comma: bool) -> str:
    """An amount: sign and currency either side, accounting parentheses, or a plain number."""
    num = _NUM[comma]
    signed = rf"[+-]?\s*{CURRENCY}\s*[+-]?{num}|[+-]?{num}\s*{CURRENCY}"
    paren = rf"\(\s*{CURRENCY}?\s*{num}\s*{CURRENCY}?\s*\)"
    return rf"({signed}|{paren}|[+-]?{num})"


def percent_pattern(comma: bool) -> str:
    """A percentage, or a plain number among percentages: 45%, 12.5 %, -3%."""
    return rf"[+-]?{_NUM[comma]}\s*%?"


def stats_items(t: str, guarded: Any) -> list[tuple[str, str]]:
    """The parse counts for amounts and percentages of trimmed text `t`."""
    dot, comma = money_pattern(False), money_pattern(True)
    pdot, pcomma = percent_pattern(False), percent_pattern(True)
    return [
        ("cur", f"count_if(regexp_matches({t}, {sql_str(CURRENCY)}))"),
        ("money_d", f"count_if(regexp_full_match({t}, {sql_str(dot)}))"),
        ("money_c", f"count_if(regexp_full_match({t}, {sql_str(comma)}))"),
        ("money_dot_only", guarded(dot, f"NOT regexp_full_match({t}, {sql_str(comma)})")),
        ("money_comma_only", guarded(comma, f"NOT regexp_full_match({t}, {sql_str(dot)})")),
        ("pct_mark", f"count_if(contains({t}, '%'))"),
        ("pct_d", f"count_if(regexp_full_match({t}, {sql_str(pdot)}))"),
        ("pct_c", f"count_if(regexp_full_match({t}, {sql_str(pcomma)}))"),
    ]


def _number(t: str, comma: bool) -> str:
    """SQL: the first number in `t`, separators removed, as DOUBLE (unsigned)."""
    core = f"regexp_extract({t}, {sql_str(_FIRST[comma])}, 0)"
    marks = "replace(replace({}, '.', ''), ',', '.')" if comma else "replace({}, ',', '')"
    return f"try_cast({marks.format(core)} AS DOUBLE)"


def money_sql(t: str, comma: bool) -> str:
    """SQL turning an amount in `t` into a DOUBLE: -$12.00 and (12.00) are −12."""
    negative = f"(contains({t}, '-') OR starts_with({t}, '('))"
    return (
        f"CASE WHEN regexp_full_match({t}, {sql_str(money_pattern(comma))}) "
        f"THEN CASE WHEN {negative} THEN -1 ELSE 1 END * {_number(t, comma)} END"
    )


def percent_sql(t: str, comma: bool) -> str:
    """SQL turning a percentage in `t` into a number from 0 to 100 (45% → 45)."""
    sign = f"CASE WHEN starts_with({t}, '-') THEN -1 ELSE 1 END"
    return (
        f"CASE WHEN regexp_full_match({t}, {sql_str(percent_pattern(comma))}) "
        f"THEN {sign} * {_number(t, comma)} END"
    )


def currencies_sql(t: str) -> str:
    """Aggregates: the smallest and largest currency marker written in `t`."""
    marker = f"nullif(regexp_extract({t}, {sql_str(CURRENCY)}, 1), '')"
    return f"min({marker}), max({marker})"
