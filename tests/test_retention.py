"""UX ↔ retention: numbers against reference libraries on raw per-customer data, SQL snapshots,
the group-level path, friendly errors, and the built-in effect of the sample data."""

from __future__ import annotations

import datetime as dt
import math
import pickle

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test
from scipy import stats as sst

from tests.helpers import parquet_table
from uxcx import retention as R
from uxcx import stats as S
from uxcx.engines.duckdb import DuckDBEngine
from uxcx.labels import fmt_p
from uxcx.retention import analysis as RA
from uxcx.retention import drivers as RD
from uxcx.retention import narrative
from uxcx.sql import DUCKDB, Dialect, Filters, TableInfo
from uxcx.store import SAMPLE_DIR, Workspace

REVENUE = {"Basic": 20.0, "Pro": 60.0, "Enterprise": 250.0}


# ---- generated data with a known effect ------------------------------------------------------


def generate(n: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Customers, UX responses (0–3 per customer) and CX responses; churn is logistic in UX."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"C{i:06d}" for i in range(n)])
    latent = rng.normal(68, 16, n)
    plan = rng.choice(list(REVENUE), n)
    churn_p = 1 / (1 + np.exp(-(-0.3 - 0.05 * (latent - 68))))
    churned = rng.random(n) < churn_p
    followup = rng.integers(1, 37, n)
    # Churners leave early in their follow-up, so low-UX bands reach a median lifetime.
    tenure = np.where(churned, np.floor(followup * rng.random(n) ** 2), followup).astype(int)
    clv = np.array([REVENUE[p] for p in plan]) * (tenure + 1) + 3 * latent + rng.normal(0, 80, n)
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "plan": plan,
            "churned": np.where(churned, "Yes", "No"),
            "tenure_months": tenure,
            "clv": clv.round(2),
        }
    )
    k = rng.integers(0, 4, n)
    who = np.repeat(np.arange(n), k)
    m = len(who)
    sus = np.clip(np.round((latent[who] + rng.normal(0, 8, m)) / 2.5) * 2.5, 0, 100)
    ux = pd.DataFrame(
        {
            "customer_id": ids[who],
            "date": [
                dt.date(2025, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 365, m)
            ],
            "product": rng.choice(["Web", "iOS", "Android"], m),
            "sus": sus,
            "app_rating": np.clip(np.round(latent[who] / 20 + rng.normal(0, 0.8, m)), 1, 5),
            "pnps": np.clip(np.round(latent[who] / 10 + rng.normal(0, 1.5, m)), 0, 10),
        }
    )
    kk = rng.integers(0, 3, n)
    w2 = np.repeat(np.arange(n), kk)
    cx = pd.DataFrame(
        {
            "customer_id": ids[w2],
            "nps": np.clip(np.round(latent[w2] / 10 + rng.normal(0, 1.8, len(w2))), 0, 10),
        }
    )
    return customers, ux, cx


UX_ROLES = {
    "customer_id": "customer_id",
    "date": "date",
    "sus_score": "sus",
    "app_rating": "app_rating",
    "product_nps_score": "pnps",
    "segment": ["product"],
}
CUSTOMER_ROLES = {
    "customer_id": "customer_id",
    "churned": "churned",
    "tenure": "tenure_months",
    "clv": "clv",
    "segment": ["plan"],
}


def _tables(engine: DuckDBEngine, customers, ux, cx=None, prefix="") -> list[TableInfo]:
    out = [
        parquet_table(
            engine, f"{prefix}customers", customers.to_dict("list"), CUSTOMER_ROLES, True
        ),
        parquet_table(engine, f"{prefix}ux", ux.to_dict("list"), UX_ROLES),
    ]
    if cx is not None:
        roles = {"customer_id": "customer_id", "nps_score": "nps"}
        out.append(parquet_table(engine, f"{prefix}cx", cx.to_dict("list"), roles))
    return out


@pytest.fixture(scope="module")
def gen(tmp_path_factory):
    engine = DuckDBEngine(tmp_path_factory.mktemp("ret"))
    customers, ux, cx = generate(1500)
    tables = _tables(engine, customers, ux, cx)
    per = ux.groupby("customer_id")[["sus", "app_rating", "pnps"]].mean()
    ref = per.join(customers.set_index("customer_id"), how="inner")
    ref["y"] = (ref["churned"] == "Yes").astype(int)
    return engine, tables, ref, customers, ux, cx


