"""`uxcx correlate`: how a UX score relates to churn, retention or tenure, as JSON or a table."""

from __future__ import annotations

import argparse
import json
import math
from typing import TYPE_CHECKING

from .common import UsageError, add_map_argument, load

if TYPE_CHECKING:
    from ..retention import RetentionAnalysis, ScoreComparison

# {ux_measures}, {cx_scores} and {outcomes} are filled in by _HelpFormatter.
HELP_UX = (
    "the score: a UX measure ({ux_measures}, or another UX metric id), a CX score on its own "
    "scale ({cx_scores}), a role such as sus_score or csat_score, or the name of a numeric column"
)
HELP_COMPARE = (
    "also compare every per-customer UX and CX score's r with the outcome on the same customers "
    "(JSON key 'comparison')"
)


class _HelpFormatter(argparse.HelpFormatter):
    # The names live in the analysis module (pandas, scipy): importing it only when help is
    # printed keeps building the parser, and so every command's start-up, cheap.
    def _get_help_string(self, action: argparse.Action) -> str | None:
        from ..metrics import CX_SCORES
        from ..retention import OUTCOMES, UX_MEASURES

        text = super()._get_help_string(action)
        names = {"ux_measures": ", ".join(UX_MEASURES), "cx_scores": ", ".join(CX_SCORES),
                 "outcomes": " | ".join(OUTCOMES)}  # fmt: skip
        return text.format_map(names) if text else text


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `correlate` on the `uxcx` command's subparsers."""
    p = subparsers.add_parser(
        "correlate",
        help="how a UX score relates to churn, retention or tenure (customer or group level)",
        formatter_class=_HelpFormatter,
    )
    p.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="CSV, TSV, Parquet, XLSX or SPSS (.sav, .zsav, .por) files",
    )
    p.add_argument("--ux", required=True, metavar="MEASURE", help=HELP_UX)
    p.add_argument("--outcome", required=True, metavar="OUTCOME", help="{outcomes}")
    add_map_argument(p)
    p.add_argument("--format", default="table", metavar="json|table", help="output format")
    p.add_argument("--compare", action="store_true", help=HELP_COMPARE)

    p.set_defaults(func=cmd_correlate)


def cmd_correlate(args: argparse.Namespace) -> int:
    """uxcx correlate: ingest the files, run the UX ↔ retention analysis, print it."""
    # Imported here: the analysis pulls in pandas and scipy, most of the start-up time.
    from ..retention import OUTCOMES, analyse, compare_scores
    from ..retention.report import comparison_json

    if args.outcome not in OUTCOMES:
        raise UsageError(f"--outcome must be one of {', '.join(OUTCOMES)}, got '{args.outcome}'.")
    if args.format not in ("json", "table"):
        raise UsageError(f"--format must be json or table, got '{args.format}'.")
    with load(args.files, args.map) as (ws, ds):
        tables = ds.table_infos(ws.engine)
        result = analyse(ws.engine, tables, args.ux, args.outcome)
        cmp = compare_scores(ws.engine, tables, args.outcome) if args.compare else None
        if args.format == "json":
            payload = result.to_json()
            if args.compare:
                payload["comparison"] = comparison_json(cmp) if cmp is not None else None
            print(json.dumps(payload, indent=2, ensure_ascii=False))
        else:
            print(format_table(result))
            if args.compare:
                print("\n" + format_comparison(cmp))
    return 0


def _f(x: float | None, spec: str = ".3f") -> str:
    return "–" if x is None or not math.isfinite(x) else format(x, spec)


def _p(p: float) -> str:
    if not math.isfinite(p):
        return "p –"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _months(x: float) -> str:
    """Whole months as they are ('28'); tenure derived from dates to one decimal ('27.2')."""
    return f"{x:g}" if float(x).is_integer() else f"{x:.1f}"


def _pct(x: float | None) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{100 * x:.1f}%"


