"""The Spark engine of :func:`stalkflag.batch.score_batch`: linkage on Splink's Spark backend,
then reading, scoring and explaining distributed over Spark's executors.

What runs where:

- **driver**: the validated export (a pandas frame, as validation leaves it); driving Splink's
  Spark job and collecting its clusters and scored pairs; suspects found in notes (linkage's
  spaCy rules); each name's first appearance in time (names only); the chunk keys; gathering
  the outputs and the report.
- **executors**: Splink's blocking, comparisons, training and clustering (Spark SQL); then, one
  task per chunk of whole suspects (``groupBy(chunk).applyInPandas``), reading the notes
  (:func:`stalkflag.model._prepare.read_incidents`), scoring and explaining
  (:meth:`ScoringChain.score`), and per-pair patterns (:func:`.pattern_table`): the same code
  the local engine runs, on the same chunks of whole suspects, so the outputs are the same.

Everything a task needs travels as columns (the incidents' fields, their links, their time
rank; between the two stages, each note's behaviour matches as JSON and its masked text); the
fitted chain and each name token's first time rank are broadcast. Nothing here logs note text
or names.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import astuple
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stalkflag.batch._patterns import PATTERN_COLUMNS, pattern_table
from stalkflag.errors import ConfigError
from stalkflag.features import behaviour_frame, behaviour_row
from stalkflag.linkage import INCIDENT_LINK_COLUMNS
from stalkflag.model import Prepared, ScoringChain
from stalkflag.model._chain import SCORE_COLUMNS
from stalkflag.model._prepare import name_first_seen, read_incidents, time_order
from stalkflag.text import BehaviourMatch, make_text_pipeline

__all__ = ["SPARK_CHUNK_SIZE", "check_spark", "score_on_spark", "spark_session"]

logger = logging.getLogger(__name__)

SPARK_CHUNK_SIZE = 10_000
"""About how many incidents one Spark task reads and scores (whole suspects per chunk)."""

_INCIDENT_FIELDS = (
    "incident_id", "reported_at", "recorded_category", "relationship", "force", "notes",
    "victim_name", "suspect_name",
)  # fmt: skip
"""The validated incidents' columns a task reads (the model input's, the patterns', the notes
and the name fields the notes are read and masked with)."""
_LINK_FIELDS = tuple(c for c in INCIDENT_LINK_COLUMNS if c != "incident_id")
_READ_COLUMNS = ("row", "chunk", *SCORE_COLUMNS, "relationship", "force", "matches", "masked")
"""What a reading task gives back per incident: its scores, and what :func:`.pattern_table`
reads besides (each note's behaviour matches as JSON, and its masked text)."""
_PATTERN_FIELDS = ("incident_id", "reported_at", "recorded_category", "relationship", "force")
"""The incidents' columns :func:`.pattern_table` reads."""
_FLOATS = {"link_confidence", "score", "span_days"}
_INTS = {"row", "chunk", "rank", "incidents", "sdash_answered"}
_TIMES = {"reported_at", "first_reported_at", "last_reported_at"}  # int64 nanoseconds in Spark
_BOOLS = {"flagged"}


# -- the session -------------------------------------------------------------------------------


def check_spark() -> None:
    """Raise :class:`ConfigError` (one sentence) when PySpark or Java is missing."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise ConfigError(
            "the spark engine needs PySpark, which is not installed: install it "
            "(pip install 'stalkflag[spark]') or use --engine local.",
            code="C052",
        ) from None
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not os.access(java, os.X_OK):
        where = f"JAVA_HOME ({home}) has no bin/java" if home else "no java is on the PATH"
        raise ConfigError(
            f"the spark engine needs Java 17 or later and {where}: install a JDK and set "
            "JAVA_HOME, or use --engine local.",
            code="C052",
        )


@contextmanager
def spark_session(spark=None) -> Iterator[Any]:
    """The Spark session to score with: ``spark`` when given, else the active one, else a new
    one from :func:`stalkflag.linkage.make_spark_session` (local mode unless ``SPARK_MASTER``
    names a cluster), stopped on exit."""
    if spark is not None:
        yield spark
        return
    check_spark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        yield active
        return
    from stalkflag.linkage import make_spark_session

    try:
        session = make_spark_session()
    except (RuntimeError, OSError) as error:  # the JVM did not start: its reason is on stderr
        raise ConfigError(
            f"Spark could not start ({type(error).__name__}; it needs Java 17 or later, see "
            "the lines above): fix its setup or use --engine local.",
            code="C052",
        ) from None
    try:
        yield session
    finally:
        session.stop()


# -- scoring -----------------------------------------------------------------------------------


def score_on_spark(
    incidents: pd.DataFrame,
    links: pd.DataFrame,
    chain: ScoringChain,
    chunks: Sequence[np.ndarray],
    spark,
    report_pairs,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[int, tuple[BehaviourMatch, ...]]]:
    """Read, score and explain linked incidents on Spark's executors, one task per chunk.

    Args:
        incidents: Validated incidents (index 0..n-1).
        links: Their links (same order).
        chain: The fitted model (broadcast to the executors).
        chunks: Row positions of each chunk of whole suspects
            (:func:`stalkflag.batch.suspect_chunks`).
        spark: The Spark session.
        report_pairs: Given the patterns (in any order), the pair ids the report shows with
            their timelines.

    Returns:
        The scored incidents in the rows' order (:meth:`ScoringChain.score`'s columns), the
        patterns (unsorted) and the behaviour matches of the report's pairs' rows, by row.
    """
    from pyspark import StorageLevel

    frame = _input_frame(incidents, links, chunks)
    dtypes = frame.dtypes.to_dict()
    context = spark.sparkContext
    shared = (
        context.broadcast(chain),
        context.broadcast(name_first_seen(incidents, frame["rank"].to_numpy())),
    )

    def read_and_score(part: pd.DataFrame) -> pd.DataFrame:
        return _read_and_score(part, shared=shared, dtypes=dtypes)

    def patterns_of(part: pd.DataFrame) -> pd.DataFrame:
        return _patterns(part, shared=shared, dtypes=dtypes)

    arrow = "spark.sql.execution.arrow.pyspark.enabled"
    was = spark.conf.get(arrow, "false")
    spark.conf.set(arrow, "true")  # pandas frames to and from Spark as Arrow batches
    read = (
        spark.createDataFrame(_to_spark(frame), schema=_schema(frame.columns))
        .repartition(len(chunks), "chunk")  # as many tasks as chunks, whatever the shuffle default
        .groupBy("chunk")
        .applyInPandas(read_and_score, schema=_schema(_READ_COLUMNS))
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    try:
        scored = _from_spark(read.select("row", *SCORE_COLUMNS).toPandas())
        scored = scored.sort_values("row").drop(columns="row").reset_index(drop=True)
        patterns = _from_spark(
            read.groupBy("chunk")
            .applyInPandas(patterns_of, schema=_schema(PATTERN_COLUMNS))
            .toPandas()
        )
        shown = read.where(read["pair_id"].isin(list(report_pairs(patterns))))
        shown = shown.select("row", "matches").toPandas()
    finally:
        spark.conf.set(arrow, was)
        read.unpersist()
        for variable in shared:
            variable.unpersist()
    matches = dict(zip(shown["row"].tolist(), map(_matches_from, shown["matches"]), strict=True))
    return scored, patterns, matches


def _input_frame(
    incidents: pd.DataFrame, links: pd.DataFrame, chunks: Sequence[np.ndarray]
) -> pd.DataFrame:
    """What the reading tasks read, one row per incident: its position, chunk and time rank,
    the incidents' :data:`_INCIDENT_FIELDS` and the links' :data:`_LINK_FIELDS`."""
    chunk = np.zeros(len(incidents), dtype=np.int64)
    for k, rows in enumerate(chunks):
        chunk[rows] = k
    keys = pd.DataFrame(
        {"row": np.arange(len(incidents)), "chunk": chunk, "rank": time_order(incidents)}
    )
    return pd.concat([keys, incidents[list(_INCIDENT_FIELDS)], links[list(_LINK_FIELDS)]], axis=1)


def _read_and_score(frame: pd.DataFrame, *, shared, dtypes) -> pd.DataFrame:
    """One chunk's task: read its notes, score and explain its incidents (as the local engine
    does a chunk's: the rows in the export's order, the names known up to each)."""
    chain, first_seen = shared[0].value, shared[1].value
    frame = _from_spark(frame, dtypes).sort_values("row").reset_index(drop=True)
    incidents = frame[list(_INCIDENT_FIELDS)]
    links = frame[["incident_id", *_LINK_FIELDS]]
    matches, masked = read_incidents(incidents, frame["rank"].to_numpy(), first_seen, nlp=_nlp())
    rows = [behaviour_row(m) for m in matches]
    prepared = Prepared(incidents, links, matches, behaviour_frame(rows), masked)
    scored = chain.score(prepared)
    return _to_spark(
        scored.assign(
            row=frame["row"].to_numpy(),
            chunk=frame["chunk"].to_numpy(),
            relationship=frame["relationship"].to_numpy(),
            force=frame["force"].to_numpy(),
            matches=[_matches_json(m) for m in matches],
            masked=masked,
        )
    )


def _patterns(frame: pd.DataFrame, *, shared, dtypes) -> pd.DataFrame:
    """One chunk's task: its patterns, from its scored incidents."""
    chain = shared[0].value
    frame = _from_spark(frame, dtypes).sort_values("row").reset_index(drop=True)
    matches = [_matches_from(m) for m in frame["matches"]]
    prepared = Prepared(
        frame[list(_PATTERN_FIELDS)],
        frame[["incident_id", "pair_id", "victim_person_id", "suspect_person_id"]],
        matches,
        behaviour_frame([behaviour_row(m) for m in matches]),
        frame["masked"].tolist(),
    )
    return _to_spark(pattern_table(frame[list(SCORE_COLUMNS)], prepared, chain))


