"""Why precision at the flag is lower on the time split: are later pairs ranked worse, or is
less of them stalking?

Run: ``.venv/bin/python experiments/time_split.py --n 240000 --n-unseen 15000 --seeds 57``

The training run's time split (its rows are ``stalkflag.model._train.time_split_rows``, used
here too) fits the chain on the incidents before a cut-off (of victims who started before it),
places the flag on validation victims among them, and tests on the victims who start after it. Both reference runs had
time-split precision below the target (0.789 and 0.779) while the pattern split's was near it.
This script repeats that split on the cached exports of ``seed_spread.py`` and sets the
validation pairs (where the flag is placed) beside the late pairs (where it is measured), over
pairs not recorded as stalking: how many there are, how much of them is stalking, how many
incidents a pair has (a late course is short, because the synthetic generator fits every
course wholly inside the export's dates, so only short courses can start near its end; a
validation course is cut short by the cut-off), the ranking (PR-AUC, and "best": the most recall at
precision 0.80 with the threshold placed on that set itself), and recall and precision at the
flag. "expected precision" is the mean of the flagged pairs' highest calibrated incident score,
roughly what the model itself expects (the highest of several scores runs high, so it leans
above the truth on both sets alike); where the two sets differ in it as they differ in measured
precision, the model saw the change coming; where they do not, its scores mean less on late
pairs than on the pairs it was calibrated on.

A diagnosis, not a choice: no setting is chosen here.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _report import emit
from model_comparison import _view, prepared_sets
from seed_spread import _open_pairs, at_the_flag

from stalkflag.linkage import CLUSTER_THRESHOLD
from stalkflag.model._chain import ScoringChain
from stalkflag.model._config import DecisionConfig, ModelConfig, SplitConfig, SyntheticConfig
from stalkflag.model._train import time_split_rows


def _describe(setting: str, view: dict, scores: np.ndarray, cut: float) -> dict:
    pairs = _open_pairs(view, scores)
    sizes = pd.Series(view["pair"]).value_counts()
    open_sizes = sizes.reindex(pairs.index)
    figures, goal = at_the_flag(setting, pairs, cut)
    flagged = pairs["score"] >= cut
    stalking = pairs["y"] == 1
    return {
        f"{setting} open pairs": len(pairs),
        f"{setting} stalking share": float(stalking.mean()),
        f"{setting} incidents per stalking pair": float(open_sizes[stalking].mean()),
        f"{setting} incidents per other pair": float(open_sizes[~stalking].mean()),
        f"{setting} one-incident share of stalking pairs": float(
            (open_sizes[stalking] == 1).mean()
        ),
        **figures,
        f"{setting} expected precision": float(pairs["score"][flagged].mean()),
        f"{setting} goal": "yes" if goal else "no",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=240_000)
    parser.add_argument("--n-unseen", type=int, default=15_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[57])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    split = SplitConfig()
    rows = []
    for seed in args.seeds:
        start = time.perf_counter()
        data = prepared_sets(args.n, args.n_unseen, seed, SyntheticConfig().incidental_detail)
        prepared, y = data["prepared"], data["main"].y
        groups = prepared.links["victim_person_id"].to_numpy()
        fit, valid, late, cutoff = time_split_rows(prepared, groups, split)
        chain = ScoringChain(
            ModelConfig(), DecisionConfig(), data["linkage_model"], CLUSTER_THRESHOLD
        )
        chain.fit(prepared, y, fit, valid, groups)
        scores = chain.predict_proba(chain.features(prepared))
        cut = chain.flag_threshold
        days = (cutoff - prepared.incidents["reported_at"].min()).days
        row = {"seed": seed, "flag": cut, "cut-off (days from start)": days}
        for setting, mask in (("validation", valid), ("late", late)):
            rows_of = np.flatnonzero(mask)
            row |= _describe(setting, _view(prepared, y, rows_of), scores[rows_of], cut)
        row["s"] = time.perf_counter() - start
        rows.append(row)
        print(pd.DataFrame(rows[-1:]).T.to_string(), flush=True)
    table = (
        pd.DataFrame(rows)
        .set_index("seed")
        .T.map(lambda v: f"{v:.3f}" if isinstance(v, float) else str(v))
    )
    cmd = (
        f".venv/bin/python experiments/time_split.py --n {args.n} --n-unseen {args.n_unseen} "
        f"--seeds {' '.join(map(str, args.seeds))}"
    )
    lines = [
        f"# The time split: validation pairs against late pairs ({args.n:,} incidents)",
        "",
        f"`{cmd}`",
        "",
        __doc__.split("\n\n", 2)[2].strip(),
        "",
        table.to_markdown(disable_numparse=True),
    ]
    emit(lines, args.out)


if __name__ == "__main__":
    main()
