"""Benchmark: batch scoring at force scale, per stage, beside the floor for the same file.

Question (issue 23): on this 2-core machine, how long and how much memory does scoring a 100k
and a 1M incident export take end to end, per stage, and how far is it from the floor (reading
the file and tokenising its notes with a blank spaCy pipeline)?

Goal, fixed before the figures: 1M incidents end to end in at most 5 minutes, peak memory at most
6 GB, memory at 1M at most 3x that at 100k, and within 10x of the floor.

Run (from the project root, with a trained champion in the local MLflow store)::

    .venv/bin/python experiments/bench_score.py --sizes 100000 1000000 [--model URI]

Each export is generated first in its own process (not timed). The floor and the scoring run
each run in a fresh child process, so each peak memory is that process's own; within the
scoring run the peak of each stage is read from the kernel (``VmHWM``, reset between stages).
Only public names are used (``stalkflag.api``, ``stalkflag.batch``, ``stalkflag.synth``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_SECONDS_1M = 300
GOAL_PEAK_MB = 6 * 1024


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> None:
    with contextlib.suppress(OSError):  # not Linux: the per-stage peaks are then cumulative
        Path("/proc/self/clear_refs").write_text("5")


def child_floor(path: str) -> dict:
    """Read the export and tokenise its notes with a blank spaCy pipeline."""
    import pandas as pd
    import spacy

    start = time.perf_counter()
    frame = pd.read_parquet(path)
    read = time.perf_counter() - start
    nlp = spacy.blank("en")
    for _ in nlp.pipe(frame["notes"].fillna("").tolist(), batch_size=1000):
        pass
    return {"rows": len(frame), "read_s": read, "seconds": time.perf_counter() - start,
            "peak_mb": _peak_mb()}  # fmt: skip


def child_score(path: str, model: str, out: str, tracking_uri: str | None) -> dict:
    """Validate, link, read, score, gather and write, as ``stalkflag score`` does."""
    from stalkflag import api
    from stalkflag.batch import fingerprint, score_batch, write_batch

    stages: dict[str, dict] = {}
    clock = [time.perf_counter(), ""]

    def stage(name: str) -> None:
        name = name.split(" ")[0] if name.startswith("linking") else name
        if name == clock[1]:  # progress within the stage: one row, its highest peak
            return
        now = time.perf_counter()
        if clock[1]:
            stages[str(clock[1])] = {"seconds": now - float(clock[0]), "peak_mb": _peak_mb()}
        clock[0], clock[1] = now, name
        _reset_peak()

    start = time.perf_counter()
    chain = api.load_model(model, tracking_uri=tracking_uri)
    stage("read and validate")
    report = api.validate(path)
    result = score_batch(
        report.accepted,
        chain,
        model={"uri": model, "version": "benchmark"},
        inputs=[fingerprint(path)],
        rows_rejected=len(report.rejected),
        on_stage=lambda s, *_: stage(s),
    )
    stage("write outputs")
    write_batch(result, out, format="parquet")
    stage("")
    return {"rows": len(report.accepted), "seconds": time.perf_counter() - start,
            "stages": stages, "peak_mb": max(s["peak_mb"] for s in stages.values()),
            "timings": result.manifest["timings_seconds"]}  # fmt: skip


def _child(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"child {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--model", default="models:/stalkflag@champion")
    parser.add_argument("--tracking-uri", default=None)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--keep", type=Path, default=None, help="Keep exports and outputs here.")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "floor":
            print(json.dumps(child_floor(rest[0])))
        else:
            print(json.dumps(child_score(rest[0], rest[1], rest[2], rest[3] or None)))
        return

    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-score-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = {}
    for n in args.sizes:
        export = folder / f"incidents_{n}.parquet"
        if not export.exists():
            subprocess.run(
                [sys.executable, "-m", "stalkflag", "synth", "-n", str(n), "--seed",
                 str(args.seed), "--out", str(export)],
                check=True, capture_output=True,
            )  # fmt: skip
        floor = _child("floor", str(export))
        run = _child("score", str(export), args.model, str(folder / f"out_{n}"),
                     args.tracking_uri or "")  # fmt: skip
        results[n] = (floor, run)
        print(f"\n## {n:,} incidents\n")
        print("| stage | seconds | incidents/s | peak memory (MB) |")
        print("|---|---:|---:|---:|")
        for name, s in run["stages"].items():
            print(f"| {name} | {s['seconds']:.1f} | {n / max(s['seconds'], 1e-9):,.0f} | "
                  f"{s['peak_mb']:,.0f} |")  # fmt: skip
        print(f"| **end to end** (model load included) | {run['seconds']:.1f} | "
              f"{n / run['seconds']:,.0f} | {run['peak_mb']:,.0f} |")  # fmt: skip
        print(f"| floor: read the file, tokenise the notes (blank spaCy) | {floor['seconds']:.1f} | "
              f"{n / floor['seconds']:,.0f} | {floor['peak_mb']:,.0f} |")  # fmt: skip
        print(f"\nEnd to end is {run['seconds'] / floor['seconds']:.1f}x the floor.")
    if 1_000_000 in results and 100_000 in results:
        big, small = results[1_000_000][1], results[100_000][1]
        print("\n## Goal\n")
        print(f"- 1M end to end {big['seconds']:.0f} s (goal <= {GOAL_SECONDS_1M} s): "
              f"{'met' if big['seconds'] <= GOAL_SECONDS_1M else 'not met'}")  # fmt: skip
        print(f"- peak memory {big['peak_mb']:,.0f} MB (goal <= {GOAL_PEAK_MB:,} MB): "
              f"{'met' if big['peak_mb'] <= GOAL_PEAK_MB else 'not met'}")  # fmt: skip
        ratio = big["peak_mb"] / small["peak_mb"]
        print(
            f"- memory at 1M / at 100k = {ratio:.1f} (goal <= 3): {'met' if ratio <= 3 else 'not met'}"
        )
        floor_ratio = big["seconds"] / results[1_000_000][0]["seconds"]
        print(f"- 1M end to end / floor = {floor_ratio:.1f} (goal <= 10): "
              f"{'met' if floor_ratio <= 10 else 'not met'}")  # fmt: skip


if __name__ == "__main__":
    main()
