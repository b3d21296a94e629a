"""The role vocabulary (what a column means) and detection of roles from headers and values."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from .value_labels import LabelledScale, labelled_scale

# Kinds decide how a column is read: "scale" and "numeric" become DOUBLE, "binary" becomes 0/1,
# "date" a DATE, "id"/"dimension" stay as they are.
RoleKind = Literal["id", "date", "dimension", "scale", "numeric", "binary"]
KINDS: tuple[RoleKind, ...] = ("id", "date", "dimension", "scale", "numeric", "binary")


@dataclass(frozen=True)
class Role:
    """One meaning a column can carry, with its scale and the header patterns that suggest it."""

    name: str
    label: str
    kind: RoleKind
    description: str
    patterns: tuple[str, ...] = ()
    scale: tuple[float, float] | None = None
    integer: bool = False
    multi: bool = False
    # Header patterns that veto this role even when a pattern matches ("dissatisfied" is not CSAT).
    exclude: tuple[str, ...] = ()


# SUS statements in questionnaire order (Brooke 1996); each regex matches the statement with any
# product name substituted. Order matters: items 1,3,5,7,9 are positive, 2,4,6,8,10 negative.
SUS_STATEMENTS = (
    r"would like to use .*frequently",
    r"unnecessarily complex",
    r"(thought|found) .*(was )?easy to use",
    r"support of a technical person",
    r"well integrated",
    r"too much inconsistency",
    r"learn to use .*(very )?quickly",
    r"(very )?(cumbersome|awkward) to use",
    r"(felt )?very confident",
    r"needed to learn a lot",
)


def _sus_patterns(i: int) -> tuple[str, ...]:
    return (rf"^sus[ _\-.]?(q|item)?[ _\-.]?0?{i}$", rf"^(q|item)[ _\-.]?0?{i}[ _\-.]?sus$",
            SUS_STATEMENTS[i - 1])  # fmt: skip


ROLES: tuple[Role, ...] = (
    Role("customer_id", "Customer id", "id",
         "Identifies a customer; files that share it are joined on it.",
         (r"^(customer|cust|client|account|user|participant|member|subscriber)[ _\-.]?(id|no|number|key|code)$",
          r"^customerid$", r"^(id[ _]?)?customer$")),
    Role("signup_date", "Signup date", "date", "When the customer started (cohorts, tenure).",
         (r"sign[ _\-]?up", r"^(join|joined|acquisition|subscription start|account created)[ _]?(date|at|on)?$",
          r"customer since", r"date joined", r"^(customer|account) (start|created)( date)?$")),
    Role("churn_date", "Churn date", "date", "When the customer left; empty while active.",
         (r"churn[ _\-]?(date|at|on)", r"cancel+(ation|ed)?[ _\-]?(date|at|on)",
          r"date (of )?churn", r"^(subscription|contract) end( date)?$")),
    Role("date", "Date", "date", "When the response, session or attempt happened (trends).",
         (r"^(date|day|timestamp|time ?stamp|submitted( at| on)?|submission date|response date|"
          r"recorded( date| at)?|created at|completed at|end date|start date|session date|survey date)$",
          r"date$", r"^date", r"\bdate\b")),
    Role("segment", "Segment", "dimension",
         "A dimension to break metrics down by (product, plan, channel, region …); any number.",
         (r"^(plan|tier|segment|region|country|market|product|platform|device|channel|source|"
          r"industry|company size|size|persona|cohort|version|app|os|language|team|subscription|"
          r"contract|payment method|gender|age group|internet service)$",),
         multi=True),
    *(
        Role(f"sus_q{i}", f"SUS item {i}", "scale",
             f"System Usability Scale statement {i} ({'positive' if i % 2 else 'negative'}), 1–5.",
             _sus_patterns(i), scale=(1, 5), integer=True)
        for i in range(1, 11)
    ),
    Role("sus_score", "SUS score", "scale", "A System Usability Scale score already on 0–100.",
         (r"^sus[ _\-]?(score|total)?$", r"system usability scale", r"usability score"),
         scale=(0, 100)),
    Role("task_id", "Task", "dimension", "Which usability task the attempt was.",
         (r"^task[ _\-]?(id|name|no|number)?$", r"^scenario$")),
    Role("task_success", "Task success", "binary", "Whether the attempt succeeded (yes/no, 1/0).",
         (r"success", r"^(task[ _])?(completed|completion|complete|passed|pass)$", r"^completed?$")),
    Role("time_on_task", "Time on task (s)", "numeric", "Seconds the attempt took.",
         (r"time[ _\-]?on[ _\-]?task", r"^(task[ _])?(duration|time)([ _]?\(?(s|sec|secs|seconds)\)?)?$",
          r"^seconds$", r"^time s$", r"time.*\(s(ec(onds)?)?\)"),
         scale=(0, float("inf"))),
    Role("error_count", "Errors", "numeric", "Errors made in the attempt (0 = none).",
         (r"^(error|errors|error[ _]count|num[ _]errors|mistakes|number of errors|errors made)$",),
         scale=(0, float("inf")), integer=True),
    Role("product_nps_score", "Product NPS score", "scale",
         "0–10 likelihood to recommend the product/app itself.",
         (r"(recommend|nps|ltr).*(app|product|feature|tool|software)",
          r"(app|product)[ _\-]?(nps|ltr)", r"^pnps$"),
         scale=(0, 10), integer=True),
    Role("app_rating", "App rating", "scale", "1–5 star rating of the app.",
         (r"rating", r"stars?$", r"^review score$"), scale=(1, 5),
         exclude=(r"satisf", r"nps", r"recommend", r"effort")),
    Role("bounced", "Bounced", "binary", "Whether the session bounced.", (r"bounce",)),
    Role("converted", "Converted", "binary", "Whether the session converted.",
         (r"^(converted|conversion|is converted|purchased|signed up|goal completed)$",)),
    Role("nps_score", "NPS score", "scale", "0–10 likelihood to recommend the company.",
         (r"recommend", r"^nps([ _\-]?score)?$", r"likelihood to recommend", r"^ltr$"),
         scale=(0, 10), integer=True),
    Role("csat_score", "CSAT score", "scale", "1–5 satisfaction; CSAT is the share of 4–5.",
         (r"satisf", r"^csat([ _\-]?score)?$"), scale=(1, 5), integer=True,
         # "dissatisfied" vetoes CSAT, but not in "how satisfied or dissatisfied" (SurveyMonkey's
         # standard CSAT question).
         exclude=(r"(?<!satisfied or )dissatisf",)),
    Role("ces_score", "CES score", "scale", "1–7 agreement that the company made it easy.",
         (r"effort", r"^ces([ _\-]?score)?$", r"easy to (handle|resolve|get)"), scale=(1, 7),
         integer=True),
    Role("churned", "Churned", "binary", "Whether the customer has left (yes/no, 1/0).",
         (r"churn", r"^(cancelled|canceled|attrited|lost|is churned|left)$"),
         exclude=(r"date", r"reason", r"score", r"category")),
    Role("tenure", "Tenure (months)", "numeric",
         "Months from signup until churn, or until today for active customers.",
         (r"tenure", r"months?[ _](active|as customer|subscribed)", r"lifetime[ _]months"),
         scale=(0, float("inf"))),
    Role("clv", "Customer lifetime value", "numeric", "Lifetime value in the file's currency.",
         (r"^(clv|cltv|ltv|clv value)$", r"lifetime value", r"customer value"),
         scale=(float("-inf"), float("inf"))),
)  # fmt: skip

ROLE_BY_NAME: dict[str, Role] = {r.name: r for r in ROLES}
ROLE_NAMES: tuple[str, ...] = tuple(r.name for r in ROLES)
SUS_ITEMS: tuple[str, ...] = tuple(f"sus_q{i}" for i in range(1, 11))

# Roles whose binary values are read as 1; anything not listed is 0 when listed in FALSE_WORDS.
TRUE_WORDS = ("1", "true", "t", "yes", "y", "churned", "success", "succeeded", "completed",
              "complete", "pass", "passed", "converted", "bounced", "cancelled", "canceled")  # fmt: skip
FALSE_WORDS = ("0", "false", "f", "no", "n", "active", "retained", "stayed", "failure", "failed",
               "fail", "incomplete", "not completed")  # fmt: skip

NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                 "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "REAL")  # fmt: skip

RoleMap = dict[str, "str | list[str]"]


def is_numeric_type(duck_type: str) -> bool:
    """True for DuckDB integer, float and decimal types."""
    t = duck_type.upper()
    return t in NUMERIC_TYPES or t.startswith("DECIMAL")


def is_date_type(duck_type: str) -> bool:
    """True for DuckDB DATE and TIMESTAMP types."""
    return duck_type.upper().startswith(("DATE", "TIMESTAMP"))


@dataclass
class ColumnProfile:
    """What detection needs to know about one column (computed in DuckDB)."""

    name: str
    type: str
    non_null: int = 0
    distinct: int = 0
    min: float | None = None
    max: float | None = None
    all_integer: bool = False
    avg_length: float = 0.0
    # The lowest and highest text value: every value of a column with at most two.
    extremes: list[str] = field(default_factory=list)
    label: str = ""  # question text a survey tool exported beside a short name (Q1 → "How likely…")
    # code → label a survey tool exported with the data (SPSS: "1" → "Very dissatisfied").
    value_labels: dict[str, str] = field(default_factory=dict)


def normalise_header(name: str) -> str:
    """Lower-case, collapse whitespace and separators, drop a trailing '?' or ':' for matching."""
    s = name.strip().lower().replace("\u2019", "'")
    s = re.sub(r"[\s_]+", " ", s)
    return s.rstrip("?:. ")


def _compatible(role: Role, col: ColumnProfile) -> bool:
    """Is the column's type plausible for the role? Values out of scale are still accepted."""
    numeric = is_numeric_type(col.type)
    if role.kind == "id":
        return col.distinct > 1 or col.non_null <= 1
    if role.kind == "date":
        return is_date_type(col.type)
    if role.kind == "dimension":
        return not is_numeric_type(col.type) or (col.all_integer and col.distinct <= 50)
    if role.kind in ("scale", "numeric"):
        return numeric
    if role.kind == "binary":
        if col.type.upper() == "BOOLEAN":
            return True
        if numeric:
            return (
                col.distinct <= 2
                and col.min is not None
                and col.max is not None
                and col.min >= 0
                and col.max <= 1
            )
        vals = {v.strip().lower() for v in col.extremes}
        return bool(vals) and col.distinct <= 2 and vals <= set(TRUE_WORDS + FALSE_WORDS)
    return True


