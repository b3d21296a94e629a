"""SQL generation: planner, compiler, filters and the dialect seam (no engine is imported here)."""

from .batch import Batch, BatchQuery, compile_batch
from .compile import GRAINS, CompiledQuery, RowQuery, aggregate, compile_metric, row_query
from .dialect import DUCKDB, SPARK, Dialect, SparkDialect
from .filters import Filters, filter_clauses
from .plan import (
    Join,
    Missing,
    Planned,
    Resolver,
    TableInfo,
    customer_view,
    dataset_joins,
    describe_roles,
    implicit_joins,
    per_customer_tables,
    plan,
)

quote_ident = DUCKDB.quote_ident
quote_literal = DUCKDB.quote_literal

__all__ = [
    "DUCKDB",
    "SPARK",
    "GRAINS",
    "Batch",
    "BatchQuery",
    "CompiledQuery",
    "Dialect",
    "Filters",
    "Join",
    "Missing",
    "Planned",
    "Resolver",
    "RowQuery",
    "SparkDialect",
    "TableInfo",
    "aggregate",
    "compile_batch",
    "compile_metric",
    "customer_view",
    "dataset_joins",
    "describe_roles",
    "filter_clauses",
    "implicit_joins",
    "per_customer_tables",
    "plan",
    "quote_ident",
    "quote_literal",
    "row_query",
]
