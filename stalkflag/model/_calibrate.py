"""Re-placing a registered model's thresholds on a force's own decided cases (``stalkflag
calibrate``): the loop from auditors' decisions back to the model.

Auditors decide flagged and review-band patterns (one suspect -> victim pair each):
``confirmed``, ``not_stalking`` or ``needs_info``. The review service exports the first two as
a labels file, one row per incident of each decided pattern::

    incident_id,label,pair_id,force,decision,decided_at

(label 1 for ``confirmed``, 0 for ``not_stalking``; ``decision`` and ``decided_at`` are not
read). :func:`calibrate` scores the export exactly as ``stalkflag score`` does
(:func:`~stalkflag.model._score.score_incidents`), gives each decided pair the highest score of
its incidents (as :func:`~stalkflag.batch.pattern_table` scores a pattern), and places the
flag and the review band on those pairs with :meth:`FlagThresholds.place
<stalkflag.model._estimators.FlagThresholds.place>`, the very rule training uses on validation
pairs. The fitted estimators are not touched: the new model is the same chain with new
thresholds, registered as a new version (see :func:`calibrate` on aliases).

What the decided pairs can and cannot say: auditors see the patterns the old thresholds put
in front of them, so every decided pair scores at or above the old review threshold. The flag
can move anywhere within that range (precision above a score is measured on every decided
pair above it, which is every pair above it but those left as ``needs_info``). Recall among
decided stalking pairs overstates recall (stalking among cleared patterns is never seen), so
the review band is placed at ``review_recall`` of the decided stalking pairs but never rises
above the old review threshold: otherwise each round of calibration would narrow the band by
the stalking it had just stopped showing. It moves down only when decisions reach below it
(auditors deciding a sample of cleared patterns, for instance).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from stalkflag.errors import ConfigError, UnusableInputError
from stalkflag.model._chain import ScoringChain
from stalkflag.model._config import DecisionConfig
from stalkflag.model._estimators import FlagThresholds, threshold_at_recall
from stalkflag.model._evaluate import operating_point, wilson_interval
from stalkflag.model._external import check_labels, read_labels
from stalkflag.model._score import score_incidents

__all__ = [
    "DECISION_COLUMNS",
    "MIN_PAIRS",
    "MIN_STALKING_PAIRS",
    "Calibration",
    "calibrate",
    "decided_pairs",
    "place_on_decisions",
    "read_decisions",
]

logger = logging.getLogger(__name__)

DECISION_COLUMNS = ("incident_id", "label", "pair_id")
"""Columns a labels file needs for calibration (``force`` too when a force is named)."""

MIN_PAIRS = 30
"""Decided pairs (not recorded as stalking) below which calibration refuses to place a flag."""

MIN_STALKING_PAIRS = 10
"""Confirmed stalking pairs below which calibration refuses to place a flag."""


@dataclass
class Calibration:
    """Thresholds re-placed on decided pairs.

    Attributes:
        chain: The same fitted chain with the new flag and review thresholds.
        figures: What they were placed on and what they give there: counts (decided pairs and
            incidents, confirmed, left out), the force, old and new thresholds, and precision and
            recall at the old and the new flag on the decided pairs with 95% Wilson intervals.
            Aggregates only; logged to MLflow as they are.
        pairs: One row per decided pair used (index ``pair_id``): ``y`` (1 = confirmed),
            ``score`` (its highest incident score), ``incidents``.
        source: The registered version it came from (``name``, ``version``, ``run_id``,
            ``uri``), when it came from the registry.
        logged: Where the new version went (:func:`calibrate`), else ``None``.
    """

    chain: ScoringChain
    figures: dict[str, Any]
    pairs: pd.DataFrame
    source: dict[str, Any] | None = None
    logged: dict[str, Any] | None = None


def read_decisions(
    labels: str | Path | pd.DataFrame, *, force: str | None = None, source: str | None = None
) -> pd.DataFrame:
    """Read and check a labels file of auditors' decisions.

    Args:
        labels: A CSV or Parquet file, or a frame, with at least ``incident_id``, ``label``
            (0 or 1) and ``pair_id``, and ``force`` when ``force`` is given; other columns are
            ignored.
        force: Keep only this force's decisions (the ``force`` column, compared as given,
            spaces around it ignored).
        source: How to name the labels in messages (default: the file).

    Returns:
        ``incident_id``, ``label`` (0/1), ``pair_id`` (the pattern decided) and ``force``.

    Raises:
        UnusableInputError: The file is missing or unreadable (``F020``), lacks columns
            (``F030``), has a row with no ``pair_id`` (``F031``), labels not 0/1 or twice
            (``F022``, ``F023``), or no decided case of ``force`` (``F032``).
    """
    if isinstance(labels, pd.DataFrame):
        frame, source = labels, source or "the labels"
    else:
        frame, source = read_labels(Path(labels)), source or f"labels file {labels}"
    needed = [*DECISION_COLUMNS, *(["force"] if force is not None else [])]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise UnusableInputError(
            f"{source} lacks column(s) {', '.join(missing)}: calibration reads "
            f"{', '.join(needed)} (a review service export has incident_id, label, pair_id, "
            "force, decision, decided_at).",
            code="F030",
        )
    pair = frame["pair_id"].astype("string").str.strip()
    if (pair.isna() | pair.eq("")).any():
        raise UnusableInputError(
            f"{int((pair.isna() | pair.eq('')).sum()):,} rows of {source} have no pair_id; "
            "every decided incident needs the pattern it was decided with.",
            code="F031",
        )
    checked = check_labels(frame, cases="pair_id", source=source)
    out = checked.rename(columns={"case": "pair_id"})
    if "force" in frame.columns:
        out["force"] = frame["force"].astype("string").str.strip().fillna("").to_numpy()
    else:
        out["force"] = ""
    if force is None:
        return out
    mine = out["force"].eq(force.strip())
    if not mine.any():
        others = out["force"].replace("", pd.NA).dropna().nunique()
        raise UnusableInputError(
            f"{source} has no decided case of force {force.strip()!r} (its {len(out):,} rows "
            f"are decisions of {others:,} other force(s)); name a force of its force column, "
            "or leave --force out to use every decision.",
            code="F032",
        )
    return out[mine].reset_index(drop=True)


def decided_pairs(
    scored: pd.DataFrame, decisions: pd.DataFrame, *, not_recorded_only: bool = True
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The decided pairs with their scores, as the thresholds are placed on them.

    A pair is the ``pair_id`` it was decided under; it is stalking when its decision was
    ``confirmed`` (any incident labelled 1), and its score is the highest score of its
    incidents in ``scored``. Pairs any of whose incidents was recorded as stalking are left out
    when ``not_recorded_only`` (as training leaves them out: the model's thresholds are for
    stalking recorded as something else).

    Args:
        scored: :meth:`ScoringChain.score` output for the export (``incident_id``,
            ``pair_id``, ``recorded_category``, ``score``).
        decisions: :func:`read_decisions` output.
        not_recorded_only: Leave out pairs recorded as stalking.

    Returns:
        The pairs (index ``pair_id``: ``y``, ``score``, ``recorded``, ``incidents``) and counts:
        ``decided_incidents`` (matched to the export), ``labels_not_in_export``,
        ``incidents_relinked`` (whose pair in this scoring differs from the decided one) and
        ``pairs_recorded_left_out``.

    Raises:
        UnusableInputError: No decided incident is an accepted incident of the export
            (``F033``).
    """
    frame = pd.DataFrame(
        {
            "incident_id": scored["incident_id"].astype("string").to_numpy(),
            "scored_pair": scored["pair_id"].astype("string").to_numpy(),
            "score": scored["score"].to_numpy(dtype=float),
            "recorded": scored["recorded_category"].eq("stalking").to_numpy(),
        }
    )
    joined = decisions.merge(frame, on="incident_id", how="inner", validate="one_to_one")
    if not len(joined):
        raise UnusableInputError(
            f"none of the {len(decisions):,} decided incidents is an accepted incident of the "
            "export; calibrate on the export the decisions were made on.",
            code="F033",
        )
    pairs = joined.groupby("pair_id", sort=True).agg(
        y=("label", "max"),
        score=("score", "max"),
        recorded=("recorded", "max"),
        incidents=("label", "size"),
    )
    counts = {
        "decided_incidents": len(joined),
        "labels_not_in_export": len(decisions) - len(joined),
        "incidents_relinked": int((joined["scored_pair"] != joined["pair_id"]).sum()),
        "pairs_recorded_left_out": int(pairs["recorded"].sum()) if not_recorded_only else 0,
    }
    if not_recorded_only:
        pairs = pairs[~pairs["recorded"].astype(bool)]
    return pairs, counts


