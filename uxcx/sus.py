"""The SUS scale's norms: Sauro–Lewis letter grades and percentile ranks of a SUS score."""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Literal

NAN = float("nan")

# Sauro–Lewis curved grading scale (Quantifying the User Experience, 2nd ed., table 8.5):
# lower bound of each grade, highest first.
SUS_GRADES: list[tuple[float, str]] = [
    (84.1, "A+"),
    (80.8, "A"),
    (78.9, "A-"),
    (77.2, "B+"),
    (74.1, "B"),
    (72.6, "B-"),
    (71.1, "C+"),
    (65.0, "C"),
    (62.7, "C-"),
    (51.7, "D"),
    (0.0, "F"),
]

# The percentile ranges printed next to the same grades (lower bound of each range), used for the
# "curve" method so that percentile and grade never disagree on one screen.
_SUS_CURVE_SCORE = [0.0, 51.7, 62.7, 65.0, 71.1, 72.6, 74.1, 77.2, 78.9, 80.8, 84.1, 100.0]
_SUS_CURVE_PCT = [0.0, 15.0, 35.0, 41.0, 60.0, 65.0, 70.0, 80.0, 85.0, 90.0, 96.0, 100.0]

SUS_MEAN = 68.0
SUS_SD = 12.5


def sus_grade(score: float) -> str:
    """Sauro–Lewis curved letter grade for a mean SUS score ("n/a" for NaN)."""
    if not math.isfinite(score):
        return "n/a"
    for bound, grade in SUS_GRADES:
        if score >= bound:
            return grade
    return "F"


def sus_percentile(score: float, method: Literal["normal", "curve"] = "normal") -> float:
    """Approximate percentile rank (0..100) of a SUS score vs Sauro's norms (normal or curve)."""
    # "normal" (default): N(68, 12.5²); smooth but light in the tails (84.1 → 90th, where the
    # grading table says 96th). "curve": linear between the percentile ranges printed with the
    # Sauro–Lewis grades, so percentile and sus_grade never disagree on one screen.
    if not math.isfinite(score):
        return NAN
    if method == "normal":
        return 100.0 * NormalDist(SUS_MEAN, SUS_SD).cdf(score)
    if method == "curve":
        import numpy as np  # only for this method: numpy is not needed to grade a score

        return float(np.interp(score, _SUS_CURVE_SCORE, _SUS_CURVE_PCT))
    raise ValueError(f"unknown method {method!r}")
