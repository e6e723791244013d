"""The training run's configuration: a typed, validated YAML file plus ``key=value`` overrides.

Relative paths in the file are resolved against the file's own folder, so a run gives the same
result from any working folder. Unknown keys are errors (a typo must not silently fall back to
a default).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from stalkflag._defaults import CLUSTER_THRESHOLD, LINKAGE_EVIDENCE, Evidence
from stalkflag.errors import ConfigError
from stalkflag.synth import STYLES, SynthConfig

__all__ = [
    "DataConfig",
    "DecisionConfig",
    "ModelConfig",
    "SplitConfig",
    "SyntheticConfig",
    "TrackingConfig",
    "TrainConfig",
    "load_config",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SyntheticConfig(_Strict):
    """A freshly generated export, used when no data is named."""

    n_incidents: int = Field(default=240_000, ge=1_000)
    seed: int = 42
    unseen_styles: tuple[str, ...] = ("statement", "verbose", "informal")
    """Writing styles kept out of training; a second export written only in them tests
    generalisation to phrasing the model never saw."""
    n_unseen: int = Field(default=30_000, ge=0)
    incidental_detail: float = Field(default=SynthConfig.incidental_detail, ge=0.0, le=1.0)
    """Share of notes that carry incidental detail (see :class:`stalkflag.synth.SynthConfig`)."""

    @field_validator("unseen_styles")
    @classmethod
    def _known_styles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [s for s in value if s not in STYLES]
        if unknown:
            raise ValueError(f"unknown style(s) {unknown}; known: {', '.join(STYLES)}")
        if len(set(value)) >= len(STYLES):
            raise ValueError("at least one style must be left for training")
        return value

    @property
    def seen_styles(self) -> tuple[str, ...]:
        return tuple(s for s in STYLES if s not in self.unseen_styles)


class DataConfig(_Strict):
    path: Path | None = None
    """An export (CSV or Parquet). ``null`` trains on a freshly generated synthetic export."""
    labels: Path | None = None
    """For a real export: a CSV or Parquet of ``incident_id,label`` (1 = stalking), e.g.
    auditors' confirmed decisions. Ignored for synthetic data, whose truth file is used."""
    synthetic: SyntheticConfig = SyntheticConfig()

    @model_validator(mode="after")
    def _labels_with_path(self) -> DataConfig:
        if self.path is not None and self.labels is None:
            raise ValueError("data.labels is required when data.path names a real export")
        return self


class SplitConfig(_Strict):
    """Held-out data. Groups are linked victims, so no suspect -> victim pair (and no victim)
    is on both sides of a split."""

    seed: int = 0
    validation_fraction: float = Field(default=0.2, gt=0, lt=0.5)
    test_fraction: float = Field(default=0.2, gt=0, lt=0.5)
    time_test_fraction: float = Field(default=0.2, gt=0, lt=0.5)
    """The latest-starting victims' share in the time split."""


_WORD_READING_TEXT_MODELS = frozenset({"sentences_lr", "hashing_lr"})
_WORD_OPTIONS = ("text_words", "text_units", "text_dropout", "sentence_score")
"""ModelConfig options about the words a text model reads: set away from their defaults, they
are an error with a text model that reads none (``minilm``, ``none``)."""


