"""Every number, percentage, p-value and interval uxcx shows, formatted once.

Pages, tiles, tables, captions and the CLI's table output all format through here, so the same
figure reads the same everywhere ("p = 0.034" on a tile, in the retention page and in the CLI).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .kinds import kind_of
from .metrics import METRIC_BY_ID

if TYPE_CHECKING:  # only the annotation: labels stays importable without the SQL package
    from .sql import Filters

MINUS = "\u2212"  # a true minus sign: "−0.12" does not read as a dash
MISSING = "–"


def _finite(x: float | None) -> bool:
    return x is not None and isinstance(x, int | float) and math.isfinite(x)


def fmt_value(metric_id: str, x: float | None) -> str:
    """A metric value in its shown units and precision ('–' when undefined): '+20', '74.7%'."""
    if not _finite(x):
        return MISSING
    assert x is not None
    m = METRIC_BY_ID[metric_id]
    unit = m.unit if m.unit in ("%", "s") else ""
    sign = "+" if kind_of(m).signed and x > 0 else ""
    return f"{sign}{x:,.{m.decimals}f}{unit}"


def value_text(metric_id: str, x: float | None, currency: str | None = None) -> str:
    """A tile's headline value: fmt_value plus the scale ('4.12 /5') or currency ('$1,539')."""
    text = fmt_value(metric_id, x)
    unit = METRIC_BY_ID[metric_id].unit
    if unit in ("/5", "/7") and text != MISSING:
        text += f" {unit}"
    elif currency and text != MISSING:
        return with_currency(text, currency)
    return text


def with_currency(amount: str, currency: str) -> str:
    """An amount with the file's currency: a symbol before it ('$1,539', '−€56'), a code after
    it ('1,539 USD'), as the ingest found it written."""
    if currency.isalpha() and len(currency) > 1:
        return f"{amount} {currency}"
    sign, digits = (amount[0], amount[1:]) if amount[:1] in "−-+" else ("", amount)
    return f"{sign}{currency}{digits}"


def diff_text(metric_id: str, diff: float) -> str:
    """A change between two values of a metric: '+1.3 pts', '−4 s'."""
    m = METRIC_BY_ID[metric_id]
    return f"{diff:+,.{m.decimals}f}{kind_of(m).diff_unit(m.unit)}"


def fmt_ci(metric_id: str, lo: float | None, hi: float | None) -> str:
    """A metric's 95% interval in its units: '70.3 … 71.4'."""
    return f"{fmt_value(metric_id, lo)} … {fmt_value(metric_id, hi)}"


def fmt_p(p: float | None) -> str:
    """A p-value as analysts write it: 'p < 0.001', 'p = 0.034' ('p n/a' when undefined)."""
    if not _finite(p):
        return "p n/a"
    assert p is not None
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def fmt_num(x: float | None, digits: int = 2, sign: bool = False) -> str:
    """A statistic (r, an odds ratio, points) with a true minus sign ('–' when undefined)."""
    if not _finite(x):
        return MISSING
    assert x is not None
    # r = −0.9954 must not read as a perfect −1.00.
    if digits == 2 and abs(x) < 1 and round(abs(x), 2) == 1:
        digits = 3
    text = f"{x:+.{digits}f}" if sign else f"{x:.{digits}f}"
    return text.replace("-", MINUS)


def fmt_pct(share: float | None, digits: int = 0) -> str:
    """A 0–1 share as a percentage: 0.267 → '27%' ('–' when undefined)."""
    if not _finite(share):
        return MISSING
    assert share is not None
    return f"{100 * share:.{digits}f}%"


def fmt_ci_num(lo: float | None, hi: float | None, digits: int = 2, sign: bool = False) -> str:
    """'95% CI lo … hi' for a statistic."""
    return f"95% CI {fmt_num(lo, digits, sign)} … {fmt_num(hi, digits, sign)}"


def fmt_pct_ci(lo: float | None, hi: float | None, digits: int = 1) -> str:
    """A share's interval as percentages: '25.1% … 28.3%' ('–' when undefined)."""
    if not (_finite(lo) and _finite(hi)):
        return MISSING
    return f"{fmt_pct(lo, digits)} … {fmt_pct(hi, digits)}"


def describe_filters(filters: Filters) -> str:
    """One line saying what is filtered ('' when nothing): '2025-07-01 to … · plan: Pro'."""
    parts = []
    if filters.date_from or filters.date_to:
        parts.append(f"{filters.date_from or '…'} to {filters.date_to or '…'}")
    for col, vals in filters.segments.items():
        parts.append(f"{col}: {', '.join(vals)}")
    return " · ".join(parts)
