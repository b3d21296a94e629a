"""Write a SurveyMonkey-style expanded CSV export (tests/data/surveymonkey/make_surveymonkey.py).

Made up here, laid out the way SurveyMonkey's "All responses" CSV export is: the first header row
holds each question once, in front of the metadata columns (Respondent ID, Collector ID, dates,
IP address, e-mail, names, custom data); a question that takes several columns (checkboxes, a
choice with an "Other" box, a matrix) leaves the header cells to its right empty. The second
header row says what each column holds: "Response", "Open-Ended Response", or the option / matrix
row. Data starts on line 3. Row 1 of the data (line 3) has an unreadable NPS ("10+"), one
comment spans two lines, and one row has a field too many (its line is in the test).
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent

NPS_Q = "How likely is it that you would recommend Acme to a friend or colleague?"
CSAT_Q = "Overall, how satisfied or dissatisfied are you with Acme?"
FEATURES_Q = "Which features do you use? (Select all that apply)"
PLAN_Q = "Which plan are you on?"
RATE_Q = "Please rate Acme on the following:"
COMMENT_Q = "Is there anything else you would like to tell us?"

METADATA = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
            "Email Address", "First Name", "Last Name", "Custom Data 1"]  # fmt: skip
FEATURES = ["Reports", "Dashboards", "Alerts", "Other (please specify)"]
MATRIX = ["Ease of use", "Speed", "Support"]
HEADER = [*METADATA, NPS_Q, CSAT_Q, FEATURES_Q, "", "", "", PLAN_Q, "", RATE_Q, "", "", COMMENT_Q]
OPTIONS = ["", "", "", "", "", "", "", "", "", "Response", "Response", *FEATURES, "Response",
           "Other (please specify)", *MATRIX, "Open-Ended Response"]  # fmt: skip
SATISFACTION = ["Very satisfied", "Satisfied", "Neither satisfied nor dissatisfied",
                "Dissatisfied", "Very dissatisfied"]  # fmt: skip
RATINGS = ["Excellent", "Good", "Fair", "Poor"]
COMMENTS = ["", "Love the dashboards", "Support took two days to answer", "", "Zoë says hi",
            "Please add an export to PDF"]  # fmt: skip

ROWS = 30
RAGGED_ROW = 7  # the 8th data row has one field too many


def rows() -> list[list[str]]:
    """The header rows and the responses, as SurveyMonkey lays them out."""
    rng = random.Random(31)
    out = [HEADER, OPTIONS]
    for i in range(ROWS):
        nps = rng.choices(range(11), weights=[1, 1, 1, 1, 2, 2, 3, 5, 7, 6, 5])[0]
        start = f"05/{1 + i:02d}/2024 {9 + i % 3:02d}:{(7 * i) % 60:02d}:44 AM"
        end = f"05/{1 + i:02d}/2024 {9 + i % 3:02d}:{(7 * i + 3) % 60:02d}:02 AM"
        features = [f if rng.random() < 0.5 else "" for f in FEATURES[:3]]
        other_feature = "Webhooks" if i == 4 else ""
        plan = rng.choice(["Basic", "Pro", "Enterprise", "Other (please specify)"])
        other_plan = "Nonprofit" if plan.startswith("Other") else ""
        comment = COMMENTS[i % len(COMMENTS)]
        if i == 2:
            comment = "Support took two days to answer.\nOtherwise fine."
        row = [
            str(114_000_000_000 + 317 * i), "431234567", start, end,
            f"203.0.113.{10 + i}", "", "", "", "",
            "10+" if i == 0 else str(nps),
            SATISFACTION[min(4, max(0, (10 - nps) // 2))],
            *features, other_feature, plan, other_plan,
            *(rng.choice(RATINGS) for _ in MATRIX), comment,
        ]  # fmt: skip
        if i == RAGGED_ROW:
            row.append("stray field")
        out.append(row)
    return out


def export_csv() -> bytes:
    """The export as bytes: UTF-8, comma-separated, CRLF line ends, quotes only where needed."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows())
    return buf.getvalue().encode("utf-8")


def main(out: Path = HERE) -> None:
    """Regenerate the export into `out`."""
    (out / "surveymonkey_expanded.csv").write_bytes(export_csv())


if __name__ == "__main__":
    main()
