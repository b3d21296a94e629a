"""Which files of a dataset link to which: join keys from shared names and overlapping values.

A candidate is a pair of key-like columns in two tables that name the same thing (order id ↔
order_id, both e-mail columns, or both mapped as the customer id). Its overlap is counted in the
engine (only the counts leave it): rows with a key on each side, how many found a partner, and
whether a key repeats, which gives the cardinality. The planner follows many-to-one and
one-to-one links; many-to-many links are recorded (and shown) but never followed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..engines import Engine
from ..roles import normalise_header
from ..sql import Join, TableInfo
from ..sql.plan import Cardinality, KeyNormalise

# Below this share of the many side's rows matched, the Data page warns about the link.
LOW_MATCH = 0.5

_KEY_SUFFIX = re.compile(r"^(.*?)[ \-.]?(id|key|no|nr|number|num|code|uuid|ref|reference)$")
_EMAIL = re.compile(r"e-?mail")


def key_stem(column: str) -> tuple[str, KeyNormalise] | None:
    """What a key-like header names ("order" for "Order ID", "email" for "E-mail address")."""
    header = normalise_header(column)
    if _EMAIL.search(header):
        return "email", "email"
    m = _KEY_SUFFIX.match(header)
    if m is None:
        return None
    stem = m.group(1).strip(" -.#")
    # A bare "id" (or "no") names a different thing in every file: never a link by name alone.
    return (stem, "text") if stem else None


def _candidates(a: TableInfo, b: TableInfo) -> list[tuple[str, str, KeyNormalise]]:
    """(column of a, column of b, normalisation) pairs that may be the same key."""
    out: list[tuple[str, str, KeyNormalise]] = []
    ca, cb = a.role_column("customer_id"), b.role_column("customer_id")
    if ca and cb:
        out.append((ca, cb, "text"))
    stems_b = {c: key_stem(c) for c in b.columns}
    for col_a in a.columns:
        stem_a = key_stem(col_a)
        if stem_a is None:
            continue
        for col_b, stem_b in stems_b.items():
            if stem_b == stem_a and (col_a, col_b) not in {(x, y) for x, y, _ in out}:
                out.append((col_a, col_b, stem_a[1]))
    return out


def measure_join(
    engine: Engine,
    a: TableInfo,
    col_a: str,
    b: TableInfo,
    col_b: str,
    normalise: KeyNormalise = "text",
    origin: str = "detected",
) -> Join:
    """Count the overlap of a.col_a and b.col_b in the engine; the many side becomes `left`."""
    d = engine.dialect
    ka = d.join_key(d.quote_ident(col_a), normalise)
    kb = d.join_key(d.quote_ident(col_b), normalise)
    sql = f"""
WITH ka AS (SELECT {ka} AS k, count(*) AS n FROM {a.source} WHERE {ka} <> '' GROUP BY 1),
kb AS (SELECT {kb} AS k, count(*) AS n FROM {b.source} WHERE {kb} <> '' GROUP BY 1),
both_ AS (SELECT ka.n AS na, kb.n AS nb FROM ka JOIN kb ON ka.k = kb.k)
SELECT
  (SELECT coalesce(sum(n), 0) FROM ka) AS a_rows,
  (SELECT coalesce(max(n), 0) FROM ka) AS a_max,
  (SELECT coalesce(sum(n), 0) FROM kb) AS b_rows,
  (SELECT coalesce(max(n), 0) FROM kb) AS b_max,
  (SELECT coalesce(sum(na), 0) FROM both_) AS a_matched,
  (SELECT coalesce(sum(nb), 0) FROM both_) AS b_matched
