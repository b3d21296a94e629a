"""Operator commands: `uxcx datasets add|list|delete` and `uxcx share create|list|revoke`."""

from __future__ import annotations

import io
import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from uxcx.cli import main
from uxcx.store import Request, Workspace, open_dataset
from uxcx.store.access import Handle

ROOT = Path(__file__).parent.parent
CUSTOMERS = str(ROOT / "sample_data" / "customers.csv")


@pytest.fixture
def ws(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("UXCX_WORKSPACE", str(tmp_path))
    return tmp_path


def run(capsys, *args: str) -> object:
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def fails(capsys, *args: str) -> str:
    with pytest.raises(SystemExit) as e:
        code = main(list(args))
        raise SystemExit(code)
    err = capsys.readouterr().err
    assert e.value.code == 2 and err.count("\n") == 1, err
    return err


def test_datasets_add_list_delete(ws, capsys):
    added = run(capsys, "datasets", "add", CUSTOMERS, "--name", "Acme CRM")
    assert set(added) == {"id", "name", "rows", "files"}
    assert added["name"] == "Acme CRM" and added["rows"] == 3000
    assert added["files"] == ["customers.csv"]
    listed = run(capsys, "datasets", "list")
    assert [set(d) for d in listed] == [{"id", "name", "created", "rows", "links"}]
    assert listed[0]["id"] == added["id"] and listed[0]["links"] == 0
    assert run(capsys, "datasets", "delete", added["id"]) == {"deleted": added["id"]}
    assert run(capsys, "datasets", "list") == []


def test_share_create_list_revoke(ws, capsys, monkeypatch):
    ds = run(capsys, "datasets", "add", CUSTOMERS)
    monkeypatch.setattr("sys.stdin", io.StringIO("horse battery\n"))
    made = run(
        capsys, "share", "create", ds["id"], "--page", "cx", "--filter", "plan=Pro",
        "--filter", "plan=Basic", "--password-stdin", "--expires", "2030-01-31",
        "--base-url", "https://uxcx.example.com/",
    )  # fmt: skip
    assert set(made) == {"token", "url", "expires"}
    url = urlparse(made["url"])
    assert (url.scheme, url.netloc, url.path) == ("https", "uxcx.example.com", "/cx")
    assert parse_qs(url.query) == {"share": [made["token"]], "f_plan": ["Pro", "Basic"]}
    assert ds["id"] not in made["url"] and made["expires"].startswith("2030-01-31T23:59:59")
    wsp = Workspace(ws)
    assert open_dataset(wsp, Request(share_token=made["token"])).reason == "password_required"
    opened = open_dataset(wsp, Request(share_token=made["token"], password="horse battery"))
    assert isinstance(opened, Handle) and opened.capability == "viewer"
    links = run(capsys, "share", "list", ds["id"])
    assert len(links) == 1 and links[0]["password"] is True and links[0]["page"] == "cx"
    assert "password_hash" not in links[0] and made["token"] not in json.dumps(links)
    assert run(capsys, "datasets", "list")[0]["links"] == 1
    assert run(capsys, "share", "revoke", made["token"])["revoked"] == links[0]["key"]
    assert open_dataset(wsp, Request(share_token=made["token"])).reason == "invalid_link"
    assert run(capsys, "datasets", "list")[0]["links"] == 0


def test_admin_errors_are_one_line_exit_2(ws, capsys, monkeypatch):
    ds = run(capsys, "datasets", "add", CUSTOMERS)
    assert "no such file" in fails(capsys, "datasets", "add", "missing.csv")
    assert "no dataset" in fails(capsys, "datasets", "delete", "nope")
    assert "no dataset" in fails(capsys, "share", "create", "nope")
    assert "--page must be one of" in fails(capsys, "share", "create", ds["id"], "--page", "upload")
    assert "KEY=VALUE" in fails(capsys, "share", "create", ds["id"], "--filter", "plan")
    assert "ISO-8601" in fails(capsys, "share", "create", ds["id"], "--expires", "soon")
    assert "past" in fails(capsys, "share", "create", ds["id"], "--expires", "2001-01-01")
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert "empty password" in fails(capsys, "share", "create", ds["id"], "--password-stdin")
    assert "no such link" in fails(capsys, "share", "revoke", "../../etc/passwd")
    assert "no dataset" in fails(capsys, "share", "list", "nope")
    assert "required" in fails(capsys, "datasets")
