"""Seeded generator for the bundled sample data: UX and CX exports of a fictional SaaS, Acme.

Run ``python -m uxcx.sample sample_data`` (or ``make sample``) to rewrite the committed CSVs.
Output is byte-identical across runs: one seed, explicit rounding, fixed "\\n" line endings,
and a fixed calendar (2023-07-01 .. 2025-12-31) instead of today's date. Signups run
2023-07-01 .. 2025-10-31, so the longest tenure is 29 months and a few hundred customers are
followed past 24 months (survival at 24 months is estimable).

Built-in effects (the things the app's charts and statistics should be able to find):

- Latent UX experience: every customer has u ~ N(0, 1), shifted up for Enterprise (+0.25) and
  Pro (+0.05), down for Basic (-0.10); shifted up for the iOS app (+0.15) and down for the
  Android app (-0.15) relative to the Web app. Each survey answer or usability session adds
  occasion noise N(0, 0.5) to u, plus the product drift below.
- UX scores follow u: SUS (computed from the ten items the standard way) averages about 70 with
  an SD of about 15; CX NPS, CSAT, CES, product NPS, app-store rating and task success rise with
  u; time on task and error counts fall with u.
- Better UX means less churn: the monthly churn hazard is exponential in u
  (hazard = 0.026 * exp(-0.3 u) * plan factor per month), so customers in the top quartile of
  their mean SUS churn roughly half as often as the bottom quartile. About 27% of all customers
  have churned by 2025-12-31; the rest are censored there.
- Drift: the product improves by 0.22 latent units a year (measured from 2024-01-01), about
  +3 SUS points a year, so SUS and NPS are higher in 2025 than in 2024, and lowest in 2023. (Survivorship adds a little to this: customers with
  poor UX churn and stop answering surveys.)
- Segments: Enterprise pays more and churns less (plan factor 0.55 vs Pro 0.8 vs Basic 1);
  iOS scores a few SUS points above Android; Paid traffic bounces about twice as often as
  Direct or Email traffic and converts least; Email converts best. Region has no built-in
  effect on anything: it is a null segment for checking that the app does not report noise as
  findings.
- CLV is revenue to date: monthly recurring revenue (plan price times a lognormal seat/discount
  factor) times the months billed (tenure_months + 1, billed at the start of each month).
- Consistency: survey answers, usability sessions and web sessions fall on or after the signup
  date and strictly before the churn date; tenure_months is whole calendar months from signup to
  churn_date, or to 2025-12-31 for active customers. The data contain no deliberate defects.
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

SEED = 20261123

CAL_START = np.datetime64("2023-07-01")
OBS_END = np.datetime64("2025-12-31")
SIGNUP_LAST = np.datetime64("2025-10-31")
END_DAY = int((OBS_END - CAL_START).astype(np.int64))
DAYS_PER_MONTH = 365.25 / 12
# Product drift is measured from here, so scores in 2024-2025 do not depend on CAL_START.
DRIFT_ORIGIN_DAY = int((np.datetime64("2024-01-01") - CAL_START).astype(np.int64))

N_CUSTOMERS = 3000

PLANS = ("Basic", "Pro", "Enterprise")
PLAN_P = (0.50, 0.35, 0.15)
PLAN_U_SHIFT = (-0.10, 0.05, 0.25)
PLAN_HAZARD = (1.0, 0.8, 0.55)
# List prices per month; the lognormal factor below stands in for seats and discounts.
PLAN_PRICE = (29.0, 99.0, 450.0)

REGIONS = ("EMEA", "Americas", "APAC")
REGION_P = (0.35, 0.40, 0.25)

PRODUCTS = ("Web app", "iOS app", "Android app")
PRODUCT_P = (0.50, 0.28, 0.22)
PRODUCT_U_SHIFT = (0.0, 0.15, -0.15)

CHANNELS = ("Organic", "Paid", "Email", "Direct")
CHANNEL_P = (0.35, 0.25, 0.15, 0.25)
CHANNEL_BOUNCE_LOGIT = (-0.45, 0.25, -0.85, -1.0)
CHANNEL_CONVERT_LOGIT = (-1.2, -1.5, -0.7, -1.0)

# Base monthly churn hazard for a Basic customer at u = 0.
BASE_HAZARD = 0.026
HAZARD_U = -0.3
DRIFT_PER_YEAR = 0.22
OCCASION_SD = 0.5

CX_NPS = "How likely are you to recommend Acme to a friend or colleague?"
CX_CSAT = "Satisfaction Score"
CX_CES = "Customer Effort Score"
UX_NPS = "How likely are you to recommend the Acme app to a friend or colleague?"
UX_RATING = "App store rating"

# The ten standard SUS statements, in questionnaire order (odd = positive, even = negative).
SUS_ITEMS = (
    "I think that I would like to use Acme frequently",
    "I found Acme unnecessarily complex",
    "I thought Acme was easy to use",
    "I think that I would need the support of a technical person to be able to use Acme",
    "I found the various functions in Acme were well integrated",
    "I thought there was too much inconsistency in Acme",
    "I would imagine that most people would learn to use Acme very quickly",
    "I found Acme very cumbersome to use",
    "I felt very confident using Acme",
    "I needed to learn a lot of things before I could get going with Acme",
)
# Item means at latent 0 on the 1-5 scale; items differ a little, as in published SUS data.
SUS_ITEM_MEAN = (3.4, 2.4, 3.8, 2.1, 3.6, 2.3, 3.7, 2.3, 3.7, 2.4)
SUS_LOADING = 0.57
SUS_ITEM_SD = 0.65

# (task, completion logit at latent 0, median seconds at latent 0, mean errors at latent 0)
TASKS = (
    ("Create invoice", 1.6, 95.0, 0.5),
    ("Export report", 1.0, 70.0, 0.6),
    ("Invite teammate", 2.2, 45.0, 0.25),
    ("Set up payment reminder", 0.4, 150.0, 1.0),
    ("Find past payment", 1.3, 60.0, 0.45),
    ("Change billing plan", 0.8, 80.0, 0.7),
)
STUDY_ROUNDS = ("2024-03-11", "2024-09-09", "2025-03-10", "2025-09-08")
STUDY_PARTICIPANTS = 50
STUDY_DAYS = 10

CX_FIRST_INVITE = 30
CX_INVITE_EVERY = 91
CX_RESPONSE_P = 0.42
UX_RESPONSE_P = 0.26
UX_MIN_AGE_DAYS = 14
WEB_SESSIONS_PER_MONTH = 0.245

COMMENT_EMPTY_P = 0.45
COMMENTS_PROMOTER = (
    "Love it",
    'The new "Quick invoice" button saves me hours',
    "Great support team, fast answers",
    "Easy to use. My whole team picked it up in a day",
    "Reports are exactly what our accountant needs",
    "Très pratique, merci !",
)
COMMENTS_PASSIVE = (
    "Good overall, but exports are slow",
    "Does the job. Pricing is a bit high",
    'Fine, though "Settings" is hard to find',
    "Mobile app could be faster",
    "OK for invoicing; reporting needs work",
)
COMMENTS_DETRACTOR = (
    "Too many clicks to do simple things",
    'Invoices keep failing with "unknown error", very frustrating',
    "Support took 3 days to reply",
    "Confusing navigation, I can never find reports",
    "We are moving to another tool",
)


@dataclass(frozen=True)
class _Customers:
    """Per-customer latent state; index i is customer C{i+1:05d}."""

    plan: np.ndarray
    region: np.ndarray
    product: np.ndarray
    u: np.ndarray
    signup: np.ndarray
    last_active: np.ndarray
    churned: np.ndarray
    mrr: np.ndarray

    @property
    def ids(self) -> np.ndarray:
        """Customer ids as strings."""
        return np.array([f"C{i + 1:05d}" for i in range(self.u.size)])


def _iso(days: np.ndarray) -> list[str]:
    """Day offsets from CAL_START as ISO dates."""
    return [str(d) for d in CAL_START + np.asarray(days, dtype=np.int64).astype("timedelta64[D]")]


def _whole_months(start_day: np.ndarray, end_day: np.ndarray) -> np.ndarray:
    """Whole calendar months between two day offsets (as relativedelta counts them)."""
    start = CAL_START + start_day.astype("timedelta64[D]")
    end = CAL_START + end_day.astype("timedelta64[D]")
    start_m = start.astype("datetime64[M]")
    end_m = end.astype("datetime64[M]")
    start_dom = (start - start_m.astype("datetime64[D]")).astype(np.int64)
    end_dom = (end - end_m.astype("datetime64[D]")).astype(np.int64)
    # Datetime arithmetic is untyped in numpy's stubs: the result's type is stated.
    months: np.ndarray = (end_m - start_m).astype(np.int64) - (end_dom < start_dom)
    return months


def _logistic(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Standard logistic function."""
    return 1.0 / (1.0 + np.exp(-x))


