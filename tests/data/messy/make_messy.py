"""Write the deliberately messy input files in this folder (tests/data/messy/make_messy.py)."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import random
from pathlib import Path

from uxcx.sample import SUS_ITEMS

HERE = Path(__file__).resolve().parent

SUS_STATEMENTS = list(SUS_ITEMS)  # the standard statements, as the sample generator writes them
NOT_A_TABLE = b'[\n  {"respondent": 1, "nps": 9},\n  {"respondent": 2, "nps": 4}\n]\n'
AGREE = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]


def _csv_text(rows: list[list[str]], delimiter: str = ",", quote_all: bool = False) -> str:
    buf = io.StringIO()
    quoting = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def nps_semicolon_cp1252() -> bytes:
    """NPS survey export from a German/Dutch Excel: `;`, decimal commas, cp1252, dd/mm/yyyy."""
    names = [
        "Zoë Dubois",
        "Jürgen Müller",
        "François Lefèvre",
        "Ana Peña",
        "Søren Østergaard",
        "Chloé Martin",
        "Björn Åberg",
        "Inés García",
    ]
    rng = random.Random(11)
    rows = [
        [
            "Response ID",
            "Date submitted",
            "Name",
            "How likely are you to recommend Acme to a friend or colleague?",
            "Score",
            "Order value (€)",
            "Comment",
        ]
    ]
    comments = ["Très bien", "Zu teuer", "", "Schnelle Lieferung – gerne wieder", "n/a", "Ok"]
    for i in range(24):
        day = 1 + (i * 5) % 28
        month = 1 + i % 12
        score = f"{rng.randint(1, 5)},{rng.choice([0, 5])}"
        value = f"{rng.randint(5, 2500):,}".replace(",", ".") + f",{rng.randint(0, 99):02d}"
        rows.append(
            [
                f"R_{1001 + i}",
                f"{day:02d}/{month:02d}/2024",
                names[i % len(names)],
                str(rng.randint(0, 10)),
                score,
                value,
                comments[i % len(comments)],
            ]
        )
    rows[7][4] = "k.A."  # "keine Angabe": not a number, so one cell issue
    return _csv_text(rows, delimiter=";").encode("cp1252")


def bom_utf8_multiline() -> bytes:
    """SurveyMonkey-style export: UTF-8 BOM, US dates with AM/PM, multi-line quoted comments."""
    header = [
        "Respondent ID",
        "Start Date",
        "End Date",
        "Overall, how satisfied are you with Acme?",
        "What could we do better?",
    ]
    rows = [
        [
            "114238561001",
            "03/14/2024 09:12:01 AM",
            "03/14/2024 09:15:44 AM",
            "Very satisfied",
            "Nothing, it's great 🙂",
        ],
        [
            "114238561002",
            "03/14/2024 01:02:03 PM",
            "03/14/2024 01:09:00 PM",
            "Dissatisfied",
            'The export button is hidden.\nAlso, search is "slow".',
        ],
        None,
        [
            "114238561003",
            "03/15/2024 10:00:00 AM",
            "03/15/2024 10:04:30 AM",
            "Neutral",
            "ログインが遅い",
        ],
        [
            "114238561004",
            "03/16/2024 11:30:00 AM",
            "03/16/2024 11:31:10 AM",
            "Satisfied",
            "",
            "extra",
            "fields",
        ],
        [
            "114238561005",
            "03/16/2024 04:45:00 PM",
            "03/16/2024 04:50:00 PM",
            "very satisfied",
            "Line one\nLine two\nLine three",
        ],
        None,
        None,
        [
            "114238561006",
            "03/17/2024 08:00:00 AM",
            "03/17/2024 08:02:00 AM",
            "Very dissatisfied",
            "Crashed twice",
        ],
    ]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        if row is None:
            buf.write("\n")
        else:
            w.writerow(row)
    return codecs.BOM_UTF8 + buf.getvalue().encode("utf-8")


def tab_separated() -> bytes:
    """Typeform-style usability-test export: tabs, TRUE/FALSE, ISO datetimes, N/A."""
    rows = [
        [
            "#",
            "Participant",
            "Task",
            "Completed",
            "Time on task (s)",
            "How easy was it to complete this task?",
            "Submit Date (UTC)",
            "Network ID",
        ]
    ]
    data = [
        ("p1", "Find invoice", "TRUE", "55.2", "6", "2024-03-01 10:22:13"),
        ("p2", "Find invoice", "TRUE", "65", "5", "2024-03-01 11:02:40"),
        ("p3", "Find invoice", "FALSE", "N/A", "2", "2024-03-02 09:15:00"),
        ("p1", "Change plan", "true", "75.5", "7", "2024-03-02 14:48:09"),
        ("p2", "Change plan", "false", "135", "3", "2024-03-03 16:30:55"),
        ("p3", "Change plan", "TRUE", "45.75", "6", "2024-03-03 17:01:12"),
    ]
    for i, (p, task, done, secs, ease, when) in enumerate(data):
        rows.append([f"x7r{i}k9q", p, task, done, secs, ease, when, f"{0xA1B2C3 + i * 977:x}e"])
    return _csv_text(rows, delimiter="\t").replace("\r\n", "\n").encode("utf-8")


def likert_sus() -> bytes:
    """SUS questionnaire: ten statements as headers, agreement labels as answers."""
    answers = [
        [5, 1, 5, 1, 4, 2, 5, 1, 5, 2],
        [4, 2, 4, 1, 4, 2, 4, 2, 4, 1],
        [3, 3, 3, 3, 3, 3, 3, 3, 3, 3],
        [2, 4, 2, 5, 2, 4, 2, 4, 1, 5],
        [4, 1, 5, 2, 5, 1, 4, 1, 4, 2],
        [5, 2, 4, 1, 3, 2, 5, 2, 5, 1],
    ]
    rows = [["Participant ID", "Condition", *SUS_STATEMENTS]]
    for i, a in enumerate(answers):
        labels = [AGREE[x - 1] for x in a]
        labels[0] = labels[0].lower()  # people type; case must not matter
        labels[3] = f"  {labels[3].upper()} "
        rows.append([f"P{i + 1:02d}", "Prototype B" if i % 2 else "Prototype A", *labels])
    return _csv_text(rows).encode("utf-8")


def duplicate_headers() -> bytes:
    """Hand-merged spreadsheet: repeated, padded, non-ASCII and missing header names."""
    # The last column has no name and no values: every line ends with a stray comma.
    header = ["Customer ID", "Score", " Score ", "Région", "Segment / Tier", "ZIP", "score"]
    header += ["", ""]
    rows = [header]
    data = [
        ("C-001", "7", "8", "Île-de-France", "Gold", "02134", "9", "VIP", ""),
        ("C-002", "5", "6", "Bayern", "Silver", "10115", "4", "", ""),
        ("C-003", "9", "10", "København", "Gold", "00501", "10", "", ""),
        ("C-004", "3", "2", "Region Skåne", "Bronze", "90210", "1", "churn risk", ""),
    ]
    rows += [list(r) for r in data]
    return _csv_text(rows).encode("utf-8")


def quoted_numbers_yes_no() -> bytes:
    """IBM Telco churn-style CRM export: everything quoted, Yes/No, thousands separators."""
    header = [
        "CustomerID",
        "Gender",
        "Senior Citizen",
        "Tenure in Months",
        "Monthly Charge",
        "Total Charges",
        "CLTV",
        "Churn Label",
        "Churn Value",
        "Satisfaction Score",
        "Churn Reason",
        "Paperless Billing",
    ]
    data = [
        ["7590-VHVEG", "Female", "No", "1", "29.85", "29.85", "3,239", "No", "0", "3", "", "Y"],
        ["5575-GNVDE", "Male", "No", "34", "56.95", "1,889.50", "2,701", "No", "0", "3", "", "n"],
        [
            "3668-QPYBK",
            "Male",
            "No",
            "2",
            "53.85",
            "108.15",
            "5,372",
            "Yes",
            "1",
            "1",
            "Competitor made better offer",
            "Y",
        ],
        ["7795-CFOCW", "Male", "Yes", "45", "42.30", "1,840.75", "5,003", "No", "0", "4", "", "N"],
        [
            "9237-HQITU",
            "Female",
            "No",
            "2",
            "70.70",
            "151.65",
            "5,340",
            "YES",
            "1",
            "2",
            "Moved",
            "y",
        ],
        ["4472-LVYGI", "Female", "no", "0", "52.55", " ", "5,433", "No", "0", "5", "", "Y"],
        ["6713-OKOMC", "Female", "No", "10", "29.75", "301.90", "4,913", "no", "0", "NA", "", "N"],
    ]
    return _csv_text([header, *data], quote_all=True).encode("utf-8")


def qualtrics_three_header_rows() -> bytes:
    """Qualtrics CSV: IDs, then question text, then ImportId JSON, then answers."""
    ids = [
        "StartDate",
        "EndDate",
        "Status",
        "Progress",
        "Duration (in seconds)",
        "Finished",
        "RecordedDate",
        "ResponseId",
        "Q1",
        "Q2_1",
        "Q2_2",
        "Q3",
    ]
    text = [
        "Start Date",
        "End Date",
        "Response Type",
        "Progress",
        "Duration (in seconds)",
        "Finished",
        "Recorded Date",
        "Response ID",
        "How likely are you to recommend Acme to a friend or colleague?",
        "Acme made it easy to handle my issue. - Agreement",
        "I trust Acme with my data. - Agreement",
        "Anything else?\n(optional)",
    ]
    imports = [
        '{"ImportId":"startDate","timeZone":"America/Denver"}',
        '{"ImportId":"endDate","timeZone":"America/Denver"}',
        '{"ImportId":"status"}',
        '{"ImportId":"progress"}',
        '{"ImportId":"duration"}',
        '{"ImportId":"finished"}',
        '{"ImportId":"recordedDate","timeZone":"America/Denver"}',
        '{"ImportId":"_recordId"}',
        '{"ImportId":"QID1"}',
        '{"ImportId":"QID2_1"}',
        '{"ImportId":"QID2_2"}',
        '{"ImportId":"QID3_TEXT"}',
    ]
    seven = [
        "Strongly disagree",
        "Disagree",
        "Somewhat disagree",
        "Neither agree nor disagree",
        "Somewhat agree",
        "Agree",
        "Strongly agree",
    ]
    data = []
    for i, (nps, ease, trust) in enumerate(
        [(10, 7, 6), (9, 6, 5), (6, 3, 4), (0, 1, 2), (8, 5, 7)]
    ):
        start = dt.datetime(2024, 5, 1, 9, 12, 44) + dt.timedelta(hours=7 * i, minutes=13 * i)
        end = start + dt.timedelta(seconds=95 + 31 * i)
        data.append(
            [
                start.isoformat(sep=" "),
                end.isoformat(sep=" "),
                "IP Address",
                "100",
                str(95 + 31 * i),
                "True" if i != 3 else "False",
                end.isoformat(sep=" "),
                f"R_{'3kQx9Zp2Lm'[i:]}{i}aB",
                str(nps),
                seven[ease - 1],
                seven[trust - 1],
                "" if i % 2 else "More integrations, please",
            ]
        )
    return _csv_text([ids, text, imports, *data]).encode("utf-8")


def survey_xlsx(path: Path) -> None:
    """Excel workbook: real date, number and boolean cells, a blank row, a second sheet."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Responses"
    ws.append(
        [
            "Response ID",
            "Recorded Date",
            "Q1 - How satisfied are you with Acme?",
            "NPS",
            "Duration (in seconds)",
            "Finished",
            "Comments",
        ]
    )
    rows = [
        ["R_1", dt.datetime(2024, 4, 2), "Very satisfied", 10, 312.5, True, "Love it"],
        ["R_2", dt.datetime(2024, 4, 3), "Satisfied", 8, 120, True, "Good\nbut slow"],
        [],
        [
            "R_3",
            dt.datetime(2024, 4, 5),
            "Neither satisfied nor dissatisfied",
            6,
            98.25,
            False,
            None,
        ],
        ["R_4", dt.datetime(2024, 4, 6), "Very dissatisfied", "N/A", 45, True, "Too pricey"],
    ]
    for row in rows:
        ws.append(row)
    wb.create_sheet("Notes").append(["Exported from the survey tool on 2024-04-07"])
    wb.properties.creator = "uxcx"
    wb.properties.created = dt.datetime(2024, 4, 7)
    wb.properties.modified = dt.datetime(2024, 4, 7)
    wb.save(path)


