"""The ``stalkflag`` command line: one Typer app, each command a thin call into the package."""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import sys
import time
import warnings
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from stalkflag import __version__, api
from stalkflag.api import CHAMPION_URI, CLUSTER_THRESHOLD, EVIDENCE, LINKAGE_EVIDENCE
from stalkflag.errors import ConfigError, StalkflagError

EXIT_CODES = (
    "Exit codes (validate, link, score): 0 every row accepted and every output written; "
    "1 some rows rejected (written with their reasons to the rejects file; the accepted rows "
    "are processed, and when none is accepted nothing else is written); 2 the input, an option "
    "or the model cannot be used (nothing written); 3 an output cannot be written (a read-only "
    "folder, a full disk; no partial file is left)."
)

app = typer.Typer(
    name="stalkflag",
    help="Find stalking recorded as something else in police incident logs.\n\n" + EXIT_CODES,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
logger = logging.getLogger("stalkflag")


InputPath = Annotated[Path, typer.Argument(metavar="INPUT", help="The export (CSV or Parquet).")]
CategoryMap = Annotated[
    Path | None,
    typer.Option(help="YAML mapping the force's own category codes onto the contract's."),
]
TrackingUri = Annotated[
    str | None,
    typer.Option(help="MLflow tracking URI (default: MLFLOW_TRACKING_URI, else models/mlflow/)."),
]


def _version(value: bool) -> None:
    if value:
        out.print(f"stalkflag {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more detail.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Find stalking recorded as something else in police incident logs."""
    if not verbose:  # library warnings (pandas, Splink) are for developers, not for users
        warnings.simplefilter("ignore")
    if err.is_terminal:  # through the console, so log lines print above a progress bar
        from rich.logging import RichHandler

        handler: logging.Handler = RichHandler(console=err, show_time=False, show_path=False)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler])


@app.command()
def synth(
    n_incidents: Annotated[
        int, typer.Option("--n-incidents", "-n", min=1, help="How many incident rows.")
    ],
    out_path: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Export to write (.csv or .parquet); the truth file goes beside it."
        ),
    ],
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 0,
    styles: Annotated[
        str | None, typer.Option(help="Comma-separated writing styles to use (default: all).")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes to render with.")] = max(
        1, min(2, os.cpu_count() or 1)
    ),
    incidental_detail: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Share of notes (not verbose or minimal ones) carrying incidental detail "
            "(default: the generator's).",
        ),
    ] = None,
) -> None:
    """Generate a synthetic incident export with ground truth."""
    from stalkflag.io import write_frame
    from stalkflag.synth import STYLES, SynthConfig, generate

    chosen = tuple(s.strip() for s in styles.split(",") if s.strip()) if styles else STYLES
    if out_path.suffix.lower() not in {".csv", ".parquet"}:
        raise ConfigError(
            f"--out must end in .csv or .parquet, not {out_path.suffix or '(nothing)'}."
        )
    config = SynthConfig(n_incidents=n_incidents, seed=seed, styles=chosen)
    if incidental_detail is not None:
        config = dataclasses.replace(config, incidental_detail=incidental_detail)
    start = time.perf_counter()
    with _progress() as progress:
        task = progress.add_task("generating", total=n_incidents)
        export, truth = generate(
            config, workers=workers, on_progress=lambda d: progress.update(task, completed=d)
        )
    truth_path = out_path.with_name(f"{out_path.stem}.truth{out_path.suffix}")
    write_frame(export, out_path)
    write_frame(truth, truth_path)
    elapsed = time.perf_counter() - start
    out.print(
        f"Wrote {len(export):,} incidents in {truth['pattern_id'].nunique():,} patterns to {out_path} "
        f"(truth: {truth_path}) in {elapsed:.1f}s."
    )


