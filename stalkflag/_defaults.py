"""Defaults shared by the package and the command line, in a module that imports nothing (the
command line reads them before it loads Splink or spaCy)."""

CLUSTER_THRESHOLD = 0.5
"""The match probability at which two person mentions are one person. It was 0.35, set on
linkage quality alone, until issue 4 judged it by what linkage does downstream: 0.5 found
stalking best on the selection seed (``experiments/linkage_threshold.md``)."""
