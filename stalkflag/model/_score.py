"""Scoring an export with a fitted chain, and finding the chain in the MLflow registry."""

from __future__ import annotations

import logging
import re
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from stalkflag._defaults import CHAMPION_URI
from stalkflag.errors import ConfigError
from stalkflag.model._chain import ScoringChain
from stalkflag.model._prepare import prepare
from stalkflag.validate import ValidationReport, validate_frame

__all__ = ["CHAMPION_URI", "load_chain", "model_identity", "score_frame", "score_incidents"]

logger = logging.getLogger(__name__)


def score_incidents(
    chain: ScoringChain, incidents: pd.DataFrame, *, explain: bool = True
) -> pd.DataFrame:
    """Score validated incidents (see :meth:`ScoringChain.score` for the columns); none gives
    an empty frame with those columns."""
    if not len(incidents):
        return chain.score_columns_empty()
    prepared, _ = prepare(
        incidents, linkage_model=chain.linkage_model, linkage_threshold=chain.linkage_threshold
    )
    return chain.score(prepared, explain=explain)


def score_frame(chain: ScoringChain, frame: pd.DataFrame) -> tuple[pd.DataFrame, ValidationReport]:
    """Validate a raw export frame (every cell text or missing) and score its good rows."""
    report = validate_frame(frame)
    if not len(report.accepted):
        return chain.score_columns_empty(), report
    return score_incidents(chain, report.accepted), report


def load_chain(model: str = CHAMPION_URI, *, tracking_uri: str | None = None) -> ScoringChain:
    """A fitted chain from a folder (``ScoringChain.save``) or an MLflow model URI such as
    ``models:/stalkflag@champion`` or ``runs:/<run id>/model``.

    Loading writes nothing into the store: MLflow copies the model into a temporary folder
    (where it adds its ``registered_model_meta`` note), so a read-only store serves.
    """
    path = Path(model)
    if path.exists():
        chain_dir = path / "artifacts" / "chain" if (path / "MLmodel").exists() else path
        return _load_folder(chain_dir, model)
    scheme = model.split(":", 1)[0] if ":" in model else ""
    if scheme not in _SCHEMES:
        raise ConfigError(
            f"model {model} is neither a folder nor an MLflow model URI "
            f"({' or '.join(_SCHEMES_SHOWN)}).",
            code="C043",
        )
    import mlflow
    from mlflow.exceptions import MlflowException

    from stalkflag.model._tracking import use_tracking

    uri = use_tracking(tracking_uri)
    with tempfile.TemporaryDirectory(prefix="stalkflag-model-") as folder:
        try:
            local = mlflow.artifacts.download_artifacts(artifact_uri=model, dst_path=folder)
        except MlflowException as exc:
            raise ConfigError(
                f"cannot load {model} from the MLflow store at {uri} ({exc.error_code}); "
                "train one first (stalkflag train --config pipelines/train.yaml) or name another with --model.",
                code="C044",
            ) from None
        except OSError as exc:
            raise ConfigError(
                f"cannot load {model} from the MLflow store at {uri} "
                f"({exc.strerror or type(exc).__name__}).",
                code="C044",
            ) from None
        return _load_folder(Path(local) / "artifacts" / "chain", model)


_SCHEMES = ("models", "runs")
_SCHEMES_SHOWN = ("models:/NAME@ALIAS", "models:/NAME/VERSION", "runs:/RUN_ID/model")


def _load_folder(folder: Path, model: str) -> ScoringChain:
    """``ScoringChain.load``, with a damaged or foreign folder said in one sentence."""
    import zipfile

    if not folder.is_dir():
        raise ConfigError(f"model {model} is not a folder holding a stalkflag model.", code="C040")
    try:
        return ScoringChain.load(folder)
    except ConfigError:
        raise
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
        raise ConfigError(
            f"model {model} cannot be read ({type(exc).__name__}): it is damaged or not a "
            "stalkflag model; save or download it again.",
            code="C040",
        ) from None


def model_identity(model: str, tracking_uri: str | None = None) -> dict[str, Any]:
    """``uri`` and ``version`` of a model as :func:`stalkflag.api.load_model` takes it: the
    registered version behind ``models:/name@alias``, the version of ``models:/name/3``, the run
    of ``runs:/...``, or ``folder`` for a saved folder. Never fails: an unknown version is
    ``unknown``."""
    if Path(model).exists():
        return {"uri": str(model), "version": "folder"}
    version = "unknown"
    if found := re.fullmatch(r"models:/([^/@]+)/(\d+)", model):
        version = found.group(2)
    elif found := re.fullmatch(r"models:/([^/@]+)@(.+)", model):
        try:
            import mlflow

            from stalkflag.model._tracking import use_tracking

            client = mlflow.MlflowClient(use_tracking(tracking_uri))
            version = str(client.get_model_version_by_alias(*found.groups()).version)
        except Exception:  # the version is for the record; scoring goes on without it
            logger.warning("could not read the version of %s", model)
    elif found := re.fullmatch(r"runs:/([0-9a-f]+)/.*", model):
        version = f"run {found.group(1)}"
    return {"uri": model, "version": version}