@pytest.fixture(scope="module")
def sus_churn(gen):
    engine, tables, *_ = gen
    return R.analyse(engine, tables, "sus", "tenure", n_boot=100, seed=3)


def fisher(r: float, n: int) -> tuple[float, float]:
    h = 1.959963984540054 / math.sqrt(n - 3)
    return math.tanh(math.atanh(r) - h), math.tanh(math.atanh(r) + h)


# ---- correlations, logistic, impact ----------------------------------------------------------


def test_correlations_match_scipy(gen, sus_churn):
    _, _, ref, *_ = gen
    a = sus_churn
    assert (a.level, a.n, a.direction) == ("customer", len(ref), "churned = 1")
    pb = sst.pointbiserialr(ref["y"], ref["sus"])
    assert a.pearson.method == "point-biserial"
    assert a.pearson.r == pytest.approx(pb.statistic, abs=1e-10)
    assert a.pearson.p == pytest.approx(pb.pvalue, rel=1e-6)
    assert (a.pearson.ci_low, a.pearson.ci_high) == pytest.approx(fisher(pb.statistic, len(ref)))
    sp = sst.spearmanr(ref["sus"], ref["y"])
    assert a.spearman.r == pytest.approx(sp.statistic, abs=1e-10)
    assert a.spearman.p == pytest.approx(sp.pvalue, rel=1e-6)
    # The generated effect: better UX, less churn.
    assert a.pearson.ci_high < 0


def test_logistic_and_impact_match_statsmodels(gen, sus_churn):
    _, _, ref, *_ = gen
    a = sus_churn
    fit = sm.Logit(ref["y"], sm.add_constant(ref["sus"])).fit(disp=0)
    b0, b1 = fit.params
    lo, hi = fit.conf_int().loc["sus"]
    assert a.logistic.odds_ratio_per_10 == pytest.approx(math.exp(10 * b1), rel=1e-6)
    assert a.logistic.or_ci_low == pytest.approx(math.exp(10 * lo), rel=1e-6)
    assert a.logistic.or_ci_high == pytest.approx(math.exp(10 * hi), rel=1e-6)
    assert a.step == 10 and a.impact.step_label == "+10 points of SUS"
    x = ref["sus"].to_numpy()
    expected = np.mean(1 / (1 + np.exp(-(b0 + b1 * (x + 10)))) - 1 / (1 + np.exp(-(b0 + b1 * x))))
    assert a.impact.outcome_change.value == pytest.approx(expected, rel=1e-6)
    assert a.impact.outcome_change.ci_low < expected < a.impact.outcome_change.ci_high
    ols = sm.OLS(ref["clv"], sm.add_constant(ref["sus"])).fit(cov_type="HC1")
    clv = a.impact.clv_change
    assert clv.value == pytest.approx(10 * ols.params["sus"], rel=1e-6)
    assert clv.ci_low == pytest.approx(10 * ols.conf_int().loc["sus", 0], rel=1e-6)
    assert clv.ci_high == pytest.approx(10 * ols.conf_int().loc["sus", 1], rel=1e-6)
    assert clv.n == len(ref)


def test_retention_flips_direction(gen, sus_churn):
    engine, tables, *_ = gen
    r = R.analyse(engine, tables, "sus", "retention", drivers=False)
    assert r.direction == "retained = 1"
    assert r.pearson.r == pytest.approx(-sus_churn.pearson.r, abs=1e-12)
    assert r.logistic.odds_ratio_per_10 == pytest.approx(1 / sus_churn.logistic.odds_ratio_per_10)
    for b_ret, b_churn in zip(r.bands, sus_churn.bands, strict=True):
        assert b_ret.band == b_churn.band
        assert b_ret.rate == pytest.approx(1 - b_churn.rate)
        assert b_ret.ci_low == pytest.approx(1 - b_churn.ci_high)
    assert r.survival is not None  # tenure present: shown for every outcome


# ---- bands ------------------------------------------------------------------------------------


def test_sus_grade_bands_match_adjusted_wald(gen, sus_churn):
    _, _, ref, *_ = gen
    letters = ref["sus"].map(lambda v: S.sus_grade(v)[0])
    labels = list(R.sus_band_labels().values())
    assert [b.band for b in sus_churn.bands] == labels  # F … A, every band has customers
    for band, letter in zip(sus_churn.bands, "FDCBA", strict=True):
        sel = ref[letters == letter]
        est = S.adjusted_wald(int(sel["y"].sum()), len(sel))
        assert (band.n, band.events) == (len(sel), int(sel["y"].sum()))
        assert (band.rate, band.ci_low, band.ci_high) == pytest.approx(
            (est.value, est.ci_low, est.ci_high)
        )
    assert sus_churn.bands[0].rate > sus_churn.bands[-1].rate


