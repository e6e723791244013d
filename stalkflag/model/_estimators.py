"""The learned steps, as scikit-learn estimators composed in one :class:`~sklearn.pipeline.Pipeline`.

The pipeline's input is :meth:`Prepared.model_input <stalkflag.model._prepare.Prepared.model_input>`,
one row per incident::

    NoteTextScores        a per-note text model's probability, cross-fitted when fitted (as
                          TargetEncoder cross-fits), appended as a column
    PairHistoryFeatures   each incident in the context of its suspect -> victim pair so far
                          (stateless; get_feature_names_out), the text gate applied
    classifier            boosted trees (or a linear model), calibrated on held-out pairs

and :class:`FlagThresholds` wraps the fitted pipeline the way
:class:`~sklearn.model_selection.FixedThresholdClassifier` wraps a classifier: it places the flag
and review thresholds on held-out data and turns scores into decisions.
:func:`fit_pipeline` fits them in that order from a :class:`~stalkflag.model.ModelConfig`.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils.validation import check_is_fitted

from stalkflag.errors import ConfigError
from stalkflag.features import pattern_features
from stalkflag.model._config import DecisionConfig, ModelConfig
from stalkflag.model._evaluate import pairs_of, wilson_lower_bound
from stalkflag.model._prepare import (
    BEHAVIOUR_PREFIX,
    INCIDENT_COLUMNS,
    LINK_COLUMNS,
    NOTE_TEXT,
    time_order,
)
from stalkflag.schema import CATEGORIES
from stalkflag.text import ACTS, BEHAVIOURS
from stalkflag.text._sentences import SENTENCE_END

__all__ = [
    "NOTE_SCORE",
    "FlagThresholds",
    "NoteTextScores",
    "PairHistoryFeatures",
    "SentencePooledTfidf",
    "fit_pipeline",
    "make_classifier",
    "make_model_pipeline",
    "threshold_at_precision",
    "threshold_at_recall",
]

logger = logging.getLogger(__name__)

NOTE_SCORE = "note_text_score"
"""The column :class:`NoteTextScores` appends: the text model's probability for the note."""

CHUNK = 20_000
"""Notes the text model reads at a time when scoring."""

MONOTONE_FEATURES = frozenset(f"n_{b}" for b in ACTS) | {
    "distinct_behaviours",
    "online_and_offline",
    "log_times_acts_so_far",
    "acts_after_told_to_stop",
    # Repeated (FOUR), and escalation is a risk factor: one more incident, or a gap shorter
    # than the pair's mean gap, never lowers the score with everything else the same. (Not the
    # rate per 30 days: a single incident's is 30, the highest there is.)
    "incidents_so_far",
    "escalation",
}
"""Features the boosted classifier may only rise with (``monotonic_behaviours``)."""


# -- the text model ------------------------------------------------------------------------


def _hashing(ngrams: int = 2) -> HashingVectorizer:
    """Hashed word n-grams (1 to ``ngrams`` words): no vocabulary is stored, so no word of the
    training notes (a name the masking missed, say) can be read back out of the model."""
    return HashingVectorizer(
        ngram_range=(1, ngrams), n_features=2**18, alternate_sign=False, norm=None
    )


def _sentences(notes) -> tuple[list[str], np.ndarray]:
    """The sentences of some notes (split after ``.``, ``!`` or ``?``) and each one's note."""
    sentences: list[str] = []
    owner: list[int] = []
    for i, note in enumerate(notes):
        parts = [part for part in SENTENCE_END.split(str(note)) if part.strip()] or [""]
        sentences += parts
        owner += [i] * len(parts)
    return sentences, np.asarray(owner, dtype=np.int64)


