"""Batch scoring: validated incidents -> linked and scored -> the outputs a force reads.

:func:`score_batch` links and scores an export with a fitted model and gathers:

- **incidents**: one row per incident (the model's score, decision and reasons) with
  ``model_version``, ``flag_type`` and ``recommended_actions``;
- **patterns**: one row per suspect -> victim pair (:mod:`._patterns`): dates, behaviours and
  categories with counts, score and decision, the S-DASH questions the notes answer with their
  evidence, the Home Office Counting Rules check and the recommended actions (:mod:`._actions`);
- **suspects**: suspects with more than one victim;
- **manifest**: model, input fingerprints, row counts and timings;

and :func:`write_batch` writes them (CSV or Parquet) with ``report.html`` (:mod:`._report`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stalkflag import __version__
from stalkflag._timing import Stopwatch
from stalkflag.batch._actions import ACTIONS, COUNTING_RULES_SINCE, flag_type
from stalkflag.batch._history import (
    REGISTRY_COLUMNS,
    combine,
    history_files,
    is_new,
    read_registry,
    sha256,
    update_registry,
)
from stalkflag.batch._patterns import PATTERN_COLUMNS, SUSPECT_COLUMNS, pattern_table, suspect_table
from stalkflag.batch._report import report_html, report_pairs
from stalkflag.batch._spark import SPARK_CHUNK_SIZE, check_spark, score_on_spark, spark_session
from stalkflag.errors import ConfigError
from stalkflag.linkage import link_incidents
from stalkflag.model import ScoringChain, prepare
from stalkflag.model._score import model_identity
from stalkflag.text import TEXT_PIPELINE

__all__ = [
    "ACTIONS",
    "CHUNK_SIZE",
    "COUNTING_RULES_SINCE",
    "ENGINES",
    "PATTERN_COLUMNS",
    "REGISTRY_COLUMNS",
    "SPARK_CHUNK_SIZE",
    "SUSPECT_COLUMNS",
    "BatchResult",
    "check_spark",
    "combine",
    "fingerprint",
    "history_files",
    "model_identity",
    "outputs",
    "read_registry",
    "score_batch",
    "suspect_chunks",
    "write_batch",
]

logger = logging.getLogger(__name__)

CHUNK_SIZE = 20_000
"""About how many incidents :func:`score_batch` scores at once (whole suspects per chunk).
Scoring and explaining a chunk holds about 20 KB per incident while it runs (measured at 20,000
incidents), so this bounds that part of the peak near 0.4 GB whatever the export's size."""
ENGINES = ("local", "spark")
"""Where :func:`score_batch` runs: in this process, or on Spark (:mod:`._spark`)."""

INCIDENT_COLUMNS = (
    "incident_id", "pair_id", "victim_person_id", "suspect_person_id", "link_confidence",
    "reported_at",
    "recorded_category", "score", "decision", "flagged", "flag_type", "reasons", "evidence",
    "recommended_actions", "model_version",
)  # fmt: skip
"""The columns of the incidents output, in order."""


@dataclass
class BatchResult:
    """A scored export.

    Attributes:
        incidents: One row per scored incident (:data:`INCIDENT_COLUMNS`).
        patterns: One row per suspect -> victim pair (:data:`PATTERN_COLUMNS`).
        suspects: Suspects with more than one victim (:data:`SUSPECT_COLUMNS`).
        manifest: Model, inputs, row counts and timings (JSON-ready).
        report: ``report.html``.
        registry: The people registry after this run (:data:`REGISTRY_COLUMNS`).
    """

    incidents: pd.DataFrame
    patterns: pd.DataFrame
    suspects: pd.DataFrame
    manifest: dict[str, Any]
    report: str = field(repr=False, default="")
    registry: pd.DataFrame = field(
        repr=False, default_factory=lambda: pd.DataFrame(columns=list(REGISTRY_COLUMNS))
    )


def fingerprint(path: str | Path) -> dict[str, Any]:
    """A file's path (absolute, so a later run can find it as history), size and SHA-256, for
    the manifest."""
    path = Path(path).resolve()
    return {"path": str(path), "bytes": path.stat().st_size, "sha256": sha256(path)}


