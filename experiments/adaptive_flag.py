"""A flag placed on the export itself: does it carry the validation precision to unseen styles
and to an export where almost nothing is stalking?

Run: ``.venv/bin/python experiments/adaptive_flag.py --seeds 57 31 73 --out experiments/adaptive_flag.md``

The product places its flag once, on validation pairs, and uses it on every export. This
script tries a label-free alternative: map a pair's score (its highest incident score) to the
probability that the pair is stalking with isotonic regression fitted on the validation pairs
not recorded as stalking; then, on the export being scored, flag down to the lowest score at
which the mean of that probability over the flagged pairs, the precision the model expects,
is still at least the target. Where little is stalking the expected precision of any flag is
low and the flag rises; where calibration holds it lands where the validation flag does.

Same seeds, splits and caches as ``seed_spread.py`` (the chosen model). Figures are over pairs
not recorded as stalking; "courses recall" counts each true course of conduct once. The real
narratives are ``realworld_flags.py``'s (single incidents, almost none stalking).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from _report import emit, per_seed_report
from model_comparison import _view, prepared_sets
from realworld_flags import realworld_frame
from seed_spread import _at, _open_pairs
from sklearn.isotonic import IsotonicRegression

from stalkflag.model._chain import ScoringChain, prepare
from stalkflag.model._config import DecisionConfig, ModelConfig, SyntheticConfig
from stalkflag.model._evaluate import true_pattern_recall
from stalkflag.model._score import validate_frame
from stalkflag.model._train import split_groups


def export_flag(pair_probability: IsotonicRegression, scores: np.ndarray, target: float) -> float:
    """The lowest pair score at which the expected precision of flagging every pair scoring at
    least that much is ``target`` or more (``inf`` when no flag reaches it)."""
    order = np.argsort(-scores, kind="stable")
    expected = np.cumsum(pair_probability.predict(scores[order])) / np.arange(1, len(scores) + 1)
    ok = np.flatnonzero(expected >= target)
    return float(scores[order][ok.max()]) if len(ok) else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=120_000)
    parser.add_argument("--n-unseen", type=int, default=15_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[57, 31, 73])
    parser.add_argument("--targets", type=float, nargs="+", default=[0.80, 0.82])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    real = validate_frame(realworld_frame()).accepted
    rows = []
    for seed in args.seeds:
        data = prepared_sets(args.n, args.n_unseen, seed, SyntheticConfig().incidental_detail)
        prepared, y = data["prepared"], data["main"].y
        groups = prepared.links["victim_person_id"].to_numpy()
        train, valid, test = split_groups(groups, seed=0, valid_fraction=0.2, test_fraction=0.2)
        chain = ScoringChain(ModelConfig(), DecisionConfig(), data["linkage_model"])
        chain.fit(prepared, y, train, valid, groups)
        seen = chain.predict_proba(chain.features(prepared))
        unseen = chain.predict_proba(chain.features(data["unseen"]))
        real_prepared, _ = prepare(
            real, linkage_model=data["linkage_model"], linkage_threshold=chain.linkage_threshold
        )
        real_scores = chain.predict_proba(chain.features(real_prepared))
        valid_pairs = _open_pairs(_view(prepared, y, np.flatnonzero(valid)), seen[valid])
        pair_probability = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1)
        pair_probability.fit(valid_pairs["score"], valid_pairs["y"])
        sets = {
            "seen test": (_view(prepared, y, np.flatnonzero(test), data["main"].truth), seen[test]),
            "unseen": (
                _view(data["unseen"], data["unseen_set"].y, np.arange(len(unseen)),
                      data["unseen_set"].truth),
                unseen,
            ),
        }  # fmt: skip
        real_pairs = pd.Series(real_scores).groupby(real_prepared.links["pair_id"].to_numpy()).max()
        fixed, iso = chain.flag_threshold, pair_probability
        placements = {
            "validation (the product)": lambda s, t, fixed=fixed: fixed,
            "on the export": lambda s, t, iso=iso: export_flag(iso, s, t),
        }
        for target in args.targets:
            for placement, place in placements.items():
                if placement.startswith("validation") and target != 0.80:
                    continue
                row = {"seed": seed, "flag placed": placement, "target": target}
                for name, (view, scores) in sets.items():
                    pairs = _open_pairs(view, scores)
                    cut = place(pairs["score"].to_numpy(), target)
                    recall, precision = _at(pairs, cut)
                    courses = true_pattern_recall(
                        view["pattern"], view["y"], scores >= cut, view["recorded"], view["pair"]
                    )
                    row |= {
                        f"{name} flag": cut,
                        f"{name} recall": recall,
                        f"{name} courses recall": courses["true_pattern_recall"],
                        f"{name} precision": precision,
                    }
                cut = place(real_pairs.to_numpy(), target)
                row["real flag"] = cut
                row["real flagged"] = float((real_scores >= cut).mean())
                rows.append(row)
        print(pd.DataFrame(rows).tail(3).to_string(), flush=True)
    table = pd.DataFrame(rows)
    numeric = [c for c in table.columns if c not in {"seed", "flag placed", "target"}]
    summary = table.groupby(["flag placed", "target"], sort=False)[numeric].mean().reset_index()
    cmd = (
        f".venv/bin/python experiments/adaptive_flag.py --n {args.n} --n-unseen {args.n_unseen} "
        f"--seeds {' '.join(map(str, args.seeds))} --targets {' '.join(map(str, args.targets))}"
    )
    emit(
        per_seed_report("A flag placed on the export itself", cmd, __doc__, table, summary),
        args.out,
    )


if __name__ == "__main__":
    main()
