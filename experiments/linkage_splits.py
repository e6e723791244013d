"""Why linkage splits people: what a split mention shares with the rest of its person, and
whether new evidence moves linkage's precision-recall frontier or only slides along it.

Run: ``.venv/bin/python experiments/linkage_splits.py --n 100000 --seed 11``

A mention is *split* when Splink put it in another person than the one holding most of its
true person's mentions (the *main* person). For each split mention the table says what it
shares with the main person's mentions: its own force ID, date of birth, first name and
surname (exact, after normalising), and the other party's surname and force ID (the suspect's,
for a victim mention); "nothing shared" is none of those. A split mention that shares nothing
but a name can only be joined on how rare the name is.

The frontier table links the same export with each optional comparison of
``stalkflag.linkage._settings.EVIDENCE`` (Splink trained afresh for each) at several clustering
thresholds and gives pairwise precision and recall of victims, suspects and suspect -> victim
pairs against the truth. Evidence that only adds weight to every candidate pair alike moves
both along the same curve as the threshold does; evidence that tells true pairs from false
ones moves the curve.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from _report import emit, validated_synthetic

from stalkflag.linkage import CLUSTER_THRESHOLD, cluster_scores, link_incidents


def _shared(values: pd.Series, main_sets: pd.Series) -> np.ndarray:
    return np.array(
        [
            pd.notna(v) and isinstance(pool, set) and v in pool
            for v, pool in zip(values, main_sets, strict=True)
        ]
    )


def split_anatomy(mentions: pd.DataFrame, truth: pd.DataFrame, links: pd.DataFrame) -> dict:
    """Per role, the share of split mentions sharing each field with their main person."""
    true_of = {
        "victim": truth.set_index("incident_id")["victim_key"],
        "suspect": truth.set_index("incident_id")["suspect_key"],
    }
    unknown_suspect = links.set_index("incident_id")["suspect_link_method"].eq("victim_only")
    out = {}
    for role in ("victim", "suspect"):
        m = mentions[mentions["role"] == role].copy()
        m["true"] = true_of[role].reindex(m["incident_id"]).to_numpy()
        sizes = m.groupby(["true", "person_id"]).size().sort_values(ascending=False)
        main = sizes.reset_index().drop_duplicates("true").set_index("true")["person_id"]
        m["main"] = m["true"].map(main)
        in_main = m[m["person_id"] == m["main"]]
        split = m[m["person_id"] != m["main"]]
        shares = {}
        for label, column in (
            ("force ID", "force_person_id"),
            ("date of birth", "dob"),
            ("first name", "first_canon"),
            ("surname", "surname"),
            ("other party's surname", "co_surname"),
            ("other party's force ID", "co_force_person_id"),
        ):
            pools = in_main.groupby("main")[column].agg(lambda s: set(s.dropna()))
            shares[label] = _shared(split[column], split["main"].map(pools))
        table = pd.DataFrame(shares, index=split.index)
        anything = table.any(axis=1)
        name_only = (
            table["first name"]
            & table["surname"]
            & ~table.drop(columns=["first name", "surname"]).any(axis=1)
        )
        out[role] = {
            "mentions": len(m),
            "split mentions": len(split),
            "split share": len(split) / len(m),
            "split with no name": float(
                (split["first_name"].isna() & split["surname"].isna()).mean()
            ),
            **{f"shares {k}": float(v.mean()) for k, v in table.items()},
            "shares a name and nothing else": float(name_only.mean()),
            "shares nothing": float((~anything).mean()),
            "on an incident with no suspect": float(
                unknown_suspect.reindex(split["incident_id"]).fillna(False).mean()
            ),
        }
    return out


def frontier(
    incidents: pd.DataFrame, truth: pd.DataFrame, variants: list[str], thresholds: list[float]
) -> pd.DataFrame:
    true_pair = truth["suspect_key"] + ">" + truth["victim_key"]
    rows = []
    for text in variants:
        evidence = () if text == "none" else tuple(text.split("+"))
        model = None
        for threshold in thresholds:
            result = link_incidents(
                incidents, model=model, cluster_threshold=threshold, evidence=evidence
            )
            model = result.model
            row = {"evidence": text, "threshold": threshold}
            for what, predicted, true in (
                ("victims", result.incidents["victim_person_id"], truth["victim_key"]),
                ("suspects", result.incidents["suspect_person_id"], truth["suspect_key"]),
                ("pairs", result.incidents["pair_id"], true_pair),
            ):
                scores = cluster_scores(predicted.to_numpy(), true.to_numpy())
                row[f"{what} precision"] = scores["pairwise_precision"]
                row[f"{what} recall"] = scores["pairwise_recall"]
            rows.append(row)
            print(pd.DataFrame(rows[-1:]).to_string(), flush=True)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--evidence", nargs="+", default=["none", "other_party_id", "same_force"])
    parser.add_argument(
        "--thresholds", type=float, nargs="+", default=[0.2, CLUSTER_THRESHOLD, 0.5, 0.7, 0.9]
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    incidents, truth = validated_synthetic(args.n, args.seed)
    result = link_incidents(incidents)
    anatomy = pd.DataFrame(split_anatomy(result.mentions, truth, result.incidents))
    counts = anatomy.index.isin(["mentions", "split mentions"])
    anatomy = anatomy.astype(object)
    anatomy[counts] = anatomy[counts].map(lambda v: f"{int(v):,}")
    anatomy[~counts] = anatomy[~counts].map(lambda v: f"{v:.3f}")
    curve = frontier(incidents, truth, args.evidence, args.thresholds)
    lines = [
        f"# Why linkage splits people: n={args.n:,} incidents, seed={args.seed}",
        "",
        f"`.venv/bin/python experiments/linkage_splits.py --n {args.n} --seed {args.seed} "
        f"--evidence {' '.join(args.evidence)} "
        f"--thresholds {' '.join(map(str, args.thresholds))}`",
        "",
        __doc__.split("\n\n", 2)[2].strip(),
        "",
        f"## Split mentions (the product's linkage, threshold {CLUSTER_THRESHOLD})",
        "",
        anatomy.to_markdown(colalign=("left", "right", "right"), disable_numparse=True),
        "",
        "## The frontier: pairwise precision and recall, by evidence and threshold",
        "",
        curve.to_markdown(index=False, floatfmt=".4f"),
    ]
    emit(lines, args.out)


if __name__ == "__main__":
    main()
