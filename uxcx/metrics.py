"""The metric registry: every UX and CX metric as data (roles, SQL per row, scale, benchmark, docs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .kinds import KINDS as KINDS  # re-exported: the kinds a metric row may name
from .kinds import KindName

Family = Literal["UX", "CX"]
# How the retention analysis bands customers by a score: SUS grades, NPS groups (detractor /
# passive / promoter), one band per answer of a short scale, low / mid / high thirds of a 1–7
# scale, or quartiles of the observed scores.
BandScheme = Literal["sus_grade", "nps", "levels", "low_mid_high", "quartile"]


@dataclass(frozen=True)
class Variant:
    """One way to compute a metric from a set of roles; the first variant whose roles exist wins.

    `value` is a SQL expression over `{role}` placeholders (compile.py substitutes the typed, quoted
    column). `where` keeps rows the metric counts; `valid` says which values are inside the scale
    (rows outside it are counted as out of scale, never silently used or clipped).
    """

    roles: tuple[str, ...]
    value: str
    valid: str
    where: str = ""


@dataclass(frozen=True)
class ScoreBand:
    """One category of a scale: customers whose (rounded) score lies in lo..hi."""

    label: str
    lo: float
    hi: float


@dataclass(frozen=True)
class Score:
    """The per-customer attitudinal score the retention analysis correlates: each customer's mean
    answer on the scale's own units (CSAT 1–5, NPS 0–10, CES 1–7, SUS 0–100), and its bands.

    `variants` are read like a metric's (first whose roles exist wins); empty: the metric's own
    variants, whose per-row value already is the answer. CSAT needs its own: the metric counts
    top-2-box answers, the score is the 1–5 answer itself.
    """

    label: str  # the per-customer score's name, e.g. "CSAT score 1–5"
    scale: tuple[float, float]
    bands: BandScheme
    variants: tuple[Variant, ...] = ()

    def categories(self) -> tuple[ScoreBand, ...]:
        """The scale's own categories (worst first), or () when bands are grades or quartiles."""
        lo, hi = (int(v) for v in self.scale)
        if self.bands == "nps":
            return (ScoreBand("Detractor (0–6)", 0, 6), ScoreBand("Passive (7–8)", 7, 8),
                    ScoreBand("Promoter (9–10)", 9, 10))  # fmt: skip
        if self.bands == "levels":
            return tuple(ScoreBand(str(k), k, k) for k in range(lo, hi + 1))
        if self.bands == "low_mid_high":  # 1–7: disagree (1–3), neutral (4), agree (5–7)
            mid = (lo + hi) // 2
            return (ScoreBand(f"Low ({lo}–{mid - 1})", lo, mid - 1), ScoreBand(f"Mid ({mid})", mid, mid),
                    ScoreBand(f"High ({mid + 1}–{hi})", mid + 1, hi))  # fmt: skip
        return ()


@dataclass(frozen=True)
class Metric:
    """A metric definition: what it means, how it is computed and how it is shown."""

    id: str
    label: str
    family: Family
    kind: KindName  # how it aggregates, estimates and compares: see kinds.py
    variants: tuple[Variant, ...]
    unit: str  # shown after the value: "%", "pts", "s", "/5", "/7", "" (currency: the file's)
    scale_factor: float  # natural scale → shown scale (proportions ×100 = percent points)
    higher_is_better: bool
    description: str
    formula: str
    benchmark: float | None = None
    benchmark_label: str = ""
    decimals: int = 1
    axis_range: tuple[float, float] | None = None
    axis_title: str = ""  # chart axis title with the unit or scale; default "label (unit)"
    # Rank among the UX scores offered for the retention analysis (per-customer attitudes and
    # behaviour); None: not offered first (outcomes such as churn are never offered).
    ux_measure: int | None = None
    outcome: bool = False  # an outcome of the retention analysis, never a UX score there
    # The per-customer attitudinal score the retention analysis correlates (None: behaviour
    # such as task success, which it reads through the metric's own per-row value).
    score: Score | None = None

    @property
    def roles(self) -> tuple[str, ...]:
        """Roles of the preferred variant (what the tile asks for when nothing is mapped)."""
        return self.variants[0].roles


SUS_ITEM_ROLES = tuple(f"sus_q{i}" for i in range(1, 11))
# Brooke's scoring: positive (odd) items contribute x−1, negative (even) items 5−x; sum × 2.5.
_SUS_SUM = " + ".join(
    f"({{sus_q{i}}} - 1)" if i % 2 else f"(5 - {{sus_q{i}}})" for i in range(1, 11)
)
_SUS_VALID = " AND ".join(
    f"{{sus_q{i}}} BETWEEN 1 AND 5 AND {{sus_q{i}}} = floor({{sus_q{i}}})" for i in range(1, 11)
)


