"""`stalkflag.api`, the public facade, end to end on the session's small synthetic export: real
validation, Splink linkage, a real training run logged to a temporary MLflow store (the
session's own, ``tracked`` in tests/conftest.py), the model loaded back by URI and by folder,
scoring and evaluation. No mocks."""

from __future__ import annotations

import json
import subprocess
import sys

import mlflow
import numpy as np
import pandas as pd
import pytest

from stalkflag import api
from stalkflag.errors import ConfigError, UnusableInputError
from tests.conftest import PROJECT


def test_importing_the_facade_loads_no_stage():
    """The command line imports the facade to start, so importing it must stay cheap."""
    code = (
        "import sys; import stalkflag.api as a; "
        "print(sorted(m for m in ('stalkflag.model', 'stalkflag.linkage', 'spacy', 'splink') "
        "if m in sys.modules)); print(a.LinkResult.__module__, a.TrainResult.__module__)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT)
    assert done.returncode == 0, done.stderr
    loaded, modules = done.stdout.splitlines()
    assert loaded == "[]"
    assert modules == "stalkflag.linkage._link stalkflag.model._train"


def test_every_public_name_is_there():
    for name in api.__all__:
        assert getattr(api, name) is not None
    with pytest.raises(AttributeError):
        api.not_a_name  # noqa: B018


def test_validate_reads_a_file_or_a_frame_alike(synth_csv, accepted, broken_csv):
    from_file = api.validate(synth_csv)
    from_frame = api.validate(
        pd.read_csv(synth_csv, dtype=str, keep_default_na=False, na_values=[""])
    )
    assert len(from_file.accepted) == len(from_frame.accepted) == len(accepted)
    assert from_file.accepted["incident_id"].tolist() == accepted["incident_id"].tolist()
    broken = api.validate(broken_csv)
    assert len(broken.rejected) > 0 and broken.errors


def test_link_reuses_a_saved_model_from_a_path_and_gives_the_same_links(
    synth_csv, linked, tmp_path
):
    saved = tmp_path / "linkage_model.json"
    saved.write_text(json.dumps(linked.model), encoding="utf-8")
    again = api.link(synth_csv, linkage_model=saved)  # a file: validated, then linked
    assert isinstance(again, api.LinkResult)
    pd.testing.assert_frame_equal(again.incidents, linked.incidents)
    assert again.model["evidence"] == linked.model["evidence"] == []


def test_link_says_what_is_wrong_before_linking_anything(synth_csv, linked, tmp_path):
    raw = pd.read_csv(synth_csv, dtype=str)
    with pytest.raises(ConfigError, match="validated first") as caught:
        api.link(raw)  # text cells: not validated incidents
    assert caught.value.code == "C050"
    with pytest.raises(ConfigError, match="unknown linkage evidence"):
        api.link(synth_csv, evidence=["same_surname"])
    with pytest.raises(ConfigError, match="one or the other"):
        api.link(synth_csv, linkage_model=linked.model, evidence=["same_force"])
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a saved Splink model"):
        api.link(synth_csv, linkage_model=bad)
    with pytest.raises(ConfigError, match="does not exist"):
        api.read_linkage_model(tmp_path / "none.json")


@pytest.fixture(scope="module")
def run(tracked):
    """The session's small tracked training run (``tracked`` in tests/conftest.py): the facade's
    ``api.train`` into a temporary MLflow store, the config named relative to the project, as
    from any folder."""
    return tracked.result, tracked.store, tracked.stages


def test_train_logs_registers_and_writes_the_card(run):
    result, store, stages = run
    assert isinstance(result, api.TrainResult)
    assert result.config.data.synthetic.n_incidents == 3000
    assert set(result.held_out) == {"test", "time", "unseen_styles"}
    assert stages[-1] == "logging to MLflow" and len(stages) > 3
    logged = result.logged
    assert logged is not None
    assert logged["model_uri"] == "models:/stalkflag/1" and logged["champion"] is True
    assert logged["tracking_uri"] == store
    assert result.card is not None and logged["run_id"] in result.card
    client = mlflow.MlflowClient(tracking_uri=store, registry_uri=store)
    assert str(client.get_model_version_by_alias("stalkflag", "champion").version) == "1"
    assert "model_card.md" in {a.path for a in client.list_artifacts(logged["run_id"])}


def test_train_without_tracking_and_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="no_such_key"):
        api.train(None, ["model.no_such_key=1"], track=False)
    with pytest.raises(ConfigError, match="TrainConfig"):
        api.train(api.load_config(), ["model.classifier=linear"], track=False)


