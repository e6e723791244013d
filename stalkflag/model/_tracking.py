"""MLflow: where runs go, what a training run logs, and the registry's champion.

Embedded default: a SQLite store and an artifact folder under the project's ``models/mlflow/``
(found from the installed package, so any working folder gives the same store). A tracking
server is used when ``MLFLOW_TRACKING_URI`` or the config names one.

Nothing personal is logged: parameters are the config, metrics are aggregates, artifacts are
plots of aggregates, per-group tables, the model card and the model (hashed text features,
no vocabulary; a hand-written input example with no real or synthetic names).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from stalkflag import __version__
from stalkflag.model._chain import ScoringChain
from stalkflag.model._config import TrainConfig
from stalkflag.model._train import TrainResult

__all__ = [
    "INPUT_EXAMPLE",
    "default_tracking_uri",
    "log_card",
    "log_training",
    "project_root",
    "use_tracking",
]

logger = logging.getLogger(__name__)


def project_root() -> Path | None:
    """The source checkout stalkflag runs from, if it runs from one (an editable install)."""
    here = Path(__file__).resolve().parents[2]
    pyproject = here / "pyproject.toml"
    if pyproject.exists() and 'name = "stalkflag"' in pyproject.read_text(encoding="utf-8"):
        return here
    return None


def _store_folder() -> Path:
    root = project_root()
    return (root / "models" / "mlflow") if root else Path.home() / ".stalkflag" / "mlflow"


def default_tracking_uri() -> str:
    """``MLFLOW_TRACKING_URI`` if set, else the project's SQLite store."""
    if os.environ.get("MLFLOW_TRACKING_URI"):
        return os.environ["MLFLOW_TRACKING_URI"]
    folder = _store_folder()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'mlflow.db'}"


def use_tracking(tracking_uri: str | None = None) -> str:
    """Point MLflow (tracking and registry) at ``tracking_uri`` or the default; return it."""
    import mlflow

    uri = tracking_uri or default_tracking_uri()
    # Downloading a model's few files needs no progress bar on the user's terminal.
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return uri


def _experiment(name: str, uri: str) -> str:
    import mlflow

    found = mlflow.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    location = None
    if uri.startswith("sqlite:///"):
        # Keep artifacts beside the SQLite file, not in whatever folder the run starts from.
        location = (Path(uri.removeprefix("sqlite:///")).parent / "artifacts").resolve().as_uri()
    return mlflow.create_experiment(name, artifact_location=location)


_RESULT_PACKAGES = ("numpy", "scipy", "pandas", "scikit-learn", "spacy", "splink", "duckdb")
"""Libraries whose version can change a run's figures; each is a run tag (``env.numpy``...)."""


def _environment() -> dict[str, str]:
    """Where the run ran: Python, the machine and the versions of the libraries that compute
    its figures, so two runs of one commit that disagree can be told apart."""
    from importlib import metadata

    tags = {
        "env.python": platform.python_version(),
        "env.platform": platform.platform(),
        "env.cpu_count": str(os.cpu_count()),
    }
    for package in _RESULT_PACKAGES:
        try:
            tags[f"env.{package}"] = metadata.version(package)
        except metadata.PackageNotFoundError:
            tags[f"env.{package}"] = "not installed"
    return tags


