"""The one gate to a dataset: a request (dataset id today, a share token later) → handle or refusal.

Nothing else in uxcx or the app opens datasets: every page, cached query and download goes
through `open_dataset`, so rules about who may see what (owner links, viewer links with password,
expiry and revocation) are written and tested in one place. A refusal never says whether a
dataset exists.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from typing import Literal

from ..engines import Engine
from ..sql import TableInfo
from .shares import Link, Shares
from .workspace import Dataset, DatasetNotFound, Workspace

Capability = Literal["owner", "viewer"]
RefusalReason = Literal["not_found", "invalid_link", "password_required", "wrong_password", "wait"]

NOT_AVAILABLE = (
    "This link points to a dataset that is not on this server (it may have been deleted or the "
    "link is incomplete). Upload the files again or use the sample data."
)
LINK_INVALID = "This link is not valid any more. Ask the person who shared it for a new one."
PASSWORD_REQUIRED = "This link is protected. Enter the password you were given."
WRONG_PASSWORD = "Wrong password."
WAIT = "Too many wrong passwords. Wait a few minutes, then try again."

# Passwords this process has verified, as HMACs under a per-process key: argon2 takes most of a
# second on purpose, and an app session presents its password on every rerun. Only a password
# that argon2 accepted is remembered; wrong ones always go through the rate-limited check.
_VERIFIED: dict[str, bytes] = {}
_VERIFIED_MAX = 10_000
_MEMO_KEY = secrets.token_bytes(32)
_memo_lock = threading.Lock()


@dataclass(frozen=True)
class Request:
    """What a visitor presents: an owner link's dataset id, or a viewer link's token (+ password)."""

    dataset_id: str | None = None
    share_token: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class Handle:
    """An opened dataset and what the visitor may do with it."""

    dataset: Dataset
    engine: Engine
    capability: Capability = "owner"
    link: Link | None = None  # the viewer link that opened it (its page and filters)

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
    reason: RefusalReason = "not_found"


def open_dataset(ws: Workspace, request: Request) -> Handle | Refusal:
    """Grant access to the dataset a request names, or refuse without saying whether it exists."""
    if request.share_token is not None:
        return _open_link(ws, request.share_token, request.password)
    try:
        ds = ws.open(request.dataset_id or "")
    except DatasetNotFound:
        return Refusal(NOT_AVAILABLE)
    # The 128-bit dataset id is the owner's key while sign-in is not configured.
    return Handle(ds, ws.engine, "owner")


def _open_link(ws: Workspace, token: str, password: str | None) -> Handle | Refusal:
    shares = Shares(ws.root)
    link = shares.lookup(token)
    if link is None:
        return Refusal(LINK_INVALID, "invalid_link")
    if link.has_password:
        if not password:
            return Refusal(PASSWORD_REQUIRED, "password_required")
        ok = _password_ok(shares, link, password)
        if ok is None:
            return Refusal(WAIT, "wait")
        if not ok:
            return Refusal(WRONG_PASSWORD, "wrong_password")
    try:
        ds = ws.open(link.dataset_id)
    except DatasetNotFound:
        # A link to a deleted dataset reads like any other dead link.
        return Refusal(LINK_INVALID, "invalid_link")
    shares.touch(link)
    return Handle(ds, ws.engine, "viewer", link)


def _password_ok(shares: Shares, link: Link, password: str) -> bool | None:
    """check_password, remembering a verified password so a session's reruns stay fast."""
    tag = hmac.new(_MEMO_KEY, f"{link.key}\0{password}".encode(), hashlib.sha256).digest()
    if hmac.compare_digest(_VERIFIED.get(link.key, b""), tag):
        return True
    ok = shares.check_password(link, password)
    if ok:
        with _memo_lock:
            if len(_VERIFIED) >= _VERIFIED_MAX:
                _VERIFIED.clear()
            _VERIFIED[link.key] = tag
    return ok
