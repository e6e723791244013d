"""Scored incidents gathered per suspect -> victim pair (patterns) and per suspect (serial).

A pattern's score is its highest incident score (the thresholds were placed that way); its
reasons are that incident's. What the notes answer of the S-DASH questions is listed per
pattern from the behaviours the reader counted (the registry says which question each answers),
and for flagged and review patterns with the text that answers it, for an officer to confirm.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from stalkflag.batch._actions import (
    COUNTING_RULES_SINCE,
    counting_rules_check,
    flag_type,
    recommended_actions,
)
from stalkflag.model import Prepared, ScoringChain
from stalkflag.model._explain import match_span
from stalkflag.text import BEHAVIOURS, SDASH, behaviour_records

__all__ = ["PATTERN_COLUMNS", "SUSPECT_COLUMNS", "pattern_table", "suspect_table"]

PATTERN_COLUMNS = (
    "pair_id", "victim_person_id", "suspect_person_id", "incidents", "first_reported_at",
    "last_reported_at", "span_days", "forces", "recorded_categories", "behaviours", "score",
    "decision", "flag_type", "peak_incident_id", "reasons", "evidence", "sdash_answered", "sdash",
    "counting_rules", "counting_rules_finding", "recommended_actions",
)  # fmt: skip
"""The columns of :func:`pattern_table`, in order."""

SUSPECT_COLUMNS = (
    "suspect_person_id", "victims", "pairs", "incidents", "highest_score", "flagged_pairs",
    "review_pairs",
)  # fmt: skip
"""The columns of :func:`suspect_table`, in order."""

_EVIDENCE_PER_QUESTION = 3


def _answers() -> dict[str, list[str]]:
    """S-DASH question -> the behaviours whose reading answers it."""
    out: dict[str, list[str]] = {}
    for record in behaviour_records().values():
        for question in record.sdash:
            out.setdefault(question, []).append(record.id)
    return out


def _counts(matrix: np.ndarray, names: list[str]) -> list[str]:
    """One JSON object per row: name -> count, for the non-zero counts."""
    return [json.dumps({names[k]: int(row[k]) for k in np.flatnonzero(row)}) for row in matrix]


def pattern_table(scored: pd.DataFrame, prepared: Prepared, chain: ScoringChain) -> pd.DataFrame:
    """One row per suspect -> victim pair (:data:`PATTERN_COLUMNS`).

    Args:
        scored: :meth:`ScoringChain.score` of ``prepared`` (same rows, same order).
        prepared: The incidents as scored.
        chain: The model that scored them (its thresholds decide the pattern).
    """
    if not len(scored):
        return pd.DataFrame(columns=list(PATTERN_COLUMNS))
    incidents = prepared.incidents
    pair = scored["pair_id"].to_numpy()
    codes, pairs = pd.factorize(pair)
    n_pairs = len(pairs)
    present = (prepared.behaviours[list(BEHAVIOURS)].to_numpy() > 0).astype(np.int64)
    behaviour_counts = np.zeros((n_pairs, len(BEHAVIOURS)), dtype=np.int64)
    np.add.at(behaviour_counts, codes, present)
    categories = incidents["recorded_category"].astype(object).fillna("").to_numpy()
    cat_codes, cat_names = pd.factorize(categories, sort=True)
    category_counts = np.zeros((n_pairs, len(cat_names)), dtype=np.int64)
    np.add.at(category_counts, (codes, cat_codes), 1)

    frame = pd.DataFrame(
        {
            "code": codes,
            "score": scored["score"].to_numpy(),
            "reported_at": pd.to_datetime(scored["reported_at"]).to_numpy(),
            "incident_id": scored["incident_id"].to_numpy(),
            "recorded_stalking": categories == "stalking",
            "harassment_since": (categories == "harassment")
            & (pd.to_datetime(incidents["reported_at"]).to_numpy() >= COUNTING_RULES_SINCE),
            "ex_partner": incidents["relationship"].astype(object).eq("ex_partner").to_numpy(),
            "relationship_blank": incidents["relationship"]
            .astype(object)
            .fillna("")
            .eq("")
            .to_numpy(),
            "force": incidents["force"].astype(object).fillna("").to_numpy(),
        }
    )
    g = frame.groupby("code", sort=True)
    first = g["reported_at"].min().to_numpy()
    last = g["reported_at"].max().to_numpy()
    peak = frame.sort_values(["code", "score", "reported_at"], ascending=[True, False, True])
    peak_rows = peak.drop_duplicates("code").index.to_numpy()
    score = scored["score"].to_numpy()[peak_rows]
    decision = chain.decide(score)
    recorded = g["recorded_stalking"].any().to_numpy()
    kinds = flag_type(decision, recorded)
    victims = scored["victim_person_id"].to_numpy()[peak_rows]
    suspects = scored["suspect_person_id"].to_numpy()[peak_rows]
    harassment_ids = frame[frame["harassment_since"]].groupby("code")["incident_id"].agg(";".join)
    rules_input = pd.DataFrame(
        {
            "incidents": g.size().to_numpy(),
            "ex_partner_field": g["ex_partner"].any().to_numpy(),
            "relationship_blank": g["relationship_blank"].all().to_numpy(),
            "separation_read": behaviour_counts[:, list(BEHAVIOURS).index("separation")] > 0,
            "harassment_since": harassment_ids.reindex(range(n_pairs), fill_value="").to_numpy(),
            "recorded_stalking": recorded,
        }
    )
    found, findings = counting_rules_check(rules_input)
    answers = _answers()
    index = {b: k for k, b in enumerate(BEHAVIOURS)}
    answered = {
        q: behaviour_counts[:, [index[b] for b in members]].sum(axis=1) > 0
        for q, members in answers.items()
    }
    other_victims = _other_victims(victims, suspects)
    answered["Q2"] = answered.get("Q2", np.zeros(n_pairs, bool)) | (other_victims > 0)
    sdash_answered = np.sum([answered[q] for q in SDASH if q in answered], axis=0)
    sdash = _sdash(prepared, codes, answered, answers, other_victims, decision != "clear", n_pairs)
    forces = g["force"].agg(lambda s: ";".join(sorted(set(s) - {""})))
    out = pd.DataFrame(
        {
            "pair_id": pairs,
            "victim_person_id": victims,
            "suspect_person_id": suspects,
            "incidents": rules_input["incidents"].to_numpy(),
            "first_reported_at": first,
            "last_reported_at": last,
            "span_days": ((last - first) / np.timedelta64(1, "D")).round(1),
            "forces": forces.to_numpy(),
            "recorded_categories": _counts(category_counts, [str(c) for c in cat_names]),
            "behaviours": _counts(behaviour_counts, list(BEHAVIOURS)),
            "score": score,
            "decision": decision,
            "flag_type": kinds,
            "peak_incident_id": scored["incident_id"].to_numpy()[peak_rows],
            "reasons": scored["reasons"].to_numpy()[peak_rows],
            "evidence": scored["evidence"].to_numpy()[peak_rows],
            "sdash_answered": sdash_answered.astype(int),
            "sdash": sdash,
            "counting_rules": np.where(found, "review_recording", ""),
            "counting_rules_finding": findings,
            "recommended_actions": recommended_actions(
                kinds,
                rules_input["incidents"].to_numpy(),
                ~pd.Series(suspects).astype(str).str.endswith("~unknown").to_numpy(),
                found,
            ),
        }
    )
    order = np.lexsort((out["pair_id"].to_numpy(), -out["score"].to_numpy()))
    return out.iloc[order].reset_index(drop=True)[list(PATTERN_COLUMNS)]


def _other_victims(victims: np.ndarray, suspects: np.ndarray) -> np.ndarray:
    """Per pattern: how many other victims its suspect has among these patterns (0 for an
    unidentified suspect)."""
    frame = pd.DataFrame({"victim": victims, "suspect": suspects.astype(str)})
    distinct = frame.groupby("suspect")["victim"].transform("nunique").to_numpy() - 1
    return np.where(frame["suspect"].str.endswith("~unknown"), 0, distinct)


def _sdash(
    prepared: Prepared,
    codes: np.ndarray,
    answered: dict[str, np.ndarray],
    answers: dict[str, list[str]],
    other_victims: np.ndarray,
    with_evidence: np.ndarray,
    n_pairs: int,
) -> list[str]:
    """Per pattern, JSON: the S-DASH questions the notes answer, each with up to three quoted
    matches as evidence for flagged and review patterns (for an officer to confirm)."""
    behaviour_question = {b: q for q, members in answers.items() for b in members}
    evidence: dict[int, dict[str, list[dict[str, Any]]]] = {}
    rows = np.flatnonzero(with_evidence[codes])
    ids = prepared.incidents["incident_id"].to_numpy()
    times = pd.to_datetime(prepared.incidents["reported_at"]).to_numpy()
    for i in rows[np.argsort(times[rows], kind="stable")]:
        by_question = evidence.setdefault(int(codes[i]), {})
        for m in prepared.matches[i]:
            question = behaviour_question.get(m.behaviour)
            if question is None or not m.counts:
                continue
            items = by_question.setdefault(question, [])
            if len(items) < _EVIDENCE_PER_QUESTION:
                items.append(match_span(ids[i], times[i], m))
    out = []
    for k in range(n_pairs):
        items = []
        for question, text in SDASH.items():
            if question not in answered or not answered[question][k]:
                continue
            item: dict[str, Any] = {"question": question, "text": text}
            if with_evidence[k]:
                item["evidence"] = evidence.get(k, {}).get(question, [])
                if question == "Q2" and other_victims[k]:
                    item["other_victims"] = int(other_victims[k])
            items.append(item)
        out.append(json.dumps(items))
    return out


def suspect_table(patterns: pd.DataFrame) -> pd.DataFrame:
    """Suspects with more than one victim among the patterns (:data:`SUSPECT_COLUMNS`),
    highest score first; unidentified suspects are left out."""
    known = patterns[~patterns["suspect_person_id"].astype(str).str.endswith("~unknown")]
    g = known.groupby("suspect_person_id", sort=False)
    out = pd.DataFrame(
        {
            "victims": g["victim_person_id"].nunique(),
            "pairs": g["pair_id"].agg(lambda s: ";".join(sorted(s))),
            "incidents": g["incidents"].sum(),
            "highest_score": g["score"].max(),
            "flagged_pairs": g["decision"].agg(lambda s: int((s == "flag").sum())),
            "review_pairs": g["decision"].agg(lambda s: int((s == "review").sum())),
        }
    )
    out = out[out["victims"] > 1].reset_index()
    out = out.sort_values(["highest_score", "suspect_person_id"], ascending=[False, True])
    return out.reset_index(drop=True)[list(SUSPECT_COLUMNS)]