@app.command()
def validate(
    input_path: InputPath,
    rejects: Annotated[
        Path | None,
        typer.Option(
            help="Where to write rejected rows (default: INPUT's name + .rejects.csv, in the current folder)."
        ),
    ] = None,
    accepted_out: Annotated[
        Path | None,
        typer.Option("--out", help="Also write the accepted rows here (.csv or .parquet)."),
    ] = None,
    category_map: CategoryMap = None,
    show: Annotated[int, typer.Option(min=0, help="How many problems to list on screen.")] = 50,
) -> None:
    """Check an export against the contract; list every problem; set bad rows aside.

    Exit code 0: every row good. 1: some rows rejected (written to the rejects file).
    2: the file cannot be used at all. 3: an output cannot be written. CSV outputs escape text
    that a spreadsheet would run as a formula (a leading ').
    """
    from stalkflag.io import write_outputs

    report = _validated(input_path, category_map, quiet=False, show=show)
    outputs: dict[Path, pd.DataFrame] = {}
    path = rejects or Path(f"{input_path.stem}.rejects.csv")
    if len(report.rejected):
        outputs[path] = report.rejected
    if accepted_out and len(report.accepted):
        outputs[accepted_out] = report.accepted.drop(columns=["source_row"])
    write_outputs(outputs)
    if not len(report.accepted):
        err.print("No row passed validation.")
    if len(report.rejected):
        err.print(f"Rejected rows with their reasons: {path}")
    if accepted_out and len(report.accepted):
        out.print(f"Accepted rows: {accepted_out}")
    elif accepted_out:
        err.print(f"No row passed validation, so {accepted_out} was not written.")
    raise typer.Exit(report.exit_code)


@app.command()
def link(
    input_path: InputPath,
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Folder for links, people, the linkage model and any rejects."
        ),
    ],
    linkage_model: Annotated[
        Path | None,
        typer.Option(help="Reuse a saved linkage model (JSON) instead of training one."),
    ] = None,
    backend: Annotated[
        str, typer.Option(help="duckdb (embedded, default) or spark (local mode).")
    ] = "duckdb",
    threshold: Annotated[
        float,
        typer.Option(
            min=0.01, max=0.99, help="Match probability at which two mentions are one person."
        ),
    ] = CLUSTER_THRESHOLD,
    output_format: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    category_map: CategoryMap = None,
    memory_limit: Annotated[
        str, typer.Option(help="DuckDB's memory cap, e.g. 1GB; beyond it DuckDB spills to disk.")
    ] = "1.5GB",
    evidence: Annotated[
        list[str] | None,
        typer.Option(
            "--evidence",
            help="Optional Splink evidence to train the linkage model with (repeat for more): "
            + " or ".join(EVIDENCE)
            + ". Off by default; a saved --linkage-model brings its own.",
        ),
    ] = None,
) -> None:
    """Link incidents into people and suspect->victim pairs (Splink).

    Writes OUT/links.{csv,parquet} (incident_id, victim_person_id, suspect_person_id, pair_id,
    link_confidence, suspect_link_method), OUT/people.* and OUT/linkage_model.json. Rows that
    fail validation are left out, said so, and written to OUT/rejects.csv. Exit code 0: every
    row linked; 1: some rows rejected; 2: unusable input or option; 3: an output cannot be
    written (all outputs or none are written).
    """
    import json

    from stalkflag.io import write_outputs
    from stalkflag.linkage import check_evidence

    if evidence and linkage_model is not None:
        raise ConfigError(
            "--evidence is for training a linkage model; the saved --linkage-model brings its "
            "own. Give one or the other."
        )
    chosen = check_evidence(tuple(dict.fromkeys(evidence))) if evidence else LINKAGE_EVIDENCE
    if backend not in {"duckdb", "spark"}:
        raise ConfigError(f"--backend must be duckdb or spark, not {backend!r}.")
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", memory_limit, flags=re.I):
        raise ConfigError(f"--memory-limit must look like 1GB or 512MB, not {memory_limit!r}.")
    if output_format not in {"csv", "parquet"}:
        raise ConfigError(f"--format must be csv or parquet, not {output_format!r}.")
    model = None if linkage_model is None else api.read_linkage_model(linkage_model)
    report = _accepted_for(out_dir, [input_path], category_map, "linked")
    start = time.perf_counter()
    with err.status("linking people (Splink)") if err.is_terminal else nullcontext():
        result = api.link(
            report.accepted,
            linkage_model=model,
            backend=backend,
            threshold=threshold,
            memory_limit=memory_limit,
            evidence=None if model is not None else chosen,
        )
    write_outputs(
        {
            out_dir / f"links.{output_format}": result.incidents,
            out_dir / f"people.{output_format}": result.people,
            out_dir / "linkage_model.json": json.dumps(result.model, indent=2),
        }
        | _rejects(out_dir, report)
    )
    methods = result.incidents["suspect_link_method"].value_counts()
    out.print(
        f"Linked {len(result.incidents):,} incidents: {result.incidents['victim_person_id'].nunique():,} victims, "
        f"{result.incidents['suspect_person_id'].nunique():,} suspects, {result.incidents['pair_id'].nunique():,} "
        f"suspect->victim pairs in {time.perf_counter() - start:.1f}s. Suspect links by method: "
        + ", ".join(f"{k} {v:,}" for k, v in methods.items())
        + f". Output: {out_dir}"
    )
    raise typer.Exit(report.exit_code)


