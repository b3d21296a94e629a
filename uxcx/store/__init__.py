"""Datasets on disk and the single gate that opens them."""

from .access import Handle, Refusal, Request, open_dataset
from .shares import Link, LinkError, Shares
from .workspace import SAMPLE_DIR, SAMPLE_ID, Dataset, DatasetNotFound, TableEntry, Workspace

__all__ = [
    "SAMPLE_DIR",
    "SAMPLE_ID",
    "Dataset",
    "DatasetNotFound",
    "Handle",
    "Link",
    "LinkError",
    "Refusal",
    "Request",
    "Shares",
    "TableEntry",
    "Workspace",
    "open_dataset",
]
