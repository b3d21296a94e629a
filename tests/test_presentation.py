"""The app's non-Streamlit logic, now in the library: tiles, tables, filters text, Explore helpers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from uxcx.compute import MetricResult
from uxcx.explore import default_metrics, mostly_low_n, safe_filename, unapplied_note
from uxcx.labels import describe_filters
from uxcx.periods import Periods, period_caption, periods
from uxcx.results import against_benchmark, group_order, missing_for, unapplied_of
from uxcx.sql import Filters, Missing
from uxcx.store import Dataset, TableEntry
from uxcx.tables import NO_ROLE, friendly_type, role_rows, roles_from_rows
from uxcx.tiles import per_request, tile_data


def result(metric: str = "nps", n: int = 50, **kw) -> MetricResult:
    base = dict(label=metric, family="CX", group=None, period=None, value=10.0, ci_low=5.0,
                ci_high=15.0, method="m", unit="", table="survey",
                stats={"promoters": 20, "detractors": 15, "n": n})  # fmt: skip
    return MetricResult(metric=metric, n=n, **(base | kw))


def dataset() -> Dataset:
    t = TableEntry(
        name="survey", file="survey.csv", parquet="tables/survey.parquet", rows=3,
        rejected_rows=0, columns={"id": "VARCHAR", "score": "BIGINT", "plan": "VARCHAR"},
        roles={"nps_score": "score", "date": "when"}, detected_roles={"nps_score": "score"},
    )  # fmt: skip
    return Dataset("x", "survey.csv", "2025-01-01T00:00:00+00:00", [t], Path("/nonexistent"))


def test_describe_filters_and_caption():
    assert describe_filters(Filters()) == ""
    f = Filters(dt.date(2025, 7, 1), None, {"plan": ["Pro", "Team"]})
    assert describe_filters(f) == "2025-07-01 to … · plan: Pro, Team"
    assert period_caption(Periods(Filters(), None, "", "")) == ""
    bounds = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    per = periods(Filters(dt.date(2025, 7, 1), None), bounds)
    assert period_caption(per).startswith("Change vs the previous 184 days")


def test_tile_data_compares_the_recent_window_with_the_one_before():
    asked = []

    def query(ids, *, grain=None, filters=None):
        asked.append((tuple(ids), grain, filters))
        return [result()], [Missing("csat", ("csat_score",), "needs X")]

    per = periods(Filters(), (dt.date(2024, 1, 1), dt.date(2025, 12, 31)))
    tiles = tile_data(dataset(), ["nps", "csat"], per, per_request(query))
    assert [a[1] for a in asked] == [None, "month", None, None]
    assert tiles["csat"].missing and tiles["csat"].current is None
    nps = tiles["nps"]
    assert nps.change is not None and nps.change.diff == 0
    assert not nps.by_signup  # the survey table has an event date


def test_role_rows_round_trip_and_conflicts():
    ds = dataset()
    rows = role_rows(ds)
    assert list(rows["Type"]) == ["text", "whole number", "text"]
    assert list(rows["Role"]) == [NO_ROLE, "nps_score", NO_ROLE]
    mapping, problems = roles_from_rows(ds, rows)
    assert mapping == {"survey": {"nps_score": "score"}} and not problems
    rows.loc[0, "Role"] = "nps_score"
    _, problems = roles_from_rows(ds, rows)
    assert problems and "'nps_score' is given to both" in problems[0]
    assert friendly_type("TIMESTAMP WITH TIME ZONE") == "date and time"
    assert friendly_type("DECIMAL(9,2)") == "number"


def test_result_helpers():
    rs = [result(unapplied_filters=("product",)), result("csat", unapplied_filters=("product",))]
    assert unapplied_of(rs) == ("product",)
    assert unapplied_of(rs, "nps") == ("product",)
    assert unapplied_note(rs) == "nps: product not applied · csat: product not applied"
    assert missing_for([Missing("sus", (), "r")], "nps") is None
    a = pd.DataFrame({"group": ["b", "a"]})
    assert group_order(a, pd.DataFrame({"group": ["c", "a"]}), pd.DataFrame()) == ["b", "a", "c"]
    assert against_benchmark(result(ci_low=69, ci_high=75), 68) == "above"
    assert against_benchmark(result(ci_low=60, ci_high=70), 68) == "not distinguishable from"
    assert not mostly_low_n([]) and mostly_low_n([result(n=3), result(n=3), result()])


def test_explore_helpers():
    assert default_metrics(["time_on_task", "csat", "nps"]) == ["time_on_task", "csat"]
    assert safe_filename("explore", "sus", None, "by-Plan / Region") == (
        "uxcx-explore_sus_by-plan-region.csv"
    )