class ModelConfig(_Strict):
    classifier: Literal["boosted", "linear"] = "boosted"
    text_model: Literal["hashing_lr", "sentences_lr", "minilm", "none"] = "sentences_lr"
    """A per-note text model whose out-of-fold score joins the pattern features:
    ``sentences_lr`` (hashed word n-grams of the masked note, TF-IDF per sentence pooled over
    the note, logistic regression: padding dilutes it less), ``hashing_lr`` (the same with one
    TF-IDF vector per note), ``minilm`` (sentence embeddings of the masked note, logistic
    regression; needs the optional ``embeddings`` extra), or ``none`` (behaviour rules only).
    With ``note_sentences: about_people``, ``sentences_lr`` had the most recall at the flag on
    unseen styles with both precisions at target, and the fewest real narratives flagged, over
    three seeds (``experiments/seed_spread.md``)."""
    note_sentences: Literal["all", "about_people"] = "about_people"
    """Which sentences of a note the text model reads: ``about_people`` (those that refer to the
    suspect, the victim, people around them or the pair's history, or hold a behaviour match;
    see :mod:`stalkflag.text._sentences`), or ``all``. Sentences about no one (attendance, the
    weather, the premises) carry no evidence about the pair but their words are weighted all
    the same; reading only sentences about people cut the real narratives flagged (9.1% ->
    3.7% with ``sentences_lr``) and kept unseen-style recall at the flag, at 0.014 of
    seen-style recall, over three seeds (``experiments/seed_spread.md``). The behaviour rules
    always read the whole note."""
    text_folds: Literal["victim", "force", "style"] = "victim"
    """How the text model's out-of-fold scores (the classifier's training inputs) are made:
    folds by linked victim; by force, so the classifier learns from note scores of a text
    model that never saw that force's writing (as on a new force's export); or by writing
    style (``style``: clusters of how notes are written, found by k-means on length, case,
    punctuation and person, not on words), where the validation notes are scored the same way,
    so that calibration and thresholds are placed on notes in a style the text model never
    saw."""
    labels: Literal["clean", "recorded", "recorded_cleanlab"] = "clean"
    """``clean``: the true label (synthetic truth, or auditors' decisions). ``recorded``: a
    pair counts as stalking if any of its incidents was recorded as stalking (noisy: recording
    under-states stalking). ``recorded_cleanlab``: the same, with the label issues that
    confident learning finds removed before fitting."""
    calibration: Literal["sigmoid", "isotonic"] = "sigmoid"
    monotonic_behaviours: bool = True
    """Boosted only: one more stalking act, one more incident, or a gap shorter than the pair's
    mean gap (escalation) never lowers the score, everything else the same."""
    learning_rate: float = Field(default=0.08, gt=0, le=1)
    max_iter: int = Field(default=300, ge=10)
    C: float = Field(default=1.0, gt=0)
    """Linear classifier only: inverse regularisation strength."""
    text_C: float = Field(default=4.0, gt=0)
    """The text model's inverse regularisation strength (logistic regression)."""
    text_ngrams: int = Field(default=2, ge=1, le=3)
    """Word n-grams the text model reads, from single words up to this many."""
    text_units: Literal["words", "characters", "both"] = "words"
    """What the word-reading text models (``sentences_lr``, ``hashing_lr``) count: word
    n-grams (``text_ngrams``), character n-grams within words (3 to 5 characters), or both.
    A misspelt or abbreviated word shares most of its character n-grams with the word it
    stands for; to a word n-gram it is a word never seen. Not adopted: on the reference data
    unseen-style recall at the flag fell from 0.864 to 0.837 (characters) and 0.850 (both), and
    more real narratives were flagged (``experiments/seed_spread_characters.md``)."""
    text_dropout: float = Field(default=0.0, ge=0, lt=1)
    """Fit the text model on each training note and one copy with every word dropped with this
    probability (0: no copies)."""
    sentence_score: bool = False
    """A second text score: the highest probability any one of the note's sentences gets from
    a model fitted on single sentences (each labelled with its note's label)."""
    text_familiarity: float = Field(default=1.0, ge=0, le=4)
    """``sentences_lr`` only (other text models have no sentences to weigh; a value other
    than 0 or the default with one is an error): weigh each sentence of a note by the share of
    its word n-grams the text model saw in training, to this power, before pooling (0: every
    sentence counts fully). A sentence of words seen in training but in combinations never
    seen ("the flat was tidy and she offered officers a cup of tea") then moves the score less.
    With each seen style held out in turn it changed nothing beyond noise
    (``experiments/style_holdout.md``, retired at ``eef75e2``); over three seeds it raised the
    recall the ranking allows on unseen styles and cut the real narratives flagged, but sent
    more of them to review
    (``experiments/seed_spread_familiarity.md``)."""
    text_words: Literal["as_written", "normalised"] = "as_written"
    """What the word-reading text models (``sentences_lr``, ``hashing_lr``) read: the masked
    note ``as_written``, or ``normalised`` as the behaviour rules read it (abbreviations and
    text-speak expanded, lower case, single typos of the rules' keywords corrected). Not
    adopted: over seeds 57 and 31 it moved unseen-style recall at the flag by 0 and +0.007 but
    lowered the recall the ranking allows, and flagged more real narratives on one seed
    (``experiments/seed_spread_mix_words.md``)."""
    style_mix: bool = False
    """``sentences_lr`` with ``text_folds`` ``victim`` or ``force`` only: teach the classifier
    how far to trust the text score on wording the text model never saw. Each training note
    is then scored twice: out of fold by victim (a familiar style) and by a text model fitted
    without its writing-style cluster (an unfamiliar one), each with the note's
    ``note_text_familiarity`` (the share of its word n-grams that text model saw in
    training), and the classifier learns from both copies. Calibration and the flag are placed
    on the validation notes as scored by the full text model, as before. Do not use: it
    flagged 16-22% of the real narratives, against 0.3-2.7% without it, for at most +0.008
    unseen-style recall (``experiments/seed_spread_mix_words.md``)."""
    victim_history: bool = False
    """Also give the classifier the linked victim's reports so far, whoever the suspect: how
    many, about how many suspects, the stalking acts and kinds of act in them, and the
    highest note score among them (:func:`stalkflag.features.victim_history_features`). Not
    adopted: on the selection seed 57 it raised the validation PR-AUC by 0.0014, under the
    0.002 fixed in advance, and moved recall at the flag by +0.004 (seen styles) and -0.004
    (unseen) (``experiments/decisions/0003-boosted-classifier.md``)."""
    behaviour_tokens: bool = False
    """Give the text model the note's behaviour matches as words (``bhv_following``,
    ``bhv_following_not`` when negated, hypothetical or the victim's), whatever the style."""
    text_gate: Literal["behaviours", "none"] = "behaviours"
    """``behaviours``: a text model's features are zero for a pair whose notes show no act so
    far, so the wording of notes alone can never raise a score (issue 22); ``none``: read
    everywhere (the model before it)."""

    @model_validator(mode="after")
    def _text_options_fit_the_text_model(self) -> ModelConfig:
        default = type(self).model_fields["text_familiarity"].default
        if self.text_familiarity not in (0, default) and self.text_model != "sentences_lr":
            raise ValueError(
                "model.text_familiarity weighs the sentences of text_model 'sentences_lr', "
                f"not {self.text_model!r}"
            )
        if self.text_model not in _WORD_READING_TEXT_MODELS:
            for option in _WORD_OPTIONS:
                if getattr(self, option) != type(self).model_fields[option].default:
                    raise ValueError(
                        f"model.{option} needs a text model that reads words "
                        f"({' or '.join(sorted(_WORD_READING_TEXT_MODELS))}), "
                        f"not {self.text_model!r}"
                    )
        if self.style_mix and (self.text_model != "sentences_lr" or self.text_folds == "style"):
            raise ValueError(
                "model.style_mix needs text_model 'sentences_lr' with text_folds 'victim' or "
                f"'force', not {self.text_model!r} with {self.text_folds!r}"
            )
        return self


