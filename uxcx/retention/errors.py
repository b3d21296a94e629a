"""Why the retention analysis cannot run: one sentence for people, one typed reason for code."""

from __future__ import annotations

from typing import Literal

Reason = Literal[
    "no_measure",  # the UX measure's columns are not mapped
    "not_a_score",  # the chosen role or column is not a UX score
    "unknown_measure",  # not a metric, role or column of these files
    "unknown_outcome",  # not one of OUTCOMES
    "no_outcome",  # no churn column (or churn date) is mapped
    "no_tenure",  # survival needs a tenure column next to the churn flag
    "no_link",  # scores and churn flags share neither a customer id nor a segment
    "bad_churn_values",  # the churn column is neither yes/no nor rates
    "too_few",  # fewer linked customers (or groups) than the minimum
]

# Reasons the user fixes by mapping columns: callers offer a link to the Data page for these.
MAPPING_REASONS: frozenset[Reason] = frozenset(
    ("no_measure", "no_outcome", "no_tenure", "no_link", "bad_churn_values")
)


class RetentionError(Exception):
    """A user-fixable reason the analysis cannot run; str() is one sentence."""

    def __init__(self, message: str, reason: Reason) -> None:
        super().__init__(message)
        self.reason: Reason = reason

    def __reduce__(self) -> tuple[type[RetentionError], tuple[str, Reason]]:
        # Exceptions pickle as type(*args); the reason would be lost (and __init__ fail) without
        # this, and cached page results are pickled.
        return (type(self), (str(self), self.reason))

    @property
    def fixed_by_mapping(self) -> bool:
        """True when mapping a column on the Data page resolves it."""
        return self.reason in MAPPING_REASONS
