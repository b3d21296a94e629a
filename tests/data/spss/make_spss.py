"""Write the SPSS survey exports in this folder (tests/data/spss/make_spss.py).

A seeded customer survey as Qualtrics and SurveyMonkey export it to SPSS: short variable names
(Q1, Q2 …), the question texts as variable labels, value labels on the coded answers and a
user-missing "Don't know" code. ``survey.sav`` (plain), ``survey.zsav`` (zlib-compressed) and
``survey.por`` (portable: upper-case names of at most 8 characters, and pyreadstat writes no value
labels or missing codes there).
SPSS files carry their creation time, so tests/test_spss.py compares what the files *contain*
with a fresh run, not their bytes.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROWS = 40

AGREE5 = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
AGREE7 = ["Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree",
          "Somewhat agree", "Agree", "Strongly agree"]  # fmt: skip
SATISFACTION = ["Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied",
                "Satisfied", "Very satisfied"]  # fmt: skip

LABELS = {
    "ResponseId": "Response ID",
    "StartDate": "Start Date",
    "RecordedDate": "Recorded Date",
    "plan": "Which plan are you on?",
    "Q1": "How likely are you to recommend Acme to a friend or colleague?",
    # No "satisfied" in the question: only the value labels say this is CSAT.
    "Q2": "Thinking about your most recent order, how do you feel overall?",
    "Q3": "Acme's website makes it simple to find what I need.",
    "Q4": "Acme made it easy to handle my issue.",
    # Coded from the positive end down, as some tools export it.
    "Q5": "How satisfied are you with the price?",
    "Q6": "What could we do better?",
    "Duration": "Duration (in seconds)",
}
VALUE_LABELS = {
    "plan": {1: "Basic", 2: "Pro", 3: "Enterprise"},
    "Q1": {0: "0 - Not at all likely", **{i: str(i) for i in range(1, 10)}, 10: "10 - Extremely likely"},
    "Q2": {**{i + 1: t for i, t in enumerate(SATISFACTION)}, 99: "Don't know"},
    "Q3": {i + 1: t for i, t in enumerate(AGREE5)},
    "Q4": {i + 1: t for i, t in enumerate(AGREE7)},
    "Q5": {5 - i: t for i, t in enumerate(SATISFACTION)},
}  # fmt: skip
MISSING = {"Q2": [99]}  # "Don't know" is a user-missing code: SPSS leaves it out of analyses


def survey():
    """The survey as a pandas DataFrame (NaN marks a skipped question)."""
    import pandas as pd

    rng = random.Random(20240501)
    comments = ["Faster delivery", "", "Cheaper plans", "Nothing, all good", "Better search", ""]
    rows = []
    for i in range(ROWS):
        plan = rng.choice([1, 1, 2, 2, 3])
        nps = rng.choices(range(11), weights=[1, 1, 1, 2, 2, 3, 4, 6, 8, 7, 6])[0]
        rows.append(
            {
                "ResponseId": f"R_{rng.getrandbits(40):010x}",
                "StartDate": dt.datetime(2024, 5, 1, 8) + dt.timedelta(minutes=137 * i),
                "RecordedDate": dt.date(2024, 5, 1) + dt.timedelta(days=i // 3),
                "plan": float(plan),
                "Q1": float("nan") if i % 13 == 5 else float(nps),
                "Q2": 99.0 if i % 11 == 3 else float(min(5, max(1, round(nps / 2)))),
                "Q3": float(rng.randint(1, 5)),
                "Q4": float(rng.randint(2, 7)),
                "Q5": float(rng.randint(1, 5)),
                "Q6": rng.choice(comments),
                "Duration": float(rng.randint(45, 900)),
            }
        )
    df = pd.DataFrame(rows)
    df["RecordedDate"] = df["RecordedDate"].astype(object)  # dates, not date-times
    return df


def main(out: Path = HERE) -> None:
    """Regenerate survey.sav, survey.zsav and survey.por into `out`."""
    import pyreadstat

    df = survey()
    formats = {"StartDate": "DATETIME20", "RecordedDate": "DATE11", "Duration": "F8.0"}
    common = {"column_labels": LABELS, "variable_format": formats}
    pyreadstat.write_sav(df, out / "survey.sav", variable_value_labels=VALUE_LABELS,
                         missing_ranges=MISSING, **common)  # fmt: skip
    pyreadstat.write_sav(df, out / "survey.zsav", compress=True,
                         variable_value_labels=VALUE_LABELS, missing_ranges=MISSING, **common)  # fmt: skip
    # Portable files have upper-case names of at most 8 characters (ReadStat drops the labels
    # of names it has to upper-case).
    short = {"ResponseId": "RESPID", "StartDate": "START", "RecordedDate": "RECORDED"}

    def por_name(name: str) -> str:
        return short.get(name, name.upper())

    pyreadstat.write_por(
        df.rename(columns=por_name),
        out / "survey.por",
        column_labels={por_name(k): v for k, v in LABELS.items()},
        variable_format={por_name(k): v for k, v in formats.items()},
    )


if __name__ == "__main__":
    main()
