"""Reasons beside a score, from what the model used.

A group of evidence's contribution is the calibrated score minus the score with that group's
features set to their "no evidence" reference values (occlusion): what the fitted classifier
itself does without that evidence, not a story told afterwards. Behaviours are named by their
catalogue label with the incidents and text spans the reader matched, and the S-DASH questions
they answer; the acts read that no contribution named follow as "behaviours read" (the
classifier's inputs, and what opens the text model's gate).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from stalkflag.model._estimators import NOTE_SCORE
from stalkflag.model._prepare import Prepared
from stalkflag.text import ACTS, BEHAVIOURS, SDASH, behaviour_records

__all__ = ["contributions", "explain", "feature_group", "match_span", "reference_values"]

TEXT_MODEL = "wording of the notes (text model)"
TIMES_SAID = "how many times the notes say acts happened"
AFTER_TOLD = "acts after being told to stop"
_BEHAVIOUR_FEATURES = {f"n_{b}": b for b in BEHAVIOURS}
_RECORDS = behaviour_records()
_NO_EVIDENCE_ZERO = frozenset({"breadth of behaviours", TIMES_SAID, AFTER_TOLD})


def feature_group(name: str) -> str:
    """The evidence a feature belongs to, as shown beside a flag (explanations occlude whole
    groups, so a reason is never half a feature family)."""
    if name in _BEHAVIOUR_FEATURES:
        return _BEHAVIOUR_FEATURES[name]
    if name.startswith("relationship_"):
        return "relationship"
    if name.startswith("share_recorded_"):
        return "recorded categories so far"
    if name in {"suspect_from_fields", "suspect_unknown"}:
        return "how the suspect was linked"
    if name.endswith(NOTE_SCORE):
        return TEXT_MODEL
    if name == "suspect_other_victims":
        return "suspect's other victims"
    if name in {"distinct_behaviours", "online_acts", "offline_acts", "online_and_offline"}:
        return "breadth of behaviours"
    if name == "acts_in_this_incident":
        return "acts in this incident"
    if name == "log_times_acts_so_far":
        return TIMES_SAID
    if name == "acts_after_told_to_stop":
        return AFTER_TOLD
    return "repetition over time"


def reference_values(features: pd.DataFrame) -> dict[str, float]:
    """ "No evidence" values of the classifier's inputs, from training features: zero for
    behaviour counts, breadth, acts and their counts, the median for everything else (a typical
    incident's repetition, a typical note's text score)."""
    ref = features.median()
    for name in features.columns:
        if (
            name in _BEHAVIOUR_FEATURES
            or feature_group(name) in _NO_EVIDENCE_ZERO
            or name == "acts_in_this_incident"
        ):
            ref[name] = 0.0
    return {k: float(v) for k, v in ref.items()}


def contributions(
    predict,
    features: pd.DataFrame,
    rows: np.ndarray,
    reference: dict[str, float],
    *,
    chunk: int = 4096,
) -> pd.DataFrame:
    """How much each group of evidence moves the score, for some rows.

    Every occluded copy of a chunk of rows is scored in one call (a boosted model's prediction
    costs little per row and much per call), and a group is occluded only in the rows where it
    differs from its reference (elsewhere occluding it changes nothing: its contribution is 0).

    Args:
        predict: The calibrated classifier's probability of stalking, given features.
        features: The classifier's inputs.
        rows: Positions of the rows to explain.
        reference: Each feature's "no evidence" value (:func:`reference_values`).
        chunk: Rows explained per call.
    """
    groups: dict[str, list[int]] = {}
    for k, name in enumerate(features.columns):
        groups.setdefault(feature_group(name), []).append(k)
    ref = np.array([reference[c] for c in features.columns], dtype=float)
    values = features.to_numpy(dtype=float)
    out = np.zeros((len(rows), len(groups)))
    for lo in range(0, len(rows), chunk):
        base = values[rows[lo : lo + chunk]]
        # Only rows whose group differs from "no evidence" can move: the rest contribute 0
        # (most rows show few of the catalogue's behaviours), and are not re-scored.
        parts, owners = [base], []
        for g, columns in enumerate(groups.values()):
            moved = np.flatnonzero((base[:, columns] != ref[columns]).any(axis=1))
            occluded = base[moved]
            occluded[:, columns] = ref[columns]
            parts.append(occluded)
            owners.append((g, moved))
        flat = pd.DataFrame(np.concatenate(parts), columns=features.columns)
        scores = np.asarray(predict(flat))
        start = len(base)
        for g, moved in owners:
            out[lo + moved, g] = scores[: len(base)][moved] - scores[start : start + len(moved)]
            start += len(moved)
    return pd.DataFrame(out, index=features.index[rows], columns=list(groups))


def explain(
    prepared: Prepared,
    features: pd.DataFrame,
    contrib: pd.DataFrame,
    rows: np.ndarray,
    *,
    top: int = 4,
) -> tuple[list[str], list[str]]:
    """Reasons (one line) and evidence (JSON) for some rows: the groups that raise the score
    most (``contrib``, one row per ``rows``), and for behaviours the text spans the reader
    matched in the pair's notes up to that incident."""
    order = prepared.links["pair_id"].to_numpy()
    times = prepared.incidents["reported_at"].to_numpy()
    ids = prepared.incidents["incident_id"].to_numpy()
    by_pair: dict[str, list[int]] = {}
    for i, pair in enumerate(order):
        by_pair.setdefault(pair, []).append(i)
    reasons, evidence = [], []
    for k, row in enumerate(rows):
        history = [i for i in by_pair[order[row]] if (times[i], ids[i]) <= (times[row], ids[row])]
        history.sort(key=lambda i: (times[i], ids[i]))
        ranked = contrib.iloc[k].sort_values(ascending=False)
        parts: list[str] = []
        items: list[dict[str, Any]] = []
        for group, value in ranked.items():
            if value <= 0.005 or len(items) >= top:
                break
            item: dict[str, Any] = {"evidence": group, "contribution": round(float(value), 3)}
            group = str(group)
            if group in _RECORDS:
                spans = _spans(prepared, history, ids, times, {group})
                record = _RECORDS[group]
                item["matches"] = spans
                item["label"] = record.label
                item["sdash"] = [f"{q} {SDASH[q]}" for q in record.sdash]
                incidents = len({s["incident_id"] for s in spans})
                quoted = "; ".join(f"'{s['text']}' ({s['reported_at']})" for s in spans[:2])
                parts.append(
                    f"{record.label}: {_incidents(incidents)} "
                    f"(+{value:.2f}{_sdash(record)}): {quoted}"
                )
            else:
                item["value"] = _describe(group, features.iloc[row])
                text = f"{group} (+{value:.2f}): {item['value']}"
                # Breadth and this incident's acts are counted from these matches.
                source = {"breadth of behaviours": history, "acts in this incident": [row]}
                if group in (AFTER_TOLD, TIMES_SAID):
                    source[group] = history
                if group in source:
                    item["matches"] = _spans(prepared, source[group], ids, times, set(ACTS))
                    kinds = dict.fromkeys(_label(m["behaviour"]) for m in item["matches"])
                    text += f" ({', '.join(kinds)})" if kinds else ""
                parts.append(text)
            items.append(item)
        named = {str(i["evidence"]) for i in items}
        read = _behaviours_read(prepared, history, ids, times, exclude=named)
        if read is not None:
            items.append(read)
            parts.append(read["text"])
        reasons.append(" | ".join(parts) if parts else "no single group of evidence stands out")
        evidence.append(json.dumps(items))
    return reasons, evidence


