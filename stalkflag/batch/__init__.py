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
import hashlib
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
from stalkflag.batch._patterns import PATTERN_COLUMNS, SUSPECT_COLUMNS, pattern_table, suspect_table
from stalkflag.batch._report import report_html
from stalkflag.model import ScoringChain, prepare
from stalkflag.model._score import model_identity
from stalkflag.text import TEXT_PIPELINE

__all__ = [
    "ACTIONS",
    "CHUNK_SIZE",
    "COUNTING_RULES_SINCE",
    "PATTERN_COLUMNS",
    "SUSPECT_COLUMNS",
    "BatchResult",
    "fingerprint",
    "model_identity",
    "outputs",
    "score_batch",
    "suspect_chunks",
    "write_batch",
]

logger = logging.getLogger(__name__)

CHUNK_SIZE = 20_000
"""About how many incidents :func:`score_batch` scores at once (whole suspects per chunk).
Scoring and explaining a chunk holds about 20 KB per incident while it runs (measured at 20,000
incidents), so this bounds that part of the peak near 0.4 GB whatever the export's size."""

INCIDENT_COLUMNS = (
    "incident_id", "pair_id", "victim_person_id", "suspect_person_id", "reported_at",
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
    """

    incidents: pd.DataFrame
    patterns: pd.DataFrame
    suspects: pd.DataFrame
    manifest: dict[str, Any]
    report: str = field(repr=False, default="")


def fingerprint(path: str | Path) -> dict[str, Any]:
    """A file's path, size and SHA-256, for the manifest."""
    path = Path(path)
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return {"path": str(path), "bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def score_batch(
    incidents: pd.DataFrame,
    chain: ScoringChain,
    *,
    model: dict[str, Any] | None = None,
    inputs: Sequence[dict[str, Any]] = (),
    rows_read: int | None = None,
    rows_rejected: int = 0,
    timings: dict[str, float] | None = None,
    on_stage: Callable[[str], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
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
        on_stage: Called with a short description as each stage starts.
        chunk_size: About how many incidents to score at once. Chunks hold whole suspects
            (every pair of a suspect, so features across a suspect's victims are complete), so
            the scores do not depend on it; only the memory the scoring stage holds does.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
    stage = on_stage or (lambda s: logger.info("%s", s))
    watch = Stopwatch(timings)
    done, timings = watch.done, watch.timings
    model = {"uri": "(in memory)", "version": "unregistered"} | dict(model or {})

    stage(f"linking {len(incidents):,} incidents and reading their notes")
    prepared, _ = prepare(
        incidents, linkage_model=chain.linkage_model, linkage_threshold=chain.linkage_threshold
    )
    done("link_and_read")
    chunks = suspect_chunks(prepared.links["suspect_person_id"], chunk_size)
    scored_parts, pattern_parts = [], []
    for k, rows in enumerate(chunks, 1):
        stage(f"scoring: chunk {k:,} of {len(chunks):,} ({len(rows):,} incidents)")
        part = prepared.subset(rows)
        scored_part = chain.score(part)
        scored_parts.append(scored_part)
        pattern_parts.append(pattern_table(scored_part, part, chain))
    done("score_and_explain")
    stage("gathering patterns")
    scored = _in_row_order(scored_parts, chunks, chain)
    patterns = _by_score(pattern_parts)
    suspects = suspect_table(patterns)
    actions = patterns.set_index("pair_id")["recommended_actions"]
    recorded = scored["recorded_category"].eq("stalking").to_numpy()
    out = scored.assign(
        flag_type=flag_type(scored["decision"].to_numpy(), recorded),
        recommended_actions=actions.reindex(scored["pair_id"]).fillna("").to_numpy(),
        model_version=str(model["version"]),
    )
    out.loc[out["decision"].eq("clear"), "recommended_actions"] = ""
    done("patterns")
    manifest = {
        "stalkflag_version": __version__,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "model": model
        | {
            "text_pipeline": TEXT_PIPELINE,
            "flag_threshold": chain.flag_threshold,
            "review_threshold": chain.review_threshold,
        },
        "inputs": list(inputs),
        "rows": {
            "read": int(rows_read if rows_read is not None else len(incidents) + rows_rejected),
            "accepted": len(incidents),
            "rejected": int(rows_rejected),
            "scored": len(out),
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
        prepared,
        manifest,
        flag_threshold=chain.flag_threshold,
        review_threshold=chain.review_threshold,
    )
    done("report")
    return BatchResult(out[list(INCIDENT_COLUMNS)], patterns, suspects, manifest, report)


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
    """What :func:`write_batch` writes, by path: ``incidents``, ``patterns`` and ``suspects``
    (``.csv`` or ``.parquet``), ``report.html``, any ``extra`` frames (the rejects) and
    ``manifest.json`` listing them all."""
    if format not in {"csv", "parquet"}:
        raise ValueError(f"format must be csv or parquet, not {format!r}")
    out_dir = Path(out_dir)
    files: dict[Path, pd.DataFrame | str] = {
        out_dir / f"incidents.{format}": result.incidents,
        out_dir / f"patterns.{format}": result.patterns,
        out_dir / f"suspects.{format}": result.suspects,
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