def small_parquet(path: Path) -> None:
    """A typed Parquet file, with one string column of numbers that should become BIGINT."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "customer_id": ["C1", "C2", "C3", "C4"],
            "tenure_months": pa.array([1, 34, 2, 45], pa.int32()),
            "churned": [False, False, True, False],
            "monthly_charge": [29.85, 56.95, 53.85, 42.3],
            "signup_date": pa.array(
                [
                    dt.date(2023, 1, 5),
                    dt.date(2021, 3, 9),
                    dt.date(2024, 2, 1),
                    dt.date(2020, 7, 30),
                ],
                pa.date32(),
            ),
            "nps": ["9", "10", "n/a", "6"],
            "plan": ["Basic", "Pro", "Pro", " Basic"],
        }
    )
    pq.write_table(table, path)


def main(out: Path = HERE) -> None:
    """Regenerate every messy file into `out`."""
    files = {
        "semicolon_decimal_comma_cp1252.csv": nps_semicolon_cp1252(),
        "bom_utf8_multiline.csv": bom_utf8_multiline(),
        "tab_separated.tsv": tab_separated(),
        "likert_sus.csv": likert_sus(),
        "duplicate_headers.csv": duplicate_headers(),
        "quoted_numbers_yes_no.csv": quoted_numbers_yes_no(),
        "qualtrics_three_header_rows.csv": qualtrics_three_header_rows(),
        "header_only.csv": b"Respondent ID,Start Date,NPS\r\n",
        "empty.csv": b"",
        "garbage.bin": random.Random(7).randbytes(2048),
        "not_a_table.json": NOT_A_TABLE,
    }
    for name, data in files.items():
        (out / name).write_bytes(data)
    survey_xlsx(out / "survey.xlsx")
    small_parquet(out / "small.parquet")


if __name__ == "__main__":
    main()
