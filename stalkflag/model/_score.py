"""Scoring an export with a fitted chain, and finding the chain in the MLflow registry."""

from __future__ import annotations

import logging
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stalkflag._defaults import CHAMPION_URI
from stalkflag.errors import ConfigError
from stalkflag.linkage import INCIDENT_LINK_COLUMNS
from stalkflag.model._chain import ScoringChain
from stalkflag.model._prepare import prepare
from stalkflag.validate import ValidationReport, validate_frame

__all__ = [
    "CHAMPION_URI", "Scorer", "load_chain", "model_identity", "score_frame", "score_incidents",
]  # fmt: skip

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


class Scorer:
    """A fitted chain kept ready to score small exports one after another, as the API scores
    each request's incidents with their stored history.

    :meth:`score` gives exactly what :func:`score_incidents` gives for the same incidents (the
    same linkage, reading, features, classifier and reasons; ``tests/test_api_scoring.py``),
    without what costs more than a few incidents do: the text and notes pipelines are built
    once, linkage runs the chain's saved Splink model in Python (``linkage_backend="python"``,
    no database), notes read before are kept (:class:`~stalkflag.text.Reads`, ``reads`` of
    them), the classifier predicts in this thread (OpenMP threads do not repay a few rows),
    and only the rows asked for are scored and explained. One call at a time: spaCy pipelines
    are not shared between threads.
    """

    def __init__(self, chain: ScoringChain, *, reads: int = 20_000) -> None:
        import threading

        from threadpoolctl import ThreadpoolController

        from stalkflag.linkage import make_notes_pipeline, python_linkage
        from stalkflag.text import Reads, make_text_pipeline

        self.chain = chain
        self.reads = Reads(reads)
        self._nlp = make_text_pipeline()
        self._notes_nlp = make_notes_pipeline()
        self._threads = ThreadpoolController()
        self._lock = threading.Lock()
        if not python_linkage(chain.linkage_model):
            logger.warning("this chain's linkage model links with DuckDB: scoring is slower")

    def score(
        self, incidents: pd.DataFrame, *, rows: np.ndarray | None = None, explain: bool = True
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Score validated incidents, each read with all of ``incidents``.

        Returns:
            The rows of :func:`score_incidents` at positions ``rows`` of ``incidents`` (default
            all), and every incident's links (``incident_id``, ``pair_id``, the person ids,
            ``link_confidence``, ``suspect_link_method``), in the order of ``incidents``.
        """
        if not len(incidents):
            return self.chain.score_columns_empty(), pd.DataFrame(
                columns=list(INCIDENT_LINK_COLUMNS)
            )
        with self._lock, self._threads.limit(limits=1, user_api="openmp"):
            prepared, _ = prepare(
                incidents,
                linkage_model=self.chain.linkage_model,
                linkage_threshold=self.chain.linkage_threshold,
                linkage_backend="python",
                nlp=self._nlp,
                notes_nlp=self._notes_nlp,
                reads=self.reads,
            )
            return self.chain.score(prepared, explain=explain, rows=rows), prepared.links


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