def _at(y: np.ndarray, scores: np.ndarray, threshold: float, prefix: str) -> dict[str, float]:
    """Precision and recall at a threshold over the decided pairs, with 95% intervals."""
    point = operating_point(y, scores >= threshold)
    hits, flagged, positives = (int(point[k]) for k in ("hits", "flagged", "positives"))
    out = {f"{prefix}flagged_pairs": flagged, f"{prefix}precision_at_flag": point["precision"]}
    out[f"{prefix}precision_at_flag_low"], out[f"{prefix}precision_at_flag_high"] = wilson_interval(
        hits, flagged
    )
    out[f"{prefix}recall_at_flag"] = point["recall"]
    out[f"{prefix}recall_at_flag_low"], out[f"{prefix}recall_at_flag_high"] = wilson_interval(
        hits, positives
    )
    return out


def _decision(
    own: DecisionConfig,
    target_precision: float | None,
    precision_z: float | None,
    review_recall: float | None,
) -> DecisionConfig:
    """The chain's decision settings with the ones given instead, checked."""
    given = {"target_precision": target_precision, "precision_z": precision_z,
             "review_recall": review_recall}  # fmt: skip
    try:
        return DecisionConfig.model_validate(
            own.model_dump() | {k: v for k, v in given.items() if v is not None}
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid calibration setting: {problems}", code="C072") from None


def place_on_decisions(
    chain: ScoringChain,
    scored: pd.DataFrame,
    decisions: pd.DataFrame,
    *,
    force: str | None = None,
    target_precision: float | None = None,
    precision_z: float | None = None,
    review_recall: float | None = None,
    min_pairs: int = MIN_PAIRS,
    min_stalking: int = MIN_STALKING_PAIRS,
) -> Calibration:
    """Place a chain's flag and review band on decided pairs (no MLflow; :func:`calibrate`
    registers the result).

    Args:
        chain: The fitted chain that scored the export.
        scored: Its scores of the export (:func:`~stalkflag.model._score.score_incidents`).
        decisions: :func:`read_decisions` output (already one force's, if one is named).
        force: The force the decisions are from, for the figures (``None``: every force).
        target_precision: Precision the flag must reach (default: the chain's own).
        precision_z: Standard errors below the observed precision (default: the chain's own).
        review_recall: Recall of decided stalking pairs the review band keeps (default: the
            chain's own).
        min_pairs: Fewest decided pairs to place thresholds on.
        min_stalking: Fewest confirmed stalking pairs among them.

    Raises:
        ConfigError: A setting out of range (``C072``).
        UnusableInputError: Too few decided pairs or confirmed ones (``F034``, saying how many
            there are), or no flag reaches the target precision on them (``F035``).
    """
    old = chain.model
    if old is None:
        raise RuntimeError("the chain is not fitted")
    if min_pairs < 1 or min_stalking < 1:
        raise ConfigError("min_pairs and min_stalking must be at least 1.", code="C072")
    pairs, counts = decided_pairs(scored, decisions, not_recorded_only=old.not_recorded_only)
    y, s = pairs["y"].to_numpy().astype(int), pairs["score"].to_numpy(dtype=float)
    who = f"force {force!r}" if force is not None else "all forces"
    _check_enough(y, counts, who, min_pairs, min_stalking)
    decision = _decision(chain.decision, target_precision, precision_z, review_recall)
    placed = FlagThresholds(
        old.estimator,
        target_precision=decision.target_precision,
        precision_z=decision.precision_z,
        review_recall=decision.review_recall,
        not_recorded_only=old.not_recorded_only,
    ).place(y, s, review_at_most=chain.review_threshold)
    if not np.isfinite(placed.flag_threshold_):
        raise UnusableInputError(
            f"on {len(pairs):,} decided pairs of {who} ({int(y.sum()):,} confirmed) no score "
            f"reaches precision {decision.target_precision:.2f}"
            + (f" less {decision.precision_z:g} standard error(s)" if decision.precision_z else "")
            + "; decide more cases, or lower --target-precision or --precision-z.",
            code="F035",
        )
    figures: dict[str, Any] = {
        "force": force if force is not None else "all",
        "decided_pairs": len(pairs),
        "decided_stalking_pairs": int(y.sum()),
        **counts,
        **decision.model_dump(),
        **_thresholds(chain, placed, y, s),
    }
    info = dict(chain.info or {})
    info["thresholds_placed_on"] = placed.placed_on_ | {
        "decided_by": "auditors",
        "force": figures["force"],
    }
    new = dataclasses.replace(chain, decision=decision, model=placed, info=info)
    return Calibration(new, figures, pairs[["y", "score", "incidents"]])


def _check_enough(
    y: np.ndarray, counts: dict[str, int], who: str, min_pairs: int, min_stalking: int
) -> None:
    """Refuse to place thresholds on too few decided pairs, or too few confirmed ones."""
    if len(y) >= min_pairs and y.sum() >= min_stalking:
        return
    left_out = counts["pairs_recorded_left_out"]
    raise UnusableInputError(
        f"too few decided cases to place thresholds on for {who}: {len(y):,} decided pairs, "
        f"{int(y.sum()):,} confirmed stalking"
        + (f" ({left_out:,} more were recorded as stalking and do not count)" if left_out else "")
        + f"; calibration needs at least {min_pairs:,} pairs and {min_stalking:,} confirmed.",
        code="F034",
    )


def _thresholds(
    chain: ScoringChain, placed: FlagThresholds, y: np.ndarray, s: np.ndarray
) -> dict[str, float]:
    """Old and new thresholds, and what each flag gives on the decided pairs."""
    flag, review = float(placed.flag_threshold_), float(placed.review_threshold_)
    return {
        "old_flag_threshold": chain.flag_threshold,
        "old_review_threshold": chain.review_threshold,
        "flag_threshold": flag,
        "review_threshold": review,
        # where the review band would sit on the decided pairs alone (not used above the old)
        "review_threshold_at_recall": min(flag, threshold_at_recall(y, s, placed.review_recall)),
        **_at(y, s, chain.flag_threshold, "old_"),
        **_at(y, s, flag, ""),
        "review_pairs": int(((s >= review) & (s < flag)).sum()),
        "lowest_decided_score": float(s.min()),
    }


def decisions_digest(decisions: pd.DataFrame) -> str:
    """A SHA-256 of the decisions used (incident, label, pair; sorted), to tell two
    calibrations' labels apart without logging them."""
    rows = decisions[["incident_id", "label", "pair_id"]].astype(str).sort_values("incident_id")
    text = "\n".join(",".join(r) for r in rows.itertuples(index=False))
    return hashlib.sha256(text.encode()).hexdigest()


def calibrate(
    model: str,
    incidents: pd.DataFrame,
    labels: str | Path | pd.DataFrame,
    *,
    force: str | None = None,
    target_precision: float | None = None,
    precision_z: float | None = None,
    review_recall: float | None = None,
    min_pairs: int = MIN_PAIRS,
    min_stalking: int = MIN_STALKING_PAIRS,
    alias: str | None = None,
    tracking_uri: str | None = None,
) -> Calibration:
    """Re-place a registered model's flag and review band on a force's decided cases and
    register the result as a new version.

    The export is scored exactly as ``stalkflag score`` scores it; each decided pair takes its
    highest incident score; the flag goes to the lowest score whose precision on those pairs
    (less ``precision_z`` standard errors) reaches ``target_precision``, and the review band
    down to the score that keeps ``review_recall`` of the confirmed pairs, but no higher than
    the old review threshold (see the module's note: decided pairs cannot show the stalking
    below the old band) (:meth:`FlagThresholds.place
    <stalkflag.model._estimators.FlagThresholds.place>`, the rule training uses). The new version holds the same fitted estimators and linkage model; its
    run logs what the thresholds were placed on (counts, force, old and new thresholds,
    precision and recall at the new flag with 95% intervals) and is tagged with the source
    version. The source version is never changed.

    **Aliases.** The new version takes no alias unless ``alias`` names one: ``champion`` is
    what every ``stalkflag score`` loads by default, and thresholds placed on one force's
    decisions fit that force (its prevalence, its recording and writing), not every force;
    and the figures it was placed on are in-sample. A person moves ``champion`` (or a force's
    own alias, e.g. ``force-wyp``) after reading them; until then the version is scored by
    number, ``--model models:/stalkflag/<version>``.

    Args:
        model: A registered model: ``models:/NAME/VERSION`` or ``models:/NAME@ALIAS`` (the
            version behind the alias now is used and recorded).
        incidents: The export's validated incidents (an export's accepted rows), as decided on.
        labels: The decisions (see :func:`read_decisions`).
        force: Use only this force's decisions (the labels' ``force`` column).
        target_precision: Precision at the flag (default: the model's own, 0.80 as trained).
        precision_z: Standard errors below the observed precision (default: the model's own).
        review_recall: Recall of confirmed pairs the review band keeps (default: the model's).
        min_pairs: Fewest decided pairs (not recorded as stalking) to place thresholds on.
        min_stalking: Fewest confirmed stalking pairs among them.
        alias: Set this alias on the new version (none by default; see above).
        tracking_uri: The MLflow store (default: ``MLFLOW_TRACKING_URI``, else the project's).

    Returns:
        The :class:`Calibration`, with ``logged``: ``run_id``, ``model_uri``, ``version``,
        ``alias`` and ``tracking_uri``.

    Raises:
        ConfigError: ``model`` is not a registered model URI (``C070``) or is not in the store
            (``C071``); a setting is out of range (``C072``).
        UnusableInputError: Unusable decisions (see :func:`read_decisions`), none in the export
            (``F033``), too few (``F034``), or no flag reaching the target (``F035``).
    """
    from stalkflag.model._registry import log_calibration, registered_version
    from stalkflag.model._score import load_chain

    source = registered_version(model, tracking_uri)
    decisions = read_decisions(labels, force=force)
    chain = load_chain(source["uri"], tracking_uri=tracking_uri)
    scored = score_incidents(chain, incidents, explain=False)
    result = place_on_decisions(
        chain,
        scored,
        decisions,
        force=force,
        target_precision=target_precision,
        precision_z=precision_z,
        review_recall=review_recall,
        min_pairs=min_pairs,
        min_stalking=min_stalking,
    )
    result.source = source
    result.figures["min_pairs"], result.figures["min_stalking"] = min_pairs, min_stalking
    result.logged = log_calibration(
        result,
        digest=decisions_digest(decisions),
        n_incidents=len(incidents),
        alias=alias,
        tracking_uri=tracking_uri,
    )
    logger.info(
        "registered %s: flag %.3f -> %.3f, review %.3f -> %.3f on %d decided pairs",
        result.logged["model_uri"],
        result.figures["old_flag_threshold"],
        result.figures["flag_threshold"],
        result.figures["old_review_threshold"],
        result.figures["review_threshold"],
        result.figures["decided_pairs"],
    )
    return result
