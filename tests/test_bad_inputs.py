"""Bad inputs and faults, through the real command line: `stalkflag validate`, `link` and `score`
over every file of the corpus (``tests/data/bad_inputs/``, written by ``build.py`` beside it),
and outputs that cannot be written, models that cannot be read, exports that give Splink's
training nothing to learn from.

Each run must end with the documented exit code (0 every row accepted, 1 some rows rejected,
2 unusable input, option or model, 3 an output that cannot be written), at most one error
sentence and no traceback; every record read is accepted or rejected (and the rejects file holds
each rejected one with its reasons); nothing partial is written; no personal value reaches a
message; and no CSV cell could run as a spreadsheet formula.

The commands run in this process (``stalkflag.cli.main``, exactly what the console script
calls), so the corpus costs seconds, not a Python start-up per run; the few checks that need a
fresh process (warnings, telemetry, a read-only mount) start one.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from tests.conftest import DATA

CORPUS = DATA / "bad_inputs"
STALKFLAG = Path(sys.executable).parent / "stalkflag"
COMMANDS = ("validate", "link", "score")
FORMULA_START = ("=", "+", "-", "@")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _builder():
    spec = importlib.util.spec_from_file_location("bad_inputs_build", CORPUS / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


BUILD = _builder()
CASES = {case.name: case for case in BUILD.CASES}


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@pytest.fixture()
def cli(capsys, monkeypatch):
    """Run ``stalkflag ARGS`` in this process, as the console script does."""
    from stalkflag.cli import main

    def run(*args: str | Path) -> Run:
        monkeypatch.setattr(sys, "argv", ["stalkflag", *map(str, args)])
        capsys.readouterr()
        try:
            # One OpenMP thread: scoring a few rows is many tiny predictions, which threads
            # only slow down on a shared two-core machine (results are the same).
            with threadpool_limits(1, user_api="openmp"):
                main()
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="module")
def saved_model(trained, tmp_path_factory) -> Path:
    """The session's small trained model (tests/conftest.py), saved to a folder."""
    return trained.chain.save(tmp_path_factory.mktemp("bad_inputs") / "model")


def _args(command: str, path: Path, out: Path, model: Path) -> list[str | Path]:
    if command == "validate":
        return ["validate", path, "--rejects", out / "rejects.csv", "--out", out / "accepted.csv"]
    if command == "link":
        return ["link", path, "--out", out, "--linkage-model", model / "linkage_model.json"]
    return ["score", path, "--out", out, "--model", model]


OUTPUT = {"validate": "accepted.csv", "link": "links.csv", "score": "incidents.csv"}


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _check_clean(run: Run) -> None:
    """No traceback, at most one error sentence, no personal value."""
    assert "Traceback" not in run.text
    errors = [line for line in run.err.splitlines() if line.startswith("error")]
    assert len(errors) <= 1, run.err
    for value in BUILD.PERSONAL_VALUES:
        assert value not in run.text, value


def _check_csv_escaped(path: Path) -> None:
    with path.open(encoding="utf-8", errors="surrogateescape", newline="") as fh:
        for row in csv.reader(fh):
            for cell in row:
                assert not cell.startswith(FORMULA_START) or PLAIN_NUMBER.fullmatch(cell), cell


