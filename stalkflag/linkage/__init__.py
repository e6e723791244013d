"""Link incidents into people and suspect -> victim pairs (Splink, DuckDB or Spark).

See :func:`link_incidents`. The Splink model is declared in :mod:`._settings`, trained without
labels, saved as JSON and reusable; suspects named only in notes are recovered by a spaCy rule
component (:mod:`._notes`) and every link says how it was made.
"""

from stalkflag.linkage._evaluate import cluster_scores, exact_id_baseline, exact_name_dob_baseline
from stalkflag.linkage._link import (
    INCIDENT_LINK_COLUMNS,
    LinkResult,
    link_incidents,
    pair_ids,
    person_id,
)
from stalkflag.linkage._mentions import build_mentions
from stalkflag.linkage._notes import make_notes_pipeline
from stalkflag.linkage._settings import check_evidence
from stalkflag.linkage._splink import CLUSTER_THRESHOLD, make_spark_session, python_linkage

__all__ = [
    "CLUSTER_THRESHOLD",
    "INCIDENT_LINK_COLUMNS",
    "LinkResult",
    "build_mentions",
    "check_evidence",
    "cluster_scores",
    "exact_id_baseline",
    "exact_name_dob_baseline",
    "link_incidents",
    "make_notes_pipeline",
    "make_spark_session",
    "pair_ids",
    "person_id",
    "python_linkage",
]
