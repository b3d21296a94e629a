"""What a column's value labels (SPSS: 1 = "Very dissatisfied" … 5 = "Very satisfied") say about
its scale: satisfaction, agreement or likelihood, which codes are its ends, and its direction.

Standard library only: role detection in the server reads it, and so does the ingest worker.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# The two ends of each labelled scale, matched against a normalised label (see _normalise).
_DEGREE = r"(very|extremely|completely|totally|highly|strongly|somewhat|quite|definitely) "
_ENDS = {
    "satisfaction": (
        rf"({_DEGREE})?(dissatisfied|unsatisfied)|not (at all )?satisfied",
        rf"({_DEGREE})?satisfied",
    ),
    "agreement": (rf"({_DEGREE})?disagree", rf"({_DEGREE})?agree"),
    "likelihood": (
        rf"not (at all |very )?likely|({_DEGREE})?unlikely",
        rf"({_DEGREE})?likely",
    ),
}
# Labels of codes outside the scale (SPSS exports them beside the scale, often as 98, 99 or -1).
_OFF_SCALE = re.compile(
    r"(don'?t|do not) know|not applicable|n/?a|prefer not to (say|answer)|refused|no answer|"
    r"skipped|not asked|missing|seen but not answered"
)


@dataclass(frozen=True)
class LabelledScale:
    """A scale read from value labels: its kind, the codes of its two ends, and its direction."""

    kind: str  # "satisfaction", "agreement" or "likelihood"
    low: float  # the code of the negative end ("Very dissatisfied")
    high: float  # the code of the positive end ("Very satisfied")
    low_label: str
    high_label: str

    @property
    def reversed(self) -> bool:
        """True when the positive end has the smaller code (5 = Very dissatisfied … 1 = …)."""
        return self.high < self.low

    @property
    def points(self) -> int:
        """How many whole codes the scale spans (5 for 1–5, 11 for 0–10)."""
        return int(abs(self.high - self.low)) + 1


def _words(text: str) -> str:
    # "0 - Not at all likely", "Extremely likely (10)", "Very satisfied." → the words alone.
    s = re.sub(r"^[\s\d.,:;()=\-–—]+|[\s\d.,:;()=\-–—!]+$", "", text.strip())
    return re.sub(r"\s+", " ", s)


def _normalise(text: str) -> str:
    return _words(text).lower().replace("\u2019", "'")


def _code(key: object) -> float | None:
    try:
        value = float(str(key).strip())
    except ValueError:
        return None
    return value if value == value else None  # NaN is not a code


def labelled_scale(value_labels: Mapping[str, str] | None) -> LabelledScale | None:
    """The scale a column's value labels describe, or None when they describe no known scale."""
    if not value_labels:
        return None
    coded = []
    for key, text in value_labels.items():
        code = _code(key)
        label = _normalise(str(text))
        if code is not None and label and not _OFF_SCALE.fullmatch(label):
            coded.append((code, label, _words(str(text))))
    if len(coded) < 2:
        return None
    coded.sort()
    (first, first_key, first_text), (last, last_key, last_text) = coded[0], coded[-1]
    for kind, (negative, positive) in _ENDS.items():
        if re.fullmatch(negative, first_key) and re.fullmatch(positive, last_key):
            return LabelledScale(kind, first, last, first_text, last_text)
        if re.fullmatch(positive, first_key) and re.fullmatch(negative, last_key):
            return LabelledScale(kind, last, first, last_text, first_text)
    return None


def describe(scale: LabelledScale) -> str:
    """The scale in words: "an agreement scale (1 = Strongly disagree … 5 = Strongly agree)"."""
    ends = [(scale.low, scale.low_label), (scale.high, scale.high_label)]
    first, last = sorted(ends)
    article = "an" if scale.kind[0] in "aeiou" else "a"
    return (
        f"{article} {scale.kind} scale ({_fmt(first[0])} = {first[1]} … "
        f"{_fmt(last[0])} = {last[1]})"
    )


def _fmt(code: float) -> str:
    return str(int(code)) if code == int(code) else f"{code:g}"