@app.command()
def summary(
    input_path: InputPath,
    truth: Annotated[
        Path | None,
        typer.Option(
            help="Ground truth of a synthetic export (default: INPUT.truth beside it, if present)."
        ),
    ] = None,
    category_map: CategoryMap = None,
) -> None:
    """Summarise an export: counts by category, relationship and force (and truth, if synthetic)."""
    from stalkflag.summary import summarise

    report = _validated(input_path, category_map, quiet=True, show=0)
    truth_path = truth or input_path.with_name(f"{input_path.stem}.truth{input_path.suffix}")
    truth_frame = None
    if truth_path.exists():
        truth_frame = (
            pd.read_parquet(truth_path)
            if truth_path.suffix == ".parquet"
            else pd.read_csv(truth_path)
        )
    elif truth is not None:
        raise ConfigError(f"truth file {truth} does not exist.")
    tables = summarise(report.accepted, truth_frame)
    overview = Table(title=f"{input_path.name}", show_header=False)
    for key, value in tables.pop("overview").items():
        overview.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    if len(report.rejected):
        overview.add_row("rejected rows (not counted)", f"{len(report.rejected):,}")
    out.print(overview)
    for name, frame in tables.items():
        out.print(_table(name.replace("_", " "), frame))


@app.command()
def train(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="Training config (YAML); default settings if not given."
        ),
    ] = None,
    overrides: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[KEY=VALUE]...",
            help="Override settings, e.g. model.classifier=linear data.synthetic.n_incidents=10000.",
        ),
    ] = None,
    tracking_uri: TrackingUri = None,
    card: Annotated[
        Path | None,
        typer.Option(help="Also write the model card here (e.g. models/MODEL_CARD.md)."),
    ] = None,
) -> None:
    """Train and evaluate a model; log it to MLflow and register it (validate -> link ->
    features -> fit -> evaluate -> log).

    With no data named in the config, trains on a freshly generated synthetic export. The new
    version becomes the `champion` alias when it beats the current champion on the config's
    validation metric.
    """
    settings = api.load_config(config, overrides or [])
    start = time.perf_counter()
    with err.status("training") if err.is_terminal else nullcontext() as status:

        def on_stage(text: str) -> None:
            logger.info("%s", text)
            if status is not None:
                status.update(text)

        result = api.train(settings, tracking_uri=tracking_uri, on_stage=on_stage)
    logged = result.logged
    assert logged is not None and result.card is not None
    if card is not None:
        card.parent.mkdir(parents=True, exist_ok=True)
        card.write_text(result.card, encoding="utf-8")
    table = Table(title="held-out results (pairs not recorded as stalking)")
    for column in (
        "set",
        "PR-AUC",
        "recall",
        "precision",
        "false alarms",
        "review share",
        "keywords recall",
        "keywords precision",
    ):
        table.add_column(column, justify="right")
    for name, held in result.held_out.items():
        m = held.metrics
        table.add_row(
            name,
            *(f"{m[k]:.3f}" for k in ("pattern_pr_auc", "pattern_recall", "pattern_precision")),
            f"{m['pattern_false_alarms']:,}",
            f"{m['review_share']:.3f}",
            f"{m['keywords_pattern_recall']:.3f}",
            f"{m['keywords_pattern_precision']:.3f}",
        )
    out.print(table)
    became = (
        "and is now the champion"
        if logged["champion"]
        else "(the champion stays: it scored higher)"
    )
    if logged.get("replaced_incompatible"):
        became += (
            " (the old champion was trained with other behaviour rules and can no longer load)"
        )
    out.print(
        f"Registered {logged['model_uri']} {became}; {logged['metric']} = {logged['value']:.4f}"
        + (f" (champion had {logged['previous']:.4f})" if logged["previous"] is not None else "")
        + f". Run {logged['run_id']} in {logged['tracking_uri']}; {time.perf_counter() - start:.0f}s."
        + (f" Model card: {card}" if card else "")
    )


