"""Viewer links: random tokens stored only as hashes, with optional password, expiry and revocation.

Layout: <workspace>/links/<sha256(token)>.json, one small file per link, written to a temporary
name and renamed into place (a crash never leaves half a record; a corrupted record breaks only
its own link). The token itself is never stored, never contains the dataset id and is shown to
the owner once, in the link. Passwords are hashed with argon2id; failed attempts are limited per
link (and the attempt counter survives a restart, because it lives in the record).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

LINKS_DIR = "links"
# secrets.token_urlsafe(24): 192 random bits in 32 URL-safe characters.
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
MAX_ATTEMPTS = 5  # wrong passwords per link …
ATTEMPT_WINDOW = dt.timedelta(minutes=5)  # … within this window, then the link waits
TOUCH_EVERY = dt.timedelta(minutes=1)  # last_opened is written at most this often

# The pages a viewer link may open (the upload page is the owner's).
VIEW_PAGES = ("overview", "ux", "cx", "retention", "explore", "data")

_lock = threading.Lock()


class LinkError(Exception):
    """A link cannot be created or changed; str() is one sentence."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(t: dt.datetime | None) -> str | None:
    return t.isoformat(timespec="seconds") if t else None


def _parse(t: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(t) if t else None


def new_token(nbytes: int) -> str:
    """secrets.token_urlsafe that never starts with '-' (it would read as a command-line option)."""
    while (token := secrets.token_urlsafe(nbytes)).startswith("-"):
        pass
    return token


def token_hash(token: str) -> str:
    """The stored key of a token (tokens have 192 random bits, so a plain SHA-256 suffices)."""
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(base: str, token: str, page: str, params: Mapping[str, str | Sequence[str]]) -> str:
    """The address a viewer opens: /<page>?share=<token> plus the filters, never the dataset id."""
    from urllib.parse import urlencode

    query = [("share", token)]
    for key, value in params.items():
        query += [(key, v) for v in ([value] if isinstance(value, str) else value)]
    return f"{base.rstrip('/')}/{page}?{urlencode(query)}"


def parse_expiry(text: str | None) -> dt.datetime | None:
    """An ISO-8601 date or date-time as an aware UTC time (a bare date ends at 23:59:59 UTC)."""
    if not text:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            day = dt.date.fromisoformat(text.strip())
            return dt.datetime.combine(day, dt.time(23, 59, 59), dt.UTC)
        t = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise LinkError(f"'{text}' is not an ISO-8601 date or time (e.g. 2027-01-31).") from None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


@dataclass
class Link:
    """One viewer link: what it opens (dataset, page, filters) and its protections."""

    key: str  # sha256 of the token
    dataset_id: str
    page: str = "overview"
    params: dict[str, str | list[str]] = field(default_factory=dict)  # f_* / x_* URL state
    created: str = ""
    expires: str | None = None
    revoked: str | None = None
    last_opened: str | None = None
    password_hash: str | None = None
    failed: list[str] = field(default_factory=list)  # times of recent wrong passwords
    label: str = ""

    @property
    def has_password(self) -> bool:
        """The link asks for a password before it opens."""
        return self.password_hash is not None

    def expired(self, now: dt.datetime | None = None) -> bool:
        """Past its expiry time."""
        end = _parse(self.expires)
        return end is not None and (now or _now()) >= end

    def usable(self, now: dt.datetime | None = None) -> bool:
        """Neither revoked nor expired."""
        return self.revoked is None and not self.expired(now)

    def public(self) -> dict[str, Any]:
        """What an owner may see of a link (never the password hash)."""
        return {
            "key": self.key[:12],
            "page": self.page,
            "params": self.params,
            "created": self.created,
            "expires": self.expires,
            "revoked": self.revoked,
            "last_opened": self.last_opened,
            "password": self.has_password,
            "label": self.label,
        }


class Shares:
    """Create, find, check and revoke the viewer links of a workspace."""

    def __init__(self, root: Path):
        self.dir = Path(root) / LINKS_DIR
        self.dir.mkdir(parents=True, exist_ok=True)

    # ---- storage ----------------------------------------------------------------------------
    def _path(self, key: str) -> Path:
        return self.dir / f"{key}.json"

    def _write(self, link: Link) -> None:
        path = self._path(link.key)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        tmp.write_text(json.dumps(asdict(link), indent=1))
        os.replace(tmp, path)

    def _read(self, key: str) -> Link | None:
        try:
            data = json.loads(self._path(key).read_text())
            link = Link(**data)
            _check(link, key)
            return link
        except (OSError, ValueError, TypeError):
            # Missing or corrupted: this link is not valid; every other link keeps working.
            return None

    # ---- owners -----------------------------------------------------------------------------
    def create(
        self,
        dataset_id: str,
        *,
        page: str = "overview",
        params: Mapping[str, str | Sequence[str]] | None = None,
        password: str | None = None,
        expires: dt.datetime | None = None,
        label: str = "",
    ) -> tuple[str, Link]:
        """A new link; returns (token, record). The token is not stored and cannot be recovered."""
        if expires is not None and expires <= _now():
            raise LinkError("The expiry time is in the past.")
        token = new_token(24)
        link = Link(
            key=token_hash(token),
            dataset_id=dataset_id,
            page=page,
            params={k: v if isinstance(v, str) else list(v) for k, v in (params or {}).items()},
            created=_iso(_now()) or "",
            expires=_iso(expires),
            password_hash=_hasher().hash(password) if password else None,
            label=label,
        )
        self._write(link)
        return token, link

    def for_dataset(self, dataset_id: str) -> list[Link]:
        """Every link of a dataset (revoked and expired ones too), newest first."""
        links = []
        for p in self.dir.glob("*.json"):
            link = self._read(p.stem)
            if link is not None and link.dataset_id == dataset_id:
                links.append(link)
        return sorted(links, key=lambda x: x.created, reverse=True)

    def revoke(self, token_or_key: str) -> Link:
        """Revoke a link by its token (or, for the owner's list, its stored key or key prefix)."""
        link = self._find(token_or_key)
        if link is None:
            raise LinkError("No such link.")
        if link.revoked is None:
            link.revoked = _iso(_now())
            self._write(link)
        return link

    def delete_dataset(self, dataset_id: str) -> int:
        """Remove every link of a dataset (when the dataset is deleted); returns how many."""
        n = 0
        for link in self.for_dataset(dataset_id):
            self._path(link.key).unlink(missing_ok=True)
            n += 1
        return n

    def _find(self, token_or_key: str) -> Link | None:
        if TOKEN_RE.match(token_or_key):
            found = self._read(token_hash(token_or_key))
            if found is not None:
                return found
        if re.fullmatch(r"[0-9a-f]{12,64}", token_or_key):
            for p in self.dir.glob(f"{token_or_key}*.json"):
                return self._read(p.stem)
        return None

    # ---- visitors ---------------------------------------------------------------------------
    def lookup(self, token: str) -> Link | None:
        """The usable link a token opens, or None (unknown, malformed, revoked or expired)."""
        if not TOKEN_RE.match(token or ""):
            return None
        link = self._read(token_hash(token))
        if link is None or not link.usable():
            return None
        return link

    def check_password(self, link: Link, password: str) -> bool | None:
        """True/False for a right/wrong password; None while the link waits after many misses."""
        with _lock:
            current = self._read(link.key) or link
            now = _now()
            recent = [t for t in current.failed if now - (_parse(t) or now) < ATTEMPT_WINDOW]
            if len(recent) >= MAX_ATTEMPTS:
                return None
            ok = _verify(current.password_hash or "", password)
            if not ok:
                current.failed = [*recent, _iso(now) or ""]
                self._write(current)
            elif current.failed:
                current.failed = []
                self._write(current)
            return ok

    def touch(self, link: Link) -> None:
        """Record that the link was opened (at most once a minute per link)."""
        now = _now()
        last = _parse(link.last_opened)
        if last is not None and now - last < TOUCH_EVERY:
            return
        with _lock:
            current = self._read(link.key)
            if current is None:
                return
            current.last_opened = _iso(now)
            self._write(current)
            link.last_opened = current.last_opened


def _check(link: Link, key: str) -> None:
    """Raise TypeError/ValueError unless a record read from disk has the shape uxcx writes."""
    texts = (link.key, link.dataset_id, link.page, link.created, link.label)
    optional = (link.expires, link.revoked, link.last_opened, link.password_hash)
    if link.key != key or not all(isinstance(t, str) for t in texts):
        raise TypeError("malformed link record")
    if not all(t is None or isinstance(t, str) for t in optional):
        raise TypeError("malformed link record")
    if not isinstance(link.params, dict) or not isinstance(link.failed, list):
        raise TypeError("malformed link record")
    for t in (link.expires, link.revoked, link.last_opened, *link.failed):
        # A date that does not parse (or has no zone) fails here, not when the link opens.
        parsed = _parse(t)
        if parsed is not None and parsed.tzinfo is None:
            raise ValueError("malformed link record")


def _hasher() -> Any:
    from argon2 import PasswordHasher  # argon2id with the library's current default costs

    return PasswordHasher()


def _verify(password_hash: str, password: str) -> bool:
    from argon2.exceptions import Argon2Error, InvalidHashError

    try:
        return bool(_hasher().verify(password_hash, password))
    except (Argon2Error, InvalidHashError):
        return False
