"""What a flag asks of a force: the flag type, the recommended actions and the Home Office
Counting Rules check, each a deterministic rule over the scored pattern (DOMAIN.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "ACTIONS",
    "COUNTING_RULES_SINCE",
    "counting_rules_check",
    "flag_type",
    "recommended_actions",
]

ACTIONS: dict[str, str] = {
    "screening": "complete the stalking screening and S-DASH questions",
    "advocate": "refer the victim to an independent stalking advocate",
    "spo": "consider a Stalking Protection Order",
    "link": "link the incidents into one investigation",
    "recording": "review how the incidents were recorded (Home Office Counting Rules)",
    "review": "review the linked incidents before deciding",
}
"""Recommended actions a flag can point to (DOMAIN.md), by id."""

COUNTING_RULES_SINCE = pd.Timestamp("2020-04-01")
"""Since April 2020 a course of conduct between former partners must be recorded as stalking
unless police are satisfied it is harassment only (Home Office Counting Rules)."""


def flag_type(decision: np.ndarray, recorded_stalking: np.ndarray) -> np.ndarray:
    """``possible_misclassification`` where flagged and not recorded as stalking, ``review`` in
    the review band, empty otherwise."""
    decision = np.asarray(decision)
    return np.where(
        (decision == "flag") & ~np.asarray(recorded_stalking, dtype=bool),
        "possible_misclassification",
        np.where(decision == "review", "review", ""),
    )


def recommended_actions(
    flag_types: np.ndarray,
    incidents: np.ndarray,
    suspect_known: np.ndarray,
    recording_finding: np.ndarray,
) -> list[str]:
    """Per pattern, ``; ``-joined action ids (:data:`ACTIONS`): every flag asks for the
    screening questions and an advocate; a flag over several incidents asks for one
    investigation; an identified suspect, for a Stalking Protection Order to be considered; a
    misclassification or a counting-rules finding, for the recording to be reviewed. The review
    band asks for a review."""
    out = []
    for kind, n, known, finding in zip(
        flag_types, incidents, suspect_known, recording_finding, strict=True
    ):
        if kind == "possible_misclassification":
            ids = ["screening", "advocate"]
            if n >= 2:
                ids.append("link")
            if known:
                ids.append("spo")
            ids.append("recording")
        elif kind == "review":
            ids = ["review", "screening"] + (["recording"] if finding else [])
        else:
            ids = ["recording"] if finding else []
        out.append("; ".join(ids))
    return out


def counting_rules_check(pairs: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """The counting-rules finding per pattern, deterministic and auditable.

    A pattern is found when it is a course of conduct (two incidents or more) between former
    partners (the relationship field says ``ex_partner``, or it is blank and the notes say the
    relationship ended), with an incident recorded as harassment on or after
    :data:`COUNTING_RULES_SINCE` and none recorded as stalking.

    Args:
        pairs: One row per pattern: ``incidents``, ``ex_partner_field`` (bool),
            ``relationship_blank`` (bool), ``separation_read`` (bool), ``harassment_since``
            (incident ids recorded as harassment since the date, ``;``-joined) and
            ``recorded_stalking`` (bool).

    Returns:
        A boolean per pattern, and the finding as a sentence (empty where not found).
    """
    former = pairs["ex_partner_field"].to_numpy(bool) | (
        pairs["relationship_blank"].to_numpy(bool) & pairs["separation_read"].to_numpy(bool)
    )
    found = (
        former
        & (pairs["incidents"].to_numpy() >= 2)
        & (pairs["harassment_since"].str.len().to_numpy() > 0)
        & ~pairs["recorded_stalking"].to_numpy(bool)
    )
    sentences = []
    for hit, field, ids in zip(
        found, pairs["ex_partner_field"].to_numpy(bool), pairs["harassment_since"], strict=True
    ):
        if not hit:
            sentences.append("")
            continue
        who = "former partners" if field else "former partners by the notes (relationship blank)"
        sentences.append(
            f"A course of conduct between {who} recorded as harassment since April 2020 "
            f"(incidents {ids.replace(';', ', ')}): the Home Office Counting Rules record it as "
            "stalking unless police are satisfied it is harassment only."
        )
    return found, sentences