def test_corpus_is_what_the_builder_writes():
    written = {p.name for p in CORPUS.glob("*.csv")}
    assert written == set(CASES), "run python tests/data/bad_inputs/build.py"
    for case in CASES.values():
        assert (CORPUS / case.name).read_bytes() == case.content, case.name
    assert all(len(c.content) < 30_000 for c in CASES.values())


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_every_command_on_every_corpus_file(cli, saved_model, tmp_path, command, name):
    case = CASES[name]
    out = tmp_path / "out"
    run = cli(*_args(command, CORPUS / name, out, saved_model))
    assert run.code == case.exit_code, run.text
    _check_clean(run)
    if command == "validate" or case.exit_code == 2:  # link and score list no problems
        for words in case.words:
            assert words in run.text, (words, run.text)
    files = _files(out)
    assert not [p for p in files if p.name.endswith(".tmp")]
    if case.exit_code == 2:
        assert run.err.startswith("error ["), run.err
        assert files == []
        return
    rejected = case.records - case.accepted
    rejects = out / "rejects.csv"
    assert rejects.exists() == (rejected > 0)
    if rejected:
        frame = pd.read_csv(
            rejects, dtype=str, keep_default_na=False, encoding_errors="surrogateescape"
        )
        assert len(frame) == rejected
        assert frame["_reasons"].str.contains(r"\[E1\d\d\]").all()
    output = out / OUTPUT[command]
    assert output.exists() == (case.accepted > 0)
    if case.accepted:
        frame = pd.read_csv(output, dtype=str, keep_default_na=False)
        assert len(frame) == case.accepted
        if command != "validate":
            assert (frame["victim_person_id"] != frame["suspect_person_id"]).all()
    else:
        assert "No row passed validation" in run.err
    if command == "validate":
        shown = f"{case.records} rows; {case.accepted} accepted, {rejected} rejected"
        assert shown in run.out
    for path in files:
        if path.suffix == ".csv":
            _check_csv_escaped(path)


def test_formulas_are_escaped_and_numbers_kept(cli, tmp_path, saved_model):
    run = cli(*_args("validate", CORPUS / "formulas.csv", tmp_path, saved_model))
    assert run.code == 1
    accepted = pd.read_csv(tmp_path / "accepted.csv", dtype=str, keep_default_na=False)
    assert accepted.loc[0, "notes"].startswith("'=HYPERLINK(")
    assert accepted.loc[1, "force"] == "'@SUM(A1)"
    rejects = pd.read_csv(tmp_path / "rejects.csv", dtype=str, keep_default_na=False)
    assert rejects.set_index("_row").loc["4", "recorded_category"].startswith("'+cmd")
    assert rejects.set_index("_row").loc["5", "label"] == "-0.5"  # a number stays a number


# --- outputs that cannot be written ---------------------------------------------------------


def _good(tmp_path: Path) -> Path:
    return Path(shutil.copy(CORPUS / "formulas.csv", tmp_path / "export.csv"))


@pytest.mark.parametrize("command", COMMANDS)
def test_out_names_the_wrong_kind_of_thing(cli, saved_model, tmp_path, command):
    export = _good(tmp_path)
    if command == "validate":
        (tmp_path / "folder.csv").mkdir()
        run = cli(
            "validate", export, "--rejects", tmp_path / "r.csv", "--out", tmp_path / "folder.csv"
        )
        assert "is a folder" in run.err
        assert not (tmp_path / "r.csv").exists()  # all outputs or none
    else:
        (tmp_path / "a_file").write_text("keep me")
        run = cli(*_args(command, export, tmp_path / "a_file", saved_model))
        assert "is a file; --out needs a folder" in run.err
        assert (tmp_path / "a_file").read_text() == "keep me"
    assert run.code == 3, run.text
    _check_clean(run)


