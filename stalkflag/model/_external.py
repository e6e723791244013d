"""Measuring a model on any labelled export: a force's audited cases, auditors' decisions or
the real-case development set.

The export is scored exactly as ``stalkflag score`` scores it (:func:`score_incidents`); the
labels (``incident_id, label``, 1 = stalking, optional columns such as ``case_id``) are joined
on ``incident_id``. A **case** is the labels' case column when there is one, else the linked
suspect -> victim pair. A case is stalking when any of its labelled incidents is, its score is
its highest incident score, and it is *recorded as stalking* when any of its incidents was.

Figures are given per case and per incident, over those not recorded as stalking (what
stalkflag exists to find) and over all, for the model at its flag and two baselines: keyword
search (:data:`KEYWORDS`, as in training) and the recorded category. Lead time
(:func:`lead_time`) says how early the flag fires on stalking cases. Unlabelled incidents are
scored (they are part of their pair's history) but not measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score

from stalkflag.errors import UnusableInputError
from stalkflag.mask import mask_value
from stalkflag.model._chain import ScoringChain
from stalkflag.model._evaluate import operating_point, wilson_interval
from stalkflag.model._lead_time import lead_time, lead_time_summary
from stalkflag.model._prepare import time_order
from stalkflag.model._score import score_incidents
from stalkflag.model._train import KEYWORDS

__all__ = [
    "ExternalEvaluation",
    "check_labels",
    "evaluate_export",
    "join_labels",
    "measure",
    "read_labels",
]

POPULATIONS = ("not recorded as stalking", "all")
"""Over what each figure is taken: cases (or incidents) none recorded as stalking, or all."""

SCORERS = ("model", "keywords", "recorded category")
"""The model at its flag, keyword search and the recorded category (flagged when stalking)."""

_BAND = ("review", "review_stalking")
"""Counts in the review band (missing for the baselines, which have none)."""

DEFAULT_CASES = "case_id"
"""The labels' case column used when present and no other is named."""


