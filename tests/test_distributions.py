"""Known-answer tests for uxcx.distributions on small hand-made Parquet files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from uxcx import distributions as D
from uxcx.compute import compute
from uxcx.engines.duckdb import DuckDBEngine
from uxcx.sql import Filters, Missing, TableInfo

# Ten SUS items giving a known score: all 3s → 50; odd 5 / even 1 → 100; the reverse → 0.
SUS_50 = [3] * 10
SUS_100 = [5, 1] * 5
SUS_0 = [1, 5] * 5
SUS_72_5 = [4, 2, 4, 2, 4, 2, 4, 3, 5, 3]  # odd: 3+3+3+3+4 = 16, even: 3+3+3+2+2 = 13 → 72.5
SUS_BAD = [6] + [3] * 9  # an item outside 1–5: out of scale, never counted


def _write(path: Path, df: pd.DataFrame) -> dict[str, str]:
    con = duckdb.connect()
    con.register("df", df)
    con.execute(f"COPY df TO '{path}' (FORMAT parquet)")
    cols = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM '{path}'").fetchall()}
    con.close()
    return cols


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> tuple[DuckDBEngine, list[TableInfo]]:
    """A tiny dataset: a UX survey, a CX survey and a customer table, joined on customer_id."""
    root = tmp_path_factory.mktemp("dist")
    engine = DuckDBEngine(root)
    d = dt.date
    ux = pd.DataFrame(
        [
            ["A", d(2024, 1, 5), *SUS_50],
            ["B", d(2024, 1, 6), *SUS_100],
            ["D", d(2024, 2, 7), *SUS_0],
            ["A", d(2024, 2, 8), *SUS_72_5],
            ["B", d(2024, 2, 9), *SUS_BAD],
        ],
        columns=["customer_id", "date", *[f"q{i}" for i in range(1, 11)]],
    )
    cx = pd.DataFrame(
        {
            "customer_id": ["A", "B", "D", "A", "B", "D", "A"],
            "date": [d(2024, 1, 10)] * 7,
            "nps": [0, 6, 7, 9, 10, 10, 11],
            "csat": [1, 2, 4, 4, 5, 5, 5],
        }
    )
    customers = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D", "E"],
            "plan": ["Pro", "Pro", "Basic", "Basic", "Pro"],
            "signup_date": [
                d(2024, 1, 10),
                d(2024, 1, 31),
                d(2024, 2, 5),
                d(2024, 2, 15),
                d(2024, 4, 1),
            ],  # fmt: skip
            "churned": ["Yes", "No", "Yes", "Yes", "No"],
            "churn_date": [d(2024, 2, 20), None, None, d(2024, 3, 1), None],
            "clv": [100.0, 150.0, 220.0, 980.0, 5000.0],
        }
    )
    tables = []
    for name, df, roles, unique in (
        ("ux", ux, {"customer_id": "customer_id", "date": "date",
                    **{f"sus_q{i}": f"q{i}" for i in range(1, 11)}}, False),
        ("cx", cx, {"customer_id": "customer_id", "date": "date", "nps_score": "nps",
                    "csat_score": "csat"}, False),
        ("customers", customers, {"customer_id": "customer_id", "signup_date": "signup_date",
                                  "churned": "churned", "churn_date": "churn_date", "clv": "clv",
                                  "segment": ["plan"]}, True),
    ):  # fmt: skip
        path = root / f"{name}.parquet"
        cols = _write(path, df)
        tables.append(TableInfo(name, engine.source(path), cols, roles, unique))
    return engine, tables


def test_sus_histogram_known_bins(setup):
    engine, tables = setup
    h = D.sus_histogram(engine, tables, bin_width=5.0)
    assert not isinstance(h, Missing)
    assert len(h.data) == 20 and h.data["bin_start"].tolist()[:2] == [0.0, 5.0]
    counts = dict(zip(h.data["bin_start"], h.data["count"], strict=True))
    # 0 → [0, 5); 50 → [50, 55); 72.5 → [70, 75); 100 → the last bin [95, 100].
    assert {k: v for k, v in counts.items() if v} == {0.0: 1, 50.0: 1, 70.0: 1, 95.0: 1}
    assert h.n == 4 and h.out_of_scale == 1
    assert h.extra["mean"] == pytest.approx((0 + 50 + 72.5 + 100) / 4)
    assert (h.data["bin_end"] - h.data["bin_start"] == 5.0).all()


def test_sus_histogram_matches_the_sus_metric(setup):
    """The histogram counts exactly the respondents the SUS metric counts."""
    engine, tables = setup
    f = Filters(segments={"plan": ["Pro"]})
    h = D.sus_histogram(engine, tables, bin_width=2.5, filters=f)
    (r,), _ = compute(engine, tables, ["sus"], filters=f)
    assert h.n == r.n == 3  # A, B, A (D is Basic; B's bad response is out of scale)
    assert h.extra["mean"] == pytest.approx(r.value)
    assert len(h.data) == 40


def test_sus_histogram_bin_widths():
    with pytest.raises(ValueError):
        D.sus_histogram(None, [], bin_width=3.0)  # type: ignore[arg-type]


def test_scale_counts_fill_every_value(setup):
    engine, tables = setup
    s = D.scale_counts(engine, tables, "nps")
    assert s.data["value"].tolist() == [float(v) for v in range(11)]
    assert s.data["count"].tolist() == [1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 2]
    assert s.n == 6 and s.out_of_scale == 1
    c = D.scale_counts(engine, tables, "csat")
    assert c.data["count"].tolist() == [1, 1, 0, 2, 3]


def test_scale_counts_with_a_joined_filter(setup):
    engine, tables = setup
    s = D.scale_counts(engine, tables, "csat", filters=Filters(segments={"plan": ["Basic"]}))
    assert s.data["count"].tolist() == [0, 0, 0, 1, 1]  # only D's answers (4 and 5)
    assert s.unapplied_filters == ()


def test_scale_counts_missing_role(setup):
    engine, tables = setup
    m = D.scale_counts(engine, tables, "ces")
    assert isinstance(m, Missing) and "CES" in m.reason


def test_value_histogram_round_bins(setup):
    engine, tables = setup
    h = D.value_histogram(engine, tables, "clv", bins=4, tail_quantile=1.0)
    # step (5000 − 100) / 4 = 1225 → rounded up to 2000.
    assert h.data[["bin_start", "bin_end", "count"]].values.tolist() == [
        [0.0, 2000.0, 4],
        [4000.0, 6000.0, 1],
    ]
    assert not h.data["open_ended"].any() and h.n == 5


def test_value_histogram_tail_goes_to_an_open_last_bin(setup):
    engine, tables = setup
    h = D.value_histogram(engine, tables, "clv", bins=4, tail_quantile=0.5)
    # hi = median 220, step 30 → 50; 980 and 5000 join the last bin [200, 250).
    assert h.data[["bin_start", "count", "open_ended"]].values.tolist() == [
        [100.0, 1, False],
        [150.0, 1, False],
        [200.0, 3, True],
    ]


def test_cohort_retention_counts_only_observed_months(setup):
    engine, tables = setup
    c = D.cohort_retention(engine, tables, as_of=dt.date(2024, 4, 15), max_months=3)
    got = [
        (r.cohort, r.months_since, r.customers, r.eligible, r.active) for r in c.data.itertuples()
    ]
    jan, feb = dt.date(2024, 1, 1), dt.date(2024, 2, 1)
    # Jan: A (churned 20 Feb) and B (31 Jan, still active; +3 months is after as_of).
    # Feb: D (churned 1 Mar); C churned without a date and is left out. Apr: E, too young.
    assert got == [
        (jan, 1, 2, 2, 2),
        (jan, 2, 2, 2, 1),
        (feb, 1, 1, 1, 0),
        (feb, 2, 1, 1, 0),
    ]
    assert c.data["share"].tolist() == [1.0, 0.5, 0.0, 0.0]
    assert c.n == 3 and c.extra["as_of"] == dt.date(2024, 4, 15)


def test_cohort_retention_partial_cells_on_request(setup):
    engine, tables = setup
    c = D.cohort_retention(
        engine, tables, as_of=dt.date(2024, 4, 15), max_months=3, complete_only=False
    )
    row = c.data[(c.data.cohort == dt.date(2024, 1, 1)) & (c.data.months_since == 3)].iloc[0]
    assert (row.customers, row.eligible, row.active) == (2, 1, 0)  # only A reached month 3


def test_cohort_retention_filters_and_data_end(setup):
    engine, tables = setup
    assert D.data_end(engine, tables) == dt.date(2024, 4, 1)
    c = D.cohort_retention(
        engine, tables, as_of=dt.date(2024, 4, 15), filters=Filters(segments={"plan": ["Pro"]})
    )
    assert set(c.data["cohort"]) == {dt.date(2024, 1, 1)}
    c = D.cohort_retention(
        engine, tables, as_of=dt.date(2024, 4, 15), filters=Filters(segments={"product": ["x"]})
    )
    assert c.unapplied_filters == ("product",)
    c = D.cohort_retention(
        engine,
        tables,
        as_of=dt.date(2024, 4, 15),
        filters=Filters(date_from=dt.date(2024, 2, 1), date_to=dt.date(2024, 2, 28)),
    )
    assert set(c.data["cohort"]) == {dt.date(2024, 2, 1)}


def test_cohort_retention_with_tenure_instead_of_churn_date(setup, tmp_path):
    engine, _ = setup
    df = pd.DataFrame(
        {
            "id": ["A", "B", "C"],
            "signup": [dt.date(2024, 1, 1)] * 3,
            "churned": [1, 0, 1],
            "tenure": [1, 5, 3],
        }
    )
    path = engine.workspace / "tenure.parquet"
    cols = _write(path, df)
    roles = {"customer_id": "id", "signup_date": "signup", "churned": "churned", "tenure": "tenure"}
    t = TableInfo("t", engine.source(path), cols, roles, True)
    c = D.cohort_retention(engine, [t], as_of=dt.date(2024, 12, 31), max_months=4)
    assert c.data["active"].tolist() == [3, 2, 2, 1]  # A leaves after month 1, C after 3


def test_cohort_retention_missing_roles(setup):
    engine, tables = setup
    m = D.cohort_retention(engine, tables[:2])
    assert isinstance(m, Missing) and "Signup date" in m.reason


def test_nps_composition_frame_from_results(setup):
    engine, tables = setup
    results, _ = compute(engine, tables, ["nps"], grain="month")
    df = D.nps_composition_frame(results)
    assert df[["promoters", "detractors", "n"]].values.tolist() == [[3, 2, 6]]
    frame = D.results_frame(results)
    assert list(frame.columns[:4]) == ["metric", "family", "group", "period"]
