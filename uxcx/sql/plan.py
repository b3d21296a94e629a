"""The planner: which table and variant a metric is read from, and how columns are reached.

Metrics, distributions, cohorts and the retention analysis all plan through here, so the same
metric is always read from the same rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ..metrics import Metric, Variant
from ..roles import ROLE_BY_NAME, RoleKind, RoleMap
from .dialect import DUCKDB, Dialect

Cardinality = Literal["many_to_one", "one_to_one", "many_to_many"]
KeyNormalise = Literal["text", "email"]


@dataclass(frozen=True)
class Join:
    """A link between two tables: left.left_column = right.right_column, left the many side.

    Counts are rows with a key on each side and how many of them found a partner (measured in
    the engine when the link was detected or saved); `origin` is "detected" or "user".
    """

    left: str
    left_column: str
    right: str
    right_column: str
    cardinality: Cardinality = "many_to_one"
    normalise: KeyNormalise = "text"  # email keys compare trimmed and lower-cased
    left_rows: int = 0
    left_matched: int = 0
    right_rows: int = 0
    right_matched: int = 0
    origin: str = "detected"

    @property
    def usable(self) -> bool:
        """Many-to-many links are never followed: they would count rows more than once."""
        return self.cardinality != "many_to_many"

    @property
    def left_rate(self) -> float | None:
        """Share of the left table's keyed rows that found a row on the right."""
        return self.left_matched / self.left_rows if self.left_rows else None

    @property
    def right_rate(self) -> float | None:
        """Share of the right table's keyed rows that found a row on the left."""
        return self.right_matched / self.right_rows if self.right_rows else None

    def label(self) -> str:
        """'reviews.order_id → orders.order_id'."""
        return f"{self.left}.{self.left_column} → {self.right}.{self.right_column}"


@dataclass(frozen=True)
class TableInfo:
    """What the compiler knows about one table: where it lives, its columns and roles."""

    name: str
    source: str  # a SQL FROM item, e.g. read_parquet('/ws/abc/customers.parquet')
    columns: Mapping[str, str]  # column → DuckDB type
    roles: RoleMap
    customer_unique: bool = False  # one row per customer_id: usable as a dimension table
    # Every link of the dataset (the same tuple on each table); None: none recorded, so tables
    # are linked the original way (customer_id to any one-row-per-customer table).
    joins: tuple[Join, ...] | None = None

    def role_column(self, role: str) -> str | None:
        """The column holding a single-column role, or None."""
        value = self.roles.get(role)
        return value if isinstance(value, str) else None

    @property
    def time_column(self) -> str | None:
        """The column trends use: the row's date, else the customer's signup date."""
        return self.role_column("date") or self.role_column("signup_date")

    @property
    def has_customer_id(self) -> bool:
        """Rows name their customer, so they can be linked to other files."""
        return self.role_column("customer_id") is not None


@dataclass(frozen=True)
class Missing:
    """Why a metric cannot be computed: the roles (columns) it needs."""

    metric_id: str
    needs: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Planned:
    """The table and variant a metric is computed from."""

    table: TableInfo
    variant: Variant


def plan(
    metric: Metric,
    tables: Sequence[TableInfo],
    *,
    per_customer: bool = False,
    dialect: Dialect = DUCKDB,
) -> Planned | Missing:
    """Pick the table and variant a metric is computed from, or say what is missing.

    The first variant (registry order) whose roles some table has wins. `per_customer` (the
    retention analysis, which links scores to customers) tries tables with a customer id first,
    including tables that reach one through their links (reviews → orders → customer id).
    """
    ordered = per_customer_tables(tables, dialect) if per_customer else tables
    for variant in metric.variants:
        for t in ordered:
            if set(variant.roles) <= set(t.roles):
                return Planned(t, variant)
    options = [describe_roles(v.roles) for v in metric.variants]
    simplest = min(metric.variants, key=lambda v: len(v.roles)).roles
    return Missing(metric.id, simplest, "needs a column for " + ", or ".join(options))


def describe_roles(roles: Sequence[str]) -> str:
    """'SUS items 1–10' instead of ten labels; otherwise the role labels joined with 'and'."""
    if len(roles) >= 10 and all(r.startswith("sus_q") for r in roles):
        return "SUS items 1–10"
    return " and ".join(ROLE_BY_NAME[r].label for r in roles)


