"""Viewer links and the access gate: tokens as hashes, password, expiry, revocation, refusals."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from uxcx.store import Request, Shares, Workspace, open_dataset
from uxcx.store.access import Handle, Refusal
from uxcx.store.shares import MAX_ATTEMPTS, LinkError, parse_expiry, token_hash

CSV = b"customer_id,score\na,9\nb,3\nc,10\n"


@pytest.fixture
def ws(tmp_path) -> Workspace:
    return Workspace(tmp_path)


@pytest.fixture
def ds(ws):
    return ws.create_dataset([("survey.csv", CSV)])


def test_owner_link_opens_with_the_dataset_id(ws, ds):
    got = open_dataset(ws, Request(dataset_id=ds.id))
    assert isinstance(got, Handle) and got.capability == "owner" and got.can_edit
    assert got.dataset.id == ds.id and got.tables()[0].name == "survey"


@pytest.mark.parametrize("bad", ["", "nope", "../../etc/passwd", "x" * 40, "a/b"])
def test_unknown_or_forged_ids_and_tokens_get_the_same_calm_refusal(ws, ds, bad):
    by_id = open_dataset(ws, Request(dataset_id=bad))
    by_token = open_dataset(ws, Request(share_token=bad))
    assert isinstance(by_id, Refusal) and isinstance(by_token, Refusal)
    assert by_token.reason == "invalid_link" and "not valid any more" in by_token.message
    assert ds.id not in by_id.message + by_token.message


def test_viewer_link_is_read_only_and_never_stores_the_token(ws, ds):
    shares = Shares(ws.root)
    token, link = shares.create(ds.id, page="cx", params={"f_plan": ["Pro"]})
    assert len(token) >= 32 and ds.id not in token
    stored = (ws.root / "links" / f"{token_hash(token)}.json").read_text()
    assert token not in stored and json.loads(stored)["dataset_id"] == ds.id
    got = open_dataset(ws, Request(share_token=token))
    assert isinstance(got, Handle) and got.capability == "viewer" and not got.can_edit
    assert got.link is not None and got.link.page == "cx" and got.link.params == {"f_plan": ["Pro"]}
    assert shares.for_dataset(ds.id)[0].last_opened is not None


def test_password_links(ws, ds):
    shares = Shares(ws.root)
    token, link = shares.create(ds.id, password="s3cret horse")
    assert link.password_hash and link.password_hash.startswith("$argon2id$")
    assert "s3cret" not in (ws.root / "links" / f"{link.key}.json").read_text()
    assert open_dataset(ws, Request(share_token=token)).reason == "password_required"
    wrong = open_dataset(ws, Request(share_token=token, password="nope"))
    assert isinstance(wrong, Refusal) and wrong.message == "Wrong password."
    assert isinstance(open_dataset(ws, Request(share_token=token, password="s3cret horse")), Handle)


def test_wrong_passwords_are_rate_limited_per_link(ws, ds):
    shares = Shares(ws.root)
    token, _ = shares.create(ds.id, password="right")
    other, _ = shares.create(ds.id, password="right")
    for _ in range(MAX_ATTEMPTS):
        assert open_dataset(ws, Request(share_token=token, password="x")).reason == "wrong_password"
    # Even the right password waits now; another link is unaffected; a restart keeps the count.
    assert open_dataset(ws, Request(share_token=token, password="right")).reason == "wait"
    assert isinstance(open_dataset(ws, Request(share_token=other, password="right")), Handle)
    assert (
        open_dataset(Workspace(ws.root), Request(share_token=token, password="right")).reason
        == "wait"
    )


def test_expired_and_revoked_links_are_refused(ws, ds):
    shares = Shares(ws.root)
    # Whole seconds: records keep seconds only, so a fractional expiry would be cut short.
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)).replace(microsecond=0)
    token, link = shares.create(ds.id, expires=soon)
    assert not link.expired(soon - dt.timedelta(seconds=0.5)) and link.expired(soon)
    with pytest.raises(LinkError, match="past"):
        shares.create(ds.id, expires=dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    token2, _ = shares.create(ds.id)
    shares.revoke(token2)
    assert open_dataset(ws, Request(share_token=token2)).reason == "invalid_link"
    assert shares.for_dataset(ds.id)[0].revoked is not None or shares.for_dataset(ds.id)[1].revoked


def test_expiry_parsing():
    assert parse_expiry("2027-01-31") == dt.datetime(2027, 1, 31, 23, 59, 59, tzinfo=dt.UTC)
    assert parse_expiry("2027-01-31T10:00:00Z") == dt.datetime(2027, 1, 31, 10, tzinfo=dt.UTC)
    with pytest.raises(LinkError, match="ISO-8601"):
        parse_expiry("next tuesday")


def test_corrupted_link_record_breaks_only_that_link(ws, ds):
    shares = Shares(ws.root)
    bad, bad_link = shares.create(ds.id)
    good, _ = shares.create(ds.id)
    (ws.root / "links" / f"{bad_link.key}.json").write_text("{not json")
    assert open_dataset(ws, Request(share_token=bad)).reason == "invalid_link"
    assert isinstance(open_dataset(ws, Request(share_token=good)), Handle)


def test_deleting_a_dataset_removes_its_links_and_a_restart_keeps_the_rest(ws, ds):
    other = ws.create_dataset([("b.csv", CSV)])
    shares = Shares(ws.root)
    t1, _ = shares.create(ds.id)
    t2, _ = shares.create(other.id)
    ws.delete(ds.id)
    assert open_dataset(ws, Request(share_token=t1)).reason == "invalid_link"
    again = Workspace(ws.root)
    assert isinstance(open_dataset(again, Request(share_token=t2)), Handle)
    assert [d.id for d in again.datasets()] == [other.id]


def test_a_verified_password_is_not_hashed_again_on_every_open(ws, ds, monkeypatch):
    from uxcx.store import shares as shares_mod

    token, _ = Shares(ws.root).create(ds.id, password="right")
    calls = []
    real = shares_mod._verify
    monkeypatch.setattr(shares_mod, "_verify", lambda h, p: calls.append(p) or real(h, p))
    for _ in range(3):
        assert isinstance(open_dataset(ws, Request(share_token=token, password="right")), Handle)
    assert calls == ["right"], "argon2 ran once; a session's reruns reuse the verification"
    # A wrong password is never remembered: each try is checked (and counted) again.
    for _ in range(2):
        assert open_dataset(ws, Request(share_token=token, password="nope")).reason == (
            "wrong_password"
        )
    assert calls == ["right", "nope", "nope"]
    # Revocation still applies at once to a session that proved the password.
    Shares(ws.root).revoke(token)
    assert open_dataset(ws, Request(share_token=token, password="right")).reason == "invalid_link"
