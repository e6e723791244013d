"""The review store: importing a scoring run (faithful spans), decisions, the labels and
corrections exports, agreement, the append-only audit trail, and the CLI over them. Real
SQLite files, the session's trained model, real scoring."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pandas as pd
import pytest
import sqlalchemy

from stalkflag.errors import ConfigError
from stalkflag.review import (
    CORRECTION_COLUMNS,
    LABEL_COLUMNS,
    Store,
    add_user,
    agreement,
    audit,
    authenticate,
    case,
    corrections_table,
    create_token,
    decide,
    import_run,
    labels_table,
    queue,
    token_user,
)
from stalkflag.review._db import AuditEvent, Pattern
from tests.service.conftest import csrf_of


@pytest.fixture()
def store(db_url):
    """The session's imported run (``conftest.py``), a fresh copy for each test."""
    made = Store(db_url)
    yield made
    made.dispose()


def _outputs(scored_run) -> tuple[pd.DataFrame, pd.DataFrame]:
    read = {"dtype": str, "keep_default_na": False}
    patterns = pd.read_csv(scored_run.scored / "patterns.csv", **read)
    patterns["score"] = patterns["score"].astype(float)
    return patterns, pd.read_csv(scored_run.scored / "incidents.csv", **read)


def test_flag_and_review_patterns_become_cases_with_the_models_spans(store, scored_run):
    patterns, incidents = _outputs(scored_run)
    queued = patterns[patterns["decision"].isin(["flag", "review"])]
    with store.session() as db:
        shown = queue(db, per_page=1000, state=None)
        assert shown.total == len(queued) > 0
        assert {c.pair_id for c in shown.cases} == set(queued["pair_id"])
        counted = 0
        for p in queued.itertuples():
            found = case(db, next(c.id for c in shown.cases if c.pair_id == p.pair_id))
            assert found is not None and found.score == pytest.approx(p.score)
            mine = incidents[incidents["pair_id"] == p.pair_id]
            assert sorted(i.incident_id for i in found.timeline) == sorted(mine["incident_id"])
            spans = {
                (i.incident_id, m["behaviour"], m["start"], m["end"])
                for i in found.timeline
                for m in i.matches
            }
            # every span the model's explanation quotes is highlighted on the case page
            for group in json.loads(p.evidence):
                for m in group.get("matches", []):
                    assert (m["incident_id"], m["behaviour"], m["start"], m["end"]) in spans
                    counted += 1
            for i in found.timeline:
                for m in i.matches:  # spans point into the note, labelled with a FOUR element
                    assert 0 <= m["start"] < m["end"] <= len(i.notes)
                    assert m["four"] in {"", "F", "O", "U", "R"}
        assert counted > 0


def test_a_run_is_imported_once_and_a_non_output_folder_is_refused(store, scored_run, tmp_path):
    with store.session() as db, pytest.raises(ConfigError) as again:
        import_run(db, scored_run.scored, by="tester")
    assert again.value.code == "R011"
    with store.session() as db, pytest.raises(ConfigError) as wrong:
        import_run(db, tmp_path, by="tester")
    assert wrong.value.code == "R010"


def _cases(db, n: int) -> list[Pattern]:
    return queue(db, per_page=1000, state=None).cases[:n]


