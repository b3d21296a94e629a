"""The one gate to a dataset: a request (dataset id today, a share token later) → handle or refusal.

Nothing else in uxcx or the app opens datasets: every page, cached query and download goes
through `open_dataset`, so rules about who may see what (owner links, viewer links with password,
expiry and revocation) are written and tested in one place. A refusal never says whether a
dataset exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..engines import Engine
from ..sql import TableInfo
from .workspace import Dataset, DatasetNotFound, Workspace

Capability = Literal["owner", "viewer"]

NOT_AVAILABLE = (
    "This link points to a dataset that is not on this server (it may have been deleted or the "
    "link is incomplete). Upload the files again or use the sample data."
)


@dataclass(frozen=True)
class Request:
    """What a visitor presents: the dataset id of an owner link."""

    dataset_id: str


@dataclass(frozen=True)
class Handle:
    """An opened dataset and what the visitor may do with it."""

    dataset: Dataset
    engine: Engine
    capability: Capability = "owner"

    @property
    def can_edit(self) -> bool:
        """Owners edit roles, add files and manage links; viewers only read."""
        return self.capability == "owner"

    def tables(self) -> list[TableInfo]:
        """What the compiler needs about each table of the dataset."""
        return self.dataset.table_infos(self.engine)


@dataclass(frozen=True)
class Refusal:
    """Why a request was not granted, as one calm sentence for the visitor."""

    message: str


def open_dataset(ws: Workspace, request: Request) -> Handle | Refusal:
    """Grant access to the dataset a request names, or refuse without saying whether it exists."""
    try:
        ds = ws.open(request.dataset_id)
    except DatasetNotFound:
        return Refusal(NOT_AVAILABLE)
    # The 128-bit dataset id is the owner's key while sign-in is not configured.
    return Handle(ds, ws.engine, "owner")
