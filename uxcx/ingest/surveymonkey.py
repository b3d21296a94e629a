"""SurveyMonkey's CSV layout: questions on the first header row, answer options on the second.

SurveyMonkey's expanded export writes each question once on the first row; a question that takes
several columns (a multiple choice with an "Other" box, a checkbox list, a matrix) leaves the
cells to its right empty. The second row names what each column holds: "Response" for the one
answer of a question, "Open-Ended Response" for typed text, otherwise the option or matrix row.
The metadata columns in front (Respondent ID, Collector ID, dates …) are empty on that row.
"""

from __future__ import annotations

from collections import Counter

from .common import WS

# What the second row says under a column that holds the question's whole answer.
RESPONSE = "response"
OPEN_ENDED = "open-ended response"
# Metadata columns SurveyMonkey puts in front of every export.
METADATA = ("respondent id", "collector id")
# How a question and its option are joined into one column name.
JOIN = " - "


def is_surveymonkey(header: list[str], second: list[str]) -> bool:
    """Whether two records are SurveyMonkey's question row and answer-option row."""
    heads = [h.strip(WS) for h in header]
    cells = [c.strip(WS) for c in second]
    filled = [c for c in cells if c]
    markers = sum(c.lower() in (RESPONSE, OPEN_ENDED) for c in filled)
    if not markers or not heads or not heads[0]:
        return False
    if any(h.lower() in METADATA for h in heads):
        return True
    # Without the metadata columns a data row could say "Response" by chance; the second row
    # must also start empty or be mostly markers, and show a question spanning columns or be
    # mostly markers.
    spanning = any(not h and c for h, c in zip(heads, cells, strict=False))
    mostly_markers = markers * 2 >= len(filled)
    starts_empty = not cells[0] or cells[0].lower() in (RESPONSE, OPEN_ENDED)
    return starts_empty and (spanning or mostly_markers)


def merge_headers(header: list[str], second: list[str]) -> tuple[list[str], list[str]]:
    """Merged column names ("Question - Option") and each column's question text (its label)."""
    # Under "Response" (and under a question's only "Open-Ended Response") the name is the
    # question alone; metadata columns, empty on the second row, keep their one header cell.
    width = len(header)
    heads = [h.strip(WS) for h in header]
    options = [c.strip(WS) for c in (list(second) + [""] * width)[:width]]
    # Where each column's question starts: an empty header cell with an option under it
    # continues the question on its left.
    starts: list[int] = []
    for i in range(width):
        continues = i > 0 and not heads[i] and options[i] and options[i - 1]
        starts.append(starts[i - 1] if continues else i)
    span = Counter(starts)
    names: list[str] = []
    questions: list[str] = []
    for i, option in enumerate(options):
        question = heads[starts[i]]
        kind = option.lower()
        if not option:
            names.append(header[i])  # a metadata column: its one header row is its name
        elif kind == RESPONSE or (kind == OPEN_ENDED and span[starts[i]] == 1):
            names.append(question or option)
        else:
            names.append(f"{question}{JOIN}{option}" if question else option)
        questions.append(question)
    return names, questions