def test_decisions_become_labels_and_corrections(store):
    with store.session() as db:
        a, b, c = _cases(db, 3)
        a, b, c = case(db, a.id), case(db, b.id), case(db, c.id)
        assert a and b and c
        rejected = a.timeline[0].incident_id if len(a.timeline) > 1 else None
        decide(db, a, username="ann", decision="not_stalking")
        decide(  # a later decision supersedes the first
            db,
            a,
            username="ann",
            decision="confirmed",
            reclassify=True,
            rejected_links=[rejected] if rejected else [],
        )
        decide(db, b, username="ann", decision="not_stalking", note="a dispute between neighbours")
        decide(db, c, username="ann", decision="needs_info")
        with pytest.raises(ConfigError, match="only a confirmed case"):
            decide(db, b, username="ann", decision="not_stalking", reclassify=True)
        with pytest.raises(ConfigError, match="not in this case"):
            decide(db, b, username="ann", decision="confirmed", rejected_links=["NOPE-1"])
        with pytest.raises(ConfigError, match="decision must be"):
            decide(db, b, username="ann", decision="maybe")
    with store.session() as db:
        a, b, c = case(db, a.id), case(db, b.id), case(db, c.id)
        labels = labels_table(db)
        assert list(labels.columns) == list(LABEL_COLUMNS)
        expect_a = {i.incident_id for i in a.timeline} - {rejected}
        assert set(labels.loc[labels["label"] == 1, "incident_id"]) == expect_a
        assert (
            set(labels.loc[labels["label"] == 0, "incident_id"])
            == {i.incident_id for i in b.timeline} - expect_a
        )
        assert not set(labels["incident_id"]) & (
            {i.incident_id for i in c.timeline} - expect_a - {i.incident_id for i in b.timeline}
        )
        corrections = corrections_table(db)
        assert list(corrections.columns) == list(CORRECTION_COLUMNS)
        assert set(corrections["incident_id"]) == {
            i.incident_id for i in a.timeline if i.recorded_category != "stalking"
        } - {rejected}
        assert (corrections["corrected_category"] == "stalking").all()
        assert a.state == "confirmed" and c.state == "needs_info"
        assert (
            queue(db, state="open", per_page=1000).total
            == queue(db, state=None, per_page=1000).total - 3
        )


def test_agreement_by_force_and_month(store):
    with store.session() as db:
        cases = queue(db, per_page=1000, state=None).cases
        flagged = [c for c in cases if c.model_decision == "flag"][:3]
        review = [c for c in cases if c.model_decision == "review"][:2]
        assert len(flagged) == 3 and len(review) == 2
        for c, d in zip(flagged, ["confirmed", "confirmed", "not_stalking"], strict=True):
            decide(db, case(db, c.id), username="ann", decision=d)
        for c, d in zip(review, ["not_stalking", "confirmed"], strict=True):
            decide(db, case(db, c.id), username="ann", decision=d)
    with store.session() as db:
        table = agreement(db)
    decided = [*flagged, *review]
    forces = {c.force for c in decided}
    assert set(table["force"]) == forces
    assert table["decided"].sum() == 5
    assert table["flagged"].sum() == 3
    assert table["confirmed_of_flagged"].sum() == 2
    if len(forces) == 1:
        assert table["precision"].iloc[0] == pytest.approx(2 / 3, abs=1e-3)
        assert table["agreement"].iloc[0] == pytest.approx(3 / 5, abs=1e-3)


def test_passwords_tokens_and_lockout(store):
    with store.session() as db:
        add_user(db, "ann", "a long enough password", "auditor")
        with pytest.raises(ConfigError, match="at least 12"):
            add_user(db, "bob", "short", "auditor")
        with pytest.raises(ConfigError, match="role must be"):
            add_user(db, "bob", "a long enough password", "superuser")
        with pytest.raises(ConfigError, match="username"):
            add_user(db, "Bob Smith", "a long enough password", "auditor")
        token, _ = create_token(db, "ann", "tests")
    with store.session() as db:
        assert authenticate(db, "ann", "a long enough password") is not None
        assert token_user(db, token).username == "ann"
        assert token_user(db, token + "x") is None
        for _ in range(5):
            assert authenticate(db, "ann", "wrong password!!") is None
        assert authenticate(db, "ann", "a long enough password") is None  # locked
    with store.session() as db:
        refused = db.scalars(
            sqlalchemy.select(AuditEvent).where(AuditEvent.outcome == "refused")
        ).all()
        assert len(refused) == 6
        assert any("locked" in e.detail for e in refused)
        stored = db.execute(
            sqlalchemy.text("select password_hash from users where username = 'ann'")
        ).scalar_one()
        assert stored.startswith("$argon2id$") and "long enough" not in stored


