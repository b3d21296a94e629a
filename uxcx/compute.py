"""Run metrics on a dataset: compile, execute in the engine, turn sufficient statistics into estimates."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from .engines import Engine
from .kinds import kind_of
from .metrics import METRICS, Family, Metric, get_metric
from .sql import CompiledQuery, Filters, Missing, TableInfo, compile_batch, compile_metric

if TYPE_CHECKING:
    from .stats import Estimate

# Below this many observations an estimate is shown greyed and labelled as unstable.
LOW_N = 20


@dataclass
class MetricResult:
    """One metric for one group/period: value, 95% CI, n and how it was computed (shown units)."""

    metric: str
    label: str
    family: Family
    group: str | None
    period: dt.date | None
    value: float
    ci_low: float
    ci_high: float
    n: int
    method: str
    unit: str
    out_of_scale: int = 0
    grade: str | None = None
    table: str = ""
    stats: dict[str, Any] = field(default_factory=dict)
    unapplied_filters: tuple[str, ...] = ()

    @property
    def low_n(self) -> bool:
        """Too few observations for a stable estimate."""
        return self.n < LOW_N

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON fields (values rounded for reading; NaN becomes null)."""
        return {
            "metric": self.metric,
            "family": self.family,
            "group": self.group,
            "value": _num(self.value),
            "ci_low": _num(self.ci_low),
            "ci_high": _num(self.ci_high),
            "n": self.n,
            "method": self.method,
            **({"period": self.period.isoformat()} if self.period else {}),
            **({"grade": self.grade} if self.grade else {}),
            **({"out_of_scale": self.out_of_scale} if self.out_of_scale else {}),
        }

    def as_dict(self) -> dict[str, Any]:
        """All fields, for tables and charts."""
        d = asdict(self)
        d["low_n"] = self.low_n
        return d


# The group of rows without a value in the breakdown column (or no match in a linked file): a
# null group means the whole data in the JSON contract.
NO_VALUE = "(no value)"


def _num(x: float | None, digits: int = 4) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return round(float(x), digits)


def estimate(metric: Metric, row: dict[str, Any]) -> Estimate:
    """The metric's estimate and interval from one row of sufficient statistics (natural scale)."""
    return kind_of(metric).estimate(row)


def result_from_row(metric: Metric, row: dict[str, Any], q: CompiledQuery) -> MetricResult:
    """Scale an estimate to the metric's shown units and attach its context."""
    est = estimate(metric, row)
    k = metric.scale_factor
    value = est.value * k
    grade = None
    if metric.id == "sus" and not math.isnan(value):
        from .stats import sus_grade

        grade = sus_grade(value)
    suff = {key: row[key] for key in row if key not in ("grp", "period")}
    lo, hi = est.ci_low * k, est.ci_high * k
    if metric.axis_range is not None:
        # A t-interval on a tiny sample can leave the scale (SUS −1.5 … 109.8); no value can.
        lo, hi = max(lo, metric.axis_range[0]), min(hi, metric.axis_range[1])
    return MetricResult(
        metric=metric.id,
        label=metric.label,
        family=metric.family,
        group=NO_VALUE if q.by and row.get("grp") is None else row.get("grp"),
        period=row.get("period"),
        value=value,
        ci_low=lo,
        ci_high=hi,
        n=est.n,
        method=est.method,
        unit=metric.unit,
        out_of_scale=int(row.get("out_of_scale") or 0),
        grade=grade,
        table=q.table,
        stats=suff,
        unapplied_filters=q.unapplied_filters,
    )


def run_query(engine: Engine, q: CompiledQuery) -> list[MetricResult]:
    """Execute one compiled metric query and return its results (one per group/period)."""
    metric = get_metric(q.metric_id)
    rows = engine.rows(q.sql, q.params)
    return [result_from_row(metric, r, q) for r in rows]


def compute(
    engine: Engine,
    tables: Sequence[TableInfo],
    metric_ids: Iterable[str] | None = None,
    *,
    by: str | None = None,
    grain: str | None = None,
    filters: Filters | None = None,
) -> tuple[list[MetricResult], list[Missing]]:
    """Compute metrics (all by default); return results and the metrics that cannot be computed.

    One scan per table the metrics read (`compile_batch`), not one per metric.
    """
    ids = tuple(metric_ids) if metric_ids is not None else None
    return compute_many(engine, tables, [Request(ids, by, grain, filters)])[0]


def compute_each(
    engine: Engine,
    tables: Sequence[TableInfo],
    metric_ids: Iterable[str] | None = None,
    *,
    by: str | None = None,
    grain: str | None = None,
    filters: Filters | None = None,
) -> tuple[list[MetricResult], list[Missing]]:
    """compute() with one query per metric (`compile_metric`): the reference the batch equals."""
    results: list[MetricResult] = []
    missing: list[Missing] = []
    metrics = [get_metric(m) for m in metric_ids] if metric_ids is not None else list(METRICS)
    for metric in metrics:
        q = compile_metric(
            metric, tables, by=by, grain=grain, filters=filters, dialect=engine.dialect
        )
        if isinstance(q, Missing):
            missing.append(q)
            continue
        results.extend(run_query(engine, q))
    return results, missing