class DecisionConfig(_Strict):
    """Where the flag and the review band sit, chosen on validation pairs not recorded as
    stalking."""

    target_precision: float = Field(default=0.80, gt=0, lt=1)
    """Flag at the lowest score whose precision on validation pairs reaches this."""
    precision_z: float = Field(default=1.0, ge=0, le=4)
    """How many standard errors below the observed validation precision the compared value
    is (the Wilson interval's lower bound; 0: the observed share). The lowest of many cut
    points whose observed precision reaches the target is a lucky one, so without a margin the
    precision on new pairs falls short of the target on average."""
    review_recall: float = Field(default=0.97, gt=0, lt=1)
    """The review band reaches down to the score that keeps this recall of stalking pairs."""


class TrackingConfig(_Strict):
    tracking_uri: str | None = None
    """``null``: ``MLFLOW_TRACKING_URI`` if set, else a SQLite store under the project's
    ``models/mlflow/``."""
    experiment: str = "stalkflag"
    registered_model: str = "stalkflag"
    champion_metric: str = "val_pattern_pr_auc"


class TrainConfig(_Strict):
    data: DataConfig = DataConfig()
    split: SplitConfig = SplitConfig()
    linkage_threshold: float = Field(default=CLUSTER_THRESHOLD, gt=0, lt=1)
    linkage_evidence: tuple[Evidence, ...] = LINKAGE_EVIDENCE  # type: ignore[assignment]
    """Optional Splink comparisons to train the linkage model with (``[]``: none)."""
    linkage_memory_limit: str = "1.5GB"
    model: ModelConfig = ModelConfig()
    decision: DecisionConfig = DecisionConfig()
    tracking: TrackingConfig = TrackingConfig()


def load_config(path: Path | None, overrides: list[str] | tuple[str, ...] = ()) -> TrainConfig:
    """Read and validate a training config, applying ``section.key=value`` overrides.

    Args:
        path: The YAML file; ``None`` gives the defaults.
        overrides: ``dotted.key=value`` strings; values are parsed as YAML (``0.5``, ``null``,
            ``[a, b]``).

    Raises:
        ConfigError: The file is missing or not YAML, an override is malformed, or a value is
            invalid (the message names the key).
    """
    raw: dict[str, Any] = {}
    base = Path.cwd()
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist.", code="C010") from None
        try:
            raw = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"config file {path} is not valid YAML: {exc}", code="C011") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"config file {path} must hold a mapping of settings.", code="C011")
        base = Path(path).resolve().parent
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(
                f"override {item!r} must look like section.key=value, e.g. model.classifier=linear.",
                code="C012",
            )
        node = raw
        parts = key.strip().split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"override {item!r}: {part} is not a section.", code="C012")
        node[parts[-1]] = yaml.safe_load(value)
    try:
        config = TrainConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"invalid training config: {problems}", code="C013") from None
    data = config.data
    resolved = {
        "path": base / data.path if data.path and not data.path.is_absolute() else data.path,
        "labels": base / data.labels
        if data.labels and not data.labels.is_absolute()
        else data.labels,
    }
    return config.model_copy(update={"data": data.model_copy(update=resolved)})