def score_batch(
    incidents: pd.DataFrame,
    chain: ScoringChain,
    *,
    model: dict[str, Any] | None = None,
    inputs: Sequence[dict[str, Any]] = (),
    rows_read: int | None = None,
    rows_rejected: int = 0,
    timings: dict[str, float] | None = None,
    on_stage: Callable[..., None] | None = None,
    chunk_size: int | None = None,
    engine: str = "local",
    spark=None,
    history: pd.DataFrame | None = None,
    history_inputs: Sequence[dict[str, Any]] = (),
    registry: pd.DataFrame | None = None,
) -> BatchResult:
    """Link and score validated incidents and gather the outputs.

    Args:
        incidents: Validated incidents (:func:`stalkflag.api.validate`'s ``accepted``).
        chain: The fitted model.
        model: ``uri`` and ``version`` of the model, for the outputs (default: unnamed).
        inputs: :func:`fingerprint` of each file read, for the manifest.
        rows_read: Rows in the input files (default: the accepted and rejected rows).
        rows_rejected: Rows that failed validation.
        timings: Seconds already spent (reading and validating), for the manifest.
        on_stage: Called as the work goes on with a short description of the stage and,
            where the stage counts its work, how much is done and the total
            (``on_stage(stage, done, total)``).
        chunk_size: About how many incidents to score at once (default :data:`CHUNK_SIZE`; on
            Spark, per task: enough tasks for every core, up to :data:`SPARK_CHUNK_SIZE`).
            Chunks hold whole suspects (every pair of a suspect, so features across a suspect's
            victims are complete), so the outputs do not depend on it; only the memory a chunk
            holds does.
        engine: ``"local"`` (DuckDB linkage, scoring in this process) or ``"spark"`` (Splink's
            Spark backend, then reading, scoring and patterns one Spark task per chunk; see
            :mod:`._spark`). The outputs are the same.
        spark: The Spark session for ``engine="spark"`` (default: the active session, else a
            new one, local unless ``SPARK_MASTER`` names a cluster, stopped at the end).
        history: Validated incidents of earlier exports, linked and scored with these so that
            their courses of conduct are seen whole; only the new incidents, and the patterns
            and suspects they belong to, are in the outputs. A new row replaces an earlier row
            with its ``incident_id``.
        history_inputs: :func:`fingerprint` of each history file, for the manifest (so a later
            run can name this output folder as its history).
        registry: The people registry so far (:data:`REGISTRY_COLUMNS`), carried forward.

    Raises:
        ConfigError: An unknown engine, or Spark cannot run here (no PySpark or no Java).
    """
    if engine not in ENGINES:
        raise ConfigError(f"engine must be {' or '.join(ENGINES)}, not {engine!r}.", code="C051")
    if chunk_size is not None and chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
    stage = on_stage or _log_stage
    watch = Stopwatch(timings)
    done, timings = watch.done, watch.timings
    model = {"uri": "(in memory)", "version": "unregistered"} | dict(model or {})

    new_ids = incidents["incident_id"].to_numpy()
    everything, replaced = combine(history, incidents)
    if engine == "spark":
        scored, pattern_parts, matches, links, ran = _score_spark(
            everything, chain, new_ids, chunk_size=chunk_size, spark=spark, stage=stage, done=done
        )
    else:
        scored, pattern_parts, matches, links, ran = _score_local(
            everything, chain, chunk_size=chunk_size or CHUNK_SIZE, stage=stage, done=done
        )
    stage("gathering patterns")
    patterns = _by_score(pattern_parts)
    suspects = suspect_table(patterns)
    new = is_new(scored, new_ids)
    if not new.all():  # history read: only what the new incidents belong to goes out
        patterns = patterns[patterns["pair_id"].isin(scored.loc[new, "pair_id"])]
        patterns = patterns.reset_index(drop=True)
        suspects = suspects[suspects["suspect_person_id"].isin(patterns["suspect_person_id"])]
        suspects = suspects.reset_index(drop=True)
    actions = patterns.set_index("pair_id")["recommended_actions"]
    recorded = scored["recorded_category"].eq("stalking").to_numpy()
    out = scored.assign(
        flag_type=flag_type(scored["decision"].to_numpy(), recorded),
        recommended_actions=actions.reindex(scored["pair_id"]).fillna("").to_numpy(),
        model_version=str(model["version"]),
        link_confidence=links.drop_duplicates("incident_id")
        .set_index("incident_id")["link_confidence"]
        .reindex(scored["incident_id"])
        .to_numpy(),
    )
    out.loc[out["decision"].eq("clear"), "recommended_actions"] = ""
    done("patterns")
    manifest = {
        "stalkflag_version": __version__,
        "engine": ran,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "model": model
        | {
            "text_pipeline": TEXT_PIPELINE,
            "flag_threshold": chain.flag_threshold,
            "review_threshold": chain.review_threshold,
        },
        "inputs": list(inputs),
        "history": list(history_inputs),
        "rows": {
            "read": int(rows_read if rows_read is not None else len(incidents) + rows_rejected),
            "accepted": len(incidents),
            "rejected": int(rows_rejected),
            "scored": int(new.sum()),
            "history": len(everything) - int(new.sum()),
            "history_replaced": replaced,
        },
        "patterns": {
            "total": len(patterns),
            "flag": int(patterns["decision"].eq("flag").sum()),
            "possible_misclassification": int(
                patterns["flag_type"].eq("possible_misclassification").sum()
            ),
            "review": int(patterns["decision"].eq("review").sum()),
            "counting_rules_findings": int(patterns["counting_rules"].ne("").sum()),
            "serial_suspects": len(suspects),
        },
        "timings_seconds": timings,
    }
    report = report_html(
        out,
        patterns,
        suspects,
        matches,
        manifest,
        flag_threshold=chain.flag_threshold,
        review_threshold=chain.review_threshold,
    )
    done("report")
    people = update_registry(registry, links, everything)
    manifest["people"] = {
        "active": int(people["status"].eq("active").sum()),
        "merged": int(people["status"].eq("merged").sum()),
    }
    incidents_out = out.loc[new, list(INCIDENT_COLUMNS)].reset_index(drop=True)
    return BatchResult(incidents_out, patterns, suspects, manifest, report, people)


