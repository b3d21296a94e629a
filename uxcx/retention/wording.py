"""Sentences about which per-customer score predicts the outcome best, and the escape seam.

Kept apart from narrative.py (which re-exports these) so neither module outgrows its seams.
"""

from __future__ import annotations

from collections.abc import Callable

from ..labels import fmt_ci_num, fmt_num, fmt_p
from .results import ScoreComparison, ScoreCorr

Escape = Callable[[str], str]


def same(text: str) -> str:
    """The identity escape: plain-text callers (the CLI) leave user names as they are."""
    return text


# ---- which score predicts best -------------------------------------------------------------------
def _score_name(s: ScoreCorr) -> str:
    return f"{s.label} ({s.family})" if s.family else s.label


def _r_text(s: ScoreCorr) -> str:
    c = s.corr
    return f"r = {fmt_num(c.r)} ({fmt_ci_num(c.ci_low, c.ci_high)})"


def comparison_sentence(c: ScoreComparison, esc: Escape = same) -> str:
    """Which score goes with the outcome most strongly, with intervals, on the same customers."""
    what = "churn" if c.direction.startswith("churned") else "retention"
    top = c.strongest
    on = f"on the {c.n:,} customers with every score"
    if not (top.corr.ci_low > 0 or top.corr.ci_high < 0):
        return (
            f"No score relates clearly to {what} {on}: the strongest, {esc(_score_name(top))}, "
            f"has {_r_text(top)}."
        )
    second = c.scores[1]
    gap = second.gap
    assert gap is not None  # every score but the strongest has one
    gap_text = (
        f"the gap in |r| is {fmt_num(gap.diff)} ({fmt_ci_num(gap.ci_low, gap.ci_high)}, "
        f"Steiger's test {fmt_p(gap.p)})"
    )
    if gap.ci_low > 0:
        return (
            f"{esc(_score_name(top))} predicts {what} best {on}: {_r_text(top)} against "
            f"{_r_text(second)} for {esc(_score_name(second))}, the next strongest; {gap_text}. "
            "An association, not proof of cause."
        )
    return (
        f"{esc(_score_name(top))} and {esc(_score_name(second))} relate about equally to {what} "
        f"{on} ({_r_text(top)} vs {_r_text(second)}): {gap_text}, so these data cannot tell "
        "which predicts it better."
    )


def comparison_rows(c: ScoreComparison) -> list[dict[str, str]]:
    """The comparison as table rows of text, strongest first."""
    rows = []
    for s in c.scores:
        g = s.gap
        rows.append(
            {
                "Score": _score_name(s),
                "r": fmt_num(s.corr.r),
                "95% CI": fmt_ci_num(s.corr.ci_low, s.corr.ci_high).removeprefix("95% CI "),
                "Customers": f"{s.corr.n:,}",
                "Gap in |r| to the strongest": "strongest"
                if g is None
                else f"{fmt_num(g.diff)} ({fmt_ci_num(g.ci_low, g.ci_high).removeprefix('95% CI ')})",
                "Steiger's test": "–" if g is None else fmt_p(g.p),
            }
        )
    return rows


def comparison_caption(c: ScoreComparison) -> str:
    """How the comparison was computed, and what it leaves out."""
    return f"Method: {c.method}." + "".join(f" Left out: {x}" for x in c.left_out)