@dataclass
class ExternalEvaluation:
    """Every figure of one model on one labelled export.

    Attributes:
        figures: One row per level (``case``, ``incident``), population and scorer: counts,
            recall and precision with 95% Wilson intervals, average precision, review band.
        lead_time: Summary of :func:`lead_time` (see :func:`lead_time_summary`).
        cases: One row per case: label, score, flags, recorded, lead time.
        incidents: One row per labelled incident: case, label, score, keyword hit, recorded.
        counts: How the labels met the export (matched, unmatched, unlabelled, cases from).
        thresholds: The model's ``flag`` and ``review`` thresholds.
    """

    figures: pd.DataFrame
    lead_time: dict[str, Any]
    cases: pd.DataFrame
    incidents: pd.DataFrame
    counts: dict[str, Any]
    thresholds: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain JSON-ready values (missing figures as ``None``)."""
        return _plain(
            {
                "thresholds": self.thresholds,
                "counts": self.counts,
                "figures": [
                    row | {k: None if pd.isna(row[k]) else int(row[k]) for k in _BAND}
                    for row in self.figures.to_dict(orient="records")
                ],
                "lead_time": self.lead_time,
                "cases": self.cases.reset_index().to_dict(orient="records"),
            }
        )


def read_labels(path: Path) -> pd.DataFrame:
    """Read a labels file (CSV or Parquet) with every cell as text; :func:`check_labels` checks it.

    Raises:
        UnusableInputError: The file does not exist or is not a readable CSV or Parquet file.
    """
    if not path.is_file():
        raise UnusableInputError(f"labels file {path} does not exist.", code="F020")
    try:
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path).astype(object)
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise UnusableInputError(
            f"labels file {path} is not a readable CSV or Parquet file ({type(exc).__name__}).",
            code="F020",
        ) from None


def check_labels(
    frame: pd.DataFrame, *, cases: str | None = None, source: str = "the labels file"
) -> pd.DataFrame:
    """Check labels and keep what the measurement needs.

    Args:
        frame: The labels: ``incident_id``, ``label`` (0 or 1) and any other columns.
        cases: The column naming each incident's case; ``None`` uses ``case_id`` when present,
            else each incident's linked pair.
        source: How to name the labels in messages (e.g. the file's path).

    Returns:
        ``incident_id`` (text), ``label`` (0/1) and ``case`` (text, or missing for pairs).

    Raises:
        UnusableInputError: Columns missing, labels not 0 or 1, an incident labelled twice, or
            the case column missing or blank.
    """
    if not {"incident_id", "label"} <= set(frame.columns):
        raise UnusableInputError(
            f"{source} needs columns incident_id and label; it has "
            f"{', '.join(map(str, frame.columns)) or 'none'}.",
            code="F021",
        )
    label = pd.to_numeric(frame["label"], errors="coerce")
    bad = np.flatnonzero(~label.isin([0, 1]).to_numpy())
    if len(bad):
        raise UnusableInputError(
            f"labels in {source} must be 0 or 1 (1 = stalking); {len(bad):,} are not, the first "
            f"at row {bad[0] + 2}: {mask_value('label', frame['label'].iloc[bad[0]])}.",
            code="F022",
        )
    ids = frame["incident_id"].astype("string").str.strip()
    if ids.isna().any() or ids.eq("").any():
        raise UnusableInputError(f"{source} has rows with no incident_id.", code="F021")
    if ids.duplicated().any():
        raise UnusableInputError(
            f"{source} labels {int(ids.duplicated().sum()):,} incident_ids more than once; "
            "give each incident one label.",
            code="F023",
        )
    out = pd.DataFrame({"incident_id": ids.to_numpy(), "label": label.to_numpy().astype(int)})
    out["case"] = _case_column(frame, cases, source)
    return out


def _case_column(frame: pd.DataFrame, cases: str | None, source: str) -> pd.Series:
    if cases is None:
        if DEFAULT_CASES not in frame.columns:
            return pd.Series(pd.NA, index=frame.index, dtype="string")
        cases = DEFAULT_CASES
    if cases not in frame.columns:
        raise UnusableInputError(
            f"{source} has no column {cases!r} (--cases); its columns are "
            f"{', '.join(map(str, frame.columns))}.",
            code="F024",
        )
    column = frame[cases].astype("string").str.strip()
    blank = column.isna() | column.eq("")
    if blank.any():
        raise UnusableInputError(
            f"{int(blank.sum()):,} rows of {source} have no {cases}; every labelled incident "
            "needs its case.",
            code="F024",
        )
    return column


def join_labels(
    scored: pd.DataFrame, notes: pd.Series, labels: pd.DataFrame, *, flag_threshold: float
) -> pd.DataFrame:
    """One row per labelled, scored incident, in time order within each case.

    Args:
        scored: :meth:`ScoringChain.score` output (``incident_id, pair_id, reported_at,
            recorded_category, score``).
        notes: Each scored incident's notes, aligned with ``scored``.
        labels: :func:`check_labels` output.
        flag_threshold: Scores at or above it are flagged.

    Returns:
        ``incident_id, case, y, score, flag, keyword, recorded, reported_at``.
    """
    frame = pd.DataFrame(
        {
            "incident_id": scored["incident_id"].astype("string").to_numpy(),
            "pair_id": scored["pair_id"].astype("string").to_numpy(),
            "score": scored["score"].to_numpy(dtype=float),
            "keyword": notes.fillna("").str.lower().str.contains(KEYWORDS).to_numpy(),
            "recorded": scored["recorded_category"].eq("stalking").to_numpy(),
            "reported_at": pd.to_datetime(scored["reported_at"]).to_numpy(),
        }
    )
    frame = frame.merge(labels, on="incident_id", how="inner", validate="one_to_one")
    frame["case"] = frame["case"].fillna(frame["pair_id"]).astype(str)
    frame["y"] = frame.pop("label").astype(int)
    frame["flag"] = frame["score"] >= flag_threshold
    frame["_k"] = time_order(frame)
    frame = frame.sort_values(["case", "_k"], kind="stable").drop(columns=["_k", "pair_id"])
    columns = ["incident_id", "case", "y", "score", "flag", "keyword", "recorded", "reported_at"]
    return frame[columns].reset_index(drop=True)


def cases_of(incidents: pd.DataFrame) -> pd.DataFrame:
    """Per case (index): stalking if any incident is, highest score, flagged, keyword hit or
    recorded as stalking if any incident is, and how many labelled incidents it has."""
    return incidents.groupby("case", sort=True).agg(
        y=("y", "max"),
        score=("score", "max"),
        flag=("flag", "max"),
        keyword=("keyword", "max"),
        recorded=("recorded", "max"),
        incidents=("y", "size"),
    )


def measure(
    incidents: pd.DataFrame, *, flag_threshold: float, review_threshold: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Figures at case and incident level, and the per-case table with lead times.

    Args:
        incidents: :func:`join_labels` output (``flag`` at ``flag_threshold``).
        flag_threshold: The model's flag.
        review_threshold: The bottom of the model's review band.

    Returns:
        The figures (one row per level, population and scorer) and the cases.
    """
    cases = cases_of(incidents).join(lead_time(incidents))
    rows = []
    for level, units in (("case", cases), ("incident", incidents)):
        for population in POPULATIONS:
            part = units[~units["recorded"]] if population != "all" else units
            for scorer in SCORERS:
                figures = _figures(part, scorer, flag_threshold, review_threshold)
                rows.append({"level": level, "population": population, "scorer": scorer} | figures)
    return pd.DataFrame(rows), cases


def _figures(
    units: pd.DataFrame, scorer: str, flag_threshold: float, review_threshold: float
) -> dict[str, Any]:
    y = units["y"].to_numpy().astype(bool)
    column = {"model": "score", "keywords": "keyword", "recorded category": "recorded"}[scorer]
    score = units[column].to_numpy(dtype=float)
    flagged = units["flag"].to_numpy() if scorer == "model" else score >= 0.5
    point = operating_point(y, flagged)
    hits, positives, n_flagged = (int(point[k]) for k in ("hits", "positives", "flagged"))
    out: dict[str, Any] = {"units": len(units), "stalking": positives, "flagged": n_flagged,
                           "hits": hits}  # fmt: skip
    out["recall"] = point["recall"]
    out["recall_low"], out["recall_high"] = wilson_interval(hits, positives)
    out["precision"] = point["precision"]
    out["precision_low"], out["precision_high"] = wilson_interval(hits, n_flagged)
    # A constant score (the recorded category where nothing is) ranks nothing: its average
    # precision would be the stalking share, so it is left out.
    ranks = 0 < positives < len(y) and np.ptp(score) > 0
    out["average_precision"] = float(average_precision_score(y, score)) if ranks else np.nan
    out["review"], out["review_stalking"] = np.nan, np.nan
    if scorer == "model":
        band = (score >= review_threshold) & ~flagged
        out["review"], out["review_stalking"] = int(band.sum()), int((band & y).sum())
    return out


def evaluate_export(
    chain: ScoringChain,
    incidents: pd.DataFrame,
    labels: pd.DataFrame,
    *,
    source: str = "the labels file",
) -> ExternalEvaluation:
    """Score validated incidents as ``stalkflag score`` does and measure them against labels.

    Args:
        chain: The fitted scoring chain.
        incidents: Validated incidents (an export's accepted rows).
        labels: :func:`check_labels` output.
        source: How to name the labels in messages.

    Raises:
        UnusableInputError: No label names an incident of the export.
    """
    ids = incidents["incident_id"].astype("string").str.strip()
    matched = labels["incident_id"].isin(set(ids))
    if not matched.any():
        raise UnusableInputError(
            f"none of the {len(labels):,} incident_ids in {source} is an accepted incident of "
            "the export; label the export's own incident_ids.",
            code="F025",
        )
    scored = score_incidents(chain, incidents, explain=False)
    notes = incidents["notes"].reset_index(drop=True)
    joined = join_labels(scored, notes, labels, flag_threshold=chain.flag_threshold)
    figures, cases = measure(
        joined, flag_threshold=chain.flag_threshold, review_threshold=chain.review_threshold
    )
    counts = {
        "labelled_incidents": len(joined),
        "labels_not_in_export": int((~matched).sum()),
        "unlabelled_incidents": int((~ids.isin(set(labels["incident_id"]))).sum()),
        "cases": len(cases),
        "cases_from": "linked pairs" if labels["case"].isna().all() else "labels",
        **_pair_counts(scored, joined),
        "long_note_share": chain.long_note_share(incidents),
    }
    return ExternalEvaluation(
        figures,
        lead_time_summary(cases),
        cases,
        joined,
        counts,
        {"flag": float(chain.flag_threshold), "review": float(chain.review_threshold)},
    )


def _pair_counts(scored: pd.DataFrame, joined: pd.DataFrame) -> dict[str, int]:
    """How linkage met the cases: ``linked_pairs``, the suspect -> victim pairs the labelled
    incidents fall in, and ``cases_in_one_pair``, the cases whose incidents are all one pair."""
    pair = scored.set_index(scored["incident_id"].astype(str))["pair_id"]
    pairs = pair.reindex(joined["incident_id"].astype(str)).to_numpy()
    per_case = pd.Series(pairs).groupby(joined["case"].to_numpy()).nunique()
    return {
        "linked_pairs": int(pd.Series(pairs).nunique()),
        "cases_in_one_pair": int((per_case == 1).sum()),
    }


def _plain(value: Any) -> Any:
    """``value`` with numpy scalars, timestamps and NaN made JSON-ready."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value
