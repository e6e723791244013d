"""Shared by the experiment scripts: a validated synthetic export, and the Markdown report."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from stalkflag.io import read_export, write_frame
from stalkflag.synth import SynthConfig, generate
from stalkflag.validate import validate_export


def means_over_seeds(table: pd.DataFrame, by: str, suffixes: tuple[str, ...]) -> pd.DataFrame:
    """Per ``by`` value: the mean over seeds of every column ending in one of ``suffixes``, and
    on how many seeds the goal was met (column ``goal met on both``, ``yes``/``no``)."""
    numeric = [c for c in table.columns if c.endswith(suffixes)]
    return (
        table.groupby(by, sort=False)
        .agg(
            **{f"mean {c}": (c, "mean") for c in numeric},
            **{
                "seeds meeting the goal": (
                    "goal met on both",
                    lambda v: f"{(v == 'yes').sum()} of {len(v)}",
                )
            },
        )
        .reset_index()
    )


def validated_synthetic(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate ``n`` incidents and take them through the path a force's file takes (write
    CSV, read, validate). Returns the accepted rows and the truth aligned with them."""
    export, truth = generate(SynthConfig(n, seed=seed), workers=2)
    with tempfile.TemporaryDirectory() as tmp:
        incidents = validate_export(
            read_export(write_frame(export, Path(tmp) / "incidents.csv"))
        ).accepted
    truth = truth.set_index("incident_id").loc[incidents["incident_id"]].reset_index()
    return incidents, truth


def per_seed_report(
    title: str, cmd: str, doc: str, table: pd.DataFrame, summary: pd.DataFrame
) -> list[str]:
    """A report of figures per seed and their means over seeds: title, the command that made
    it, the script's description (its docstring after the first two paragraphs) and the two
    tables."""
    return [
        f"# {title}",
        "",
        f"`{cmd}`",
        "",
        doc.split("\n\n", 2)[2].strip(),
        "",
        "## Per seed",
        "",
        table.to_markdown(index=False, floatfmt=".3f"),
        "",
        "## Over seeds",
        "",
        summary.to_markdown(index=False, floatfmt=".3f"),
        "",
    ]


def emit(lines: list[str], out: Path | None) -> None:
    """Join ``lines`` into one Markdown report, print it, and write it to ``out`` if given."""
    text = "\n".join(lines).rstrip("\n") + "\n"
    if out:
        out.write_text(text)
    print(text)
