"""The queue, decisions on cases, and what leaves the store: labels, corrections, the audit
trail, and the agreement between the model and the auditors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from stalkflag.errors import ConfigError
from stalkflag.review._db import AuditEvent, Decision, Incident, Pattern, now

__all__ = [
    "CORRECTION_COLUMNS",
    "DECISIONS",
    "LABEL_COLUMNS",
    "QueuePage",
    "agreement",
    "audit_table",
    "corrections_table",
    "decide",
    "labels_table",
    "queue",
]

DECISIONS = {
    "confirmed": "confirmed stalking",
    "not_stalking": "not stalking",
    "needs_info": "needs more information",
}
"""An auditor's decision -> how the page shows it."""
STATES = ("open", *DECISIONS)
SORTS = {
    "score": (Pattern.score.desc(), Pattern.id),
    "sdash": (Pattern.sdash_answered.desc(), Pattern.score.desc(), Pattern.id),
    "recent": (Pattern.last_reported_at.desc(), Pattern.id),
    "force": (Pattern.force, Pattern.score.desc(), Pattern.id),
}
"""How the queue can be ordered (every order ends in the id, so pages are stable)."""
FLAG_TYPES = ("possible_misclassification", "recorded_stalking", "review")
LABEL_COLUMNS = ("incident_id", "label", "pair_id", "force", "decision", "decided_at")
"""The labels file: one row per incident of a decided case (``needs_info`` cases are left
out, as are incidents whose link the auditor rejected); ``stalkflag train`` reads
``incident_id`` and ``label`` (``data.labels``)."""
CORRECTION_COLUMNS = (
    "incident_id", "force", "recorded_category", "corrected_category", "pair_id",
    "reason", "decided_by", "decided_at",
)  # fmt: skip
"""The corrections file a records team applies: each incident of a confirmed case the
auditor asked to reclassify as stalking that is not recorded so already."""
NOTE_LIMIT = 4000


@dataclass
class QueuePage:
    cases: list[Pattern]
    total: int
    page: int
    pages: int


def _state_filter(query, state: str | None):
    if state:
        if state not in STATES:
            raise ConfigError(f"state must be one of {', '.join(STATES)}.", code="R020")
        query = query.where(Pattern.state == state)
    return query