def test_the_audit_trail_refuses_updates_and_deletes(store):
    with store.session() as db:
        audit(db, "ann", "view_case", "case 1")
        before = db.scalar(sqlalchemy.select(sqlalchemy.func.count(AuditEvent.id)))
    for statement in ("update audit_events set username = 'eve'", "delete from audit_events"):
        with (
            pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only"),
            store.engine.begin() as connection,
        ):
            connection.execute(sqlalchemy.text(statement))
    with store.session() as db:
        assert db.scalar(sqlalchemy.select(sqlalchemy.func.count(AuditEvent.id))) == before
        assert "eve" not in set(db.scalars(sqlalchemy.select(AuditEvent.username)))


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "stalkflag", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ | env,
    )


def test_cli_users_import_and_exports(tmp_path, scored_run):
    """As a user runs it: real processes, exit codes, one sentence for a mistake."""
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    added = _cli(
        "users",
        "add",
        "ann",
        "--role",
        "analyst",
        "--db",
        db,
        "--password-env",
        "PW",
        PW="a long enough password",
    )
    assert added.returncode == 0, added.stderr
    bad = _cli("users", "add", "bob", "--db", db, "--password-env", "PW", PW="short")
    assert bad.returncode == 2 and "at least 12" in bad.stderr and "Traceback" not in bad.stderr
    first = _cli("review", "import", str(scored_run.scored), "--db", db)
    assert first.returncode == 0 and "cases to review" in first.stdout, first.stderr
    again = _cli("review", "import", str(scored_run.scored), "--db", db)
    assert again.returncode == 2 and "already been imported" in again.stderr
    assert "Traceback" not in again.stderr
    token = _cli("users", "token", "ann", "--db", db)
    assert token.returncode == 0 and token.stdout.strip().startswith("sfk_")
    labels, trail = tmp_path / "labels.csv", tmp_path / "audit.csv"
    exported = _cli("review", "labels", "--out", str(labels), "--db", db)
    assert exported.returncode == 0, exported.stderr
    assert list(pd.read_csv(labels).columns) == list(LABEL_COLUMNS)
    assert _cli("review", "audit", "--out", str(trail), "--db", db).returncode == 0
    actions = set(pd.read_csv(trail)["action"])
    assert {"add_user", "import", "create_token", "export"} <= actions
    unreachable = _cli(
        "review", "labels", "--out", str(labels), "--db", "postgresql://nobody@127.0.0.1:1/none"
    )
    assert unreachable.returncode == 2 and "cannot open the database" in unreachable.stderr


def test_an_analyst_imports_a_run_from_the_page_and_an_auditor_cannot(
    as_role, scored_run, tmp_path
):
    again = tmp_path / "scored-again"
    shutil.copytree(scored_run.scored, again)
    manifest = json.loads((again / "manifest.json").read_text())
    manifest["created_at"] = "2030-01-01T00:00:00+00:00"  # another run of the same exports
    (again / "manifest.json").write_text(json.dumps(manifest))
    auditor = as_role("auditor")
    page = auditor.get("/queue?state=")
    assert 'action="/runs"' not in page.text
    refused = auditor.post("/runs", data={"folder": str(again), "csrf": csrf_of(page.text)})
    assert refused.status_code == 403
    analyst = as_role("analyst")
    page = analyst.get("/queue?state=")
    before = int(re.search(r"(\d+) cases", page.text).group(1))
    made = analyst.post("/runs", data={"folder": str(again), "csrf": csrf_of(page.text)})
    assert made.status_code == 303
    after = int(re.search(r"(\d+) cases", analyst.get("/queue?state=").text).group(1))
    assert after == 2 * before
    twice = analyst.post("/runs", data={"folder": str(again), "csrf": csrf_of(page.text)})
    assert twice.status_code == 400 and "already been imported" in twice.text
