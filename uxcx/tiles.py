"""What each dashboard tile shows: the metric now, before, by month, and the change between periods."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .compute import Answer, Change, MetricResult, Request, compare
from .metrics import METRIC_BY_ID
from .periods import Periods
from .sql import Missing
from .store import Dataset

# How the tiles ask for results: requests → one (results, missing) per request, as
# `uxcx.compute.compute_many(engine, tables, requests)` answers them (one scan per table for
# requests with the same filters). The app passes its cached version; the library never decides
# how results are cached.
ManyQuery = Callable[[Sequence[Request]], list[Answer]]
# The older shape, one compute() call: (metric ids, grain=…, filters=…) → (results, missing).
Query = Callable[..., tuple[list[MetricResult], list[Missing]]]


def per_request(query: Query) -> ManyQuery:
    """A ManyQuery that asks a one-request query (e.g. a cached compute()) once per request."""

    def many(requests: Sequence[Request]) -> list[Answer]:
        return [
            query(None if r.metric_ids is None else list(r.metric_ids), grain=r.grain,
                  filters=r.filters)
            for r in requests
        ]  # fmt: skip

    return many


def tile_requests(metric_ids: Sequence[str], per: Periods) -> list[Request]:
    """What the tiles need: now, the previous period, the recent window, the monthly trend.

    The current value and the trend share filters, so compute_many reads them in one scan.
    """
    ids = tuple(metric_ids)
    asked = [Request(ids, filters=per.current), Request(ids, grain="month", filters=per.current)]
    if per.previous:
        asked.append(Request(ids, filters=per.previous))
    if per.compare_current:
        asked.append(Request(ids, filters=per.compare_current))
    return asked


@dataclass
class TileData:
    """Everything one tile shows."""

    metric_id: str
    current: MetricResult | None = None
    previous: MetricResult | None = None
    change: Change | None = None
    trend: list[MetricResult] = field(default_factory=list)
    missing: Missing | None = None
    by_signup: bool = False  # the period filters customers by signup date, not an event date


def tile_data(
    ds: Dataset, metric_ids: Sequence[str], per: Periods, query: ManyQuery
) -> dict[str, TileData]:
    """Current, previous and monthly results for many metrics in one batch of requests.

    `query` answers `tile_requests(metric_ids, per)`: pass a (cached) compute_many, or wrap a
    one-request query with `per_request`.
    """
    answers = iter(query(tile_requests(metric_ids, per)))
    cur, missing = next(answers)
    trend, _ = next(answers)
    prev = next(answers)[0] if per.previous else []
    recent = {r.metric: r for r in next(answers)[0]} if per.compare_current else {}
    out: dict[str, TileData] = {m: TileData(m) for m in metric_ids}
    for m in missing:
        out[m.metric_id].missing = m
    for r in cur:
        out[r.metric].current = r
    for r in prev:
        out[r.metric].previous = r
    for r in trend:
        out[r.metric].trend.append(r)
    event_dated = {t.name for t in ds.tables if isinstance(t.roles.get("date"), str)}
    for d in out.values():
        if d.current is None:
            continue
        d.by_signup = d.current.table not in event_dated
        # A table the date range cannot reach would be compared with itself.
        dated = "date range" not in d.current.unapplied_filters
        now = recent.get(d.metric_id, d.current) if per.compare_current else d.current
        if dated and d.previous and now.n and d.previous.n:
            d.change = compare(METRIC_BY_ID[d.metric_id], now, d.previous)
    return out
