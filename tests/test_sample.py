"""Tests for the seeded sample-data generator and the committed sample_data/ CSVs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from uxcx import sample

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample_data"
OBS_END = pd.Timestamp("2025-12-31")


def _read(name: str) -> pd.DataFrame:
    """Read one committed sample CSV, keeping empty strings as empty strings."""
    return pd.read_csv(SAMPLE_DIR / name, keep_default_na=False)


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    """customers.csv with parsed dates."""
    df = _read("customers.csv")
    df["signup"] = pd.to_datetime(df["signup_date"])
    df["churn"] = pd.to_datetime(df["churn_date"].replace("", None))
    return df


@pytest.fixture(scope="module")
def ux() -> pd.DataFrame:
    """ux_survey.csv with a per-response SUS score computed from the ten items."""
    df = _read("ux_survey.csv")
    items = df[list(sample.SUS_ITEMS)].to_numpy()
    df["sus"] = 2.5 * ((items[:, 0::2] - 1).sum(axis=1) + (5 - items[:, 1::2]).sum(axis=1))
    df["when"] = pd.to_datetime(df["date"])
    return df


def test_regenerated_files_are_byte_identical(tmp_path: Path) -> None:
    """The committed CSVs are exactly what the generator writes (fixtures are code)."""
    written = sample.generate(tmp_path)
    names = sorted(p.name for p in written)
    assert names == sorted(p.name for p in SAMPLE_DIR.glob("*.csv")), (
        "sample_data/ has different CSVs than the generator writes; run `make sample` to refresh"
    )
    for path in written:
        committed = (SAMPLE_DIR / path.name).read_bytes()
        assert path.read_bytes() == committed, (
            f"sample_data/{path.name} differs from the generator output; "
            "run `make sample` to refresh"
        )


def test_generator_is_deterministic_and_seed_sensitive(tmp_path: Path) -> None:
    """Same seed gives the same bytes; another seed gives different data."""
    a = sample.generate(tmp_path / "a")
    b = sample.generate(tmp_path / "b")
    c = sample.generate(tmp_path / "c", seed=1)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert a[0].read_bytes() != c[0].read_bytes()


def test_main_writes_into_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The command line writes the five CSVs into the given folder."""
    assert sample.main([str(tmp_path / "out")]) == 0
    assert len(list((tmp_path / "out").glob("*.csv"))) == 5
    assert "customers.csv" in capsys.readouterr().out


def test_headers_and_sizes() -> None:
    """Headers are the documented ones, row counts are near their targets, total under 3 MB."""
    expected_rows = {
        "customers.csv": 3000,
        "cx_survey.csv": 5200,
        "ux_survey.csv": 3000,
        "usability_tasks.csv": 1200,
        "web_sessions.csv": 9300,
    }
    for name, target in expected_rows.items():
        n = len(_read(name))
        assert 0.85 * target <= n <= 1.15 * target, (name, n)
    ux_cols = list(_read("ux_survey.csv").columns)
    assert ux_cols == [
        "customer_id",
        "date",
        "product",
        *sample.SUS_ITEMS,
        sample.UX_NPS,
        sample.UX_RATING,
    ]
    assert list(_read("cx_survey.csv").columns) == [
        "response_id",
        "customer_id",
        "submitted_at",
        sample.CX_NPS,
        sample.CX_CSAT,
        sample.CX_CES,
        "Comment",
    ]
    total = sum(p.stat().st_size for p in SAMPLE_DIR.glob("*.csv"))
    assert total < 3_000_000


def test_value_ranges(ux: pd.DataFrame) -> None:
    """Every rating lies on its scale and ids are unique where they should be."""
    cx = _read("cx_survey.csv")
    assert cx[sample.CX_NPS].between(0, 10).all()
    assert cx[sample.CX_CSAT].between(1, 5).all()
    assert cx[sample.CX_CES].between(1, 7).all()
    assert cx["response_id"].is_unique
    assert cx["Comment"].str.contains('"').any() and cx["Comment"].str.contains(",").any()
    for item in sample.SUS_ITEMS:
        assert ux[item].between(1, 5).all()
    assert ux[sample.UX_NPS].between(0, 10).all()
    assert ux[sample.UX_RATING].between(1, 5).all()
    assert ux["sus"].between(0, 100).all()
    quarter = ux["when"].dt.to_period("Q")
    assert not pd.DataFrame({"c": ux["customer_id"], "q": quarter}).duplicated().any()

    tasks = _read("usability_tasks.csv")
    assert set(tasks["completed"]) <= {0, 1}
    assert (tasks["time_on_task_s"] > 0).all()
    assert (tasks["errors"] >= 0).all()
    assert 5 <= tasks["task"].nunique() <= 6

    web = _read("web_sessions.csv")
    assert web["session_id"].is_unique
    assert set(web["bounced"]) == {True, False}
    assert not (web["bounced"] & web["converted"]).any()


