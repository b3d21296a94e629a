"""Many metrics in one scan per table: every metric's sufficient statistics, for several groupings.

`compile_metric` gives one query per metric; a dashboard or `uxcx metrics --by plan` asks for
fourteen metrics overall and by a segment, which would be 28 scans of the same rows.
`compile_batch` plans each metric as `compile_metric` does, then for every table that metrics are
read from builds one statement: CTE `t` reads the union of the metrics' roles (typed, named after
the role, exactly as `row_query` does) with the same joins and filters; CTE `r` computes each
metric's per-row value `v_<id>`, in-scale flag `ok_<id>` and, when the metric counts only some
rows (time on task: successful attempts), its row condition `w_<id>`; the final SELECT applies
each kind's aggregates (kinds.py) with the metric's columns, as
`count(*) FILTER (WHERE w_<id> AND ok_<id>) AS <id>__n`, grouped by
`GROUPING SETS ((grp), ())` when several groupings are asked for (the overall figure beside its
groups), so the engine reads the rows once.

Each set's rows are what `compile_metric` with that set's keys returns: a group in which a metric
has no rows (every row fails its condition) is dropped, as the per-metric query never forms it,
and the overall row is always there (an aggregate without GROUP BY returns one row).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..kinds import Agg, kind_of
from ..metrics import Metric, Variant
from .compile import GRAINS
from .dialect import DUCKDB, Dialect
from .filters import Filters, filter_clauses
from .plan import Missing, Resolver, TableInfo, plan

Keys = tuple[str, ...]  # a grouping set: a subset of ("grp", "period"), in that order
_KEY_ORDER = ("grp", "period")


@dataclass(frozen=True)
class Slot:
    """One metric's columns in a batch query."""

    metric_id: str
    aggregates: tuple[tuple[str, object], ...]  # (statistic, its value over no rows); columns
    # are named <metric_id>__<statistic>
    rows: str | None = None  # column counting the metric's rows, when it has a row condition


@dataclass(frozen=True)
class BatchQuery:
    """One statement over one table returning every slot's statistics for each grouping set."""

    table: str
    sql: str
    params: tuple[object, ...]
    slots: tuple[Slot, ...]
    keys: Keys  # the group columns the statement returns
    sets: tuple[Keys, ...]  # the grouping sets it computes
    asked: tuple[tuple[int, ...], ...]  # per set: the positions in the sets the caller asked for
    unapplied_filters: tuple[str, ...] = ()

    def split(self, rows: Sequence[dict[str, Any]]) -> dict[tuple[int, str], list[dict[str, Any]]]:
        """The result rows as per-metric rows of statistics: (asked set, metric id) → rows."""
        out: dict[tuple[int, str], list[dict[str, Any]]] = {}
        seen: set[Keys] = set()
        for row in rows:
            # grouping(k) is 1 where the row's set leaves k out (only selected for keys some
            # set leaves out).
            keys = tuple(k for k in self.keys if not row.get(f"g_{k}"))
            seen.add(keys)
            self._add(out, keys, row)
        if () in self.sets and () not in seen:
            # An engine may return no row for the empty grouping set on empty input; the
            # per-metric query returns one: counts 0, every other statistic NULL.
            self._add(out, (), None)
        return out

    def _add(
        self,
        out: dict[tuple[int, str], list[dict[str, Any]]],
        keys: Keys,
        row: dict[str, Any] | None,
    ) -> None:
        for s in self.slots:
            if keys and s.rows is not None and row is not None and not row.get(s.rows):
                continue  # the metric's own query has no rows in this group: no group either
            stats: dict[str, Any] = {k: row[k] for k in keys} if row is not None else {}
            for name, empty in s.aggregates:
                value = row[f"{s.metric_id}__{name}"] if row is not None else None
                # count_if (a row count, see _aggregate) is NULL where no row matched.
                stats[name] = empty if value is None else value
            for asked in self.asked[self.sets.index(keys)]:
                out.setdefault((asked, s.metric_id), []).append(stats)


@dataclass
class Batch:
    """The statements of a batch and, per grouping set asked for, the metrics it cannot compute."""

    queries: list[BatchQuery]
    missing: list[list[Missing]]  # one list per asked set, in metric order


def _rename(text: str | None, metric_id: str) -> str | None:
    """An aggregate's argument or condition over this metric's v and ok columns."""
    if text is None:
        return None
    return re.sub(r"\b(v|ok)\b", lambda m: f"{m.group(1)}_{metric_id}", text)


def _slot_agg(agg: Agg, metric_id: str, has_where: bool) -> Agg:
    where = _rename(agg.where, metric_id)
    if has_where:
        where = f"w_{metric_id} AND ({where})" if where else f"w_{metric_id}"
    return replace(agg, name=f"{metric_id}__{agg.name}", arg=_rename(agg.arg, metric_id) or "*",
                   where=where)  # fmt: skip


def compile_batch(
    metrics: Sequence[Metric],
    tables: Sequence[TableInfo],
    *,
    by: str | None = None,
    grain: str | None = None,
    filters: Filters | None = None,
    sets: Sequence[Keys] | None = None,
    dialect: Dialect = DUCKDB,
) -> Batch:
    """One query per table for many metrics and grouping sets (see the module docstring).

    `sets` lists the groupings wanted, each a tuple of "grp" (the `by` column) and/or "period"
    (the `grain`); by default the one grouping `compile_metric` would use. Every set's results
    and missing metrics equal `compile_metric(metric, tables, by=… if "grp" in the set,
    grain=… if "period" in the set, filters=filters)` for each metric.
    """
    if grain is not None and grain not in GRAINS:
        raise ValueError(f"unknown time grain {grain!r}; use one of {', '.join(GRAINS)}")
    default = tuple(k for k, on in (("grp", by), ("period", grain)) if on)
    asked = [tuple(k for k in _KEY_ORDER if k in s) for s in (sets or [default])]
    for s in asked:
        if ("grp" in s and not by) or ("period" in s and not grain):
            raise ValueError(f"grouping set {s} needs by= / grain=")
    missing: list[dict[str, Missing]] = [{} for _ in asked]
    by_table: dict[str, tuple[TableInfo, list[tuple[Metric, Variant]]]] = {}
    for metric in metrics:
        planned = plan(metric, tables)
        if isinstance(planned, Missing):
            for m in missing:
                m[metric.id] = planned
            continue
        entry = by_table.setdefault(planned.table.name, (planned.table, []))
        if all(metric.id != done.id for done, _ in entry[1]):
            entry[1].append((metric, planned.variant))
    queries = []
    for base, planned_metrics in by_table.values():
        q = _table_query(base, tables, planned_metrics, by, grain, filters, asked, missing, dialect)
        if q is not None:
            queries.append(q)
    order = {m.id: i for i, m in enumerate(metrics)}
    return Batch(queries, [sorted(m.values(), key=lambda x: order[x.metric_id]) for m in missing])


def _table_query(
    base: TableInfo,
    tables: Sequence[TableInfo],
    planned: list[tuple[Metric, Variant]],
    by: str | None,
    grain: str | None,
    filters: Filters | None,
    asked: list[Keys],
    missing: list[dict[str, Missing]],
    dialect: Dialect,
) -> BatchQuery | None:
    res = Resolver(base, tables, dialect)
    roles = list(dict.fromkeys(r for _, v in planned for r in v.roles))
    # The same order of resolution as row_query: roles, the segment, the time, the filters.
    select = [f"{res.role(role)} AS {role}" for role in roles]
    found = res.column(by) if by and any("grp" in s for s in asked) else None
    if found is not None:
        select.append(f"{dialect.as_text(found[0])} AS grp")
    dated = grain or (filters and (filters.date_from or filters.date_to))
    time_sql = res.typed_time() if dated else None
    if grain and time_sql is not None and any("period" in s for s in asked):
        select.append(f"{dialect.date_trunc(grain, time_sql)} AS period")
    live: dict[Keys, list[int]] = {}  # a set asked twice is computed once, answered twice
    for i, s in enumerate(asked):
        why = None
        if "grp" in s and found is None:
            why = Missing("", ("segment",), f"'{by}' cannot be linked to this metric's rows")
        elif "period" in s and time_sql is None:
            why = Missing("", ("date",), "needs a date column for a trend")
        if why is None:
            live.setdefault(s, []).append(i)
            continue
        for metric, _ in planned:
            missing[i][metric.id] = replace(why, metric_id=metric.id)
    if not live:
        return None
    where, params, unapplied = filter_clauses(res.column, time_sql, filters, dialect)
    where_sql = ("\n  WHERE " + "\n    AND ".join(where)) if where else ""
    keys = [k for k in _KEY_ORDER if any(k in s for s in live)]

    row_cols, aggs, slots = [], [], []
    for metric, variant in planned:
        mid = metric.id
        row_cols.append(f"{variant.value} AS v_{mid}")
        row_cols.append(f"({variant.valid}) AS ok_{mid}")
        if variant.where:
            row_cols.append(f"({variant.where}) AS w_{mid}")
        for agg in kind_of(metric).aggregates:
            aggs.append(_slot_agg(agg, mid, bool(variant.where)))
        rows = None
        if variant.where and any(live):
            rows = f"{mid}__rows"
            aggs.append(Agg(rows, "count", where=f"w_{mid}"))
        empty = tuple((a.name, _empty(a)) for a in kind_of(metric).aggregates)
        slots.append(Slot(mid, empty, rows))
    body = ",\n    ".join(_fill(c, roles) for c in row_cols + keys)
    select_sql = ",\n    ".join(select)
    ctes = (
        f"WITH t AS (\n  SELECT\n    {select_sql}\n  FROM {res.from_clause()}"
        f"{where_sql}\n),\nr AS (\n  SELECT\n    {body}\n  FROM t\n)"
    )
    items = [f"{_aggregate(a, dialect)} AS {a.name}" for a in aggs]
    live_sets = list(live)
    if len(live_sets) == 1:
        items = [*live_sets[0], *items]
        tail = (
            f"\nGROUP BY {', '.join(live_sets[0])}\nORDER BY {dialect.order_by(live_sets[0])}"
            if live_sets[0]
            else ""
        )
    else:
        # grouping(k) = 1 on the rows of a set that leaves k out (tells them from a NULL group).
        flags = [k for k in keys if any(k not in s for s in live_sets)]
        items = [*keys, *(f"grouping({k}) AS g_{k}" for k in flags), *items]
        grouping = ", ".join(f"({', '.join(s)})" for s in live_sets)
        order = dialect.order_by([*(f"g_{k}" for k in flags), *keys])
        tail = f"\nGROUP BY GROUPING SETS ({grouping})\nORDER BY {order}"
    items_sql = ",\n  ".join(items)
    sql = f"{ctes}\nSELECT\n  {items_sql}\nFROM r{tail}"
    return BatchQuery(
        table=base.name,
        sql=sql,
        params=tuple(params),
        slots=tuple(slots),
        keys=tuple(keys),
        sets=tuple(live_sets),
        asked=tuple(tuple(i) for i in live.values()),
        unapplied_filters=tuple(unapplied),
    )


def _aggregate(agg: Agg, dialect: Dialect) -> str:
    """The dialect's aggregate, with a plain filtered row count as count_if (the same number)."""
    if agg.func == "count" and agg.arg == "*" and agg.where and not agg.cast and agg.wrap == "{}":
        return agg.wrap.format(dialect.count_if(agg.where))
    return dialect.aggregate(agg)


def _empty(agg: Agg) -> object:
    """A statistic's value over no rows: a plain count is 0, everything else NULL."""
    # No kind casts or wraps a count; if one did, NULL would make its estimate NaN, not wrong.
    return 0 if agg.func == "count" and agg.cast is None and agg.wrap == "{}" else None


def _fill(template: str, roles: Sequence[str]) -> str:
    """A metric's per-row SQL over the role columns of t (the placeholders are role names)."""
    out = template
    for role in roles:
        out = out.replace("{" + role + "}", role)
    return out
