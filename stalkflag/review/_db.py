"""The review store's tables (SQLAlchemy) and how to open one.

One database holds the imported runs (patterns and their incidents), the auditors' decisions,
the users, their sessions and API tokens, and the audit trail. SQLite by default (a file),
PostgreSQL for a shared deployment; the schema is created and upgraded by Alembic
(:func:`migrate`), never by ``create_all``, so a deployed database moves with the code.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, sessionmaker

__all__ = [
    "DEFAULT_DB",
    "ROLES",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Decision",
    "Incident",
    "LoginSession",
    "Pattern",
    "Run",
    "StoredIncident",
    "User",
    "make_engine",
    "now",
]

DEFAULT_DB = "sqlite:///data/review.db"
"""Where ``stalkflag serve`` and ``stalkflag review`` keep their data unless told otherwise
(``--db`` or ``STALKFLAG_DB``)."""
ROLES = ("auditor", "analyst", "admin")
"""``auditor``: reviews cases and decides; ``analyst``: imports runs, reads cases and exports
labels; ``admin``: all of that, plus users and the audit trail."""


def now() -> dt.datetime:
    """The time in UTC, without a zone (how the store keeps times)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)


class LoginSession(Base):
    """A signed-in browser: the cookie holds a random token, the store its SHA-256."""

    __tablename__ = "login_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ended: Mapped[bool] = mapped_column(Boolean, default=False)
    user: Mapped[User] = relationship()


class ApiToken(Base):
    """A machine client's bearer token: shown once, kept as its SHA-256."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    user: Mapped[User] = relationship()


class AuditEvent(Base):
    """One line of the audit trail. Append-only: the migration adds triggers that refuse
    ``UPDATE`` and ``DELETE`` on this table. ``target`` names ids (a case, a user, a file),
    never a name or a note."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=now, index=True)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str] = mapped_column(String(255), default="")
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    client: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(String(255), default="")


class Run(Base):
    """An imported scoring run (``stalkflag score`` output folder)."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of manifest
    folder: Mapped[str] = mapped_column(String(1024))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    imported_by: Mapped[str] = mapped_column(String(64))
    model_name: Mapped[str] = mapped_column(String(255), default="")
    model_version: Mapped[str] = mapped_column(String(64), default="")
    flag_threshold: Mapped[float] = mapped_column(Float)
    review_threshold: Mapped[float] = mapped_column(Float)
    patterns: Mapped[list[Pattern]] = relationship(back_populates="run")


class Pattern(Base):
    """A flagged or review-band suspect -> victim pattern of a run: a case in the queue."""

    __tablename__ = "patterns"
    __table_args__ = (UniqueConstraint("run_id", "pair_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    pair_id: Mapped[str] = mapped_column(String(128), index=True)
    victim_person_id: Mapped[str] = mapped_column(String(64))
    suspect_person_id: Mapped[str] = mapped_column(String(64))
    force: Mapped[str] = mapped_column(String(128), index=True)
    forces: Mapped[str] = mapped_column(String(255), default="")
    incidents: Mapped[int] = mapped_column(Integer)
    first_reported_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_reported_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    span_days: Mapped[float] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float, index=True)
    model_decision: Mapped[str] = mapped_column(String(16))
    flag_type: Mapped[str] = mapped_column(String(32), index=True)
    peak_incident_id: Mapped[str] = mapped_column(String(128))
    reasons: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    sdash_answered: Mapped[int] = mapped_column(Integer, default=0)
    sdash: Mapped[list] = mapped_column(JSON, default=list)
    behaviours: Mapped[dict] = mapped_column(JSON, default=dict)
    recorded_categories: Mapped[dict] = mapped_column(JSON, default=dict)
    counting_rules: Mapped[str] = mapped_column(String(32), default="")
    counting_rules_finding: Mapped[str] = mapped_column(Text, default="")
    recommended_actions: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    run: Mapped[Run] = relationship(back_populates="patterns")
    timeline: Mapped[list[Incident]] = relationship(
        back_populates="pattern", order_by="Incident.reported_at"
    )
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="pattern", order_by="Decision.id"
    )


class Incident(Base):
    """One incident of a pattern's timeline, with its note and the reader's matches in it."""

    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pattern_id: Mapped[int] = mapped_column(ForeignKey("patterns.id"), index=True)
    incident_id: Mapped[str] = mapped_column(String(128))
    reported_at: Mapped[dt.datetime] = mapped_column(DateTime)
    recorded_category: Mapped[str] = mapped_column(String(64), default="")
    force: Mapped[str] = mapped_column(String(128), default="")
    victim_name: Mapped[str] = mapped_column(String(255), default="")
    suspect_name: Mapped[str] = mapped_column(String(255), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[float] = mapped_column(Float)
    link_confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    matches: Mapped[list] = mapped_column(JSON, default=list)
    link_rejected: Mapped[bool] = mapped_column(Boolean, default=False)
    pattern: Mapped[Pattern] = relationship(back_populates="timeline")


class Decision(Base):
    """An auditor's decision on a pattern. Decisions are never edited: a new one supersedes."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pattern_id: Mapped[int] = mapped_column(ForeignKey("patterns.id"), index=True)
    username: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    decision: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    reclassify: Mapped[bool] = mapped_column(Boolean, default=False)
    correction_reason: Mapped[str] = mapped_column(Text, default="")
    rejected_links: Mapped[list] = mapped_column(JSON, default=list)
    pattern: Mapped[Pattern] = relationship(back_populates="decisions")


class StoredIncident(Base):
    """The history the API reads a new incident against: every incident the API has scored,
    kept (with its linked ids) so the next one of the same suspect or victim is read with it."""

    __tablename__ = "stored_incidents"
    __table_args__ = (
        Index("ix_stored_victim_key", "victim_key"),
        Index("ix_stored_suspect_key", "suspect_key"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(128), unique=True)
    victim_key: Mapped[str] = mapped_column(String(64))
    suspect_key: Mapped[str] = mapped_column(String(64))
    record: Mapped[dict] = mapped_column(JSON)
    stored_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)


def make_engine(url: str) -> Engine:
    """An engine for a database URL; a SQLite file's folder is created, and SQLite enforces
    foreign keys and waits for a busy writer rather than failing."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    return engine


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)
