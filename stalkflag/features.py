"""Course-of-conduct features per suspect -> victim pair, with no look-ahead.

Each incident is described in the context of its pair using only the pair's incidents reported
up to and including it (ties by time are broken by ``incident_id``), so a score never depends on
what happened later. Features:

- volume and time: incidents so far, days since the first, incidents per 30 days, days since
  the previous incident, and escalation (mean gap so far over the latest gap);
- behaviours (the catalogue of :mod:`stalkflag.text`): for each, how many incidents so far
  show it; how many distinct acts, online and offline acts and whether both occur; how many
  times the notes say acts happened ("24 messages", "every day": log scale); acts after the
  suspect was told to stop (:data:`STOP_SIGNS`);
- the suspect's other victims so far, the relationship, the mix of recorded categories so far,
  and how the suspect was linked (fields, notes or not at all). The link's confidence is not a
  feature: it is a mention's best match to any mention of the same person, later ones
  included, so it would let later incidents change an earlier score.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stalkflag.schema import CATEGORIES, RELATIONSHIPS
from stalkflag.text import ACTS, BEHAVIOURS, OFFLINE, ONLINE

__all__ = ["STOP_SIGNS", "behaviour_frame", "behaviour_matrix", "behaviour_row", "pattern_features"]

STOP_SIGNS: tuple[str, ...] = ("breach", "prior_reports")
"""Behaviours that show the suspect had been told to stop (a breach of an order or warning,
previous reports, warnings or orders): acts after them are persistence (S-DASH Q2; the
counting rules' "course of conduct")."""


_INDEX = {name: k for k, name in enumerate(BEHAVIOURS)}


def behaviour_row(matches) -> list[int]:
    """One note's row of :func:`behaviour_matrix`, from its behaviour matches."""
    row = [0] * len(BEHAVIOURS)
    for match in matches:
        if match.counts:
            k = _INDEX[match.behaviour]
            row[k] = max(row[k], match.count)
    return row


def behaviour_frame(rows: list[list[int]]) -> pd.DataFrame:
    """Rows of :func:`behaviour_row` as :func:`behaviour_matrix`'s frame."""
    return pd.DataFrame(
        np.array(rows, dtype="int32").reshape(len(rows), len(BEHAVIOURS)), columns=list(BEHAVIOURS)
    )


def behaviour_matrix(docs) -> pd.DataFrame:
    """Per note (rows in the order of ``docs``) and behaviour: how many times the note says it
    happened (the largest count of its counted matches; 0 when none counts)."""
    return behaviour_frame([behaviour_row(doc._.behaviours) for doc in docs])


def pattern_features(
    incidents: pd.DataFrame,
    links: pd.DataFrame,
    behaviours: pd.DataFrame,
    note_scores: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Features of each incident in the context of its pair so far.

    Args:
        incidents: Validated incidents (``incident_id``, ``reported_at``, ``recorded_category``,
            ``relationship``).
        links: The linkage output for the same incidents, same order
            (:attr:`stalkflag.linkage.LinkResult.incidents`).
        behaviours: :func:`behaviour_matrix` of the incidents' notes, same order.
        note_scores: Optional per-note scores (e.g. a text model's probability), same order;
            each column ``c`` gives ``c`` (this note) and, over the pair's notes so far,
            ``max_c``, ``mean_c``, ``sum_c`` and ``n_high_c`` (how many scored 0.5 or more).

    Returns:
        One row per incident, in the input order, indexed like ``incidents``; every column is
        numeric.
    """
    if not (len(incidents) == len(links) == len(behaviours)):
        raise ValueError(
            "incidents, links and behaviours must have one row per incident, in the same order"
        )
    if not (incidents["incident_id"].to_numpy() == links["incident_id"].to_numpy()).all():
        raise ValueError("links are not in the same order as incidents")
    frame = pd.DataFrame(
        {
            "pair": links["pair_id"].to_numpy(),
            "suspect": links["suspect_person_id"].to_numpy(),
            "victim": links["victim_person_id"].to_numpy(),
            "t": incidents["reported_at"].to_numpy(),
            "id": incidents["incident_id"].to_numpy(),
            "pos": np.arange(len(incidents)),
        }
    )
    order = frame.sort_values(["pair", "t", "id"], kind="stable").index.to_numpy()
    f = frame.loc[order].reset_index(drop=True)
    b = behaviours.iloc[order].reset_index(drop=True)
    by_pair = f.groupby("pair", sort=False)
    out = pd.DataFrame(index=f.index)

    days = (f["t"] - f["t"].min()).dt.total_seconds().to_numpy() / 86400.0
    f["days"] = days
    first = by_pair["days"].transform("min").to_numpy()
    out["incidents_so_far"] = by_pair.cumcount().to_numpy() + 1
    out["span_days"] = days - first
    out["rate_per_30_days"] = out["incidents_so_far"] / np.maximum(out["span_days"], 1.0) * 30.0
    gap = by_pair["days"].diff().to_numpy()
    out["days_since_previous"] = np.nan_to_num(gap, nan=-1.0)
    mean_gap = np.where(
        out["incidents_so_far"] > 1,
        out["span_days"] / np.maximum(out["incidents_so_far"] - 1, 1),
        0.0,
    )
    out["escalation"] = np.where(
        np.nan_to_num(gap, nan=0.0) > 0,
        mean_gap / np.maximum(np.nan_to_num(gap, nan=1.0), 0.5),
        0.0,
    )
    out["escalation"] = out["escalation"].clip(0, 50)

    present = (b > 0).astype("int32")
    cumulative = present.groupby(f["pair"], sort=False).cumsum()
    for column in BEHAVIOURS:
        out[f"n_{column}"] = cumulative[column].to_numpy()
    acts = list(ACTS)
    acts_seen = (cumulative[acts] > 0).sum(axis=1)
    out["distinct_behaviours"] = acts_seen.to_numpy()
    online = cumulative[[c for c in acts if c in ONLINE]].sum(axis=1).to_numpy()
    offline = cumulative[[c for c in acts if c in OFFLINE]].sum(axis=1).to_numpy()
    out["online_acts"] = online
    out["offline_acts"] = offline
    out["online_and_offline"] = ((online > 0) & (offline > 0)).astype(int)
    out["acts_in_this_incident"] = present[acts].sum(axis=1).to_numpy()
    times = b[acts].sum(axis=1)
    out["log_times_acts_so_far"] = np.log1p(
        times.groupby(f["pair"], sort=False).cumsum()
    ).to_numpy()
    stop_here = present[list(STOP_SIGNS)].sum(axis=1)
    stop_before = stop_here.groupby(f["pair"], sort=False).cumsum() - stop_here
    after_stop = present[acts].sum(axis=1).where((stop_before > 0) | (present["breach"] > 0), 0)
    out["acts_after_told_to_stop"] = after_stop.groupby(f["pair"], sort=False).cumsum().to_numpy()

    out["suspect_other_victims"] = _other_victims_so_far(f)

    relationship = incidents["relationship"].astype(object).fillna("").to_numpy()[order]
    for value in RELATIONSHIPS:
        out[f"relationship_{value}"] = (relationship == value).astype(int)
    out["relationship_missing"] = (relationship == "").astype(int)
    category = incidents["recorded_category"].astype(object).fillna("").to_numpy()[order]
    for value in CATEGORIES:
        hit = pd.Series((category == value).astype(int))
        out[f"share_recorded_{value}"] = (
            hit.groupby(f["pair"].to_numpy(), sort=False).cumsum().to_numpy()
            / out["incidents_so_far"].to_numpy()
        )

    if note_scores is not None:
        scores = note_scores.iloc[order].reset_index(drop=True)
        grouped = scores.groupby(f["pair"], sort=False)
        running_max = grouped.cummax()
        running_sum = grouped.cumsum()
        for column in scores.columns:
            out[column] = scores[column].to_numpy()
            out[f"max_{column}"] = running_max[column].to_numpy()
            out[f"mean_{column}"] = (
                running_sum[column].to_numpy() / out["incidents_so_far"].to_numpy()
            )
            out[f"sum_{column}"] = running_sum[column].to_numpy()
            high = (scores[column] >= 0.5).astype(float)
            out[f"n_high_{column}"] = high.groupby(f["pair"], sort=False).cumsum().to_numpy()

    method = links["suspect_link_method"].astype(object).to_numpy()[order]
    out["suspect_from_fields"] = (method == "fields").astype(int)
    out["suspect_unknown"] = (method == "victim_only").astype(int)

    out.index = f["pos"].to_numpy()
    out = out.sort_index()
    out.index = incidents.index
    return out.astype("float64")


def _other_victims_so_far(f: pd.DataFrame) -> np.ndarray:
    """For each incident, how many victims other than this one the suspect had up to then.

    Unknown suspects (``...~unknown``) have no other victims by construction.
    """
    g = f.sort_values(["suspect", "t", "id"], kind="stable")
    first_time = ~g.duplicated(["suspect", "victim"])
    distinct = first_time.astype(int).groupby(g["suspect"], sort=False).cumsum()
    other = (distinct - 1).clip(lower=0)
    unknown = g["suspect"].astype(str).str.endswith("~unknown")
    other = other.where(~unknown, 0)
    return other.reindex(f.index).to_numpy()
