"""AppTest of hosted sharing: viewer links (read-only, password, refusals), the Share panel,
the owner-link notice after an upload, optional sign-in with "My datasets", and the upload cap.

Every test opens the whole app (app.py) the way a link does. AppTest runs a page it switches to
on its own, without app.py's sidebar, so sidebar checks happen on the first run (where app.py
itself may send a viewer on to the link's page). Datasets live in the session's app workspace;
their ids are random, so "the id appears nowhere" is a meaningful check.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from streamlit.testing.v1 import AppTest

from uxcx.store import Handle, Refusal, Request, Shares, Workspace, open_dataset
from uxcx.store.shares import MAX_ATTEMPTS, token_hash

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 60
PASSWORD = "correct horse"

# Two plans over six months: enough for tiles, a segment filter and a date range.
CSV = b"customer_id,date,plan,How likely are you to recommend us?,CSAT\n" + b"".join(
    f"C{i:03d},2025-0{1 + i % 6}-{1 + i % 27:02d},{'Pro' if i % 3 else 'Basic'},{i % 11},"
    f"{1 + i % 5}\n".encode()
    for i in range(90)
)


class Links:
    """The dataset the tests share and one token of each kind."""

    def __init__(self, root: Path):
        ws = Workspace(root)
        self.ws = ws
        self.ds = ws.create_dataset([("survey.csv", CSV)], name="survey.csv")
        shares = Shares(ws.root)
        self.plain, _ = shares.create(self.ds.id, page="overview", params={"f_plan": ["Pro"]})
        self.cx, _ = shares.create(self.ds.id, page="cx")
        self.protected, _ = shares.create(self.ds.id, password=PASSWORD)
        self.revoked, _ = shares.create(self.ds.id)
        shares.revoke(self.revoked)
        self.expired, link = shares.create(self.ds.id)
        # A record whose expiry has passed (create() refuses a past time, as it should).
        path = ws.root / "links" / f"{link.key}.json"
        record = json.loads(path.read_text())
        record["expires"] = "2020-01-01T00:00:00+00:00"
        path.write_text(json.dumps(record))


@pytest.fixture(scope="module")
def links(app_workspace) -> Links:
    return Links(app_workspace)


def run_app(params: dict[str, str | list[str]], page: str | None = None) -> AppTest:
    """Open app.py with these query parameters (and switch to a page file), as a link would."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def rendered(at: AppTest) -> str:
    """Everything the app sent to the browser this run: every element's protobuf, as text."""
    out: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(out)


def qp(at: AppTest, key: str) -> str | None:
    value = at.query_params.get(key)
    return value[0] if isinstance(value, list) else value


# ---- viewer links --------------------------------------------------------------------------
def test_viewer_link_opens_read_only_with_its_filters(links):
    at = run_app({"share": links.plain})
    assert at.title[0].value.startswith("Overview")
    assert len(at.metric) == 14
    # The link's stored filter reached the sidebar widget, and the URL carries the token only.
    assert at.multiselect(key="f_plan").value == ["Pro"]
    assert qp(at, "share") == links.plain and "dataset" not in at.query_params
    assert not at.get("file_uploader") and not at.get("data_editor")
    assert "Share a read-only link" not in rendered(at)
    assert "Shared, read-only view" in " ".join(c.value for c in at.sidebar.caption)


def test_bare_address_with_a_link_opens_the_links_page(links):
    at = run_app({"share": links.cx})
    assert at.title[0].value.startswith("CX")
    assert qp(at, "share") == links.cx


def test_a_url_with_its_own_filters_wins_over_the_stored_ones(links):
    at = run_app({"share": links.plain, "f_plan": "Basic"})
    assert at.multiselect(key="f_plan").value == ["Basic"]


