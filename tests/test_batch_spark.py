"""`stalkflag score --engine spark` (Splink on Spark, then reading, scoring and patterns in Spark
tasks, local mode) writes what the local engine writes, and says so in one sentence when Spark
cannot run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pandas as pd
import pytest

from stalkflag.batch import fingerprint, model_identity, score_batch, write_batch
from stalkflag.io import read_export, write_frame
from stalkflag.synth import SynthConfig, generate
from stalkflag.validate import validate_export

TABLES = ("incidents", "patterns", "suspects")


def stalkflag(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "stalkflag", *args],
        capture_output=True,
        text=True,
        timeout=900,
        env={k: v for k, v in os.environ.items() if k != "SPARK_MASTER"} | (env or {}),
    )


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    """400 synthetic incidents (flags, reviews, a serial suspect, counting-rules findings)."""
    frame, _ = generate(SynthConfig(n_incidents=400, seed=11))
    return write_frame(frame, tmp_path_factory.mktemp("spark_export") / "incidents.csv")


@pytest.fixture(scope="module")
def model_dir(trained, tmp_path_factory):
    return trained.chain.save(tmp_path_factory.mktemp("spark_model") / "chain")


@pytest.fixture(scope="module")
def local(trained, export, model_dir, tmp_path_factory):
    """The local engine's outputs, written as the CLI writes them."""
    accepted = validate_export(read_export(export)).accepted
    result = score_batch(
        accepted,
        trained.chain,
        model=model_identity(str(model_dir)),
        inputs=[fingerprint(export)],
        rows_read=len(accepted),
    )
    out = tmp_path_factory.mktemp("local_scored")
    write_batch(result, out, format="parquet")
    return out


@pytest.fixture(scope="module")
def on_spark(export, model_dir, tmp_path_factory):
    """One `stalkflag score --engine spark` run, as a user runs it (its own local session)."""
    out = tmp_path_factory.mktemp("spark_scored") / "scored"
    result = stalkflag(
        "score", str(export), "--out", str(out), "--model", str(model_dir),
        "--engine", "spark", "--format", "parquet",
    )  # fmt: skip
    return result, out


def test_score_engine_spark_runs_and_writes_every_output(on_spark):
    result, out = on_spark
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert "Scored 400 incidents" in result.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["engine"]["name"] == "spark"
    assert manifest["engine"]["master"].startswith("local")
    # the export was read and scored in several Spark tasks (one per chunk of whole suspects)
    assert manifest["engine"]["chunks"] > 1
    assert {"link", "read_score_and_explain"} <= set(manifest["timings_seconds"])
    assert manifest["outputs"] == [
        "incidents.parquet", "patterns.parquet", "suspects.parquet", "people.parquet",
        "report.html",
    ]  # fmt: skip


def test_spark_engine_outputs_equal_the_local_engines(on_spark, local):
    """Same scores, decisions, reasons, evidence, patterns (S-DASH answers, counting rules),
    serial suspects and report; person and pair ids too, not merely up to relabelling: both
    engines run the chain's own saved linkage model and number a cluster by its smallest
    mention, and the chunks (of whole suspects) do not change any output."""
    result, out = on_spark
    assert result.returncode == 0, result.stderr[-3000:]
    for table in TABLES:
        spark = pd.read_parquet(out / f"{table}.parquet")
        here = pd.read_parquet(local / f"{table}.parquet")
        pd.testing.assert_frame_equal(spark, here, obj=table)
    incidents = pd.read_parquet(local / "incidents.parquet")
    # what is compared is not empty: flags with reasons, a serial suspect, counting rules
    assert incidents["flagged"].sum() > 20 and incidents["reasons"].ne("").sum() > 100
    assert len(pd.read_parquet(local / "suspects.parquet")) >= 1
    assert pd.read_parquet(local / "patterns.parquet")["counting_rules"].ne("").any()
    spark_manifest = json.loads((out / "manifest.json").read_text())
    local_manifest = json.loads((local / "manifest.json").read_text())
    assert spark_manifest["rows"] == local_manifest["rows"]
    assert spark_manifest["patterns"] == local_manifest["patterns"]
    when = re.compile(r"scored \d{4}-\d\d-\d\dT[\d:]+\+00:00")
    assert when.sub("", (out / "report.html").read_text()) == when.sub(
        "", (local / "report.html").read_text()
    )


def test_an_unknown_engine_is_one_sentence(export, tmp_path):
    result = stalkflag("score", str(export), "--out", str(tmp_path / "o"), "--engine", "flink")
    assert result.returncode == 2
    assert "--engine must be local or spark, not 'flink'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


def test_spark_without_java_is_one_sentence_and_exit_code_2(export, tmp_path):
    no_java = tmp_path / "no-java"
    result = stalkflag(
        "score", str(export), "--out", str(tmp_path / "o"), "--engine", "spark",
        env={"JAVA_HOME": str(no_java)},
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "needs Java 17 or later" in result.stderr and "--engine local" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


def test_spark_without_pyspark_is_one_sentence_and_exit_code_2(export, tmp_path):
    """PySpark made unimportable in the child process, as on an install without the extra."""
    code = (
        "import sys; sys.modules['pyspark'] = None; from stalkflag.cli import main; "
        f"sys.argv = ['stalkflag', 'score', {str(export)!r}, '--out', "
        f"{str(tmp_path / 'o')!r}, '--engine', 'spark']; main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 2, result.stderr
    assert "needs PySpark, which is not installed" in result.stderr
    assert "Traceback" not in result.stderr