def format_table(a: RetentionAnalysis) -> str:
    """A readable plain-text report of the analysis."""
    q = a.query
    units = "customers" if q.level == "customer" else "groups"
    what = "churn" if q.direction == "churned = 1" else "retention"
    lines = [f"{q.ux_label} and {q.outcome_label.lower()} ({q.direction}): {a.n:,} {units}", ""]
    for name, c in (("Pearson" if q.level == "group" else "point-biserial r", a.pearson),
                    ("Spearman rho", a.spearman)):  # fmt: skip
        lines.append(
            f"{name:<17} {_f(c.r):>7}   95% CI {_f(c.ci_low)} … {_f(c.ci_high)}   {_p(c.p)}"
        )
    if a.odds_ratio_per_step is not None and math.isfinite(a.odds_ratio_per_step[0]):
        # Per the impact's step: +10 on 0–100 scales, +1 on 1–5 / 1–7 / 0–10 answers.
        orv, lo, hi = a.odds_ratio_per_step
        lines.append(
            f"odds ratio ({what}) per +{a.step:g}: {_f(orv, '.2f')} "
            f"({_f(lo, '.2f')} … {_f(hi, '.2f')})"
        )
    if a.impact is not None:
        im, ch = a.impact, a.impact.outcome_change
        text = (
            f"{im.step_label}: {what} {100 * ch.value:+.1f} pp "
            f"({100 * ch.ci_low:+.1f} … {100 * ch.ci_high:+.1f})"
        )
        if im.clv_change is not None:
            cl = im.clv_change
            text += f"; CLV {cl.value:+,.0f} ({cl.ci_low:+,.0f} … {cl.ci_high:+,.0f})"
        lines.append(text)
    lines += ["", f"{'band':<24} {'n':>7} {what:>10} {'95% CI':>17}"]
    for b in a.bands:
        n = "–" if b.n is None else f"{b.n:,}"
        ci = f"{_pct(b.ci_low)} … {_pct(b.ci_high)}"
        lines.append(f"{b.band[:24]:<24} {n:>7} {_pct(b.rate):>10} {ci:>17}")
    if a.survival is not None:
        s = a.survival
        head = f"{'survival':<24} {'median':>7} " + " ".join(
            f"{'S(' + str(t) + ')':>6}" for t in s.overall.at
        )
        lines += ["", head + "   at risk 0/6/12/18/24"]
        for bs in [*s.bands, s.overall]:
            med = "–" if bs.median is None else _months(bs.median)
            at = " ".join(f"{_f(v, '.2f'):>6}" for v in bs.at.values())
            risk = "/".join(str(v) for v in bs.at_risk.values())
            lines.append(f"{bs.band[:24]:<24} {med:>7} {at}   {risk}")
        lr = s.logrank
        lines.append(f"log-rank across bands: chi2 = {_f(lr.chi2, '.1f')}, df {lr.df}, {_p(lr.p)}")
        lines.append("(median – : more than half still active at the longest observed tenure)")
    for k in a.drivers:
        lines += ["", f"key drivers of {k.target_label}: n = {k.n:,}, R² = {_f(k.r2, '.2f')}"]
        for d in k.drivers:
            lines.append(
                f"  {d.label[:26]:<26} share {_f(d.share, '.3f')} "
                f"({_f(d.ci_low, '.3f')} … {_f(d.ci_high, '.3f')}), r = {_f(d.r, '.2f')}"
            )
        lines += [f"  left out: {t}" for t in k.left_out]
    lines += ["", "Cautions:"] + [f"- {c}" for c in a.cautions]
    return "\n".join(lines)


def format_comparison(c: ScoreComparison | None) -> str:
    """Which score predicts the outcome best, as plain text."""
    if c is None:
        return "compare: fewer than two per-customer scores can be linked to the outcome."
    what = "churn" if c.direction == "churned = 1" else "retention"
    lines = [f"which score predicts {what} best: {c.n:,} customers with every score"]
    for s in c.scores:
        r = s.corr
        gap = (
            ""
            if s.gap is None
            else (
                f"   gap {_f(s.gap.diff)} ({_f(s.gap.ci_low)} … {_f(s.gap.ci_high)}), {_p(s.gap.p)}"
            )
        )
        name = f"{s.label} ({s.family})"
        lines.append(
            f"  {name[:32]:<32} r {_f(r.r):>7}   95% CI {_f(r.ci_low)} … {_f(r.ci_high)}{gap}"
        )
    lines += [f"  left out: {t}" for t in c.left_out]
    return "\n".join(lines)
