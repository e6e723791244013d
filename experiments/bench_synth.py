"""Benchmark: how long generating (and validating) N synthetic incidents takes, and peak memory.

Run: ``.venv/bin/python experiments/bench_synth.py --n 1000000 --workers 2``
Prints wall times for generate, write and validate, and the peak resident memory of this
process and its worker processes.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from stalkflag.io import read_export, write_frame
from stalkflag.synth import SynthConfig, generate
from stalkflag.validate import validate_export


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--validate", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"incidents.{args.format}"
        t0 = time.perf_counter()
        export, truth = generate(SynthConfig(args.n, seed=args.seed), workers=args.workers)
        t1 = time.perf_counter()
        write_frame(export, path)
        write_frame(truth, path.with_name(f"incidents.truth.{args.format}"))
        t2 = time.perf_counter()
        size_mb = path.stat().st_size / 1e6
        print(f"incidents          {len(export):,} in {truth['pattern_id'].nunique():,} patterns")
        print(f"generate           {t1 - t0:8.1f} s  ({args.workers} workers)")
        print(f"write {args.format:<8}     {t2 - t1:8.1f} s  ({size_mb:,.0f} MB)")
        del export, truth
        if args.validate:
            t3 = time.perf_counter()
            report = validate_export(read_export(path))
            t4 = time.perf_counter()
            print(
                f"read + validate    {t4 - t3:8.1f} s  ({len(report.accepted):,} accepted, "
                f"{len(report.rejected):,} rejected, {len(report.warnings):,} warnings)"
            )
    print(
        f"peak memory        {_peak_mb(resource.RUSAGE_SELF):8.0f} MB (main), "
        f"{_peak_mb(resource.RUSAGE_CHILDREN):.0f} MB (largest worker)"
    )


if __name__ == "__main__":
    main()