def _behaviours_read(
    prepared: Prepared, history, ids: np.ndarray, times: np.ndarray, *, exclude: set[str]
) -> dict[str, Any] | None:
    """The acts the reader counted in the pair's notes so far that no contribution above named,
    most incidents first: ``{"evidence": "behaviours read", "contribution": None, "matches",
    "text"}``, or ``None`` when there are none."""
    spans = [
        m for m in _spans(prepared, history, ids, times, set(ACTS)) if m["behaviour"] not in exclude
    ]
    if not spans:
        return None
    incidents: dict[str, set[str]] = {}
    for m in spans:
        incidents.setdefault(m["behaviour"], set()).add(m["incident_id"])
    ranked = sorted(incidents, key=lambda b: (-len(incidents[b]), b))[:3]
    described = []
    for behaviour in ranked:
        record = _RECORDS[behaviour]
        quote = next(m["text"] for m in spans if m["behaviour"] == behaviour)
        described.append(
            f"{record.label}: {_incidents(len(incidents[behaviour]))}{_sdash(record)}: '{quote}'"
        )
    return {
        "evidence": "behaviours read",
        "contribution": None,
        "matches": [m for m in spans if m["behaviour"] in ranked],
        "text": "behaviours read: " + "; ".join(described),
    }


def _incidents(n: int) -> str:
    return f"{n} incident{'s' * (n != 1)}"


