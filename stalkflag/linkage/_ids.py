"""The force person ID rule: a mention with an ID and nothing else is the person its ID names.

A *bare* mention carries a force person ID but no name and no date of birth, as in a
pseudonymised export (how forces share data with analysts). Splink can weigh such a mention
only by its ID against the prior that two random mentions are one person, and that balance
depends on the size of the export the model was trained on, so a model trained on a large
named export can leave every bare mention on its own. Nothing in a bare mention can contradict
its ID, so the rule decides instead: a bare mention joins the person that most of its ID's
named mentions were linked to (or, when no named mention carries the ID, the other bare
mentions with it). Named mentions are left to Splink, which weighs their ID against their names
and dates of birth; the rule never joins two people Splink kept apart.

When every mention is bare, people are the IDs themselves: :func:`link_by_ids` needs no Splink
model and trains none, so an export of any size links.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from stalkflag.errors import ConfigError

__all__ = [
    "IDS_ONLY_MODEL", "RULE_STAGE", "bare_mentions", "check_ids_only_model", "id_rule_edges",
    "link_by_ids",
]  # fmt: skip

logger = logging.getLogger(__name__)

RULE_STAGE = "force_id"
"""The ``stage`` of a pair linked by the ID rule in :attr:`SplinkRun.edges`."""

IDS_ONLY_MODEL: dict[str, Any] = {
    "format": "stalkflag-linkage/1",
    "people": None,
    "suspects": None,
    "evidence": [],
    "links_by": "force_person_id",
}
"""What an export with no names or dates of birth saves as its linkage model: no Splink model
(none was trained), only the statement that people were linked by their force IDs."""

_EVIDENCE_FIELDS = ["first_name", "surname", "dob"]


def bare_mentions(mentions: pd.DataFrame) -> np.ndarray:
    """Which mentions carry a force person ID and no name or date of birth."""
    has_id = mentions["force_person_id"].notna().to_numpy()
    return has_id & ~mentions[_EVIDENCE_FIELDS].notna().any(axis=1).to_numpy()


def check_ids_only_model(model: dict[str, Any] | None, mentions: pd.DataFrame) -> None:
    """Refuse an ID-only model (:data:`IDS_ONLY_MODEL`) for mentions that carry names or
    dates of birth, which it has no Splink model to weigh."""
    if model is not None and model.get("people") is None and not bare_mentions(mentions).all():
        raise ConfigError(
            "the linkage model was saved from an export without names or dates of birth and "
            "links by force IDs only, so it cannot link this export, which has them; link it "
            "without --linkage-model or with a model trained on a named export.",
            code="C024",
        )


def id_rule_edges(mentions: pd.DataFrame, person: np.ndarray) -> pd.DataFrame:
    """One pair per bare mention, joining it to the person its force ID names.

    Args:
        mentions: Person mentions (``unique_id``, ``force_person_id`` and the name and date of
            birth fields).
        person: Each mention's person as Splink clustered it (aligned with ``mentions``).

    Returns:
        ``unique_id_l`` < ``unique_id_r``, ``match_probability`` 1.0, ``match_weight`` NaN and
        ``stage`` :data:`RULE_STAGE`; a bare mention already its ID's target has no pair.
    """
    bare_ones = bare_mentions(mentions)
    if not bare_ones.any():  # nothing for the rule to join (most exports name everyone)
        return pd.DataFrame(
            {
                "unique_id_l": np.zeros(0, dtype=np.int64),
                "unique_id_r": np.zeros(0, dtype=np.int64),
                "match_probability": np.zeros(0),
                "match_weight": np.zeros(0),
                "stage": np.zeros(0, dtype=object),
            }
        )
    frame = pd.DataFrame(
        {
            "uid": mentions["unique_id"].to_numpy(),
            "fid": mentions["force_person_id"].to_numpy(),
            "bare": bare_ones,
            "person": person,
        }
    )
    frame = frame[frame["fid"].notna()]
    named = frame[~frame["bare"]]
    by_person = (
        named.groupby(["fid", "person"], sort=False)
        .agg(n=("uid", "size"), uid=("uid", "min"))
        .reset_index()
        .sort_values(["fid", "n", "person"], ascending=[True, False, True], kind="stable")
        .drop_duplicates("fid")
        .set_index("fid")["uid"]
    )
    bare = frame[frame["bare"]]
    target = by_person.combine_first(bare.groupby("fid")["uid"].min())
    right = target.reindex(bare["fid"]).to_numpy().astype(np.int64)
    left = bare["uid"].to_numpy().astype(np.int64)
    keep = left != right
    return pd.DataFrame(
        {
            "unique_id_l": np.minimum(left, right)[keep],
            "unique_id_r": np.maximum(left, right)[keep],
            "match_probability": 1.0,
            "match_weight": np.nan,
            "stage": RULE_STAGE,
        }
    )


def link_by_ids(mentions: pd.DataFrame, model: dict[str, Any] | None):
    """People from force IDs alone, for mentions that are all bare (no Splink run).

    Args:
        mentions: Person mentions, every one bare (see :func:`bare_mentions`).
        model: A saved model given by the user, returned as it is; without one, the result's
            model is :data:`IDS_ONLY_MODEL`.

    Returns:
        A :class:`~stalkflag.linkage._splink.SplinkRun` whose edges are the rule's pairs.
    """
    from stalkflag.linkage._splink import SplinkRun

    uids = mentions["unique_id"].to_numpy()
    edges = id_rule_edges(mentions, uids)
    first = mentions.groupby("force_person_id", sort=False)["unique_id"].transform("min")
    clusters = pd.DataFrame({"unique_id": uids, "cluster_id": first.to_numpy()})
    logger.info(
        "no names or dates of birth in this export: %d mentions linked by their force IDs alone",
        len(mentions),
    )
    return SplinkRun(dict(model or IDS_ONLY_MODEL), edges, clusters)
