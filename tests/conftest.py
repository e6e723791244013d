"""Shared fixtures: small synthetic exports written to temporary folders."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from stalkflag.io import write_frame
from stalkflag.synth import SynthConfig, generate

if TYPE_CHECKING:
    from stalkflag.model import TrainResult

DATA = Path(__file__).parent / "data"

_PYCACHE: str | None = None


def pytest_configure(config) -> None:
    _one_openmp_thread()
    _quick_spark_jit()
    _bytecode_cache()


def _one_openmp_thread() -> None:
    """One OpenMP thread for this session and its children, unless OMP_NUM_THREADS says
    otherwise. The boosted classifier's OpenMP threads, on exports this small and on a shared
    two-core machine, mostly wait for one another: one thread gives the same model (the suite's
    training run took 96 s with two threads and 27 s with one, and wrote the same figures).
    Set before scikit-learn is imported, so its OpenMP runtime starts with it."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")


def _quick_spark_jit() -> None:
    """Spark's JVMs here (this process's and `stalkflag score --engine spark`'s) run some
    hundreds of tiny jobs and stop, mostly before the JVM's optimising compiler pays for itself:
    its quick compiler alone (``-XX:TieredStopAtLevel=1``) gives the same outputs sooner (the
    CLI's Spark run took 100 s with both compilers and 77 s with the quick one, on a busy
    machine). Through ``PYSPARK_SUBMIT_ARGS``, which PySpark reads as it starts the JVM; a value
    already set is left alone."""
    os.environ.setdefault(
        "PYSPARK_SUBMIT_ARGS", "--driver-java-options -XX:TieredStopAtLevel=1 pyspark-shell"
    )


def _bytecode_cache() -> None:
    """Where bytecode is not written (``PYTHONDONTWRITEBYTECODE=1`` in the environment), every
    Python the suite starts (the console script, ``mlflow models serve``, Spark's and
    multiprocessing's workers: dozens) compiles mlflow, pandas, sklearn, spaCy and Splink from
    source again, some 15 s of CPU for each `stalkflag score`. For this session only, bytecode
    goes to a temporary ``PYTHONPYCACHEPREFIX`` (never beside the sources or into the
    environment), shared by this process and every child, and removed at the end. Nothing else
    about the processes changes; where bytecode is written already, this does nothing."""
    global _PYCACHE
    if not sys.dont_write_bytecode or os.environ.get("PYTHONPYCACHEPREFIX"):
        return
    _PYCACHE = tempfile.mkdtemp(prefix="stalkflag-pycache-")
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = _PYCACHE
    sys.pycache_prefix = _PYCACHE
    sys.dont_write_bytecode = False


def pytest_unconfigure(config) -> None:
    if _PYCACHE is not None:
        shutil.rmtree(_PYCACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def synth_small() -> tuple[pd.DataFrame, pd.DataFrame]:
    """3,000 incidents and their truth, seed 7."""
    return generate(SynthConfig(n_incidents=3000, seed=7))


@pytest.fixture(scope="session")
def synth_csv(tmp_path_factory, synth_small) -> Path:
    export, truth = synth_small
    folder = tmp_path_factory.mktemp("synth")
    write_frame(truth, folder / "incidents.truth.csv")
    return write_frame(export, folder / "incidents.csv")


@pytest.fixture()
def broken_csv() -> Path:
    return DATA / "broken_export.csv"


@pytest.fixture(scope="session")
def accepted(synth_csv) -> pd.DataFrame:
    """The synthetic export after validation."""
    from stalkflag.io import read_export
    from stalkflag.validate import validate_export

    return validate_export(read_export(synth_csv)).accepted


@pytest.fixture(scope="session")
def truth(synth_small, accepted) -> pd.DataFrame:
    """Ground truth aligned with ``accepted``."""
    return synth_small[1].set_index("incident_id").loc[accepted["incident_id"]].reset_index()


@pytest.fixture(scope="session")
def linked(accepted):
    """Real Splink linkage of the synthetic export (DuckDB)."""
    from stalkflag.linkage import link_incidents

    return link_incidents(accepted)


PROJECT = Path(__file__).resolve().parents[1]


@dataclass
class Tracked:
    """The session's training run as `stalkflag train` makes it, and where it was logged."""

    result: TrainResult
    store: str  # sqlite:///.../mlflow.db, holding that run and models:/stalkflag/1 (champion)
    stages: list[str]  # what the run said as each stage started


@pytest.fixture(scope="session")
def tracked(tmp_path_factory) -> Tracked:
    """One small model for the whole session: 3,000 synthetic incidents (seed 42) plus an
    800-incident export in unseen styles, trained by the facade as `stalkflag train` trains
    (``stalkflag.api.train``, the config named relative to the project), logged to MLflow in a
    temporary SQLite store and registered there as ``models:/stalkflag/1``, the champion.

    Shared by the model, behaviour, batch, API, serving and CLI scoring tests, which only read
    the store: nothing may log another run to it (tests that register more versions log the
    model into a store of their own)."""
    from stalkflag import api

    folder = tmp_path_factory.mktemp("train")
    store = f"sqlite:///{folder}/mlflow.db"
    stages: list[str] = []
    result = api.train(
        "pipelines/train.yaml",
        # 167 validation pairs are too few to place a flag at 0.80 precision less one standard
        # error on every split; the tests need a flag, not that margin.
        [
            "data.synthetic.n_incidents=3000",
            "data.synthetic.n_unseen=800",
            "decision.precision_z=0",
        ],
        tracking_uri=store,
        work_dir=folder / "work",
        on_stage=stages.append,
    )
    return Tracked(result, store, stages)


@pytest.fixture(scope="session")
def trained(tracked) -> TrainResult:
    """The session's fitted model and its held-out evaluations (see ``tracked``)."""
    return tracked.result
