"""Saving and loading a :class:`~stalkflag.model.ScoringChain` without pickle.

A chain folder holds ``estimators.skops`` (the fitted scikit-learn estimators, loaded against
an explicit allow-list of types: anything else refuses to load), ``linkage_model.json`` (the
Splink model) and ``chain.json`` (the rest: config, thresholds, reference values, the behaviour
catalogue and text pipeline it was fitted with).
"""

from __future__ import annotations

import json
from pathlib import Path

from stalkflag import __version__
from stalkflag.errors import ConfigError
from stalkflag.model._chain import ScoringChain
from stalkflag.model._config import DecisionConfig, ModelConfig
from stalkflag.text import BEHAVIOURS, ONLINE, TEXT_PIPELINE

__all__ = ["FORMAT", "TRUSTED_TYPES", "load_chain_folder", "save_chain"]

FORMAT = "stalkflag-chain/2"
"""The saved chain's format (2: the estimators are one scikit-learn pipeline)."""

TRUSTED_TYPES = [
    "numpy.arcsinh",
    "sklearn._loss.link.Interval",
    "sklearn._loss.link.LogitLink",
    "sklearn._loss.loss.HalfBinomialLoss",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.frozen._frozen.FrozenEstimator",
    "sklearn.isotonic.IsotonicRegression",
    "collections.OrderedDict",
    "stalkflag.model._estimators.FlagThresholds",
    "stalkflag.model._estimators.NoteTextScores",
    "stalkflag.model._estimators.PairHistoryFeatures",
    "stalkflag.model._estimators.SentencePooledTfidf",
]
"""Types beyond skops' defaults that a saved chain may hold."""


def save_chain(chain: ScoringChain, folder: Path) -> Path:
    """Write ``estimators.skops``, ``linkage_model.json`` and ``chain.json`` into ``folder``."""
    import skops.io as sio

    if chain.model is None:
        raise RuntimeError("the chain is not fitted")
    folder.mkdir(parents=True, exist_ok=True)
    sio.dump({"model": chain.model}, folder / "estimators.skops")
    (folder / "linkage_model.json").write_text(json.dumps(chain.linkage_model), encoding="utf-8")
    meta = {
        "format": FORMAT,
        "stalkflag_version": __version__,
        "text_pipeline": TEXT_PIPELINE,
        "config": chain.config.model_dump(mode="json"),
        "decision": chain.decision.model_dump(mode="json"),
        "linkage_threshold": chain.linkage_threshold,
        "behaviours": list(chain.behaviours),
        "online_behaviours": sorted(ONLINE),
        "feature_names": list(chain.feature_names),
        "flag_threshold": chain.flag_threshold,
        "review_threshold": chain.review_threshold,
        "reference": chain.reference,
        "info": chain.info,
    }
    (folder / "chain.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return folder


def load_chain_folder(folder: Path) -> ScoringChain:
    """Read a saved chain, refusing files that are not one or hold unexpected types."""
    import skops.io as sio

    try:
        meta = json.loads((folder / "chain.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{folder} does not hold a stalkflag model (no chain.json).", code="C040"
        ) from None
    if meta.get("format") != FORMAT:
        raise ConfigError(
            f"{folder} holds a model in format {meta.get('format')!r}, not {FORMAT}; "
            "train a new model with stalkflag train.",
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
    unexpected = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unexpected:
        raise ConfigError(
            f"{path} holds types stalkflag does not trust: {', '.join(unexpected)}.", code="C042"
        )
    estimators = sio.load(path, trusted=untrusted)
    return ScoringChain(
        config=ModelConfig.model_validate(meta["config"]),
        decision=DecisionConfig.model_validate(meta["decision"]),
        linkage_model=json.loads((folder / "linkage_model.json").read_text(encoding="utf-8")),
        linkage_threshold=float(meta["linkage_threshold"]),
        behaviours=tuple(meta["behaviours"]),
        model=estimators["model"],
        reference=meta["reference"],
        info=meta["info"],
    )