@pytest.mark.parametrize("command", COMMANDS)
def test_rejects_is_a_folder_and_nothing_is_written(cli, saved_model, tmp_path, command):
    export = _good(tmp_path)
    out = tmp_path / "out"
    (out / "rejects.csv").mkdir(parents=True)
    args = _args(command, export, out, saved_model)
    run = cli(*args)
    assert run.code == 3, run.text
    assert f"{out / 'rejects.csv'} is a folder" in run.err
    _check_clean(run)
    assert _files(out) == []  # the other outputs were not moved into place either


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("command", COMMANDS)
def test_a_full_disk_is_one_sentence_and_leaves_nothing(cli, saved_model, tmp_path, command):
    export = _good(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    if command == "validate":
        run = cli("validate", export, "--rejects", "/dev/full", "--out", out / "accepted.csv")
    else:
        (out / OUTPUT[command]).symlink_to("/dev/full")  # the main output meets a full disk
        run = cli(*_args(command, export, out, saved_model))
    assert run.code == 3, run.text
    assert "the disk is full" in run.err
    _check_clean(run)
    assert [p.name for p in out.iterdir() if not p.is_symlink()] == []


def _read_only(folder: Path) -> list[str] | None:
    """How to run a command with ``folder`` read-only: chmod for a user; for root (whom
    permissions do not stop), a private read-only bind mount. ``None`` when neither serves."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return []
    if shutil.which("unshare") is None:
        return None
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount --bind -o ro '{folder}' '{folder}' && true"],
        capture_output=True,
    )
    if probe.returncode != 0:
        return None
    mount = f"mount --bind -o ro '{folder}' '{folder}' && exec \"$@\""
    return ["unshare", "-m", "sh", "-c", mount, "sh"]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_read_only_folder_is_one_sentence(cli, saved_model, tmp_path, command):
    export = _good(tmp_path)
    folder = tmp_path / "locked"
    folder.mkdir()
    prefix = _read_only(folder)
    if prefix is None:
        pytest.skip("cannot make a read-only folder here")
    if prefix and command == "link":  # a process each is slow; link writes as score does
        pytest.skip("as root, only validate and score are run under a read-only mount")
    args = [str(a) for a in _args(command, export, folder / "out", saved_model)]
    if prefix:
        done = subprocess.run(
            [*prefix, str(STALKFLAG), *args], capture_output=True, text=True, timeout=300
        )
        run = Run(done.returncode, done.stdout, done.stderr)
    else:
        run = cli(*args)
        folder.chmod(0o755)
    assert run.code == 3, run.text
    assert re.search(r"error \[O002\]: cannot write .*(permission denied|read-only)", run.err)
    assert "Traceback" not in run.err
    assert _files(folder) == []


# --- models that cannot be used -------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "words"),
    [
        ("no/such/folder", "neither a folder nor an MLflow model URI"),
        ("ftp://example.invalid/model", "neither a folder nor an MLflow model URI"),
        ("s3://bucket/model", "neither a folder nor an MLflow model URI"),
        ("EMPTY", "does not hold a stalkflag model"),
        ("DAMAGED", "cannot be read (JSONDecodeError)"),
    ],
)
def test_a_bad_model_is_one_sentence(cli, tmp_path, model, words):
    if model in {"EMPTY", "DAMAGED"}:
        folder = tmp_path / model.lower()
        folder.mkdir()
        if model == "DAMAGED":
            (folder / "chain.json").write_text("{not json")
        model = str(folder)
    run = cli("score", _good(tmp_path), "--out", tmp_path / "out", "--model", model)
    assert run.code == 2, run.text
    assert words in run.err
    _check_clean(run)
    assert _files(tmp_path / "out") == []


@pytest.fixture(scope="module")
def store(saved_model, tmp_path_factory) -> str:
    """The session's model logged as stalkflag's MLflow model (``_pyfunc.py`` with the chain
    as its artifact) and registered as the champion, in a store of its own: what
    ``stalkflag train`` registers, without its plots and metrics."""
    import mlflow

    import stalkflag.model._pyfunc as pyfunc
    from stalkflag.model._tracking import use_tracking

    uri = use_tracking(f"sqlite:///{tmp_path_factory.mktemp('store')}/mlflow.db")
    folder = Path(uri.removeprefix("sqlite:///")).parent
    chain = shutil.copytree(saved_model, folder.parent / "chain")  # the artifact's name
    experiment = mlflow.create_experiment("bad_inputs", (folder / "artifacts").as_uri())
    with mlflow.start_run(experiment_id=experiment):
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=pyfunc.__file__,
            artifacts={"chain": str(chain)},
            pip_requirements=["stalkflag"],  # no inference (it would load the model)
        )
    version = mlflow.register_model(info.model_uri, "stalkflag")
    mlflow.MlflowClient().set_registered_model_alias("stalkflag", "champion", version.version)
    return uri


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in _files(folder)}


def test_scoring_needs_no_write_access_to_the_model_store(cli, store, tmp_path):
    """Read-only for real where it can be (chmod for a user, a bind mount for root); and in
    any case, scoring changes no file of the store."""
    folder = Path(store.removeprefix("sqlite:///")).parent
    before = _snapshot(folder)
    args = ["score", str(_good(tmp_path)), "--out", str(tmp_path / "out"), "--tracking-uri", store]
    prefix = _read_only(folder)
    if prefix:
        done = subprocess.run(
            [*prefix, str(STALKFLAG), *args], capture_output=True, text=True, timeout=600
        )
        run = Run(done.returncode, done.stdout, done.stderr)
    else:
        try:
            run = cli(*args)
        finally:
            folder.chmod(0o755)
    assert run.code == 1, run.text[-3000:]  # two rows of formulas.csv are rejected
    assert "Traceback" not in run.err
    assert (tmp_path / "out" / "incidents.csv").exists()
    assert _snapshot(folder) == before
    assert not list(folder.rglob("registered_model_meta"))


# --- exports that give Splink's training little to learn from -------------------------------


@pytest.fixture(scope="module")
def small_export() -> pd.DataFrame:
    from stalkflag.synth import SynthConfig, generate

    export, _ = generate(SynthConfig(n_incidents=250, seed=11))
    return export


def _same_names(export: pd.DataFrame) -> pd.DataFrame:
    """Two rows whose suspect is typed exactly as their victim."""
    out = export.copy()
    for row in (5, 6):
        for field in ("name", "dob", "id"):
            out.loc[row, f"suspect_{field}"] = out.loc[row, f"victim_{field}"]
    return out


def _copies_but_for_the_id(export: pd.DataFrame) -> pd.DataFrame:
    """Every row twice, identical but for incident_id."""
    return pd.concat([export, export.assign(incident_id=export["incident_id"] + "-B")])


@pytest.mark.parametrize("plant", [_same_names, _copies_but_for_the_id])
def test_linkage_trains_on_degenerate_exports(cli, small_export, tmp_path, plant):
    from stalkflag.io import write_frame

    export = write_frame(plant(small_export), tmp_path / "export.csv")
    run = cli("link", export, "--out", tmp_path / "out")
    assert run.code == 0, run.text
    _check_clean(run)
    links = pd.read_csv(tmp_path / "out" / "links.csv", dtype=str)
    assert len(links) == len(plant(small_export))
    assert (links["victim_person_id"] != links["suspect_person_id"]).all()


# --- what needs a process of its own --------------------------------------------------------


def test_wide_export_gives_one_line_and_no_warnings(tmp_path):
    done = subprocess.run(
        [str(STALKFLAG), "validate", str(CORPUS / "wide.csv")],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "3,000 column(s) not in the contract (x0, x1, x2, ...) are kept as they are."
    ]


@pytest.mark.parametrize(("setting", "expected"), [(None, "true"), ("false", "false")])
def test_mlflow_telemetry_is_off_unless_the_user_says(tmp_path, setting, expected):
    from mlflow.environment_variables import MLFLOW_DISABLE_TELEMETRY

    assert MLFLOW_DISABLE_TELEMETRY.name == "MLFLOW_DISABLE_TELEMETRY"  # what MLflow reads
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_DISABLE_TELEMETRY"}
    env["HOME"] = str(tmp_path)
    if setting is not None:
        env["MLFLOW_DISABLE_TELEMETRY"] = setting
    code = "import os, stalkflag; print(os.environ['MLFLOW_DISABLE_TELEMETRY'])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected
