"""Run the Splink model on a backend: DuckDB (embedded, the default) or Spark.

Splink builds SQL and the backend runs it, so the same settings and the same saved model work
on both. Training is unsupervised: the prior from deterministic rules, u from random pairs, m by
expectation maximisation over the :data:`~stalkflag.linkage._settings.TRAINING_BLOCKS`.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

import numpy as np
import pandas as pd
from splink import DuckDBAPI, Linker, block_on

from stalkflag._defaults import CLUSTER_THRESHOLD, LINKAGE_EVIDENCE
from stalkflag.errors import ConfigError
from stalkflag.linkage._ids import (
    RULE_STAGE,
    bare_mentions,
    check_ids_only_model,
    id_rule_edges,
    link_by_ids,
)
from stalkflag.linkage._python import Unsupported, compile_model, predict
from stalkflag.linkage._settings import TRAINING_BLOCKS, build_settings, check_evidence

__all__ = [
    "MODEL_FORMAT", "SplinkRun", "make_spark_session", "port_model", "python_linkage", "run_splink",
]  # fmt: skip

logger = logging.getLogger(__name__)

MODEL_FORMAT = "stalkflag-linkage/1"
"""A saved linkage model: ``{"format": MODEL_FORMAT, "people": <Splink model>, "suspects":
<Splink model>, "evidence": [<optional comparison>, ...]}``; each Splink model is the JSON
Splink itself saves (a model saved without ``evidence`` used none). An export with no names
or dates of birth saves :data:`~stalkflag.linkage._ids.IDS_ONLY_MODEL`, with ``null`` for both."""

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


def make_spark_session(
    *,
    cores: int = 2,
    memory: str = "4g",
    checkpoint_dir: str | None = None,
    master: str | None = None,
):
    """A Spark session set up for Splink (similarity UDFs, few shuffle partitions): local mode
    on ``cores`` cores unless ``master`` (default: the ``SPARK_MASTER`` environment variable)
    names a cluster, e.g. ``spark://host:7077`` or ``yarn``. In local mode, Python tasks run
    this interpreter unless ``PYSPARK_PYTHON`` names another; on a cluster, set it to a Python
    with stalkflag installed."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    master = master or os.environ.get("SPARK_MASTER") or f"local[{cores}]"
    if master.startswith("local"):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master(master)
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


