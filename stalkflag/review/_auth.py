"""Users, passwords, browser sessions, API tokens and the audit trail.

- Passwords are hashed with Argon2id (``argon2-cffi``); a wrong password and an unknown user
  take the same time and give the same answer.
- After :data:`MAX_FAILED_LOGINS` failed logins in a row an account is locked for
  :data:`LOCKOUT`; every failed login is in the audit trail.
- A browser session is a random cookie whose SHA-256 is stored, with its own CSRF token; it
  ends after :data:`SESSION_IDLE` without use, :data:`SESSION_MAX` after login, or at logout.
- An API token is shown once and stored as its SHA-256.
- :func:`audit` appends one event; the table refuses updates and deletes (see the migration).
  Targets are ids (case, user, file name), never a person's name or a note.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from stalkflag.errors import ConfigError
from stalkflag.review._db import ROLES, ApiToken, AuditEvent, LoginSession, User, now

__all__ = [
    "LOCKOUT",
    "MAX_FAILED_LOGINS",
    "MIN_PASSWORD",
    "SESSION_IDLE",
    "SESSION_MAX",
    "add_user",
    "audit",
    "authenticate",
    "create_token",
    "end_session",
    "session_for",
    "start_session",
    "token_user",
]

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
SESSION_IDLE = dt.timedelta(minutes=30)
SESSION_MAX = dt.timedelta(hours=8)
MIN_PASSWORD = 12
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("not a password of anyone's")


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def audit(
    db: Session,
    username: str,
    action: str,
    target: str = "",
    *,
    outcome: str = "ok",
    client: str = "",
    detail: str = "",
) -> None:
    """Append one event to the audit trail (committed with ``db``'s transaction)."""
    db.add(
        AuditEvent(
            username=username[:64],
            action=action[:32],
            target=target[:255],
            outcome=outcome[:16],
            client=client[:64],
            detail=detail[:255],
        )
    )


def add_user(db: Session, username: str, password: str, role: str) -> User:
    """A new user (or a new password and role for an existing one)."""
    if not _USERNAME.match(username):
        raise ConfigError(
            "a username is 2 to 64 lower-case letters, digits, '.', '_' or '-'.", code="R001"
        )
    if role not in ROLES:
        raise ConfigError(f"role must be one of {', '.join(ROLES)}, not {role!r}.", code="R002")
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"a password needs at least {MIN_PASSWORD} characters.", code="R003")
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, password_hash="", role=role)
        db.add(user)
    user.password_hash = _HASHER.hash(password)
    user.role = role
    user.active = True
    user.failed_logins = 0
    user.locked_until = None
    db.flush()
    return user


def authenticate(db: Session, username: str, password: str, *, client: str = "") -> User | None:
    """The user if the password is right and the account is active and not locked; audits
    the attempt either way."""
    user = db.scalar(select(User).where(User.username == username[:64]))
    if user is None or not user.active:
        _verify(_DUMMY, password)  # the same time as a real check
        audit(db, username[:64], "login", outcome="refused", client=client, detail="unknown user")
        return None
    if user.locked_until is not None and user.locked_until > now():
        _verify(_DUMMY, password)
        audit(db, user.username, "login", outcome="refused", client=client, detail="locked")
        return None
    if not _verify(user.password_hash, password):
        user.failed_logins += 1
        detail = "wrong password"
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now() + LOCKOUT
            user.failed_logins = 0
            detail = f"wrong password; locked for {int(LOCKOUT.total_seconds() // 60)} minutes"
        audit(db, user.username, "login", outcome="refused", client=client, detail=detail)
        return None
    user.failed_logins = 0
    user.locked_until = None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    audit(db, user.username, "login", client=client)
    return user


def _verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def start_session(db: Session, user: User) -> tuple[str, LoginSession]:
    """A new browser session: the cookie value (given to the browser only) and its record."""
    cookie = secrets.token_urlsafe(32)
    record = LoginSession(
        id=_sha256(cookie),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=now() + SESSION_MAX,
    )
    db.add(record)
    db.flush()
    return cookie, record


def session_for(db: Session, cookie: str | None) -> LoginSession | None:
    """The live session a cookie belongs to (its idle time restarts), or ``None``."""
    if not cookie:
        return None
    record = db.get(LoginSession, _sha256(cookie))
    t = now()
    if (
        record is None
        or record.ended
        or record.expires_at <= t
        or record.last_seen_at + SESSION_IDLE <= t
        or not record.user.active
    ):
        return None
    record.last_seen_at = t
    return record


def end_session(db: Session, record: LoginSession) -> None:
    record.ended = True


def create_token(
    db: Session, username: str, name: str, *, days: int | None = 365
) -> tuple[str, ApiToken]:
    """A new API token for a user: the token (shown once) and its record."""
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        raise ConfigError(f"there is no user {username!r}.", code="R004")
    token = "sfk_" + secrets.token_urlsafe(32)
    record = ApiToken(
        user_id=user.id,
        name=name[:64],
        token_hash=_sha256(token),
        expires_at=None if days is None else now() + dt.timedelta(days=days),
    )
    db.add(record)
    db.flush()
    return token, record


def token_user(db: Session, token: str | None) -> User | None:
    """The active user a live API token belongs to, or ``None``."""
    if not token:
        return None
    record = db.scalar(select(ApiToken).where(ApiToken.token_hash == _sha256(token)))
    if record is None or record.revoked or not record.user.active:
        return None
    if record.expires_at is not None and record.expires_at <= now():
        return None
    return record.user
