"""Benchmark: generate N incidents, then link them with the real CLI; wall time and peak memory.

Run: ``.venv/bin/python experiments/bench_linkage.py --n 1000000``
Generation runs first in its own process; ``stalkflag link`` then runs as a fresh process and
its wall time and peak resident memory (from the OS) are what this prints. The export is
Parquet, the format forces are advised to use at this size.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STALKFLAG = [sys.executable, "-m", "stalkflag"]


def _run(args: list[str]) -> tuple[float, float, str]:
    """Run a command in a child process; wall seconds, its peak memory (MB), its stderr tail."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, errors="replace", check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024, done.stdout + done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--keep", type=Path, default=None, help="Keep the files in this folder.")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-linkage-"))
    folder.mkdir(parents=True, exist_ok=True)
    export = folder / "incidents.parquet"
    if not export.exists():
        seconds, _, _ = _run(
            [*STALKFLAG, "synth", "-n", str(args.n), "--seed", str(args.seed), "--out", str(export)]
        )
        print(f"generate {args.n:,} incidents: {seconds:.1f} s (not part of the linkage figures)")
    # A fresh child for the measured run, so its peak memory is its own.
    child = [
        sys.executable,
        "-c",
        (
            "import resource, subprocess, sys, time;"
            "t = time.perf_counter();"
            "r = subprocess.run(sys.argv[1:]);"
            "s = time.perf_counter() - t;"
            "print(f'{s:.1f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f}', file=sys.stderr);"
            "sys.exit(r.returncode)"
        ),
        *STALKFLAG,
        "link",
        str(export),
        "--out",
        str(folder / "linked"),
        "--format",
        "parquet",
    ]
    _, _, output = _run(child)
    seconds, peak = output.strip().splitlines()[-1].split()
    print(output.strip().rsplit("\n", 1)[0][-1500:])
    print(
        f"\nstalkflag link on {args.n:,} incidents: wall {float(seconds):.1f} s, peak memory {float(peak):,.0f} MB "
        f"({os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
