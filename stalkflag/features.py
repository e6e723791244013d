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
    # Each pair's incidents in time order, pairs one after another: a pair's running counts
    # are cumulative sums restarted at its first row (``starts``). Columns are gathered and
    # made one frame at the end (a column added at a time costs more than the sums).
    order = frame.sort_values(["pair", "t", "id"], kind="stable").index.to_numpy()
    f = frame.loc[order].reset_index(drop=True)
    pair = f["pair"].to_numpy()
    first_row = np.ones(len(f), dtype=bool)
    first_row[1:] = pair[1:] != pair[:-1]
    starts = np.maximum.accumulate(np.where(first_row, np.arange(len(f)), 0))
    b = behaviours[list(BEHAVIOURS)].to_numpy()[order]
    out: dict[str, np.ndarray] = {}

    days = (f["t"] - f["t"].min()).dt.total_seconds().to_numpy() / 86400.0
    n = np.arange(len(f)) - starts + 1
    span = days - days[starts]
    out["incidents_so_far"] = n
    out["span_days"] = span
    out["rate_per_30_days"] = n / np.maximum(span, 1.0) * 30.0
    gap = np.where(first_row, np.nan, days - np.roll(days, 1))
    out["days_since_previous"] = np.nan_to_num(gap, nan=-1.0)
    mean_gap = np.where(n > 1, span / np.maximum(n - 1, 1), 0.0)
    escalation = np.where(
        np.nan_to_num(gap, nan=0.0) > 0,
        mean_gap / np.maximum(np.nan_to_num(gap, nan=1.0), 0.5),
        0.0,
    )
    out["escalation"] = np.clip(escalation, 0, 50)

    index = {name: k for k, name in enumerate(BEHAVIOURS)}
    present = (b > 0).astype(np.int64)
    cumulative = _running_sum(present, starts)
    for column in BEHAVIOURS:
        out[f"n_{column}"] = cumulative[:, index[column]]
    acts = [index[c] for c in ACTS]
    out["distinct_behaviours"] = (cumulative[:, acts] > 0).sum(axis=1)
    online = cumulative[:, [index[c] for c in ACTS if c in ONLINE]].sum(axis=1)
    offline = cumulative[:, [index[c] for c in ACTS if c in OFFLINE]].sum(axis=1)
    out["online_acts"] = online
    out["offline_acts"] = offline
    out["online_and_offline"] = ((online > 0) & (offline > 0)).astype(int)
    acts_here = present[:, acts].sum(axis=1)
    out["acts_in_this_incident"] = acts_here
    times = b[:, acts].astype(np.int64).sum(axis=1)
    out["log_times_acts_so_far"] = np.log1p(_running_sum(times, starts))
    stop_here = present[:, [index[c] for c in STOP_SIGNS]].sum(axis=1)
    stop_before = _running_sum(stop_here, starts) - stop_here
    after_stop = np.where((stop_before > 0) | (present[:, index["breach"]] > 0), acts_here, 0)
    out["acts_after_told_to_stop"] = _running_sum(after_stop, starts)

    out["suspect_other_victims"] = _other_victims_so_far(f)

    relationship = incidents["relationship"].astype(object).fillna("").to_numpy()[order]
    for value in RELATIONSHIPS:
        out[f"relationship_{value}"] = (relationship == value).astype(int)
    out["relationship_missing"] = (relationship == "").astype(int)
    category = incidents["recorded_category"].astype(object).fillna("").to_numpy()[order]
    for value in CATEGORIES:
        out[f"share_recorded_{value}"] = _running_sum((category == value).astype(int), starts) / n

    if note_scores is not None:
        scores = note_scores.iloc[order].reset_index(drop=True)
        # pandas' grouped cumulative sum of floats is compensated (Kahan): kept, not redone.
        grouped = scores.groupby(pair, sort=False)
        running_sum, running_max = grouped.cumsum(), grouped.cummax()
        for column in scores.columns:
            values = scores[column].to_numpy(dtype=float)
            out[column] = values
            out[f"max_{column}"] = running_max[column].to_numpy()
            out[f"mean_{column}"] = running_sum[column].to_numpy() / n
            out[f"sum_{column}"] = running_sum[column].to_numpy()
            out[f"n_high_{column}"] = _running_sum((values >= 0.5).astype(np.int64), starts)

    method = links["suspect_link_method"].astype(object).to_numpy()[order]
    out["suspect_from_fields"] = (method == "fields").astype(int)
    out["suspect_unknown"] = (method == "victim_only").astype(int)

    back = np.empty(len(order), dtype=np.int64)
    back[f["pos"].to_numpy()] = np.arange(len(order))  # each input row's place in pair order
    return pd.DataFrame(
        {name: np.asarray(values, dtype="float64")[back] for name, values in out.items()},
        index=incidents.index,
    )


def _running_sum(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Integer sums so far within each run of rows that share a start (exact: integers)."""
    total = np.cumsum(values, axis=0)
    before = np.where(starts > 0, starts - 1, 0)
    offset = np.where((starts > 0)[(...,) + (None,) * (values.ndim - 1)], total[before], 0)
    return total - offset


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
