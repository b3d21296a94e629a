"""Real CRM exports: a CX score on its own scale (not a top-2-box flag), every UX and CX score
offered and compared, tenure from signup and churn dates. Known answers from pandas, scipy and
lifelines on the committed fixtures in tests/data/retention (tests/data/retention/make_fixtures.py
writes them) and on small generated tables."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from scipy import stats as sst
from streamlit.testing.v1 import AppTest

from tests.helpers import RecordingEngine, parquet_table
from tests.test_cli_correlate import run_captured
from uxcx import retention as R
from uxcx import stats as S
from uxcx.engines.duckdb import DuckDBEngine
from uxcx.metrics import SCORE_METRICS
from uxcx.retention import narrative as N
from uxcx.sql import TableInfo
from uxcx.store import Workspace

DATA = Path(__file__).parent / "data" / "retention"
CRM, SURVEY, DATES = (DATA / n for n in ("telco_crm.csv", "telco_app_survey.csv", "crm_dates.csv"))
Z95 = 1.959963984540054


def fisher(r: float, n: int) -> tuple[float, float]:
    """The Fisher-z interval, written out."""
    h = Z95 / math.sqrt(n - 3)
    return math.tanh(math.atanh(r) - h), math.tanh(math.atanh(r) + h)


def wald(events: int, n: int) -> tuple[float, float, float]:
    est = S.adjusted_wald(events, n)
    return est.value, est.ci_low, est.ci_high


@pytest.fixture(scope="module")
def telco(tmp_path_factory):
    """The Telco-like CRM export and its app survey, ingested as a user uploads them."""
    ws = Workspace(tmp_path_factory.mktemp("telco"))
    ds = ws.create_dataset([(p.name, p) for p in (CRM, SURVEY)])
    crm = pd.read_csv(CRM)
    crm["y"] = (crm["Churn Label"] == "Yes").astype(int)
    return ws.engine, ds.table_infos(ws.engine), crm, pd.read_csv(SURVEY)


@pytest.fixture(scope="module")
def dates(tmp_path_factory):
    """A CRM export with signup and churn dates only (no tenure, no churn flag)."""
    ws = Workspace(tmp_path_factory.mktemp("dates"))
    ds = ws.create_dataset([(DATES.name, DATES)])
    df = pd.read_csv(DATES, parse_dates=["Signup Date", "Churn Date"])
    end = max(df["Signup Date"].max(), df["Churn Date"].max())
    df["event"] = df["Churn Date"].notna().astype(int)
    df["tenure"] = (df["Churn Date"].fillna(end) - df["Signup Date"]).dt.days / (365.25 / 12)
    return ws.engine, ds.table_infos(ws.engine), df, end.date()


# ---- 1. the score on its own scale, banded by the scale's categories ------------------------------


@pytest.mark.parametrize("ux", ["csat", "csat_score", "Satisfaction Score"])
def test_csat_correlates_the_1_to_5_answer_not_the_top_2_box_flag(telco, ux):
    engine, tables, crm, _ = telco
    a = R.analyse(engine, tables, ux, "churned", drivers=False)
    x, y = crm["Satisfaction Score"], crm["y"]
    pr, sp = sst.pearsonr(x, y), sst.spearmanr(x, y)
    assert (a.n, a.query.ux_label, a.query.band_kind) == (len(crm), "CSAT score 1–5", "level")
    assert a.pearson.r == pytest.approx(pr.statistic, abs=1e-9)
    assert a.spearman.r == pytest.approx(sp.statistic, abs=1e-9)
    assert a.pearson.p == pytest.approx(pr.pvalue, rel=1e-6)
    assert (a.pearson.ci_low, a.pearson.ci_high) == pytest.approx(fisher(pr.statistic, a.n))
    # Before: the 0/100 top-2-box flag, for which Pearson and Spearman coincide.
    flag = sst.pearsonr(100 * (x >= 4), y).statistic
    assert a.pearson.r < flag - 0.1 and a.pearson.r != pytest.approx(a.spearman.r, abs=1e-4)
    # One band per answer, worst first, rates as pandas counts them.
    g = crm.groupby("Satisfaction Score")["y"].agg(["sum", "size"])
    assert [b.band for b in a.bands] == [str(k) for k in g.index] == ["1", "2", "3", "4", "5"]
    for b, (level, row) in zip(a.bands, g.iterrows(), strict=True):
        assert (b.n, b.events, b.x_min, b.x_max) == (row["size"], row["sum"], level, level)
        assert (b.rate, b.ci_low, b.ci_high) == pytest.approx(wald(row["sum"], row["size"]))
    assert a.step == 1 and a.impact.step_label == "+1 point of CSAT score 1–5"
    j = a.to_json()
    assert j["band_kind"] == "level" and j["bands"][0]["band"] == "1"
    assert j["score"] == {"metric": "csat", "family": "CX", "scale": [1, 5],
                          "per_customer": "mean of the customer's answers",
                          "bands_from": "single answers", "several_answers": 0}  # fmt: skip
    assert "one per answer 1–5, by each customer's single answer" in a.method
    assert N.headline(a).startswith("Customers in level 5 of CSAT score 1–5 churned")


def test_nps_and_ces_use_their_scales_categories(telco):
    engine, tables, crm, _ = telco
    cases = {
        "nps": ("NPS", "nps_category", [(0, 6, "Detractor (0–6)"), (7, 8, "Passive (7–8)"),
                                        (9, 10, "Promoter (9–10)")]),
        "ces": ("CES", "low_mid_high", [(1, 3, "Low (1–3)"), (4, 4, "Mid (4)"),
                                        (5, 7, "High (5–7)")]),
    }  # fmt: skip
    for ux, (col, kind, cats) in cases.items():
        a = R.analyse(engine, tables, ux, "churned", drivers=False)
        d = crm.dropna(subset=[col])
        assert (a.n, a.query.band_kind) == (len(d), kind)
        assert a.pearson.r == pytest.approx(sst.pearsonr(d[col], d["y"]).statistic, abs=1e-9)
        assert a.spearman.r == pytest.approx(sst.spearmanr(d[col], d["y"]).statistic, abs=1e-9)
        assert [b.band for b in a.bands] == [c[2] for c in cats]
        for b, (lo, hi, _) in zip(a.bands, cats, strict=True):
            sel = d[d[col].between(lo, hi)]
            assert (b.n, b.events) == (len(sel), int(sel["y"].sum()))
            assert (b.rate, b.ci_low, b.ci_high) == pytest.approx(wald(sel["y"].sum(), len(sel)))
        assert a.step == 1


def test_several_answers_are_banded_by_their_rounded_mean(tmp_path):
    engine = DuckDBEngine(tmp_path)
    rng = np.random.default_rng(5)
    n = 300
    ids = [f"K{i:04d}" for i in range(n)]
    latent = rng.normal(0, 1, n)
    churned = (rng.random(n) < 1 / (1 + np.exp(1.2 * latent))).astype(int)
    k = rng.integers(1, 4, n)
    who = np.repeat(np.arange(n), k)
    sat = np.clip(np.round(3 + latent[who] + rng.normal(0, 0.8, len(who))), 1, 5)
    sat[:3] = 9  # outside 1–5: left out and counted, never clipped
    survey = {"cid": [ids[i] for i in who], "sat": sat.tolist()}
    t_s = parquet_table(engine, "sat", survey, {"customer_id": "cid", "csat_score": "sat"})
    t_c = parquet_table(engine, "cust", {"cid": ids, "left": churned.tolist()},
                        {"customer_id": "cid", "churned": "left"}, True)  # fmt: skip
    a = R.analyse(engine, [t_s, t_c], "csat", "churned", drivers=False)
    s = pd.DataFrame(survey)
    s = s[s["sat"].between(1, 5)]
    per = (
        s.groupby("cid")["sat"].agg(["mean", "size"]).join(pd.Series(churned, index=ids, name="y"))
    )
    assert a.n == len(per) and a.coverage["out_of_scale"] == 3
    assert a.pearson.r == pytest.approx(sst.pearsonr(per["mean"], per["y"]).statistic, abs=1e-9)
    assert a.spearman.r == pytest.approx(sst.spearmanr(per["mean"], per["y"]).statistic, abs=1e-9)
    level = np.floor(per["mean"] + 0.5).astype(int)  # half up (numpy's round is half to even)
    g = per.groupby(level)["y"].agg(["sum", "size"])
    assert [b.band for b in a.bands] == [str(v) for v in g.index]
    for b, (_, row) in zip(a.bands, g.iterrows(), strict=True):
        assert (b.n, b.events) == (row["size"], row["sum"])
        assert b.rate == pytest.approx(wald(row["sum"], row["size"])[0])
    several = int((per["size"] > 1).sum())
    assert a.several_answers == several > 0
    j = a.to_json()["score"]
    assert (j["bands_from"], j["several_answers"]) == ("rounded mean", several)
    assert f"{several:,} customers with several answers are placed by their mean rounded" in (
        a.method
    )


def test_scores_already_on_their_scale_keep_their_bands(telco):
    engine, tables, *_ = telco
    a = R.analyse(engine, tables, "sus", "churned", drivers=False)
    assert (a.query.band_kind, a.query.ux_label) == ("sus_grade", "SUS")
    assert "score" not in a.to_json()  # the JSON of the existing scores is unchanged


# ---- 2. every score offered, UX first; which predicts churn best --------------------------------


def test_available_measures_offer_ux_then_cx_scores_with_their_family(telco):
    _, tables, *_ = telco
    got = R.available_measures(tables, include_columns=True)
    assert got == ["sus", "nps", "csat", "ces"]
    assert [m for m in SCORE_METRICS if m in got] == got  # registry order, UX first
    labels = [N.choice_label(R.resolve_measure(tables, m)) for m in got]
    assert labels == ["SUS (UX)", "NPS score 0–10 (CX)", "CSAT score 1–5 (CX)",
                      "CES score 1–7 (CX)"]  # fmt: skip


def _steiger(r_jk: float, r_jh: float, r_kh: float, n: int) -> float:
    """Steiger (1980) eq. 14 with the pooled r̄, written out: two-sided p."""
    rb = (r_jk + r_jh) / 2
    cov = (r_kh * (1 - 2 * rb**2) - 0.5 * rb**2 * (1 - 2 * rb**2 - r_kh**2)) / (1 - rb**2) ** 2
    z = (np.arctanh(r_jk) - np.arctanh(r_jh)) * np.sqrt((n - 3) / (2 - 2 * cov))
    return float(2 * sst.norm.sf(abs(z)))


def _zou(r1: float, r2: float, r12: float, n: int) -> tuple[float, float]:
    """Zou (2007) interval for r1 − r2 (overlapping), written out."""
    l1, u1 = fisher(r1, n)
    l2, u2 = fisher(r2, n)
    c = ((r12 - r1 * r2 / 2) * (1 - r1**2 - r2**2 - r12**2) + r12**3) / ((1 - r1**2) * (1 - r2**2))
    lo = r1 - r2 - math.sqrt((r1 - l1) ** 2 + (u2 - r2) ** 2 - 2 * c * (r1 - l1) * (u2 - r2))
    hi = r1 - r2 + math.sqrt((u1 - r1) ** 2 + (r2 - l2) ** 2 - 2 * c * (u1 - r1) * (r2 - l2))
    return lo, hi


def test_comparison_on_common_customers_matches_scipy(telco):
    engine, tables, crm, survey = telco
    c = R.compare_scores(engine, tables, "churned")
    sus = survey.groupby("Customer ID")["SUS Score"].mean().rename("SUS")
    d = crm.set_index("Customer ID").join(sus, how="inner").dropna(subset=["NPS", "CES"])
    cols = {"sus": "SUS", "nps": "NPS", "csat": "Satisfaction Score", "ces": "CES"}
    ref = {m: sst.pearsonr(d[col].astype(float), d["y"]).statistic for m, col in cols.items()}
    assert c.n == len(d) and c.left_out == []
    assert {s.measure for s in c.scores} == set(cols)
    assert [s.measure for s in c.scores] == sorted(ref, key=lambda m: -abs(ref[m]))
    assert c.strongest.measure == "csat" and c.strongest.family == "CX"
    top = cols["csat"]
    for s in c.scores:
        assert s.corr.n == len(d)
        assert s.corr.r == pytest.approx(ref[s.measure], abs=1e-9)
        assert (s.corr.ci_low, s.corr.ci_high) == pytest.approx(fisher(ref[s.measure], len(d)))
        if s.gap is None:
            continue
        r_kh = sst.pearsonr(d[top].astype(float), d[cols[s.measure]].astype(float)).statistic
        # Both r are negative: orienting them positive keeps r_kh's sign.
        r1, r2 = abs(ref["csat"]), abs(ref[s.measure])
        assert s.gap.diff == pytest.approx(r1 - r2, abs=1e-9)
        assert s.gap.p == pytest.approx(_steiger(r1, r2, r_kh, len(d)), rel=1e-6)
        assert (s.gap.ci_low, s.gap.ci_high) == pytest.approx(_zou(r1, r2, r_kh, len(d)))
        assert s.gap.ci_low > 0  # CSAT is clearly the stronger predictor here
    sentence = N.comparison_sentence(c)
    assert sentence.startswith(f"CSAT score 1–5 (CX) predicts churn best on the {c.n:,} customers")
    assert "Steiger's test p < 0.001" in sentence
    rows = N.comparison_rows(c)
    assert rows[0]["Score"] == "CSAT score 1–5 (CX)" and rows[0]["Gap in |r| to the strongest"] == (
        "strongest"
    )
    assert any(r["Score"] == "SUS (UX)" for r in rows)
    j = R.report.comparison_json(c)
    assert j["strongest"] == "csat" and j["scores"][0]["gap_to_strongest"] is None
    assert j["scores"][1]["gap_to_strongest"]["ci_low"] > 0


def test_one_row_per_customer_shortcuts_give_the_grouped_numbers(telco):
    """A table unique on its customer id skips the GROUP BY and the self-joins: same numbers."""
    engine, tables, *_ = telco
    assert any(t.customer_unique for t in tables)
    rec = RecordingEngine(engine)
    fast = R.compare_scores(rec, tables, "retention")
    assert any("wide_rows" in sql for sql, _ in rec.queries)  # scores read off the CRM's rows
    grouped = [replace(t, customer_unique=False) for t in tables]
    slow = R.compare_scores(engine, grouped, "retention")
    assert fast is not None and slow is not None and fast.n == slow.n
    for a, b in zip(fast.scores, slow.scores, strict=True):
        assert a.measure == b.measure and a.corr.n == b.corr.n
        assert a.corr.r == pytest.approx(b.corr.r, rel=1e-12)
        if b.gap is not None:
            assert a.gap is not None and a.gap.p == pytest.approx(b.gap.p, rel=1e-9)
    for ux in ("csat", "nps"):
        x, y = (R.analyse(engine, ts, ux, "churned", drivers=False) for ts in (tables, grouped))
        assert x.n == y.n and x.coverage == y.coverage and x.several_answers == y.several_answers
        assert x.pearson.r == pytest.approx(y.pearson.r, rel=1e-12)
        assert x.spearman.r == pytest.approx(y.spearman.r, rel=1e-12)
        assert [(b.n, b.events) for b in x.bands] == [(b.n, b.events) for b in y.bands]


def test_dependent_correlation_tests_match_published_values():
    # Steiger (1980) p. 249 case A and Silver, Hittner & May (2006), as the R package cocor
    # checks them; Zou (2007) p. 409.
    assert S.steiger_z(0.4, 0.5, 0.1, 103)[0] == pytest.approx(-0.8887185, abs=5e-8)
    z, p = S.steiger_z(0.3, 0.4, 0.5, 100)
    assert (round(z, 4), round(p, 4)) == (-1.0718, 0.2838)
    lo, hi = S.zou_dependent_ci(0.396, 0.179, 0.088, 66)
    assert (round(lo, 3), round(hi, 3)) == (-0.093, 0.517)
    d = S.diff_dependent_correlations(0.3, 0.4, 0.5, 100)
    assert d.diff == pytest.approx(-0.1) and d.p == pytest.approx(p)


def test_comparison_sentence_when_the_data_cannot_tell():
    def corr(r: float, n: int = 200) -> S.CorrResult:
        return S.corr_from_r(r, n, "point-biserial")

    gap = S.diff_dependent_correlations(0.31, 0.29, 0.6, 200)
    c = R.ScoreComparison(
        "churned", "churned = 1", 200,
        [R.ScoreCorr("csat", "CSAT score 1–5", "CX", corr(-0.31), None),
         R.ScoreCorr("sus", "SUS", "UX", corr(-0.29), gap)],
        [], "method",
    )  # fmt: skip
    assert gap.ci_low < 0 < gap.ci_high
    text = N.comparison_sentence(c)
    assert text.startswith("CSAT score 1–5 (CX) and SUS (UX) relate about equally to churn")
    assert "cannot tell which predicts it better" in text


# ---- 3. tenure from signup and churn dates --------------------------------------------------------


def test_tenure_from_dates_matches_pandas_and_lifelines(dates):
    engine, tables, df, end = dates
    assert R.available_outcomes(tables) == ["churned", "retention", "tenure"]
    a = R.analyse(engine, tables, "csat", "tenure", drivers=False)
    assert a.n == len(df) and a.query.tenure_end == end
    # Tenure per customer, as the engine derived it (the scatter's points), against pandas.
    got = np.sort(a.scatter.data["tenure"].to_numpy(float))
    assert got == pytest.approx(np.sort(df["tenure"].to_numpy()), abs=1e-9)
    s = a.survival
    kmf = KaplanMeierFitter().fit(df["tenure"], df["event"])
    assert s.overall.at[12] == pytest.approx(float(kmf.survival_function_at_times(12).iloc[0]))
    assert (s.overall.n, s.overall.events) == (len(df), int(df["event"].sum()))
    for b in s.bands:
        sel = df[df["Satisfaction Score"] == int(b.band)]
        k = KaplanMeierFitter().fit(sel["tenure"], sel["event"])
        if b.at[12] is not None:
            assert b.at[12] == pytest.approx(float(k.survival_function_at_times(12).iloc[0]))
        assert b.at_risk[12] == int((sel["tenure"] >= 12).sum())
    j = a.to_json()
    assert j["tenure_from_dates"] == {"end": end.isoformat(), "signup": "Signup Date",
                                      "churn_date": "Churn Date", "days_per_month": 30.4375}  # fmt: skip
    line = next(x for x in N.methods(a) if x.startswith("Tenure:"))
    assert f"to {end.isoformat()}, the last date anywhere in the data" in line
    # Churned = churn date present.
    c = R.analyse(engine, tables, "csat", "churned", drivers=False)
    assert c.overall_rate == pytest.approx(df["event"].mean())
    assert c.survival is not None and c.to_json()["tenure_from_dates"]["end"] == end.isoformat()


def test_tenure_from_dates_uses_the_churn_flag_when_mapped(tmp_path):
    engine = DuckDBEngine(tmp_path)
    d = dt.date
    since = [d(2024, 1, 1) + dt.timedelta(days=20 * i) for i in range(12)]
    flag = [1, 0] + [1 if i % 3 == 0 else 0 for i in range(2, 12)]
    # C0 churned without a date (tenure unknown); C1 has a date but the flag says active.
    left = [None, d(2024, 3, 1)] + [
        since[i] + dt.timedelta(days=45 * i) if flag[i] else None for i in range(2, 12)
    ]
    rows = {"cid": [f"C{i}" for i in range(12)], "since": since, "left": left, "flag": flag,
            "sat": [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 3, 4]}  # fmt: skip
    roles = {"customer_id": "cid", "signup_date": "since", "churn_date": "left",
             "churned": "flag", "csat_score": "sat"}  # fmt: skip
    t = parquet_table(engine, "crm", rows, roles, True)
    a = R.analyse(engine, [t], "csat", "tenure", drivers=False)
    end = max(x for x in rows["since"] + rows["left"] if x is not None)
    df = pd.DataFrame(rows)
    months = [
        None if f == 1 and left is None else ((left if f == 1 else end) - since).days / 30.4375
        for since, left, f in zip(df["since"], df["left"], df["flag"], strict=True)
    ]
    pts = a.scatter.data.sort_values(["tenure"], na_position="first")
    assert pts["tenure"].isna().sum() == 1  # C0: churned, no churn date
    assert np.sort(pts["tenure"].dropna().to_numpy()) == pytest.approx(
        np.sort([m for m in months if m is not None])
    )
    assert a.survival.overall.n == 11 and a.survival.overall.events == int(df["flag"].sum()) - 1


def test_cli_json_and_table(telco):
    code, out, err = run_captured(["correlate", str(CRM), str(SURVEY), "--ux",
                                   "Satisfaction Score", "--outcome", "churned", "--format",
                                   "json", "--compare"])  # fmt: skip
    assert code == 0, err
    j = json.loads(out)
    crm = telco[2]
    assert j["pearson"]["r"] == round(
        sst.pearsonr(crm["Satisfaction Score"], crm["y"]).statistic, 6
    )
    assert (j["ux_label"], j["band_kind"], j["score"]["metric"]) == (
        "CSAT score 1–5",
        "level",
        "csat",
    )
    assert j["comparison"]["strongest"] == "csat"
    assert [s["family"] for s in j["comparison"]["scores"]].count("UX") == 1
    code, out, err = run_captured(["correlate", str(DATES), "--ux", "csat", "--outcome",
                                   "tenure", "--compare"])  # fmt: skip
    assert code == 0, err
    assert "odds ratio (churn) per +1:" in out and "survival" in out
    assert "compare: fewer than two per-customer scores" in out


# ---- SQL snapshot ---------------------------------------------------------------------------------


def test_sql_snapshot_levels_and_tenure_from_dates(snapshot):
    t = TableInfo(
        "crm", "read_parquet('/ws/crm.parquet')",
        {"Customer ID": "VARCHAR", "Signup Date": "DATE", "Churn Date": "DATE",
         "Satisfaction Score": "BIGINT"},
        {"customer_id": "Customer ID", "signup_date": "Signup Date", "churn_date": "Churn Date",
         "csat_score": "Satisfaction Score"},
        True,
    )  # fmt: skip
    q = R.build_query([t], "Satisfaction Score", "tenure", data_end=dt.date(2025, 9, 28))
    assert (q.band_kind, q.tenure_end) == ("level", dt.date(2025, 9, 28))
    snapshot(
        f"-- level={q.level} mode={q.mode}\n{q.sql}\n", "retention/csat_levels_tenure_dates.sql"
    )
    with pytest.raises(R.RetentionError) as e:
        R.build_query([t], "csat", "tenure")  # no end date: no tenure
    assert e.value.reason == "no_tenure"


# ---- the page ---------------------------------------------------------------------------------------

PAGE = "../pages/retention.py"


@pytest.fixture(scope="module")
def page_datasets(app_workspace):
    ws = Workspace(app_workspace)
    crm = ws.create_dataset([(p.name, p) for p in (CRM, SURVEY)], name="telco")
    only_dates = ws.create_dataset([(DATES.name, DATES)], name="crm dates")
    return ws, crm.id, only_dates.id


def _open(params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=90)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_page_offers_cx_scores_labelled_with_their_family(page_datasets):
    ws, crm_id, _ = page_datasets
    at = _open({"dataset": crm_id})
    box = at.selectbox(key="x_ux")
    assert list(box.proto.options) == ["sus", "nps", "csat", "ces"] and box.value == "sus"
    for text in ("`sus`: SUS (UX)", "`csat`: CSAT score 1–5 (CX)", "`nps`: NPS score 0–10 (CX)",
                 "`ces`: CES score 1–7 (CX)"):  # fmt: skip
        assert text in box.proto.help.replace("\\", "")  # the page escapes Markdown
    headers = [h.value for h in at.header]
    assert "Which score predicts churn best?" in headers
    (table,) = at.table
    assert "CSAT score 1–5 (CX)" in table.value.index[0] and "SUS (UX)" in list(table.value.index)
    sentences = [m.value.replace("\\", "") for m in at.markdown]
    assert any(m.startswith("CSAT score 1–5 (CX) predicts churn best") for m in sentences)
    at.selectbox(key="x_ux").set_value("csat").run()
    assert not at.exception
    tables = ws.open(crm_id).table_infos(ws.engine)
    a = R.analyse(ws.engine, tables, "csat", "churned", drivers=False)
    shown = {m.label: m.value for m in at.metric}
    assert float(shown["Point-biserial r"].replace("\u2212", "-")) == pytest.approx(
        a.pearson.r, abs=0.005
    )
    assert "CSAT score 1–5 (CX)" in "\n".join(c.value for c in at.caption).replace("\\", "")


def test_page_survival_from_dates_says_the_end_date(page_datasets, dates):
    _, _, dates_id = page_datasets
    at = _open({"dataset": dates_id, "x_outcome": "tenure"})
    assert at.selectbox(key="x_ux").value == "csat"
    headers = [h.value for h in at.header]
    assert headers[0].startswith("Survival")
    text = "\n".join(c.value for c in at.caption).replace("\\", "")
    assert f"to {dates[3].isoformat()}, the last date anywhere in the data" in text


def test_flat_one_row_per_customer_file_needs_no_joins_and_gives_the_same_numbers(tmp_path):
    """The benchmark's shape (every score and the churn flag on one row per customer): key
    drivers and the comparison read one scan, with the numbers of the grouped, joined SQL."""
    from benchmarks import generator

    csv = tmp_path / "flat.csv"
    generator.write(3000, csv, rows_per_customer=1, tenure=True)
    ws = Workspace(tmp_path / "ws")
    ds = ws.create_dataset([(csv.name, csv)])
    tables = ds.table_infos(ws.engine)
    assert len(tables) == 1 and tables[0].customer_unique
    grouped = [replace(t, customer_unique=False) for t in tables]
    rec = RecordingEngine(ws.engine)
    fast = R.key_drivers(rec, tables, n_boot=50, seed=1)
    assert rec.queries and all("JOIN" not in sql for sql, _ in rec.queries)
    slow = R.key_drivers(ws.engine, grouped, n_boot=50, seed=1)
    assert [k.target for k in fast] == [k.target for k in slow] == ["nps", "retention"]
    for a, b in zip(fast, slow, strict=True):
        assert a.n == b.n and a.r2 == pytest.approx(b.r2, rel=1e-9)
        for x, y in zip(a.drivers, b.drivers, strict=True):
            assert x.measure == y.measure and x.r == pytest.approx(y.r, rel=1e-9)
            assert (x.share, x.ci_low, x.ci_high) == pytest.approx((y.share, y.ci_low, y.ci_high))
    rec.queries.clear()
    c = R.compare_scores(rec, tables, "churned")
    assert all("JOIN" not in sql for sql, _ in rec.queries)
    ref = R.compare_scores(ws.engine, grouped, "churned")
    assert c is not None and ref is not None and c.n == ref.n
    assert [s.corr.r for s in c.scores] == pytest.approx([s.corr.r for s in ref.scores], rel=1e-12)
