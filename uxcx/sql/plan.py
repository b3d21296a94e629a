"""The planner: which table and variant a metric is read from, and how columns are reached.

Metrics, distributions, cohorts and the retention analysis all plan through here, so the same
metric is always read from the same rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..metrics import Metric, Variant
from ..roles import ROLE_BY_NAME, RoleKind, RoleMap
from .dialect import DUCKDB, Dialect


@dataclass(frozen=True)
class TableInfo:
    """What the compiler knows about one table: where it lives, its columns and roles."""

    name: str
    source: str  # a SQL FROM item, e.g. read_parquet('/ws/abc/customers.parquet')
    columns: Mapping[str, str]  # column → DuckDB type
    roles: RoleMap
    customer_unique: bool = False  # one row per customer_id: usable as a dimension table

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
    metric: Metric, tables: Sequence[TableInfo], *, per_customer: bool = False
) -> Planned | Missing:
    """Pick the table and variant a metric is computed from, or say what is missing.

    The first variant (registry order) whose roles some table has wins. `per_customer` (the
    retention analysis, which links scores to customers) tries tables with a customer id first.
    """
    ordered = sorted(tables, key=lambda t: not t.has_customer_id) if per_customer else tables
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


class Resolver:
    """Finds a column in the base table or, via customer_id, in a one-row-per-customer table."""

    def __init__(self, base: TableInfo, tables: Sequence[TableInfo], dialect: Dialect = DUCKDB):
        self.base = base
        self.tables = tables
        self.dialect = dialect
        self.joins: dict[str, TableInfo] = {}

    def _dimension_tables(self) -> list[TableInfo]:
        if not self.base.has_customer_id:
            return []
        return [
            t
            for t in self.tables
            if t.name != self.base.name and t.customer_unique and t.has_customer_id
        ]

    def column(self, name: str) -> tuple[str, str] | None:
        """(qualified SQL reference, type) for a column name, joining when needed."""
        q = self.dialect.quote_ident
        if name in self.base.columns:
            return f"b.{q(name)}", self.base.columns[name]
        for i, t in enumerate(self._dimension_tables()):
            if name in t.columns:
                alias = f"d{i}"
                self.joins[alias] = t
                return f"{alias}.{q(name)}", t.columns[name]
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
        """The time column: the base table's, else a joined customer table's signup date."""
        col = self.base.time_column
        if col:
            return self.column(col)
        for t in self._dimension_tables():
            if t.time_column:
                return self.column(t.time_column)
        return None

    def typed_time(self) -> str | None:
        """The time column as a DATE, or None."""
        found = self.time()
        return self.dialect.typed_column(found[0], found[1], "date") if found else None

    def from_clause(self) -> str:
        """The base table and every dimension table a column was found in, joined on the id."""
        d = self.dialect
        parts = [f"{self.base.source} AS b"]
        base_id = d.quote_ident(self.base.role_column("customer_id") or "")
        for alias, t in self.joins.items():
            dim_id = d.quote_ident(t.role_column("customer_id") or "")
            parts.append(
                f"LEFT JOIN {t.source} AS {alias} "
                f"ON {d.as_text(f'b.{base_id}')} = {d.as_text(f'{alias}.{dim_id}')}"
            )
        return "\n  ".join(parts)