@app.command()
def score(
    input_paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="INPUT...",
            help="The export(s), CSV or Parquet; a row sent again in a later file replaces the earlier.",
        ),
    ],
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the outputs (created if needed).")
    ],
    model: Annotated[
        str,
        typer.Option(help="MLflow model URI, or a folder holding a saved model."),
    ] = CHAMPION_URI,
    history: Annotated[
        list[Path] | None,
        typer.Option(
            help="Earlier exports, or an earlier output folder (it stands for the exports it read), "
            "to read the new incidents in the light of; repeat for several. Only the new "
            "incidents and their patterns are written.",
        ),
    ] = None,
    registry: Annotated[
        Path | None,
        typer.Option(
            help="The people registry to carry forward and update (CSV or Parquet; default: "
            "the history folder's, written to OUT/people.*).",
        ),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="csv or parquet, for the tables.")
    ] = "csv",
    tracking_uri: TrackingUri = None,
    category_map: CategoryMap = None,
    engine: Annotated[
        str,
        typer.Option(
            help="local (this machine) or spark (Splink on Spark, scoring in Spark tasks; "
            "local mode unless SPARK_MASTER names a cluster). The outputs are the same."
        ),
    ] = "local",
) -> None:
    """Score exports and write, into OUT: incidents (score, decision, flag type, reasons,
    recommended actions, model version), patterns (one row per suspect->victim pair: behaviours,
    S-DASH answers with evidence, the counting-rules check, recommended actions), suspects
    (those with more than one victim), people (the registry of person ids), report.html (a page
    to read) and manifest.json.

    Rows that fail validation go to OUT/rejects.csv. Exit code 0: every row scored; 1: some
    rows rejected; 2: unusable input, option or model; 3: an output cannot be written.
    """
    from stalkflag.batch import (
        ENGINES,
        check_spark,
        fingerprint,
        history_files,
        model_identity,
        score_batch,
        write_batch,
    )

    if output_format not in {"csv", "parquet"}:
        raise ConfigError(f"--format must be csv or parquet, not {output_format!r}.", code="C050")
    if engine not in ENGINES:
        raise ConfigError(f"--engine must be local or spark, not {engine!r}.", code="C051")
    if engine == "spark":
        check_spark()
    start = time.perf_counter()
    chain = api.load_model(model, tracking_uri=tracking_uri)
    past_files = history_files(history or [])
    previous_people = _previous_registry(registry, history or [])
    report = _accepted_for(out_dir, input_paths, category_map, "scored")
    past = _accepted_quietly(past_files, category_map) if past_files else None
    read_seconds = time.perf_counter() - start
    with _stages() as stage:
        result = score_batch(
            report.accepted,
            chain,
            model=model_identity(model, tracking_uri),
            inputs=[fingerprint(p) for p in input_paths],
            rows_read=report.n_records,
            rows_rejected=len(report.rejected),
            timings={"load_model_read_and_validate": round(read_seconds, 2)},
            on_stage=stage,
            history=past,
            history_inputs=[fingerprint(p) for p in past_files],
            registry=previous_people,
            engine=engine,
        )
        stage("writing the outputs")
        extra = _rejects(out_dir, report)
        if registry is not None:
            extra[registry] = result.registry
        written = write_batch(result, out_dir, format=output_format, extra=extra)
    counts = result.manifest["patterns"]
    rows = result.manifest["rows"]
    in_light = f" (read with {rows['history']:,} earlier incidents)" if rows["history"] else ""
    out.print(
        f"Scored {len(result.incidents):,} incidents{in_light} in {counts['total']:,} "
        f"suspect->victim patterns in {time.perf_counter() - start:.1f}s: "
        f"{counts['possible_misclassification']:,} patterns flagged as possible stalking "
        f"recorded as something else, {counts['review']:,} to review, "
        f"{counts['counting_rules_findings']:,} counting-rules findings, "
        f"{counts['serial_suspects']:,} suspects with more than one victim.",
        markup=False,
        highlight=False,
    )
    out.print(
        f"Outputs in {out_dir}: " + ", ".join(p.name for p in written) + "; open report.html.",
        markup=False,
        highlight=False,
    )
    long_share = chain.long_note_share(report.accepted)
    if long_share is not None and long_share > LONG_NOTES_WARNING:
        err.print(
            f"Warning: {long_share:.0%} of these notes are longer than 99% of the notes the model "
            "was trained on. Long notes padded with incidental detail score low (model card, known "
            "limits), so expect lower recall than measured: read the review band, and re-place "
            "the thresholds on this force's audited cases."
        )
    raise typer.Exit(report.exit_code)


