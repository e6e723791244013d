"""The review store: imported runs become a queue of cases; auditors' decisions become labels,
recording corrections and the thresholds a force sets; users, sessions, tokens and an
append-only audit trail guard it. The web page and API over it are :mod:`stalkflag.service`.

- :mod:`._db`: the tables (SQLAlchemy); :mod:`._migrate`: their schema (Alembic).
- :mod:`._auth`: users, passwords, sessions, API tokens, the audit trail.
- :mod:`._runs`: importing a ``stalkflag score`` output folder.
- :mod:`._cases`: the queue, decisions, and the labels, corrections and agreement exports.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from stalkflag.review._auth import (
    add_user,
    audit,
    authenticate,
    create_token,
    end_session,
    session_for,
    start_session,
    token_user,
)
from stalkflag.review._cases import (
    CORRECTION_COLUMNS,
    DECISIONS,
    LABEL_COLUMNS,
    agreement,
    audit_table,
    case,
    corrections_table,
    decide,
    forces,
    labels_table,
    neighbour,
    queue,
)
from stalkflag.review._db import DEFAULT_DB, ROLES, make_engine, session_factory
from stalkflag.review._migrate import migrate
from stalkflag.review._runs import import_run

__all__ = [
    "CORRECTION_COLUMNS",
    "DECISIONS",
    "DEFAULT_DB",
    "LABEL_COLUMNS",
    "ROLES",
    "Store",
    "add_user",
    "agreement",
    "audit",
    "audit_table",
    "authenticate",
    "case",
    "corrections_table",
    "create_token",
    "database_url",
    "decide",
    "end_session",
    "forces",
    "import_run",
    "labels_table",
    "neighbour",
    "queue",
    "session_for",
    "start_session",
    "token_user",
]


def database_url(url: str | None = None) -> str:
    """``url``, else ``STALKFLAG_DB``, else :data:`DEFAULT_DB`."""
    return url or os.environ.get("STALKFLAG_DB") or DEFAULT_DB


class Store:
    """A review database, brought to the newest schema when opened."""

    def __init__(self, url: str | None = None, *, upgrade: bool = True) -> None:
        self.url = database_url(url)
        self.engine: Engine = make_engine(self.url)
        if upgrade:
            migrate(self.engine)
        self._sessions = session_factory(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back on an error."""
        db = self._sessions()
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise
        finally:
            db.close()

    def dispose(self) -> None:
        self.engine.dispose()
