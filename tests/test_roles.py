"""Role detection from real export headers and value ranges; the role vocabulary is fixed."""

from __future__ import annotations

import pytest

from uxcx.roles import ROLE_NAMES, ColumnProfile, detect_roles, set_role, validate_mapping


def num(name, lo, hi, distinct=None, integer=True, n=100):
    return ColumnProfile(name, "BIGINT" if integer else "DOUBLE", n, distinct or int(hi - lo + 1),
                         lo, hi, integer)  # fmt: skip


def text(name, values, n=100, avg=6.0):
    return ColumnProfile(name, "VARCHAR", n, len(values), avg_length=avg, extremes=list(values))


def date(name):
    return ColumnProfile(name, "DATE", 100, 90)


def test_role_names_are_the_contract():
    expected = {"customer_id", "date", "segment", *(f"sus_q{i}" for i in range(1, 11)),
                "sus_score", "task_id", "task_success", "time_on_task", "error_count",
                "product_nps_score", "app_rating", "bounced", "converted", "nps_score",
                "csat_score", "ces_score", "churned", "tenure", "signup_date", "churn_date",
                "clv"}  # fmt: skip
    assert set(ROLE_NAMES) == expected


def test_telco_churn_export():
    cols = [
        ColumnProfile("CustomerID", "VARCHAR", 100, 100, avg_length=10),
        ColumnProfile("Churn Label", "BOOLEAN", 100, 2),
        num("Tenure in Months", 0, 72),
        num("CLTV", 2003, 6500, distinct=90),
        num("Satisfaction Score", 1, 5),
        text("Contract", ["Month-to-month", "One year", "Two year"]),
        text("Churn Reason", ["Competitor made better offer"], avg=35),
    ]
    roles = detect_roles(cols)
    assert roles["customer_id"] == "CustomerID"
    assert roles["churned"] == "Churn Label"
    assert roles["tenure"] == "Tenure in Months"
    assert roles["clv"] == "CLTV"
    assert roles["csat_score"] == "Satisfaction Score"
    assert roles["segment"] == ["Contract"]


SUS_HEADERS = [
    "I think that I would like to use Zephyr frequently",
    "I found Zephyr unnecessarily complex",
    "I thought Zephyr was easy to use",
    "I think that I would need the support of a technical person to be able to use Zephyr",
    "I found the various functions in Zephyr were well integrated",
    "I thought there was too much inconsistency in Zephyr",
    "I would imagine that most people would learn to use Zephyr very quickly",
    "I found Zephyr very cumbersome to use",
    "I felt very confident using Zephyr",
    "I needed to learn a lot of things before I could get going with Zephyr",
]


def test_sus_statements_with_product_name_in_order():
    roles = detect_roles([num(h, 1, 5) for h in SUS_HEADERS])
    assert [roles[f"sus_q{i}"] for i in range(1, 11)] == SUS_HEADERS


def test_sus_item_out_of_scale_still_detected():
    cols = [num(h, 1, 5) for h in SUS_HEADERS]
    cols[3] = num(SUS_HEADERS[3], 1, 6)
    assert detect_roles(cols)["sus_q4"] == SUS_HEADERS[3]


def test_numbered_sus_items():
    roles = detect_roles([num(f"Q{i}", 1, 5) for i in range(1, 11)])
    assert roles["sus_q1"] == "Q1" and roles["sus_q10"] == "Q10"


@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("How likely are you to recommend Acme to a friend or colleague?", "nps_score"),
        ("How likely are you to recommend the Acme app to a friend or colleague?",
         "product_nps_score"),
        ("NPS", "nps_score"),
        ("Customer Effort Score", "ces_score"),
        ("CSAT", "csat_score"),
        ("App store rating", "app_rating"),
        ("time_on_task_s", "time_on_task"),
        ("Errors", "error_count"),
        ("submitted_at", "date"),
    ],
)  # fmt: skip
def test_single_headers(header, role):
    prof = {"date": date(header)}.get(role) or num(header, 0, 10 if "recommend" in header else 5)
    if role in ("time_on_task",):
        prof = num(header, 3.5, 400, integer=False)
    if role == "ces_score":
        prof = num(header, 1, 7)
    assert detect_roles([prof]).get(role) == header


def test_rating_vs_satisfaction_tie_break():
    roles = detect_roles([num("Satisfaction rating", 1, 5), num("Rating", 1, 5)])
    assert roles["csat_score"] == "Satisfaction rating"
    assert roles["app_rating"] == "Rating"


def test_text_binary_and_free_text_not_segments():
    cols = [text("Churned", ["Yes", "No"]), text("Comment", ["long text"] * 1, avg=80)]
    roles = detect_roles(cols)
    assert roles["churned"] == "Churned"
    assert "segment" not in roles


def test_set_role_moves_column_and_validate():
    roles = {"nps_score": "A", "segment": ["B", "C"]}
    roles = set_role(roles, "csat_score", "A")
    assert roles == {"segment": ["B", "C"], "csat_score": "A"}
    roles = set_role(roles, "segment", "A")
    assert roles == {"segment": ["B", "C", "A"]}
    assert validate_mapping({"nps": "A"}, ["A"])[0].startswith("'nps' is not a role")
    assert "not in the file" in validate_mapping({"nps_score": "Z"}, ["A"])[0]
