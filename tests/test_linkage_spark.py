"""The Spark path (PySpark in local mode) gives the same people and pairs as DuckDB."""

from __future__ import annotations

import pytest

from stalkflag.io import read_export, write_frame
from stalkflag.linkage import cluster_scores, link_incidents, make_spark_session
from stalkflag.synth import SynthConfig, generate
from stalkflag.validate import validate_export


@pytest.fixture(scope="module")
def incidents(tmp_path_factory):
    export, _ = generate(SynthConfig(n_incidents=600, seed=2))
    path = write_frame(export, tmp_path_factory.mktemp("spark") / "incidents.csv")
    return validate_export(read_export(path)).accepted


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    session = make_spark_session(checkpoint_dir=str(tmp_path_factory.mktemp("checkpoints")))
    yield session
    session.stop()


@pytest.fixture(scope="module")
def duck(incidents):
    return link_incidents(incidents, backend="duckdb")


def test_duckdb_model_run_on_spark_gives_identical_people(incidents, spark, duck):
    on_spark = link_incidents(incidents, model=duck.model, backend="spark", spark=spark)
    for column in ("victim_person_id", "suspect_person_id", "pair_id"):
        agreement = cluster_scores(on_spark.incidents[column], duck.incidents[column])
        assert agreement["pairwise_f1"] == 1.0, column
    merged = duck.edges.merge(
        on_spark.edges, on=["unique_id_l", "unique_id_r", "stage"], suffixes=("_d", "_s")
    )
    assert len(merged) == len(duck.edges) == len(on_spark.edges)
    differ = merged[(merged["match_weight_d"] - merged["match_weight_s"]).abs() > 1e-9]
    # The one known difference: DuckDB's jaro_winkler_similarity and Spark's similarity UDF
    # disagree on a few names near a threshold (e.g. "emcombe" / "emmcombe" >= 0.92 in DuckDB
    # only), which moves that pair one Jaro-Winkler level. Nothing else may differ.
    assert len(differ) <= 0.01 * len(merged)
    jw_level_moved = (differ["gamma_first_name_d"] != differ["gamma_first_name_s"]) | (
        differ["gamma_surname_d"] != differ["gamma_surname_s"]
    )
    assert jw_level_moved.all()


def test_model_trained_on_spark_agrees_with_duckdb(incidents, spark, duck):
    on_spark = link_incidents(incidents, backend="spark", spark=spark)
    agreement = cluster_scores(on_spark.incidents["pair_id"], duck.incidents["pair_id"])
    # u is estimated from random pairs drawn by each backend, so weights may differ slightly;
    # on this sample the pairs come out the same.
    assert agreement["bcubed_f1"] > 0.99, agreement
