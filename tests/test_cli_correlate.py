"""`uxcx correlate`: the JSON contract on the sample data, equal to retention.analyse; exit 2 on
garbage with one line on stderr."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from pathlib import Path

import pytest

from uxcx import cli
from uxcx.cli.correlate import add_parser, format_table
from uxcx.ingest import IngestError
from uxcx.retention import analyse
from uxcx.store import SAMPLE_DIR, Workspace

FILES = [str(SAMPLE_DIR / n) for n in ("customers.csv", "ux_survey.csv")]


def run_cli(argv: list[str]) -> int:
    """cli.main once the lead has wired `correlate`; until then the same parser and handling."""
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if "correlate" in sub.choices:
        return cli.main(argv)
    add_parser(sub)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (cli.UsageError, IngestError) as e:
        print(f"uxcx: {e}", file=sys.stderr)
        return 2


def run_captured(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = run_cli(argv)
        except SystemExit as e:  # argparse's own errors
            code = e.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def cli_json():
    code, out, err = run_captured(
        ["correlate", *FILES, "--ux", "sus", "--outcome", "tenure", "--format", "json"]
    )
    assert code == 0, err
    return json.loads(out)


@pytest.fixture(scope="module")
def direct(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("direct"))
    ds = ws.create_dataset([(Path(p).name, Path(p)) for p in FILES])
    return analyse(ws.engine, ds.table_infos(ws.engine), "sus", "tenure")


def test_json_contract(cli_json):
    j = cli_json
    assert {"n", "pearson", "spearman", "bands", "survival", "logistic", "outcome_direction",
            "level", "ux", "outcome", "method", "cautions"} <= set(j)  # fmt: skip
    assert (j["ux"], j["outcome"], j["level"]) == ("sus", "tenure", "customer")
    assert j["outcome_direction"] == "churned = 1"
    assert j["n"] == 1765
    for key in ("pearson", "spearman"):
        assert {"r", "ci_low", "ci_high", "p"} <= set(j[key])
        assert j[key]["ci_low"] < j[key]["r"] < j[key]["ci_high"] < 0
    assert [b["band"][0] for b in j["bands"]] == list("FDCBA")
    for b in j["bands"]:
        assert {"band", "n", "rate", "ci_low", "ci_high"} <= set(b)
        assert 0 <= b["ci_low"] <= b["rate"] <= b["ci_high"] <= 1
    assert sum(b["n"] for b in j["bands"]) == j["n"]
    s = j["survival"]
    assert {"median", "at"} <= set(s) and set(s["at"]) == {"12", "24"}
    assert 0 < s["at"]["12"] < 1
    # Signups start in 2023-07, so some customers are followed past 24 months (at risk at 24).
    assert s["at_risk"]["24"] >= 200
    assert 0 < s["at"]["24"] < s["at"]["12"] < 1
    top, bottom = s["bands"][-1], s["bands"][0]
    assert top["band"].startswith("A") and bottom["band"].startswith("F")
    assert 0 < bottom["at"]["24"] < top["at"]["24"] < 1  # better SUS, more still subscribed
    assert len(s["bands"]) == 5 and s["logrank"]["p"] < 0.05
    lg = j["logistic"]
    assert {"odds_ratio_per_10", "ci_low", "ci_high"} <= set(lg)
    assert lg["ci_low"] < lg["odds_ratio_per_10"] < lg["ci_high"] < 1
    assert j["cautions"] and all(isinstance(c, str) for c in j["cautions"])


def test_numbers_equal_analyse(cli_json, direct):
    assert cli_json == json.loads(json.dumps(direct.to_json(), ensure_ascii=False))


def test_table_format(direct):
    text = format_table(direct)
    assert "point-biserial r" in text and "A (≥78.9)" in text and "log-rank" in text
    assert "Cautions:" in text


def _tiny(tmp_path, n: int = 5):
    ids = [f"C{i}" for i in range(n)]
    (tmp_path / "c.csv").write_text(
        "customer_id,churned,tenure_months\n"
        + "".join(f"{c},{'Yes' if i % 2 else 'No'},{i + 1}\n" for i, c in enumerate(ids))
    )
    (tmp_path / "u.csv").write_text(
        "customer_id,sus_score\n" + "".join(f"{c},{50 + 5 * i}\n" for i, c in enumerate(ids))
    )
    return [str(tmp_path / "c.csv"), str(tmp_path / "u.csv")]


@pytest.mark.parametrize(
    "extra",
    [
        ["--ux", "sus", "--outcome", "happiness"],
        ["--ux", "sus", "--outcome", "churned", "--format", "xml"],
        ["--outcome", "churned"],  # --ux missing: argparse
        ["--ux", "sus", "--outcome", "churned", "--map", "nonsense"],
    ],
)
def test_bad_arguments_exit_2(extra):
    code, out, err = run_captured(["correlate", str(SAMPLE_DIR / "customers.csv"), *extra])
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err


def test_garbage_input_exit_2(tmp_path):
    code, _, err = run_captured(["correlate", str(tmp_path / "missing.csv"), "--ux", "sus",
                                 "--outcome", "churned"])  # fmt: skip
    assert code == 2 and "no such file" in err and len(err.strip().splitlines()) == 1
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(256)) * 40)
    code, _, err = run_captured(["correlate", str(junk), "--ux", "sus", "--outcome", "churned"])
    assert code == 2 and len(err.strip().splitlines()) == 1, err


def test_too_few_customers_exit_2(tmp_path):
    code, _, err = run_captured(["correlate", *_tiny(tmp_path), "--ux", "sus", "--outcome",
                                 "churned"])  # fmt: skip
    assert code == 2
    assert err.strip() == (
        "uxcx: Only 5 customers have both a SUS score and a churn flag; at least 10 are needed."
    )