def _scale(role: str, lo: int, hi: int) -> str:
    """SQL: an integer inside lo..hi."""
    return f"{{{role}}} BETWEEN {lo} AND {hi} AND {{{role}}} = floor({{{role}}})"


def _binary(role: str) -> str:
    return f"{{{role}}} IN (0, 1)"


METRICS: tuple[Metric, ...] = (
    # ---- UX -------------------------------------------------------------------------------
    Metric(
        "sus", "SUS", "UX", "mean",
        (
            Variant(SUS_ITEM_ROLES, f"({_SUS_SUM}) * 2.5", _SUS_VALID),
            Variant(("sus_score",), "{sus_score}", "{sus_score} BETWEEN 0 AND 100"),
        ),
        unit="", scale_factor=1.0, higher_is_better=True,
        description="System Usability Scale: perceived usability on 0–100; 68 is average.",
        formula="per respondent: (Σ odd items − 5 + 25 − Σ even items) × 2.5; mean over "
        "respondents with all ten items on 1–5; t-interval. Sauro–Lewis grade.",
        benchmark=68.0, benchmark_label="68 = industry average (grade C)", axis_range=(0, 100),
        axis_title="SUS score (0–100)", ux_measure=1,
        score=Score("SUS", (0, 100), "sus_grade"),
    ),
    Metric(
        "task_success_rate", "Task success", "UX", "proportion",
        (Variant(("task_success",), "{task_success}", _binary("task_success")),),
        unit="%", scale_factor=100.0, higher_is_better=True,
        description="Share of task attempts completed successfully.",
        formula="successes / attempts; adjusted-Wald (Agresti–Coull) interval.",
        benchmark=78.0, benchmark_label="78% = average task completion (Sauro)",
        axis_range=(0, 100),
        axis_title="Task success (%)", ux_measure=2,
    ),
    Metric(
        "time_on_task", "Time on task", "UX", "geomean",
        (
            Variant(("time_on_task", "task_success"), "{time_on_task}", "{time_on_task} > 0",
                    where="{task_success} = 1"),
            Variant(("time_on_task",), "{time_on_task}", "{time_on_task} > 0"),
        ),
        unit="s", scale_factor=1.0, higher_is_better=False,
        description="Typical seconds per successful attempt (geometric mean: task times are "
        "skewed).",
        formula="exp(mean(ln seconds)) over successful attempts (all attempts when success is "
        "not recorded); t-interval on log times, exponentiated.",
        decimals=0,
        axis_title="Time on task (s, geometric mean)",
    ),
    Metric(
        "error_rate", "Error rate", "UX", "proportion",
        (Variant(("error_count",), "CASE WHEN {error_count} > 0 THEN 1 ELSE 0 END",
                 "{error_count} >= 0"),),
        unit="%", scale_factor=100.0, higher_is_better=False,
        description="Share of task attempts with at least one error.",
        formula="attempts with errors ≥ 1 / attempts; adjusted-Wald interval.",
        axis_range=(0, 100),
        axis_title="Attempts with errors (%)",
    ),
    Metric(
        "product_nps", "Product NPS", "UX", "nps",
        (Variant(("product_nps_score",), "{product_nps_score}",
                 _scale("product_nps_score", 0, 10)),),
        unit="", scale_factor=100.0, higher_is_better=True,
        description="Net Promoter Score of the product itself (0–10 likelihood to recommend it).",
        formula="% promoters (9–10) − % detractors (0–6); adjusted-Wald NPS interval "
        "(n+3, promoters+¾, detractors+¾).",
        decimals=0, axis_range=(-100, 100),
        axis_title="Product NPS (−100 … +100)", ux_measure=3,
        # Quartile bands, as before NPS groups existed (keeps its published numbers).
        score=Score("Product NPS score (0–10)", (0, 10), "quartile"),
    ),
    Metric(
        "app_rating", "App rating", "UX", "mean",
        (Variant(("app_rating",), "{app_rating}", "{app_rating} BETWEEN 1 AND 5"),),
        unit="/5", scale_factor=1.0, higher_is_better=True,
        description="Mean 1–5 star rating of the app.",
        formula="mean of ratings on 1–5; t-interval.",
        decimals=2, axis_range=(1, 5),
        axis_title="App rating (1–5 stars)", ux_measure=4,
        score=Score("App rating", (1, 5), "quartile"),
    ),
    Metric(
        "bounce_rate", "Bounce rate", "UX", "proportion",
        (Variant(("bounced",), "{bounced}", _binary("bounced")),),
        unit="%", scale_factor=100.0, higher_is_better=False,
        description="Share of sessions that left without interacting.",
        formula="bounced sessions / sessions; adjusted-Wald interval.",
        axis_range=(0, 100),
        axis_title="Bounce rate (%)",
    ),
    Metric(
        "conversion_rate", "Conversion", "UX", "proportion",
        (Variant(("converted",), "{converted}", _binary("converted")),),
        unit="%", scale_factor=100.0, higher_is_better=True,
        description="Share of sessions that converted.",
        formula="converted sessions / sessions; adjusted-Wald interval.",
        axis_range=(0, 100),
        axis_title="Conversion (%)",
    ),
    # ---- CX -------------------------------------------------------------------------------
    Metric(
        "nps", "NPS", "CX", "nps",
        (Variant(("nps_score",), "{nps_score}", _scale("nps_score", 0, 10)),),
        unit="", scale_factor=100.0, higher_is_better=True,
        description="Net Promoter Score: likelihood to recommend the company, −100 … 100.",
        formula="% promoters (9–10) − % detractors (0–6); adjusted-Wald NPS interval "
        "(n+3, promoters+¾, detractors+¾).",
        decimals=0, axis_range=(-100, 100),
        axis_title="NPS (−100 … +100)",
        score=Score("NPS score 0–10", (0, 10), "nps"),
    ),
    Metric(
        "csat", "CSAT", "CX", "proportion",
        (Variant(("csat_score",), "CASE WHEN {csat_score} >= 4 THEN 1 ELSE 0 END",
                 _scale("csat_score", 1, 5)),),
        unit="%", scale_factor=100.0, higher_is_better=True,
        description="Customer satisfaction: share of 4–5 answers on a 1–5 scale (top-2-box).",
        formula="answers of 4 or 5 / answers; adjusted-Wald interval.",
        axis_range=(0, 100),
        axis_title="CSAT (% answering 4–5)",
        score=Score("CSAT score 1–5", (1, 5), "levels",
                    (Variant(("csat_score",), "{csat_score}", _scale("csat_score", 1, 5)),)),
    ),
    Metric(
        "ces", "CES", "CX", "mean",
        (Variant(("ces_score",), "{ces_score}", _scale("ces_score", 1, 7)),),
        unit="/7", scale_factor=1.0, higher_is_better=True,
        description="Customer Effort Score: mean agreement (1–7) that the company made it easy.",
        formula="mean of answers on 1–7; t-interval.",
        decimals=2, axis_range=(1, 7),
        axis_title="CES (mean, 1–7)",
        score=Score("CES score 1–7", (1, 7), "low_mid_high"),
    ),
    Metric(
        "churn_rate", "Churn", "CX", "proportion",
        (Variant(("churned",), "{churned}", _binary("churned")),),
        unit="%", scale_factor=100.0, higher_is_better=False,
        description="Share of customers who have left in the period covered by the data.",
        formula="churned customers / customers; adjusted-Wald interval.",
        axis_range=(0, 100),
        axis_title="Churn (% of customers)", outcome=True,
    ),
    Metric(
        "retention_rate", "Retention", "CX", "proportion",
        (Variant(("churned",), "1 - {churned}", _binary("churned")),),
        unit="%", scale_factor=100.0, higher_is_better=True,
        description="Share of customers still active (1 − churn) in the period covered.",
        formula="active customers / customers; adjusted-Wald interval.",
        axis_range=(0, 100),
        axis_title="Retention (% of customers)", outcome=True,
    ),
    Metric(
        "clv", "CLV", "CX", "mean",
        (Variant(("clv",), "{clv}", "{clv} IS NOT NULL"),),
        unit="", scale_factor=1.0, higher_is_better=True,
        description="Mean customer lifetime value, in the currency of the file.",
        formula="mean of CLV over customers; t-interval.",
        decimals=0,
        axis_title="CLV (mean, file currency)", outcome=True,
    ),
)  # fmt: skip

