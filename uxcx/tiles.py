"""What each dashboard tile shows: the metric now, before, by month, and the change between periods."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .compute import Change, MetricResult, compare
from .metrics import METRIC_BY_ID
from .periods import Periods
from .sql import Missing
from .store import Dataset

# How the tiles ask for results: (metric ids, grain=…, filters=…) → (results, missing). The app
# passes its cached query; the library never decides how results are cached.
Query = Callable[..., tuple[list[MetricResult], list[Missing]]]


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
    ds: Dataset, metric_ids: Sequence[str], per: Periods, query: Query
) -> dict[str, TileData]:
    """Current, previous and monthly results for many metrics in a few (cacheable) queries."""
    cur, missing = query(metric_ids, filters=per.current)
    prev = query(metric_ids, filters=per.previous)[0] if per.previous else []
    recent = (
        {r.metric: r for r in query(metric_ids, filters=per.compare_current)[0]}
        if per.compare_current
        else {}
    )
    trend, _ = query(metric_ids, grain="month", filters=per.current)
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
