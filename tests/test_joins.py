"""Joins on any shared key: detection, the planner's chain, known answers, fixes, the CLI.

Known answers are computed with pandas (merges) and scipy on the committed e-commerce export in
tests/data/ecommerce (tests/data/ecommerce/make_fixtures.py writes it): reviews keyed by
order_id, orders keyed by customer_id, one row per customer in customers.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

from tests.helpers import parquet_table
from tests.test_sql_snapshots import FILTERED, TABLES
from uxcx.compute import NO_VALUE, compute
from uxcx.engines.duckdb import DuckDBEngine
from uxcx.metrics import METRICS, get_metric
from uxcx.retention import analyse
from uxcx.sql import Filters, Join, Missing, compile_metric, implicit_joins
from uxcx.store import Workspace
from uxcx.store.joins import detect_joins, join_warnings, key_stem

ECOM = Path(__file__).parent / "data" / "ecommerce"
FILES = ("reviews.csv", "orders.csv", "customers.csv")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """The three shop files as one dataset (ingested once for the module)."""
    ws = Workspace(tmp_path_factory.mktemp("ecom"))
    ds = ws.create_dataset([(f, ECOM / f) for f in FILES])
    return ws, ds


@pytest.fixture(scope="module")
def frames():
    return {f.split(".")[0]: pd.read_csv(ECOM / f) for f in FILES}


@pytest.fixture
def engine(tmp_path):
    return DuckDBEngine(tmp_path)


def test_committed_fixture_matches_its_generator():
    import importlib.util

    import numpy as np

    spec = importlib.util.spec_from_file_location("ecom_fixtures", ECOM / "make_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    made = mod.make(np.random.default_rng(mod.SEED))
    for name, df in zip(("customers", "orders", "reviews"), made, strict=True):
        assert (ECOM / f"{name}.csv").read_text() == df.to_csv(index=False), name


# ---- detection --------------------------------------------------------------------------
def test_key_stems_name_what_a_key_identifies():
    assert key_stem("order_id") == ("order", "text")
    assert key_stem("Order ID") == ("order", "text")
    assert key_stem("OrderId") == ("order", "text")
    assert key_stem("Order Number") == ("order", "text")
    assert key_stem("E-mail address") == ("email", "email")
    assert key_stem("ResponseId") == ("response", "text")
    assert key_stem("Account No") == ("account", "text")
    assert key_stem("id") is None  # a bare id names a different thing in every file
    assert key_stem("status") is None


def test_shop_export_links_reviews_to_orders_to_customers(shop):
    _ws, ds = shop
    by_pair = {(j.left, j.right): j for j in ds.joins}
    assert set(by_pair) == {("reviews", "orders"), ("orders", "customers")}
    r = by_pair[("reviews", "orders")]
    assert (r.left_column, r.right_column) == ("order_id", "order_id")
    # Each order is reviewed at most once; 4% of the reviews carry a mistyped order number.
    assert r.cardinality == "one_to_one"
    reviews = pd.read_csv(ECOM / "reviews.csv")
    orders = pd.read_csv(ECOM / "orders.csv")
    matched = reviews["order_id"].isin(orders["order_id"])
    assert (r.left_rows, r.left_matched) == (len(reviews), int(matched.sum()))
    assert r.left_rate == pytest.approx(matched.mean())
    o = by_pair[("orders", "customers")]
    assert o.cardinality == "many_to_one" and o.left_column == "customer_id"
    customers = pd.read_csv(ECOM / "customers.csv")
    assert o.left_matched == int(orders["customer_id"].isin(customers["customer_id"]).sum())
    assert o.right_matched == int(customers["customer_id"].isin(orders["customer_id"]).sum())
    assert join_warnings(ds.joins) == []  # 96% and 96%: nothing to warn about


def test_shared_name_without_shared_values_is_no_link(engine):
    a = parquet_table(engine, "a", {"session_id": ["S1", "S2", "S3"], "x": [1, 2, 3]}, {})
    b = parquet_table(engine, "b", {"session_id": ["UT1", "UT2"], "y": [1, 2]}, {})
    assert detect_joins(engine, [a, b]) == []


def test_value_overlap_sets_direction_and_cardinality(engine):
    # Header spelt differently, values shared: orders' "Order Number" is unique → the one side.
    lines = parquet_table(
        engine, "lines", {"order id": [1, 1, 2, 3, 9], "sku": ["a", "b", "a", "c", "d"]}, {}
    )
    orders = parquet_table(
        engine, "orders", {"Order Number": [1, 2, 3, 4], "status": ["x", "y", "x", "y"]}, {}
    )
    (j,) = detect_joins(engine, [orders, lines])
    assert (j.left, j.left_column, j.right, j.right_column) == (
        "lines",
        "order id",
        "orders",
        "Order Number",
    )
    assert j.cardinality == "many_to_one"
    assert (j.left_rows, j.left_matched, j.right_rows, j.right_matched) == (5, 4, 4, 3)


def test_email_keys_match_trimmed_and_lower_cased(engine):
    crm = parquet_table(
        engine,
        "crm",
        {"Email": ["Ann@Shop.com", "bob@shop.com ", "cy@shop.com"], "plan": ["a", "b", "a"]},
        {},
    )
    survey = parquet_table(
        engine,
        "survey",
        {"email address": [" ann@shop.com", "BOB@SHOP.COM", "bob@shop.com", "zed@x.org"]},
        {},
    )
    (j,) = detect_joins(engine, [crm, survey])
    assert j.normalise == "email" and j.left == "survey" and j.cardinality == "many_to_one"
    assert (j.left_matched, j.left_rows) == (3, 4)
    q = compile_metric(
        get_metric("nps"),
        [
            dataclasses.replace(
                survey,
                columns={**survey.columns, "ltr": "BIGINT"},
                roles={"nps_score": "ltr"},
                joins=(j,),
            ),
            dataclasses.replace(crm, joins=(j,)),
        ],
        by="plan",
    )
    assert 'lower(trim(CAST(b."email address" AS VARCHAR)))' in q.sql


def test_low_match_warns_in_one_sentence(engine):
    reviews = parquet_table(engine, "reviews", {"order_id": [1, 1, 2, 3, 5, 6, 7, 8, 9, 10]}, {})
    orders = parquet_table(engine, "orders", {"order_id": [1, 2, 3, 4], "status": list("abab")}, {})
    (j,) = detect_joins(engine, [reviews, orders])
    assert j.left_rate == pytest.approx(0.4)
    (w,) = join_warnings([j])
    assert w.startswith("Only 40% of reviews rows found a match in orders")
    assert "60%" in w and "empty group" in w


def test_many_to_many_is_recorded_but_refused_with_a_reason(engine):
    # Two order-line exports: the order id repeats on both sides.
    reviews = parquet_table(
        engine,
        "reviews",
        {"order_id": [1, 1, 2, 3], "csat": [5, 4, 2, 5]},
        {"csat_score": "csat"},
    )
    lines = parquet_table(
        engine, "lines", {"order_id": [1, 2, 2, 3], "sku": ["a", "b", "c", "a"]}, {}
    )
    (j,) = detect_joins(engine, [reviews, lines])
    assert j.cardinality == "many_to_many" and not j.usable
    tables = [dataclasses.replace(t, joins=(j,)) for t in (reviews, lines)]
    q = compile_metric(get_metric("csat"), tables, by="sku")
    assert isinstance(q, Missing)
    assert "many-to-many" in q.reason and "count rows more than once" in q.reason
    (w,) = join_warnings([j])
    assert "not used" in w


def test_many_to_many_between_files_that_meet_in_a_third_is_dropped(engine):
    cust = {"customer_id": ["C1", "C2", "C3"]}
    a = parquet_table(
        engine, "a", {"customer_id": ["C1", "C1", "C2"]}, {"customer_id": "customer_id"}
    )
    b = parquet_table(
        engine, "b", {"customer_id": ["C2", "C2", "C3"]}, {"customer_id": "customer_id"}
    )
    c = parquet_table(engine, "c", cust, {"customer_id": "customer_id"}, unique=True)
    joins = detect_joins(engine, [a, b, c])
    assert {(j.left, j.right) for j in joins} == {("a", "c"), ("b", "c")}


# ---- the planner: one planner, old SQL unchanged -----------------------------------------
def _explicit(tables):
    """The customer-id links detection records for these tables, as explicit links."""
    joins = implicit_joins(tables)
    return [dataclasses.replace(t, joins=joins) for t in tables]


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: m.id)
def test_recorded_customer_id_links_compile_byte_identically(metric):
    # The snapshots pin the SQL of datasets without recorded links; recording the same
    # customer-id links must not change a byte of it, overall or by plan × month × filters.
    for kwargs in ({}, {"by": "plan", "grain": "month", "filters": FILTERED}):
        old = compile_metric(metric, TABLES, **kwargs)
        new = compile_metric(metric, _explicit(TABLES), **kwargs)
        assert not isinstance(old, Missing) and not isinstance(new, Missing)
        assert (new.sql, new.params) == (old.sql, old.params)


def test_chain_reaches_two_hops_and_never_the_many_side(shop):
    ws, ds = shop
    tables = ds.table_infos(ws.engine)
    q = compile_metric(get_metric("csat"), tables, by="plan")
    assert q.sql.count("LEFT JOIN") == 2
    assert 'ON CAST(d0."customer_id" AS VARCHAR) = CAST(d1."customer_id" AS VARCHAR)' in q.sql
    # Churn is counted on customers: a review column would repeat each customer.
    churn = compile_metric(get_metric("churn_rate"), tables, by="csat")
    assert isinstance(churn, Missing)


def test_chain_renders_in_spark_sql(shop):
    from uxcx.retention import build_query
    from uxcx.sql import SPARK

    ws, ds = shop
    tables = ds.table_infos(ws.engine)
    q = compile_metric(get_metric("csat"), tables, by="plan", dialect=SPARK)
    assert "ON CAST(d0.`customer_id` AS STRING) = CAST(d1.`customer_id` AS STRING)" in q.sql
    rq = build_query(tables, "csat", "churned", dialect=SPARK)
    assert '"' not in rq.sql.replace("'", "")  # no DuckDB-quoted identifier in the view


# ---- known answers -------------------------------------------------------------------------
def _csat(s: pd.Series) -> float:
    return float((s >= 4).mean() * 100)


def test_csat_by_order_status_matches_pandas(shop, frames):
    ws, ds = shop
    merged = frames["reviews"].merge(frames["orders"], on="order_id", how="left")
    expected = merged.groupby("status")["csat"].agg([_csat, "size"])
    results, missing = compute(ws.engine, ds.table_infos(ws.engine), ["csat"], by="status")
    assert not missing
    got = {r.group: (r.value, r.n) for r in results}
    for status, row in expected.iterrows():
        assert got[status][0] == pytest.approx(row["_csat"])
        assert got[status][1] == row["size"]
    unmatched = merged[merged["status"].isna()]["csat"]
    assert got[NO_VALUE] == (pytest.approx(_csat(unmatched)), len(unmatched))
    assert None not in got  # a null group means the whole data in the JSON contract


def test_csat_by_plan_two_hops_and_filters_through_links(shop, frames):
    ws, ds = shop
    tables = ds.table_infos(ws.engine)
    merged = (
        frames["reviews"]
        .merge(frames["orders"], on="order_id", how="left")
        .merge(frames["customers"], on="customer_id", how="left")
    )
    results, _ = compute(ws.engine, tables, ["csat"], by="plan")
    got = {r.group: r.value for r in results}
    for plan, v in merged.groupby("plan")["csat"].agg(_csat).items():
        assert got[plan] == pytest.approx(v)
    # A filter on a column two links away (plan) and one on orders (status) at once.
    f = Filters(segments={"plan": ["Premium"], "status": ["delivered", "shipped"]})
    (r,), _ = compute(ws.engine, tables, ["csat"], filters=f)
    sel = merged[(merged["plan"] == "Premium") & merged["status"].isin(["delivered", "shipped"])]
    assert (r.value, r.n) == (pytest.approx(_csat(sel["csat"])), len(sel))


def test_reviews_against_churn_matches_scipy(shop, frames):
    ws, ds = shop
    a = analyse(ws.engine, ds.table_infos(ws.engine), "csat", "churned")
    per = (
        frames["reviews"]
        .merge(frames["orders"], on="order_id")
        .groupby("customer_id")["csat"]
        .mean()
        .rename("x")
        .reset_index()
        .merge(frames["customers"], on="customer_id")
    )
    y = (per["churned"] == "yes").astype(float)
    assert a.n == len(per)
    assert a.pearson.r == pytest.approx(stats.pearsonr(per["x"], y).statistic, abs=1e-6)
    assert a.spearman.r == pytest.approx(stats.spearmanr(per["x"], y).statistic, abs=1e-6)
    assert a.pearson.r < -0.2  # the fixture's churn depends on satisfaction


def test_reviews_against_churn_filtered_by_a_linked_column(shop, frames):
    ws, ds = shop
    f = Filters(segments={"status": ["delivered"]})
    a = analyse(ws.engine, ds.table_infos(ws.engine), "csat", "churned", f)
    merged = frames["reviews"].merge(frames["orders"], on="order_id")
    per = (
        merged[merged["status"] == "delivered"]
        .groupby("customer_id")["csat"]
        .mean()
        .rename("x")
        .reset_index()
        .merge(frames["customers"], on="customer_id")
    )
    y = (per["churned"] == "yes").astype(float)
    assert a.n == len(per)
    assert a.pearson.r == pytest.approx(stats.pearsonr(per["x"], y).statistic, abs=1e-6)


# ---- fixing the links ----------------------------------------------------------------------
def test_fixes_persist_in_the_manifest(tmp_path):
    ws = Workspace(tmp_path)
    ds = ws.create_dataset([(f, ECOM / f) for f in FILES])
    before = ds.version
    with pytest.raises(ValueError, match="not in orders"):
        ws.add_join(ds, "reviews", "order_id", "orders", "nope")
    ws.remove_join(ds, "reviews.order_id → orders.order_id")
    again = ws.open(ds.id)
    assert again.joins_edited and again.version != before
    assert [j.label() for j in again.joins] == ["orders.customer_id → customers.customer_id"]
    tables = again.table_infos(ws.engine)
    assert isinstance(compile_metric(get_metric("csat"), tables, by="status"), Missing)
    # A wrong key column matches nothing: the link is kept and the warning says so.
    j = ws.add_join(again, "reviews", "review_id", "orders", "order_id")
    assert j.origin == "user" and j.left_matched == 0
    assert any("0% of reviews" in w for w in join_warnings(ws.open(ds.id).joins))
    ws.add_join(again, "reviews", "order_id", "orders", "order_id")  # replaces the wrong one
    fixed = ws.open(ds.id)
    assert [j.label() for j in fixed.joins][0] == "reviews.order_id → orders.order_id"
    assert len(fixed.joins) == 2
    results, _ = compute(ws.engine, fixed.table_infos(ws.engine), ["csat"], by="status")
    assert "delivered" in {r.group for r in results}
    ws.reset_joins(fixed)
    assert not ws.open(ds.id).joins_edited


def test_added_files_link_and_hand_made_links_survive(tmp_path):
    ws = Workspace(tmp_path)
    ds = ws.create_dataset([("reviews.csv", ECOM / "reviews.csv")])
    assert ds.joins == []
    more = ws.extend_dataset(ds, [("orders.csv", ECOM / "orders.csv")])
    assert [j.label() for j in more.joins] == ["reviews.order_id → orders.order_id"]
    ws.remove_join(more, "reviews.order_id → orders.order_id")
    third = ws.extend_dataset(ws.open(more.id), [("customers.csv", ECOM / "customers.csv")])
    # The removed link stays removed; the new file's link is detected.
    assert [j.label() for j in third.joins] == ["orders.customer_id → customers.customer_id"]
    assert third.joins_edited


def test_a_new_customer_id_mapping_detects_the_links_again(tmp_path):
    ws = Workspace(tmp_path)
    orders = b"order_id,buyer,status\n" + b"".join(
        f"{i},CUS-{1 + i % 40:04d},{('open', 'paid')[i % 2]}\n".encode() for i in range(120)
    )
    ds = ws.create_dataset([("orders.csv", orders), ("customers.csv", ECOM / "customers.csv")])
    assert "customer_id" not in ds.table("orders").roles and ds.joins == []
    ws.set_roles(ds, "orders", {**ds.table("orders").roles, "customer_id": "buyer"})
    (j,) = ws.open(ds.id).joins
    assert j.label() == "orders.buyer → customers.customer_id"
    assert (j.left_matched, j.left_rows) == (120, 120)


def test_old_manifest_without_links_joins_on_customer_id(tmp_path):
    ws = Workspace(tmp_path)
    ds = ws.create_dataset([(f, ECOM / f) for f in ("orders.csv", "customers.csv")])
    m = json.loads((ds.root / "manifest.json").read_text())
    del m["joins"], m["joins_edited"]
    (ds.root / "manifest.json").write_text(json.dumps(m))
    old = ws.open(ds.id)
    assert old.joins is None
    tables = old.table_infos(ws.engine)
    assert all(t.joins is None for t in tables)
    (r, *_), _ = compute(ws.engine, tables, ["churn_rate"])
    assert r.n == 300


def test_join_is_a_plain_record():
    j = Join("a", "k", "b", "k", left_rows=4, left_matched=3)
    assert j.label() == "a.k → b.k" and j.left_rate == 0.75 and j.right_rate is None


# ---- CLI -------------------------------------------------------------------------------------
def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "uxcx", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )


def _scipy_r(frames) -> float:
    """Pearson r of each customer's mean CSAT (reviews → orders) with churned, by scipy."""
    per = (
        frames["reviews"]
        .merge(frames["orders"], on="order_id")
        .groupby("customer_id")["csat"]
        .mean()
        .reset_index()
        .merge(frames["customers"], on="customer_id")
    )
    return float(stats.pearsonr(per["csat"], per["churned"] == "yes").statistic)


def test_cli_metrics_uses_the_same_links(frames):
    files = [str(ECOM / f) for f in FILES]
    out = _cli("metrics", *files, "--by", "status", "--metric", "csat", "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {"engine", "datasets", "metrics", "missing"}  # the contract's fields
    groups = {m["group"] for m in data["metrics"]}
    assert {None, "delivered", "returned", NO_VALUE} <= groups
    links = _cli("metrics", *files, "--joins", "--format", "json")
    assert links.returncode == 0, links.stderr
    joins = json.loads(links.stdout)["joins"]
    assert {(j["left"], j["right"], j["used"]) for j in joins} == {
        ("reviews", "orders", True),
        ("orders", "customers", True),
    }
    corr = _cli("correlate", *files, "--ux", "csat", "--outcome", "churned", "--format", "json")
    assert corr.returncode == 0, corr.stderr
    assert json.loads(corr.stdout)["pearson"]["r"] == pytest.approx(_scipy_r(frames), abs=1e-5)
    table = _cli("metrics", *files, "--joins")
    assert "reviews.order_id → orders.order_id  one-to-one  96% of reviews rows matched" in (
        table.stdout
    )
