"""`stalkflag train` and `stalkflag score` run as a user runs them: the real console script, a
real MLflow store in a temporary folder (MLFLOW_TRACKING_URI), exit codes and no tracebacks.

`stalkflag train` runs once here, at the smallest size the config allows; `stalkflag score`
reads the session's store (``tracked`` in tests/conftest.py: the same training code, run in
this process at the size the scoring tests need)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from stalkflag.io import read_export
from stalkflag.validate import validate_export
from tests.conftest import PROJECT

STALKFLAG = Path(sys.executable).parent / "stalkflag"
OUTPUT_COLUMNS = ["incident_id", "pair_id", "score", "flagged", "reasons"]


def run(*args: str, store: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MLFLOW_TRACKING_URI": store}
    return subprocess.run(
        [str(STALKFLAG), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=900
    )


@pytest.fixture(scope="module")
def trained_store(tmp_path_factory):
    """One `stalkflag train` from a folder outside the project, naming the config relative to
    the project (the CLI falls back to the project's copy), into a new store. 1,000 incidents,
    the least the config accepts: what is checked is the command, its store and its card."""
    folder = tmp_path_factory.mktemp("cli_train")
    store = f"sqlite:///{folder}/mlflow.db"
    card = folder / "card" / "MODEL_CARD.md"
    result = run(
        "train",
        "--config",
        "pipelines/train.yaml",
        "data.synthetic.n_incidents=1000",
        "data.synthetic.n_unseen=300",
        # Too few validation pairs for a 1,000-incident model to reach 0.80 precision: the run
        # would place no flag (and say so); the card is checked with a flag placed.
        "decision.target_precision=0.6",
        "decision.precision_z=0",
        "--card",
        str(card),
        store=store,
        cwd=folder,
    )
    assert not (folder / "pipelines").exists()
    return store, result, card, folder


def test_train_from_another_folder_registers_the_champion(trained_store):
    import mlflow

    store, result, card, folder = trained_store
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert "champion" in result.stdout
    assert "models:/stalkflag/1" in result.stdout
    text = card.read_text(encoding="utf-8")
    assert "Intended use" in text
    assert "| pattern PR-AUC" in text and "|---" in text.replace(":", "")
    assert "Precision depends on how common stalking is" in text
    assert re.search(r"\| recall, 95% interval +\| 0\.\d{3} to [01]\.\d{3}", text)
    client = mlflow.MlflowClient(tracking_uri=store, registry_uri=store)
    versions = client.search_model_versions("name='stalkflag'")
    assert [str(v.version) for v in versions] == ["1"]
    assert str(client.get_model_version_by_alias("stalkflag", "champion").version) == "1"
    run_ = client.get_run(versions[0].run_id)
    assert run_.data.params["data.synthetic.n_incidents"] == "1000"
    assert not (folder / "mlruns").exists()  # nothing written into the working folder


@pytest.fixture(scope="module")
def store(tracked) -> str:
    """The session's store: its model registered as version 1, the champion."""
    return tracked.store


@pytest.fixture(scope="module")
def scored(store, synth_csv, tmp_path_factory):
    """One `stalkflag score` of the session's export with the champion, as CSV: checked below,
    and the whole-export run the history test compares its months with."""
    folder = tmp_path_factory.mktemp("cli_score")
    out = folder / "out"
    return run("score", str(synth_csv), "--out", str(out), store=store, cwd=folder), out


def test_score_writes_one_row_per_accepted_incident(scored, accepted):
    result, out = scored
    assert result.returncode == 0, result.stderr[-3000:]
    scores = pd.read_csv(out / "incidents.csv", dtype={"incident_id": str})
    assert list(scores.columns[:3]) == ["incident_id", "pair_id", "victim_person_id"]
    assert set(OUTPUT_COLUMNS) <= set(scores.columns)
    assert len(scores) == len(accepted)
    assert set(scores["incident_id"]) == set(accepted["incident_id"])
    assert scores["score"].between(0, 1).all()
    assert scores["flagged"].any()
    assert not (out / "rejects.csv").exists()
    # The export holds every style, verbose included, which the model never trained on.
    assert "longer than 99% of the notes the model was trained on" in result.stderr


def test_score_writes_every_output_as_parquet_with_its_manifest(
    store, synth_csv, accepted, tmp_path
):
    import json

    out = tmp_path / "out"
    result = run("score", str(synth_csv), "--out", str(out), "--format", "parquet",
                 store=store, cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    names = ["incidents.parquet", "patterns.parquet", "suspects.parquet", "people.parquet",
             "report.html"]  # fmt: skip
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["outputs"] == names and all((out / n).exists() for n in names)
    assert manifest["model"] == manifest["model"] | {"uri": "models:/stalkflag@champion",
                                                     "version": "1"}  # fmt: skip
    assert manifest["rows"]["scored"] == len(accepted)
    patterns = pd.read_parquet(out / "patterns.parquet")
    incidents = pd.read_parquet(out / "incidents.parquet")
    assert patterns["incidents"].sum() == len(incidents) == len(accepted)
    assert set(incidents["model_version"]) == {"1"}
    assert "open report.html" in result.stdout
    bad = run("score", str(synth_csv), "--out", str(tmp_path / "x"), "--format", "xlsx",
              store=store, cwd=tmp_path)  # fmt: skip
    assert bad.returncode == 2 and "csv or parquet" in bad.stderr
    assert "Traceback" not in bad.stderr and not (tmp_path / "x").exists()


def test_score_sets_bad_rows_aside_and_scores_the_rest(store, broken_csv, tmp_path):
    out = tmp_path / "out"
    result = run("score", str(broken_csv), "--out", str(out), store=store, cwd=tmp_path)
    assert result.returncode == 1, result.stderr[-3000:]  # rows were rejected
    assert "Traceback" not in result.stderr
    report = validate_export(read_export(broken_csv))
    rejects = pd.read_csv(out / "rejects.csv", dtype=str, encoding_errors="surrogateescape")
    assert len(rejects) == len(report.rejected) > 0
    scores = pd.read_csv(out / "incidents.csv", dtype={"incident_id": str})
    assert len(scores) == len(report.accepted) > 0
    assert set(scores["incident_id"]) == set(report.accepted["incident_id"])
    assert set(OUTPUT_COLUMNS) <= set(scores.columns)
    for name in ("Jane Doe", "John Roe"):
        assert name not in result.stdout + result.stderr


def test_score_with_history_keeps_ids_and_reads_several_inputs(store, scored, synth_csv, tmp_path):
    """A month scored with last month's output folder as history gives the ids and scores of
    scoring both months at once; two inputs scored together give the same."""
    import json

    whole_run, whole = scored  # the whole export, scored at once
    assert whole_run.returncode == 0, whole_run.stderr[-3000:]
    raw = pd.read_csv(synth_csv, dtype=str, keep_default_na=False)
    raw = raw.sort_values(["reported_at", "incident_id"]).reset_index(drop=True)
    cut = len(raw) * 2 // 3
    early, late = tmp_path / "early.csv", tmp_path / "late.csv"
    raw.iloc[:cut].to_csv(early, index=False)
    raw.iloc[cut:].to_csv(late, index=False)
    first, second, both = (tmp_path / n for n in ("first", "second", "both"))
    for args in (
        [str(early), "--out", str(first)],
        [str(late), "--out", str(second), "--history", str(first)],
        [str(early), str(late), "--out", str(both)],
    ):
        result = run("score", *args, store=store, cwd=tmp_path)
        assert result.returncode == 0, result.stderr[-3000:]
        assert "Traceback" not in result.stderr
    read = lambda folder: pd.read_csv(folder / "incidents.csv", dtype=str).set_index("incident_id")  # noqa: E731
    expected, got = read(whole), read(second)
    assert sorted(got.index) == sorted(raw.iloc[cut:]["incident_id"])
    columns = ["pair_id", "victim_person_id", "suspect_person_id", "score", "decision", "reasons"]
    pd.testing.assert_frame_equal(got[columns], expected.loc[got.index, columns])
    pd.testing.assert_frame_equal(read(both)[columns].sort_index(), expected[columns].sort_index())
    manifest = json.loads((second / "manifest.json").read_text(encoding="utf-8"))
    assert [h["path"] for h in manifest["history"]] == [str(early.resolve())]
    assert manifest["rows"]["history"] == cut and manifest["rows"]["scored"] == len(raw) - cut
    people = pd.read_csv(second / "people.csv", dtype=str)
    earlier = pd.read_csv(first / "people.csv", dtype=str)
    assert set(earlier["person_id"]) <= set(people["person_id"])
    names = set(raw["victim_name"]) | set(raw["suspect_name"])
    assert not names & set(people.to_numpy().ravel())  # ids, dates and counts only
    # history that moved is named, not silently dropped
    early.rename(tmp_path / "moved.csv")
    moved = run("score", str(late), "--out", str(tmp_path / "x"), "--history", str(first),
                store=store, cwd=tmp_path)  # fmt: skip
    assert moved.returncode == 2 and "no longer there" in _one_error(moved)


def test_score_on_a_terminal_draws_progress_with_counts_and_logs_above_it(
    store, synth_csv, tmp_path
):
    """On a terminal (a pseudo-terminal here) each stage is a bar with counts and time left,
    and log lines print through the same console; the run ends as it does in a log."""
    import pty
    import select

    main, child = pty.openpty()
    env = {**os.environ, "MLFLOW_TRACKING_URI": store, "COLUMNS": "160", "TERM": "xterm"}
    process = subprocess.Popen(
        [str(STALKFLAG), "score", str(synth_csv), "--out", str(tmp_path / "out")],
        stdin=child, stdout=child, stderr=child, cwd=tmp_path, env=env, close_fds=True,
    )  # fmt: skip
    os.close(child)
    chunks = []
    while True:
        ready, _, _ = select.select([main], [], [], 600)
        if not ready:
            process.kill()
            break
        try:
            data = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    process.wait(timeout=60)
    os.close(main)
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert process.returncode == 0, screen[-3000:]
    assert "Traceback" not in screen
    assert re.search(r"reading the notes.*\d+/\d+", screen)  # counts while reading
    assert "left" in screen and "scoring and explaining" in screen
    assert "INFO" in screen  # logs shown, through the console
    assert (tmp_path / "out" / "report.html").exists()


def _one_error(result) -> str:
    """The one ``error`` line a user's mistake prints (MLflow may log INFO lines too), with no
    traceback."""
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def test_score_with_no_model_says_to_train_one(broken_csv, tmp_path):
    result = run(
        "score",
        str(broken_csv),
        "--out",
        str(tmp_path / "out"),
        store=f"sqlite:///{tmp_path}/empty.db",
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "stalkflag train" in _one_error(result)
    assert not (tmp_path / "out" / "incidents.csv").exists()


def test_train_with_a_bad_override_names_the_key(tmp_path):
    result = run(
        "train",
        "--config",
        str(PROJECT / "pipelines" / "train.yaml"),
        "model.classifier=forest",
        store=f"sqlite:///{tmp_path}/mlflow.db",
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "model.classifier" in _one_error(result)
    assert not (tmp_path / "mlflow.db").exists()  # nothing trained, nothing logged