def test_viewer_pages_show_no_editor_no_upload_and_never_the_dataset_id(links):
    at = run_app({"share": links.plain})
    for page in ("overview", "ux", "cx", "retention", "explore", "data"):
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, [e.message for e in at.exception])
        assert not at.get("data_editor") and not at.get("file_uploader"), page
        assert qp(at, "share") == links.plain, "the token stays in the URL across pages"
        assert links.ds.id not in rendered(at) + str(dict(at.query_params)), page
    # The Data page shows the roles as a plain table.
    roles = [df.value for df in at.dataframe if "Role" in df.value.columns]
    assert roles and "Detected" not in roles[0].columns
    # Data sources is not the viewer's: typed by hand, it says so and offers no uploader.
    at.switch_page("pages/upload.py").run()
    assert "shared, read-only view" in at.info[0].value and not at.get("file_uploader")


@pytest.mark.parametrize("kind", ["unknown", "revoked", "expired", "forged"])
def test_refused_links_get_one_calm_page(links, kind):
    token = {
        "unknown": "A" * 32,
        "revoked": links.revoked,
        "expired": links.expired,
        "forged": "../../etc/passwd",
    }[kind]
    at = run_app({"share": token}, page=None)
    assert at.title[0].value == "Shared view"
    assert "This link is not valid any more" in at.info[0].value
    assert not at.metric and not at.sidebar.children, "no menu, no filters, no dataset name"
    text = rendered(at)
    assert links.ds.id not in text and "survey.csv" not in text
    assert "Traceback" not in text


def submit_password(at: AppTest, password: str) -> AppTest:
    at.text_input(key="share_password_input").input(password)
    next(b for b in at.button if b.label == "Open the view").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def protected_page(token: str) -> AppTest:
    """The password form as app.py shows it, then on the Overview page.

    A widget's identity includes the script that drew it, and AppTest reruns a page file
    without app.py: the form is used from the page, where every rerun draws it again.
    """
    at = run_app({"share": token})
    assert at.title[0].value == "Shared view" and not at.metric and not at.sidebar.children
    field = at.text_input(key="share_password_input")
    assert field.proto.type == field.proto.PASSWORD
    at.switch_page("pages/overview.py").run()
    assert at.text_input(key="share_password_input") and not at.metric
    return at


def test_password_form_wrong_then_right(links):
    at = protected_page(links.protected)
    submit_password(at, "nope")
    assert [e.value for e in at.error] == ["Wrong password."]
    assert not at.metric
    submit_password(at, PASSWORD)
    assert not at.error and not at.get("text_input"), "the form is gone"
    assert len(at.metric) == 14
    # Kept for the session, never in the URL: another page opens without asking again.
    assert PASSWORD not in str(dict(at.query_params))
    at.switch_page("pages/cx.py").run()
    assert at.title[0].value.startswith("CX") and not at.get("text_input")
    assert qp(at, "share") == links.protected


def test_password_form_says_when_to_wait(app_workspace):
    ws = Workspace(app_workspace)
    ds = ws.create_dataset([("w.csv", CSV)])
    token, _ = Shares(ws.root).create(ds.id, password="right")
    at = protected_page(token)
    for _ in range(MAX_ATTEMPTS):
        submit_password(at, "wrong")
    submit_password(at, "right")
    assert "Wait a few minutes" in at.error[0].value and not at.metric


# ---- the owner's Share panel ---------------------------------------------------------------
def _panel_script(page: str) -> None:
    """The Share panel on its own (AppTest reruns page files without app.py's sidebar)."""
    from ui.share import render_share_panel
    from ui.state import current_handle

    handle = current_handle()
    render_share_panel(handle.dataset, page)