@dataclass(frozen=True)
class Request:
    """One compute() call: which metrics (None: all), by a column and/or a time grain, filtered."""

    metric_ids: tuple[str, ...] | None = None
    by: str | None = None
    grain: str | None = None
    filters: Filters | None = None


Answer = tuple[list[MetricResult], list[Missing]]


def compute_many(
    engine: Engine, tables: Sequence[TableInfo], requests: Sequence[Request]
) -> list[Answer]:
    """Many compute() calls in as few scans as possible; one (results, missing) per request.

    `compute_many(engine, tables, [Request(ids, by, grain, filters), …])[i]` equals
    `compute(engine, tables, ids, by=by, grain=grain, filters=filters)` for request i.
    Requests with equal filters whose breakdowns agree (the same `by` column or none, the same
    `grain` or none) share one query per table: every metric's sufficient statistics, with
    `GROUP BY GROUPING SETS` over each request's grouping, e.g. a metric by plan and overall, or
    a tile's current value beside its monthly trend. Requests with other filters get their own
    scan. Values equal the per-metric queries' (`compute_each`) to float rounding.
    """
    answers: list[Answer] = [([], []) for _ in requests]
    for members, by, grain in _share_scans(requests):
        ids = [m for i in members for m in _metric_ids(requests[i])]
        metrics = [get_metric(m) for m in dict.fromkeys(ids)]
        sets = [_keys(requests[i]) for i in members]
        batch = compile_batch(
            metrics,
            tables,
            by=by,
            grain=grain,
            filters=requests[members[0]].filters,
            sets=sets,
            dialect=engine.dialect,
        )
        found: dict[tuple[int, str], list[MetricResult]] = {}
        for bq in batch.queries:
            rows = engine.rows(bq.sql, bq.params)
            for (pos, mid), stats in bq.split(rows).items():
                # Each grouping set says its own breakdown: the overall row of a set without
                # "grp" has group None (the whole data), not "(no value)".
                keys = sets[pos]
                meta = CompiledQuery("", bq.sql, bq.params, bq.table, (),
                                     by if "grp" in keys else None,
                                     grain if "period" in keys else None,
                                     bq.unapplied_filters)  # fmt: skip
                metric = get_metric(mid)
                found[(pos, mid)] = [result_from_row(metric, r, meta) for r in stats]
        for pos, i in enumerate(members):
            results, missing = answers[i]
            gone = {m.metric_id: m for m in batch.missing[pos]}
            for mid in _metric_ids(requests[i]):
                if mid in gone:
                    missing.append(gone[mid])
                else:
                    results.extend(found.get((pos, mid), []))
    return answers


def _metric_ids(r: Request) -> list[str]:
    return list(r.metric_ids) if r.metric_ids is not None else [m.id for m in METRICS]


def _keys(r: Request) -> tuple[str, ...]:
    return tuple(k for k, on in (("grp", r.by), ("period", r.grain)) if on)


def _share_scans(requests: Sequence[Request]) -> list[tuple[list[int], str | None, str | None]]:
    """Requests grouped into scans: equal filters, at most one `by` and one `grain` per scan."""
    scans: list[tuple[list[int], str | None, str | None, object]] = []
    for i, r in enumerate(requests):
        fkey = r.filters.key() if r.filters is not None and not r.filters.is_empty() else None
        for k, (members, by, grain, key) in enumerate(scans):
            if (
                key != fkey
                or (r.by and by and r.by != by)
                or (r.grain and grain and r.grain != grain)
            ):
                continue
            scans[k] = ([*members, i], by or r.by, grain or r.grain, key)
            break
        else:
            scans.append(([i], r.by, r.grain, fkey))
    return [(members, by, grain) for members, by, grain, _ in scans]


@dataclass
class Change:
    """A metric now against the previous period of equal length."""

    current: MetricResult | None
    previous: MetricResult | None
    diff: float | None
    p: float | None
    significant: bool
    method: str = ""


def compare(metric: Metric, current: MetricResult, previous: MetricResult) -> Change:
    """Difference (shown units) between two results of the same metric, with a two-sided p."""
    if not previous.n or not current.n:
        return Change(current, previous, None, None, False)
    d = kind_of(metric).compare(previous.stats, current.stats)
    diff = current.value - previous.value
    p = d.p if d.p is not None and not math.isnan(d.p) else None
    return Change(current, previous, diff, p, p is not None and p < 0.05, d.method)
