"""Tests for uxcx.stats: published worked examples, reference libraries, and properties."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats as sst
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)

from uxcx import stats as S

FAST = settings(max_examples=200, deadline=None)
SLOW = settings(max_examples=40, deadline=None)  # lifelines / statsmodels fits per example


def expand(values, counts):
    """Raw rows from (value, count) aggregates."""
    return np.repeat(np.asarray(values, dtype=float), np.asarray(counts, dtype=int))


# --- published worked examples (GUIDE §6) -------------------------------------------------------


def test_adjusted_wald_sauro_lewis_4_of_5():
    e = S.adjusted_wald(4, 5)
    assert e.value == pytest.approx(0.8)
    assert (round(e.ci_low, 2), round(e.ci_high, 2)) == (0.36, 0.98)
    assert (e.n, e.method) == (5, "adjusted Wald")


def test_nps_rocks_50_25_25():
    e = S.nps_interval(50, 25, 100)
    assert e.value == pytest.approx(0.25)
    assert e.ci_low == pytest.approx(0.083, abs=5e-4)
    assert e.ci_high == pytest.approx(0.402, abs=5e-4)
    assert e.method == "adjusted Wald (NPS)"


def test_geometric_mean_time_on_task():
    logs = np.log([55, 65, 75, 62, 45, 135])
    e = S.geometric_mean_interval(logs.mean(), logs.std(ddof=1), len(logs))
    assert (round(e.value), round(e.ci_low), round(e.ci_high)) == (68, 46, 101)
    assert e.method == "geometric mean, t-interval on log times"


@pytest.mark.parametrize(
    "r, n, lo, hi", [(0.5, 50, 0.26, 0.68), (0.5, 8, -0.32, 0.89)], ids=["n50", "n8"]
)
def test_fisher_z_examples(r, n, lo, hi):
    got = S.fisher_z_ci(r, n)
    assert got == pytest.approx((lo, hi), abs=0.005)


def test_power_n_for_r_point_three_is_85():
    assert S.power_n_for_r(0.3) == 85
    assert S.power_n_for_r(-0.3) == 85
    assert S.power_n_for_r(0.5) < S.power_n_for_r(0.3) < S.power_n_for_r(0.3, power=0.9)


# --- SUS -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "score, grade",
    [
        (100, "A+"),
        (84.1, "A+"),
        (84.0, "A"),
        (80.8, "A"),
        (78.9, "A-"),
        (77.2, "B+"),
        (74.1, "B"),
        (72.6, "B-"),
        (71.1, "C+"),
        (68, "C"),
        (65, "C"),
        (62.7, "C-"),
        (51.7, "D"),
        (51.6, "F"),
        (0, "F"),
    ],
)
def test_sus_grade_boundaries(score, grade):
    assert S.sus_grade(score) == grade


def test_sus_grade_table_and_nan():
    bounds = [b for b, _ in S.SUS_GRADES]
    assert bounds == sorted(bounds, reverse=True)
    assert S.sus_grade(float("nan")) == "n/a"


def test_sus_percentile_normal_and_curve():
    assert S.sus_percentile(68) == pytest.approx(50.0)
    assert S.sus_percentile(68 + 12.5) == pytest.approx(100 * sst.norm.cdf(1))
    # The curve reproduces the percentile ranges printed with the grades.
    assert S.sus_percentile(84.1, "curve") == pytest.approx(96)
    assert S.sus_percentile(65, "curve") == pytest.approx(41)
    assert S.sus_percentile(51.7, "curve") == pytest.approx(15)
    assert math.isnan(S.sus_percentile(float("nan")))
    with pytest.raises(ValueError):
        S.sus_percentile(70, "bogus")


@FAST
@given(st.floats(0, 100), st.floats(0, 100))
def test_sus_percentile_monotone(a, b):
    lo, hi = min(a, b), max(a, b)
    for m in ("normal", "curve"):
        assert 0 <= S.sus_percentile(lo, m) <= S.sus_percentile(hi, m) <= 100


# --- single-group intervals vs reference libraries ----------------------------------------------


@FAST
@given(
    st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_adjusted_wald_matches_statsmodels_agresti_coull(xn, conf):
    x, n = xn
    e = S.adjusted_wald(x, n, conf)
    ref = proportion_confint(x, n, alpha=1 - conf, method="agresti_coull")
    assert (e.ci_low, e.ci_high) == pytest.approx(ref, abs=1e-12)
    assert 0 <= e.ci_low <= e.value <= e.ci_high <= 1


@FAST
@given(
    st.integers(1, 300).flatmap(
        lambda n: st.tuples(st.integers(0, n), st.integers(0, n), st.just(n))
    )
)
def test_nps_interval_properties(pdn):
    p, d, n = pdn
    assume(p + d <= n)
    e = S.nps_interval(p, d, n)
    assert -1 <= e.ci_low <= e.ci_high <= 1
    if n >= 2:  # with n = 1 the +3/4 adjustment pulls the interval away from ±1 (see below)
        assert e.ci_low <= e.value <= e.ci_high


def test_nps_n1_documented_quirk():
    e = S.nps_interval(1, 0, 1)
    assert e.value == 1.0 and e.ci_high < 1.0


def test_t_interval_matches_scipy():
    data = np.array([3.0, 5, 4, 6, 7, 5, 4])
    e = S.t_interval(data.mean(), data.std(ddof=1), len(data), 0.9)
    ref = sst.t.interval(0.9, len(data) - 1, loc=data.mean(), scale=sst.sem(data))
    assert (e.ci_low, e.ci_high) == pytest.approx(ref, rel=1e-12)
    assert e.method == "t-interval"


def test_single_group_degenerate_inputs():
    for e in (
        S.adjusted_wald(0, 0),
        S.nps_interval(0, 0, 0),
        S.t_interval(0.0, 1.0, 0),
        S.geometric_mean_interval(1.0, 1.0, 0),
    ):
        assert math.isnan(e.value) and math.isnan(e.ci_low) and math.isnan(e.ci_high)
    # a NULL aggregate upstream arrives as NaN: NaN out, no exception
    for e in (S.adjusted_wald(float("nan"), 10), S.adjusted_wald(3, float("nan"))):
        assert math.isnan(e.value) and math.isnan(e.ci_low) and math.isnan(e.ci_high)
    one = S.t_interval(4.0, float("nan"), 1)
    assert one.value == 4.0 and math.isnan(one.ci_low) and one.n == 1
    for bad in ((6, 5), (-1, 5)):
        with pytest.raises(ValueError):
            S.adjusted_wald(*bad)
    with pytest.raises(ValueError):
        S.nps_interval(60, 50, 100)
    with pytest.raises(ValueError):
        S.adjusted_wald(1, 5, conf=1.5)


# --- differences ---------------------------------------------------------------------------------


@FAST
@given(
    st.integers(1, 200).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 200).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_diff_proportions_matches_statsmodels(g1, g2):
    (x1, n1), (x2, n2) = g1, g2
    r = S.diff_proportions(x1, n1, x2, n2)
    assert r.diff == pytest.approx(x2 / n2 - x1 / n1)
    lo, hi = confint_proportions_2indep(x2, n2, x1, n1, compare="diff", method="agresti-caffo")
    assert r.ci_low == pytest.approx(max(lo, -1), abs=1e-12)
    assert r.ci_high == pytest.approx(min(hi, 1), abs=1e-12)
    if 0 < x1 + x2 < n1 + n2:
        _, p = proportions_ztest([x2, x1], [n2, n1])
        assert r.p == pytest.approx(p, rel=1e-9, abs=1e-300)
    else:
        assert math.isnan(r.p)


def test_diff_means_matches_scipy_welch():
    rng = np.random.default_rng(1)
    a, b = rng.normal(70, 10, 23), rng.normal(75, 15, 31)
    r = S.diff_means(a.mean(), a.std(ddof=1), len(a), b.mean(), b.std(ddof=1), len(b))
    ref = sst.ttest_ind(b, a, equal_var=False)
    assert r.diff == pytest.approx(b.mean() - a.mean())
    assert r.p == pytest.approx(ref.pvalue, rel=1e-9)
    ci = ref.confidence_interval(0.95)
    assert (r.ci_low, r.ci_high) == pytest.approx((ci.low, ci.high), rel=1e-9)


def test_diff_degenerate():
    for r in (S.diff_proportions(1, 0, 2, 5), S.diff_nps(1, 0, 0, 2, 1, 5)):
        assert all(math.isnan(v) for v in (r.diff, r.ci_low, r.ci_high, r.p))


def test_diff_means_degenerate():
    assert all(
        math.isnan(v) for v in (S.diff_means(1, 1, 1, 2, 1, 5).p, S.diff_means(1, 0, 5, 2, 0, 5).p)
    )
    assert math.isnan(S.diff_means(1, 1, 0, 2, 1, 5).diff)


def test_diff_geometric_means_is_ratio_minus_one():
    rng = np.random.default_rng(2)
    a, b = rng.lognormal(4, 0.4, 20), rng.lognormal(4.2, 0.5, 25)
    la, lb = np.log(a), np.log(b)
    r = S.diff_geometric_means(la.mean(), la.std(ddof=1), len(a), lb.mean(), lb.std(ddof=1), len(b))
    ref = sst.ttest_ind(lb, la, equal_var=False)
    ci = ref.confidence_interval()
    assert r.diff == pytest.approx(sst.gmean(b) / sst.gmean(a) - 1)
    assert (r.ci_low, r.ci_high) == pytest.approx((math.expm1(ci.low), math.expm1(ci.high)))
    assert r.p == pytest.approx(ref.pvalue, rel=1e-9)


def test_diff_nps_hand_computed():
    # Group 1: 50/25/25 of 100; group 2: 30 P, 30 D of 80 (NPS 0).
    r = S.diff_nps(50, 25, 100, 30, 30, 80)
    assert r.diff == pytest.approx(0.0 - 0.25)
    n1, n2 = 103, 83
    p1, d1 = 50.75 / n1, 25.75 / n1
    p2, d2 = 30.75 / n2, 30.75 / n2
    v1 = (p1 + d1 - (p1 - d1) ** 2) / n1
    v2 = (p2 + d2 - (p2 - d2) ** 2) / n2
    adj = (p2 - d2) - (p1 - d1)
    z = adj / math.sqrt(v1 + v2)
    assert r.p == pytest.approx(2 * sst.norm.sf(abs(z)))
    assert r.ci_low == pytest.approx(adj - 1.959963984540054 * math.sqrt(v1 + v2))


@FAST
@given(
    st.integers(1, 100).flatmap(
        lambda n: st.tuples(st.integers(0, n), st.integers(0, n), st.just(n))
    )
)
def test_diff_nps_symmetry_and_identity(pdn):
    p, d, n = pdn
    assume(p + d <= n)
    same = S.diff_nps(p, d, n, p, d, n)
    assert same.diff == 0 and same.p == pytest.approx(1.0)
    assert same.ci_low < 0 < same.ci_high
    other = (min(n, p + 1), d, n) if p + 1 + d <= n else (p, max(0, d - 1), n)
    ab, ba = S.diff_nps(p, d, n, *other), S.diff_nps(*other, p, d, n)
    assert ab.diff == pytest.approx(-ba.diff) and ab.p == pytest.approx(ba.p)
    assert ab.ci_low == pytest.approx(-ba.ci_high)


# --- correlation ---------------------------------------------------------------------------------

small_counts = st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 6)), min_size=1, max_size=15
)


def _xyw(rows):
    x, y, w = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    return x, y, w


def _nonconstant(x, y, w):
    """True when the expanded data can be compared with scipy (else r must be NaN or n < 3)."""
    xe, ye = expand(x, w), expand(y, w)
    return not (len(xe) < 2 or np.ptp(xe) == 0 or np.ptp(ye) == 0)


def _assert_p_close(p, ref):
    """p matches scipy; at |r| ≈ 1 the p is ill-conditioned (uxcx snaps r to ±1, p to 0)."""
    if 1 - abs(ref.statistic) < 1e-12:
        assert p < 1e-6 and ref.pvalue < 1e-6
    else:
        assert p == pytest.approx(ref.pvalue, rel=1e-7, abs=1e-12)


def _check_small_n(res, n):
    """n = 2 gives r = ±1 with no degrees of freedom left: p is NaN (scipy says 1.0)."""
    assert abs(res.r) == pytest.approx(1.0) and math.isnan(res.p) and n == 2


@FAST
@given(small_counts)
def test_spearman_from_counts_matches_scipy(rows):
    x, y, w = _xyw(rows)
    res = S.spearman_from_counts(x, y, w)
    if not _nonconstant(x, y, w):
        assert math.isnan(res.r)
        return
    if w.sum() < 3:
        return _check_small_n(res, w.sum())
    ref = sst.spearmanr(expand(x, w), expand(y, w))
    assert res.r == pytest.approx(ref.statistic, abs=1e-10)
    _assert_p_close(res.p, ref)
    assert res.n == int(w.sum())


@FAST
@given(small_counts)
def test_pearson_from_counts_matches_scipy(rows):
    x, y, w = _xyw(rows)
    res = S.pearson_from_counts(x, y, w)
    if not _nonconstant(x, y, w):
        assert math.isnan(res.r)
        return
    if w.sum() < 3:
        return _check_small_n(res, w.sum())
    xe, ye = expand(x, w), expand(y, w)
    ref = sst.pearsonr(xe, ye)
    assert res.r == pytest.approx(ref.statistic, abs=1e-10)
    _assert_p_close(res.p, ref)
    if len(xe) > 3 and abs(res.r) < 1:
        assert res.ci_low <= res.r <= res.ci_high
        assert (res.ci_low, res.ci_high) == pytest.approx(S.fisher_z_ci(res.r, res.n))


def test_point_biserial_matches_scipy():
    x = np.array([55, 60, 70, 70, 80, 85, 90, 55, 70, 95], dtype=float)
    y = np.array([1, 1, 1, 0, 1, 0, 0, 0, 0, 0], dtype=float)
    w = np.array([3, 2, 4, 1, 2, 5, 3, 1, 2, 6], dtype=float)
    res = S.point_biserial_from_counts(x, y, w)
    ref = sst.pointbiserialr(expand(y, w), expand(x, w))
    assert res.r == pytest.approx(ref.statistic, abs=1e-12)
    assert res.p == pytest.approx(ref.pvalue, rel=1e-9)
    assert res.method == "point-biserial"


def test_correlation_degenerate_inputs():
    assert math.isnan(S.pearson_from_counts([], [], []).r)
    assert math.isnan(S.spearman_from_counts([1, 2], [3, 3], [4, 5]).r)
    assert math.isnan(S.spearman_from_counts([], [], []).r)
    assert all(math.isnan(v) for v in S.fisher_z_ci(0.5, 3))
    perfect = S.pearson_from_counts([1, 2, 3, 4], [2, 4, 6, 8], [1, 1, 1, 1])
    assert perfect.r == pytest.approx(1.0) and perfect.p == 0.0
    with pytest.raises(ValueError):
        S.pearson_from_counts([1, 2], [1, 2], [1, -1])


# --- survival ------------------------------------------------------------------------------------


def _lifelines_km(t, d, c, conf=0.95):
    from lifelines import KaplanMeierFitter

    dur = np.concatenate([expand(t, d), expand(t, c)])
    obs = np.concatenate([np.ones(int(np.sum(d))), np.zeros(int(np.sum(c)))])
    return KaplanMeierFitter(alpha=1 - conf).fit(dur, obs)


def _assert_km_matches(km, kmf):
    ref = kmf.survival_function_.join(kmf.confidence_interval_)
    np.testing.assert_allclose(km["time"], ref.index.to_numpy(), atol=0)
    got = km[["survival", "ci_low", "ci_high"]].to_numpy()
    np.testing.assert_allclose(got, ref.to_numpy(), atol=1e-9)
    et = kmf.event_table
    np.testing.assert_array_equal(km["at_risk"], et["at_risk"].to_numpy())
    np.testing.assert_array_equal(km["events"], et["observed"].to_numpy())
    np.testing.assert_array_equal(km["censored"], et["censored"].to_numpy())
    med = S.km_median(km)
    ref_med = kmf.median_survival_time_
    assert (med is None) if np.isinf(ref_med) else med == pytest.approx(ref_med)


def test_kaplan_meier_matches_lifelines_small_example():
    t, d, c = [1, 2, 3, 5, 8], [1, 1, 1, 1, 1], [0, 1, 0, 1, 0]
    km = S.kaplan_meier(t, d, c, conf=0.9)
    assert list(km.columns) == S.KM_COLUMNS
    assert km["time"].iloc[0] == 0 and km["survival"].iloc[0] == 1
    _assert_km_matches(km, _lifelines_km(t, d, c, 0.9))
    assert S.km_median(km) == 5.0
    assert S.km_at(km, -1) == 1.0
    assert S.km_at(km, 2.5) == pytest.approx(km["survival"].iloc[2])
    assert S.km_at(km, 100) == 0.0


@SLOW
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=12
    )
)
def test_kaplan_meier_matches_lifelines_random(rows):
    t, d, c = (np.array(v, dtype=float) for v in zip(*rows, strict=True))
    assume(d.sum() + c.sum() > 0)
    km = S.kaplan_meier(t, d, c)
    kmf = _lifelines_km(t, d, c)
    _assert_km_matches(km, kmf)
    probe = np.array([0, 0.5, 3, 7.5, 15, 29.9, 31])
    np.testing.assert_allclose([S.km_at(km, v) for v in probe], kmf.predict(probe).to_numpy())


def test_kaplan_meier_empty_and_unsorted():
    empty = S.kaplan_meier([], [], [])
    assert empty.empty and list(empty.columns) == S.KM_COLUMNS
    assert S.km_median(empty) is None and math.isnan(S.km_at(empty, 1.0))
    a = S.kaplan_meier([5, 1, 5, 3, 9], [1, 2, 0, 0, 0], [0, 0, 1, 0, 2])
    b = S.kaplan_meier([1, 5, 9], [2, 1, 0], [0, 1, 2])
    pd.testing.assert_frame_equal(a, b)


def _lifelines_logrank(groups):
    from lifelines.statistics import multivariate_logrank_test

    dur, ev, lab = [], [], []
    for g, (t, d, c) in groups.items():
        for counts, flag in ((d, 1), (c, 0)):
            x = expand(t, counts)
            dur.append(x)
            ev.append(np.full(len(x), flag))
            lab.append(np.full(len(x), g, dtype=object))
    return multivariate_logrank_test(np.concatenate(dur), np.concatenate(lab), np.concatenate(ev))


def test_logrank_matches_lifelines_docstring_example():
    # lifelines' own example: T, E per group 0/1/2 aggregated per time.
    groups = {
        "a": ([3, 5, 8, 9], [1, 1, 1, 1], [0, 0, 0, 0]),
        "b": ([2, 3, 4, 7], [1, 0, 1, 1], [0, 1, 1, 0]),
        "c": ([5, 6, 7], [1, 1, 0], [0, 0, 1]),
    }
    res, ref = S.logrank(groups), _lifelines_logrank(groups)
    assert res.chi2 == pytest.approx(ref.test_statistic, rel=1e-9)
    assert res.p == pytest.approx(ref.p_value, rel=1e-9)
    assert res.df == 2
    assert sum(res.observed.values()) == pytest.approx(sum(res.expected.values()))


@SLOW
@given(
    st.integers(2, 4).flatmap(
        lambda k: st.lists(
            st.lists(
                st.tuples(st.integers(1, 12), st.integers(0, 3), st.integers(0, 3)),
                min_size=1,
                max_size=6,
            ),
            min_size=k,
            max_size=k,
        )
    )
)
def test_logrank_matches_lifelines_random(group_rows):
    groups = {}
    for i, rows in enumerate(group_rows):
        t, d, c = (np.array(v, dtype=float) for v in zip(*rows, strict=True))
        groups[f"g{i}"] = (t, d, c)
    total = [g[1].sum() + g[2].sum() for g in groups.values()]
    assume(all(v > 0 for v in total) and sum(g[1].sum() for g in groups.values()) > 0)
    res = S.logrank(groups)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = _lifelines_logrank(groups)
    assert res.chi2 == pytest.approx(ref.test_statistic, rel=1e-7, abs=1e-9)
    assert res.p == pytest.approx(ref.p_value, rel=1e-7, abs=1e-12)
    assert res.df == len(groups) - 1


def test_logrank_degenerate():
    one = S.logrank({"a": ([1, 2], [1, 0], [0, 1])})
    assert math.isnan(one.chi2) and math.isnan(one.p)
    no_events = S.logrank({"a": ([1, 2], [0, 0], [1, 1]), "b": ([3], [0], [2])})
    assert math.isnan(no_events.chi2)
    dropped = S.logrank(
        {"a": ([1, 2], [1, 0], [0, 1]), "b": ([], [], []), "c": ([1, 3], [1, 1], [1, 0])}
    )
    assert dropped.df == 1


# --- logistic regression -------------------------------------------------------------------------


def _logit_expanded(x, e, n):
    import statsmodels.api as sm

    xs = np.concatenate([expand(x, e), expand(x, np.asarray(n) - np.asarray(e))])
    ys = np.concatenate([np.ones(int(np.sum(e))), np.zeros(int(np.sum(n) - np.sum(e)))])
    return sm.Logit(ys, sm.add_constant(xs)).fit(disp=0, method="newton", tol=1e-12, maxiter=100)


def test_logistic_from_counts_matches_logit_on_raw_rows():
    x = np.array([45, 55, 62.5, 70, 77.5, 85, 92.5])
    n = np.array([12, 30, 44, 51, 40, 25, 9])
    e = np.array([7, 14, 15, 13, 7, 3, 1])
    res = S.logistic_from_counts(x, e, n)
    ref = _logit_expanded(x, e, n)
    assert res.intercept == pytest.approx(ref.params[0], abs=1e-6)
    assert res.slope == pytest.approx(ref.params[1], abs=1e-6)
    assert res.se_slope == pytest.approx(ref.bse[1], rel=1e-6)
    assert res.p == pytest.approx(ref.pvalues[1], rel=1e-6)
    np.testing.assert_allclose(res.cov, ref.cov_params(), rtol=1e-6)
    lo, hi = ref.conf_int()[1]
    assert res.odds_ratio_per_10 == pytest.approx(math.exp(10 * ref.params[1]), rel=1e-6)
    assert (res.or_ci_low, res.or_ci_high) == pytest.approx(
        (math.exp(10 * lo), math.exp(10 * hi)), rel=1e-6
    )
    assert res.n == n.sum() and res.slope < 0


@SLOW
@given(
    st.lists(
        st.tuples(st.integers(0, 10), st.integers(0, 8), st.integers(1, 8)),
        min_size=3,
        max_size=8,
        unique_by=lambda r: r[0],
    )
)
def test_logistic_from_counts_matches_logit_random(rows):
    x, e, n = (np.array(v, dtype=float) for v in zip(*rows, strict=True))
    e = np.minimum(e, n)
    res = S.logistic_from_counts(x, e, n)
    if math.isnan(res.slope):
        assert "not estimable" in res.method
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = _logit_expanded(x, e, n)
    assert res.slope == pytest.approx(ref.params[1], abs=1e-6)
    assert res.intercept == pytest.approx(ref.params[0], abs=1e-6)
    assert res.se_slope == pytest.approx(ref.bse[1], rel=1e-6)
    assert res.p == pytest.approx(ref.pvalues[1], rel=1e-6, abs=1e-12)


@pytest.mark.parametrize(
    "x, e, n, why",
    [
        ([1, 2, 3], [0, 0, 0], [5, 5, 5], "all or none"),
        ([1, 2, 3], [5, 5, 5], [5, 5, 5], "all or none"),
        ([2, 2, 2], [1, 2, 3], [5, 5, 5], "x does not vary"),
        ([1, 2, 3, 4], [0, 0, 3, 5], [5, 5, 5, 5], "separation"),  # quasi-complete
        ([1, 2, 3], [4, 0, 0], [4, 5, 5], "separation"),
        ([], [], [], "no data"),
    ],
)
def test_logistic_not_estimable(x, e, n, why):
    res = S.logistic_from_counts(x, e, n)
    assert math.isnan(res.slope) and math.isnan(res.p) and why in res.method
    assert math.isnan(S.predicted_change(res, [1, 2], [1, 1]).value)


def test_predicted_change_value_and_delta_method():
    x = np.array([45, 55, 62.5, 70, 77.5, 85, 92.5])
    n = np.array([12, 30, 44, 51, 40, 25, 9])
    e = np.array([7, 14, 15, 13, 7, 3, 1])
    res = S.logistic_from_counts(x, e, n)
    est = S.predicted_change(res, x, n, delta=10)

    def ame(b):
        p0 = 1 / (1 + np.exp(-(b[0] + b[1] * x)))
        p1 = 1 / (1 + np.exp(-(b[0] + b[1] * (x + 10))))
        return np.dot(n, p1 - p0) / n.sum()

    b = np.array([res.intercept, res.slope])
    assert est.value == pytest.approx(ame(b), rel=1e-12)
    assert est.value < 0 and est.ci_low < est.value < est.ci_high < 0
    # delta method == numerical gradient
    h = 1e-6
    g = np.array(
        [(ame(b + h * np.eye(2)[i]) - ame(b - h * np.eye(2)[i])) / (2 * h) for i in range(2)]
    )
    se = math.sqrt(g @ res.cov @ g)
    assert (est.ci_high - est.ci_low) / 2 == pytest.approx(1.959963984540054 * se, rel=1e-5)
    # parametric simulation agrees with the delta method to within simulation noise
    draws = np.random.default_rng(0).multivariate_normal(b, res.cov, 4000)
    sim = np.array([ame(d) for d in draws])
    assert np.std(sim) == pytest.approx(se, rel=0.1)
    assert est.n == n.sum() and "delta method" in est.method


def test_predicted_change_zero_slope_is_zero():
    res = S.LogisticResult(0.0, 0.0, 0.1, 1.0, 0.5, 2.0, 1.0, 100, np.diag([0.01, 0.01]))
    est = S.predicted_change(res, [1.0, 2.0], [1.0, 1.0])
    assert est.value == 0.0 and est.ci_low < 0 < est.ci_high


# --- key drivers ---------------------------------------------------------------------------------


def _random_corr(rng, n_pred, n=400):
    x = rng.normal(size=(n, n_pred)) @ rng.normal(size=(n_pred, n_pred))
    y = x @ rng.normal(size=n_pred) + rng.normal(scale=2, size=n)
    data = np.column_stack([x, y])
    return np.corrcoef(data, rowvar=False), data


def test_r_squared_equals_ols():
    rng = np.random.default_rng(4)
    corr, data = _random_corr(rng, 4)
    x, y = data[:, :-1], data[:, -1]
    design = np.column_stack([np.ones(len(y)), x])
    resid = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    assert S.r_squared(corr) == pytest.approx(1 - resid.var() / y.var(), rel=1e-10)


def test_shapley_two_predictors_closed_form():
    r12, r1y, r2y = 0.4, 0.5, 0.3
    corr = np.array([[1, r12, r1y], [r12, 1, r2y], [r1y, r2y, 1]])
    r2 = S.r_squared(corr)
    got = S.shapley_r2(corr, ["a", "b", "y"])  # outcome name may be included
    assert got["a"] == pytest.approx((r1y**2 + r2 - r2y**2) / 2)
    assert got["b"] == pytest.approx((r2y**2 + r2 - r1y**2) / 2)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 7), st.integers(0, 2**32 - 1))
def test_shapley_sums_to_r2(p, seed):
    corr, _ = _random_corr(np.random.default_rng(seed), p, n=60)
    names = [f"x{i}" for i in range(p)]
    r2 = S.r_squared(corr)
    sh = S.shapley_r2(corr, names)
    assert sum(sh.values()) == pytest.approx(r2, rel=1e-8, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-0.3, 0.3), min_size=2, max_size=6))
def test_orthogonal_predictors_get_r_squared_each(rs):
    assume(sum(r * r for r in rs) < 0.95)
    p = len(rs)
    corr = np.eye(p + 1)
    corr[:p, p] = corr[p, :p] = rs
    names = [f"x{i}" for i in range(p)]
    sh = S.shapley_r2(corr, names)
    np.testing.assert_allclose([sh[k] for k in names], np.square(rs), atol=1e-12)


def test_key_drivers_degenerate():
    corr = np.full((3, 3), np.nan)
    assert all(math.isnan(v) for v in S.shapley_r2(corr, ["a", "b"]).values())
    # perfectly collinear predictors: still sums to R², splits equally
    col = np.array([[1, 1, 0.5], [1, 1, 0.5], [0.5, 0.5, 1]])
    sh = S.shapley_r2(col, ["a", "b"])
    assert sh["a"] == pytest.approx(sh["b"]) and sum(sh.values()) == pytest.approx(0.25)
    with pytest.raises(ValueError):
        S.shapley_r2(np.eye(3), ["a"])
    with pytest.raises(ValueError):
        S.shapley_r2(np.eye(17), [str(i) for i in range(16)])


# --- bootstrap -----------------------------------------------------------------------------------


def test_bootstrap_interval_percentiles():
    v = np.arange(1001, dtype=float)
    assert S.bootstrap_interval(v) == pytest.approx((25.0, 975.0))
    assert S.bootstrap_interval(np.r_[v, np.nan]) == pytest.approx((25.0, 975.0))
    assert all(math.isnan(b) for b in S.bootstrap_interval(np.array([1.0])))


# ---- the stdlib normal and t distribution (uxcx.stats.dist) --------------------------------
_DFS = [1, 2, 3, 4, 5, 7, 9.5, 19, 29, 49.25, 99, 199, 999, 1000.5, 5e3, 1e5, 1e6, 1e8, 1e10]
_PS = [0.55, 0.75, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 0.9999, 0.025, 0.3, 0.001]


@pytest.mark.parametrize("df", _DFS)
def test_t_ppf_matches_scipy(df):
    from uxcx.stats import dist

    for p in _PS:
        ref = sst.t.ppf(p, df)
        assert dist.t_ppf(p, df) == pytest.approx(ref, rel=1e-12, abs=0), (p, df)


@pytest.mark.parametrize("df", [d for d in _DFS if d < 1e5])
def test_t_sf_matches_scipy(df):
    from uxcx.stats import dist

    for t in [0.001, 0.5, 1.0, 1.96, 3.0, 10.0, 40.0, -1.0, -3.0]:
        assert dist.t_sf(t, df) == pytest.approx(sst.t.sf(t, df), rel=1e-12, abs=0), (t, df)


def test_normal_quantiles_and_tails_match_scipy():
    from uxcx.stats import dist

    for p in [1e-10, 0.001, 0.025, 0.3, 0.5, 0.8, 0.975, 0.999999]:
        assert dist.norm_ppf(p) == pytest.approx(sst.norm.ppf(p), rel=1e-14, abs=1e-15)
    for x in [-30.0, -5.0, -1.0, 0.0, 0.7, 1.96, 5.0, 30.0]:
        assert dist.norm_sf(x) == pytest.approx(sst.norm.sf(x), rel=1e-12)
        assert dist.norm_cdf(x) == pytest.approx(sst.norm.cdf(x), rel=1e-12)
    assert S.z_crit(0.95) == pytest.approx(1.959963984540054, rel=1e-15)


def test_t_ppf_edges():
    from uxcx.stats import dist

    assert dist.t_ppf(0.5, 7) == 0.0
    assert math.isnan(dist.t_ppf(0.0, 7)) and math.isnan(dist.t_ppf(0.5, 0))
    assert dist.t_ppf(0.975, math.inf) == pytest.approx(1.959963984540054)
    assert dist.t_sf(math.inf, 3) == 0.0 and dist.t_sf(-math.inf, 3) == 1.0


def test_intervals_need_no_scipy():
    """The metric intervals run on the stdlib alone: the CLI starts without importing scipy."""
    import subprocess
    import sys

    code = (
        "import sys; from uxcx import stats; stats.t_interval(5.0, 2.0, 30); "
        "stats.adjusted_wald(3, 10); stats.sus_grade(70.0); stats.sus_percentile(70.0); "
        "print(sorted(m for m in ('scipy', 'pandas', 'statsmodels') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_lazy_reexports_resolve_every_name():
    assert set(S.__all__) <= set(dir(S))
    for name in S.__all__:
        assert getattr(S, name) is not None
    with pytest.raises(AttributeError):
        _ = S.no_such_name


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_batched_shapley_and_r2_equal_one_matrix_at_a_time(p, seed):
    from uxcx.stats.drivers import r_squared_many, shapley_r2_many

    rng = np.random.default_rng(seed)
    corrs = np.stack([_random_corr(rng, p, n=40)[0] for _ in range(5)])
    corrs[2, 0, -1] = corrs[2, -1, 0] = np.nan  # a replicate with a constant column
    names = [f"x{i}" for i in range(p)]
    many, r2s = shapley_r2_many(corrs), r_squared_many(corrs)
    for c, row, r2 in zip(corrs, many, r2s, strict=True):
        one = S.shapley_r2(c, names)
        np.testing.assert_allclose(row, [one[k] for k in names], rtol=1e-9, atol=1e-12)
        assert (math.isnan(r2) and math.isnan(S.r_squared(c))) or r2 == pytest.approx(
            S.r_squared(c), rel=1e-9, abs=1e-12
        )