def _log_stage(stage: str, done: int | None = None, total: int | None = None) -> None:
    if not done:  # once per stage
        logger.info("%s", stage)


def _score_local(incidents, chain, *, chunk_size, stage, done):
    """Link (DuckDB) and read in this process, then score chunk by chunk."""
    stage(f"linking {len(incidents):,} incidents")
    prepared, _ = prepare(
        incidents,
        linkage_model=chain.linkage_model,
        linkage_threshold=chain.linkage_threshold,
        on_read=lambda n, total: stage("reading the notes", n, total),
    )
    done("link_and_read")
    chunks = suspect_chunks(prepared.links["suspect_person_id"], chunk_size)
    scored_parts, pattern_parts = [], []
    so_far = 0
    for rows in chunks:
        stage("scoring and explaining", so_far, len(incidents))
        so_far += len(rows)
        part = prepared.subset(rows)
        scored_part = chain.score(part)
        scored_parts.append(scored_part)
        pattern_parts.append(pattern_table(scored_part, part, chain))
    stage("scoring and explaining", so_far, len(incidents))
    done("score_and_explain")
    ran = {"name": "local", "chunks": len(chunks)}
    scored = _in_row_order(scored_parts, chunks, chain)
    return scored, pattern_parts, prepared.matches, prepared.links, ran


