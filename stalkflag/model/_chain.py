"""The scoring chain: what a score depends on, fitted together.

:class:`ScoringChain` is small by design. It holds the Splink linkage model (people are linked
before the pipeline runs; :mod:`._prepare`), the fitted scikit-learn estimators
(:class:`~stalkflag.model._estimators.FlagThresholds` around the pipeline of
:mod:`._estimators`), the "no evidence" reference values explanations occlude with
(:mod:`._explain`) and facts about the fit; saving and loading are :mod:`._persist`'s.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from stalkflag.linkage import CLUSTER_THRESHOLD
from stalkflag.model._config import DecisionConfig, ModelConfig
from stalkflag.model._estimators import FlagThresholds, fit_pipeline
from stalkflag.model._explain import contributions, reference_values
from stalkflag.model._explain import explain as explain_reasons
from stalkflag.model._prepare import Prepared
from stalkflag.text import BEHAVIOURS

__all__ = ["SCORE_COLUMNS", "ScoringChain"]

logger = logging.getLogger(__name__)

SCORE_COLUMNS = (
    "incident_id", "pair_id", "victim_person_id", "suspect_person_id", "reported_at",
    "recorded_category", "score", "decision", "flagged", "reasons", "evidence",
)  # fmt: skip
"""The columns :meth:`ScoringChain.score` returns."""


def _note_words(incidents: pd.DataFrame) -> np.ndarray:
    """Words per note (whitespace-separated)."""
    return incidents["notes"].fillna("").str.split().str.len().to_numpy()


@dataclass
class ScoringChain:
    """Everything needed to score an export.

    Attributes:
        config: The model settings it was fitted with.
        decision: How the thresholds were chosen.
        linkage_model: The Splink model (JSON-ready).
        linkage_threshold: The match probability at which two mentions are one person.
        behaviours: The behaviour catalogue ids it was fitted with.
        model: The fitted estimators: :class:`FlagThresholds` around the pipeline (model input
            -> calibrated probability), or ``None`` before fitting.
        reference: Per-feature values that stand for "no evidence" when explaining a score.
        info: Facts about the fit (rows, the longest training notes, ...).
    """

    config: ModelConfig
    decision: DecisionConfig
    linkage_model: dict[str, Any]
    linkage_threshold: float = CLUSTER_THRESHOLD
    behaviours: tuple[str, ...] = BEHAVIOURS
    model: FlagThresholds | None = None
    reference: dict[str, float] | None = None
    info: dict[str, Any] | None = None

    # -- fitting ---------------------------------------------------------------------------

    def fit(
        self, prepared: Prepared, y: np.ndarray, train: np.ndarray, valid: np.ndarray
    ) -> ScoringChain:
        """Fit on the ``train`` rows, calibrate and place the thresholds on the ``valid`` rows
        (boolean masks; the two must hold different victims, see
        :func:`~stalkflag.model.split_groups`). ``y`` is the label to fit (clean or noisy, per
        ``config.labels``), one per incident."""
        X = prepared.model_input()
        self.model = fit_pipeline(self.config, self.decision, X, y, train, valid)
        self.reference = reference_values(self.pipeline[:-1].transform(X[train]))
        self.info = {
            "train_rows": int(np.sum(train)),
            "valid_rows": int(np.sum(valid)),
            "note_words_p99": float(np.percentile(_note_words(prepared.incidents[train]), 99)),
            "thresholds_placed_on": self.model.placed_on_,
        }
        return self

    # -- the fitted parts ------------------------------------------------------------------

    @property
    def pipeline(self) -> Pipeline:
        """The fitted pipeline: model input -> calibrated probability."""
        if self.model is None:
            raise RuntimeError("the chain is not fitted")
        return self.model.estimator

    @property
    def feature_names(self) -> tuple[str, ...]:
        """The classifier's inputs, in order."""
        return tuple(self.pipeline[:-1].get_feature_names_out())

    @property
    def flag_threshold(self) -> float:
        """Scores at or above it are flagged (``inf`` before fitting)."""
        return math.inf if self.model is None else float(self.model.flag_threshold_)

    @property
    def review_threshold(self) -> float:
        """Scores at or above it, and below the flag, go to review."""
        return math.inf if self.model is None else float(self.model.review_threshold_)

    # -- scoring ---------------------------------------------------------------------------

    def features(self, prepared: Prepared) -> pd.DataFrame:
        """The classifier's inputs for prepared incidents."""
        return self.pipeline[:-1].transform(prepared.model_input())

    def predict_proba(self, features: pd.DataFrame) -> np.ndarray:
        """Calibrated probability that each incident belongs to a stalking course of conduct,
        from the classifier's inputs (:meth:`features`)."""
        return self.pipeline[-1].predict_proba(features)[:, 1]

    def decide(self, scores: np.ndarray) -> np.ndarray:
        """``flag``, ``review`` or ``clear`` for each score."""
        if self.model is None:
            raise RuntimeError("the chain is not fitted")
        return self.model.decide(scores)

    def long_note_share(self, incidents: pd.DataFrame) -> float | None:
        """Share of notes longer than 99% of the training notes. Notes padded with incidental
        detail score low (see the model card's known limits), so a high share warns that recall
        will be lower than measured."""
        limit = (self.info or {}).get("note_words_p99")
        if limit is None or not len(incidents):
            return None
        return float((_note_words(incidents) > limit).mean())

    def score(
        self,
        prepared: Prepared,
        *,
        explain: bool = True,
        top: int = 4,
        rows: np.ndarray | None = None,
    ) -> pd.DataFrame:
        """Score prepared incidents: one row each (:data:`SCORE_COLUMNS`), with the decision
        and, for flagged and review rows, the reasons.

        ``flagged`` is true for incidents that score as stalking but were recorded as something
        else (the ones stalkflag exists to find); incidents already recorded as stalking keep
        their score and decision but are not flagged.

        ``rows`` (positions) scores and explains only those incidents, in that order, each
        read with all the incidents given (its pair's history): each row is what scoring all
        of them gives it. The API scores a new incident so, with its stored history.
        """
        X = self.features(prepared)
        chosen = np.arange(len(X)) if rows is None else np.asarray(rows, dtype=np.int64)
        scores = self.predict_proba(X if rows is None else X.iloc[chosen])
        decision = self.decide(scores)
        incidents, links = prepared.incidents, prepared.links
        recorded = incidents["recorded_category"].astype(object).to_numpy()[chosen]
        out = pd.DataFrame(
            {
                "incident_id": incidents["incident_id"].to_numpy()[chosen],
                "pair_id": links["pair_id"].to_numpy()[chosen],
                "victim_person_id": links["victim_person_id"].to_numpy()[chosen],
                "suspect_person_id": links["suspect_person_id"].to_numpy()[chosen],
                "reported_at": incidents["reported_at"].to_numpy()[chosen],
                "recorded_category": recorded,
                "score": scores.round(4),
                "decision": decision,
                "flagged": (decision == "flag") & (recorded != "stalking"),
                "reasons": "",
                "evidence": "",
            }
        )
        if explain:
            shown = np.flatnonzero(decision != "clear")
            if len(shown):
                contrib = self.contributions(X, chosen[shown])
                reasons, evidence = explain_reasons(prepared, X, contrib, chosen[shown], top=top)
                out.loc[shown, "reasons"] = reasons
                out.loc[shown, "evidence"] = evidence
        return out

    @staticmethod
    def score_columns_empty() -> pd.DataFrame:
        """The output of :meth:`score` with no rows."""
        return pd.DataFrame(columns=list(SCORE_COLUMNS))

    def contributions(self, features: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
        """How much each group of evidence moves the score, for some rows (see
        :func:`stalkflag.model._explain.contributions`)."""
        assert self.reference is not None
        return contributions(self.predict_proba, features, rows, self.reference)

    # -- saving ----------------------------------------------------------------------------

    def save(self, folder: Path) -> Path:
        """Write the chain into ``folder`` (see :mod:`stalkflag.model._persist`)."""
        from stalkflag.model._persist import save_chain

        return save_chain(self, Path(folder))

    @classmethod
    def load(cls, folder: Path) -> ScoringChain:
        """Read a saved chain, refusing files that are not one or hold unexpected types."""
        from stalkflag.model._persist import load_chain_folder

        return load_chain_folder(Path(folder))