def test_tenure_and_churn_are_consistent(customers: pd.DataFrame) -> None:
    """churned, churn_date and tenure_months agree; active customers are censored at 2025-12-31."""
    df = customers
    assert df["customer_id"].is_unique
    assert set(df["churned"]) == {"Yes", "No"}
    assert ((df["churned"] == "Yes") == df["churn"].notna()).all()
    assert (df["churn"].dropna() <= OBS_END).all()
    assert (df["churn"].dropna() > df.loc[df["churn"].notna(), "signup"]).all()
    assert df["signup"].between("2023-07-01", "2025-10-31").all()
    end = df["churn"].fillna(OBS_END)
    months = (
        (end.dt.year - df["signup"].dt.year) * 12
        + (end.dt.month - df["signup"].dt.month)
        - (end.dt.day < df["signup"].dt.day).astype(int)
    )
    assert (df["tenure_months"] == months).all()
    churn_rate = (df["churned"] == "Yes").mean()
    assert 0.18 <= churn_rate <= 0.32
    assert (df["clv"] > 0).all()


def test_activity_happens_while_customer_is_active(
    customers: pd.DataFrame, ux: pd.DataFrame
) -> None:
    """Surveys and sessions fall on or after signup and strictly before any churn date."""
    frames = {
        "cx_survey.csv": ("submitted_at", _read("cx_survey.csv")),
        "ux_survey.csv": ("date", ux),
        "usability_tasks.csv": ("date", _read("usability_tasks.csv")),
        "web_sessions.csv": ("date", _read("web_sessions.csv")),
    }
    for name, (col, df) in frames.items():
        joined = df[["customer_id", col]].merge(customers, on="customer_id", how="left")
        assert joined["signup"].notna().all(), name
        when = pd.to_datetime(joined[col])
        assert (when >= joined["signup"]).all(), name
        assert (when <= OBS_END).all(), name
        assert (joined["churn"].isna() | (when < joined["churn"])).all(), name


def test_better_ux_churns_less(customers: pd.DataFrame, ux: pd.DataFrame) -> None:
    """Customers in the top quartile of mean SUS churn clearly less than the bottom quartile."""
    per_customer = ux.groupby("customer_id")["sus"].mean().rename("mean_sus").reset_index()
    df = per_customer.merge(customers, on="customer_id")
    df["quartile"] = pd.qcut(df["mean_sus"], 4, labels=False)
    churn = df.groupby("quartile")["churned"].apply(lambda s: (s == "Yes").mean())
    assert churn[3] < 0.75 * churn[0], churn.to_dict()


def test_sus_level_and_drift(ux: pd.DataFrame) -> None:
    """SUS averages around 70 with SD near 15 and improves over time."""
    assert 66 <= ux["sus"].mean() <= 74
    assert 12 <= ux["sus"].std() <= 18
    by_year = ux.groupby(ux["when"].dt.year)["sus"].mean()
    assert by_year[2025] > by_year[2024]
    years = (ux["when"] - pd.Timestamp("2024-01-01")).dt.days / 365.25
    slope = np.polyfit(years, ux["sus"], 1)[0]
    assert slope > 1.0, slope


def test_scores_follow_ux(customers: pd.DataFrame, ux: pd.DataFrame) -> None:
    """CX scores and task metrics move with SUS in the documented directions."""
    cx = _read("cx_survey.csv")
    cx_means = cx.groupby("customer_id")[[sample.CX_NPS, sample.CX_CSAT, sample.CX_CES]].mean()
    sus = ux.groupby("customer_id")["sus"].mean()
    corr = cx_means.join(sus, how="inner").corr()["sus"]
    assert (corr.drop("sus") > 0.3).all(), corr.to_dict()
    assert np.corrcoef(ux["sus"], ux[sample.UX_RATING])[0, 1] > 0.3

    tasks = _read("usability_tasks.csv").merge(sus.rename("sus").reset_index(), on="customer_id")
    assert tasks["completed"].corr(tasks["sus"]) > 0.1
    assert tasks["time_on_task_s"].corr(tasks["sus"]) < -0.1
    assert tasks["errors"].corr(tasks["sus"]) < -0.1


def test_segments_differ(customers: pd.DataFrame, ux: pd.DataFrame) -> None:
    """Enterprise is worth more and churns less; iOS beats Android; Paid bounces most."""
    by_plan = customers.groupby("plan")
    churn = by_plan["churned"].apply(lambda s: (s == "Yes").mean())
    clv = by_plan["clv"].mean()
    assert churn["Enterprise"] < churn["Basic"]
    assert clv["Enterprise"] > clv["Pro"] > clv["Basic"]
    sus = ux.groupby("product")["sus"].mean()
    assert sus["iOS app"] > sus["Android app"]
    bounce = _read("web_sessions.csv").groupby("channel")["bounced"].mean()
    assert bounce.idxmax() == "Paid"