def _score_spark(incidents, chain, new_ids, *, chunk_size, spark, stage, done):
    """Link on Splink's Spark backend, then read, score and explain one Spark task per chunk
    (:func:`._spark.score_on_spark`); the driver fetches the matches of the pairs the report
    shows (among the pairs of the new incidents, ``new_ids``)."""
    incidents = incidents.reset_index(drop=True)
    with spark_session(spark) as session:
        stage(f"linking {len(incidents):,} incidents on Spark")
        links = link_incidents(
            incidents,
            model=chain.linkage_model,
            backend="spark",
            spark=session,
            cluster_threshold=chain.linkage_threshold,
        ).incidents.reset_index(drop=True)
        done("link")
        # By default, enough chunks for every core Spark has, up to SPARK_CHUNK_SIZE each.
        tasks = session.sparkContext.defaultParallelism
        chunk_size = chunk_size or min(SPARK_CHUNK_SIZE, -(-len(incidents) // max(tasks, 1)))
        chunks = suspect_chunks(links["suspect_person_id"], max(chunk_size, 1))
        ran = {"name": "spark", "master": session.sparkContext.master, "chunks": len(chunks)}
        if not chunks:
            return chain.score_columns_empty(), [], {}, links, ran
        stage(f"reading and scoring on Spark: {len(chunks):,} tasks of whole suspects")
        shown = set(links.loc[is_new(incidents, new_ids), "pair_id"])
        scored, patterns, matches = score_on_spark(
            incidents,
            links,
            chain,
            chunks,
            session,
            lambda p: report_pairs(_by_score([p[p["pair_id"].isin(shown)]])),
        )
        done("read_score_and_explain")
    return scored, [patterns], matches, links, ran


def suspect_chunks(suspects: pd.Series, chunk_size: int) -> list[np.ndarray]:
    """Row positions in chunks of about ``chunk_size`` incidents, each holding whole suspects
    (a suspect with more incidents than that is one chunk of its own). Suspects are taken in
    sorted order, so the chunks depend on the people, not on the rows' order."""
    if not len(suspects):
        return []
    codes, _ = pd.factorize(suspects.astype(str), sort=True)
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes)
    bounds = np.cumsum(sizes)  # end of each suspect's rows in `order`
    chunks, start, filled = [], 0, 0
    for end in bounds:
        filled = end - start
        if filled >= chunk_size:
            chunks.append(np.sort(order[start:end]))
            start = end
    if start < len(order):
        chunks.append(np.sort(order[start:]))
    return chunks


def _in_row_order(parts: list[pd.DataFrame], chunks: list[np.ndarray], chain) -> pd.DataFrame:
    """Chunks' scores put back in the rows' own order."""
    if not parts:
        return chain.score_columns_empty()
    scored = pd.concat(parts, ignore_index=True)
    positions = np.concatenate(chunks)
    return scored.iloc[np.argsort(positions, kind="stable")].reset_index(drop=True)


def _by_score(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Chunks' patterns in one table, highest score first (then by pair)."""
    if not parts:
        return pd.DataFrame(columns=list(PATTERN_COLUMNS))
    out = pd.concat(parts, ignore_index=True)
    order = np.lexsort((out["pair_id"].to_numpy(), -out["score"].to_numpy().astype(float)))
    return out.iloc[order].reset_index(drop=True)


def outputs(
    result: BatchResult,
    out_dir: str | Path,
    *,
    format: str = "csv",
    extra: dict[Path, pd.DataFrame] | None = None,
) -> dict[Path, pd.DataFrame | str]:
    """What :func:`write_batch` writes, by path: ``incidents``, ``patterns``, ``suspects`` and
    ``people`` (the registry; ``.csv`` or ``.parquet``), ``report.html``, any ``extra`` frames (the rejects) and
    ``manifest.json`` listing them all."""
    if format not in {"csv", "parquet"}:
        raise ValueError(f"format must be csv or parquet, not {format!r}")
    out_dir = Path(out_dir)
    files: dict[Path, pd.DataFrame | str] = {
        out_dir / f"incidents.{format}": result.incidents,
        out_dir / f"patterns.{format}": result.patterns,
        out_dir / f"suspects.{format}": result.suspects,
        out_dir / f"people.{format}": result.registry,
        out_dir / "report.html": result.report,
    }
    files |= dict(extra or {})
    manifest = dict(result.manifest) | {"outputs": [p.name for p in files]}
    files[out_dir / "manifest.json"] = json.dumps(manifest, indent=2, default=str)
    return files


def write_batch(
    result: BatchResult,
    out_dir: str | Path,
    *,
    format: str = "csv",
    extra: dict[Path, pd.DataFrame] | None = None,
) -> list[Path]:
    """Write :func:`outputs` into ``out_dir``, all or none (:func:`stalkflag.io.write_outputs`:
    a failure leaves no partial file; CSV text is escaped against spreadsheet formulas)."""
    from stalkflag.io import write_outputs

    files = outputs(result, out_dir, format=format, extra=extra)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    return write_outputs(files)