def test_load_model_by_uri_alias_and_folder_gives_the_trained_chain(run, tmp_path):
    result, store, _ = run
    by_version = api.load_model(result.logged["model_uri"], tracking_uri=store)
    by_alias = api.load_model(tracking_uri=store)  # the champion
    folder = result.chain.save(tmp_path / "chain")
    by_folder = api.load_model(folder)
    for chain in (by_version, by_alias, by_folder):
        assert isinstance(chain, api.ScoringChain)
        assert chain.flag_threshold == pytest.approx(result.chain.flag_threshold)
        assert chain.review_threshold == pytest.approx(result.chain.review_threshold)
    with pytest.raises(ConfigError) as caught:
        api.load_model("models:/stalkflag@champion", tracking_uri=f"sqlite:///{tmp_path}/empty.db")
    assert caught.value.code == "C044"
    with pytest.raises(ConfigError) as caught:
        api.load_model(tmp_path / "no_such_folder")
    assert caught.value.code == "C043"


@pytest.fixture(scope="module")
def scored(run, synth_csv):
    _, store, _ = run
    return api.score(synth_csv, "models:/stalkflag@champion", tracking_uri=store)


def test_score_from_a_file_and_a_uri_matches_the_fitted_chain_on_accepted_rows(
    run, scored, accepted
):
    result, _, _ = run
    assert scored["incident_id"].tolist() == accepted["incident_id"].tolist()
    assert scored["score"].between(0, 1).all()
    assert set(scored["decision"]) <= {"flag", "review", "clear"}
    flag, is_flag = result.chain.flag_threshold, scored["decision"].eq("flag")
    assert (scored.loc[is_flag, "score"] >= flag - 1e-4).all()  # scores are rounded to 4 places
    assert (scored.loc[~is_flag, "score"] <= flag + 1e-4).all()
    assert (scored["flagged"] <= scored["decision"].eq("flag")).all()
    assert scored["flagged"].any(), "the small model flags nothing: the test proves nothing"
    explained = scored.loc[scored["decision"] != "clear", "reasons"]
    assert explained.str.len().gt(0).all()
    direct = api.score(accepted, result.chain, explain=False)
    np.testing.assert_allclose(direct["score"], scored["score"], atol=1e-12)
    assert direct["reasons"].fillna("").eq("").all()


def test_evaluate_from_files_measures_every_labelled_incident(
    run, scored, synth_csv, truth, tmp_path
):
    result, _, _ = run
    labels = pd.DataFrame(
        {"incident_id": truth["incident_id"], "label": truth["label"].astype(int),
         "case_id": truth["pattern_id"].astype(str)}
    )  # fmt: skip
    path = tmp_path / "labels.csv"
    labels.to_csv(path, index=False)
    evaluation = api.evaluate(synth_csv, path, result.chain)
    assert isinstance(evaluation, api.ExternalEvaluation)
    assert evaluation.counts["labelled_incidents"] == len(labels)
    assert evaluation.counts["cases_from"] == "labels"
    assert evaluation.counts["cases"] == labels["case_id"].nunique()
    # the incidents are scored exactly as score() scores them
    by_id = scored.set_index("incident_id")["score"]
    np.testing.assert_allclose(
        evaluation.incidents["score"], by_id.loc[evaluation.incidents["incident_id"]], atol=1e-12
    )
    figures = evaluation.figures.set_index(["level", "population", "scorer"]).sort_index()
    case = figures.loc[("case", "not recorded as stalking")]
    assert case.loc["model", "average_precision"] > case.loc["keywords", "average_precision"]
    assert evaluation.thresholds["flag"] == pytest.approx(result.chain.flag_threshold)
    json.dumps(evaluation.to_dict())
    # a frame of labels is checked as a file is
    pd.testing.assert_frame_equal(
        api.read_labels(labels.astype(str), cases="case_id"), api.read_labels(path)
    )


def test_evaluate_with_labels_naming_nothing_in_the_export_is_one_clear_error(run, accepted):
    result, _, _ = run
    labels = pd.DataFrame({"incident_id": ["NOT-AN-INCIDENT"], "label": ["1"]})
    with pytest.raises(UnusableInputError) as caught:
        api.evaluate(accepted, labels, result.chain)
    assert caught.value.code == "F025" and "the labels" in caught.value.message