def _occasion(rng: np.random.Generator, u: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Latent experience on one occasion: the customer's u, product drift, occasion noise."""
    return (
        u
        + DRIFT_PER_YEAR * (day - DRIFT_ORIGIN_DAY) / 365.25
        + rng.normal(0.0, OCCASION_SD, size=u.size)
    )


def _scale(
    rng: np.random.Generator, mean: float, slope: float, sd: float, s: np.ndarray, lo: int, hi: int
) -> np.ndarray:
    """Integer rating on lo..hi: a rounded, clipped linear function of latent s plus noise."""
    raw = mean + slope * s + rng.normal(0.0, sd, size=s.size)
    return np.clip(np.rint(raw), lo, hi).astype(np.int64)


def _make_customers(rng: np.random.Generator) -> _Customers:
    """Draw customers, their latent UX, signup dates and churn."""
    n = N_CUSTOMERS
    plan = rng.choice(len(PLANS), size=n, p=PLAN_P)
    region = rng.choice(len(REGIONS), size=n, p=REGION_P)
    product = rng.choice(len(PRODUCTS), size=n, p=PRODUCT_P)
    u = (
        rng.normal(0.0, 1.0, size=n)
        + np.take(PLAN_U_SHIFT, plan)
        + np.take(PRODUCT_U_SHIFT, product)
    )

    # A growing company: signup density rises linearly (1x at the start, 2x at the end).
    last_signup = int((SIGNUP_LAST - CAL_START).astype(np.int64))
    x = rng.random(n)
    # Sorted because ids are handed out in signup order, as a real CRM would; the other traits
    # are drawn independently, so sorting signup alone keeps them independent of it.
    signup = np.sort(np.floor(last_signup * (np.sqrt(1.0 + 3.0 * x) - 1.0)).astype(np.int64))

    hazard = BASE_HAZARD * np.exp(HAZARD_U * u) * np.take(PLAN_HAZARD, plan)
    lifetime_days = rng.exponential(DAYS_PER_MONTH / hazard)
    churn_day = signup + np.maximum(1, np.ceil(lifetime_days).astype(np.int64))
    churned = churn_day <= END_DAY
    last_active = np.where(churned, churn_day - 1, END_DAY)

    mrr = np.round(np.take(PLAN_PRICE, plan) * rng.lognormal(0.0, 0.3, size=n), 2)
    return _Customers(plan, region, product, u, signup, last_active, churned, mrr)


def _customers_table(c: _Customers) -> dict[str, list[str]]:
    """customers.csv columns."""
    end = np.where(c.churned, c.last_active + 1, END_DAY)
    tenure = _whole_months(c.signup, end)
    churn_iso = _iso(c.last_active + 1)
    clv = c.mrr * (tenure + 1)
    return {
        "customer_id": list(c.ids),
        "plan": [PLANS[p] for p in c.plan],
        "region": [REGIONS[r] for r in c.region],
        "signup_date": _iso(c.signup),
        "tenure_months": [str(t) for t in tenure],
        "churned": ["Yes" if ch else "No" for ch in c.churned],
        "churn_date": [d if ch else "" for d, ch in zip(churn_iso, c.churned, strict=True)],
        "clv": [f"{v:.2f}" for v in clv],
    }


def _cx_survey(rng: np.random.Generator, c: _Customers) -> dict[str, list[str]]:
    """cx_survey.csv: relationship survey sent every quarter after onboarding; some answer."""
    n_invites = END_DAY // CX_INVITE_EVERY + 1
    invite = c.signup[:, None] + CX_FIRST_INVITE + CX_INVITE_EVERY * np.arange(n_invites)[None, :]
    day = invite + rng.integers(0, 7, size=invite.shape)
    answered = rng.random(invite.shape) < CX_RESPONSE_P
    # Only customers still active on the day they answer can answer.
    keep = answered & (day <= c.last_active[:, None])
    cust, _ = np.nonzero(keep)
    day = day[keep]
    order = np.lexsort((cust, day))
    cust, day = cust[order], day[order]

    s = _occasion(rng, c.u[cust], day)
    nps = _scale(rng, 7.6, 1.5, 1.3, s, 0, 10)
    csat = _scale(rng, 3.9, 0.65, 0.6, s, 1, 5)
    ces = _scale(rng, 5.2, 0.9, 0.9, s, 1, 7)

    comments: list[str] = []
    pick = rng.random(day.size)
    empty = rng.random(day.size) < COMMENT_EMPTY_P
    for score, p, e in zip(nps, pick, empty, strict=True):
        pool = (
            COMMENTS_PROMOTER
            if score >= 9
            else COMMENTS_PASSIVE
            if score >= 7
            else COMMENTS_DETRACTOR
        )
        comments.append("" if e else pool[int(p * len(pool))])

    return {
        "response_id": [f"R{i + 1:05d}" for i in range(day.size)],
        "customer_id": list(c.ids[cust]),
        "submitted_at": _iso(day),
        CX_NPS: [str(v) for v in nps],
        CX_CSAT: [str(v) for v in csat],
        CX_CES: [str(v) for v in ces],
        "Comment": comments,
    }


def _quarter_starts() -> np.ndarray:
    """Day offsets of the first day of each calendar quarter, plus one past the end."""
    first = CAL_START.astype("datetime64[Y]").astype(np.int64) + 1970
    starts = [np.datetime64(f"{y}-{m:02d}-01") for y in range(first, 2027) for m in (1, 4, 7, 10)]
    days = (np.array(starts) - CAL_START).astype(np.int64)
    # CAL_START is the first day of a quarter; keep the quarters up to the one after OBS_END.
    days = days[days >= 0]
    return days[: np.flatnonzero(days > END_DAY)[0] + 1]


def _ux_survey(rng: np.random.Generator, c: _Customers) -> dict[str, list[str]]:
    """ux_survey.csv: in-product SUS survey, at most one answer per customer per quarter."""
    bounds = _quarter_starts()
    q_lo, q_hi = bounds[:-1], bounds[1:] - 1
    lo = np.maximum(q_lo[None, :], c.signup[:, None] + UX_MIN_AGE_DAYS)
    hi = np.minimum(q_hi[None, :], c.last_active[:, None])
    window = np.maximum(hi - lo + 1, 0)
    # The prompt shows on product use, so a customer active for part of a quarter sees it less.
    p = UX_RESPONSE_P * window / (q_hi - q_lo + 1)[None, :]
    answered = rng.random(window.shape) < p
    offset = np.floor(rng.random(window.shape) * window).astype(np.int64)
    cust, _ = np.nonzero(answered)
    day = (lo + offset)[answered]
    order = np.lexsort((cust, day))
    cust, day = cust[order], day[order]

    s = _occasion(rng, c.u[cust], day)
    item_noise = rng.normal(0.0, SUS_ITEM_SD, size=(day.size, 10))
    sign = np.array([1.0 if k % 2 == 0 else -1.0 for k in range(10)])
    raw = np.array(SUS_ITEM_MEAN)[None, :] + sign[None, :] * SUS_LOADING * s[:, None] + item_noise
    items = np.clip(np.rint(raw), 1, 5).astype(np.int64)
    nps = _scale(rng, 7.4, 1.6, 1.3, s, 0, 10)
    rating = _scale(rng, 4.0, 0.7, 0.6, s, 1, 5)

    table: dict[str, list[str]] = {
        "customer_id": list(c.ids[cust]),
        "date": _iso(day),
        "product": [PRODUCTS[p] for p in c.product[cust]],
    }
    for k, header in enumerate(SUS_ITEMS):
        table[header] = [str(v) for v in items[:, k]]
    table[UX_NPS] = [str(v) for v in nps]
    table[UX_RATING] = [str(v) for v in rating]
    return table


def _usability_tasks(rng: np.random.Generator, c: _Customers) -> dict[str, list[str]]:
    """usability_tasks.csv: four moderated study rounds, each participant attempts every task."""
    rows: dict[str, list[str]] = {
        k: []
        for k in (
            "session_id",
            "customer_id",
            "date",
            "product",
            "task",
            "completed",
            "time_on_task_s",
            "errors",
        )
    }
    ids = c.ids
    session = 0
    for start_iso in STUDY_ROUNDS:
        start = int((np.datetime64(start_iso) - CAL_START).astype(np.int64))
        # Recruit customers who are active for the whole round.
        eligible = np.flatnonzero((c.signup <= start) & (c.last_active >= start + STUDY_DAYS))
        people = np.sort(rng.choice(eligible, size=STUDY_PARTICIPANTS, replace=False))
        days = start + rng.integers(0, STUDY_DAYS, size=people.size)
        order = np.lexsort((people, days))
        people, days = people[order], days[order]
        s = _occasion(rng, c.u[people], days)
        for person, day, latent in zip(people, days, s, strict=True):
            session += 1
            day_iso = _iso(np.array([day]))[0]
            n_tasks = len(TASKS)
            logit = np.array([t[1] for t in TASKS]) + 1.0 * latent
            completed = rng.random(n_tasks) < _logistic(logit)
            median = np.array([t[2] for t in TASKS])
            # Failed attempts run longer: people search before giving up.
            log_time = np.log(median) - 0.2 * latent + rng.normal(0.0, 0.45, size=n_tasks)
            seconds = np.exp(log_time) * np.where(completed, 1.0, 1.4)
            seconds = np.maximum(np.round(seconds, 1), 3.0)
            err_rate = np.array([t[3] for t in TASKS]) * np.exp(-0.5 * latent)
            errors = rng.poisson(err_rate * np.where(completed, 1.0, 1.8))
            for k, (task, *_rest) in enumerate(TASKS):
                rows["session_id"].append(f"UT{session:04d}")
                rows["customer_id"].append(str(ids[person]))
                rows["date"].append(day_iso)
                rows["product"].append(PRODUCTS[c.product[person]])
                rows["task"].append(task)
                rows["completed"].append("1" if completed[k] else "0")
                rows["time_on_task_s"].append(f"{seconds[k]:.1f}")
                rows["errors"].append(str(errors[k]))
    return rows


def _web_sessions(rng: np.random.Generator, c: _Customers) -> dict[str, list[str]]:
    """web_sessions.csv: analytics sessions spread uniformly over each customer's active days."""
    active_days = c.last_active - c.signup + 1
    # Happier customers come back more often.
    rate = WEB_SESSIONS_PER_MONTH * active_days / DAYS_PER_MONTH * np.exp(0.3 * c.u)
    counts = rng.poisson(rate)
    cust = np.repeat(np.arange(c.u.size), counts)
    day = c.signup[cust] + np.floor(rng.random(cust.size) * active_days[cust]).astype(np.int64)
    order = np.lexsort((cust, day))
    cust, day = cust[order], day[order]

    # Mostly the customer's main product, sometimes another one.
    other = (c.product[cust] + rng.integers(1, len(PRODUCTS), size=cust.size)) % len(PRODUCTS)
    product = np.where(rng.random(cust.size) < 0.8, c.product[cust], other)
    channel = rng.choice(len(CHANNELS), size=cust.size, p=CHANNEL_P)
    s = _occasion(rng, c.u[cust], day)
    bounced = rng.random(cust.size) < _logistic(np.take(CHANNEL_BOUNCE_LOGIT, channel) - 0.35 * s)
    p_convert = _logistic(np.take(CHANNEL_CONVERT_LOGIT, channel) + 0.4 * s)
    converted = ~bounced & (rng.random(cust.size) < p_convert)
    return {
        "session_id": [f"S{i + 1:06d}" for i in range(cust.size)],
        "customer_id": list(c.ids[cust]),
        "date": _iso(day),
        "product": [PRODUCTS[p] for p in product],
        "channel": [CHANNELS[k] for k in channel],
        "bounced": ["true" if b else "false" for b in bounced],
        "converted": ["true" if v else "false" for v in converted],
    }


def _write_csv(path: Path, table: dict[str, list[str]]) -> None:
    """Write string columns as UTF-8 CSV with "\\n" line endings, replacing the file atomically."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(table.keys())
        writer.writerows(zip(*table.values(), strict=True))
    tmp.replace(path)


def generate(out_dir: Path, seed: int = SEED) -> list[Path]:
    """Write the five sample CSVs into out_dir and return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # One child stream per file, so tuning one table does not reshuffle the others.
    rng_cust, rng_cx, rng_ux, rng_tasks, rng_web = np.random.default_rng(seed).spawn(5)
    customers = _make_customers(rng_cust)
    tables = {
        "customers.csv": _customers_table(customers),
        "cx_survey.csv": _cx_survey(rng_cx, customers),
        "ux_survey.csv": _ux_survey(rng_ux, customers),
        "usability_tasks.csv": _usability_tasks(rng_tasks, customers),
        "web_sessions.csv": _web_sessions(rng_web, customers),
    }
    paths = []
    for name, table in tables.items():
        path = out_dir / name
        _write_csv(path, table)
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: regenerate the sample CSVs into a folder."""
    parser = argparse.ArgumentParser(
        prog="python -m uxcx.sample", description="Regenerate the uxcx sample data."
    )
    parser.add_argument("out_dir", type=Path, nargs="?", default=Path("sample_data"))
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    for path in generate(args.out_dir, args.seed):
        rows = path.read_text(encoding="utf-8").count("\n") - 1
        print(f"wrote {path} ({rows} rows, {path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