METRIC_BY_ID: dict[str, Metric] = {m.id: m for m in METRICS}
UX_METRICS = tuple(m.id for m in METRICS if m.family == "UX")
CX_METRICS = tuple(m.id for m in METRICS if m.family == "CX")
# The UX scores the retention analysis offers first, in the registry's rank order.
UX_MEASURES = tuple(
    m.id for m in sorted((m for m in METRICS if m.ux_measure), key=lambda m: m.ux_measure or 0)
)
OUTCOME_METRICS = tuple(m.id for m in METRICS if m.outcome)
# Per-customer attitudinal scores in registry order, UX then CX (the retention page's choices).
SCORE_METRICS = tuple(m.id for f in ("UX", "CX") for m in METRICS if m.family == f and m.score)
CX_SCORES = tuple(m.id for m in METRICS if m.family == "CX" and m.score)


def score_variants(metric: Metric) -> tuple[Variant, ...]:
    """The variants a metric's per-customer score is read from (its own, or the metric's)."""
    return (metric.score.variants if metric.score else ()) or metric.variants


def get_metric(metric_id: str) -> Metric:
    """Return the metric with this id, or raise KeyError naming the known ids."""
    try:
        return METRIC_BY_ID[metric_id]
    except KeyError:
        raise KeyError(f"unknown metric '{metric_id}'; known: {', '.join(METRIC_BY_ID)}") from None
