"""The command line, run as a user runs it: a real process, real files, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

COMMANDS = ["synth", "validate", "link", "summary"]


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory):
    """800 synthetic incidents (seed 5): enough to train linkage on (200 at least), for the
    tests of reusing a saved linkage model, whose checks do not depend on the export's size."""
    from stalkflag.io import write_frame
    from stalkflag.synth import SynthConfig, generate

    export, _ = generate(SynthConfig(n_incidents=800, seed=5))
    return write_frame(export, tmp_path_factory.mktemp("cli_small") / "incidents.csv")


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "stalkflag", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_on_every_command(command):
    result = run(*([command] if command else []), "--help")
    assert result.returncode == 0
    assert "Usage" in result.stdout
    if command is None:
        assert all(c in result.stdout for c in COMMANDS)


def test_synth_validate_summary_round_trip(tmp_path):
    out = tmp_path / "gen" / "incidents.parquet"
    result = run(
        "synth", "--n-incidents", "800", "--seed", "5", "--out", str(out), "--workers", "1"
    )
    assert result.returncode == 0, result.stderr
    assert out.exists() and (tmp_path / "gen" / "incidents.truth.parquet").exists()
    assert len(pd.read_parquet(out)) == 800

    result = run("validate", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "800 accepted, 0 rejected" in result.stdout

    result = run("summary", str(out))
    assert result.returncode == 0, result.stderr
    for words in (
        "incidents",
        "recorded category",
        "scenario",
        "recorded vs true",
        "ex_partner_stalking",
    ):
        assert words in result.stdout


def test_validate_broken_file_lists_problems_and_writes_rejects(broken_csv, tmp_path):
    rejects = tmp_path / "rejects.csv"
    accepted = tmp_path / "good.parquet"
    result = run("validate", str(broken_csv), "--rejects", str(rejects), "--out", str(accepted))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert (
        "row 8, column recorded_category: 'harasment' is not a known category (did you mean 'harassment'?)"
        in result.stderr
    )
    assert "row 11: has 14 fields but the header has 13" in result.stderr
    assert "5 accepted, 12 rejected, 2 warnings" in result.stdout
    rows = pd.read_csv(rejects, dtype=str, keep_default_na=False, encoding_errors="surrogateescape")
    assert rows["_row"].astype(int).tolist() == [6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 18, 19]
    assert all(rows["_reasons"].str.contains(r"\[E1\d\d\]"))
    assert rejects.read_bytes().count(b"\x92") == 1  # the non-UTF-8 byte kept as it was
    assert len(pd.read_parquet(accepted)) == 5
    for name in ("Jane Doe", "John Roe", "1990-04-01"):
        assert name not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (bytes(range(256)) * 4, "not a CSV file: it holds binary data"),
        (b"", "is empty"),
        (
            b"incident_id,reported_at,notes\nA,2024-01-01,x\n",
            "lacks required columns: recorded_category",
        ),
    ],
)
def test_unusable_input_exit_2_with_one_sentence(tmp_path, content, words):
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    result = run("validate", str(path))
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_committed_binary_sample_is_exit_2():
    from tests.conftest import DATA

    result = run("validate", str(DATA / "not_a_csv.bin"))
    assert result.returncode == 2
    assert "not a CSV file" in result.stderr and "Traceback" not in result.stderr


def test_user_mistakes_in_options_are_clear(tmp_path):
    result = run("synth", "-n", "10", "--out", str(tmp_path / "x.txt"))
    assert result.returncode == 2 and "must end in .csv or .parquet" in result.stderr
    result = run("synth", "-n", "10", "--out", str(tmp_path / "x.csv"), "--styles", "haiku")
    assert result.returncode == 2 and "unknown style(s): haiku" in result.stderr
    result = run("validate", str(tmp_path / "missing.csv"))
    assert result.returncode == 2 and "does not exist" in result.stderr
    result = run("validate")
    assert result.returncode == 2 and "Missing argument" in result.stderr
    for r in (result,):
        assert "Traceback" not in r.stderr


