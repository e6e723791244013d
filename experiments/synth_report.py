"""Report on a synthetic export: counts per scenario, recorded vs true category, random notes.

Run: ``.venv/bin/python experiments/synth_report.py --n 1000000 --seed 42 --out experiments/synth_report.md``
Notes are chosen with ``random.Random(sample_seed).sample`` over all row positions, so the
choice is uniform and independent of the content.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import pandas as pd
from _report import emit

from stalkflag.synth import SynthConfig, generate


def _md(frame: pd.DataFrame) -> str:
    cols = [frame.index.name or "", *map(str, frame.columns)]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for idx, row in frame.iterrows():
        lines.append(
            "| "
            + " | ".join([str(idx), *(f"{v:,}" if isinstance(v, int) else str(v) for v in row)])
            + " |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--sample-seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    t0 = time.perf_counter()
    export, truth = generate(SynthConfig(args.n, seed=args.seed), workers=args.workers)
    seconds = time.perf_counter() - t0
    df = export.join(truth.drop(columns=["incident_id", "recorded_category", "label"]))
    patterns = df.drop_duplicates("pattern_id")
    scen = (
        df.groupby("scenario")
        .agg(
            stalking=("label", "max"),
            patterns=("pattern_id", "nunique"),
            incidents=("incident_id", "size"),
            recorded_as_stalking=("recorded_category", lambda s: f"{(s == 'stalking').mean():.1%}"),
            online_only=("online_only", lambda s: f"{s.mean():.0%}"),
        )
        .sort_values(["stalking", "incidents"], ascending=False)
    )
    scen["stalking"] = scen["stalking"].map({1: "yes", 0: "no"})
    truth_cat = df["label"].map({1: "stalking (true)", 0: "not stalking (true)"})
    cross = pd.crosstab(df["recorded_category"], truth_cat, margins=True, margins_name="total")
    stalking = df[df["label"] == 1]
    lines = [
        f"# Synthetic export report: n={args.n:,}, seed={args.seed}",
        "",
        f"Generated in {seconds:.1f} s with {args.workers} workers "
        f"(`{' '.join(['.venv/bin/python experiments/synth_report.py', f'--n {args.n}', f'--seed {args.seed}'])}`).",
        "",
        f"- patterns: {len(patterns):,}; stalking patterns: {patterns['label'].mean():.1%}; "
        f"stalking incidents: {df['label'].mean():.1%}",
        f"- stalking incidents not recorded as stalking: {(stalking['recorded_category'] != 'stalking').mean():.1%}; "
        f"first incident of a stalking pattern recorded as stalking: "
        f"{(stalking.loc[stalking['incident_index'] == 0, 'recorded_category'] == 'stalking').mean():.1%}",
        f"- incidents recorded as stalking that are not: "
        f"{((df['recorded_category'] == 'stalking') & (df['label'] == 0)).sum() / (df['recorded_category'] == 'stalking').sum():.1%}",
        f"- notes using the word 'stalk': stalking {stalking['notes'].str.contains('stalk', case=False).mean():.1%}, "
        f"look-alikes {df.loc[df['label'] == 0, 'notes'].str.contains('stalk', case=False).mean():.1%}",
        "",
        "## Per scenario",
        "",
        _md(scen),
        "",
        "## Recorded category against true category (incidents)",
        "",
        _md(cross),
        "",
        "## Writing styles",
        "",
        _md(df["style"].value_counts().to_frame("incidents")),
        "",
        f"## Ten notes chosen at random (random.Random({args.sample_seed}).sample of row positions)",
        "",
    ]
    for i in random.Random(args.sample_seed).sample(range(len(df)), 10):
        r = df.iloc[i]
        lines.append(
            f"- `{r['incident_id']}` scenario **{r['scenario']}** (label {r['label']}), "
            f"recorded **{r['recorded_category']}**, style *{r['style']}*, "
            f"incident {r['incident_index'] + 1} of {r['pattern_size']}:"
        )
        lines.append(f"  > {r['notes'] or '(empty note)'}")
    emit(lines, args.out)


if __name__ == "__main__":
    main()
