"""A training run: data -> validate -> link -> features -> fit -> evaluate.

Evaluation is on data the model did not train on, three ways:

- **held-out pairs**: linked victims (and so every suspect -> victim pair) are split into
  train, validation and test; the validation set places calibration and thresholds, the test
  set is touched once;
- **time**: victims whose first incident comes after a cut-off are tested on a model fitted
  only on incidents before it;
- **unseen writing styles** (synthetic data): a second export written only in styles kept out
  of training.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stalkflag._timing import Stopwatch
from stalkflag.errors import ConfigError, UnusableInputError
from stalkflag.io import read_export, write_frame
from stalkflag.model._chain import ScoringChain
from stalkflag.model._config import SplitConfig, TrainConfig
from stalkflag.model._evaluate import by_group, evaluate_scores, pairs_of, truth_groups
from stalkflag.model._prepare import Prepared, prepare, recorded_labels, time_order
from stalkflag.validate import validate_export

__all__ = ["Dataset", "HeldOut", "TrainResult", "load_dataset", "run_training", "split_groups"]

logger = logging.getLogger(__name__)

KEYWORDS = r"stalk|follow|watching"
"""What forces search for today (the issue's keyword baseline)."""


@dataclass
class Dataset:
    """Validated incidents with their labels.

    Attributes:
        incidents: Accepted rows.
        y: True label per incident (1 = part of a stalking course of conduct).
        truth: The synthetic truth aligned with ``incidents`` (``None`` for real data).
        fingerprint: SHA-256 of the export file as read.
        n_rejected: Rows that failed validation (left out).
        source: Where it came from (a path, or ``synthetic(...)``).
    """

    incidents: pd.DataFrame
    y: np.ndarray
    truth: pd.DataFrame | None
    fingerprint: str
    n_rejected: int
    source: str


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def synthetic_dataset(
    n: int,
    seed: int,
    styles: tuple[str, ...],
    folder: Path,
    *,
    incidental_detail: float,
) -> Dataset:
    """Generate an export, write it as a force would send it, read and validate it."""
    from stalkflag.synth import SynthConfig, generate

    config = SynthConfig(n, seed=seed, styles=styles, incidental_detail=incidental_detail)
    export, truth = generate(config, workers=2)
    path = write_frame(export, folder / f"synthetic_{seed}.csv")
    report = validate_export(read_export(path))
    incidents = report.accepted.reset_index(drop=True)
    truth = truth.set_index("incident_id").loc[incidents["incident_id"]].reset_index()
    return Dataset(
        incidents,
        truth["label"].to_numpy().astype(int),
        truth,
        _sha256(path),
        len(report.rejected),
        f"synthetic(n={n}, seed={seed}, styles={','.join(styles)}, incidental_detail={incidental_detail})",
    )


def load_dataset(config: TrainConfig, folder: Path) -> Dataset:
    """The training data the config names (or a fresh synthetic export)."""
    data = config.data
    if data.path is None:
        syn = data.synthetic
        return synthetic_dataset(
            syn.n_incidents, syn.seed, syn.seen_styles, folder,
            incidental_detail=syn.incidental_detail,
        )  # fmt: skip
    report = validate_export(read_export(data.path))
    if len(report.rejected):
        rejects = folder / "rejects.csv"
        write_frame(report.rejected, rejects)
        logger.warning(
            "%d of %d rows failed validation and are left out (run `stalkflag validate` for details)",
            len(report.rejected),
            report.n_records,
        )
    assert data.labels is not None
    incidents, y = _labelled(report.accepted.reset_index(drop=True), data.labels, data.unlabelled)
    return Dataset(
        incidents,
        y,
        None,
        _sha256(data.path),
        len(report.rejected),
        str(data.path),
    )


def _labelled(
    incidents: pd.DataFrame, path: Path, unlabelled: str
) -> tuple[pd.DataFrame, np.ndarray]:
    """The incidents with their labels from ``path``; incidents without one are an error, or
    left out (``unlabelled == "drop"``), saying how many."""
    labels = _read_labels(path)
    ids = incidents["incident_id"].astype(str)
    y = ids.map(labels)
    named = int(labels.index.isin(set(ids)).sum())
    if named < len(labels):
        logger.warning(
            "%d of %d labels in %s name no accepted incident of the export and are not used",
            len(labels) - named,
            len(labels),
            path,
        )
    missing = y.isna().to_numpy()
    if missing.any() and unlabelled == "error":
        raise ConfigError(
            f"{int(missing.sum()):,} of {len(y):,} accepted incidents have no label in "
            f"{path}; every training incident needs one (or set data.unlabelled=drop to "
            "train on the labelled ones only).",
            code="C014",
        )
    if missing.any():
        logger.warning(
            "%d of %d accepted incidents have no label in %s and are left out of training "
            "(data.unlabelled: drop); training on the %d labelled ones",
            int(missing.sum()),
            len(y),
            path,
            int((~missing).sum()),
        )
    return incidents[~missing].reset_index(drop=True), y[~missing].to_numpy().astype(int)


def _read_labels(path: Path) -> pd.Series:
    """``incident_id -> label`` from a labels file; columns beyond ``incident_id`` and
    ``label`` (a review service's ``pair_id``, ``force``, ``decision``, ``decided_at``) are
    ignored."""
    try:
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype=str)
    except FileNotFoundError:
        raise ConfigError(f"labels file {path} does not exist.", code="C014") from None
    if not {"incident_id", "label"} <= set(frame.columns):
        raise ConfigError(f"labels file {path} needs columns incident_id and label.", code="C014")
    label = pd.to_numeric(frame["label"], errors="coerce")
    if not label.isin([0, 1]).all():
        raise ConfigError(f"labels in {path} must be 0 or 1.", code="C014")
    ids = frame["incident_id"].astype(str).str.strip()
    if ids.duplicated().any():
        raise ConfigError(
            f"labels file {path} labels {int(ids.duplicated().sum()):,} incident_ids more than "
            "once; give each incident one label.",
            code="C014",
        )
    return pd.Series(label.to_numpy(), index=ids.to_numpy())


