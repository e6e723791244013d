"""The scoring chain: linked incidents -> text and pattern features -> calibrated score ->
decision (flag, review, clear) -> reasons.

One :class:`ScoringChain` holds everything a score depends on: the Splink linkage model, the
behaviour catalogue it was trained with, the per-note text model, the classifier and its
calibration, the two thresholds and the reference values used to explain a score. It is saved
as skops (estimators, loaded against an explicit allow-list of types) plus JSON (the rest);
no pickle.
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from stalkflag import __version__
from stalkflag._defaults import LINKAGE_EVIDENCE
from stalkflag.errors import ConfigError
from stalkflag.features import behaviour_matrix, pattern_features
from stalkflag.linkage import CLUSTER_THRESHOLD, link_incidents
from stalkflag.model._config import DecisionConfig, ModelConfig
from stalkflag.model._evaluate import pairs_of, wilson_lower_bound
from stalkflag.schema import CATEGORIES
from stalkflag.text import (
    ACTS,
    BEHAVIOURS,
    ONLINE,
    SDASH,
    TEXT_PIPELINE,
    BehaviourMatch,
    behaviour_records,
    make_text_pipeline,
)
from stalkflag.text._pipeline import normalised_text
from stalkflag.text._placeholders import mask_doc, name_lexicon
from stalkflag.text._sentences import SENTENCE_END, about_people

__all__ = [
    "FORMAT",
    "Prepared",
    "ScoringChain",
    "feature_group",
    "prepare",
    "recorded_labels",
    "time_order",
]

logger = logging.getLogger(__name__)

FORMAT = "stalkflag-chain/1"
NOTE_SCORE = "note_text_score"
SENTENCE_SCORE = "sentence_text_score"
NOTE_FAMILIARITY = "note_text_familiarity"
_TRUSTED_TYPES = [
    "numpy.arcsinh",
    "sklearn._loss.link.LogitLink",
    "sklearn._loss.link.Interval",
    "sklearn._loss.loss.HalfBinomialLoss",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.frozen._frozen.FrozenEstimator",
    "sklearn.isotonic.IsotonicRegression",
    "collections.OrderedDict",
    "stalkflag.model._chain.SentencePooledTfidf",
]
"""Types beyond skops' defaults that a saved chain may hold; anything else refuses to load."""


VICTIM_HISTORY = "victim's reports so far"
TIMES_SAID = "how many times the notes say acts happened"
AFTER_TOLD = "acts after being told to stop"
_BEHAVIOUR_FEATURES = {f"n_{b}": b for b in BEHAVIOURS}
_RECORDS = behaviour_records()


def feature_group(name: str) -> str:
    """The evidence a feature belongs to, as shown beside a flag (explanations occlude whole
    groups, so a reason is never half a feature family)."""
    if name in _BEHAVIOUR_FEATURES:
        return _BEHAVIOUR_FEATURES[name]
    if name.startswith("victim_"):
        return VICTIM_HISTORY
    if name.startswith("relationship_"):
        return "relationship"
    if name.startswith("share_recorded_"):
        return "recorded categories so far"
    if name in {"suspect_from_fields", "suspect_unknown"}:
        return "how the suspect was linked"
    if name.endswith((NOTE_SCORE, SENTENCE_SCORE, NOTE_FAMILIARITY)):
        return "wording of the notes (text model)"
    if name == "suspect_other_victims":
        return "suspect's other victims"
    if name in {"distinct_behaviours", "online_acts", "offline_acts", "online_and_offline"}:
        return "breadth of behaviours"
    if name == "acts_in_this_incident":
        return "acts in this incident"
    if name == "log_times_acts_so_far":
        return TIMES_SAID
    if name == "acts_after_told_to_stop":
        return AFTER_TOLD
    return "repetition over time"


_NO_EVIDENCE_ZERO = frozenset({"breadth of behaviours", TIMES_SAID, AFTER_TOLD})

