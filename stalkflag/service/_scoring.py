"""Scoring incidents one request at a time, each read in the light of the stored history of
its suspect and victim.

The API keeps every incident it has scored (:class:`~stalkflag.review._db.StoredIncident`),
indexed by a key per person: the SHA-256 of the normalised id, else the name and date of
birth (so the index holds no name). A new incident is scored together with the stored
incidents that share its victim's or suspect's key, by the stages ``stalkflag score`` runs
(link, read, score, explain: :class:`~stalkflag.model.Scorer`, which gives for the history and
the new incidents together exactly what :func:`stalkflag.api.score` gives for them), and the
answer is the new incident's row. Candidates are found by exact keys; Splink's model then
decides which of them are the same people, as in a batch.

What a request does not need to redo is kept between requests by :class:`HistoryScorer`: the
chain ready to score (pipelines built, linkage compiled, notes read), and each stored
incident's validated row (a stored record is validated once, and again only if it changed).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from stalkflag.model import Scorer, ScoringChain
from stalkflag.review._db import StoredIncident
from stalkflag.schema import COLUMNS
from stalkflag.validate import validate_frame

__all__ = ["HISTORY_LIMIT", "HistoryScorer", "person_key", "score_with_history"]

HISTORY_LIMIT = 200
"""The most stored incidents read with one request (the most recent), so one prolific
suspect cannot make a call slow."""
_FIELDS = tuple(c.name for c in COLUMNS if c.name != "label")
_SPACE = re.compile(r"\s+")


class HistoryScorer:
    """What the API keeps from one request to the next: a :class:`~stalkflag.model.Scorer`
    for the chain, and the validated rows of stored incidents (at most ``rows`` of them, the
    least recently read going first). Safe to share between a service's threads."""

    def __init__(self, chain: ScoringChain, *, rows: int = 50_000) -> None:
        import threading

        self.scorer = Scorer(chain)
        self.size = rows
        self._rows: OrderedDict[str, tuple[str, dict[str, Any]]] = OrderedDict()
        self._dtypes: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def chain(self) -> ScoringChain:
        return self.scorer.chain

    def remember(self, accepted: pd.DataFrame) -> None:
        """Keep validated rows, each under its incident id with the record stored for it."""
        with self._lock:
            self._dtypes = self._dtypes or accepted.dtypes.to_dict()
            for row in accepted.to_dict("records"):
                record = _record(row)
                self._rows[str(record["incident_id"])] = (_fingerprint(record), row)
                self._rows.move_to_end(str(record["incident_id"]))
            while len(self._rows) > self.size:
                self._rows.popitem(last=False)

    def validated(self, records: list[dict[str, Any]]) -> pd.DataFrame:
        """Stored records as validated rows: those kept, and the others validated now (as
        :func:`~stalkflag.validate.validate_frame` does, rejected ones left out)."""
        kept: list[dict[str, Any]] = []
        fresh: list[dict[str, Any]] = []
        with self._lock:
            for record in records:
                found = self._rows.get(record["incident_id"])
                if found is not None and found[0] == _fingerprint(record):
                    self._rows.move_to_end(record["incident_id"])
                    kept.append(found[1])
                else:
                    fresh.append(record)
        parts = []
        if kept:
            parts.append(pd.DataFrame(kept, columns=list(self._dtypes)).astype(self._dtypes))
        if fresh:
            accepted = validate_frame(pd.DataFrame(fresh, columns=list(_FIELDS))).accepted
            self.remember(accepted)
            parts.append(accepted)
        if not parts:
            return pd.DataFrame()
        frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        order = {r["incident_id"]: k for k, r in enumerate(records)}
        return frame.iloc[np.argsort(frame["incident_id"].map(order).to_numpy(), kind="stable")]


def person_key(row: dict[str, Any], role: str) -> str:
    """A person's lookup key in the stored history ("" when the row names no one), from a
    stored record (:func:`_record`: every value text, dates as ISO 8601)."""
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
    db: Session,
    scorer: HistoryScorer | ScoringChain,
    records: list[dict[str, Any]],
    *,
    store: bool = True,
) -> list[dict[str, Any]]:
    """Score request rows with their stored history.

    Args:
        db: The review store's session.
        scorer: What is kept between requests (a chain alone works, but builds it afresh).
        records: The request's incidents (the export contract's fields, as text).
        store: Keep the accepted rows as history for later requests.

    Returns:
        One result per request row: ``status`` ``scored`` or ``rejected``, and ``problems``
        naming the column and the rule, personal values masked.
    """
    warm = scorer if isinstance(scorer, HistoryScorer) else HistoryScorer(scorer)
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
    stored = [_record(r) for r in new.to_dict("records")]
    keys = {person_key(r, role) for r in stored for role in ("victim", "suspect")} - {""}
    history = _history(db, warm, keys, set(new["incident_id"]))
    frame = pd.concat([history, new], ignore_index=True) if len(history) else new
    rows = np.arange(len(history), len(frame))
    scored, links = warm.scorer.score(frame, rows=rows)
    sizes = links.groupby("pair_id").size()
    for k, s in zip(new["source_row"], scored.to_dict("records"), strict=True):
        results[int(k)] = {
            "row": int(k),
            "status": "scored",
            "incident_id": str(s["incident_id"]),
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
        _store(db, stored)
        warm.remember(new)
    return results


def _history(db: Session, warm: HistoryScorer, keys: set[str], exclude: set[str]) -> pd.DataFrame:
    if not keys:
        return pd.DataFrame()
    found = db.execute(
        select(StoredIncident.incident_id, StoredIncident.record)
        .where(or_(StoredIncident.victim_key.in_(keys), StoredIncident.suspect_key.in_(keys)))
        .order_by(StoredIncident.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    records = [record for incident_id, record in found if incident_id not in exclude]
    if not records:
        return pd.DataFrame()
    return warm.validated(records).reset_index(drop=True)


def _store(db: Session, records: list[dict[str, Any]]) -> None:
    """Keep the accepted rows as history (a row sent again replaces the stored one)."""
    existing = {
        s.incident_id: s
        for s in db.scalars(
            select(StoredIncident).where(
                StoredIncident.incident_id.in_([r["incident_id"] for r in records])
            )
        )
    }
    for record in records:
        victim, suspect = person_key(record, "victim"), person_key(record, "suspect")
        known = existing.get(record["incident_id"])
        if known is None:
            db.add(
                StoredIncident(
                    incident_id=record["incident_id"],
                    victim_key=victim,
                    suspect_key=suspect,
                    record=record,
                )
            )
        else:
            known.record, known.victim_key, known.suspect_key = record, victim, suspect
    db.flush()


def _record(row: dict[str, Any]) -> dict[str, str | None]:
    """A validated row as it is stored: the contract's fields as text, dates as ISO 8601."""
    return {c: _text(row.get(c)) for c in _FIELDS}


def _fingerprint(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True)


def _text(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)
