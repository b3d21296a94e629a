"""Labelled Likert and satisfaction scales, and the SQL that turns their labels into numbers."""

from __future__ import annotations

from dataclasses import dataclass

from .common import sql_str


@dataclass(frozen=True)
class Scale:
    """A labelled Likert scale and the integers its labels become."""

    kind: str
    points: int
    labels: dict[str, int]
    low: str
    high: str


AGREE5 = Scale(
    "agreement",
    5,
    {
        "strongly disagree": 1,
        "disagree": 2,
        "neither agree nor disagree": 3,
        "neither agree or disagree": 3,
        "neutral": 3,
        "agree": 4,
        "strongly agree": 5,
    },
    "Strongly disagree",
    "Strongly agree",
)
AGREE7 = Scale(
    "agreement",
    7,
    {
        "strongly disagree": 1,
        "disagree": 2,
        "somewhat disagree": 3,
        "slightly disagree": 3,
        "neither agree nor disagree": 4,
        "neither agree or disagree": 4,
        "neutral": 4,
        "somewhat agree": 5,
        "slightly agree": 5,
        "agree": 6,
        "strongly agree": 7,
    },
    "Strongly disagree",
    "Strongly agree",
)
SATISFACTION5 = Scale(
    "satisfaction",
    5,
    {
        "very dissatisfied": 1,
        "dissatisfied": 2,
        "neither satisfied nor dissatisfied": 3,
        "neither satisfied or dissatisfied": 3,
        "neutral": 3,
        "satisfied": 4,
        "very satisfied": 5,
    },
    "Very dissatisfied",
    "Very satisfied",
)
# Labels only a 7-point agreement scale has: one of them makes the column 7-point.
SEVEN_POINT_ONLY = ("somewhat disagree", "slightly disagree", "somewhat agree", "slightly agree")


def label_key(t: str) -> str:
    """SQL for a label as the scales spell it: lower case, runs of white space as one space."""
    return f"regexp_replace(lower({t}), '\\s+', ' ', 'g')"


def label_to_int(t: str, scale: Scale) -> str:
    """SQL turning one of the scale's labels in `t` into its integer (NULL for anything else)."""
    whens = " ".join(f"WHEN {sql_str(k)} THEN {v}" for k, v in scale.labels.items())
    return f"CAST(CASE {label_key(t)} {whens} END AS BIGINT)"
