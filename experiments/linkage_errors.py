"""Which linkage errors cost issue 4's goal? Each kind fixed alone with the synthetic truth.

Run: ``.venv/bin/python experiments/linkage_errors.py --seeds 42 --n-unseen 8000 --out experiments/linkage_errors.md``

Same cached exports as ``seed_spread.py`` (seed 42 with 8,000 unseen-style incidents is the
reference training run's data). ``oracle_linkage.py`` replaces all of Splink's people by the
truth's at once; this script fixes one kind of linkage error at a time, keeping Splink's person
ids, so the rows say where the gap between the two is:

- ``Splink``: the links as made;
- ``victims``: every incident's victim is the Splink person holding most of its true victim's
  incidents (victims split over several persons are joined; suspects as linked);
- ``blank suspects``: incidents whose suspect fields were blank and which the notes could not
  tie to anyone (``victim_only``, an unknown suspect of the victim) get the Splink person
  holding most of their true suspect's field-linked incidents, where there is one;
- ``suspects``: every incident's suspect is the Splink person holding most of its true
  suspect's incidents (suspects split over several persons are joined, blank ones included);
- ``victims and suspects``: both, which is close to ``oracle_linkage.py``'s truth (persons
  that Splink merged wrongly stay merged).

Then the chosen model is fitted (split by victim, as the product does) and measured at its own
flag, over pairs not recorded as stalking ("courses" counts each true course of conduct once;
"best" is the most recall at precision 0.80 with the threshold placed on that set itself).
An upper bound on what fixing each kind of error could be worth, not a linkage method.
"""

from __future__ import annotations

import argparse
import functools
from pathlib import Path

import numpy as np
import pandas as pd
from oracle_linkage import run, with_people

from stalkflag.model._chain import Prepared

KINDS = ("Splink", "victims", "blank suspects", "suspects", "victims and suspects")


def _most_common(person: np.ndarray, key: np.ndarray) -> pd.Series:
    """For each true key, the person most of its incidents were linked to."""
    return pd.Series(person).groupby(key).agg(lambda s: s.value_counts().index[0])


def _majority(person: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Each incident's person replaced by the person most of its true key's incidents have."""
    return _most_common(person, key).loc[key].to_numpy(dtype=object)


def with_fixed(prepared: Prepared, truth: pd.DataFrame, kind: str) -> Prepared:
    """The same incidents with one kind of linkage error fixed from the truth."""
    if kind == "Splink":
        return prepared
    links = prepared.links
    victim = links["victim_person_id"].to_numpy(dtype=object)
    suspect = links["suspect_person_id"].to_numpy(dtype=object)
    true_victim, true_suspect = truth["victim_key"].to_numpy(), truth["suspect_key"].to_numpy()
    if kind in ("victims", "victims and suspects"):
        victim = _majority(victim, true_victim)
    if kind == "blank suspects":
        blank = links["suspect_link_method"].eq("victim_only").to_numpy()
        found = pd.Series(true_suspect[blank]).map(
            _most_common(suspect[~blank], true_suspect[~blank])
        )
        suspect = suspect.copy()
        suspect[blank] = np.where(found.notna(), found.to_numpy(dtype=object), suspect[blank])
    if kind in ("suspects", "victims and suspects"):
        suspect = _majority(suspect, true_suspect)
    return with_people(prepared, victim, suspect)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=120_000)
    parser.add_argument("--n-unseen", type=int, default=8_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[42])
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    relink = {kind: functools.partial(with_fixed, kind=kind) for kind in args.kinds}
    run(args, relink, "linkage_errors.py", __doc__,
        "Linkage errors one kind at a time: what fixing each could be worth at most")  # fmt: skip


if __name__ == "__main__":
    main()