def _previous_registry(registry: Path | None, history: list[Path]) -> pd.DataFrame | None:
    """The people registry to carry forward: ``--registry`` if it exists, else the one in the
    last history folder that has one."""
    from stalkflag.batch import read_registry

    candidates = [registry] if registry is not None else []
    for folder in reversed([h for h in history if h.is_dir()]):
        candidates += [folder / "people.parquet", folder / "people.csv"]
    for path in candidates:
        if path.is_file():
            return read_registry(path)
    return None


def _stages():
    """Progress of a long command: on a terminal, a bar per stage with counts and the time
    left (where the stage counts what it does); otherwise each stage as a log line, so a
    scheduled job's log is readable and nothing is drawn."""
    if not err.is_terminal:

        def log_stage(stage: str, done: int | None = None, total: int | None = None) -> None:
            if not done:  # once, as the stage starts
                logger.info("%s", stage)

        return nullcontext(log_stage)
    from rich.progress import MofNCompleteColumn, TimeRemainingColumn

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )

    class _Live:
        task = None
        stage = ""

        def __enter__(self):
            progress.start()
            return self.update

        def update(self, stage: str, done: int | None = None, total: int | None = None) -> None:
            if self.task is None or stage != self.stage:
                if self.task is not None:
                    progress.remove_task(self.task)
                self.task, self.stage = progress.add_task(stage, total=total), stage
            progress.update(self.task, completed=done or 0, total=total)

        def __exit__(self, *exc):
            progress.stop()
            return False

    return _Live()


@app.command()
def evaluate(
    input_path: InputPath,
    labels: Annotated[
        Path,
        typer.Option(
            help="incident_id,label (1 = stalking), CSV or Parquet; other columns may name cases."
        ),
    ],
    model: Annotated[
        str, typer.Option(help="MLflow model URI, or a folder holding a saved model.")
    ] = CHAMPION_URI,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write every figure here (JSON).")
    ] = None,
    cases: Annotated[
        str | None,
        typer.Option(
            help="The labels' column naming each incident's case (default: case_id if present, "
            "else the linked suspect->victim pair)."
        ),
    ] = None,
    tracking_uri: TrackingUri = None,
    category_map: CategoryMap = None,
) -> None:
    """Measure a model on a labelled export: recall, precision (95% Wilson intervals), average
    precision and the review band per case and per incident, beside keyword search and the
    recorded category; how early the flag fires (lead time)."""
    import json

    source = f"labels file {labels}"
    checked = api.read_labels(labels, cases=cases, source=source)
    chain = api.load_model(model, tracking_uri=tracking_uri)
    report = _validated(input_path, category_map, quiet=True, show=0)
    with err.status("linking and scoring") if err.is_terminal else nullcontext():
        result = api.evaluate(report.accepted, checked, chain, source=source)
    for table in _evaluation_tables(result):
        out.print(table)
    out.print(_lead_time_lines(result.lead_time))
    out.print(_evaluation_counts(result, cases or "case_id"))
    long_share = result.counts["long_note_share"]
    if long_share is not None and long_share > LONG_NOTES_WARNING:
        err.print(
            f"Warning: {long_share:.0%} of these notes are longer than 99% of the training "
            "notes; the model is weakest on long padded notes (model card, known limits)."
        )
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        figures = {"model": model, "export": str(input_path), "labels": str(labels),
                   "rejected_rows": len(report.rejected)} | result.to_dict()  # fmt: skip
        json_out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
        out.print(f"Figures: {json_out}")


