"""Scoring an export with a fitted chain, and finding the chain in the MLflow registry."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from stalkflag._defaults import CHAMPION_URI
from stalkflag.errors import ConfigError
from stalkflag.model._chain import ScoringChain
from stalkflag.model._prepare import prepare
from stalkflag.validate import ValidationReport, validate_frame

__all__ = ["CHAMPION_URI", "load_chain", "score_frame", "score_incidents"]

logger = logging.getLogger(__name__)


def score_incidents(
    chain: ScoringChain, incidents: pd.DataFrame, *, explain: bool = True
) -> pd.DataFrame:
    """Score validated incidents (see :meth:`ScoringChain.score` for the columns)."""
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
    ``models:/stalkflag@champion`` or ``runs:/<run id>/model``."""
    path = Path(model)
    if path.exists():
        chain_dir = path / "artifacts" / "chain" if (path / "MLmodel").exists() else path
        return ScoringChain.load(chain_dir)
    if ":/" not in model:
        raise ConfigError(
            f"model {model} is neither a folder nor an MLflow model URI.", code="C043"
        )
    import mlflow
    from mlflow.exceptions import MlflowException

    from stalkflag.model._tracking import use_tracking

    uri = use_tracking(tracking_uri)
    try:
        local = mlflow.artifacts.download_artifacts(artifact_uri=model)
    except MlflowException as exc:
        raise ConfigError(
            f"cannot load {model} from the MLflow store at {uri} ({exc.error_code}); "
            "train one first (stalkflag train --config pipelines/train.yaml) or name another with --model.",
            code="C044",
        ) from None
    return ScoringChain.load(Path(local) / "artifacts" / "chain")