class SentencePooledTfidf(TransformerMixin, BaseEstimator):
    """A note as the pooled TF-IDF vectors of its sentences.

    Each sentence becomes hashed word n-grams, weighted by sublinear TF-IDF (document frequency
    counted over sentences) and l2-normalised; the note is the sum of its sentence vectors
    divided by ``n_sentences ** power``. With ``power=0.5`` a sentence that carries no
    evidence costs the others a factor ``sqrt(k / (k + 1))``, whatever its length, where one
    TF-IDF vector for the whole note reads a note padded with incidental detail as weaker
    evidence the longer it gets (decision 0007).

    With ``familiarity`` f > 0, each sentence vector is first multiplied by ``share ** f``,
    where ``share`` is the fraction of the sentence's distinct hashed n-grams seen in the
    training sentences: a sentence of familiar words in unfamiliar combinations moves the
    note less.

    Args:
        power: 0 sums the sentences, 1 averages them.
        ngrams: Word n-grams read, 1 to this many.
        familiarity: The power of the seen-n-gram share (0: off).
    """

    def __init__(self, power: float = 0.5, ngrams: int = 2, familiarity: float = 0.0):
        self.power = power
        self.ngrams = ngrams
        self.familiarity = familiarity

    def fit(self, X, y=None):
        sentences, _ = _sentences(X)
        counts = _hashing(self.ngrams).transform(sentences)
        self.tfidf_ = TfidfTransformer(sublinear_tf=True).fit(counts)
        self.seen_ = np.asarray((counts > 0).sum(axis=0)).ravel() > 0
        return self

    def _seen(self, sentences: list[str]) -> tuple[np.ndarray, np.ndarray, sp.csr_matrix]:
        """Per sentence: distinct hashed n-grams, how many of them training saw, the counts."""
        counts = _hashing(self.ngrams).transform(sentences)
        present = (counts > 0).astype(np.float64)
        distinct = np.asarray(present.sum(axis=1)).ravel()
        return distinct, present @ self.seen_.astype(np.float64), counts

    def transform(self, X):
        sentences, owner = _sentences(X)
        distinct, seen, counts = self._seen(sentences)
        vectors = self.tfidf_.transform(counts)
        n_notes = len(X)
        weight = np.maximum(np.bincount(owner, minlength=n_notes), 1.0)[owner] ** -self.power
        if self.familiarity:
            share = np.divide(seen, distinct, out=np.ones_like(seen), where=distinct > 0)
            weight = weight * share**self.familiarity
        pool = sp.csr_matrix((weight, (owner, np.arange(len(owner)))), shape=(n_notes, len(owner)))
        return (pool @ vectors).tocsr()


class NoteTextScores(TransformerMixin, BaseEstimator):
    """Appends a per-note text model's probability (:data:`NOTE_SCORE`) to the model input.

    The text model is TF-IDF of hashed word n-grams of the masked note (:data:`NOTE_TEXT`),
    pooled over its sentences (``sentences``, :class:`SentencePooledTfidf`) or over the whole
    note (``note``), and logistic regression.

    Like :class:`~sklearn.preprocessing.TargetEncoder`, ``fit_transform`` is not
    ``fit().transform()``: it fits the model on every row (for later ``transform``) but returns
    each row's score from a model fitted without its group's rows (``cv`` folds of
    ``groups_column``, the linked victim), so the classifier downstream never learns from a
    text score that saw its own label.

    Args:
        C: The logistic regression's inverse regularisation strength.
        pooling: ``sentences`` or ``note``.
        ngrams: Word n-grams read, 1 to this many.
        familiarity: ``sentences`` pooling only: see :class:`SentencePooledTfidf`.
        cv: Folds for the cross-fitted scores.
        groups_column: The input column whose values are the folds' groups.
    """

    def __init__(
        self,
        C: float = 4.0,
        pooling: str = "sentences",
        ngrams: int = 2,
        familiarity: float = 1.0,
        cv: int = 5,
        groups_column: str = "victim_person_id",
    ):
        self.C = C
        self.pooling = pooling
        self.ngrams = ngrams
        self.familiarity = familiarity
        self.cv = cv
        self.groups_column = groups_column

    def _text_model(self) -> Pipeline:
        vectors = (
            [SentencePooledTfidf(power=0.5, ngrams=self.ngrams, familiarity=self.familiarity)]
            if self.pooling == "sentences"
            else [_hashing(self.ngrams), TfidfTransformer(sublinear_tf=True)]
        )
        return make_pipeline(*vectors, LogisticRegression(C=self.C, solver="liblinear"))

    @staticmethod
    def _texts(X: pd.DataFrame) -> np.ndarray:
        return X[NOTE_TEXT].fillna("").astype(str).to_numpy(dtype=object)

    def fit(self, X: pd.DataFrame, y):
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.model_ = self._text_model().fit(self._texts(X), np.asarray(y).astype(int))
        return self

    def fit_transform(self, X: pd.DataFrame, y=None, **fit_params):
        if y is None:
            raise ValueError("NoteTextScores needs labels to fit")
        y = np.asarray(y).astype(int)
        self.fit(X, y)
        texts = self._texts(X)
        groups = X[self.groups_column].to_numpy()
        folds = min(self.cv, len(np.unique(groups)))
        if folds < 2:
            raise ConfigError(
                "the text model's cross-fitted scores need at least two victims in training.",
                code="C046",
            )
        scores = np.zeros(len(texts))
        for fit_rows, held in GroupKFold(n_splits=folds).split(texts, y, groups):
            model = self._text_model().fit(texts[fit_rows], y[fit_rows])
            scores[held] = model.predict_proba(texts[held])[:, 1]
        return X.assign(**{NOTE_SCORE: scores})

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """``X`` with :data:`NOTE_SCORE`, read in chunks of :data:`CHUNK` notes (a note's score
        depends on no other note, so memory stays flat however long the export)."""
        check_is_fitted(self, "model_")
        texts = self._texts(X)
        scores = np.zeros(len(texts))
        for lo in range(0, len(texts), CHUNK):
            scores[lo : lo + CHUNK] = self.model_.predict_proba(texts[lo : lo + CHUNK])[:, 1]
        return X.assign(**{NOTE_SCORE: scores})

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "model_")
        return np.append(self.feature_names_in_, NOTE_SCORE).astype(object)