@app.command()
def calibrate(
    input_path: InputPath,
    labels: Annotated[
        Path,
        typer.Option(
            help="Auditors' decisions, CSV or Parquet: incident_id,label,pair_id,force,decision,"
            "decided_at (one row per incident of each decided pattern; label 1 = confirmed, "
            "0 = not stalking); other columns are ignored."
        ),
    ],
    model: Annotated[
        str,
        typer.Option(help="The registered model: models:/NAME/VERSION or models:/NAME@ALIAS."),
    ] = CHAMPION_URI,
    force: Annotated[
        str | None,
        typer.Option(help="Use only this force's decisions (the labels' force column)."),
    ] = None,
    target_precision: Annotated[
        float | None,
        typer.Option(min=0.01, max=0.99, help="Precision at the flag (default: the model's)."),
    ] = None,
    precision_z: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=4.0,
            help="Standard errors below the observed precision (Wilson; default: the model's).",
        ),
    ] = None,
    review_recall: Annotated[
        float | None,
        typer.Option(
            min=0.01,
            max=0.99,
            help="Recall of confirmed pairs the review band keeps (default: the model's).",
        ),
    ] = None,
    min_pairs: Annotated[
        int, typer.Option(min=1, help="Fewest decided pairs to place thresholds on.")
    ] = 30,
    min_stalking: Annotated[
        int, typer.Option(min=1, help="Fewest confirmed stalking pairs among them.")
    ] = 10,
    alias: Annotated[
        str | None,
        typer.Option(help="Set this alias on the new version (none by default; champion stays)."),
    ] = None,
    tracking_uri: TrackingUri = None,
    category_map: CategoryMap = None,
) -> None:
    """Re-place a registered model's flag and review band on a force's decided cases and
    register the result as a new version (the source version is not changed).

    The export is scored as `score` scores it; each decided pattern takes its highest incident
    score; the flag goes where precision on the decided patterns (less --precision-z standard
    errors) reaches --target-precision, the review band down to --review-recall of the confirmed
    ones (never above the old band: decided patterns cannot show stalking below it). No alias moves unless --alias names one. Exit code 0: registered; 2: unusable input,
    option, decisions or model (nothing registered).
    """
    report = _validated(input_path, category_map, quiet=True, show=0)
    start = time.perf_counter()
    with err.status("scoring and placing the thresholds") if err.is_terminal else nullcontext():
        result = api.calibrate(
            model,
            report.accepted,
            labels,
            force=force,
            target_precision=target_precision,
            precision_z=precision_z,
            review_recall=review_recall,
            min_pairs=min_pairs,
            min_stalking=min_stalking,
            alias=alias,
            tracking_uri=tracking_uri,
        )
    out.print(_calibration_table(result.figures))
    f, logged, source = result.figures, result.logged, result.source
    assert logged is not None and source is not None
    who = "every force" if f["force"] == "all" else f"force {f['force']}"
    out.print(
        f"Placed on {f['decided_pairs']:,} decided pairs of {who} "
        f"({f['decided_stalking_pairs']:,} confirmed; {f['pairs_recorded_left_out']:,} recorded "
        f"as stalking left out; {f['labels_not_in_export']:,} decided incidents not in the "
        f"export). Registered {logged['model_uri']} from version {source['version']} in "
        f"{time.perf_counter() - start:.0f}s; "
        + (
            f"alias {logged['alias']} now names it."
            if logged["alias"]
            else "no alias was moved (champion stays)."
        ),
        markup=False,
        highlight=False,
    )
    out.print(
        f"Score with it: stalkflag score EXPORT --out DIR --model {logged['model_uri']}. "
        "The precision above is on the patterns it was placed on; once it holds on new "
        "decisions, make it the champion: "
        f"python -c \"import mlflow; mlflow.MlflowClient('{logged['tracking_uri']}')."
        f"set_registered_model_alias('{logged['name']}', 'champion', '{logged['version']}')\"",
        markup=False,
        highlight=False,
    )


def _calibration_table(f: dict) -> Table:
    table = Table(title="decided pairs (not recorded as stalking)")
    for column in ("thresholds", "flag at", "review from", "flagged", "precision (95%)",
                   "recall (95%)"):  # fmt: skip
        table.add_column(column, justify="right")
    for name, prefix, flag, review in (
        ("before", "old_", f["old_flag_threshold"], f["old_review_threshold"]),
        ("after", "", f["flag_threshold"], f["review_threshold"]),
    ):
        table.add_row(
            name,
            f"{flag:.4f}",
            f"{review:.4f}",
            f"{f[prefix + 'flagged_pairs']:,}",
            _with_interval(*(f[f"{prefix}precision_at_flag{s}"] for s in ("", "_low", "_high"))),
            _with_interval(*(f[f"{prefix}recall_at_flag{s}"] for s in ("", "_low", "_high"))),
        )
    return table


def _evaluation_tables(result) -> list[Table]:
    """One table per level: each population and scorer with its figures."""
    tables = []
    for level, part in result.figures.groupby("level", sort=False):
        units = "cases" if level == "case" else "incidents"
        table = Table(
            title=f"{level} level: over {units} not recorded as stalking, and over all",
            caption="recorded: flagged when recorded as stalking; review: in the band (stalking)",
        )
        table.add_column("population")
        table.add_column("scorer")
        for column in ("n", "stalking", "flagged", "recall (95%)", "precision (95%)", "AP",
                       "review"):  # fmt: skip
            table.add_column(column, justify="right")
        for row in part.itertuples():
            table.add_row(
                "all" if row.population == "all" else "not recorded",
                "recorded" if row.scorer == "recorded category" else row.scorer,
                f"{row.units:,}",
                f"{row.stalking:,}",
                f"{row.flagged:,}",
                _with_interval(row.recall, row.recall_low, row.recall_high),
                _with_interval(row.precision, row.precision_low, row.precision_high),
                _rate(row.average_precision),
                _review(row.review, row.review_stalking),
            )
        tables.append(table)
    return tables


