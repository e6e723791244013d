"""Shared fixtures: small synthetic exports written to temporary folders."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from stalkflag.io import write_frame
from stalkflag.synth import SynthConfig, generate

DATA = Path(__file__).parent / "data"


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
