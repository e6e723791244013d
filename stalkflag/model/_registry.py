"""The registry's side of ``stalkflag calibrate``: which registered version a URI names, and a
calibration logged as its own run and registered as a new version of the same model.

A calibrated version is a model like any other (the same pyfunc model and chain format as
:func:`~stalkflag.model._tracking.log_training` logs), so ``stalkflag score --model
models:/stalkflag/<version>`` and ``mlflow models serve`` load it unchanged.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from stalkflag.errors import ConfigError
from stalkflag.model._tracking import (
    COMPATIBILITY_TAG,
    _code_version,
    _experiment,
    _log_model,
    compatibility,
    use_tracking,
)

if TYPE_CHECKING:
    from stalkflag.model._calibrate import Calibration

__all__ = ["log_calibration", "registered_version"]


def registered_version(model: str, tracking_uri: str | None = None) -> dict[str, Any]:
    """The registered version a ``models:/NAME/VERSION`` or ``models:/NAME@ALIAS`` URI names
    now: ``name``, ``version``, ``run_id`` and ``uri`` (``models:/NAME/VERSION``, pinned).

    Raises:
        ConfigError: Not such a URI (``C070``), or no such model, version or alias in the
            store (``C071``).
    """
    import mlflow
    from mlflow.exceptions import MlflowException

    found = re.fullmatch(r"models:/([^/@]+)(?:/(\d+)|@([\w.-]+))", model.strip())
    if found is None:
        raise ConfigError(
            f"model {model} is not a registered model: calibration makes a new version of one, "
            "so name it as models:/NAME/VERSION or models:/NAME@ALIAS.",
            code="C070",
        )
    name, number, alias = found.groups()
    uri = use_tracking(tracking_uri)
    client = mlflow.MlflowClient(uri)
    try:
        version = (
            client.get_model_version(name, number)
            if number
            else client.get_model_version_by_alias(name, alias)
        )
    except MlflowException as exc:
        raise ConfigError(
            f"the MLflow store at {uri} has no model {model} ({exc.error_code}); list its "
            "versions in the MLflow UI, or train one (stalkflag train).",
            code="C071",
        ) from None
    return {
        "name": name,
        "version": int(version.version),
        "run_id": version.run_id,
        "uri": f"models:/{name}/{version.version}",
    }


def log_calibration(
    result: Calibration,
    *,
    digest: str,
    n_incidents: int,
    alias: str | None = None,
    tracking_uri: str | None = None,
) -> dict[str, Any]:
    """Log a calibration as a run in the source version's experiment and register its chain
    as a new version of the same registered model; the source version is left as it was.

    Params are the settings (source version, force, target precision, margin, review recall,
    minimums); metrics are :attr:`Calibration.figures` and the source run's threshold-free
    ranking figures (``*pr_auc``: the estimators are the same, so they still hold, and
    ``stalkflag train``'s champion comparison can read them); tags name the source version,
    the chain's compatibility and the decisions' digest. Nothing per pair or per incident is
    logged.

    Returns:
        ``run_id``, ``model_uri``, ``version``, ``alias`` (``None`` unless given) and
        ``tracking_uri``.
    """
    import mlflow

    assert result.source is not None
    source = result.source
    figures = result.figures
    uri = use_tracking(tracking_uri)
    client = mlflow.MlflowClient(uri)
    source_run = client.get_run(source["run_id"]) if source.get("run_id") else None
    experiment_id = source_run.info.experiment_id if source_run else _experiment("stalkflag", uri)
    params: dict[str, Any] = {
        "source.model_uri": source["uri"],
        "source.version": source["version"],
        "force": figures["force"],
        **{k: figures[k] for k in ("target_precision", "precision_z", "review_recall")},
        **{k: figures[k] for k in ("min_pairs", "min_stalking") if k in figures},
    }
    metrics = {
        k: float(v)
        for k, v in figures.items()
        if isinstance(v, int | float) and k not in params and np.isfinite(v)
    }
    if source_run is not None:
        metrics |= {k: v for k, v in source_run.data.metrics.items() if k.endswith("pr_auc")}
    with (
        tempfile.TemporaryDirectory() as tmp,
        mlflow.start_run(
            experiment_id=experiment_id,
            run_name=f"calibrate v{source['version']} {figures['force']}",
        ) as run,
    ):
        folder = Path(tmp)
        mlflow.log_params(params)
        mlflow.set_tags(
            {
                **_code_version(),
                "stalkflag.run_kind": "calibration",
                "calibrated_from.version": str(source["version"]),
                "calibrated_from.run_id": str(source.get("run_id") or ""),
                "calibrated_from.model_uri": source["uri"],
                "decisions.digest": digest,
                "data.incidents": str(n_incidents),
                COMPATIBILITY_TAG: compatibility(result.chain.behaviours),
            }
        )
        mlflow.log_metrics(metrics)
        (folder / "calibration.json").write_text(
            json.dumps(figures, indent=2, default=float), encoding="utf-8"
        )
        mlflow.log_artifact(str(folder / "calibration.json"))
        info = _log_model(result.chain, folder)
        run_id = run.info.run_id
    name = source["name"]
    version = mlflow.register_model(
        info.model_uri,
        name,
        tags={"calibrated_from": str(source["version"]), "force": str(figures["force"])},
    )
    client.update_model_version(
        name,
        version.version,
        description=(
            f"Version {source['version']} with its flag and review band re-placed on "
            f"{figures['decided_pairs']} decided pairs ({figures['decided_stalking_pairs']} "
            f"confirmed) of {'every force' if figures['force'] == 'all' else figures['force']}: flag {figures['old_flag_threshold']:.4f} -> "
            f"{figures['flag_threshold']:.4f}, review {figures['old_review_threshold']:.4f} -> "
            f"{figures['review_threshold']:.4f}."
        ),
    )
    if alias:
        client.set_registered_model_alias(name, alias, version.version)
    return {
        "run_id": run_id,
        "model_uri": f"models:/{name}/{version.version}",
        "version": int(version.version),
        "name": name,
        "alias": alias or None,
        "tracking_uri": uri,
    }