def test_quartile_bands_cut_like_numpy(gen):
    engine, tables, ref, *_ = gen
    a = R.analyse(engine, tables, "app_rating", "churned", drivers=False)
    assert a.query.band_kind == "quartile"
    q1, q2, q3 = np.quantile(ref["app_rating"], [0.25, 0.5, 0.75])  # linear = quantile_cont
    band = np.select([ref["app_rating"] <= q1, ref["app_rating"] <= q2, ref["app_rating"] <= q3],
                     [1, 2, 3], 4)  # fmt: skip
    counts = pd.Series(band).value_counts().sort_index()
    assert [b.n for b in a.bands] == counts.tolist()
    assert a.bands[0].band.split(" (")[0] in ("Q1", "Low", "Lower")
    assert a.step == 1 and a.impact.step_label == "+1 point of App rating"
    assert a.odds_ratio_per_step[0] == pytest.approx(a.logistic.odds_ratio_per_10 ** (1 / 10))


# ---- survival ----------------------------------------------------------------------------------


def test_survival_matches_lifelines(gen, sus_churn):
    _, _, ref, *_ = gen
    s = sus_churn.survival
    letters = ref["sus"].map(lambda v: S.sus_grade(v)[0])
    labels = dict(zip("FDCBA", R.sus_band_labels().values(), strict=True))
    medians = []
    for b in s.bands:
        letter = next(k for k, v in labels.items() if v == b.band)
        sel = ref[letters == letter]
        kmf = KaplanMeierFitter().fit(sel["tenure_months"], sel["y"])
        assert b.at[12] == pytest.approx(float(kmf.survival_function_at_times(12).iloc[0]))
        ci = kmf.confidence_interval_survival_function_
        row = ci[ci.index <= 12].iloc[-1]
        curve = s.curves[(s.curves["band"] == b.band) & (s.curves["time"] <= 12)].iloc[-1]
        assert (curve["ci_low"], curve["ci_high"]) == pytest.approx(tuple(row), rel=1e-9)
        med = kmf.median_survival_time_
        assert b.median == (None if math.isinf(med) else pytest.approx(med))
        medians.append(b.median)
        assert b.at_risk[0] == len(sel)
        assert b.at_risk[12] == int((sel["tenure_months"] >= 12).sum())
    assert any(m is not None for m in medians)
    lr = multivariate_logrank_test(ref["tenure_months"], letters, ref["y"])
    assert s.logrank.chi2 == pytest.approx(lr.test_statistic, rel=1e-9)
    assert s.logrank.p == pytest.approx(lr.p_value, rel=1e-6)
    assert s.logrank.df == 4
    # 24 months is inside the follow-up here (up to 36), so it has a value.
    assert s.overall.at[24] is not None


def test_survival_beyond_follow_up_is_unknown(tmp_path):
    engine = DuckDBEngine(tmp_path)
    customers, ux, _ = generate(300, seed=2)
    customers["tenure_months"] = customers["tenure_months"].clip(upper=20)
    a = R.analyse(engine, _tables(engine, customers, ux), "sus", "tenure", drivers=False)
    assert a.survival.overall.at[24] is None
    assert a.to_json()["survival"]["at"]["24"] is None


# ---- key drivers -------------------------------------------------------------------------------


def test_key_drivers_shapley_and_bootstrap(gen, sus_churn):
    engine, tables, ref, _, ux, cx = gen
    kd = {k.target: k for k in sus_churn.drivers}
    assert set(kd) == {"nps", "retention"}
    nps = cx.groupby("customer_id")["nps"].mean().rename("target")
    d = ref[["sus", "pnps", "app_rating"]].join(nps, how="inner")
    names = ["sus", "product_nps", "app_rating"]
    expected = S.shapley_r2(np.corrcoef(d.to_numpy().T), names)
    k = kd["nps"]
    assert k.n == len(d)
    assert {x.measure: x.share for x in k.drivers} == pytest.approx(expected, abs=1e-9)
    assert sum(x.share for x in k.drivers) == pytest.approx(k.r2)
    assert [x.share for x in k.drivers] == sorted((x.share for x in k.drivers), reverse=True)
    for x in k.drivers:
        assert x.ci_low <= x.share <= x.ci_high
    again = R.key_drivers(engine, tables, n_boot=100, seed=3)
    # Same seed, same intervals (DuckDB's parallel sums may differ in the last bits only).
    got = [v for x in again[0].drivers for v in (x.ci_low, x.ci_high)]
    assert got == pytest.approx([v for x in k.drivers for v in (x.ci_low, x.ci_high)], rel=1e-9)
    other = R.key_drivers(engine, tables, n_boot=100, seed=4)
    assert other[0].drivers[0].ci_low != k.drivers[0].ci_low