def open_panel(params: dict[str, str], page: str = "overview") -> AppTest:
    at = AppTest.from_function(_panel_script, args=(page,), default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def create(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Create link").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_owner_sidebar_has_the_share_panel(links):
    at = run_app({"dataset": links.ds.id, "f_plan": "Pro"})
    assert [e.label for e in at.sidebar.expander] == ["Share a read-only link"]
    # On Data sources (no viewer page) the link goes to the Overview by default.
    assert at.selectbox(key="share_page_upload").value == "overview"
    assert at.checkbox(key="share_filters").value is True
    assert (
        at.text_input(key="share_password").proto.type
        == at.text_input(key="share_password").proto.PASSWORD
    )


def test_share_panel_creates_a_link_the_gate_opens_and_revoke_ends_it(links):
    at = open_panel({"dataset": links.ds.id, "f_plan": "Pro", "x_grain": "Quarter"})
    assert at.selectbox(key="share_page_overview").value == "overview"
    at.text_input(key="share_password").input("s3cret")
    create(at)
    assert any("shown only this once" in s.value for s in at.success)
    (code,) = [c.value for c in at.code]
    url = urlparse(code)
    query = parse_qs(url.query)
    assert url.path.endswith("/overview") and "dataset" not in query
    assert query["f_plan"] == ["Pro"] and query["x_grain"] == ["Quarter"]
    assert links.ds.id not in code and "s3cret" not in code
    token = query["share"][0]
    ws = Workspace(links.ws.root)
    assert open_dataset(ws, Request(share_token=token)).reason == "password_required"
    granted = open_dataset(ws, Request(share_token=token, password="s3cret"))
    assert isinstance(granted, Handle) and granted.capability == "viewer"
    assert granted.link.params == {"f_plan": ["Pro"], "x_grain": ["Quarter"]}

    # Listed with its protections; the address is not shown again; Revoke ends it.
    at.run()
    assert not at.code, "the address is shown only once"
    text = rendered(at)
    assert "password" in text and "Expires never" in text
    at.button(key=f"revoke_{token_hash(token)[:12]}").click().run()
    assert not at.exception
    refused = open_dataset(ws, Request(share_token=token, password="s3cret"))
    assert isinstance(refused, Refusal) and refused.reason == "invalid_link"
    assert "revoked" in rendered(at)


def test_share_panel_to_another_page_keeps_only_the_sidebar_filters(links):
    at = open_panel({"dataset": links.ds.id, "f_plan": "Basic", "x_grain": "Quarter"})
    at.selectbox(key="share_page_overview").set_value("explore")
    create(at)
    url = urlparse(at.code[0].value)
    query = parse_qs(url.query)
    assert url.path.endswith("/explore")
    assert query["f_plan"] == ["Basic"] and "x_grain" not in query


def test_share_panel_without_filters_and_with_an_expiry(links):
    at = open_panel({"dataset": links.ds.id, "f_plan": "Basic"})
    at.checkbox(key="share_filters").uncheck()
    day = dt.date.today() + dt.timedelta(days=7)
    at.date_input(key="share_expires").set_value(day)
    create(at)
    query = parse_qs(urlparse(at.code[0].value).query)
    assert set(query) == {"share"}
    granted = open_dataset(Workspace(links.ws.root), Request(share_token=query["share"][0]))
    assert isinstance(granted, Handle)
    assert granted.link.expires == f"{day.isoformat()}T23:59:59+00:00"


def test_share_panel_rejects_a_past_expiry_without_a_traceback(links, monkeypatch):
    at = open_panel({"dataset": links.ds.id})
    at.date_input(key="share_expires").set_value(dt.date.today())
    monkeypatch.setattr("uxcx.store.shares._now", lambda: dt.datetime(2999, 1, 1, tzinfo=dt.UTC))
    create(at)
    assert "past" in at.error[0].value and not at.code


def test_the_sample_has_no_link_list(app_workspace):
    at = open_panel({"dataset": "sample"})
    assert not [b for b in at.button if b.label == "Create link"]
    assert "open to everyone" in rendered(at)


# ---- owners: the upload notice -------------------------------------------------------------
def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader(key="uploads").set_value([(name, content, "text/csv")]).run()
    at.button(key="load_files").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_upload_says_to_keep_the_owner_link_until_confirmed(app_workspace):
    at = run_app({})
    upload(at, "s.csv", CSV)
    ds_id = qp(at, "dataset")
    assert any("Keep this link: it is your key" in s.value for s in at.success)
    assert any(c.value.endswith(f"/?dataset={ds_id}") for c in at.code)
    at.run()
    assert any("Keep this link" in s.value for s in at.success), "stays until confirmed"
    at.button(key="owner_link_saved").click().run()
    assert not any("Keep this link" in s.value for s in at.success) and not at.code


def test_the_sample_gets_no_owner_link_notice(app_workspace):
    at = run_app({})
    at.button(key="use_sample").click().run()
    assert not any("Keep this link" in s.value for s in at.success)


# ---- optional sign-in ----------------------------------------------------------------------
def test_without_sign_in_there_is_no_list_of_datasets(links):
    at = run_app({"dataset": links.ds.id})
    assert "my_datasets" not in str(at._registered_pages) and "Sign in" not in rendered(at)
    at = AppTest.from_file(str(ROOT / "pages" / "my_datasets.py"), default_timeout=TIMEOUT).run()
    assert "Sign in" in at.info[0].value
    assert "survey.csv" not in " ".join(m.value for m in at.markdown)


@pytest.fixture
def signed_in(app_workspace, monkeypatch):
    """Sign-in configured and pm@example.com signed in (the two seams ui.auth offers)."""
    monkeypatch.setattr("ui.auth.configured", lambda: True)
    monkeypatch.setattr("ui.auth.current_user", lambda: "pm@example.com")
    ws = Workspace(app_workspace)
    mine = ws.create_dataset([("mine.csv", CSV)], name="Q3 survey", owner="pm@example.com")
    theirs = ws.create_dataset([("theirs.csv", CSV)], name="Someone else's", owner="x@example.com")
    return ws, mine, theirs


def test_my_datasets_lists_only_mine_and_renames_and_deletes(signed_in):
    ws, mine, theirs = signed_in
    at = run_app({}, page="pages/my_datasets.py")
    text = " ".join(m.value for m in at.markdown)
    assert "Q3 survey" in text and "Someone else" not in text
    inputs = [t for t in at.text_input if t.value == "Q3 survey"]
    inputs[0].input("Q3 survey (final)").run()
    next(b for b in at.button if b.label == "Rename").click().run()
    assert ws.open(mine.id).name == "Q3 survey (final)"
    delete = next(b for b in at.button if b.label == "Delete")
    assert delete.disabled, "delete needs the confirmation first"
    next(c for c in at.checkbox if c.label.startswith("Yes, delete")).check().run()
    next(b for b in at.button if b.label == "Delete").click().run()
    assert not at.exception
    assert not ws.exists(mine.id) and ws.exists(theirs.id)


def test_my_datasets_open_switches_to_the_overview(signed_in):
    _, mine, _ = signed_in
    at = run_app({}, page="pages/my_datasets.py")
    next(b for b in at.button if b.label == "Open").click().run()
    assert not at.exception
    assert at.title[0].value.startswith("Overview")
    assert qp(at, "dataset") is not None


def test_signed_in_upload_records_the_owner(signed_in):
    ws, _, _ = signed_in
    at = run_app({})
    upload(at, "owned.csv", CSV)
    assert ws.open(qp(at, "dataset")).owner == "pm@example.com"


# ---- server config -------------------------------------------------------------------------
def test_upload_cap_matches_the_server_config_and_protections_stay_on():
    from ui.limits import MAX_UPLOAD_MB

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    server = config["server"]
    assert server["maxUploadSize"] == MAX_UPLOAD_MB == 2048  # uploads up to 2 GB (issue 8)
    assert server["enableXsrfProtection"] is True and server["enableCORS"] is True
    assert "max_upload_size=MAX_UPLOAD_MB" in (ROOT / "pages" / "upload.py").read_text()
