"""Defaults shared by the package and the command line, in a module that imports nothing but
``typing`` (the command line reads them before it loads Splink or spaCy)."""

from typing import Literal, get_args

CHAMPION_URI = "models:/stalkflag@champion"
"""The model ``stalkflag score`` and ``stalkflag evaluate`` use unless told otherwise."""

CLUSTER_THRESHOLD = 0.35
"""The match probability at which two person mentions are one person, set on linkage quality.
Judged by what linkage does downstream (``experiments/decisions/0001-linkage-threshold-0.35.md``), 0.5 won on the
selection seed but lost on both evaluation seeds, so it stays 0.35."""

Evidence = Literal["other_party_id", "same_force"]
"""An optional Splink comparison (``stalkflag.linkage._settings`` says what each compares)."""

EVIDENCE: tuple[str, ...] = get_args(Evidence)

LINKAGE_EVIDENCE: tuple[str, ...] = ()
"""The optional Splink comparisons the linkage model is trained with
(``stalkflag.linkage._settings.EVIDENCE``). None: judged downstream
(``experiments/decisions/0002-linkage-evidence-off.md``), ``same_force`` won on the selection seed by merging
people wrongly (pair-linkage precision 0.989 to 0.870) and did not hold on the evaluation
seeds, and ``other_party_id`` links a little better but found no more stalking."""