def test_key_drivers_subsample_bootstrap_for_large_data(gen, sus_churn, monkeypatch):
    engine, tables, *_ = gen
    full = {k.target: k for k in sus_churn.drivers}["nps"]
    monkeypatch.setattr(RD, "MAX_BOOT_ROWS", 40_000)
    sub = R.key_drivers(engine, tables, n_boot=100, seed=3)[0]
    assert "on a subsample of" in sub.method
    for a, b in zip(full.drivers, sub.drivers, strict=True):
        assert (a.measure, a.share) == (b.measure, pytest.approx(b.share))
        assert b.ci_low <= b.share <= b.ci_high
        assert 0.4 < (b.ci_high - b.ci_low) / (a.ci_high - a.ci_low) < 2.5


# ---- filters ------------------------------------------------------------------------------------


def test_filters_segment_and_date(gen):
    engine, tables, ref, customers, ux, _ = gen
    f = Filters(segments={"plan": ["Pro", "Basic"], "product": ["iOS"]})
    a = R.analyse(engine, tables, "sus", "churned", f, drivers=False)
    sub = ux[ux["product"] == "iOS"].groupby("customer_id")["sus"].mean()
    keep = customers.set_index("customer_id")
    keep = keep[keep["plan"].isin(["Pro", "Basic"])]
    assert a.n == len(sub.index.intersection(keep.index))
    d = Filters(date_from=dt.date(2025, 3, 1), date_to=dt.date(2025, 5, 31), segments={"x": ["1"]})
    a = R.analyse(engine, tables, "sus", "churned", d, drivers=False)
    in_range = ux[(ux["date"] >= dt.date(2025, 3, 1)) & (ux["date"] <= dt.date(2025, 5, 31))]
    assert a.n == in_range["customer_id"].nunique()
    assert a.query.unapplied_filters == ("x",)
    assert any("filter on x" in c for c in a.cautions)


# ---- scatter ------------------------------------------------------------------------------------


def test_scatter_points_then_binned_for_large_n(tmp_path, sus_churn, monkeypatch):
    assert sus_churn.scatter.kind == "points"
    assert len(sus_churn.scatter.data) == sus_churn.n
    engine = DuckDBEngine(tmp_path)
    customers, ux, _ = generate(20000, seed=11)
    tables = _tables(engine, customers, ux)
    a = R.analyse(engine, tables, "sus", "churned", drivers=False)
    assert a.n > R.SCATTER_MAX_POINTS
    sc = a.scatter
    assert sc.kind == "binned"
    assert int(sc.data["count"].sum()) == a.n
    assert len(sc.data) <= 2 * R.SCATTER_BINS
    assert (sc.data["x_lo"] < sc.data["x_hi"]).all()
    assert a.to_json()["scatter"] == {"kind": "binned", "rows": len(sc.data)}
    # Very many distinct scores: counts on a fine grid, r barely moves, and the method says so.
    monkeypatch.setattr(RA, "MAX_DISTINCT_X", 50)
    g = R.analyse(engine, tables, "sus", "churned", drivers=False)
    assert "grid of 10,000 steps" in g.method and g.coverage["distinct_x"] > 50
    assert g.pearson.r == pytest.approx(a.pearson.r, abs=1e-4) and g.n == a.n


# ---- other shapes of data -----------------------------------------------------------------------