def _evaluation_counts(result, cases: str) -> str:
    c = result.counts
    return (
        f"{c['labelled_incidents']:,} labelled incidents in {c['cases']:,} cases (cases from "
        f"{'column ' + cases if c['cases_from'] == 'labels' else 'linked pairs'}); "
        f"{c['unlabelled_incidents']:,} accepted incidents unlabelled (scored, not measured); "
        f"{c['labels_not_in_export']:,} labels name no accepted incident; the labelled incidents "
        f"link into {c['linked_pairs']:,} suspect->victim pairs ({c['cases_in_one_pair']:,} cases "
        "are exactly one pair). Flag at "
        f"{result.thresholds['flag']:.3f}, review from {result.thresholds['review']:.3f}."
    )


def _review(band: float | None, stalking: float | None) -> str:
    return "" if band is None or pd.isna(band) else f"{int(band):,} ({int(stalking or 0):,})"


def _rate(value: float) -> str:
    return "-" if pd.isna(value) else f"{value:.3f}"


def _days(value: float) -> str:
    return "-" if pd.isna(value) else f"{value:.1f}"


def _count(value: float) -> str:
    return "-" if pd.isna(value) else f"{value:g}"


def _with_interval(value: float, low: float, high: float) -> str:
    return "-" if pd.isna(value) else f"{value:.3f} ({low:.2f}-{high:.2f})"


def _lead_time_lines(lead: dict) -> str:
    later, never = lead["recorded_later"], lead["never_recorded"]
    return (
        f"Lead time: of {later['stalking_cases']:,} stalking cases police recorded as stalking at "
        f"some incident, the flag finds {later['found']:,}; median lead "
        f"{_count(later['median_lead_incidents'])} incidents, {_days(later['median_lead_days'])} "
        f"days; flagged before police recorded stalking: {later['flagged_before']:,} "
        f"({_rate(later['share_flagged_before'])}), at the same incident "
        f"{later['flagged_at_same_incident']:,}, after {later['flagged_after']:,}.\n"
        f"Of {never['stalking_cases']:,} stalking cases never recorded as stalking, the flag finds "
        f"{never['found']:,}; it first fires at incident {_count(never['median_first_flag_incident'])} "
        f"(median), {_days(never['median_first_flag_days'])} days after the first; at the first "
        f"incident in {_rate(never['share_found_at_first_incident'])} of them."
    )


LONG_NOTES_WARNING = 0.05
"""Warn when more than this share of scored notes is longer than 99% of the training notes."""