# -- the course of conduct -----------------------------------------------------------------


class PairHistoryFeatures(TransformerMixin, BaseEstimator):
    """Each incident in the context of its suspect -> victim pair so far
    (:func:`stalkflag.features.pattern_features`): the classifier's input.

    Stateless but for the names of what it makes: each incident reads only its pair's
    incidents up to itself, among the rows it is given, so scoring an export gives every
    incident the same features whichever other pairs come with it.

    Args:
        text_gate: ``behaviours``: the text score's features are zero for a pair whose notes
            show no act so far, so the wording of notes alone can never raise a score;
            ``none``: read everywhere.
        recorded_categories: Give the classifier the mix of categories the pair's incidents
            were recorded under so far. Off when the labels are made from those categories.
    """

    def __init__(self, text_gate: str = "behaviours", recorded_categories: bool = True):
        self.text_gate = text_gate
        self.recorded_categories = recorded_categories

    def _features(self, X: pd.DataFrame) -> pd.DataFrame:
        behaviours = pd.DataFrame(
            X[[BEHAVIOUR_PREFIX + b for b in BEHAVIOURS]].to_numpy(), columns=list(BEHAVIOURS)
        )
        scores = X[[NOTE_SCORE]].reset_index(drop=True) if NOTE_SCORE in X.columns else None
        F = pattern_features(
            X[list(INCIDENT_COLUMNS)].reset_index(drop=True),
            X[["incident_id", *LINK_COLUMNS]].reset_index(drop=True),
            behaviours,
            scores,
        )
        if scores is not None and self.text_gate == "behaviours":
            gate = (F["distinct_behaviours"].to_numpy() > 0).astype(float)
            for name in F.columns:
                if name.endswith(NOTE_SCORE):
                    F[name] = F[name].to_numpy() * gate
        if not self.recorded_categories:
            F = F.drop(columns=[f"share_recorded_{c}" for c in CATEGORIES])
        F.index = X.index
        return F

    def fit(self, X: pd.DataFrame, y=None):
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.feature_names_out_ = np.asarray(self._features(X.head(1)).columns, dtype=object)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "feature_names_out_")
        F = self._features(X)
        missing = [c for c in self.feature_names_out_ if c not in F.columns]
        if missing:
            raise ConfigError(
                f"this model was trained on {len(missing)} feature(s) this version of stalkflag "
                f"no longer computes ({', '.join(missing[:3])}); train a new model with "
                "stalkflag train.",
                code="C045",
            )
        return F[list(self.feature_names_out_)]

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_


# -- the decision --------------------------------------------------------------------------


