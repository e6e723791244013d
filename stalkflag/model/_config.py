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
    auditors' decisions as the review service exports them
    (``incident_id,label,pair_id,force,decision,decided_at``; other columns are ignored).
    Ignored for synthetic data, whose truth file is used."""
    unlabelled: Literal["error", "drop"] = "error"
    """What to do with accepted incidents the labels file does not name: ``error`` (every
    training incident needs a label), or ``drop`` (train on the labelled ones only, saying how
    many were left out), as when the labels are auditors' decisions on some patterns of an
    export. Dropped incidents are not part of any pair's history, so a decided pattern should
    come with all its incidents (the review service exports them so)."""
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


class ModelConfig(_Strict):
    """The estimator pipeline's settings (:func:`stalkflag.model._estimators.make_model_pipeline`).

    Only choices a decision record adopted, or an alternative a force may need, are settings;
    what was tried and dropped is in ``experiments/decisions/``."""

    classifier: Literal["boosted", "linear"] = "boosted"
    """Boosted trees (decision 0003) or a linear model on arcsinh-scaled features."""
    text_model: Literal["sentences_lr", "hashing_lr", "none"] = "sentences_lr"
    """A per-note text model whose cross-fitted score joins the pattern features:
    ``sentences_lr`` (hashed word n-grams of the masked note's sentences about the people
    involved, TF-IDF per sentence pooled over the note, logistic regression: padding dilutes it
    less, decision 0007), ``hashing_lr`` (one TF-IDF vector per note), or ``none`` (behaviours
    and course of conduct only)."""
    labels: Literal["clean", "recorded"] = "clean"
    """``clean``: the true label (synthetic truth, or auditors' decisions). ``recorded``: a
    pair counts as stalking if any of its incidents was recorded as stalking (noisy: recording
    under-states stalking; the recorded categories are then not an input)."""
    calibration: Literal["sigmoid", "isotonic"] = "sigmoid"
    """How the classifier's scores are calibrated on validation pairs (decision 0004)."""
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
    text_familiarity: float = Field(default=1.0, ge=0, le=4)
    """``sentences_lr`` only: weigh each sentence of a note by the share of its word n-grams
    the text model saw in training, to this power, before pooling (0: every sentence counts
    fully). A sentence of words seen in training but in combinations never seen then moves the
    score less (decision 0007)."""
    text_gate: Literal["behaviours", "none"] = "behaviours"
    """``behaviours``: the text model's features are zero for a pair whose notes show no act so
    far, so the wording of notes alone can never raise a score (decision 0008); ``none``: read
    everywhere."""

    @model_validator(mode="after")
    def _text_options_fit_the_text_model(self) -> ModelConfig:
        default = type(self).model_fields["text_familiarity"].default
        if self.text_familiarity not in (0, default) and self.text_model != "sentences_lr":
            raise ValueError(
                "model.text_familiarity weighs the sentences of text_model 'sentences_lr', "
                f"not {self.text_model!r}"
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
