"""Fixtures for the review service: one scored run of a small synthetic export, scored and
imported by the CLI as a user would (``stalkflag score``, ``stalkflag review import``), into a
SQLite file that each test gets a fresh copy of, with one user of each role."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from stalkflag.io import write_frame
from stalkflag.synth import SynthConfig, generate

PASSWORD = "correct horse battery"
"""Every test user's password (the store wants at least 12 characters)."""
ROLES = ("admin", "auditor", "analyst")
MARKUP = "<script>alert(1)</script><b>bold</b>"
"""Appended to some notes of stalking patterns: the page must show it as text."""
MARKED_PATTERNS = 4


@dataclass(frozen=True)
class Run:
    """The scored run every test reads: its export (names and notes included), the output
    folder, the saved model, the SQLite database it was imported into (each test works on a
    copy), and the incidents whose notes end in :data:`MARKUP`."""

    export: pd.DataFrame
    export_csv: Path
    scored: Path
    model: Path
    database: Path
    marked: frozenset[str]


def cli(*args: str, env: dict[str, str] | None = None) -> str:
    """Run a ``stalkflag`` command in this process; its output, or the failure."""
    from typer.testing import CliRunner

    from stalkflag.cli import app

    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _marked_export(n: int, seed: int) -> tuple[pd.DataFrame, frozenset[str]]:
    """A synthetic export with markup appended to the notes of the largest stalking patterns
    (their last incidents), so at least one lands in a flagged or review case."""
    export, truth = generate(SynthConfig(n_incidents=n, seed=seed))
    stalking = truth[truth["label"].eq(1)]
    largest = stalking["pattern_id"].value_counts().index[:MARKED_PATTERNS]
    last = (
        stalking[stalking["pattern_id"].isin(largest)].groupby("pattern_id")["incident_id"].last()
    )
    marked = export["incident_id"].isin(set(last))
    export.loc[marked, "notes"] = export.loc[marked, "notes"] + " " + MARKUP
    return export, frozenset(last)


@pytest.fixture(scope="session")
def service_model(trained, tmp_path_factory) -> Path:
    """The session's trained model (``tests/conftest.py``), saved to a folder as ``--model``
    takes it."""
    return Path(trained.chain.save(tmp_path_factory.mktemp("model") / "model"))


@pytest.fixture(scope="session")
def scored_run(service_model, tmp_path_factory) -> Run:
    """800 synthetic incidents scored by ``stalkflag score`` with the session's model and
    imported by ``stalkflag review import``, with one user of each role (``stalkflag users
    add``)."""
    folder = tmp_path_factory.mktemp("service")
    model = service_model
    export, marked = _marked_export(800, seed=11)
    export_csv = write_frame(export, folder / "export.csv")
    scored = folder / "scored"
    cli("score", str(export_csv), "--out", str(scored), "--model", str(model))
    database = folder / "review.db"
    output = cli("review", "import", str(scored), "--db", sqlite_url(database))
    assert re.search(r"Imported run 1 .*: [1-9][\d,]* cases", output), output
    for role in ROLES:
        add = ["users", "add", role, "--role", role, "--db", sqlite_url(database)]
        cli(*add, "--password-env", "TEST_PASSWORD", env={"TEST_PASSWORD": PASSWORD})
    return Run(export, export_csv, scored, Path(model), database, marked)


@pytest.fixture()
def db_url(scored_run, tmp_path) -> str:
    """A fresh copy of the imported database, for one test."""
    copy = tmp_path / "review.db"
    with (
        closing(sqlite3.connect(scored_run.database)) as source,
        closing(sqlite3.connect(copy)) as target,
    ):
        source.backup(target)  # whole, with what is still in the write-ahead log
    return sqlite_url(copy)


@pytest.fixture()
def app(db_url):
    from stalkflag.service import create_app

    application = create_app(db_url)
    yield application
    application.state.store.dispose()


@pytest.fixture()
def client(app) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as c:
        yield c


def login(client: TestClient, username: str, password: str = PASSWORD):
    """Log in through the form as a browser does (login page first, for its CSRF cookie)."""
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token, page.text
    return client.post(
        "/login", data={"username": username, "password": password, "csrf": token.group(1)}
    )


def csrf_of(html: str) -> str:
    """The session's CSRF token from a page's forms."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@pytest.fixture()
def as_role(app):
    """``as_role("auditor")``: a new client signed in with that role."""
    clients: list[TestClient] = []

    def make(role: str) -> TestClient:
        c = TestClient(app, base_url="http://testserver", follow_redirects=False)
        c.__enter__()
        clients.append(c)
        response = login(c, role)
        assert response.status_code == 303, response.text
        return c

    yield make
    for c in clients:
        c.__exit__(None, None, None)
