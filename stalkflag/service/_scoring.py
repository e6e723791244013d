"""Scoring incidents one request at a time, each read in the light of the stored history of
its suspect and victim.

The API keeps every incident it has scored (:class:`~stalkflag.review._db.StoredIncident`),
indexed by a key per person: the SHA-256 of the normalised id, else the name and date of
birth (so the index holds no name). A new incident is scored together with the stored
incidents that share its victim's or suspect's key, by the same function as ``stalkflag
score`` (link, read, score, explain), and the answer is the new incident's row. Candidates are
found by exact keys; Splink then decides which of them are the same people, as in a batch.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from stalkflag.api import score as score_incidents
from stalkflag.model import ScoringChain
from stalkflag.review._db import StoredIncident
from stalkflag.schema import COLUMNS
from stalkflag.validate import validate_frame

__all__ = ["HISTORY_LIMIT", "person_key", "score_with_history"]

HISTORY_LIMIT = 200
"""The most stored incidents read with one request (the most recent), so one prolific
suspect cannot make a call slow."""
_FIELDS = tuple(c.name for c in COLUMNS if c.name != "label")
_SPACE = re.compile(r"\s+")


def person_key(row: dict[str, Any], role: str) -> str:
    """A person's lookup key in the stored history ("" when the row names no one)."""
    pid = _norm(row.get(f"{role}_id"))
    if pid:
        return hashlib.sha256(f"id|{pid}".encode()).hexdigest()
    name = _norm(row.get(f"{role}_name"))
    if not name:
        return ""
    dob = _norm(row.get(f"{role}_dob"))
    return hashlib.sha256(f"name|{name}|{dob}".encode()).hexdigest()


def _norm(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return _SPACE.sub(" ", str(value)).strip().lower()


def score_with_history(
    db: Session, chain: ScoringChain, records: list[dict[str, Any]], *, store: bool = True
) -> list[dict[str, Any]]:
    """Score request rows with their stored history.

    Returns:
        One result per request row: ``status`` ``scored`` or ``rejected``, and ``problems``
        naming the column and the rule, personal values masked.
    """
    raw = pd.DataFrame(
        [{c: (None if r.get(c) is None else str(r.get(c))) for c in _FIELDS} for r in records],
        columns=list(_FIELDS),
    )
    report = validate_frame(raw, first_row=0)
    problems: dict[int, list[dict[str, str]]] = {}
    for p in report.problems:
        problems.setdefault(int(p.row), []).append(
            {"column": p.column, "code": p.code, "value": p.value, "reason": p.reason}
        )
    results: list[dict[str, Any]] = [
        {"row": k, "status": "rejected", "problems": problems.get(k, [])}
        for k in range(len(records))
    ]
    new = report.accepted.reset_index(drop=True)
    if not len(new):
        return results
    keys = {
        k
        for role in ("victim", "suspect")
        for k in map(person_key, new.to_dict("records"), [role] * len(new))
        if k
    }
    history = _history(db, keys, set(new["incident_id"]))
    frame = pd.concat([history, new], ignore_index=True) if len(history) else new
    scored = score_incidents(frame, chain)
    sizes = scored.groupby("pair_id").size()
    by_id = scored.set_index("incident_id")
    for incident_id, k in zip(new["incident_id"], new["source_row"], strict=True):
        s = by_id.loc[incident_id]
        results[int(k)] = {
            "row": int(k),
            "status": "scored",
            "incident_id": str(incident_id),
            "pair_id": str(s["pair_id"]),
            "victim_person_id": str(s["victim_person_id"]),
            "suspect_person_id": str(s["suspect_person_id"]),
            "score": float(s["score"]),
            "decision": str(s["decision"]),
            "flagged": bool(s["flagged"]),
            "reasons": str(s["reasons"]),
            "evidence": json.loads(s["evidence"])
            if isinstance(s["evidence"], str) and s["evidence"]
            else [],
            "pattern_incidents": int(sizes.get(s["pair_id"], 1)),
            "history_read": len(history),
            "problems": problems.get(int(k), []),
        }
    if store:
        _store(db, new)
    return results


def _history(db: Session, keys: set[str], exclude: set[str]) -> pd.DataFrame:
    if not keys:
        return pd.DataFrame()
    rows = db.scalars(
        select(StoredIncident)
        .where(or_(StoredIncident.victim_key.in_(keys), StoredIncident.suspect_key.in_(keys)))
        .order_by(StoredIncident.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    records = [r.record for r in rows if r.incident_id not in exclude]
    if not records:
        return pd.DataFrame()
    raw = pd.DataFrame(records, columns=list(_FIELDS))
    return validate_frame(raw).accepted.reset_index(drop=True)


def _store(db: Session, new: pd.DataFrame) -> None:
    """Keep the accepted rows as history (a row sent again replaces the stored one)."""
    for r in new.to_dict("records"):
        record = {c: _text(r.get(c)) for c in _FIELDS}
        victim, suspect = person_key(record, "victim"), person_key(record, "suspect")
        existing = db.scalar(
            select(StoredIncident).where(StoredIncident.incident_id == record["incident_id"])
        )
        if existing is None:
            db.add(
                StoredIncident(
                    incident_id=record["incident_id"],
                    victim_key=victim,
                    suspect_key=suspect,
                    record=record,
                )
            )
        else:
            existing.record, existing.victim_key, existing.suspect_key = record, victim, suspect
    db.flush()


def _text(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)
