"""Model selection for unseen writing styles without looking at them: leave one seen style out.

Run: ``.venv/bin/python experiments/style_holdout.py --seed 42 --n-unseen 8000 --models chosen style_folds --out experiments/style_holdout.md``

Issue 4's goal must hold on writing styles the model never saw, and the unseen-style export is
its test: choosing a text model by its unseen-style figures would make them a validation set.
This script chooses on the seen styles alone. The seen-style export (cached with
``model_comparison.py``) is split by victim as everywhere else; for each seen style in turn, the
chain is fitted on the training and validation victims' notes in the *other* styles (so neither
the text model nor the calibration and flag saw the held-out style) and measured on the test
victims' notes in the held-out style. A test pair's earlier incidents in other styles still
count in its pattern features, as they would in a real export.

Figures are over pairs not recorded as stalking, at the chain's own flag; "best" is the most
recall at precision 0.80 with the threshold placed on that held-out set itself (what the
ranking allows). The last table averages over held-out styles; "styles at goal" counts the
held-out styles where recall >= 0.90 at precision >= 0.80 at the flag.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _report import emit
from model_comparison import _view, prepared_sets
from seed_spread import GOAL_PRECISION, GOAL_RECALL, TEXT_MODELS, _open_pairs

from stalkflag.model._chain import ScoringChain
from stalkflag.model._config import DecisionConfig, SyntheticConfig
from stalkflag.model._evaluate import best_operating_point
from stalkflag.model._train import split_groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=120_000)
    parser.add_argument("--n-unseen", type=int, default=8_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--styles", nargs="+", default=list(SyntheticConfig().seen_styles))
    parser.add_argument("--models", nargs="+", choices=list(TEXT_MODELS), default=["chosen"])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    data = prepared_sets(args.n, args.n_unseen, args.seed, SyntheticConfig().incidental_detail)
    prepared, y = data["prepared"], data["main"].y
    styles = data["main"].truth["style"].to_numpy()
    groups = prepared.links["victim_person_id"].to_numpy()
    train, valid, test = split_groups(groups, seed=0, valid_fraction=0.2, test_fraction=0.2)
    rows = []
    for held in args.styles:
        other = styles != held
        test_rows = np.flatnonzero(test & ~other)
        view = _view(prepared, y, test_rows)
        for key in args.models:
            name, config = TEXT_MODELS[key]
            start = time.perf_counter()
            chain = ScoringChain(config, DecisionConfig(), data["linkage_model"])
            chain.fit(prepared, y, train & other, valid & other, groups)
            scores = chain.predict_proba(chain.features(prepared))[test_rows]
            pairs = _open_pairs(view, scores)
            flagged = pairs["score"] >= chain.flag_threshold
            stalking = pairs["y"] == 1
            recall = float(flagged[stalking].mean())
            precision = float(pairs["y"][flagged].mean()) if flagged.any() else float("nan")
            rows.append(
                {
                    "held-out style": held,
                    "text model": name,
                    "stalking pairs": int(stalking.sum()),
                    "recall": recall,
                    "precision": precision,
                    "best": best_operating_point(
                        pairs["y"], pairs["score"], precision=GOAL_PRECISION
                    )["recall"],
                    "flag": chain.flag_threshold,
                    "fit s": time.perf_counter() - start,
                }
            )
            print(pd.DataFrame(rows[-1:]).to_string(), flush=True)
    table = pd.DataFrame(rows)
    table["at goal"] = (table["recall"] >= GOAL_RECALL) & (table["precision"] >= GOAL_PRECISION)
    summary = table.groupby("text model", sort=False).agg(
        **{f"mean {c}": (c, "mean") for c in ("recall", "precision", "best")},
        **{"min recall": ("recall", "min"), "min best": ("best", "min")},
        **{"styles at goal": ("at goal", lambda v: f"{int(v.sum())} of {len(v)}")},
    )
    command = (
        f"`.venv/bin/python experiments/style_holdout.py --n {args.n} --n-unseen {args.n_unseen} "
        f"--seed {args.seed} --styles {' '.join(args.styles)} --models {' '.join(args.models)}`"
    )
    lines = [
        f"# Leave one seen style out (n={args.n:,}, seed={args.seed})",
        "",
        command,
        "",
        __doc__.split("\n\n", 2)[2].strip(),
        "",
        "## Each held-out style",
        "",
        table.drop(columns=["at goal"]).to_markdown(index=False, floatfmt=".3f"),
        "",
        "## Over held-out styles",
        "",
        summary.to_markdown(floatfmt=".3f"),
    ]
    emit(lines, args.out)


if __name__ == "__main__":
    main()