def split_groups(
    groups: np.ndarray, *, seed: int, valid_fraction: float, test_fraction: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Train, validation and test masks with every group wholly on one side."""
    unique = np.unique(groups)
    rng = np.random.default_rng(seed)
    position = rng.permutation(len(unique)) / len(unique)
    side = np.where(
        position < test_fraction, 2, np.where(position < test_fraction + valid_fraction, 1, 0)
    )
    which = pd.Series(side, index=unique).reindex(groups).to_numpy()
    return which == 0, which == 1, which == 2


@dataclass
class HeldOut:
    """One held-out evaluation.

    Attributes:
        name: ``test``, ``time`` or ``unseen_styles``.
        metrics: Headline figures (see :func:`stalkflag.model._evaluate.evaluate_scores`).
        pairs: One row per pair (label, highest and latest score, recorded as stalking).
        scores: Per incident: label, score, keyword hit, recorded category and truth columns.
        groups: Per-group recall and precision tables.
    """

    name: str
    metrics: dict[str, float]
    pairs: pd.DataFrame
    scores: pd.DataFrame
    groups: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass
class TrainResult:
    """A finished training run.

    Attributes:
        config: The resolved config.
        chain: The fitted scoring chain.
        dataset: The training data.
        validation: Headline figures on the validation victims.
        held_out: Evaluations on held-out pairs (``test``), the time split (``time``) and
            unseen writing styles (``unseen_styles``, synthetic data only).
        timings: Seconds per stage.
        contributions: Per evidence group, contributions to flagged test incidents' scores.
        logged: Where the run was logged and registered (:func:`stalkflag.api.train` with
            tracking; see :func:`~stalkflag.model._tracking.log_training`), else ``None``.
        card: The model card (:func:`stalkflag.api.train`), else ``None``.
    """

    config: TrainConfig
    chain: ScoringChain
    dataset: Dataset
    validation: dict[str, float]
    held_out: dict[str, HeldOut]
    timings: dict[str, float]
    contributions: pd.DataFrame | None = None
    logged: dict[str, Any] | None = None
    card: str | None = None


def _held_out(
    name: str,
    chain: ScoringChain,
    prepared: Prepared,
    y: np.ndarray,
    rows: np.ndarray,
    truth: pd.DataFrame | None,
    scores: np.ndarray | None = None,
) -> HeldOut:
    if scores is None:
        scores = chain.predict_proba(chain.features(prepared))
    part = prepared.subset(rows)
    s, yy = scores[rows], y[rows]
    recorded = part.incidents["recorded_category"].eq("stalking").to_numpy()
    pair = part.links["pair_id"].to_numpy()
    key = time_order(part.incidents)
    true_pattern = None if truth is None else truth["pattern_id"].to_numpy()[rows]
    metrics = evaluate_scores(
        yy,
        s,
        pair=pair,
        recorded_stalking=recorded,
        order_key=key,
        flag_threshold=chain.flag_threshold,
        review_threshold=chain.review_threshold,
        true_pattern=true_pattern,
    )
    keyword = part.incidents["notes"].fillna("").str.lower().str.contains(KEYWORDS).to_numpy()
    for k, v in evaluate_scores(
        yy,
        keyword.astype(float),
        pair=pair,
        recorded_stalking=recorded,
        order_key=key,
        flag_threshold=0.5,
        true_pattern=true_pattern,
    ).items():
        metrics[f"keywords_{k}"] = v
    pairs = pairs_of(pair, yy, s, recorded, key)
    frame = pd.DataFrame(
        {
            "incident_id": part.incidents["incident_id"],
            "pair": pair,
            "y": yy,
            "score": s,
            "keyword": keyword,
            "recorded_stalking": recorded,
        }
    )
    groups: dict[str, pd.DataFrame] = {}
    if truth is not None:
        t = truth.iloc[rows].reset_index(drop=True)
        first = truth_groups(pair, key, t)
        for group in ("relationship", "online_only", "writing_style"):
            groups[group] = by_group(pairs, first[group], chain.flag_threshold)
        frame["style"] = t["style"].to_numpy()
        frame["scenario"] = t["scenario"].to_numpy()
    return HeldOut(name, metrics, pairs, frame, groups)


def run_training(
    config: TrainConfig,
    *,
    work_dir: Path | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> TrainResult:
    """Fit and evaluate a scoring chain as the config says (no MLflow; see
    :func:`stalkflag.model.train_and_log`)."""
    stage = on_stage or (lambda s: logger.info("%s", s))
    watch = Stopwatch()
    done, timings = watch.done, watch.timings

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(work_dir or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        stage("loading and validating the training data")
        dataset = load_dataset(config, folder)
        done("data")
        if len(dataset.incidents) < 1_000:
            raise UnusableInputError(
                f"training needs at least 1,000 valid incidents; there are {len(dataset.incidents):,}.",
                code="F010",
            )
        stage(f"linking {len(dataset.incidents):,} incidents and reading their notes")
        prepared, linkage_model = prepare(
            dataset.incidents,
            linkage_threshold=config.linkage_threshold,
            memory_limit=config.linkage_memory_limit,
            linkage_evidence=tuple(config.linkage_evidence),
        )
        done("link_and_text")
        groups = prepared.links["victim_person_id"].to_numpy()
        split = config.split
        train, valid, test = split_groups(
            groups,
            seed=split.seed,
            valid_fraction=split.validation_fraction,
            test_fraction=split.test_fraction,
        )
        y_fit = dataset.y if config.model.labels == "clean" else recorded_labels(prepared)

        stage(f"fitting ({config.model.classifier}, labels: {config.model.labels})")
        chain = ScoringChain(config.model, config.decision, linkage_model, config.linkage_threshold)
        chain.fit(prepared, y_fit, train, valid)
        done("fit")

        stage("evaluating on held-out pairs")
        X = chain.features(prepared)
        scores = chain.predict_proba(X)
        validation = _held_out(
            "validation", chain, prepared, dataset.y, np.flatnonzero(valid), dataset.truth, scores
        )
        held = {
            "test": _held_out(
                "test", chain, prepared, dataset.y, np.flatnonzero(test), dataset.truth, scores
            )
        }
        flagged_rows = np.flatnonzero(test & (scores >= chain.flag_threshold))
        contributions = chain.contributions(X, flagged_rows) if len(flagged_rows) else None
        done("evaluate_test")

        stage("evaluating a model fitted before a time cut-off on pairs that start after it")
        held["time"] = _time_split(config, prepared, dataset, y_fit, groups, linkage_model)
        done("evaluate_time")

        syn = config.data.synthetic
        if config.data.path is None and syn.n_unseen > 0:
            stage(
                f"evaluating on a second export in unseen styles ({', '.join(syn.unseen_styles)})"
            )
            unseen = synthetic_dataset(
                syn.n_unseen, syn.seed + 1_000, syn.unseen_styles, folder,
                incidental_detail=syn.incidental_detail,
            )  # fmt: skip
            unseen_prepared, _ = prepare(
                unseen.incidents,
                linkage_model=linkage_model,
                linkage_threshold=config.linkage_threshold,
                memory_limit=config.linkage_memory_limit,
            )
            held["unseen_styles"] = _held_out(
                "unseen_styles",
                chain,
                unseen_prepared,
                unseen.y,
                np.arange(len(unseen.y)),
                unseen.truth,
            )
            done("evaluate_unseen_styles")
    return TrainResult(config, chain, dataset, validation.metrics, held, timings, contributions)


def _time_split(
    config: TrainConfig,
    prepared: Prepared,
    dataset: Dataset,
    y_fit: np.ndarray,
    groups: np.ndarray,
    linkage_model: dict[str, Any],
) -> HeldOut:
    """Fit on incidents before a cut-off (victims who started before it), test on victims who
    start after it."""
    fit, valid, late, cutoff = time_split_rows(prepared, groups, config.split)
    chain = ScoringChain(config.model, config.decision, linkage_model, config.linkage_threshold)
    chain.fit(prepared, y_fit, fit, valid)
    held = _held_out("time", chain, prepared, dataset.y, np.flatnonzero(late), dataset.truth)
    held.metrics["cutoff_days_from_start"] = float(
        (cutoff - prepared.incidents["reported_at"].min()).days
    )
    return held


def time_split_rows(
    prepared: Prepared, groups: np.ndarray, split: SplitConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Timestamp]:
    """The time split's rows: (fit, validation, late) boolean masks and the cut-off.

    The cut-off is the ``1 - split.time_test_fraction`` quantile of the groups' (linked
    victims') first incidents. Late rows are those of groups that start at or after it; fit and
    validation rows are the earlier groups' incidents before it, split by group.
    """
    t = prepared.incidents["reported_at"]
    first = t.groupby(groups).transform("min").to_numpy()
    starts = pd.Series(first).groupby(groups).first()
    cutoff = pd.Timestamp(
        int(
            np.quantile(
                starts.to_numpy().astype("datetime64[ns]").astype("int64"),
                1 - split.time_test_fraction,
            )
        )
    )
    late = first >= cutoff
    before = (~late) & (t < cutoff).to_numpy()
    train, valid, _ = split_groups(
        groups, seed=split.seed + 1, valid_fraction=split.validation_fraction, test_fraction=0.0
    )
    return before & train, before & valid, late, cutoff