def _sdash(record) -> str:
    """``; S-DASH Q4, Q5`` for a behaviour that answers S-DASH questions, else nothing."""
    return f"; S-DASH {', '.join(record.sdash)}" if record.sdash else ""


def _label(behaviour: str) -> str:
    return _RECORDS[behaviour].label if behaviour in _RECORDS else behaviour.replace("_", " ")


def _spans(
    prepared: Prepared, rows, ids: np.ndarray, times: np.ndarray, behaviours
) -> list[dict[str, Any]]:
    """The counted rule matches of some behaviours in some incidents, with where they are."""
    return [
        match_span(ids[i], times[i], m)
        for i in rows
        for m in prepared.matches[i]
        if m.behaviour in behaviours and m.counts
    ]


def match_span(incident_id, reported_at, match) -> dict[str, Any]:
    """A behaviour match as evidence: its incident, date, behaviour, offsets and text."""
    return {
        "incident_id": str(incident_id),
        "reported_at": str(pd.Timestamp(reported_at).date()),
        "behaviour": match.behaviour,
        "start": match.start_char,
        "end": match.end_char,
        "text": match.text,
    }


def _describe(group: str, x: pd.Series) -> str:
    if group == "repetition over time":
        return (
            f"{int(x['incidents_so_far'])} incidents over {x['span_days']:.0f} days, "
            f"{x['rate_per_30_days']:.1f} per 30 days"
        )
    if group == "breadth of behaviours":
        both = " online and offline" if x["online_and_offline"] else ""
        return f"{int(x['distinct_behaviours'])} kinds of behaviour{both}"
    if group == "suspect's other victims":
        return f"{int(x['suspect_other_victims'])} other victims"
    if group == "relationship":
        named = [
            c.removeprefix("relationship_")
            for c in x.index
            if c.startswith("relationship_") and x[c] > 0
        ]
        return ", ".join(named) or "not given"
    if group == TEXT_MODEL:
        return f"this note {x[NOTE_SCORE]:.2f}, highest so far {x['max_' + NOTE_SCORE]:.2f}"
    if group == "recorded categories so far":
        shares = {
            c.removeprefix("share_recorded_"): x[c]
            for c in x.index
            if c.startswith("share_recorded_") and x[c] > 0
        }
        return ", ".join(f"{k} {v:.0%}" for k, v in sorted(shares.items(), key=lambda kv: -kv[1]))
    if group == "how the suspect was linked":
        return "from the notes" if not x["suspect_from_fields"] else "from the suspect fields"
    if group == "acts in this incident":
        return f"{int(x['acts_in_this_incident'])} acts"
    return ""