def test_flat_file_with_repeated_customer_rows(tmp_path):
    engine = DuckDBEngine(tmp_path)
    customers, ux, _ = generate(400, seed=5)
    flat = ux.merge(customers, on="customer_id")
    # One customer's rows disagree about churn: counted as churned, and said so.
    first = flat["customer_id"].iloc[0]
    flat.loc[flat.index[flat["customer_id"] == first][:1], "churned"] = "Yes"
    flat.loc[flat.index[flat["customer_id"] == first][1:], "churned"] = "No"
    roles = {**UX_ROLES, **CUSTOMER_ROLES, "segment": ["product", "plan"]}
    t = parquet_table(engine, "flat", flat.to_dict("list"), roles)
    a = R.analyse(engine, [t], "sus", "churned", drivers=False)
    per = flat.groupby("customer_id").agg(
        sus=("sus", "mean"), y=("churned", lambda s: int((s == "Yes").any()))
    )
    assert a.n == len(per)
    assert a.pearson.r == pytest.approx(sst.pointbiserialr(per["y"], per["sus"]).statistic)
    conflicting = int((flat.groupby("customer_id")["churned"].nunique() > 1).sum())
    assert conflicting >= 1 and a.coverage["conflicting"] == conflicting
    assert any("different churn flags" in c for c in a.cautions)


def test_one_row_per_customer_without_ids(tmp_path):
    engine = DuckDBEngine(tmp_path)
    rng = np.random.default_rng(1)
    sus = rng.uniform(20, 100, 60).round(1)
    churned = (rng.random(60) < 1 / (1 + np.exp(0.05 * (sus - 60)))).astype(int)
    t = parquet_table(engine, "survey", {"sus": sus.tolist(), "left": churned.tolist()},
                      {"sus_score": "sus", "churned": "left"})  # fmt: skip
    a = R.analyse(engine, [t], "sus", "churned")
    assert (a.level, a.query.mode, a.n) == ("customer", "rows", 60)
    assert a.pearson.r == pytest.approx(sst.pointbiserialr(churned, sus).statistic)
    assert a.drivers == []


def _groups(engine: DuckDBEngine, seed: int = 3):
    """UX responses that carry only a segment (no customer id) and customers in the same segments."""
    rng = np.random.default_rng(seed)
    groups = [f"G{i}" for i in range(1, 9)]
    level = dict(zip(groups, np.linspace(55, 85, 8), strict=True))
    ux_g = rng.choice(groups, 600)
    ux = {"team": ux_g.tolist(), "sus": (np.array([level[g] for g in ux_g])
                                          + rng.normal(0, 10, 600)).round(1).tolist()}  # fmt: skip
    c_g = rng.choice(groups, 900)
    p = 1 / (1 + np.exp(0.06 * (np.array([level[g] for g in c_g]) - 70) + 1.2))
    cust = {"customer_id": [f"K{i}" for i in range(900)], "team": c_g.tolist(),
            "churned": (rng.random(900) < p).astype(int).tolist(),
            "tenure": rng.integers(0, 24, 900).tolist()}  # fmt: skip
    t_ux = parquet_table(engine, "g_ux", ux, {"sus_score": "sus", "segment": ["team"]})
    t_c = parquet_table(engine, "g_customers", cust,
                        {"customer_id": "customer_id", "churned": "churned", "tenure": "tenure"},
                        True)  # fmt: skip
    return t_ux, t_c, pd.DataFrame(ux), pd.DataFrame(cust)


def test_group_level_on_shared_segment(tmp_path):
    engine = DuckDBEngine(tmp_path)
    t_ux, t_c, ux, cust = _groups(engine)
    a = R.analyse(engine, [t_ux, t_c], "sus", "churned")
    assert (a.level, a.n, a.query.group_column) == ("group", 8, "team")
    # SUS outside 0–100 is out of scale: left out and counted, never clipped.
    valid = ux["sus"].between(0, 100)
    assert a.coverage["out_of_scale"] == int((~valid).sum()) > 0
    assert any("outside the SUS scale" in c for c in a.cautions)
    x = ux[valid].groupby("team")["sus"].mean()
    y = cust.groupby("team")["churned"].mean()
    ref = sst.pearsonr(x, y.loc[x.index])
    assert a.pearson.r == pytest.approx(ref.statistic)
    assert a.pearson.p == pytest.approx(ref.pvalue, rel=1e-6)
    assert (a.pearson.ci_low, a.pearson.ci_high) == pytest.approx(fisher(ref.statistic, 8))
    assert a.spearman.r == pytest.approx(sst.spearmanr(x, y.loc[x.index]).statistic)
    # Bands are the groups, in order of mean UX, with adjusted-Wald churn rates from customers.
    assert [b.band for b in a.bands] == x.sort_values().index.tolist()
    g1 = cust[cust["team"] == a.bands[0].band]
    est = S.adjusted_wald(int(g1["churned"].sum()), len(g1))
    assert (a.bands[0].n, a.bands[0].ci_low) == (len(g1), pytest.approx(est.ci_low))
    assert a.logistic is None and a.impact is None
    assert any("ecological fallacy" in c for c in a.cautions)
    assert any("needs about 85" in c for c in a.cautions)
    assert a.survival is not None and len(a.survival.bands) == 8
    j = a.to_json()
    assert j["level"] == "group" and j["logistic"] is None and j["n"] == 8


