"""Defaults shared by the package and the command line, in a module that imports nothing (the
command line reads them before it loads Splink or spaCy)."""

CLUSTER_THRESHOLD = 0.35
"""The match probability at which two person mentions are one person, set on linkage quality.
Judged by what linkage does downstream (``experiments/linkage_threshold.md``), 0.5 won on the
selection seed but lost on both evaluation seeds, so it stays 0.35."""