def _header_score(role: Role, header: str) -> float:
    """How strongly a normalised header suggests a role (0 = not at all)."""
    if any(re.search(p, header) for p in role.exclude):
        return 0.0
    for rank, pattern in enumerate(role.patterns):
        m = re.search(pattern, header)
        if m:
            # Earlier patterns are more specific; a full match beats a partial one.
            full = m.group(0) == header
            return 10.0 - rank + (2.0 if full else 0.0)
    return 0.0


def _value_score(role: Role, col: ColumnProfile) -> float:
    """Bonus when the values sit inside the role's scale (breaks ties like rating vs CSAT)."""
    if role.scale is None or col.min is None or col.max is None:
        return 0.0
    lo, hi = role.scale
    inside = lo <= col.min and col.max <= hi
    bonus = 1.0 if inside else -1.0
    if role.integer and not col.all_integer:
        bonus -= 1.0
    return bonus


# How strongly value labels alone suggest a role: (role, scale kind, low code, high code, score).
# Satisfaction labels on 1–5 beat a partial header match ("How would you rate …" → app_rating);
# likelihood labels stay below one, so "recommend the app" still makes it product NPS.
LABELLED_SCALE_ROLES = (
    ("csat_score", "satisfaction", 1, 5, 11.0),
    ("nps_score", "likelihood", 0, 10, 9.5),
)