_MONOTONE_COLUMNS = frozenset(f"n_{b}" for b in ACTS) | {
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


@dataclass
class Prepared:
    """Incidents made ready for the classifier, in one order.

    Attributes:
        incidents: Validated incidents (index 0..n-1).
        links: Their links (same order).
        matches: Each note's behaviour matches, as found by the text pipeline.
        behaviours: Counted behaviour matches per note (:func:`stalkflag.features.behaviour_matrix`).
        masked: Each note with personal data replaced by placeholders.
    """

    incidents: pd.DataFrame
    links: pd.DataFrame
    matches: list[tuple[BehaviourMatch, ...]]
    behaviours: pd.DataFrame
    masked: list[str]
    embeddings: np.ndarray | None = None
    """Sentence embeddings of ``masked``, computed on first use (optional extra)."""

    def note_embeddings(self) -> np.ndarray:
        """The masked notes' sentence embeddings (needs the ``embeddings`` extra)."""
        if self.embeddings is None:
            from stalkflag.text._embeddings import embed_notes

            self.embeddings = embed_notes(self.masked)
        return self.embeddings

    def subset(self, rows: np.ndarray) -> Prepared:
        """The same, for some rows only (positions)."""
        rows = np.asarray(rows)
        return Prepared(
            self.incidents.iloc[rows].reset_index(drop=True),
            self.links.iloc[rows].reset_index(drop=True),
            [self.matches[i] for i in rows],
            self.behaviours.iloc[rows].reset_index(drop=True),
            [self.masked[i] for i in rows],
            None if self.embeddings is None else self.embeddings[rows],
        )


def prepare(
    incidents: pd.DataFrame,
    *,
    linkage_model: dict[str, Any] | None = None,
    linkage_threshold: float = CLUSTER_THRESHOLD,
    memory_limit: str = "1.5GB",
    nlp=None,
    linkage_evidence: tuple[str, ...] = LINKAGE_EVIDENCE,
) -> tuple[Prepared, dict[str, Any]]:
    """Link validated incidents and read their notes (``linkage_evidence``: the optional
    Splink comparisons to train with when no ``linkage_model`` is given).

    Returns:
        The prepared incidents and the linkage model used (trained here when none is given).
    """
    incidents = incidents.reset_index(drop=True)
    result = link_incidents(
        incidents,
        model=linkage_model,
        cluster_threshold=linkage_threshold,
        memory_limit=memory_limit,
        evidence=linkage_evidence,
    )
    nlp = nlp or make_text_pipeline()
    docs = list(nlp.pipe(incidents["notes"].fillna("").tolist(), batch_size=256))
    matches = [tuple(doc._.behaviours) for doc in docs]
    # Names to mask come from the name fields of incidents up to each one (in time order), so
    # a later incident never changes how an earlier note is read.
    masked = [""] * len(docs)
    names: set[str] = set()
    victims = incidents["victim_name"].to_numpy()
    suspects = incidents["suspect_name"].to_numpy()
    for i in np.argsort(time_order(incidents), kind="stable"):
        own = name_lexicon(n for n in (victims[i], suspects[i]) if isinstance(n, str))
        names |= own
        masked[i] = mask_doc(docs[i], names, own)
    logger.info("read %d notes", len(docs))
    prepared = Prepared(
        incidents, result.incidents.reset_index(drop=True), matches, behaviour_matrix(docs), masked
    )
    return prepared, result.model


def recorded_labels(prepared: Prepared) -> np.ndarray:
    """The noisy label forces already have: 1 if any incident of the suspect -> victim pair was
    recorded as stalking."""
    recorded = prepared.incidents["recorded_category"].eq("stalking").to_numpy()
    pair = prepared.links["pair_id"].to_numpy()
    return pd.Series(recorded).groupby(pair).transform("max").to_numpy().astype(int)


def _note_words(incidents: pd.DataFrame) -> np.ndarray:
    """Words per note (whitespace-separated)."""
    return incidents["notes"].fillna("").str.split().str.len().to_numpy()


CHARACTER_NGRAMS = (3, 5)
"""Character n-grams the text model reads with ``text_units`` ``characters`` or ``both``
(within words, padded with a space at each end: ``char_wb``)."""


def _hashing(ngrams: int = 2, units: str = "words") -> HashingVectorizer | FeatureUnion:
    """Hashed word n-grams (1 to ``ngrams`` words), character n-grams within words
    (:data:`CHARACTER_NGRAMS`), or both side by side: no vocabulary is stored, so no word of
    the training notes (a name the masking missed, say) can be read back out of the model.

    A misspelt word ("msesaging", "tetxs") is a new word to a word n-gram but shares most of
    its character n-grams with the word it stands for."""
    words = HashingVectorizer(
        ngram_range=(1, ngrams), n_features=2**18, alternate_sign=False, norm=None
    )
    if units == "words":
        return words
    characters = HashingVectorizer(
        analyzer="char_wb",
        ngram_range=CHARACTER_NGRAMS,
        n_features=2**20,
        alternate_sign=False,
        norm=None,
    )
    if units == "characters":
        return characters
    return FeatureUnion([("words", words), ("characters", characters)])


def word_dropout(texts: np.ndarray, p: float, *, seed: int = 0) -> np.ndarray:
    """Each text with each white-space word dropped with probability ``p`` (sentence ends are
    kept: a dropped word's ``.``, ``!`` or ``?`` stays, so sentences still split)."""
    rng = np.random.default_rng(seed)
    out = []
    for text in texts:
        words = str(text).split()
        keep = rng.random(len(words)) >= p
        out.append(
            " ".join(
                w if k else w[-1] for w, k in zip(words, keep, strict=True) if k or w[-1] in ".!?"
            )
        )
    return np.array(out, dtype=object)


def _note_probability(model, texts: np.ndarray) -> np.ndarray:
    return model.predict_proba(texts)[:, 1]


def _note_familiarity(model, texts: np.ndarray) -> np.ndarray:
    """Each note's share of word n-grams the sentence-pooled text model saw in training."""
    return model[0].seen_share(texts)


def _sentence_max(model, texts: np.ndarray) -> np.ndarray:
    """Each note's highest sentence probability under the sentence model: a note padded with
    sentences that are evidence of nothing scores as its most telling sentence does."""
    sentences, owner = SentencePooledTfidf._sentences(texts)
    probability = model.predict_proba(sentences)[:, 1]
    out = np.zeros(len(texts))
    np.maximum.at(out, owner, probability)
    return out


def behaviour_tokens(matches) -> str:
    """The behaviour rules' matches of a note as words for the text model, one per match:
    ``bhv_following`` when it counts, ``bhv_following_not`` when it does not (negated,
    hypothetical, or the victim's own act). The same words whatever the note's style."""
    words = []
    for match in matches:
        name = match.behaviour
        words.append(f"bhv_{name}" if match.counts else f"bhv_{name}_not")
    return " ".join(words)


class SentencePooledTfidf(TransformerMixin, BaseEstimator):
    """A note as the pooled TF-IDF vectors of its sentences.

    Each sentence (split after ``.``, ``!`` or ``?``) becomes hashed word 1-2-grams, weighted
    by sublinear TF-IDF (document frequency counted over sentences) and l2-normalised; the
    note is the sum of its sentence vectors divided by ``n_sentences ** power``.

    With ``power=0.5`` a sentence that carries no evidence costs the others a factor
    ``sqrt(k / (k + 1))``, whatever its length. With one TF-IDF vector for the whole note
    (``text_model: hashing_lr``) every word of it does, so a note padded with sentences of
    incidental detail (attendance, weather, the premises) reads as weaker evidence the longer
    it gets: the unseen ``verbose`` style (decision 0007).

    With ``familiarity`` f > 0, each sentence vector is first multiplied by ``share ** f``,
    where ``share`` is the fraction of the sentence's distinct hashed n-grams seen in the
    training sentences: a sentence of familiar words in unfamiliar combinations moves the
    note less.

    Args:
        power: 0 sums the sentences, 1 averages them.
        ngrams: Word n-grams read, 1 to this many.
        familiarity: The power of the seen-n-gram share (0: off).
        units: ``words``, ``characters`` or ``both`` (see :func:`_hashing`).
    """

    def __init__(
        self, power: float = 0.5, ngrams: int = 2, familiarity: float = 0.0, units: str = "words"
    ):
        self.power = power
        self.ngrams = ngrams
        self.familiarity = familiarity
        self.units = units

    @staticmethod
    def _sentences(notes) -> tuple[list[str], np.ndarray]:
        sentences: list[str] = []
        owner: list[int] = []
        for i, note in enumerate(notes):
            parts = [part for part in SENTENCE_END.split(str(note)) if part.strip()] or [""]
            sentences += parts
            owner += [i] * len(parts)
        return sentences, np.asarray(owner, dtype=np.int64)

    def fit(self, X, y=None):
        sentences, _ = self._sentences(X)
        counts = _hashing(self.ngrams, self.units).transform(sentences)
        self.tfidf_ = TfidfTransformer(sublinear_tf=True).fit(counts)
        self.seen_ = np.asarray((counts > 0).sum(axis=0)).ravel() > 0
        return self

    def _seen(self, sentences: list[str]) -> tuple[np.ndarray, np.ndarray, sp.csr_matrix]:
        """Per sentence: distinct hashed n-grams, how many of them training saw, the counts."""
        counts = _hashing(self.ngrams, self.units).transform(sentences)
        present = (counts > 0).astype(np.float64)
        distinct = np.asarray(present.sum(axis=1)).ravel()
        return distinct, present @ self.seen_.astype(np.float64), counts

    def seen_share(self, X) -> np.ndarray:
        """Per note: the share of its sentences' distinct hashed n-grams seen in training (1 for
        a note with none)."""
        sentences, owner = self._sentences(X)
        distinct, seen, _ = self._seen(sentences)
        total = np.bincount(owner, weights=distinct, minlength=len(X))
        hit = np.bincount(owner, weights=seen, minlength=len(X))
        return np.divide(hit, total, out=np.ones_like(hit), where=total > 0)

    def transform(self, X):
        sentences, owner = self._sentences(X)
        distinct, seen, counts = self._seen(sentences)
        vectors = self.tfidf_.transform(counts)
        n_notes = len(X)
        weight = np.maximum(np.bincount(owner, minlength=n_notes), 1.0)[owner] ** -self.power
        if self.familiarity:
            share = np.divide(seen, distinct, out=np.ones_like(seen), where=distinct > 0)
            weight = weight * share**self.familiarity
        pool = sp.csr_matrix((weight, (owner, np.arange(len(owner)))), shape=(n_notes, len(owner)))
        return (pool @ vectors).tocsr()


def _note_model(
    C: float = 4.0,
    pooling: str = "note",
    ngrams: int = 2,
    familiarity: float = 0.0,
    units: str = "words",
) -> Pipeline:
    """The per-note text model: TF-IDF of hashed word 1-2-grams (or character n-grams, or
    both) of the masked note, pooled over its sentences (``sentences``) or over the whole note
    (``note``), and logistic regression."""
    vectors = (
        [SentencePooledTfidf(power=0.5, ngrams=ngrams, familiarity=familiarity, units=units)]
        if pooling == "sentences"
        else [_hashing(ngrams, units), TfidfTransformer(sublinear_tf=True)]
    )
    return make_pipeline(*vectors, LogisticRegression(C=C, solver="liblinear"))


@dataclass
class ScoringChain:
    """Everything needed to score an export, fitted together.

    Attributes:
        config: The model settings it was fitted with.
        decision: How the thresholds were chosen.
        linkage_model: The Splink model (JSON-ready).
        linkage_threshold: The match probability at which two mentions are one person.
        behaviours: The behaviour catalogue ids it was fitted with.
        feature_names: The classifier's input columns, in order.
        note_model: The per-note text model, or ``None``.
        sentence_model: The per-sentence text model (``config.sentence_score``), or ``None``.
        calibrated: The classifier with its calibration.
        flag_threshold: Scores at or above it are flagged.
        review_threshold: Scores at or above it (and below the flag) go to review.
        reference: Per-feature values that stand for "no evidence" when explaining a score.
        info: Facts about the fit (rows, label issues removed, ...).
    """

    config: ModelConfig
    decision: DecisionConfig
    linkage_model: dict[str, Any]
    linkage_threshold: float = CLUSTER_THRESHOLD
    behaviours: tuple[str, ...] = BEHAVIOURS
    feature_names: tuple[str, ...] = ()
    note_model: Pipeline | None = None
    sentence_model: Pipeline | None = None
    calibrated: CalibratedClassifierCV | None = None
    flag_threshold: float = math.inf
    review_threshold: float = math.inf
    reference: dict[str, float] | None = None
    info: dict[str, Any] | None = None

    # -- fitting ---------------------------------------------------------------------------

    def fit(
        self,
        prepared: Prepared,
        y: np.ndarray,
        train: np.ndarray,
        valid: np.ndarray,
        groups: np.ndarray,
    ) -> ScoringChain:
        """Fit on the ``train`` rows, calibrate and place the thresholds on the ``valid`` rows.

        Args:
            prepared: All incidents (features of an incident use its pair's history, which may
                include rows outside ``train``; labels of other rows are never used).
            y: The label to fit (clean or noisy, per ``config.labels``), one per incident.
            train: Boolean mask of training rows.
            valid: Boolean mask of validation rows (disjoint groups from ``train``).
            groups: Group of each row (a linked victim), for out-of-fold text scores.
        """
        cfg = self.config
        y = np.asarray(y).astype(int)
        info: dict[str, Any] = {
            "train_rows": int(train.sum()),
            "valid_rows": int(valid.sum()),
            "note_words_p99": float(np.percentile(_note_words(prepared.incidents[train]), 99)),
        }
        note_scores = unfamiliar = None
        if cfg.text_model != "none":
            note_scores, unfamiliar = self._fit_note_model(prepared, y, train, groups, info)
        X = self._features(prepared, note_scores)
        self.feature_names = tuple(X.columns)
        self.reference = self._reference(X[train])
        fit_rows = np.flatnonzero(train)
        if cfg.labels == "recorded_cleanlab":
            issues = self._label_issues(X.to_numpy()[fit_rows], y[fit_rows], groups[fit_rows])
            info["label_issues_removed"] = int(issues.sum())
            info["label_issues_share"] = float(issues.mean())
            fit_rows = fit_rows[~issues]
        inputs, targets = X.to_numpy()[fit_rows], y[fit_rows]
        if unfamiliar is not None:
            # The same training incidents once more, as a text model that never saw their
            # writing style scores them: the classifier learns how far the text score can be
            # trusted at each familiarity.
            strange = self._features(prepared, unfamiliar).to_numpy()[fit_rows]
            inputs, targets = np.vstack([inputs, strange]), np.concatenate([targets, targets])
        classifier = self._classifier()
        classifier.fit(inputs, targets)
        self.calibrated = CalibratedClassifierCV(
            FrozenEstimator(classifier), method=cfg.calibration
        )
        self.calibrated.fit(X.to_numpy()[valid], y[valid])
        scores = self.calibrated.predict_proba(X.to_numpy()[valid])[:, 1]
        self._place_thresholds(prepared.subset(np.flatnonzero(valid)), y[valid], scores)
        self.info = info
        return self

    def _fit_note_model(
        self,
        prepared: Prepared,
        y: np.ndarray,
        train: np.ndarray,
        groups: np.ndarray,
        info: dict[str, Any],
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray] | None]:
        """Fit the text model(s) on training notes; return every row's score from each (by
        feature name), out-of-fold for training rows (so the classifier never sees a text
        score that saw its own label). With ``style_mix``, the note familiarity too, and a
        second set: every row scored by a text model fitted without its writing style
        (``None`` otherwise)."""
        texts = self._note_inputs(prepared)
        rows = np.flatnonzero(train)
        rest = np.flatnonzero(~train)
        style_folds = None
        if self.config.text_folds == "style" or self.config.style_mix:
            styles = writing_style_clusters(prepared.incidents["notes"], train)
            info["writing_style_clusters"] = np.bincount(styles[rows]).tolist()
            style_folds = [
                (rows[styles[rows] != style], np.flatnonzero(styles == style))
                for style in np.unique(styles)
            ]
        if self.config.text_folds == "style" and style_folds:
            # One text model per writing-style cluster, fitted without it: training notes get
            # their out-of-fold score from it, and so do the other rows (validation), so that
            # calibration and thresholds are placed on scores of notes in a style the text
            # model never saw, as a new force's export will be.
            folds = style_folds
            rest = rest[:0]  # the folds above score every row
        else:
            if self.config.text_folds == "force":
                groups = prepared.incidents["force"].astype(str).to_numpy()
            folds = [
                (rows[fit], rows[held])
                for fit, held in GroupKFold(n_splits=5).split(rows, groups=groups[rows])
            ]
        views = {NOTE_SCORE: ("note_model", self._fit_text, _note_probability)}
        if self.config.sentence_score:
            views[SENTENCE_SCORE] = ("sentence_model", self._fit_sentences, _sentence_max)
        if self.config.style_mix:
            views[NOTE_FAMILIARITY] = ("note_model", self._fit_text, _note_familiarity)
        # Fitted text models by (model attribute, fold); the familiarity view reads the note
        # model's fits rather than fitting its own.
        fitted: dict[tuple[str, Any], Any] = {}

        def model(attribute, fit, key, fit_rows):
            if (attribute, key) not in fitted:
                fitted[(attribute, key)] = fit(texts[fit_rows], y[fit_rows])
            return fitted[(attribute, key)]

        def scores(attribute, fit, predict, plan) -> np.ndarray:
            """Each row's score from the model of the fold that holds it out."""
            out = np.zeros(len(texts))
            for key, fit_rows, held_rows in plan:
                out[held_rows] = predict(model(attribute, fit, key, fit_rows), texts[held_rows])
            return out

        familiar: list[tuple[Any, np.ndarray, np.ndarray]] = [
            (("fold", k), fit_rows, held) for k, (fit_rows, held) in enumerate(folds)
        ]
        if len(rest):
            familiar.append(("full", rows, rest))
        unfamiliar = [
            (("style", k), fit_rows, held) for k, (fit_rows, held) in enumerate(style_folds or [])
        ]
        out: dict[str, np.ndarray] = {}
        strange: dict[str, np.ndarray] = {}
        for column, (attribute, fit, predict) in views.items():
            out[column] = scores(attribute, fit, predict, familiar)
            setattr(self, attribute, model(attribute, fit, "full", rows))
            if self.config.style_mix:
                strange[column] = scores(attribute, fit, predict, unfamiliar)
        return out, (strange if self.config.style_mix else None)

    def _fit_sentences(self, texts: np.ndarray, y: np.ndarray) -> Pipeline:
        """Fit the sentence model: each sentence of a training note, labelled with its note's
        label (most sentences of a stalking note say nothing of it, so the model learns which
        words make a sentence evidence, and padding words weigh nothing either way)."""
        sentences, owner = SentencePooledTfidf._sentences(texts)
        model = _note_model(
            self.config.text_C, "note", self.config.text_ngrams, units=self.config.text_units
        )
        return model.fit(sentences, np.asarray(y)[owner])

    def _fit_text(self, texts: np.ndarray, y: np.ndarray):
        """Fit a copy of the text model; with ``text_dropout`` p, on the notes plus one copy of
        each with every word dropped with probability p (seeded), so that no few words carry
        a note's score and a note missing some familiar words still scores on the rest."""
        p = self.config.text_dropout
        if p > 0:  # (the config refuses it with a text model that reads no words)
            texts = np.concatenate([texts, word_dropout(texts, p, seed=len(texts))])
            y = np.concatenate([y, y])
        return clone(self._blank_note_model()).fit(texts, y)

    def _blank_note_model(self):
        if self.config.text_model == "minilm":
            return LogisticRegression(C=self.config.text_C, max_iter=2000)
        pooling = "note" if self.config.text_model == "hashing_lr" else "sentences"
        return _note_model(
            self.config.text_C,
            pooling,
            self.config.text_ngrams,
            self.config.text_familiarity,
            self.config.text_units,
        )

    def _note_inputs(self, prepared: Prepared) -> np.ndarray:
        if self.config.text_model == "minilm":
            return prepared.note_embeddings()
        texts = self._note_texts(prepared)
        if self.config.behaviour_tokens:
            # One more sentence: the note's behaviour matches, in words no style changes.
            tags = [behaviour_tokens(m) for m in prepared.matches]
            texts = np.array(
                [f"{t} {tag}." if tag else t for t, tag in zip(texts, tags, strict=True)],
                dtype=object,
            )
        return texts

    def _note_texts(self, prepared: Prepared) -> np.ndarray:
        texts = self._note_sentences(prepared)
        if self.config.text_words == "normalised":
            return np.array(normalised_text(texts), dtype=object)
        return texts

    def _note_sentences(self, prepared: Prepared) -> np.ndarray:
        if self.config.note_sentences == "about_people":
            notes = prepared.incidents["notes"].fillna("").astype(str).tolist()
            return np.array(
                [
                    about_people(note, masked, matches)
                    for note, masked, matches in zip(
                        notes, prepared.masked, prepared.matches, strict=True
                    )
                ],
                dtype=object,
            )
        return np.array(prepared.masked, dtype=object)

    def _label_issues(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """Confident learning (cleanlab) on out-of-fold probabilities, folds by group."""
        from cleanlab.filter import find_label_issues

        pred = np.zeros((len(y), 2))
        for fit, held in GroupKFold(n_splits=5).split(X, groups=groups):
            model = self._classifier().fit(X[fit], y[fit])
            pred[held] = model.predict_proba(X[held])
        return np.asarray(find_label_issues(y, pred, filter_by="prune_by_noise_rate"))

    def _classifier(self):
        cfg = self.config
        if cfg.classifier == "boosted":
            monotonic = [
                1 if cfg.monotonic_behaviours and name in _MONOTONE_COLUMNS else 0
                for name in self.feature_names
            ]
            return HistGradientBoostingClassifier(
                learning_rate=cfg.learning_rate,
                max_iter=cfg.max_iter,
                l2_regularization=1.0,
                early_stopping=True,
                n_iter_no_change=20,
                monotonic_cst=monotonic,
                random_state=0,
            )
        return make_pipeline(
            FunctionTransformer(np.arcsinh),
            StandardScaler(),
            LogisticRegression(C=cfg.C, max_iter=5000),
        )

    def _place_thresholds(self, valid: Prepared, y: np.ndarray, scores: np.ndarray) -> None:
        table = pairs_of(
            valid.links["pair_id"].to_numpy(),
            y,
            scores,
            valid.incidents["recorded_category"].eq("stalking").to_numpy(),
            time_order(valid.incidents),
        )
        # With clean labels, place the thresholds where stalkflag works: pairs not recorded as
        # stalking. A noisy label is 0 on every such pair by construction, so there it can only
        # be placed over all pairs.
        open_ = table[~table["recorded"].astype(bool)] if self.config.labels == "clean" else table
        self.flag_threshold = threshold_at_precision(
            open_["y"].to_numpy(),
            open_["score"].to_numpy(),
            self.decision.target_precision,
            z=self.decision.precision_z,
        )
        self.review_threshold = min(
            self.flag_threshold,
            threshold_at_recall(
                open_["y"].to_numpy(), open_["score"].to_numpy(), self.decision.review_recall
            ),
        )
        if math.isinf(self.flag_threshold):
            logger.warning(
                "no flag threshold: on %d validation pairs (%d stalking) no score reaches "
                "precision %.2f%s, so nothing will be flagged and scores from %.3f go to review. "
                "Train on more labelled pairs, or lower decision.precision_z.",
                len(open_),
                int(open_["y"].sum()),
                self.decision.target_precision,
                f" less {self.decision.precision_z:g} standard error(s)"
                if self.decision.precision_z
                else "",
                self.review_threshold,
            )

    def _features(
        self, prepared: Prepared, note_scores: dict[str, np.ndarray] | None
    ) -> pd.DataFrame:
        extra = None if note_scores is None else pd.DataFrame(note_scores)
        X = pattern_features(
            prepared.incidents,
            prepared.links,
            prepared.behaviours,
            extra,
            victim_history=self.config.victim_history,
        )
        if extra is not None and self.config.text_gate == "behaviours":
            # The text model is read only where the pair's notes show an act: with none found,
            # its features are the "no evidence" zero, so wording alone cannot raise a score.
            gate = (X["distinct_behaviours"].to_numpy() > 0).astype(float)
            for name in X.columns:
                if name.endswith(tuple(note_scores or ())):
                    X[name] = X[name].to_numpy() * gate
        if self.config.labels != "clean":
            # The noisy label is made from the recorded category; it must not also be an input.
            X = X.drop(columns=[f"share_recorded_{c}" for c in CATEGORIES])
        if self.feature_names:
            missing = [c for c in self.feature_names if c not in X.columns]
            if missing:
                raise ConfigError(
                    f"this model was trained on {len(missing)} feature(s) this version of stalkflag "
                    f"no longer computes ({', '.join(missing[:3])}); train a new model with "
                    "stalkflag train.",
                    code="C045",
                )
            X = X[list(self.feature_names)]
        return X

    @staticmethod
    def _reference(X: pd.DataFrame) -> dict[str, float]:
        """ "No evidence" values: zero for behaviour counts and note scores' absence is the
        training median (a typical note), the median for everything else."""
        ref = X.median()
        for name in X.columns:
            if name in _BEHAVIOUR_FEATURES or feature_group(name) in _NO_EVIDENCE_ZERO:
                ref[name] = 0.0
            if name == "acts_in_this_incident":
                ref[name] = 0.0
        return {k: float(v) for k, v in ref.items()}

    # -- scoring ---------------------------------------------------------------------------

    def features(self, prepared: Prepared) -> pd.DataFrame:
        """The classifier's inputs for prepared incidents."""
        note_scores = None
        if self.note_model is not None:
            texts = self._note_inputs(prepared)
            note_scores = {NOTE_SCORE: _note_probability(self.note_model, texts)}
            if self.config.style_mix:
                note_scores[NOTE_FAMILIARITY] = _note_familiarity(self.note_model, texts)
            if self.sentence_model is not None:
                note_scores[SENTENCE_SCORE] = _sentence_max(self.sentence_model, texts)
        return self._features(prepared, note_scores)

    def predict_proba(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Calibrated probability that each incident belongs to a stalking course of conduct."""
        if self.calibrated is None:
            raise RuntimeError("the chain is not fitted")
        values = X.to_numpy() if isinstance(X, pd.DataFrame) else X
        return self.calibrated.predict_proba(values)[:, 1]

    def long_note_share(self, incidents: pd.DataFrame) -> float | None:
        """Share of notes longer than 99% of the training notes (``None`` for a chain fitted
        before this was recorded). Notes padded with incidental detail score low (see the model
        card's known limits), so a high share warns that recall will be lower than measured."""
        limit = (self.info or {}).get("note_words_p99")
        if limit is None or not len(incidents):
            return None
        return float((_note_words(incidents) > limit).mean())

    def decide(self, scores: np.ndarray) -> np.ndarray:
        """``flag``, ``review`` or ``clear`` for each score."""
        return np.where(
            scores >= self.flag_threshold,
            "flag",
            np.where(scores >= self.review_threshold, "review", "clear"),
        )

    def score(self, prepared: Prepared, *, explain: bool = True, top: int = 4) -> pd.DataFrame:
        """Score prepared incidents: one row each, with the decision and, for flagged and
        review rows, the reasons.

        ``flagged`` is true for incidents that score as stalking but were recorded as something
        else (the ones stalkflag exists to find); incidents already recorded as stalking keep
        their score and decision but are not flagged.
        """
        X = self.features(prepared)
        scores = self.predict_proba(X)
        decision = self.decide(scores)
        recorded = prepared.incidents["recorded_category"].astype(object).to_numpy()
        out = pd.DataFrame(
            {
                "incident_id": prepared.incidents["incident_id"].to_numpy(),
                "pair_id": prepared.links["pair_id"].to_numpy(),
                "victim_person_id": prepared.links["victim_person_id"].to_numpy(),
                "suspect_person_id": prepared.links["suspect_person_id"].to_numpy(),
                "reported_at": prepared.incidents["reported_at"].to_numpy(),
                "recorded_category": recorded,
                "score": scores.round(4),
                "decision": decision,
                "flagged": (decision == "flag") & (recorded != "stalking"),
                "reasons": "",
                "evidence": "",
            }
        )
        if explain:
            rows = np.flatnonzero(decision != "clear")
            if len(rows):
                reasons, evidence = self.explain(prepared, X, rows, top=top)
                out.loc[rows, "reasons"] = reasons
                out.loc[rows, "evidence"] = evidence
        return out

    @staticmethod
    def score_columns_empty() -> pd.DataFrame:
        """The output of :meth:`score` with no rows."""
        return pd.DataFrame(
            columns=[
                "incident_id", "pair_id", "victim_person_id", "suspect_person_id", "reported_at",
                "recorded_category", "score", "decision", "flagged", "reasons", "evidence",
            ]
        )  # fmt: skip

    # -- explaining ------------------------------------------------------------------------

    def contributions(self, X: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
        """How much each group of evidence moves the score, for some rows.

        A group's contribution is the calibrated score minus the score with that group's
        features set to their reference ("no evidence") values: what the model itself does
        without that evidence, not a story told afterwards.
        """
        base = X.iloc[rows]
        score = self.predict_proba(base)
        groups: dict[str, list[str]] = {}
        for name in X.columns:
            groups.setdefault(feature_group(name), []).append(name)
        assert self.reference is not None
        out = {}
        for group, columns in groups.items():
            occluded = base.copy()
            for column in columns:
                occluded[column] = self.reference[column]
            out[group] = score - self.predict_proba(occluded)
        return pd.DataFrame(out, index=base.index)

    def explain(
        self, prepared: Prepared, X: pd.DataFrame, rows: np.ndarray, *, top: int = 4
    ) -> tuple[list[str], list[str]]:
        """Reasons (one line) and evidence (JSON) for some rows: the groups that raise the
        score most, and for behaviours the text spans the rules matched in the pair's notes up
        to that incident."""
        contrib = self.contributions(X, rows)
        order = prepared.links["pair_id"].to_numpy()
        times = prepared.incidents["reported_at"].to_numpy()
        ids = prepared.incidents["incident_id"].to_numpy()
        by_pair: dict[str, list[int]] = {}
        for i, pair in enumerate(order):
            by_pair.setdefault(pair, []).append(i)
        reasons, evidence = [], []
        for k, row in enumerate(rows):
            history = [
                i for i in by_pair[order[row]] if (times[i], ids[i]) <= (times[row], ids[row])
            ]
            history.sort(key=lambda i: (times[i], ids[i]))
            ranked = contrib.iloc[k].sort_values(ascending=False)
            parts: list[str] = []
            items: list[dict[str, Any]] = []
            for group, value in ranked.items():
                if value <= 0.005 or len(items) >= top:
                    break
                item: dict[str, Any] = {"evidence": group, "contribution": round(float(value), 3)}
                group = str(group)
                if group in _RECORDS:
                    spans = _spans(prepared, history, ids, times, {group})
                    record = _RECORDS[group]
                    item["matches"] = spans
                    item["label"] = record.label
                    item["sdash"] = [f"{q} {SDASH[q]}" for q in record.sdash]
                    incidents = len({s["incident_id"] for s in spans})
                    quoted = "; ".join(f"'{s['text']}' ({s['reported_at']})" for s in spans[:2])
                    parts.append(
                        f"{record.label}: {_incidents(incidents)} "
                        f"(+{value:.2f}{_sdash(record)}): {quoted}"
                    )
                else:
                    item["value"] = _describe(group, X.iloc[row])
                    text = f"{group} (+{value:.2f}): {item['value']}"
                    # Breadth and this incident's acts are counted from these matches.
                    source = {"breadth of behaviours": history, "acts in this incident": [row]}
                    if group in (AFTER_TOLD, TIMES_SAID):
                        source[group] = history
                    if group in source:
                        item["matches"] = _spans(prepared, source[group], ids, times, set(ACTS))
                        kinds = dict.fromkeys(_label(m["behaviour"]) for m in item["matches"])
                        text += f" ({', '.join(kinds)})" if kinds else ""
                    parts.append(text)
                items.append(item)
            named = {str(i["evidence"]) for i in items}
            read = _behaviours_read(prepared, history, ids, times, exclude=named)
            if read is not None:
                items.append(read)
                parts.append(read["text"])
            reasons.append(" | ".join(parts) if parts else "no single group of evidence stands out")
            evidence.append(json.dumps(items))
        return reasons, evidence

    # -- saving ----------------------------------------------------------------------------

    def save(self, folder: Path) -> Path:
        """Write ``estimators.skops``, ``linkage_model.json`` and ``chain.json`` into ``folder``."""
        import skops.io as sio

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        sio.dump(
            {
                "note_model": self.note_model,
                "sentence_model": self.sentence_model,
                "calibrated": self.calibrated,
            },
            folder / "estimators.skops",
        )
        (folder / "linkage_model.json").write_text(json.dumps(self.linkage_model), encoding="utf-8")
        meta = {
            "format": FORMAT,
            "stalkflag_version": __version__,
            "text_pipeline": TEXT_PIPELINE,
            "config": self.config.model_dump(mode="json"),
            "decision": self.decision.model_dump(mode="json"),
            "linkage_threshold": self.linkage_threshold,
            "behaviours": list(self.behaviours),
            "online_behaviours": sorted(ONLINE),
            "feature_names": list(self.feature_names),
            "flag_threshold": self.flag_threshold,
            "review_threshold": self.review_threshold,
            "reference": self.reference,
            "info": self.info,
        }
        (folder / "chain.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: Path) -> ScoringChain:
        """Read a saved chain, refusing files that are not one or hold unexpected types."""
        import skops.io as sio

        folder = Path(folder)
        try:
            meta = json.loads((folder / "chain.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(
                f"{folder} does not hold a stalkflag model (no chain.json).", code="C040"
            ) from None
        if meta.get("format") != FORMAT:
            raise ConfigError(
                f"{folder} holds a model in format {meta.get('format')!r}, not {FORMAT}.",
                code="C040",
            )
        missing = sorted(set(meta["behaviours"]) - set(BEHAVIOURS))
        if missing:
            raise ConfigError(
                f"the model uses behaviour patterns this stalkflag does not have: {', '.join(missing)}.",
                code="C041",
            )
        text_pipeline = meta.get("text_pipeline", "stalkflag.text.v1")
        if text_pipeline != TEXT_PIPELINE:
            raise ConfigError(
                f"the model was trained with text pipeline {text_pipeline}; this stalkflag reads "
                f"notes with {TEXT_PIPELINE}; train a new model with stalkflag train.",
                code="C041",
            )
        path = folder / "estimators.skops"
        untrusted = sio.get_untrusted_types(file=path)
        unexpected = sorted(set(untrusted) - set(_TRUSTED_TYPES))
        if unexpected:
            raise ConfigError(
                f"{path} holds types stalkflag does not trust: {', '.join(unexpected)}.",
                code="C042",
            )
        estimators = sio.load(path, trusted=untrusted)
        return cls(
            config=ModelConfig.model_validate(meta["config"]),
            decision=DecisionConfig.model_validate(meta["decision"]),
            linkage_model=json.loads((folder / "linkage_model.json").read_text(encoding="utf-8")),
            linkage_threshold=float(meta["linkage_threshold"]),
            behaviours=tuple(meta["behaviours"]),
            feature_names=tuple(meta["feature_names"]),
            note_model=estimators["note_model"],
            sentence_model=estimators.get("sentence_model"),
            calibrated=estimators["calibrated"],
            flag_threshold=float(meta["flag_threshold"]),
            review_threshold=float(meta["review_threshold"]),
            reference=meta["reference"],
            info=meta["info"],
        )


def _behaviours_read(
    prepared: Prepared, history, ids: np.ndarray, times: np.ndarray, *, exclude: set[str]
) -> dict[str, Any] | None:
    """The acts the reader counted in the pair's notes so far that no contribution above named
    (the features the classifier was given, and what opens the text model's gate), most
    incidents first: ``{"evidence": "behaviours read", "contribution": None, "matches", "text"}``,
    or ``None`` when there are none."""
    spans = [
        m for m in _spans(prepared, history, ids, times, set(ACTS)) if m["behaviour"] not in exclude
    ]
    if not spans:
        return None
    incidents: dict[str, set[str]] = {}
    for m in spans:
        incidents.setdefault(m["behaviour"], set()).add(m["incident_id"])
    ranked = sorted(incidents, key=lambda b: (-len(incidents[b]), b))[:3]
    described = []
    for behaviour in ranked:
        record = _RECORDS[behaviour]
        quote = next(m["text"] for m in spans if m["behaviour"] == behaviour)
        described.append(
            f"{record.label}: {_incidents(len(incidents[behaviour]))}{_sdash(record)}: '{quote}'"
        )
    return {
        "evidence": "behaviours read",
        "contribution": None,
        "matches": [m for m in spans if m["behaviour"] in ranked],
        "text": "behaviours read: " + "; ".join(described),
    }


def _incidents(n: int) -> str:
    return f"{n} incident{'s' * (n != 1)}"


def _sdash(record) -> str:
    """``; S-DASH Q4, Q5`` for a behaviour that answers S-DASH questions, else nothing."""
    return f"; S-DASH {', '.join(record.sdash)}" if record.sdash else ""


def _label(behaviour: str) -> str:
    return _RECORDS[behaviour].label if behaviour in _RECORDS else behaviour.replace("_", " ")


def _spans(
    prepared: Prepared, rows, ids: np.ndarray, times: np.ndarray, behaviours
) -> list[dict[str, Any]]:
    """The counted rule matches of some behaviours in some incidents, with where they are."""
    return [
        {
            "incident_id": str(ids[i]),
            "reported_at": str(pd.Timestamp(times[i]).date()),
            "behaviour": m.behaviour,
            "start": m.start_char,
            "end": m.end_char,
            "text": m.text,
        }
        for i in rows
        for m in prepared.matches[i]
        if m.behaviour in behaviours and m.counts
    ]


def _describe(group: str, x: pd.Series) -> str:
    if group == "repetition over time":
        return (
            f"{int(x['incidents_so_far'])} incidents over {x['span_days']:.0f} days, "
            f"{x['rate_per_30_days']:.1f} per 30 days"
        )
    if group == "breadth of behaviours":
        both = " online and offline" if x["online_and_offline"] else ""
        return f"{int(x['distinct_behaviours'])} kinds of behaviour{both}"
    if group == "suspect's other victims":
        return f"{int(x['suspect_other_victims'])} other victims"
    if group == VICTIM_HISTORY:
        score = x.get("victim_max_" + NOTE_SCORE)
        text = "" if score is None else f", highest note score {score:.2f}"
        return (
            f"{int(x['victim_reports_so_far'])} reports about "
            f"{int(x['victim_suspects_so_far'])} suspect(s), "
            f"{int(x['victim_distinct_behaviours'])} kinds of behaviour{text}"
        )
    if group == "relationship":
        named = [
            c.removeprefix("relationship_")
            for c in x.index
            if c.startswith("relationship_") and x[c] > 0
        ]
        return ", ".join(named) or "not given"
    if group == "wording of the notes (text model)":
        return f"this note {x[NOTE_SCORE]:.2f}, highest so far {x['max_' + NOTE_SCORE]:.2f}"
    if group == "recorded categories so far":
        shares = {
            c.removeprefix("share_recorded_"): x[c]
            for c in x.index
            if c.startswith("share_recorded_") and x[c] > 0
        }
        return ", ".join(f"{k} {v:.0%}" for k, v in sorted(shares.items(), key=lambda kv: -kv[1]))
    if group == "how the suspect was linked":
        return "from the notes" if not x["suspect_from_fields"] else "from the suspect fields"
    if group == "acts in this incident":
        return f"{int(x['acts_in_this_incident'])} acts"
    return ""


_STYLE_CLUSTERS = 5
_FIRST_PERSON = re.compile(r"\b(?:i|me|my)\b")
_WORDS = re.compile(r"[A-Za-z']+")


def writing_style_features(notes: pd.Series) -> np.ndarray:
    """How a note is written, not what it says: length (words, sentences, words per sentence),
    the share of capitals among letters, of sentences starting in lower case, of digits and
    other symbols among characters, first-person words, quotation marks and line-noise such as
    ``[`` and ``/``. No word of the note itself is kept."""
    rows = []
    for note in notes.fillna("").astype(str):
        letters = sum(c.isalpha() for c in note) or 1
        words = _WORDS.findall(note)
        n_words = len(words) or 1
        sentences = [p for p in SENTENCE_END.split(note) if p.strip()]
        n_sent = len(sentences) or 1
        rows.append(
            [
                math.log1p(len(words)),
                math.log1p(n_sent),
                math.log1p(len(words) / n_sent),
                sum(c.isupper() for c in note) / letters,
                sum(p.lstrip()[:1].islower() for p in sentences) / n_sent,
                sum(c.isdigit() for c in note) / max(len(note), 1),
                sum(not (c.isalnum() or c.isspace()) for c in note) / max(len(note), 1),
                len(_FIRST_PERSON.findall(note.lower())) / n_words,
                float('"' in note),
                float("[" in note or "/" in note),
            ]
        )
    return np.asarray(rows, dtype=float)


def writing_style_clusters(notes: pd.Series, train: np.ndarray | None = None) -> np.ndarray:
    """Each note's writing-style cluster: k-means on :func:`writing_style_features`, fitted on
    the ``train`` notes (all when ``None``). Writing styles are not in an export, so they are
    found, not read."""
    from sklearn.cluster import KMeans

    X = writing_style_features(notes)
    if train is None:
        train = np.ones(len(X), dtype=bool)
    if int(np.sum(train)) < 20 * _STYLE_CLUSTERS:
        raise ConfigError(
            f"model.text_folds=style finds {_STYLE_CLUSTERS} writing styles among the training "
            f"notes and needs at least {20 * _STYLE_CLUSTERS} of them; this run has "
            f"{int(np.sum(train))}. Use model.text_folds=victim.",
            code="C046",
        )
    scaler = StandardScaler().fit(X[train])
    kmeans = KMeans(n_clusters=_STYLE_CLUSTERS, n_init=4, random_state=0)
    kmeans.fit(scaler.transform(X[train]))
    return kmeans.predict(scaler.transform(X))


def time_order(incidents: pd.DataFrame) -> np.ndarray:
    """Each incident's rank in time (ties broken by ``incident_id``)."""
    order = np.lexsort((incidents["incident_id"].to_numpy(), incidents["reported_at"].to_numpy()))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


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