def test_link_uses_accepted_rows_and_says_so(synth_csv, broken_csv, tmp_path):
    mixed = tmp_path / "mixed.csv"
    broken_rows = broken_csv.read_bytes().split(b"\r\n", 1)[1]
    mixed.write_bytes(synth_csv.read_bytes() + broken_rows)
    out = tmp_path / "linked"
    result = run("link", str(mixed), "--out", str(out))
    assert result.returncode == 1, result.stderr  # rows were rejected: validate's exit code
    assert "12 of 3,017 rows failed validation and are left out" in result.stderr
    assert "only the 3,005 accepted rows are linked" in result.stderr
    assert "Traceback" not in result.stderr
    links = pd.read_csv(out / "links.csv")
    assert len(links) == 3005
    assert list(links.columns[:5]) == [
        "incident_id",
        "victim_person_id",
        "suspect_person_id",
        "pair_id",
        "link_confidence",
    ]
    assert len(pd.read_csv(out / "rejects.csv", encoding_errors="surrogateescape")) == 12
    for name in ("Jane Doe", "John Roe"):
        assert name not in result.stdout + result.stderr
    assert "Jane" not in (out / "people.csv").read_text()


def test_link_on_too_little_data_says_what_to_do(broken_csv, tmp_path):
    result = run("link", str(broken_csv), "--out", str(tmp_path / "x"))
    assert result.returncode == 2
    assert "needs at least 200 incidents" in result.stderr and "--linkage-model" in result.stderr
    assert "Traceback" not in result.stderr


def test_link_reuses_a_saved_model(small_csv, tmp_path):
    first = run("link", str(small_csv), "--out", str(tmp_path / "a"), "--format", "parquet")
    assert first.returncode == 0, first.stderr
    model = tmp_path / "a" / "linkage_model.json"
    second = run(
        "link",
        str(small_csv),
        "--out",
        str(tmp_path / "b"),
        "--linkage-model",
        str(model),
        "--format",
        "parquet",
    )
    assert second.returncode == 0, second.stderr
    a = pd.read_parquet(tmp_path / "a" / "links.parquet")
    b = pd.read_parquet(tmp_path / "b" / "links.parquet")
    pd.testing.assert_frame_equal(a, b)
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    result = run("link", str(small_csv), "--out", str(tmp_path / "c"), "--linkage-model", str(bad))
    assert result.returncode == 2 and "not a saved" in result.stderr
    # a model that says it used optional evidence it was not trained with: one clear sentence
    saved = json.loads(model.read_text())
    mismatched = tmp_path / "mismatched.json"
    mismatched.write_text(json.dumps({**saved, "evidence": ["same_force"]}))
    result = run(
        "link", str(small_csv), "--out", str(tmp_path / "d"), "--linkage-model", str(mismatched)
    )
    assert result.returncode == 2, result.stderr
    assert "this version of stalkflag compares" in result.stderr
    assert "Traceback" not in result.stderr


def test_link_trains_with_optional_evidence_when_asked(small_csv, tmp_path):
    result = run(
        "link", str(small_csv), "--out", str(tmp_path / "e"), "--evidence", "same_force",
        "--evidence", "same_force",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    saved = json.loads((tmp_path / "e" / "linkage_model.json").read_text())
    assert saved["evidence"] == ["same_force"]
    # the saved model is reused with its own evidence, and giving both is a usage error
    reused = run(
        "link", str(small_csv), "--out", str(tmp_path / "f"),
        "--linkage-model", str(tmp_path / "e" / "linkage_model.json"),
    )  # fmt: skip
    assert reused.returncode == 0, reused.stderr
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "e" / "links.csv"), pd.read_csv(tmp_path / "f" / "links.csv")
    )
    both = run(
        "link", str(small_csv), "--out", str(tmp_path / "g"), "--evidence", "same_force",
        "--linkage-model", str(tmp_path / "e" / "linkage_model.json"),
    )  # fmt: skip
    assert both.returncode == 2 and "Give one or the other" in both.stderr
    unknown = run("link", str(small_csv), "--out", str(tmp_path / "h"), "--evidence", "gait")
    assert unknown.returncode == 2 and "unknown linkage evidence ['gait']" in unknown.stderr
    for r in (both, unknown):
        assert "Traceback" not in r.stderr
    assert not (tmp_path / "h").exists()