def test_group_level_table_of_rates(tmp_path):
    engine = DuckDBEngine(tmp_path)
    products = {"product": ["A", "B", "C", "D", "E", "F"], "mean_sus": [58.0, 62, 66, 71, 75, 80],
                "churn_rate": [24.0, 21, 22, 15, 12, 11]}  # fmt: skip
    t = parquet_table(engine, "products", products,
                      {"sus_score": "mean_sus", "churned": "churn_rate", "segment": ["product"]})  # fmt: skip
    a = R.analyse(engine, [t], "sus", "retention")
    assert (a.level, a.query.mode, a.n) == ("group", "group_rates", 6)
    ref = sst.pearsonr(products["mean_sus"], 1 - np.array(products["churn_rate"]) / 100)
    assert a.pearson.r == pytest.approx(ref.statistic)
    assert [b.rate for b in a.bands] == pytest.approx(1 - np.array(products["churn_rate"]) / 100)
    assert a.bands[0].n is None and math.isnan(a.bands[0].ci_low)
    assert a.survival is None
    # The same rates joined to per-response UX on a shared segment column.
    ux = {"product": ["A", "A", "B", "C", "D", "E", "F", "F"],
          "sus": [50.0, 66, 62, 66, 71, 75, 78, 82]}  # fmt: skip
    t_ux = parquet_table(engine, "resp", ux, {"sus_score": "sus", "segment": ["product"]})
    t_rates = parquet_table(engine, "rates", {k: products[k] for k in ("product", "churn_rate")},
                            {"churned": "churn_rate", "segment": ["product"]})  # fmt: skip
    b = R.analyse(engine, [t_ux, t_rates], "sus", "churned")
    assert b.n == 6 and b.query.group_column == "product"
    assert b.pearson.r == pytest.approx(
        sst.pearsonr([58, 62, 66, 71, 75, 80], np.array(products["churn_rate"]) / 100).statistic
    )


# ---- friendly errors ----------------------------------------------------------------------------


def test_too_few_customers(tmp_path):
    engine = DuckDBEngine(tmp_path)
    customers, ux, _ = generate(12, seed=1)
    ux = ux[ux["customer_id"].isin(ux["customer_id"].unique()[:7])]
    with pytest.raises(R.RetentionError) as e:
        R.analyse(engine, _tables(engine, customers, ux), "sus", "churned")
    assert str(e.value) == (
        "Only 7 customers have both a SUS score and a churn flag; at least 10 are needed."
    )


def test_missing_roles_and_links(gen, tmp_path):
    engine, tables, *_ = gen
    ux_only = [t for t in tables if t.name == "ux"]
    with pytest.raises(R.RetentionError, match=r"^This analysis needs a churn column; map one"):
        R.analyse(engine, ux_only, "sus", "churned")
    no_tenure = [
        TableInfo(
            t.name,
            t.source,
            t.columns,
            {k: v for k, v in t.roles.items() if k != "tenure"},
            t.customer_unique,
        )  # fmt: skip
        for t in tables
    ]
    with pytest.raises(R.RetentionError, match="needs a tenure column"):
        R.analyse(engine, no_tenure, "sus", "tenure")
    assert R.available_outcomes(no_tenure) == ["churned", "retention"]
    with pytest.raises(R.RetentionError, match="not a UX measure"):
        R.analyse(engine, tables, "nonsense", "churned")
    with pytest.raises(R.RetentionError, match="not numeric"):
        R.analyse(engine, tables, "plan", "churned")
    with pytest.raises(R.RetentionError, match="not an outcome"):
        R.analyse(engine, tables, "sus", "happiness")
    with pytest.raises(
        R.RetentionError, match="^Task success needs a Task success column; map one"
    ):
        R.analyse(engine, tables, "task_success_rate", "churned")
    unlinked = [
        TableInfo(t.name, t.source, t.columns,
                  {k: v for k, v in t.roles.items() if k not in ("customer_id", "segment")})
        for t in tables
    ]  # fmt: skip
    with pytest.raises(R.RetentionError, match="cannot be linked"):
        R.analyse(engine, unlinked, "sus", "churned")