def _accepted_for(out_dir: Path, input_paths: list[Path], category_map: Path | None, done: str):
    """Validate quietly for a command that writes into ``out_dir``, and check that it can.

    Several exports are validated one by one and their accepted rows put together (a row sent
    again in a later file replaces the earlier one); their rejects carry ``_file``. The user is
    told how many rows are left out. When no row passed validation, the rejects go to
    ``OUT/rejects.csv``, nothing else is written, and the command ends with validate's exit
    code (1).
    """
    from stalkflag.io import check_output_folder, write_outputs

    reports = [_validated(p, category_map, quiet=True, show=0, tell=False) for p in input_paths]
    report = _together(reports, input_paths)
    check_output_folder(out_dir)
    rejects = out_dir / "rejects.csv"
    if not len(report.accepted):
        write_outputs(_rejects(out_dir, report))
        err.print(
            f"No row passed validation ({report.n_records:,} rows read), so nothing was {done}; "
            f"the rejected rows and their reasons are in {rejects} (run `stalkflag validate` "
            "for details).",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(report.exit_code)
    if len(report.rejected):
        err.print(
            f"{len(report.rejected):,} of {report.n_records:,} rows failed validation and are "
            f"left out (run `stalkflag validate` for details); only the {len(report.accepted):,} "
            f"accepted rows are {done}; the rejected rows and their reasons will be in {rejects}.",
            markup=False,
            highlight=False,
        )
    return report


def _together(reports: list, paths: list[Path]):
    """One validation report for several exports."""
    if len(reports) == 1:
        return reports[0]
    from stalkflag.batch import combine
    from stalkflag.validate import ValidationReport

    kept, replaced = combine(*(r.accepted for r in reports))
    if replaced:
        err.print(
            f"{replaced:,} incidents appear in more than one input; each is "
            "scored once, from the last file that holds it.",
            markup=False,
            highlight=False,
        )
    rejected = pd.concat(
        [r.rejected.assign(_file=p.name) for r, p in zip(reports, paths, strict=True)],
        ignore_index=True,
    )
    rejected = rejected[["_file", *[c for c in rejected.columns if c != "_file"]]]
    return ValidationReport(
        kept,
        rejected,
        [q for r in reports for q in r.problems],
        sum(r.n_records for r in reports),
    )


def _accepted_quietly(paths: list[Path], category_map: Path | None) -> pd.DataFrame:
    """The accepted rows of earlier exports (their rejects were reported when they were
    scored), put together as :func:`_together` does."""
    reports = [_validated(p, category_map, quiet=True, show=0, tell=False) for p in paths]
    return _together(reports, paths).accepted


def _rejects(out_dir: Path, report) -> dict[Path, pd.DataFrame]:
    """``OUT/rejects.csv`` when rows were rejected, to write with a command's outputs."""
    return {out_dir / "rejects.csv": report.rejected} if len(report.rejected) else {}


def _validated(
    input_path: Path, category_map: Path | None, *, quiet: bool, show: int, tell: bool = True
):
    from stalkflag.io import read_category_map, read_export
    from stalkflag.validate import validate_export

    mapping = read_category_map(category_map) if category_map else None
    start = time.perf_counter()
    with err.status(f"reading {input_path.name}") if err.is_terminal else nullcontext():
        raw = read_export(input_path)
        report = validate_export(raw, category_map=mapping)
    elapsed = time.perf_counter() - start
    _say_extra_columns(raw)
    if quiet:
        if len(report.rejected) and tell:
            err.print(
                f"[yellow]{len(report.rejected):,} of {report.n_records:,} rows failed validation and are left out; run `stalkflag validate` for details.[/]"
            )
        return report
    for problem in report.problems[:show]:
        err.print(str(problem), markup=False, highlight=False)
    if len(report.problems) > show:
        err.print(
            f"… and {len(report.problems) - show:,} more problems (all are in the rejects file)."
        )
    if report.counts:
        from stalkflag.problems import CODES

        by_code = ", ".join(f"{CODES[c]} [{c}]: {n:,}" for c, n in report.counts.items())
        err.print(f"Problems by kind: {by_code}", markup=False, highlight=False)
    out.print(
        f"{input_path.name}: {report.n_records:,} rows; {len(report.accepted):,} accepted, "
        f"{len(report.rejected):,} rejected, {len(report.warnings):,} warnings ({elapsed:.1f}s)."
    )
    return report


def _say_extra_columns(raw) -> None:
    """One line for columns the contract does not have (kept as they are): how many, and the
    first few names when they look like column names."""
    from stalkflag.schema import COLUMNS

    known = {c.name for c in COLUMNS}
    extras = [str(c) for c in raw.frame.columns if c not in known]
    if not extras:
        return
    names = [c for c in extras[:3] if re.fullmatch(r"[a-z0-9_]{1,40}", c)]
    shown = f" ({', '.join(names)}{', ...' if len(extras) > len(names) else ''})" if names else ""
    err.print(
        f"{len(extras):,} column(s) not in the contract{shown} are kept as they are.",
        markup=False,
        highlight=False,
    )


def _table(title: str, frame: pd.DataFrame) -> Table:
    table = Table(title=title)
    table.add_column(frame.index.name or "")
    for column in frame.columns:
        table.add_column(str(column), justify="right")
    for index, row in frame.iterrows():
        table.add_row(str(index), *(f"{v:,}" if isinstance(v, int) else str(v) for v in row))
    return table


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeElapsedColumn(),
        console=err,
        disable=not err.is_terminal,
    )


def main() -> None:
    """Entry point: run the app, turning a user's mistake into one sentence and an exit code.

    Typer handles usage errors itself (exit code 2, with the usage line); stalkflag's own errors
    (:class:`~stalkflag.errors.StalkflagError`) are caught here. Anything else is a bug and keeps
    its traceback.
    """
    try:
        app()
    except StalkflagError as exc:
        err.print(f"[red]error[/] [{exc.code}]: {exc.message}", highlight=False)
        sys.exit(exc.exit_code)