def _code_version() -> dict[str, str]:
    tags = {"stalkflag.version": __version__, **_environment()}
    root = project_root()
    if root and (root / ".git").exists():
        try:
            commit = subprocess.run(
                ["git", "-C", str(root), "rev-parse", "HEAD"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            dirty = subprocess.run(
                ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            tags["git.commit"] = commit
            tags["git.dirty"] = str(bool(dirty)).lower()
        except (OSError, subprocess.CalledProcessError):
            pass
    return tags


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> dict[str, Any]:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else key, inner, out)
    else:
        out[prefix] = value
    return out


INPUT_EXAMPLE = pd.DataFrame(
    {
        "incident_id": ["EX-1", "EX-2", "EX-3"],
        "reported_at": ["2025-01-03T10:00:00", "2025-01-20T21:15:00", "2025-02-02T08:30:00"],
        "recorded_category": ["harassment", "malicious_communications", "harassment"],
        "notes": [
            "Victim reports her ex-partner followed her home from the station.",
            "He sent 40 messages overnight after being told to stop contacting her.",
            "Suspect turned up at her work again and waited outside until she left.",
        ],
        "victim_id": ["V-EX", "V-EX", "V-EX"],
        "suspect_id": ["S-EX", "S-EX", "S-EX"],
        "victim_name": ["Victim Example", "Victim Example", "Victim Example"],
        "suspect_name": ["Suspect Example", "Suspect Example", "Suspect Example"],
        "victim_dob": ["1990-01-01"] * 3,
        "suspect_dob": ["1988-01-01"] * 3,
        "relationship": ["ex_partner"] * 3,
        "force": ["EX"] * 3,
    }
)
"""A hand-written example export: no names from any data set."""


def _plots(result: TrainResult, folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import ConfusionMatrixDisplay, precision_recall_curve

    paths = []
    fig, ax = plt.subplots(figsize=(6, 5))
    for name, held in result.held_out.items():
        op = held.pairs[~held.pairs["recorded"].astype(bool)]
        precision, recall, _ = precision_recall_curve(op["y"], op["score"])
        ax.plot(recall, precision, label=f"stalkflag, {name.replace('_', ' ')}")
        kw = held.metrics
        ax.scatter([kw["keywords_pattern_recall"]], [kw["keywords_pattern_precision"]], marker="x")
    ax.axhline(result.config.decision.target_precision, color="grey", lw=0.5, ls="--")
    ax.set(xlabel="recall (stalking pairs not recorded as stalking)", ylabel="precision",
           title="Pattern level; x = keyword search")  # fmt: skip
    ax.legend(fontsize=8)
    paths.append(folder / "pr_curve.png")
    fig.savefig(paths[-1], dpi=110, bbox_inches="tight")
    plt.close(fig)

    test = result.held_out["test"].scores
    open_ = test[~test["recorded_stalking"]]
    fig, ax = plt.subplots(figsize=(5, 5))
    observed, predicted = calibration_curve(
        open_["y"], open_["score"], n_bins=10, strategy="quantile"
    )
    ax.plot(predicted, observed, marker="o", label="test incidents")
    ax.plot([0, 1], [0, 1], color="grey", lw=0.5)
    ax.set(
        xlabel="predicted probability", ylabel="observed share stalking", title="Calibration (test)"
    )
    ax.legend()
    paths.append(folder / "calibration_curve.png")
    fig.savefig(paths[-1], dpi=110, bbox_inches="tight")
    plt.close(fig)

    pairs = result.held_out["test"].pairs
    op = pairs[~pairs["recorded"].astype(bool)]
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ConfusionMatrixDisplay.from_predictions(
        op["y"], (op["score"] >= result.chain.flag_threshold).astype(int),
        display_labels=["not stalking", "stalking"], ax=ax, colorbar=False,
    )  # fmt: skip
    ax.set_title("Test pairs at the flag threshold")
    paths.append(folder / "confusion_matrix.png")
    fig.savefig(paths[-1], dpi=110, bbox_inches="tight")
    plt.close(fig)

    if result.contributions is not None:
        mean = result.contributions.mean().sort_values()
        fig, ax = plt.subplots(figsize=(7, 0.28 * len(mean) + 1))
        ax.barh([str(i) for i in mean.index], mean.to_numpy())
        ax.set(xlabel="mean contribution to the score (flagged test incidents)",
               title="What the model uses: evidence groups, occluded one at a time")  # fmt: skip
        paths.append(folder / "behaviour_contributions.png")
        fig.savefig(paths[-1], dpi=110, bbox_inches="tight")
        plt.close(fig)
    return paths


def log_training(
    result: TrainResult, *, tracking_uri: str | None = None, card: str | None = None
) -> dict[str, Any]:
    """Log a finished training run to MLflow, register its model, and make it the champion if
    it beats the current one on the validation metric.

    Returns:
        ``run_id``, ``model_uri``, ``version``, ``champion`` (whether it became champion),
        ``previous`` (the champion's metric before, if any) and ``tracking_uri``.
    """
    import mlflow
    from mlflow.exceptions import MlflowException

    config: TrainConfig = result.config
    uri = use_tracking(tracking_uri or config.tracking.tracking_uri)
    experiment_id = _experiment(config.tracking.experiment, uri)
    metric = config.tracking.champion_metric
    fingerprint = compatibility(result.chain.behaviours)
    with tempfile.TemporaryDirectory() as tmp, mlflow.start_run(experiment_id=experiment_id) as run:
        folder = Path(tmp)
        resolved = config.model_dump(mode="json")
        mlflow.log_params(_flatten("", resolved, {}))
        mlflow.set_tags(
            {
                **_code_version(),
                "data.fingerprint": result.dataset.fingerprint,
                "data.source": result.dataset.source,
                "data.incidents": str(len(result.dataset.incidents)),
                "data.rejected": str(result.dataset.n_rejected),
                COMPATIBILITY_TAG: fingerprint,
            }
        )
        _log_input(result)
        metrics = {f"val_{k}": v for k, v in result.validation.items()}
        for name, held in result.held_out.items():
            metrics |= {f"{name}_{k}": v for k, v in held.metrics.items()}
        metrics |= {f"seconds_{k}": v for k, v in result.timings.items()}
        metrics |= {
            "flag_threshold": result.chain.flag_threshold,
            "review_threshold": result.chain.review_threshold,
        }
        mlflow.log_metrics({k: float(v) for k, v in metrics.items() if np.isfinite(v)})
        (folder / "config.resolved.yaml").write_text(yaml.safe_dump(resolved, sort_keys=False))
        mlflow.log_artifact(str(folder / "config.resolved.yaml"))
        (folder / "metrics.json").write_text(json.dumps(metrics, indent=2, default=float))
        mlflow.log_artifact(str(folder / "metrics.json"))
        for name, held in result.held_out.items():
            for group, table in held.groups.items():
                path = folder / f"{name}_by_{group}.csv"
                table.to_csv(path)
                mlflow.log_artifact(str(path), "groups")
        for path in _plots(result, folder):
            mlflow.log_artifact(str(path), "plots")
        if card:
            (folder / "model_card.md").write_text(card, encoding="utf-8")
            mlflow.log_artifact(str(folder / "model_card.md"))

        info = _log_model(result.chain, folder)
        run_id = run.info.run_id
    version = mlflow.register_model(info.model_uri, config.tracking.registered_model)
    client = mlflow.MlflowClient()
    name = config.tracking.registered_model
    new = metrics.get(metric)
    if new is None:
        raise KeyError(
            f"champion metric {metric} was not computed; choose one of: {', '.join(sorted(metrics))}"
        )
    previous = None
    compatible = True
    try:
        champion = client.get_model_version_by_alias(name, "champion")
        champion_run = client.get_run(str(champion.run_id)).data
        previous = champion_run.metrics.get(metric)
        compatible = champion_run.tags.get(COMPATIBILITY_TAG) == fingerprint
    except MlflowException:
        champion = None
    # A champion this version of stalkflag can no longer load (its behaviour catalogue or chain
    # format differs) is replaced, whatever its metric: scoring must keep working.
    promote = champion is None or previous is None or not compatible or new > previous
    if champion is not None and not compatible:
        logger.warning(
            "the champion (version %s) was trained by a stalkflag with different behaviour rules "
            "and can no longer be loaded; version %s replaces it",
            champion.version,
            version.version,
        )
    if promote:
        client.set_registered_model_alias(name, "champion", version.version)
    client.set_model_version_tag(name, version.version, metric, f"{new:.4f}")
    return {
        "run_id": run_id,
        "model_uri": f"models:/{name}/{version.version}",
        "version": int(version.version),
        "champion": promote,
        "previous": previous,
        "replaced_incompatible": champion is not None and not compatible,
        "metric": metric,
        "value": new,
        "tracking_uri": uri,
    }


def _log_model(chain: ScoringChain, folder: Path):
    """Log the chain as the run's pyfunc model ``model`` (what ``stalkflag score`` and
    ``mlflow models serve`` load); returns MLflow's model info."""
    import mlflow

    from stalkflag.model._served import contract_metadata, served_signature

    chain_dir = chain.save(folder / "chain")
    return mlflow.pyfunc.log_model(
        name="model",
        python_model=str(Path(__file__).with_name("_pyfunc.py")),
        artifacts={"chain": str(chain_dir)},
        signature=served_signature(),  # the served contract (model/_served.py)
        input_example=INPUT_EXAMPLE,
        pip_requirements=[f"stalkflag=={__version__}"],
        metadata=contract_metadata(),
    )


def _log_input(result: TrainResult) -> None:
    """The training export as the run's input dataset (``mlflow.log_input``): its source, the
    SHA-256 fingerprint as digest, the column schema and the row count; no value of any row."""
    import warnings

    import mlflow
    from mlflow.data.pandas_dataset import from_pandas

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a plain path "can be interpreted in multiple ways"
        dataset = from_pandas(
            result.dataset.incidents,
            source=result.dataset.source,
            name="training export",
            digest=result.dataset.fingerprint[:16],
        )
        mlflow.log_input(dataset, context="training")


COMPATIBILITY_TAG = "stalkflag.chain_compatibility"
"""Run tag: which chain format and behaviour catalogue a model needs to load."""


def compatibility(behaviours: tuple[str, ...]) -> str:
    """A short fingerprint of what loading a saved chain checks (format, behaviour ids and text
    pipeline version)."""
    from stalkflag.model._persist import FORMAT
    from stalkflag.text import TEXT_PIPELINE

    text = json.dumps(
        {"format": FORMAT, "behaviours": sorted(behaviours), "text_pipeline": TEXT_PIPELINE}
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def log_card(run_id: str, text: str) -> None:
    """Add the model card (which names the run and version, so it is written after them) to a
    finished run."""
    import mlflow

    mlflow.MlflowClient().log_text(run_id, text, "model_card.md")