"""
    r = engine.rows(sql)[0]
    a_unique, b_unique = int(r["a_max"]) <= 1, int(r["b_max"]) <= 1
    card: Cardinality
    # The many side goes left; of a one-to-one pair the smaller file, whose rows should all
    # find a partner (every review an order, not every order a review).
    swap = (not b_unique and a_unique) or (
        a_unique and b_unique and int(r["a_rows"]) > int(r["b_rows"])
    )
    if a_unique and b_unique:
        card = "one_to_one"
    elif a_unique or b_unique:
        card = "many_to_one"
    else:
        card = "many_to_many"
    if swap:
        a, col_a, b, col_b = b, col_b, a, col_a
        r = {
            "a_rows": r["b_rows"],
            "a_matched": r["b_matched"],
            "b_rows": r["a_rows"],
            "b_matched": r["a_matched"],
        }
    return Join(
        a.name,
        col_a,
        b.name,
        col_b,
        card,
        normalise,
        left_rows=int(r["a_rows"]),
        left_matched=int(r["a_matched"]),
        right_rows=int(r["b_rows"]),
        right_matched=int(r["b_matched"]),
        origin=origin,
    )


def detect_joins(engine: Engine, tables: Sequence[TableInfo]) -> list[Join]:
    """Every link between the tables: shared key names whose values overlap, and customer ids.

    Customer-id links are kept even without overlap (files that share a customer id have always
    been joined on it; the Data page then warns). Many-to-many links between two tables that
    already meet in a third one on the same key (two event files and the customer table) say
    nothing new and are dropped.
    """
    found: list[Join] = []
    for i, a in enumerate(tables):
        for b in tables[i + 1 :]:
            for col_a, col_b, norm in _candidates(a, b):
                j = measure_join(engine, a, col_a, b, col_b, norm)
                by_role = col_a == a.role_column("customer_id") and col_b == b.role_column(
                    "customer_id"
                )
                if j.left_matched > 0 or by_role:
                    found.append(j)
    found = [j for j in found if j.usable or not _meet_elsewhere(j, found)]
    # The planner follows the first usable link between two tables: best match first.
    return sorted(found, key=lambda j: (not j.usable, -(j.left_rate or 0.0)))


def _meet_elsewhere(j: Join, joins: Sequence[Join]) -> bool:
    """Both tables of a many-to-many link reach a third table on the same columns."""

    def ends(name: str, col: str) -> set[tuple[str, str]]:
        return {
            (x.right, x.right_column)
            for x in joins
            if x.usable and (x.left, x.left_column) == (name, col)
        }

    return bool(ends(j.left, j.left_column) & ends(j.right, j.right_column))


def remeasure(engine: Engine, tables: Sequence[TableInfo], joins: Sequence[Join]) -> list[Join]:
    """Links whose tables and columns still exist, counted again (origin kept)."""
    by_name = {t.name: t for t in tables}
    out = []
    for j in joins:
        a, b = by_name.get(j.left), by_name.get(j.right)
        if a is None or b is None or j.left_column not in a.columns:
            continue
        if j.right_column not in b.columns:
            continue
        fresh = measure_join(engine, a, j.left_column, b, j.right_column, j.normalise, j.origin)
        out.append(fresh)
    return out


def join_warnings(joins: Sequence[Join]) -> list[str]:
    """One sentence per link that is not followed or matches few rows of its many side."""
    out = []
    for j in joins:
        if not j.usable:
            out.append(
                f"{j.label()} is not used: {j.left_column} repeats on both sides, so joining "
                "would count rows more than once. Link each file to a table with one row per "
                "key instead."
            )
            continue
        rate = j.left_rate
        if rate is not None and rate < LOW_MATCH:
            out.append(
                f"Only {rate:.0%} of {j.left} rows found a match in {j.right} ({j.label()}). "
                f"Breakdowns and filters by {j.right}'s columns, and the link to customers, "
                f"cover only those rows: the other {1 - rate:.0%} show as an empty group or "
                "are left out. Check that the key column is the right one."
            )
        elif j.left_rows == 0:
            out.append(f"{j.label()} has no keys on the {j.left} side, so nothing is linked.")
    return out
