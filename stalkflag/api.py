"""What callers need, in one place: validate -> link -> train -> score -> evaluate ->
calibrate.

Each function is a thin, documented call into the package's stages; the command line, scripts
and services use these rather than the stages' private modules. Exports come in as a path (CSV
or Parquet, read and validated here, rejected rows left out and counted in the log) or as a
frame of validated incidents (:func:`validate`'s ``accepted``). A model is a fitted
:class:`~stalkflag.model.ScoringChain`, a folder it was saved to, or an MLflow model URI such
as :data:`CHAMPION_URI`.

Example::

    from stalkflag import api

    report = api.validate("export.csv")
    links = api.link(report.accepted)             # LinkResult: people and suspect->victim pairs
    result = api.train("pipelines/train.yaml")   # TrainResult, logged and registered in MLflow
    model = api.load_model()                      # the registry's champion
    scores = api.score(report.accepted, model)    # one row per incident: score, decision, reasons
    figures = api.evaluate("export.csv", "labels.csv", model)   # ExternalEvaluation
    new = api.calibrate("models:/stalkflag@champion", "export.csv", "decisions.csv",
                        force="WYP")              # Calibration: a new registered version

Importing this module is cheap (the command line imports it to start); the stages, and the
result types re-exported here (:class:`~stalkflag.linkage.LinkResult`,
:class:`~stalkflag.model.TrainResult`, :class:`~stalkflag.model.ScoringChain`,
:class:`~stalkflag.model.ExternalEvaluation`, :class:`~stalkflag.validate.ValidationReport`),
load on first use.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from stalkflag._defaults import CHAMPION_URI, CLUSTER_THRESHOLD, EVIDENCE, LINKAGE_EVIDENCE
from stalkflag.errors import ConfigError

if TYPE_CHECKING:
    from stalkflag.linkage import LinkResult
    from stalkflag.model import (
        Calibration,
        ExternalEvaluation,
        ScoringChain,
        TrainConfig,
        TrainResult,
    )
    from stalkflag.validate import ValidationReport

__all__ = [
    "CHAMPION_URI",
    "CLUSTER_THRESHOLD",
    "EVIDENCE",
    "LINKAGE_EVIDENCE",
    "Calibration",
    "ExternalEvaluation",
    "LinkResult",
    "ScoringChain",
    "TrainConfig",
    "TrainResult",
    "ValidationReport",
    "calibrate",
    "evaluate",
    "link",
    "load_config",
    "load_model",
    "read_labels",
    "read_linkage_model",
    "score",
    "train",
    "validate",
]

logger = logging.getLogger(__name__)

_LAZY = {
    "Calibration": "stalkflag.model",
    "ExternalEvaluation": "stalkflag.model",
    "LinkResult": "stalkflag.linkage",
    "ScoringChain": "stalkflag.model",
    "TrainConfig": "stalkflag.model",
    "TrainResult": "stalkflag.model",
    "ValidationReport": "stalkflag.validate",
}
"""Result types re-exported here, imported when first asked for (they pull in Splink, spaCy
and scikit-learn)."""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def validate(
    export: str | Path | pd.DataFrame,
    *,
    category_map: str | Path | Mapping[str, str] | None = None,
) -> ValidationReport:
    """Check an export against the contract (``data/README.md``), listing every problem.

    Args:
        export: An export file (CSV or Parquet), or its rows as a frame (cells as text or
            missing; numbered 2, 3, ... in problems, as a file's would be).
        category_map: A force's own category codes mapped onto the contract's: a YAML file or
            a mapping.

    Returns:
        The report: ``accepted`` rows (typed, ready for :func:`link`, :func:`score` and
        :func:`evaluate`), ``rejected`` rows with their reasons, and every problem.

    Raises:
        UnusableInputError: The file cannot be read as an export at all.
    """
    from stalkflag.io import read_category_map, read_export
    from stalkflag.validate import validate_export, validate_frame

    mapping = (
        read_category_map(category_map) if isinstance(category_map, str | Path) else category_map
    )
    if isinstance(export, pd.DataFrame):
        return validate_frame(export, category_map=mapping)
    return validate_export(read_export(export), category_map=mapping)


def _incidents(incidents: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Validated incidents: a file's accepted rows, or a frame checked to be validated."""
    if not isinstance(incidents, pd.DataFrame):
        report = validate(incidents)
        if len(report.rejected):
            logger.warning(
                "%d of %d rows of %s failed validation and are left out (run `stalkflag "
                "validate` for details)",
                len(report.rejected),
                report.n_records,
                incidents,
            )
        return report.accepted
    from stalkflag.schema import REQUIRED_COLUMNS

    missing = [c for c in REQUIRED_COLUMNS if c not in incidents.columns]
    typed = not len(incidents) or pd.api.types.is_datetime64_any_dtype(incidents["reported_at"])
    if missing or not typed:
        raise ConfigError(
            "incidents must be validated first: pass an export's path, or the accepted rows of "
            "stalkflag.api.validate(...)"
            + (f" (missing columns: {', '.join(missing)})." if missing else "."),
            code="C050",
        )
    return incidents


def read_linkage_model(path: str | Path) -> dict[str, Any]:
    """A linkage model saved by :func:`link` (``linkage_model.json``).

    Raises:
        ConfigError: The file does not exist, is not JSON, or is not a saved Splink model.
    """
    path = Path(path)
    try:
        model = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"linkage model {path} does not exist.") from None
    except OSError as exc:
        raise ConfigError(
            f"linkage model {path} cannot be read ({exc.strerror or type(exc).__name__})."
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ConfigError(f"linkage model {path} is not a JSON file.") from None
    if not isinstance(model, dict) or model.get("format") != "stalkflag-linkage/1":
        raise ConfigError(f"linkage model {path} is not a saved Splink model.")
    return model


def link(
    incidents: str | Path | pd.DataFrame,
    *,
    linkage_model: str | Path | Mapping[str, Any] | None = None,
    backend: str = "duckdb",
    threshold: float = CLUSTER_THRESHOLD,
    evidence: Sequence[str] | None = None,
    memory_limit: str = "1.5GB",
) -> LinkResult:
    """Link incidents into people and suspect -> victim pairs (Splink).

    Args:
        incidents: An export file, or validated incidents (:func:`validate`'s ``accepted``).
        linkage_model: A saved linkage model (a ``linkage_model.json`` path or its contents) to
            reuse; ``None`` trains one on these incidents (unsupervised; at least 200 are needed
            unless every person carries a force ID).
        backend: ``"duckdb"`` (embedded) or ``"spark"`` (local mode).
        threshold: Match probability at which two person mentions are one person.
        evidence: Optional Splink comparisons to train with (:data:`EVIDENCE`); default
            :data:`LINKAGE_EVIDENCE`. A saved model brings its own, so giving both is an error.
        memory_limit: DuckDB's memory cap (beyond it DuckDB spills to disk).

    Returns:
        :class:`~stalkflag.linkage.LinkResult`: ``incidents`` (one row per incident with its
        victim, suspect, ``pair_id``, ``link_confidence`` and ``suspect_link_method``),
        ``people``, ``mentions``, ``edges`` and the trained ``model`` (JSON-ready; save it to
        reuse it).

    Raises:
        ConfigError: Unknown evidence, evidence beside a saved model, an unusable saved model,
            or too few incidents to train on.
    """
    from stalkflag.linkage import check_evidence, link_incidents

    if evidence and linkage_model is not None:
        raise ConfigError(
            "linkage evidence is for training a linkage model; a saved one brings its own. "
            "Give one or the other."
        )
    chosen = check_evidence(tuple(dict.fromkeys(evidence))) if evidence else LINKAGE_EVIDENCE
    model = (
        read_linkage_model(linkage_model)
        if isinstance(linkage_model, str | Path)
        else None
        if linkage_model is None
        else dict(linkage_model)
    )
    return link_incidents(
        _incidents(incidents),
        model=model,
        backend=backend,
        cluster_threshold=threshold,
        memory_limit=memory_limit,
        evidence=chosen,
    )


def load_config(path: str | Path | None = None, overrides: Sequence[str] = ()) -> TrainConfig:
    """The typed training config (``pipelines/train.yaml``) with ``key=value`` overrides.

    A relative ``path`` that does not exist from the working folder is looked up in the
    project's checkout, so ``pipelines/train.yaml`` names the project's config from anywhere.
    ``None`` gives the default settings.

    Raises:
        ConfigError: The file is missing, or a key or value is not a valid setting (named).
    """
    from stalkflag.model import load_config as load
    from stalkflag.model._tracking import project_root

    if path is not None:
        path = Path(path)
        if not path.exists() and not path.is_absolute():
            root = project_root()
            if root is not None and (root / path).exists():
                path = root / path
    return load(path, list(overrides))


def train(
    config: TrainConfig | str | Path | None = None,
    overrides: Sequence[str] = (),
    *,
    track: bool = True,
    tracking_uri: str | None = None,
    work_dir: str | Path | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> TrainResult:
    """Train and evaluate a model: validate -> link -> features -> fit -> evaluate -> log.

    Args:
        config: A :class:`~stalkflag.model.TrainConfig`, or a config file (see
            :func:`load_config`; ``None``: the defaults, on a fresh synthetic export).
        overrides: ``key=value`` settings over a config file's (e.g. ``model.classifier=linear``).
        track: Log the run to MLflow, register the model and move the ``champion`` alias to
            it when it beats the current champion on the config's validation metric.
        tracking_uri: MLflow store (default: the config's, else ``MLFLOW_TRACKING_URI``, else
            the project's ``models/mlflow/``).
        work_dir: Where to keep the run's files (generated exports, rejects); default a
            temporary folder.
        on_stage: Called with a short description as each stage starts.

    Returns:
        :class:`~stalkflag.model.TrainResult`: the fitted chain, its held-out evaluations and,
        with ``track``, ``logged`` (run id, registered ``model_uri`` and version, whether it
        became champion, its metric) and ``card`` (the model card, also logged with the run;
        without ``track`` the card names no run).

    Raises:
        ConfigError: A bad config, override or data path.
        UnusableInputError: Too little valid training data.
    """
    from stalkflag.model import TrainConfig, run_training
    from stalkflag.model._card import model_card

    settings = (
        config
        if isinstance(config, TrainConfig)
        else load_config(None if config is None else Path(config), overrides)
    )
    if isinstance(config, TrainConfig) and overrides:
        raise ConfigError("overrides apply to a config file; change the TrainConfig instead.")
    stage = on_stage or (lambda text: logger.info("%s", text))
    result = run_training(
        settings, work_dir=None if work_dir is None else Path(work_dir), on_stage=stage
    )
    if not track:
        result.card = model_card(result)
        return result
    from stalkflag.model._tracking import log_card, log_training

    stage("logging to MLflow")
    result.logged = log_training(result, tracking_uri=tracking_uri, card=None)
    result.card = model_card(
        result, run_id=result.logged["run_id"], version=result.logged["version"]
    )
    log_card(result.logged["run_id"], result.card)
    return result


def load_model(
    model: str | Path = CHAMPION_URI, *, tracking_uri: str | None = None
) -> ScoringChain:
    """A fitted scoring chain, to give :func:`score` and :func:`evaluate` many times.

    Args:
        model: A folder the chain was saved to (``ScoringChain.save``, or a downloaded MLflow
            model), or an MLflow model URI: ``models:/stalkflag@champion`` (default),
            ``models:/stalkflag/3``, ``runs:/<run id>/model``.
        tracking_uri: MLflow store for a URI (default: ``MLFLOW_TRACKING_URI``, else the
            project's ``models/mlflow/``).

    Raises:
        ConfigError: Neither a folder nor a URI, no such model in the store, or a model
            trained by a stalkflag whose text reading differs.
    """
    from stalkflag.model._score import load_chain

    return load_chain(str(model), tracking_uri=tracking_uri)


def _model(model: ScoringChain | str | Path, tracking_uri: str | None) -> ScoringChain:
    from stalkflag.model import ScoringChain

    return (
        model if isinstance(model, ScoringChain) else load_model(model, tracking_uri=tracking_uri)
    )


def score(
    incidents: str | Path | pd.DataFrame,
    model: ScoringChain | str | Path = CHAMPION_URI,
    *,
    tracking_uri: str | None = None,
    explain: bool = True,
) -> pd.DataFrame:
    """Score incidents in the context of their suspect -> victim pair so far (no look-ahead).

    The incidents are linked with the model's own linkage model, as ``stalkflag score`` does.

    Args:
        incidents: An export file, or validated incidents (:func:`validate`'s ``accepted``).
        model: A fitted chain (:func:`load_model`), or what :func:`load_model` takes.
        tracking_uri: MLflow store, when ``model`` is a URI.
        explain: Compute ``reasons`` and ``evidence`` (occluding each evidence group and
            re-scoring); without, those columns are empty and scoring is faster.

    Returns:
        One row per incident: ``incident_id, pair_id, victim_person_id, suspect_person_id,
        reported_at, recorded_category, score, decision`` (``flag``, ``review``, ``clear``),
        ``flagged`` (stalking recorded as something else), ``reasons`` and ``evidence``.
    """
    from stalkflag.model._score import score_incidents

    chain = _model(model, tracking_uri)
    return score_incidents(chain, _incidents(incidents), explain=explain)


def read_labels(
    labels: str | Path | pd.DataFrame, *, cases: str | None = None, source: str | None = None
) -> pd.DataFrame:
    """Read (from a file) and check labels for :func:`evaluate`.

    Args:
        labels: A labels file (CSV or Parquet) or frame: ``incident_id``, ``label`` (1 =
            stalking, 0 = not) and any other columns, one of which may name each incident's case.
        cases: The column naming cases; ``None``: ``case_id`` when present, else each
            incident's linked suspect -> victim pair.
        source: How to name the labels in messages (default: the file, or "the labels").

    Returns:
        ``incident_id``, ``label`` (0/1) and ``case`` (missing where cases are linked pairs).

    Raises:
        UnusableInputError: The file cannot be read, columns are missing, labels are not 0 or
            1, an incident is labelled twice, or the case column is missing or blank.
    """
    from stalkflag.model import check_labels
    from stalkflag.model import read_labels as read

    if isinstance(labels, pd.DataFrame):
        return check_labels(labels, cases=cases, source=source or "the labels")
    path = Path(labels)
    return check_labels(read(path), cases=cases, source=source or f"labels file {path}")


def evaluate(
    incidents: str | Path | pd.DataFrame,
    labels: str | Path | pd.DataFrame,
    model: ScoringChain | str | Path = CHAMPION_URI,
    *,
    cases: str | None = None,
    tracking_uri: str | None = None,
    source: str | None = None,
) -> ExternalEvaluation:
    """Measure a model on a labelled export, scored exactly as :func:`score` scores it.

    Args:
        incidents: An export file, or validated incidents (:func:`validate`'s ``accepted``).
        labels: A labels file, or a frame of labels; read and checked by :func:`read_labels`
            unless already its output (columns ``incident_id, label, case``).
        model: A fitted chain (:func:`load_model`), or what :func:`load_model` takes.
        cases: The labels' column naming cases (see :func:`read_labels`).
        tracking_uri: MLflow store, when ``model`` is a URI.
        source: How to name the labels in messages.

    Returns:
        :class:`~stalkflag.model.ExternalEvaluation`: per case and per incident, recall and
        precision at the flag (95% Wilson intervals), average precision and the review band,
        beside keyword search and the recorded category; lead time; per-case rows;
        ``to_dict()`` for JSON.

    Raises:
        UnusableInputError: Unusable labels, or no label names an accepted incident.
    """
    from stalkflag.model import evaluate_export

    checked = (
        labels
        if isinstance(labels, pd.DataFrame)
        and list(labels.columns) == ["incident_id", "label", "case"]
        else read_labels(labels, cases=cases, source=source)
    )
    if source is None:
        source = f"labels file {labels}" if isinstance(labels, str | Path) else "the labels"
    chain = _model(model, tracking_uri)
    return evaluate_export(chain, _incidents(incidents), checked, source=source)


def calibrate(
    model: str,
    incidents: str | Path | pd.DataFrame,
    labels: str | Path | pd.DataFrame,
    *,
    force: str | None = None,
    target_precision: float | None = None,
    precision_z: float | None = None,
    review_recall: float | None = None,
    min_pairs: int | None = None,
    min_stalking: int | None = None,
    alias: str | None = None,
    tracking_uri: str | None = None,
) -> Calibration:
    """Re-place a registered model's flag and review band on auditors' decisions and register
    the result as a new version (the source version is not changed; no alias moves unless
    ``alias`` names one). See :func:`stalkflag.model.calibrate`.

    Args:
        model: ``models:/NAME/VERSION`` or ``models:/NAME@ALIAS``.
        incidents: The export the decisions were made on: a file, or validated incidents.
        labels: The decisions: ``incident_id,label,pair_id,force,decision,decided_at`` (one row
            per incident of each decided pattern, label 1 = confirmed, 0 = not stalking; only
            the first three, and ``force`` with ``force``, are read), as a file or a frame.
        force: Use only this force's decisions.
        target_precision: Precision at the flag (default: the model's own).
        precision_z: Standard errors below the observed precision (default: the model's own).
        review_recall: Recall of confirmed pairs the review band keeps (default: the model's).
        min_pairs: Fewest decided pairs (default :data:`stalkflag.model.MIN_PAIRS`, 30).
        min_stalking: Fewest confirmed pairs among them (default 10).
        alias: An alias to set on the new version.
        tracking_uri: The MLflow store.

    Returns:
        :class:`~stalkflag.model.Calibration`: the new chain, the figures it was placed on and
        ``logged`` (the new version's ``model_uri``, ``version``, ``run_id``).
    """
    from stalkflag.model import MIN_PAIRS, MIN_STALKING_PAIRS
    from stalkflag.model import calibrate as run

    return run(
        model,
        _incidents(incidents),
        labels,
        force=force,
        target_precision=target_precision,
        precision_z=precision_z,
        review_recall=review_recall,
        min_pairs=MIN_PAIRS if min_pairs is None else min_pairs,
        min_stalking=MIN_STALKING_PAIRS if min_stalking is None else min_stalking,
        alias=alias,
        tracking_uri=tracking_uri,
    )