def _labels_score(role: Role, scale: LabelledScale | None) -> float:
    """How strongly a column's labelled scale (from its value labels) suggests a role."""
    if scale is None or scale.reversed:
        return 0.0
    for name, kind, low, high, score in LABELLED_SCALE_ROLES:
        if role.name == name and (scale.kind, scale.low, scale.high) == (kind, low, high):
            return score
    return 0.0


def detect_roles(columns: Sequence[ColumnProfile]) -> RoleMap:
    """Guess a role for each column from its header and values; each role at most once but segment."""
    candidates: list[tuple[float, int, str, str]] = []
    for ci, col in enumerate(columns):
        header = normalise_header(col.name)
        label = normalise_header(col.label) if col.label else ""
        scale = labelled_scale(col.value_labels)
        for role in ROLES:
            if role.name == "segment":
                continue
            # Codes labelled from the positive end down (1 = Very satisfied) would turn a
            # scale metric upside down: such a column gets no scale role.
            if scale is not None and scale.reversed and role.scale is not None:
                continue
            score = max(
                _header_score(role, header),
                _header_score(role, label) if label else 0.0,
                _labels_score(role, scale),
            )
            if score <= 0 or not _compatible(role, col):
                continue
            candidates.append((score + _value_score(role, col), -ci, role.name, col.name))
    candidates.sort(reverse=True)
    roles: RoleMap = {}
    used: set[str] = set()
    for _score, _ci, role_name, col_name in candidates:
        if role_name in roles or col_name in used:
            continue
        roles[role_name] = col_name
        used.add(col_name)
    # Numbered SUS headers without the statements ("Q1".."Q10" on 1–5) are common in study exports.
    roles.update(_numbered_sus(columns, used, roles))
    used.update(v for k, v in roles.items() if isinstance(v, str))
    segments = [c.name for c in columns if c.name not in used and _looks_like_segment(c)]
    if segments:
        roles["segment"] = segments
    return roles


