"""The review store on PostgreSQL (127.0.0.1:5432, trust authentication, as the CI machines
run it): migrations, a run imported, a decision, the labels it gives, and an audit trail the
database itself keeps append-only. Each session works in a database of its own, dropped at
the end, so parallel runs do not collide."""

from __future__ import annotations

import uuid

import pandas as pd
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from stalkflag.errors import ConfigError
from stalkflag.review import (
    Store,
    audit,
    audit_table,
    corrections_table,
    decide,
    import_run,
    labels_table,
    queue,
)
from stalkflag.review._db import Pattern
from tests.service.conftest import cli

HOST, PORT, USER = "127.0.0.1", 5432, "postgres"
ADMIN_URL = f"postgresql://{USER}@{HOST}:{PORT}/test"


@pytest.fixture(scope="module")
def postgres_url():
    """A new, uniquely named database on the local server; dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(
            f"PostgreSQL is not reachable at {HOST}:{PORT} as {USER} "
            f"({type(exc).__name__}): the PostgreSQL tests of the review store did not run"
        )
    name = f"stalkflag_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql://{USER}@{HOST}:{PORT}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def store(postgres_url):
    opened = Store(postgres_url)
    yield opened
    opened.dispose()


def test_migrations_create_the_schema_and_run_again_as_a_no_op(store, postgres_url):
    with store.engine.connect() as connection:
        tables = set(
            connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ).scalars()
        )
        head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert {"users", "login_sessions", "api_tokens", "audit_events", "runs", "patterns",
            "incidents", "decisions", "stored_incidents", "alembic_version"} <= tables  # fmt: skip
    Store(postgres_url).dispose()  # opening again migrates nothing
    with store.engine.connect() as connection:
        assert (
            connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
        )


def test_import_decide_and_export_labels(store, postgres_url, scored_run, tmp_path):
    output = cli("review", "import", str(scored_run.scored), "--db", postgres_url)
    assert "Imported run 1" in output
    with pytest.raises(ConfigError, match="already been imported"), store.session() as db:
        import_run(db, scored_run.scored, by="test")
    with store.session() as db:
        cases = db.scalar(select(func.count()).select_from(Pattern))
        assert cases > 0
        first = queue(db, per_page=1).cases[0]
        shown = queue(db, force="' OR 1=1 --")
        assert shown.total == 0
        rejected = first.timeline[0].incident_id if len(first.timeline) > 1 else None
        decide(
            db,
            first,
            username="auditor",
            decision="confirmed",
            reclassify=True,
            rejected_links=[rejected] if rejected else [],
        )
        audit(db, "auditor", "decide", f"case {first.id}", detail="confirmed")
        expected = {i.incident_id for i in first.timeline} - {rejected}
        recorded = {i.incident_id for i in first.timeline if i.recorded_category != "stalking"}
    with store.session() as db:
        assert db.get(Pattern, first.id).state == "confirmed"
        assert len(corrections_table(db)) == len(expected & recorded)
        assert len(labels_table(db)) == len(expected)
    for kind in ("labels", "corrections", "audit"):
        cli("review", kind, "--out", str(tmp_path / f"{kind}.csv"), "--db", postgres_url)
    labels = pd.read_csv(tmp_path / "labels.csv", dtype=str)
    corrections = pd.read_csv(tmp_path / "corrections.csv", dtype=str)
    trail = pd.read_csv(tmp_path / "audit.csv", dtype=str)
    assert set(labels["incident_id"]) == expected and set(labels["label"]) == {"1"}
    assert set(corrections["incident_id"]) == expected & recorded
    assert {"import", "decide", "export"} <= set(trail["action"])
    # the marked note is kept as it was written (text, never interpreted)
    with store.engine.connect() as connection:
        notes = (
            connection.execute(
                text("SELECT notes FROM incidents WHERE incident_id = ANY(:ids)"),
                {"ids": list(scored_run.marked)},
            )
            .scalars()
            .all()
        )
    assert notes and all(n.endswith("<script>alert(1)</script><b>bold</b>") for n in notes)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET detail = 'rewritten'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ],
)
def test_the_audit_trail_is_append_only_in_the_database(store, statement):
    with store.session() as db:
        audit(db, "someone", "login", client="127.0.0.1")
    with store.session() as db:
        before = audit_table(db)
    assert len(before) >= 1
    with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as connection:
        connection.execute(text(statement))
    with store.session() as db:
        after = audit_table(db)
    assert after.equals(before)