class FlagThresholds(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """A fitted classifier with a flag threshold and a review band below it, placed on held-out
    data per suspect -> victim pair (as :class:`~sklearn.model_selection.FixedThresholdClassifier`
    wraps a classifier with one fixed threshold).

    The flag goes where the pairs' precision (each pair scored by its highest incident) reaches
    ``target_precision``, less ``precision_z`` standard errors (the Wilson lower bound): the
    most recall at that precision. The review band reaches down to the score that keeps
    ``review_recall`` of the stalking pairs.

    ``fit`` never refits ``estimator``: thresholds are placed on data the estimator did not
    learn from, so it must come fitted (it is checked).

    Args:
        estimator: A fitted classifier whose input is the model input table (``pair_id``,
            ``recorded_category``, ``reported_at`` and ``incident_id`` are read here too).
        target_precision: Precision at the flag.
        precision_z: Standard errors below the observed precision (0: as observed).
        review_recall: Recall the review band keeps.
        not_recorded_only: Place the thresholds on pairs not recorded as stalking (where
            stalkflag works); off when the labels are made from the recorded category (every
            such pair is 0 by construction).
    """

    def __init__(
        self,
        estimator,
        *,
        target_precision: float = 0.8,
        precision_z: float = 1.0,
        review_recall: float = 0.97,
        not_recorded_only: bool = True,
    ):
        self.estimator = estimator
        self.target_precision = target_precision
        self.precision_z = precision_z
        self.review_recall = review_recall
        self.not_recorded_only = not_recorded_only

    def fit(self, X: pd.DataFrame, y):
        check_is_fitted(self.estimator)
        y = np.asarray(y).astype(int)
        scores = self.estimator.predict_proba(X)[:, 1]
        recorded = X["recorded_category"].eq("stalking").to_numpy()
        table = pairs_of(X["pair_id"].to_numpy(), y, scores, recorded, time_order(X))
        if self.not_recorded_only:
            table = table[~table["recorded"].astype(bool)]
        return self.place(table["y"].to_numpy(), table["score"].to_numpy())

    def place(
        self, y: np.ndarray, scores: np.ndarray, *, review_at_most: float = math.inf
    ) -> FlagThresholds:
        """Place the flag and the review band on pairs given directly: one label and one score
        (the pair's highest incident score) per pair, already restricted to the pairs that
        count (:meth:`fit` builds them from incidents; ``stalkflag calibrate`` from auditors'
        decisions). ``estimator`` is not refitted; it must come fitted.

        ``review_at_most`` caps the review threshold: pairs that were only labelled because
        an earlier band showed them say nothing about stalking below that band, so recall among
        them overstates recall, and the band placed on them must not rise above it.
        """
        check_is_fitted(self.estimator)
        y, scores = np.asarray(y).astype(int), np.asarray(scores, dtype=float)
        self.classes_ = np.array([0, 1])
        self.placed_on_ = {"pairs": len(y), "stalking_pairs": int(y.sum())}
        self.flag_threshold_ = threshold_at_precision(
            y, scores, self.target_precision, z=self.precision_z
        )
        self.review_threshold_ = min(
            self.flag_threshold_, threshold_at_recall(y, scores, self.review_recall), review_at_most
        )
        if math.isinf(self.flag_threshold_):
            logger.warning(
                "no flag threshold: on %d pairs (%d stalking) no score reaches precision "
                "%.2f%s, so nothing will be flagged and scores from %.3f go to review. "
                "Place it on more labelled pairs, or lower decision.precision_z.",
                len(y),
                int(y.sum()),
                self.target_precision,
                f" less {self.precision_z:g} standard error(s)" if self.precision_z else "",
                self.review_threshold_,
            )
        return self

    def predict_proba(self, X) -> np.ndarray:
        return self.estimator.predict_proba(X)

    def predict(self, X) -> np.ndarray:
        """1 where the score reaches the flag threshold."""
        check_is_fitted(self, "flag_threshold_")
        return (self.predict_proba(X)[:, 1] >= self.flag_threshold_).astype(int)

    def decide(self, scores: np.ndarray) -> np.ndarray:
        """``flag``, ``review`` or ``clear`` for each score."""
        check_is_fitted(self, "flag_threshold_")
        return np.where(
            scores >= self.flag_threshold_,
            "flag",
            np.where(scores >= self.review_threshold_, "review", "clear"),
        )


def threshold_at_precision(
    y: np.ndarray,
    scores: np.ndarray,
    target: float,
    *,
    z: float = 0.0,
    weights: np.ndarray | None = None,
) -> float:
    """The lowest threshold whose precision reaches ``target`` (the most recall at that
    precision); ``inf`` when no threshold does.

    With ``z > 0`` the precision compared is the Wilson score interval's lower bound, ``z``
    standard errors below the observed share. Taking the lowest of many cut points whose
    observed precision reaches the target picks the luckiest, so on fresh data the point
    estimate (``z=0``) falls short of the target on average; the bound asks more of cut points
    that flag few pairs. ``weights`` (one per item; default 1) weigh the shares and the
    number of items the bound counts.
    """
    order = np.argsort(-scores, kind="stable")
    s, t = scores[order], y[order]
    if weights is None:
        flagged = np.arange(1, len(t) + 1)
        precision = np.cumsum(t) / flagged
    else:
        w = np.asarray(weights, dtype=float)[order]
        flagged = np.cumsum(w)
        precision = np.cumsum(w * t) / flagged
    if z > 0:
        precision = wilson_lower_bound(precision, flagged, z)
    last = np.r_[s[1:] != s[:-1], True]  # only cut between distinct scores
    # (a share exactly at the target counts, whatever the last bit of floating point says)
    ok = np.flatnonzero((precision >= target - 1e-12) & last)
    return float(s[ok[-1]]) if len(ok) else math.inf


def threshold_at_recall(y: np.ndarray, scores: np.ndarray, target: float) -> float:
    """The highest threshold whose recall reaches ``target``."""
    positives = np.sort(scores[np.asarray(y) == 1])[::-1]
    if not len(positives):
        return math.inf
    # The fewest positives whose share reaches the target, compared as the recall itself is
    # (``ceil(target * n)`` overshoots when the product rounds up, e.g. 0.07 * 100).
    reached = np.flatnonzero(np.arange(1, len(positives) + 1) / len(positives) >= target)
    k = int(reached[0]) if len(reached) else len(positives) - 1
    return float(positives[k])


# -- fitting -------------------------------------------------------------------------------


def make_classifier(config: ModelConfig):
    """The classifier the config names: boosted trees (monotone in :data:`MONOTONE_FEATURES`
    with ``monotonic_behaviours``) or a linear model on arcsinh-scaled features."""
    if config.classifier == "boosted":
        monotonic = (
            {name: 1 for name in sorted(MONOTONE_FEATURES)} if config.monotonic_behaviours else None
        )
        return HistGradientBoostingClassifier(
            learning_rate=config.learning_rate,
            max_iter=config.max_iter,
            l2_regularization=1.0,
            early_stopping=True,
            n_iter_no_change=20,
            monotonic_cst=monotonic,
            random_state=0,
        )
    return make_pipeline(
        FunctionTransformer(np.arcsinh),
        StandardScaler(),
        LogisticRegression(C=config.C, max_iter=5000),
    )


def make_model_pipeline(config: ModelConfig) -> Pipeline:
    """The unfitted pipeline the config describes (model input -> probability)."""
    steps: list[tuple[str, object]] = []
    if config.text_model != "none":
        steps.append(
            (
                "notes",
                NoteTextScores(
                    C=config.text_C,
                    pooling="sentences" if config.text_model == "sentences_lr" else "note",
                    ngrams=config.text_ngrams,
                    familiarity=config.text_familiarity,
                ),
            )
        )
    steps.append(
        (
            "pairs",
            PairHistoryFeatures(
                text_gate=config.text_gate, recorded_categories=config.labels == "clean"
            ),
        )
    )
    steps.append(("classifier", make_classifier(config)))
    return Pipeline(steps)


def fit_pipeline(
    config: ModelConfig,
    decision: DecisionConfig,
    X: pd.DataFrame,
    y: np.ndarray,
    train: np.ndarray,
    valid: np.ndarray,
) -> FlagThresholds:
    """Fit the pipeline on the ``train`` rows; calibrate its classifier and place the thresholds
    on the ``valid`` rows (disjoint victims).

    Args:
        X: The model input (:meth:`Prepared.model_input`).
        y: One label per row (clean or noisy, per ``config.labels``).
        train: Boolean mask of training rows.
        valid: Boolean mask of validation rows.
    """
    y = np.asarray(y).astype(int)
    pipeline = make_model_pipeline(config)
    pipeline.fit(X[train], y[train])
    features = pipeline[:-1].transform(X[valid])
    calibrated = CalibratedClassifierCV(FrozenEstimator(pipeline[-1]), method=config.calibration)
    pipeline.steps[-1] = ("classifier", calibrated.fit(features, y[valid]))
    return FlagThresholds(
        pipeline,
        target_precision=decision.target_precision,
        precision_z=decision.precision_z,
        review_recall=decision.review_recall,
        not_recorded_only=config.labels == "clean",
    ).fit(X[valid], y[valid])