@functools.cache
def _nlp():
    """The text pipeline, built once per Python worker (workers are reused across tasks)."""
    return make_text_pipeline()


def _matches_json(matches: tuple[BehaviourMatch, ...]) -> str:
    return json.dumps([astuple(m) for m in matches])


def _matches_from(text: str) -> tuple[BehaviourMatch, ...]:
    return tuple(BehaviourMatch(*fields) for fields in json.loads(text))


# -- frames across the boundary ----------------------------------------------------------------


def _schema(columns) -> str:
    """A Spark DDL schema: times as int64 nanoseconds (exact, no time zone), text as strings."""

    def kind(c: str) -> str:
        if c in _INTS or c in _TIMES:
            return "long"
        if c in _FLOATS:
            return "double"
        return "boolean" if c in _BOOLS else "string"

    return ", ".join(f"`{c}` {kind(c)}" for c in columns)


def _to_spark(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame as Spark takes it (:func:`_schema`): times as nanoseconds, text as str or None."""
    out = {}
    for c in frame.columns:
        values = frame[c]
        if c in _TIMES:
            out[c] = pd.to_datetime(values).to_numpy().astype("datetime64[ns]").astype(np.int64)
        elif c in _INTS | _FLOATS | _BOOLS:
            out[c] = values.to_numpy()
        else:
            out[c] = np.array([None if pd.isna(v) else str(v) for v in values], dtype=object)
    return pd.DataFrame(out, index=frame.index)


def _from_spark(frame: pd.DataFrame, dtypes: dict[str, Any] | None = None) -> pd.DataFrame:
    """Back from Spark: times as datetimes, and ``dtypes``' column types (the validated
    incidents' on the executors; the outputs keep what :meth:`ScoringChain.score` gives)."""
    dtypes = dtypes or {}
    frame = frame.copy()
    for c in frame.columns:
        if c in _TIMES:
            frame[c] = pd.to_datetime(frame[c].to_numpy(dtype=np.int64), unit="ns")
        elif c in dtypes:
            frame[c] = frame[c].astype(dtypes[c])
    return frame
