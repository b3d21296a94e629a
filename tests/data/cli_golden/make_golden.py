"""Record the CLI's output on fixed inputs (run only to accept an intended output change).

`python tests/data/cli_golden/make_golden.py` rewrites the *.out files; tests/test_cli_golden.py
checks the CLI still prints exactly these bytes, so a refactor cannot change what tools read.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
S = "sample_data/"
M = "tests/data/messy/"
ALL = [S + f for f in ("customers.csv", "cx_survey.csv", "usability_tasks.csv",
                       "ux_survey.csv", "web_sessions.csv")]  # fmt: skip

CASES: dict[str, list[str]] = {
    "metrics_sample_json": ["metrics", *ALL, "--format", "json"],
    "metrics_sample_table": ["metrics", *ALL, "--format", "table"],
    "metrics_by_plan_json": ["metrics", *ALL, "--by", "plan", "--format", "json"],
    "metrics_month_json": ["metrics", *ALL, "--grain", "month", "--metric", "nps",
                           "--metric", "sus", "--metric", "time_on_task", "--format", "json"],
    "metrics_by_product_table": ["metrics", S + "ux_survey.csv", S + "customers.csv",
                                 "--by", "product", "--format", "table"],
    "metrics_messy_json": ["metrics", M + "semicolon_decimal_comma_cp1252.csv",
                           M + "likert_sus.csv", "--format", "json"],
    "metrics_map_json": ["metrics", M + "quoted_numbers_yes_no.csv", "--format", "json"],
    "correlate_sus_tenure_json": ["correlate", S + "customers.csv", S + "ux_survey.csv",
                                  "--ux", "sus", "--outcome", "tenure", "--format", "json"],
    "correlate_sus_churned_table": ["correlate", S + "customers.csv", S + "ux_survey.csv",
                                    "--ux", "sus", "--outcome", "churned", "--format", "table"],
    "correlate_pnps_retention_json": ["correlate", *ALL, "--ux", "product_nps",
                                      "--outcome", "retention", "--format", "json"],
    "correlate_tasks_table": ["correlate", *ALL, "--ux", "task_success_rate",
                              "--outcome", "churned", "--format", "table"],
}  # fmt: skip


def run(args: list[str]) -> tuple[int, str, str]:
    """Run the CLI as a user does and return (exit code, stdout, stderr)."""
    p = subprocess.run(
        [sys.executable, "-m", "uxcx", *args], capture_output=True, text=True, cwd=ROOT
    )
    return p.returncode, p.stdout, p.stderr


if __name__ == "__main__":
    for name, args in CASES.items():
        code, out, err = run(args)
        (HERE / f"{name}.out").write_text(f"exit {code}\n{out}")
        print(name, code, len(out), err.strip()[:200])
