"""Run the Splink model on a backend: DuckDB (embedded, the default) or Spark.

Splink builds SQL and the backend runs it, so the same settings and the same saved model work
on both. Training is unsupervised: the prior from deterministic rules, u from random pairs, m by
expectation maximisation over the :data:`~stalkflag.linkage._settings.TRAINING_BLOCKS`.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from dataclasses import dataclass
from typing import Any

import pandas as pd
from splink import DuckDBAPI, Linker, block_on

from stalkflag.linkage._settings import TRAINING_BLOCKS, build_settings

__all__ = ["SplinkRun", "make_spark_session", "run_splink"]

logger = logging.getLogger(__name__)

_EDGE_COLUMNS = ["unique_id_l", "unique_id_r", "match_probability", "match_weight"]


@dataclass
class SplinkRun:
    """What one Splink run produced.

    Attributes:
        model: The trained model as a JSON-ready dict (``Linker.misc.save_model_to_json``).
        edges: Scored candidate pairs above the prediction threshold: ``unique_id_l``,
            ``unique_id_r``, ``match_probability``, ``match_weight`` and one ``mw_<comparison>``
            column per comparison (its contribution to the match weight).
        clusters: ``unique_id`` -> ``cluster_id`` at the clustering threshold.
    """

    model: dict[str, Any]
    edges: pd.DataFrame
    clusters: pd.DataFrame


def make_spark_session(*, cores: int = 2, memory: str = "4g", checkpoint_dir: str | None = None):
    """A local Spark session set up for Splink (similarity UDFs, few shuffle partitions)."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("stalkflag-linkage")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", str(2 * cores))
        .config("spark.default.parallelism", str(2 * cores))
        .config("spark.driver.memory", memory)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(
        checkpoint_dir or tempfile.mkdtemp(prefix="stalkflag-spark-")
    )
    return spark


def _db_api(backend: str, spark=None, memory_limit: str = "3GB", workdir: str | None = None):
    if backend == "duckdb":
        import duckdb

        con = duckdb.connect(":memory:")
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute(f"SET temp_directory = '{workdir or tempfile.gettempdir()}'")
        con.execute("SET preserve_insertion_order = false")
        return DuckDBAPI(connection=con), con
    if backend == "spark":
        from splink import SparkAPI

        session = spark or make_spark_session()
        return SparkAPI(spark_session=session, num_partitions_on_repartition=4), session
    raise ValueError(f"unknown backend {backend!r}")


def _fetch(handle, table: str, columns: list[str]) -> pd.DataFrame:
    """Only the named columns of a backend table, as pandas."""
    sql = f"SELECT {', '.join(columns)} FROM {table}"
    if hasattr(handle, "sql") and not hasattr(handle, "sparkContext"):
        return handle.sql(sql).df()
    return handle.sql(sql).toPandas()


def run_splink(
    mentions: pd.DataFrame,
    *,
    model: dict[str, Any] | None = None,
    backend: str = "duckdb",
    predict_threshold: float = 0.2,
    cluster_threshold: float = 0.9,
    spark=None,
    seed: int = 0,
    memory_limit: str = "3GB",
) -> SplinkRun:
    """Train (or reuse) the linkage model, score candidate pairs and cluster mentions.

    Args:
        mentions: Person mentions from :func:`~stalkflag.linkage._mentions.build_mentions`.
        model: A saved model to reuse; trained afresh when ``None``.
        backend: ``"duckdb"`` or ``"spark"``.
        predict_threshold: Pairs below this match probability are not kept.
        cluster_threshold: Pairs at or above this probability join clusters.
        spark: A Spark session to use (``backend="spark"``); one is made if not given.
        seed: Seed for u-estimation's random sampling.
        memory_limit: DuckDB's memory cap; beyond it DuckDB spills to a temporary folder.

    Returns:
        The trained model, scored pairs and clusters.
    """
    db_api, handle = _db_api(backend, spark, memory_limit=memory_limit)
    frame = db_api.register(mentions, dataset_display_name="mentions")
    settings = model if model is not None else build_settings()
    linker = Linker(frame, settings, log_level=logging.WARNING)
    if model is None:
        logger.info("training linkage model on %d person mentions", len(mentions))
        linker.training.estimate_probability_two_random_records_match(
            [block_on("force_person_id"), block_on("first_canon", "surname", "dob")], recall=0.8
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=seed)
        for rule in TRAINING_BLOCKS:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
    logger.info("scoring candidate pairs")
    t = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=predict_threshold)
    logger.info("predict: %.1fs", time.perf_counter() - t)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=cluster_threshold
    )
    logger.info("cluster: %.1fs", time.perf_counter() - t)
    comparisons = linker._settings_obj.comparisons
    columns = _EDGE_COLUMNS + [f"gamma_{c.output_column_name}" for c in comparisons]
    for c in comparisons:
        columns += c._match_weight_columns_to_sum
    edges = _fetch(handle, predictions.physical_name, columns)
    logger.info("edges to pandas (%d): %.1fs", len(edges), time.perf_counter() - t)
    cluster_frame = _fetch(handle, clusters.physical_name, ["unique_id", "cluster_id"])
    trained = json.loads(json.dumps(linker.misc.save_model_to_json(out_path=None)))
    return SplinkRun(trained, edges, cluster_frame)