def test_available_measures(gen):
    _, tables, *_ = gen
    assert R.available_measures(tables)[:3] == ["sus", "product_nps", "app_rating"]
    assert "task_success_rate" not in R.available_measures(tables)
    assert R.available_outcomes(tables) == ["churned", "retention", "tenure"]


# ---- SQL snapshots ------------------------------------------------------------------------------


def _fake(name: str, columns: dict[str, str], roles: dict, unique: bool = False) -> TableInfo:
    return TableInfo(name, f"read_parquet('/ws/{name}.parquet')", columns, roles, unique)


SUS_ITEMS = {f"I would say q{i}": "BIGINT" for i in range(1, 11)}
SNAP_UX = _fake(
    "ux_survey",
    {"customer_id": "VARCHAR", "date": "DATE", "product": "VARCHAR", **SUS_ITEMS,
     "App store rating": "BIGINT"},
    {"customer_id": "customer_id", "date": "date", "segment": ["product"],
     "app_rating": "App store rating",
     **{f"sus_q{i}": f"I would say q{i}" for i in range(1, 11)}},
)  # fmt: skip
SNAP_CUSTOMERS = _fake(
    "customers",
    {"customer_id": "VARCHAR", "plan": "VARCHAR", "churned": "VARCHAR", "tenure_months": "BIGINT",
     "clv": "DOUBLE"},
    {"customer_id": "customer_id", "churned": "churned", "tenure": "tenure_months", "clv": "clv",
     "segment": ["plan"]},
    True,
)  # fmt: skip
SNAP_TEAM_UX = _fake("team_ux", {"team": "VARCHAR", "sus": "DOUBLE"},
                     {"segment": ["team"], "sus_score": "sus"})  # fmt: skip
SNAP_TEAM_CUSTOMERS = _fake("team_customers",
                            {"id": "VARCHAR", "team": "VARCHAR", "left": "BOOLEAN"},
                            {"customer_id": "id", "churned": "left"}, True)  # fmt: skip
SNAP_RATES = _fake("products", {"product": "VARCHAR", "sus": "DOUBLE", "churn %": "DOUBLE"},
                   {"segment": ["product"], "sus_score": "sus", "churned": "churn %"})  # fmt: skip

SNAPSHOTS = {
    "sus_items_tenure_filtered": lambda: R.build_query(
        [SNAP_UX, SNAP_CUSTOMERS], "sus", "tenure",
        Filters(dt.date(2025, 1, 1), dt.date(2025, 6, 30), {"plan": ["Pro"]}),
    ),
    "app_rating_retention_quartiles": lambda: R.build_query(
        [SNAP_UX, SNAP_CUSTOMERS], "app_rating", "retention"
    ),
    "group_shared_segment": lambda: R.build_query(
        [SNAP_TEAM_UX, SNAP_TEAM_CUSTOMERS], "sus", "churned"
    ),
    "group_rates_percent": lambda: R.build_query([SNAP_RATES], "sus", "churned", churn_rates=100.0),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(SNAPSHOTS))
def test_sql_snapshot(case, snapshot):
    q = SNAPSHOTS[case]()
    text = f"-- level={q.level} mode={q.mode} params={list(map(str, q.params))}\n{q.sql}\n"
    snapshot(text, f"retention/{case}.sql")


# ---- the sample data ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("sample"))
    ds = ws.create_dataset([(n, SAMPLE_DIR / n) for n in ("customers.csv", "ux_survey.csv")])
    return ws.engine, ds.table_infos(ws.engine)


def test_sample_data_shows_the_built_in_effect(sample):
    engine, tables = sample
    a = R.analyse(engine, tables, "sus", "churned", drivers=False)
    assert a.n == 1765  # customers with a UX response (sample_data/README.md)
    assert a.pearson.r < 0 and a.pearson.ci_high < 0
    assert a.bands[-1].band.startswith("A") and a.bands[0].band.startswith("F")
    assert a.bands[-1].rate < a.bands[0].rate
    assert a.logistic.odds_ratio_per_10 < 1 and a.logistic.or_ci_high < 1
    assert a.impact.outcome_change.ci_high < 0
    assert a.survival is not None and a.survival.logrank.p < 0.05
    # SUS comes from the ten items with Brooke's scoring (the registry's first variant).
    assert [c[0] for c in a.query.measure.columns] == [f"sus_q{i}" for i in range(1, 11)]


