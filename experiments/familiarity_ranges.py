"""How familiar each set's wording is to the text model: the share of a note's word n-grams
(sentences about people, as the text model reads them) seen in the training notes.

Run: ``.venv/bin/python experiments/familiarity_ranges.py --seed 42 --n-unseen 8000``

Prints the 10th, 25th, 50th, 75th and 90th percentiles for the seen-style test victims, the
unseen-style export, the real US narratives (``realworld_flags.py``) and the training notes as a
text model fitted without their writing-style cluster sees them (``model.style_mix``'s copies).
Same cached data and victim split as ``seed_spread.py``.
"""

from __future__ import annotations

import argparse

import numpy as np
from model_comparison import prepared_sets
from realworld_flags import realworld_frame

from stalkflag.model._chain import (
    ScoringChain,
    SentencePooledTfidf,
    prepare,
    writing_style_clusters,
)
from stalkflag.model._config import DecisionConfig, ModelConfig, SyntheticConfig
from stalkflag.model._score import validate_frame
from stalkflag.model._train import split_groups

PERCENTILES = [10, 25, 50, 75, 90]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=120_000)
    parser.add_argument("--n-unseen", type=int, default=8_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    data = prepared_sets(args.n, args.n_unseen, args.seed, SyntheticConfig().incidental_detail)
    prepared = data["prepared"]
    chain = ScoringChain(ModelConfig(), DecisionConfig(), data["linkage_model"])
    groups = prepared.links["victim_person_id"].to_numpy()
    train, _, test = split_groups(groups, seed=0, valid_fraction=0.2, test_fraction=0.2)
    texts = chain._note_texts(prepared)
    real, _ = prepare(
        validate_frame(realworld_frame()).accepted, linkage_model=data["linkage_model"]
    )
    seen = SentencePooledTfidf().fit(texts[train])
    shares = {
        "seen-style test": seen.seen_share(texts[test]),
        "unseen styles": seen.seen_share(chain._note_texts(data["unseen"])),
        "real narratives": seen.seen_share(chain._note_texts(real)),
    }
    styles = writing_style_clusters(prepared.incidents["notes"], train)
    rows = np.flatnonzero(train)
    held_out = np.zeros(len(rows))
    for style in np.unique(styles):
        fit = SentencePooledTfidf().fit(texts[rows[styles[rows] != style]])
        mine = styles[rows] == style
        held_out[mine] = fit.seen_share(texts[rows[mine]])
    shares["training notes, own style held out"] = held_out
    print(f"seen n-gram share, percentiles {PERCENTILES} (seed {args.seed})")
    for name, share in shares.items():
        print(f"{name:36s} {np.round(np.percentile(share, PERCENTILES), 3).tolist()}")


if __name__ == "__main__":
    main()