def queue(
    db: Session,
    *,
    sort: str = "score",
    flag_type: str | None = None,
    state: str | None = None,
    force: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> QueuePage:
    """One page of cases. Filters are bound parameters of the query, never SQL text."""
    if sort not in SORTS:
        raise ConfigError(f"sort must be one of {', '.join(SORTS)}.", code="R020")
    query = select(Pattern)
    if flag_type:
        query = query.where(Pattern.flag_type == flag_type)
    if force:
        query = query.where(Pattern.force == force)
    query = _state_filter(query, state)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    cases = db.scalars(
        query.order_by(*SORTS[sort]).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return QueuePage(list(cases), total, page, pages)


def forces(db: Session) -> list[str]:
    return [f for f in db.scalars(select(Pattern.force).distinct().order_by(Pattern.force)) if f]


def case(db: Session, case_id: int) -> Pattern | None:
    return db.scalar(
        select(Pattern)
        .where(Pattern.id == case_id)
        .options(selectinload(Pattern.timeline), selectinload(Pattern.decisions))
    )


def neighbour(db: Session, case_id: int) -> int | None:
    """The next open case after this one in the default order (for "next case")."""
    current = db.get(Pattern, case_id)
    if current is None:
        return None
    after = db.scalar(
        select(Pattern.id)
        .where(Pattern.state == "open", Pattern.id != case_id)
        .where(
            (Pattern.score < current.score)
            | ((Pattern.score == current.score) & (Pattern.id > case_id))
        )
        .order_by(*SORTS["score"])
        .limit(1)
    )
    if after is None:
        after = db.scalar(
            select(Pattern.id)
            .where(Pattern.state == "open", Pattern.id != case_id)
            .order_by(*SORTS["score"])
            .limit(1)
        )
    return after


def decide(
    db: Session,
    case: Pattern,
    *,
    username: str,
    decision: str,
    note: str = "",
    reclassify: bool = False,
    correction_reason: str = "",
    rejected_links: Sequence[str] = (),
) -> Decision:
    """Record a decision (a later one supersedes it; none is edited)."""
    if decision not in DECISIONS:
        raise ConfigError(f"decision must be one of {', '.join(DECISIONS)}.", code="R021")
    if reclassify and decision != "confirmed":
        raise ConfigError("only a confirmed case can be reclassified as stalking.", code="R022")
    if len(note) > NOTE_LIMIT:
        raise ConfigError(f"a note holds at most {NOTE_LIMIT} characters.", code="R023")
    ids = {i.incident_id for i in case.timeline}
    unknown = [i for i in rejected_links if i not in ids]
    if unknown:
        raise ConfigError("a rejected link names an incident not in this case.", code="R024")
    if reclassify and not correction_reason.strip():
        correction_reason = case.counting_rules_finding or "confirmed stalking by review"
    for incident in case.timeline:
        incident.link_rejected = incident.incident_id in set(rejected_links)
    made = Decision(
        pattern_id=case.id,
        username=username,
        decision=decision,
        note=note,
        reclassify=reclassify,
        correction_reason=correction_reason.strip() if reclassify else "",
        rejected_links=list(rejected_links),
    )
    db.add(made)
    case.state = decision
    db.flush()
    return made


def _latest_decisions(db: Session, force: str | None = None) -> list[tuple[Pattern, Decision]]:
    latest = select(func.max(Decision.id)).group_by(Decision.pattern_id)
    query = (
        select(Pattern, Decision)
        .join(Decision, Decision.pattern_id == Pattern.id)
        .where(Decision.id.in_(latest))
        .options(selectinload(Pattern.timeline))
        .order_by(Decision.id)
    )
    if force:
        query = query.where(Pattern.force == force)
    return [(p, d) for p, d in db.execute(query).all()]


def labels_table(db: Session, *, force: str | None = None) -> pd.DataFrame:
    """Decisions as training labels (:data:`LABEL_COLUMNS`). An incident in several decided
    cases (runs imported again) keeps the latest decision's label."""
    rows: list[dict[str, Any]] = []
    for p, d in _latest_decisions(db, force):
        if d.decision == "needs_info":
            continue
        rejected = set(d.rejected_links)
        rows.extend(
            {
                "incident_id": i.incident_id,
                "label": int(d.decision == "confirmed"),
                "pair_id": p.pair_id,
                "force": p.force,
                "decision": d.decision,
                "decided_at": d.decided_at.isoformat(timespec="seconds"),
            }
            for i in p.timeline
            if i.incident_id not in rejected
        )
    table = pd.DataFrame(rows, columns=list(LABEL_COLUMNS))
    return table.drop_duplicates("incident_id", keep="last").reset_index(drop=True)


def corrections_table(db: Session, *, force: str | None = None) -> pd.DataFrame:
    """Recording corrections (:data:`CORRECTION_COLUMNS`) for confirmed, reclassified cases."""
    rows = [
        {
            "incident_id": i.incident_id,
            "force": i.force or p.force,
            "recorded_category": i.recorded_category,
            "corrected_category": "stalking",
            "pair_id": p.pair_id,
            "reason": d.correction_reason,
            "decided_by": d.username,
            "decided_at": d.decided_at.isoformat(timespec="seconds"),
        }
        for p, d in _latest_decisions(db, force)
        if d.decision == "confirmed" and d.reclassify
        for i in p.timeline
        if i.incident_id not in set(d.rejected_links) and i.recorded_category != "stalking"
    ]
    return pd.DataFrame(rows, columns=list(CORRECTION_COLUMNS))


def audit_table(db: Session, *, since: dt.datetime | None = None) -> pd.DataFrame:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    columns = ("id", "at", "username", "action", "target", "outcome", "client", "detail")
    return pd.DataFrame(
        [{c: getattr(e, c) for c in columns} for e in db.scalars(query)], columns=list(columns)
    )


def agreement(db: Session) -> pd.DataFrame:
    """By force and month decided: cases decided (confirmed or not stalking), how many the
    model flagged, how many of those the auditors confirmed (precision at the flag), and the
    share where the model's flag and the auditor agree (flag = confirmed, review band = not
    stalking)."""
    rows = [
        {
            "force": p.force,
            "month": d.decided_at.strftime("%Y-%m"),
            "flagged": p.model_decision == "flag",
            "confirmed": d.decision == "confirmed",
        }
        for p, d in _latest_decisions(db)
        if d.decision != "needs_info"
    ]
    columns = [
        "force",
        "month",
        "decided",
        "flagged",
        "confirmed_of_flagged",
        "precision",
        "agreement",
    ]
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(rows)
    frame["agree"] = frame["flagged"] == frame["confirmed"]
    frame["flag_confirmed"] = frame["flagged"] & frame["confirmed"]
    g = frame.groupby(["force", "month"], sort=True)
    out = pd.DataFrame(
        {
            "decided": g.size(),
            "flagged": g["flagged"].sum(),
            "confirmed_of_flagged": g["flag_confirmed"].sum(),
            "agreement": g["agree"].mean().round(3),
        }
    ).reset_index()
    out["precision"] = (
        out["confirmed_of_flagged"] / out["flagged"].where(out["flagged"] > 0)
    ).round(3)
    return out[columns]


def now_utc() -> dt.datetime:
    return now()


def incident_of(case: Pattern, incident_id: str) -> Incident | None:
    return next((i for i in case.timeline if i.incident_id == incident_id), None)