# ---- typed errors, the dialect seam, the narrative ------------------------------------------------


def test_errors_carry_a_typed_reason(gen, tmp_path):
    engine, tables, *_ = gen
    with pytest.raises(R.RetentionError) as e:
        R.analyse(engine, [t for t in tables if t.name == "ux"], "sus", "churned")
    assert e.value.reason == "no_outcome" and e.value.fixed_by_mapping
    again = pickle.loads(pickle.dumps(e.value))  # cached page results are pickled
    assert (str(again), again.reason) == (str(e.value), "no_outcome")
    customers, ux, _ = generate(12, seed=1)
    ux = ux[ux["customer_id"].isin(ux["customer_id"].unique()[:7])]
    with pytest.raises(R.RetentionError) as e:
        R.analyse(engine, _tables(engine, customers, ux, prefix="few_"), "sus", "churned")
    assert e.value.reason == "too_few" and not e.value.fixed_by_mapping


class _OtherDialect(Dialect):
    """Marks what it renders, to show the retention SQL reaches the dialect for each construct."""

    @staticmethod
    def as_text(ref: str) -> str:
        return f"TEXT({ref})"

    def quantile(self, expr: str, q: float | str) -> str:
        return f"percentile({expr}, {q})"

    @staticmethod
    def list_element(expr: str, index: int) -> str:
        return f"element_at({expr}, {index})"

    def count_where(self, condition: str) -> str:
        return f"count_if({condition})"

    def aggregate(self, agg) -> str:
        return agg.wrap.format(f"{agg.func}_if({agg.arg}, {agg.where})")


def test_build_query_renders_through_the_dialect():
    q = R.build_query([SNAP_UX, SNAP_CUSTOMERS], "app_rating", "retention", dialect=_OtherDialect())
    for construct in ("AS VARCHAR", "quantile_cont", "q[1]", "FILTER"):
        assert construct not in q.sql
    assert 'TEXT(b."customer_id")' in q.sql and "element_at(q, 3)" in q.sql
    assert "count_if(NOT ok)" in q.sql and "avg_if(v, ok) AS x" in q.sql
    assert R.build_query([SNAP_UX, SNAP_CUSTOMERS], "app_rating", "retention").sql == (
        R.build_query([SNAP_UX, SNAP_CUSTOMERS], "app_rating", "retention", dialect=DUCKDB).sql
    )


def test_narrative_on_the_sample(sample):
    engine, tables = sample
    a = R.analyse(engine, tables, "sus", "churned", drivers=False)
    worst, best = a.bands[0], a.bands[-1]
    gap = S.diff_proportions(worst.events, worst.n, best.events, best.n)
    assert a.band_gap == gap
    tiles = {t.label: t for t in narrative.tiles(a)}
    assert tiles["Churned: best vs worst band"].lines[1].endswith(fmt_p(gap.p))
    assert tiles["Point-biserial r"].lines[1] == f"{fmt_p(a.pearson.p)} · n = {a.n:,} customers"
    assert a.power_n == S.power_n_for_r(R.R_FOR_POWER) == 85
    assert narrative.how_to_read(a)[: len(a.cautions)] == a.cautions
    assert narrative.headline(a).startswith("Customers in SUS grade A")


def test_bayesian_bootstrap_replicates_are_weighted_correlations():
    # Each replicate is the correlation matrix under its Exp(1) weights (numpy's aweights).
    rng = np.random.default_rng(5)
    data = rng.normal(size=(300, 4)) @ rng.normal(size=(4, 4))
    data[:, 2] = np.round(data[:, 2])  # ties do not matter
    got = RD._bayes_boot_corrs(data, 7, seed=11)
    w = np.random.default_rng(11).standard_exponential((7, 300))
    for r in range(7):
        cov = np.cov(data, rowvar=False, aweights=w[r], bias=True)
        sd = np.sqrt(np.diag(cov))
        np.testing.assert_allclose(got[r], cov / np.outer(sd, sd), rtol=1e-9, atol=1e-12)
    flat = data.copy()
    flat[:, 1] = 3.0  # a constant measure has no correlation
    assert np.isnan(RD._bayes_boot_corrs(flat, 2, seed=1)[:, 1]).all()
    assert np.isnan(RD._corr(flat)[1]).all()
