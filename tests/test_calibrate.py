"""`stalkflag calibrate` and `data.unlabelled`: the loop from auditors' decisions back to the
model, on the session's small trained model (tests/conftest.py) logged to a temporary MLflow
store, with decisions simulated from the synthetic truth. Real MLflow, real scoring, the real
console script; no mocks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest

from stalkflag import api
from stalkflag.errors import ConfigError
from stalkflag.model import FlagThresholds, load_config, run_training
from stalkflag.model._tracking import INPUT_EXAMPLE, log_training

STALKFLAG = Path(sys.executable).parent / "stalkflag"
DECISION_COLUMNS = ["incident_id", "label", "pair_id", "force", "decision", "decided_at"]


def run(*args: str, store: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MLFLOW_TRACKING_URI": store}
    return subprocess.run(
        [str(STALKFLAG), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=600
    )


def _client(uri: str) -> mlflow.MlflowClient:
    return mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)


def _version(uri: str, number: int | str):
    return _client(uri).get_model_version("stalkflag", str(number))


@pytest.fixture(scope="module")
def store(trained, tmp_path_factory):
    """The session's model as version 1 (champion) of a fresh store, and a snapshot of what
    the registry says about it."""
    folder = tmp_path_factory.mktemp("calibrate_store")
    uri = f"sqlite:///{folder}/mlflow.db"
    log_training(trained, tracking_uri=uri)
    v1 = _version(uri, 1)
    run_ = _client(uri).get_run(v1.run_id)
    snapshot = {
        "run_id": v1.run_id,
        "tags": dict(v1.tags),
        "description": v1.description,
        "params": dict(run_.data.params),
        "metrics": dict(run_.data.metrics),
    }
    return uri, folder, snapshot


def decide(scored: pd.DataFrame, truth: pd.DataFrame, chain) -> pd.DataFrame:
    """Auditors decide every flagged and review-band pattern by the synthetic truth (a pattern
    is stalking when any of its incidents is); every tenth is `needs_info` and not exported.
    One row per incident of each decided pattern, as the review service exports them."""
    frame = scored[["incident_id", "pair_id", "score"]].merge(
        truth[["incident_id", "label"]], on="incident_id"
    )
    frame["force"] = frame["incident_id"].str.split("-").str[0]
    peak = frame.sort_values("score", ascending=False).drop_duplicates("pair_id")
    pairs = peak.set_index("pair_id")[["score", "force"]]
    pairs["y"] = frame.groupby("pair_id")["label"].max()
    pairs = pairs[chain.decide(pairs["score"].to_numpy()) != "clear"].sort_index()
    pairs = pairs[np.arange(len(pairs)) % 10 != 9]  # needs_info: not exported
    rows = frame[frame["pair_id"].isin(pairs.index)][["incident_id", "pair_id"]]
    rows = rows.join(pairs[["y", "force"]], on="pair_id").rename(columns={"y": "label"})
    rows["decision"] = rows["label"].map({1: "confirmed", 0: "not_stalking"})
    rows["decided_at"] = "2026-03-02T14:05:00"
    return rows[DECISION_COLUMNS].reset_index(drop=True)


@pytest.fixture(scope="module")
def decisions(trained, accepted, truth, tmp_path_factory) -> tuple[pd.DataFrame, Path]:
    scored = api.score(accepted, trained.chain, explain=False)
    frame = decide(scored, truth, trained.chain)
    path = tmp_path_factory.mktemp("decisions") / "decisions.csv"
    frame.to_csv(path, index=False)
    return frame, path


def expected_pairs(decisions: pd.DataFrame, accepted: pd.DataFrame, chain) -> pd.DataFrame:
    """The decided pairs as calibration must see them, computed here from the scores: pairs
    none of whose incidents was recorded as stalking, each at its highest score."""
    scored = api.score(accepted, chain, explain=False)
    joined = decisions.merge(
        scored[["incident_id", "score", "recorded_category"]], on="incident_id"
    )
    joined["recorded"] = joined["recorded_category"].eq("stalking")
    pairs = joined.groupby("pair_id").agg(
        y=("label", "max"), score=("score", "max"), recorded=("recorded", "max")
    )
    return pairs[~pairs["recorded"]]


@pytest.fixture(scope="module")
def calibrated(store, decisions, synth_csv):
    uri, folder, _ = store
    result = run("calibrate", str(synth_csv), "--labels", str(decisions[1]), store=uri, cwd=folder)
    return result


def test_calibrate_registers_a_new_version_and_leaves_the_source_unchanged(
    calibrated, store, trained, decisions, accepted
):
    uri, _, before = store
    assert calibrated.returncode == 0, calibrated.stderr[-3000:]
    assert "Traceback" not in calibrated.stderr
    assert "Registered models:/stalkflag/2 from version 1" in calibrated.stdout
    assert "champion stays" in calibrated.stdout
    client = _client(uri)
    assert str(client.get_model_version_by_alias("stalkflag", "champion").version) == "1"

    # the source version: same run, tags, description, params and metrics; same thresholds
    v1 = _version(uri, 1)
    source_run = client.get_run(v1.run_id)
    assert v1.run_id == before["run_id"] and dict(v1.tags) == before["tags"]
    assert v1.description == before["description"]
    assert source_run.data.params == before["params"]
    assert source_run.data.metrics == before["metrics"]
    old = api.load_model("models:/stalkflag/1", tracking_uri=uri)
    assert old.flag_threshold == trained.chain.flag_threshold
    assert old.review_threshold == trained.chain.review_threshold

    # the new version: its own run, tagged with its source, holding the new thresholds
    v2 = _version(uri, 2)
    assert v2.tags["calibrated_from"] == "1" and v2.run_id != v1.run_id
    assert "re-placed on" in v2.description
    new_run = client.get_run(v2.run_id)
    assert new_run.data.tags["calibrated_from.version"] == "1"
    assert new_run.data.tags["stalkflag.run_kind"] == "calibration"
    assert new_run.data.params["source.version"] == "1"
    assert new_run.data.params["force"] == "all"
    m = new_run.data.metrics
    new = api.load_model("models:/stalkflag/2", tracking_uri=uri)
    assert new.flag_threshold == pytest.approx(m["flag_threshold"])
    assert new.review_threshold == pytest.approx(m["review_threshold"])
    assert m["old_flag_threshold"] == pytest.approx(old.flag_threshold)
    assert new.flag_threshold != old.flag_threshold
    assert m["val_pattern_pr_auc"] == before["metrics"]["val_pattern_pr_auc"]  # ranking kept
    # the same fitted estimators: identical scores
    np.testing.assert_array_equal(
        api.score(accepted, new, explain=False)["score"],
        api.score(accepted, old, explain=False)["score"],
    )

    # placed as the rule says, on the pairs the decisions name
    pairs = expected_pairs(decisions[0], accepted, trained.chain)
    assert m["decided_pairs"] == len(pairs)
    assert m["decided_stalking_pairs"] == pairs["y"].sum() > 0
    y, s = pairs["y"].to_numpy(), pairs["score"].to_numpy()
    above = s >= new.flag_threshold
    assert y[above].mean() == pytest.approx(m["precision_at_flag"])
    assert y[above].mean() >= 0.80  # the model's target, less 0 standard errors (conftest)
    lower = s < new.flag_threshold  # every lower cut point falls short of the target
    for cut in np.unique(s[lower]):
        assert y[s >= cut].mean() < 0.80
    assert m["precision_at_flag_low"] <= m["precision_at_flag"] <= m["precision_at_flag_high"]
    assert m["recall_at_flag"] == pytest.approx(y[above].sum() / y.sum())
    assert new.review_threshold <= old.review_threshold  # the band never rises on decisions


def test_scoring_with_the_new_version_uses_its_thresholds(calibrated, store, synth_csv, tmp_path):
    uri, folder, _ = store
    assert calibrated.returncode == 0
    result = run(
        "score", str(synth_csv), "--out", str(tmp_path / "scored"), "--model",
        "models:/stalkflag/2", store=uri, cwd=folder,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    new = api.load_model("models:/stalkflag/2", tracking_uri=uri)
    old = api.load_model("models:/stalkflag/1", tracking_uri=uri)
    patterns = pd.read_csv(tmp_path / "scored" / "patterns.csv")
    scores = patterns["score"].to_numpy()
    assert (patterns["decision"].to_numpy() == new.decide(scores)).all()
    assert (patterns["decision"].to_numpy() != old.decide(scores)).any()
    incidents = pd.read_csv(tmp_path / "scored" / "incidents.csv", dtype={"model_version": str})
    assert set(incidents["model_version"]) == {"2"}
    manifest = json.loads((tmp_path / "scored" / "manifest.json").read_text())
    assert manifest["model"]["uri"] == "models:/stalkflag/2"

    # served like any other version: the pyfunc model decides with the new thresholds
    from stalkflag.model._tracking import use_tracking

    use_tracking(uri)
    served = mlflow.pyfunc.load_model("models:/stalkflag/2").predict(INPUT_EXAMPLE)
    assert list(served["decision"]) == list(new.decide(served["score"].to_numpy()))


def test_calibrate_on_one_force_uses_its_decisions_and_sets_only_the_alias_named(
    store, decisions, accepted, trained
):
    uri, _, _ = store
    frame = decisions[0]
    pairs = expected_pairs(frame, accepted, trained.chain)
    force_of = frame.drop_duplicates("pair_id").set_index("pair_id")["force"]
    force = force_of.reindex(pairs.index).value_counts().index[0]
    result = api.calibrate(
        "models:/stalkflag@champion", accepted, decisions[1], force=force,
        target_precision=0.7, min_pairs=20, min_stalking=5, alias="force-test", tracking_uri=uri,
    )  # fmt: skip
    mine = pairs[force_of.reindex(pairs.index).eq(force)]
    assert result.figures["decided_pairs"] == len(mine)
    assert result.figures["decided_stalking_pairs"] == mine["y"].sum()
    assert result.figures["target_precision"] == 0.7
    version = result.logged["version"]
    client = _client(uri)
    assert str(client.get_model_version_by_alias("stalkflag", "force-test").version) == str(version)
    assert str(client.get_model_version_by_alias("stalkflag", "champion").version) == "1"
    run_ = client.get_run(_version(uri, version).run_id)
    assert run_.data.params["force"] == force and run_.data.params["target_precision"] == "0.7"
    assert _version(uri, version).tags["force"] == force


def _name_tokens(incidents: pd.DataFrame) -> set[str]:
    tokens = set()
    for column in ("victim_name", "suspect_name"):
        for value in incidents[column].dropna():
            tokens |= {t.lower() for t in re.split(r"[^A-Za-z]+", str(value)) if len(t) >= 4}
    return tokens


def test_nothing_personal_is_logged(calibrated, store, accepted, tmp_path):
    uri, _, _ = store
    assert calibrated.returncode == 0
    client = _client(uri)
    v1, v2 = _version(uri, 1), _version(uri, 2)
    run_ = client.get_run(v2.run_id)
    own_tags = {k: v for k, v in run_.data.tags.items() if not k.startswith("mlflow.")}
    texts = [*run_.data.params.items(), *own_tags.items(), *run_.data.metrics, *v2.tags.items()]
    texts += [v2.description or ""]
    run_dir = Path(client.download_artifacts(v2.run_id, "", str(tmp_path / "run")))
    assert sorted(p.name for p in run_dir.iterdir()) == ["calibration.json"]
    texts.append((run_dir / "calibration.json").read_text())
    # the model: everything but chain.json (thresholds, settings, facts) is the source's own
    folders = {}
    for name, version in (("old", v1), ("new", v2)):
        local = mlflow.artifacts.download_artifacts(
            artifact_uri=f"models:/stalkflag/{version.version}",
            dst_path=str(tmp_path / name),
            tracking_uri=uri,
        )
        folders[name] = Path(local) / "artifacts" / "chain"
    assert (folders["new"] / "linkage_model.json").read_bytes() == (
        folders["old"] / "linkage_model.json"
    ).read_bytes()
    old_meta = json.loads((folders["old"] / "chain.json").read_text())
    new_meta = json.loads((folders["new"] / "chain.json").read_text())
    changed = {k for k in new_meta if new_meta[k] != old_meta.get(k)}
    assert "flag_threshold" in changed
    assert changed <= {"flag_threshold", "review_threshold", "decision", "info"}
    texts += [json.dumps({k: new_meta[k] for k in changed})]

    blob = "\n".join(map(str, texts)).lower()
    words = set(re.findall(r"[a-z0-9_]+", blob))
    names = _name_tokens(accepted)
    assert len(names) > 100
    assert words & names == set()
    notes = accepted["notes"].dropna().str.lower()
    assert not any(note[:30] in blob for note in notes if len(note) >= 30)


@pytest.mark.parametrize(
    ("case", "code", "says"),
    [
        ("unknown version", "C071", "has no model models:/stalkflag/99"),
        ("not a registered model", "C070", "is not a registered model"),
        ("labels file missing", "F020", "does not exist"),
        ("labels lack pair_id", "F030", "lacks column(s) pair_id"),
        ("too few decided pairs", "F034", "5 decided pairs"),
        ("no confirmed case", "F034", "0 confirmed stalking"),
        ("force with no decisions", "F032", "no decided case of force 'ZZZ'"),
    ],
)
def test_bad_inputs_exit_2_with_one_sentence(
    case, code, says, store, decisions, synth_csv, accepted, tmp_path
):
    uri, folder, _ = store
    frame = decisions[0]
    labels = tmp_path / "decisions.csv"
    model, extra = "models:/stalkflag@champion", []
    if case == "unknown version":
        model = "models:/stalkflag/99"
    elif case == "not a registered model":
        model = str(tmp_path / "no-such-folder")
    elif case == "labels file missing":
        labels = tmp_path / "missing.csv"
    elif case == "labels lack pair_id":
        frame.drop(columns=["pair_id"]).to_csv(labels, index=False)
    elif case == "too few decided pairs":  # five pairs none of whose incidents is recorded so
        recorded = frame["incident_id"].isin(
            accepted.loc[accepted["recorded_category"] == "stalking", "incident_id"]
        )
        open_ = ~recorded.groupby(frame["pair_id"]).transform("any")
        few = frame.loc[open_, "pair_id"].drop_duplicates().head(5)
        frame[frame["pair_id"].isin(few)].to_csv(labels, index=False)
    elif case == "no confirmed case":
        frame.assign(label=0, decision="not_stalking").to_csv(labels, index=False)
    elif case == "force with no decisions":
        extra = ["--force", "ZZZ"]
    if not labels.exists() and case != "labels file missing":
        frame.to_csv(labels, index=False)
    versions = len(_client(uri).search_model_versions("name='stalkflag'"))
    result = run(
        "calibrate", str(synth_csv), "--labels", str(labels), "--model", model, *extra,
        store=uri, cwd=folder,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert f"[{code}]" in result.stderr and says in result.stderr, result.stderr[-2000:]
    assert len(_client(uri).search_model_versions("name='stalkflag'")) == versions


def test_review_band_placed_on_decisions_never_rises_above_the_cap(trained):
    rng = np.random.default_rng(0)
    scores = np.sort(rng.random(200))
    y = (rng.random(200) < scores).astype(int)
    free = FlagThresholds(trained.chain.pipeline).place(y, scores)
    cap = free.review_threshold_ / 2
    capped = FlagThresholds(trained.chain.pipeline).place(y, scores, review_at_most=cap)
    assert capped.review_threshold_ == cap < free.review_threshold_
    assert capped.flag_threshold_ == free.flag_threshold_


# -- training on decided patterns only (data.unlabelled) -----------------------------------------


def test_train_refuses_unlabelled_incidents_by_default(decisions, synth_csv):
    config = load_config(None, [f"data.path={synth_csv}", f"data.labels={decisions[1]}"])
    assert config.data.unlabelled == "error"
    with pytest.raises(ConfigError) as info:
        run_training(config)
    assert info.value.code == "C014" and "data.unlabelled=drop" in info.value.message
    with pytest.raises(ConfigError) as info:
        load_config(None, ["data.unlabelled=keep"])
    assert info.value.code == "C013" and "data.unlabelled" in info.value.message


def test_train_with_unlabelled_drop_trains_on_the_labelled_incidents_only(
    decisions, synth_csv, tmp_path, caplog
):
    frame, path = decisions
    config = load_config(
        None,
        [
            f"data.path={synth_csv}",
            f"data.labels={path}",
            "data.unlabelled=drop",
            "decision.precision_z=0",
            "model.max_iter=60",
        ],
    )
    with caplog.at_level("WARNING", logger="stalkflag.model._train"):
        result = run_training(config, work_dir=tmp_path)
    assert "left out of training" in caplog.text
    labelled = frame.set_index("incident_id")["label"]
    ids = result.dataset.incidents["incident_id"].astype(str)
    assert len(ids) == len(labelled) and set(ids) == set(labelled.index)
    np.testing.assert_array_equal(result.dataset.y, labelled.loc[ids].to_numpy())
    info = result.chain.info
    assert info["train_rows"] + info["valid_rows"] < len(labelled)