def implicit_joins(tables: Sequence[TableInfo]) -> tuple[Join, ...]:
    """The original rule as links: every table with a customer id → each other one-row-per-
    customer table (one-to-one when both are)."""
    out = []
    for a in tables:
        for b in tables:
            if a.name == b.name or not (a.has_customer_id and b.has_customer_id):
                continue
            if not b.customer_unique or (a.customer_unique and a.name > b.name):
                continue  # a one-to-one pair is one link, followed both ways
            out.append(
                Join(
                    a.name,
                    a.role_column("customer_id") or "",
                    b.name,
                    b.role_column("customer_id") or "",
                    "one_to_one" if a.customer_unique else "many_to_one",
                )
            )
    return tuple(out)


def dataset_joins(tables: Sequence[TableInfo]) -> tuple[Join, ...]:
    """The links the planner follows: the recorded ones, else the customer-id rule."""
    for t in tables:
        if t.joins is not None:
            return t.joins
    return implicit_joins(tables)


@dataclass(frozen=True)
class _Step:
    """How a reachable table is joined: from its parent's alias, on which columns."""

    table: TableInfo
    parent: str  # alias of the table it is joined to ("b" for the base)
    parent_column: str
    column: str
    normalise: KeyNormalise


def _edges(joins: Sequence[Join], name: str) -> list[tuple[str, str, str, KeyNormalise]]:
    """(neighbour, own column, neighbour column) along which rows of `name` stay one row each:
    many-to-one towards the one side, one-to-one either way."""
    out: list[tuple[str, str, str, KeyNormalise]] = []
    for j in joins:
        if not j.usable:
            continue
        if j.left == name:
            out.append((j.right, j.left_column, j.right_column, j.normalise))
        elif j.right == name and j.cardinality == "one_to_one":
            out.append((j.left, j.right_column, j.left_column, j.normalise))
    return out


class Resolver:
    """Finds a column in the base table or in a table its links reach without duplicating rows.

    Links are followed breadth-first (shortest path) and only towards the "one" side, so every
    base row stays one row: reviews → orders → customers, never customers → reviews.
    """

    def __init__(self, base: TableInfo, tables: Sequence[TableInfo], dialect: Dialect = DUCKDB):
        self.base = base
        self.tables = tables
        self.dialect = dialect
        self.joins: dict[str, TableInfo] = {}
        self._links = dataset_joins(tables)
        self._steps = self._reach()

    def _reach(self) -> dict[str, _Step]:
        """alias → step for every reachable table, numbered by (hops, position in `tables`)."""
        by_name = {t.name: t for t in self.tables}
        position = {t.name: i for i, t in enumerate(self.tables)}
        seen = {self.base.name: "b"}
        steps: dict[str, _Step] = {}
        frontier = [self.base.name]
        while frontier:
            found: dict[str, tuple[str, str, str, KeyNormalise]] = {}
            for name in frontier:
                for nb, col, nb_col, norm in _edges(self._links, name):
                    if nb not in seen and nb not in found and nb in by_name:
                        found[nb] = (seen[name], col, nb_col, norm)
            frontier = sorted(found, key=lambda n: position[n])
            for nb in frontier:
                alias = f"d{len(steps)}"
                parent, col, nb_col, norm = found[nb]
                seen[nb] = alias
                steps[alias] = _Step(by_name[nb], parent, col, nb_col, norm)
        return steps

    def _use(self, alias: str) -> None:
        """Join a reachable table, after the tables on its path."""
        parent = self._steps[alias].parent
        if parent != "b" and parent not in self.joins:
            self._use(parent)
        self.joins.setdefault(alias, self._steps[alias].table)

    def reachable(self) -> list[TableInfo]:
        """The tables whose columns this base can read, nearest first."""
        return [s.table for s in self._steps.values()]

    def column(self, name: str) -> tuple[str, str] | None:
        """(qualified SQL reference, type) for a column name, joining when needed."""
        q = self.dialect.quote_ident
        if name in self.base.columns:
            return f"b.{q(name)}", self.base.columns[name]
        for alias, step in self._steps.items():
            if name in step.table.columns:
                self._use(alias)
                return f"{alias}.{q(name)}", step.table.columns[name]
        return None

    def column_of(self, table: str, name: str) -> tuple[str, str] | None:
        """A column of one named table (the base or a reachable one), joining when needed."""
        q = self.dialect.quote_ident
        if table == self.base.name:
            return f"b.{q(name)}", self.base.columns[name]
        for alias, step in self._steps.items():
            if step.table.name == table and name in step.table.columns:
                self._use(alias)
                return f"{alias}.{q(name)}", step.table.columns[name]
        return None

    def why_not(self, name: str) -> str | None:
        """Why a column of another table cannot reach the base's rows, when a many-to-many link
        is the reason (one sentence); None otherwise."""
        holders = [t.name for t in self.tables if name in t.columns and t.name != self.base.name]
        if not holders:
            return None
        other = holders[0]
        for j in self._links:
            if {j.left, j.right} == {self.base.name, other} and not j.usable:
                return (
                    f"'{name}' is in {other}, which shares {j.left_column} with "
                    f"{self.base.name} many-to-many (it repeats on both sides): joining would "
                    "count rows more than once, so uxcx does not join them"
                )
        return None

    def role(self, role: str, kind: RoleKind | None = None) -> str:
        """A role's column of the base table, typed as its role kind (or `kind`)."""
        col = self.base.role_column(role)
        if col is None:
            raise KeyError(role)
        ref = f"b.{self.dialect.quote_ident(col)}"
        return self.dialect.typed_column(
            ref, self.base.columns[col], kind or ROLE_BY_NAME[role].kind
        )

    def time(self) -> tuple[str, str] | None:
        """The time column: the base table's, else the nearest linked table's (signup date)."""
        col = self.base.time_column
        if col:
            return self.column(col)
        for step in self._steps.values():
            if step.table.time_column:
                return self.column(step.table.time_column)
        return None

    def typed_time(self) -> str | None:
        """The time column as a DATE, or None."""
        found = self.time()
        return self.dialect.typed_column(found[0], found[1], "date") if found else None

    def from_clause(self) -> str:
        """The base table and every linked table a column was found in, joined on their keys."""
        d = self.dialect
        parts = [f"{self.base.source} AS b"]
        for alias, t in self.joins.items():
            step = self._steps[alias]
            left = d.join_key(f"{step.parent}.{d.quote_ident(step.parent_column)}", step.normalise)
            right = d.join_key(f"{alias}.{d.quote_ident(step.column)}", step.normalise)
            parts.append(f"LEFT JOIN {t.source} AS {alias} ON {left} = {right}")
        return "\n  ".join(parts)


def customer_view(
    table: TableInfo, tables: Sequence[TableInfo], dialect: Dialect = DUCKDB
) -> TableInfo | None:
    """A table without a customer id seen with the id of the nearest linked table that has one
    (reviews with orders' customer_id), as a subquery; None when no link reaches one.

    The segment columns of the linked tables come along, so a global filter on them (order
    status) applies to these rows as it does in the metrics.
    """
    if table.has_customer_id:
        return None
    res = Resolver(table, tables, dialect)
    q = dialect.quote_ident
    reach = res.reachable()
    holder = next((t for t in reach if t.has_customer_id), None)
    if holder is None:
        return None
    cid = holder.role_column("customer_id") or ""
    found = res.column_of(holder.name, cid)
    if found is None:
        return None
    name = cid
    while name in table.columns:
        name = f"{cid} ({holder.name})"
    extra = {name: found}
    for t in reach:
        segs = t.roles.get("segment") or []
        for col in [segs] if isinstance(segs, str) else segs:
            if col not in table.columns and col not in extra and col != name:
                ref = res.column_of(t.name, col)
                if ref is not None:
                    extra[col] = ref
    cols = "".join(f", {ref} AS {q(col)}" for col, (ref, _typ) in extra.items())
    source = f"(SELECT b.*{cols}\n  FROM {res.from_clause()})"
    return replace(
        table,
        source=source,
        columns={**table.columns, **{c: typ for c, (_ref, typ) in extra.items()}},
        roles={**table.roles, "customer_id": name},
    )


def per_customer_tables(tables: Sequence[TableInfo], dialect: Dialect = DUCKDB) -> list[TableInfo]:
    """Tables whose rows name their customer first (directly, then through links), then the rest."""
    linked = [customer_view(t, tables, dialect) or t for t in tables]
    return sorted(linked, key=lambda t: not t.has_customer_id)