def _numbered_sus(
    columns: Sequence[ColumnProfile], used: set[str], roles: Mapping[str, object]
) -> RoleMap:
    """Map ten consecutive 1–5 columns named like Q1..Q10 to SUS items when no item is mapped yet."""
    if any(item in roles for item in SUS_ITEMS):
        return {}
    numbered: dict[int, str] = {}
    for c in columns:
        m = re.fullmatch(r"(?:q|item|question)[ _\-.]?0?(\d{1,2})", normalise_header(c.name))
        in_range = c.min is not None and c.max is not None and c.min >= 1 and c.max <= 5
        if m and c.name not in used and is_numeric_type(c.type) and in_range:
            numbered[int(m.group(1))] = c.name
    if all(i in numbered for i in range(1, 11)):
        return {f"sus_q{i}": numbered[i] for i in range(1, 11)}
    return {}


def _looks_like_segment(col: ColumnProfile) -> bool:
    """A low-cardinality label column that is not free text or an id."""
    header = normalise_header(col.name)
    if _header_score(ROLE_BY_NAME["segment"], header) > 0 and _compatible(
        ROLE_BY_NAME["segment"], col
    ):
        return col.distinct >= 1
    if is_numeric_type(col.type) or is_date_type(col.type) or col.type.upper() == "BOOLEAN":
        return False
    if re.search(r"(^|[ _])(id|comment|comments|feedback|text|name|email|notes?|why|reason)$",
                 header):  # fmt: skip
        return False
    if col.avg_length > 30:
        return False
    return 2 <= col.distinct <= 30 and col.distinct <= max(2, col.non_null // 5)


def validate_mapping(roles: Mapping[str, object], columns: Sequence[str]) -> list[str]:
    """Return one friendly sentence per problem in a role→column mapping (unknown role/column)."""
    problems = []
    colset = set(columns)
    for role, value in roles.items():
        if role not in ROLE_BY_NAME:
            problems.append(
                f"'{role}' is not a role uxcx knows; roles are: {', '.join(ROLE_NAMES)}."
            )
            continue
        for col in value if isinstance(value, list) else [value]:
            if col not in colset:
                problems.append(f"Column '{col}' (for {role}) is not in the file.")
    return problems


def role_columns(roles: Mapping[str, object]) -> dict[str, str]:
    """Flatten a mapping to column → role (segment columns included)."""
    out: dict[str, str] = {}
    for role, value in roles.items():
        for col in value if isinstance(value, list) else [value]:
            out[str(col)] = role
    return out


def set_role(roles: RoleMap, role: str, column: str | None) -> RoleMap:
    """Return a copy with `column` given `role` (None clears it); a column holds one role."""
    if role not in ROLE_BY_NAME:
        raise KeyError(role)
    new: RoleMap = {}
    for r, v in roles.items():
        if isinstance(v, list):
            kept = [c for c in v if c != column]
            if kept:
                new[r] = kept
        elif v != column:
            new[r] = v
    if column is None:
        new.pop(role, None)
    elif ROLE_BY_NAME[role].multi:
        existing = new.get(role, [])
        new[role] = [*existing, column] if isinstance(existing, list) else [existing, column]
    else:
        new[role] = column
    return new