def port_model(
    trained: dict[str, Any], stage: str, dialect: str, evidence: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A trained model rendered for ``dialect``: the settings are rebuilt from
    :func:`~stalkflag.linkage._settings.build_settings` and the trained prior and per-level
    m and u are copied across (a saved Splink JSON holds SQL of the backend it was trained on)."""
    target = build_settings(stage, evidence).create_settings_dict(dialect)
    target["probability_two_random_records_match"] = trained["probability_two_random_records_match"]
    saved = [c["output_column_name"] for c in trained["comparisons"]]
    expected = [c["output_column_name"] for c in target["comparisons"]]
    if saved != expected:
        raise ConfigError(
            f"the saved linkage model compares {saved}, but with its evidence "
            f"{list(evidence)} this version of stalkflag compares {expected}; link with a "
            "model saved by this version, or train one afresh.",
            code="C022",
        )
    for source, dest in zip(trained["comparisons"], target["comparisons"], strict=True):
        if len(source["comparison_levels"]) != len(dest["comparison_levels"]):
            raise ConfigError(
                f"the saved linkage model's {dest['output_column_name']} comparison does not "
                "match this version of stalkflag's; link with a model saved by this version, "
                "or train one afresh.",
                code="C022",
            )
        for level_src, level_dst in zip(
            source["comparison_levels"], dest["comparison_levels"], strict=True
        ):
            for key in ("m_probability", "u_probability"):
                if key in level_src:
                    level_dst[key] = level_src[key]
    return target


def _pass(
    db_api,
    handle,
    *,
    frame: pd.DataFrame,
    stage: str,
    trained,
    dialect: str,
    threshold: float,
    seed: int,
    evidence: tuple[str, ...],
):
    """Train (or port) one pass's model and score its candidate pairs."""
    sdf = db_api.register(frame, dataset_display_name=f"mentions_{stage}_{uuid.uuid4().hex[:8]}")
    if trained is None:
        settings: Any = build_settings(stage, evidence)
    else:
        settings = port_model(trained, stage, dialect, evidence)
    linker = Linker(
        sdf, settings, log_level=logging.ERROR
    )  # level-not-observed notes are noise here
    t = time.perf_counter()
    if trained is None:
        logger.info("training the %s model on %d mentions", stage, len(frame))
        linker.training.estimate_probability_two_random_records_match(
            [block_on("force_person_id"), block_on("first_canon", "surname", "dob")], recall=0.8
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=seed)
        _train_m(linker, stage)
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    comparisons = linker._settings_obj.comparisons
    columns = _EDGE_COLUMNS + [f"gamma_{c.output_column_name}" for c in comparisons]
    for c in comparisons:
        columns += c._match_weight_columns_to_sum
    edges = _fetch(handle, predictions.physical_name, columns)
    edges = edges[~_same_incident(edges)].reset_index(drop=True)
    logger.info("%s pass: %d scored pairs in %.1fs", stage, len(edges), time.perf_counter() - t)
    return json.loads(json.dumps(linker.misc.save_model_to_json(out_path=None))), edges


def _compiled(trained: dict[str, Any], stage: str, evidence: tuple[str, ...]):
    """One pass of a saved model, compiled for :mod:`._python` (kept: compiling parses the
    model's SQL, which takes longer than linking a few hundred mentions)."""
    return _compile_pass(json.dumps(trained, sort_keys=True), stage, evidence)


@lru_cache(maxsize=8)
def _compile_pass(trained: str, stage: str, evidence: tuple[str, ...]):
    return compile_model(port_model(json.loads(trained), stage, "duckdb", evidence))


def python_linkage(model: dict[str, Any]) -> bool:
    """Compile a saved linkage model for the ``python`` backend ahead of its first use (it is
    kept), and say whether it runs there (else that backend links with DuckDB)."""
    if model.get("people") is None:  # an ID-only model links without Splink anyway
        return True
    evidence = check_evidence(tuple(model.get("evidence", ())))
    return _python_or_duckdb(model, evidence) == "python"


def _python_or_duckdb(model: dict[str, Any] | None, evidence: tuple[str, ...]) -> str:
    """``python`` when the saved model's every condition can be evaluated in Python, else
    ``duckdb`` (said in the log)."""
    if model is None:
        raise ConfigError(
            "the python linkage backend scores with a saved linkage model; give one, or "
            "link with duckdb.",
            code="C026",
        )
    try:
        for stage in ("people", "suspects"):
            _compiled(model[stage], stage, evidence)
    except Unsupported as exc:
        logger.warning("linking with DuckDB: the python backend cannot evaluate %s", exc)
        return "duckdb"
    return "python"


def _pass_in_python(
    *,
    frame: pd.DataFrame,
    stage: str,
    trained: dict[str, Any],
    threshold: float,
    evidence: tuple[str, ...],
    term_frequencies: pd.DataFrame,
):
    """:func:`_pass` for a saved model, computed in Python (:mod:`._python`): the same
    scored pairs, and the saved model itself. Both passes count term frequencies over every
    mention, as both DuckDB passes do (Splink keeps the first pass's tables on the shared
    connection and the second pass reuses them)."""
    compiled = _compiled(trained, stage, evidence)
    edges = predict(frame, compiled, threshold, term_frequencies=term_frequencies)
    return trained, edges[~_same_incident(edges)].reset_index(drop=True)


def _train_m(linker: Linker, stage: str) -> None:
    """Estimate m by expectation maximisation, one session per training block.

    A session whose estimate for some level degenerates to 0 (the pairs at that level are all
    judged non-matches, as when a few rows repeat one another) makes Splink refuse the value.
    Such a session is set aside, with a warning: the comparisons it would have trained keep
    the estimates of the other sessions, or Splink's defaults. When every session fails, the
    export gives training nothing to learn from (``EMTrainingException``, a user's error).
    """
    from splink.internals.exceptions import EMTrainingException  # not exported publicly

    failed = []
    for rule in TRAINING_BLOCKS:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        except ValueError as exc:
            if "below the minimum allowed" not in str(exc):
                raise
            failed.append(rule)
    if failed:
        logger.warning(
            "%s model: %d of %d training sessions gave a degenerate estimate (a probability "
            "of 0) and were set aside; their comparisons keep the other sessions' estimates",
            stage,
            len(failed),
            len(TRAINING_BLOCKS),
        )
    if len(failed) == len(TRAINING_BLOCKS):
        raise EMTrainingException(f"every training session of the {stage} model degenerated")


def _same_incident(edges: pd.DataFrame) -> np.ndarray:
    """Pairs of the two mentions of one incident (its victim and its suspect: ``unique_id``
    ``2i`` and ``2i + 1``), which are never one person."""
    return (edges["unique_id_l"].to_numpy() // 2) == (edges["unique_id_r"].to_numpy() // 2)


def _components(uids: np.ndarray, edges: pd.DataFrame, threshold: float) -> np.ndarray:
    """Connected components of the pairs at or above ``threshold``; the cluster id is the
    smallest ``unique_id`` in the component (stable for a given input)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    index = pd.Index(uids)
    kept = edges[edges["match_probability"] >= threshold]
    rows = index.get_indexer(kept["unique_id_l"])
    cols = index.get_indexer(kept["unique_id_r"])
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(uids), len(uids)))
    count, labels = connected_components(graph, directed=False)
    smallest = np.full(count, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(smallest, labels, uids.astype(np.int64))
    return smallest[labels]


def _with_id_rule(
    mentions: pd.DataFrame, edges: pd.DataFrame, threshold: float, any_bare: bool = True
) -> pd.DataFrame:
    """``edges`` (Splink's pairs, a ``stage`` column added where missing) and the force ID
    rule's pairs for the people they make (:func:`~stalkflag.linkage._ids.id_rule_edges`)."""
    edges = edges if "stage" in edges else edges.assign(stage="people")
    if not any_bare:  # the rule joins only bare mentions
        return edges
    person = _components(mentions["unique_id"].to_numpy(), edges, threshold)
    rule = id_rule_edges(mentions, person)
    rule = rule[~_same_incident(rule)] if len(rule) else rule
    if rule.empty:
        return edges
    return pd.concat([edges, rule], ignore_index=True)


def run_splink(
    mentions: pd.DataFrame,
    *,
    model: dict[str, Any] | None = None,
    backend: str = "duckdb",
    predict_threshold: float = 0.2,
    cluster_threshold: float = CLUSTER_THRESHOLD,
    spark=None,
    seed: int = 0,
    memory_limit: str = "1.5GB",
    evidence: tuple[str, ...] = LINKAGE_EVIDENCE,
) -> SplinkRun:
    """Train (or reuse) the linkage model, score candidate pairs and cluster mentions.

    Two passes: every person mention against every other (names, date of birth, force ID, the
    other party's name), then suspect mentions against each other with the victim person the
    first pass resolved. People are the connected components of pairs at or above
    ``cluster_threshold``: first-pass pairs, except that pairs of two suspect mentions are
    taken from the second pass, and the force ID rule's pairs
    (:func:`~stalkflag.linkage._ids.id_rule_edges`: a mention with an ID and no name or date of
    birth joins the person its ID names), added after each pass.

    Args:
        mentions: Person mentions from :func:`~stalkflag.linkage._mentions.build_mentions`.
        model: A saved model (see :data:`MODEL_FORMAT`) to reuse; trained afresh when ``None``.
            When every mention is bare (an ID and no name or date of birth), no model is
            needed: people are the IDs (:func:`~stalkflag.linkage._ids.link_by_ids`).
        backend: ``"duckdb"``, ``"spark"``, or ``"python"`` (a saved ``model`` evaluated in
            Python, :mod:`._python`: the same pairs and probabilities without a database, for
            a few hundred mentions; DuckDB when the model uses SQL it cannot evaluate).
        predict_threshold: Pairs below this match probability are not kept.
        cluster_threshold: Pairs at or above this probability make one person.
        spark: A Spark session to use (``backend="spark"``); one is made if not given.
        seed: Seed for u-estimation's random sampling.
        memory_limit: DuckDB's memory cap; beyond it DuckDB spills to a temporary folder.
        evidence: Optional comparisons to train with (see
            :data:`~stalkflag.linkage._settings.EVIDENCE`); a saved model brings its own.

    Returns:
        The trained model, scored pairs and clusters.
    """
    if model is not None:
        if model.get("format") != MODEL_FORMAT:
            raise ValueError(f"not a {MODEL_FORMAT} model")
        evidence = model.get("evidence", ())
    evidence = check_evidence(evidence)
    check_ids_only_model(model, mentions)
    bare = bare_mentions(mentions)
    if bare.all():
        return link_by_ids(mentions, model)
    if backend == "python":
        backend = _python_or_duckdb(model, evidence)
    run_pass: Any
    if backend == "python":
        assert model is not None
        run_pass = partial(_pass_in_python, term_frequencies=mentions)
    else:
        db_api, handle = _db_api(backend, spark, memory_limit=memory_limit)
        dialect = "duckdb" if backend == "duckdb" else "spark"
        run_pass = partial(_pass, db_api, handle, dialect=dialect, seed=seed)
    people_model, edges1 = run_pass(
        frame=mentions,
        stage="people",
        trained=model and model["people"],
        threshold=predict_threshold,
        evidence=evidence,
    )
    uids = mentions["unique_id"].to_numpy()
    edges1 = _with_id_rule(mentions, edges1, cluster_threshold, bool(bare.any()))
    first = pd.Series(_components(uids, edges1, cluster_threshold), index=uids)
    suspects = mentions[mentions["role"] == "suspect"].drop(
        columns=["co_first_canon", "co_surname", "co_force_person_id"]
    )
    victim_uid = suspects["unique_id"].to_numpy() - 1
    victim_person = first.reindex(victim_uid).to_numpy()
    suspects = suspects.assign(victim_person=pd.array(victim_person, dtype="Int64").astype(object))
    suspects["victim_person"] = suspects["victim_person"].where(pd.notna(victim_person), None)
    suspects_model, edges2 = run_pass(
        frame=suspects,
        stage="suspects",
        trained=model and model["suspects"],
        threshold=predict_threshold,
        evidence=evidence,
    )
    is_suspect = pd.Series(mentions["role"].to_numpy() == "suspect", index=uids)
    both = (
        is_suspect.reindex(edges1["unique_id_l"]).to_numpy()
        & is_suspect.reindex(edges1["unique_id_r"]).to_numpy()
    )
    splink_edges = edges1[~both & (edges1["stage"] != RULE_STAGE)]
    edges = pd.concat([splink_edges, edges2.assign(stage="suspects")], ignore_index=True)
    edges = _with_id_rule(mentions, edges, cluster_threshold, bool(bare.any()))
    clusters = pd.DataFrame(
        {"unique_id": uids, "cluster_id": _components(uids, edges, cluster_threshold)}
    )
    trained = {
        "format": MODEL_FORMAT, "people": people_model, "suspects": suspects_model,
        "evidence": list(evidence),
    }  # fmt: skip
    return SplinkRun(trained, edges, clusters)
