"""The period a dashboard compares with: the previous window of equal length, and its caption."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .sql import Filters

DEFAULT_WINDOW = 90


@dataclass(frozen=True)
class Periods:
    """The current period (the filters) and the previous one of equal length, if any data."""

    current: Filters
    previous: Filters | None
    label: str  # "previous 92 days (2025-07-01 – 2025-09-30)"
    note: str = ""  # why there is no comparison, or that it is partial
    # What the change compares: the filtered period itself, or (with no date filter) the most
    # recent DEFAULT_WINDOW days, so the default view still answers "is it moving?".
    compare_current: Filters | None = None


def periods(filters: Filters, bounds: tuple[dt.date, dt.date] | None) -> Periods:
    """Previous period = the same number of days right before the current one."""
    if bounds is None:
        return Periods(filters, None, "", "the data has no dates, so no period comparison")
    lo, hi = bounds
    start = filters.date_from or lo
    end = filters.date_to or hi
    days = (end - start).days + 1
    if filters.date_from is None and filters.date_to is None and days >= 3 * DEFAULT_WINDOW:
        recent_from = hi - dt.timedelta(days=DEFAULT_WINDOW - 1)
        prev_to = recent_from - dt.timedelta(days=1)
        prev_from = prev_to - dt.timedelta(days=DEFAULT_WINDOW - 1)
        label = (
            f"last {DEFAULT_WINDOW} days of data ({recent_from:%Y-%m-%d} – {hi:%Y-%m-%d}) vs the "
            f"{DEFAULT_WINDOW} days before ({prev_from:%Y-%m-%d} – {prev_to:%Y-%m-%d})"
        )
        return Periods(
            filters,
            Filters(prev_from, prev_to, filters.segments),
            label,
            "tiles show the whole range; pick a date range in the sidebar to compare it instead",
            compare_current=Filters(recent_from, hi, filters.segments),
        )
    prev_to = start - dt.timedelta(days=1)
    prev_from = prev_to - dt.timedelta(days=days - 1)
    if prev_to < lo:
        note = (
            "no earlier data to compare with: pick a shorter date range in the sidebar "
            "to compare with the period before it"
        )
        return Periods(filters, None, "", note)
    prev = Filters(prev_from, prev_to, filters.segments)
    label = f"previous {days:,} days ({prev_from:%Y-%m-%d} – {prev_to:%Y-%m-%d})"
    note = "the previous period starts before the data does" if prev_from < lo else ""
    return Periods(filters, prev, label, note)


def period_caption(per: Periods) -> str:
    """What the tiles' change compares ('' when there is nothing to say)."""
    if per.previous is None:
        return f"Change: {per.note}." if per.note else ""
    if per.compare_current is not None:
        text = f"Change: {per.label}; two-sided test at 5%."
        return text + (f" The {per.note}." if per.note else "")
    text = f"Change vs the {per.label}; two-sided test at 5%."
    if per.note:
        text += f" Note: {per.note}."
    return text
