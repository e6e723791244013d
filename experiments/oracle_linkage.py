"""How much of issue 4's shortfall is linkage? The chosen model fitted and measured with the
synthetic truth's people in place of Splink's, beside the same model on Splink's links.

Run: ``.venv/bin/python experiments/oracle_linkage.py --seeds 57 --out experiments/oracle_linkage.md``

Same cached exports as ``seed_spread.py``. "truth" replaces every incident's victim, suspect
and pair by the synthetic truth's (so a pair is exactly one course of conduct, and pattern
features see its whole history); the notes, their reading and the rest of the chain are
unchanged. Splits are by victim, made again on each set of people. The flag is the product's
(validation pairs, precision 0.80, Wilson lower bound). Figures are over pairs not recorded as
stalking, and over true courses of conduct ("courses recall"). Truth-linkage is an upper
bound no force will have: the gap is what better linkage could be worth, no more.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
from _report import emit, per_seed_report
from model_comparison import _view, prepared_sets
from seed_spread import _at, _open_pairs

from stalkflag.linkage import pair_ids
from stalkflag.model import (
    DecisionConfig,
    ModelConfig,
    Prepared,
    ScoringChain,
    SyntheticConfig,
    best_operating_point,
    split_groups,
    true_pattern_recall,
)


def with_true_people(prepared: Prepared, truth: pd.DataFrame) -> Prepared:
    """The same incidents, linked as the synthetic truth links them."""
    return with_people(prepared, truth["victim_key"].to_numpy(), truth["suspect_key"].to_numpy())


def with_people(prepared: Prepared, victim: np.ndarray, suspect: np.ndarray) -> Prepared:
    """The same incidents with these victim and suspect persons, and the pairs they make."""
    links = prepared.links.copy()
    links["victim_person_id"], links["suspect_person_id"] = victim, suspect
    links["pair_id"] = pair_ids(suspect, victim)
    return dataclasses.replace(prepared, links=links)


def fit_and_measure(data: dict, prepared: Prepared, unseen: Prepared) -> dict[str, float]:
    """Fit the chosen model on ``prepared`` (split by its linked victims, as the product does)
    and measure it at its own flag on the seen-style test victims and on ``unseen``: recall
    and precision over pairs not recorded as stalking, recall over true courses of conduct,
    and the most recall the ranking allows at precision 0.80 ("best")."""
    y, unseen_y = data["main"].y, data["unseen_set"].y
    truth, unseen_truth = data["main"].truth, data["unseen_set"].truth
    groups = prepared.links["victim_person_id"].to_numpy()
    train, valid, test = split_groups(groups, seed=0, valid_fraction=0.2, test_fraction=0.2)
    chain = ScoringChain(ModelConfig(), DecisionConfig(), data["linkage_model"])
    chain.fit(prepared, y, train, valid, groups)
    sets = {
        "seen test": (
            _view(prepared, y, np.flatnonzero(test), truth),
            chain.predict_proba(chain.features(prepared))[test],
        ),
        "unseen": (
            _view(unseen, unseen_y, np.arange(len(unseen_y)), unseen_truth),
            chain.predict_proba(chain.features(unseen)),
        ),
    }
    row: dict[str, float] = {}
    for name, (view, scores) in sets.items():
        pairs = _open_pairs(view, scores)
        recall, precision = _at(pairs, chain.flag_threshold)
        flagged = scores >= chain.flag_threshold
        courses = true_pattern_recall(
            view["pattern"], view["y"], flagged, view["recorded"], view["pair"]
        )
        best = best_operating_point(pairs["y"], pairs["score"], precision=0.80)
        row |= {
            f"{name} recall": recall,
            f"{name} courses recall": courses["true_pattern_recall"],
            f"{name} precision": precision,
            f"{name} best": best["recall"],
        }
    return row


def run(args, relink: dict, script: str, doc: str, title: str) -> None:
    """For each seed and each way of relinking (name -> function of the prepared incidents and
    their truth), fit and measure the chosen model; emit the rows and their mean per way."""
    rows = []
    for seed in args.seeds:
        data = prepared_sets(args.n, args.n_unseen, seed, SyntheticConfig().incidental_detail)
        for name, fix in relink.items():
            prepared = fix(data["prepared"], data["main"].truth)
            unseen = fix(data["unseen"], data["unseen_set"].truth)
            rows.append({"seed": seed, "linkage": name} | fit_and_measure(data, prepared, unseen))
            print(pd.DataFrame(rows[-1:]).to_string(), flush=True)
    table = pd.DataFrame(rows)
    summary = table.drop(columns="seed").groupby("linkage", sort=False).mean().reset_index()
    cmd = (
        f".venv/bin/python experiments/{script} --n {args.n} --n-unseen {args.n_unseen} "
        f"--seeds {' '.join(map(str, args.seeds))}"
    )
    emit(per_seed_report(title, cmd, doc, table, summary), args.out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=120_000)
    parser.add_argument("--n-unseen", type=int, default=15_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[57])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    relink = {"Splink": lambda prepared, truth: prepared, "truth": with_true_people}
    run(args, relink, "oracle_linkage.py", __doc__,
        "Linkage's share of the shortfall: Splink's people against the truth's")  # fmt: skip


if __name__ == "__main__":
    main()
