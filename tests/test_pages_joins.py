"""The Data page's links between files (AppTest): graph, match rates, warnings, fixes, viewers."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from uxcx.store import Shares, Workspace

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
ECOM = ROOT / "tests" / "data" / "ecommerce"
FILES = ("reviews.csv", "orders.csv", "customers.csv")
TIMEOUT = 60


@pytest.fixture(scope="module")
def shop(app_workspace):
    ws = Workspace(app_workspace)
    return ws, ws.create_dataset([(f, ECOM / f) for f in FILES], name="shop")


def data_page(params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def links_table(at: AppTest):
    (df,) = [d.value for d in at.dataframe if "Link" in d.value.columns]
    return df.set_index("Link")


def test_data_page_shows_the_join_graph_with_match_rates(shop):
    _ws, ds = shop
    at = data_page({"dataset": ds.id})
    assert "How the files link" in [s.value for s in at.subheader]
    links = links_table(at)
    assert links.loc["reviews.order_id → orders.order_id", "Matched"].startswith(
        "96% of reviews (575 of 600)"
    )
    assert links.loc["orders.customer_id → customers.customer_id", "Kind"] == "many → one"
    (graph,) = at.get("graphviz_chart")
    assert "reviews" in graph.proto.spec and "96% matched" in graph.proto.spec
    assert not at.warning
    assert any(b.label == "Save link" for b in at.button)


def test_owner_fixes_a_link_and_sees_the_low_match_warning(shop, app_workspace):
    ws, _ = shop
    ds = ws.create_dataset([(f, ECOM / f) for f in FILES], name="shop to fix")
    at = data_page({"dataset": ds.id})
    at.selectbox(key="data_joins_left").set_value("reviews").run()
    at.selectbox(key="data_joins_lcol").set_value("review_id").run()
    at.selectbox(key="data_joins_right").set_value("orders").run()
    at.selectbox(key="data_joins_rcol").set_value("order_id").run()
    next(b for b in at.button if b.label == "Save link").click().run()
    assert not at.exception
    saved = Workspace(app_workspace).open(ds.id)
    assert saved.joins_edited and saved.joins[0].left_column == "review_id"
    links = links_table(at)
    assert links.loc["reviews.review_id → orders.order_id", "Set by"] == "you"
    assert any("Only 0% of reviews rows found a match" in w.value for w in at.warning)
    # Remove the wrong link, then go back to what uxcx detected.
    at.selectbox(key="data_joins_gone").set_value("reviews.review_id → orders.order_id").run()
    next(b for b in at.button if b.label == "Remove link").click().run()
    assert "reviews.review_id → orders.order_id" not in links_table(at).index
    next(b for b in at.button if b.label == "Detect the links again").click().run()
    assert "reviews.order_id → orders.order_id" in links_table(at).index
    assert not Workspace(app_workspace).open(ds.id).joins_edited


def test_viewers_see_the_links_but_cannot_change_them(shop):
    ws, ds = shop
    token, _ = Shares(ws.root).create(ds.id)
    at = data_page({"share": token})
    assert "reviews.order_id → orders.order_id" in links_table(at).index
    labels = {b.label for b in at.button}
    assert not labels & {"Save link", "Remove link", "Detect the links again"}
    assert not [e for e in at.expander if e.label == "Fix the links"]


def test_retention_page_relates_reviews_csat_to_churn(shop):
    _ws, ds = shop
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["dataset"] = ds.id
    at.run()
    at.switch_page("pages/retention.py").run()
    assert not at.exception, [e.message for e in at.exception]
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "needs" not in [e.value for e in at.error]
    assert "CSAT" in text


def test_upload_page_says_how_the_loaded_files_link(shop):
    _ws, ds = shop
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["dataset"] = ds.id
    at.run()
    at.switch_page("pages/upload.py").run()
    assert not at.exception, [e.message for e in at.exception]
    (line,) = [c.value for c in at.caption if c.value.startswith("Linked: ")]
    assert "reviews.order_id → orders.order_id (96% matched)" in line
