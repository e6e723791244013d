"""Who is asking, and may they: sessions and tokens, roles, CSRF, login throttling, request
size limits, security headers, and refused requests in the audit trail."""

from __future__ import annotations

import hmac
import time
from collections import defaultdict, deque
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import JSONResponse, PlainTextResponse

from stalkflag.review import audit, session_for, token_user

__all__ = [
    "COOKIE",
    "MAX_BODY",
    "Denied",
    "LoginThrottle",
    "Principal",
    "client_of",
    "principal",
]

COOKIE = "stalkflag_session"
LOGIN_CSRF_COOKIE = "stalkflag_login_csrf"
MAX_BODY = 2 * 1024 * 1024
"""The largest request body accepted (bytes): a thousand incidents with long notes."""
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


class Denied(Exception):
    """A refused request: 401 (who are you?) or 403 (not you)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Principal:
    """Who a request comes from, as plain values (usable after its database session ends)."""

    username: str
    role: str
    via: str  # "session" or "token"
    csrf: str = ""
    session_id: str = ""


def client_of(request: Request) -> str:
    return request.client.host if request.client else ""


def principal(db: Session, request: Request) -> Principal | None:
    """The signed-in user of a request: a bearer token, else the session cookie."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = token_user(db, header[7:].strip())
        return None if user is None else Principal(user.username, user.role, "token")
    login = session_for(db, request.cookies.get(COOKIE))
    if login is None:
        return None
    return Principal(login.user.username, login.user.role, "session", login.csrf_token, login.id)


def require(who: Principal | None, *roles: str) -> Principal:
    if who is None:
        raise Denied(401, "not signed in")
    if roles and who.role not in roles and who.role != "admin":
        raise Denied(403, f"needs role {' or '.join(roles)}")
    return who


def check_csrf(who: Principal, given: str | None) -> None:
    """A form from a browser session must carry its session's CSRF token (tokens for API
    clients are not cookies, so a cross-site form cannot use them)."""
    if who.via != "session":
        return
    if not given or not hmac.compare_digest(given, who.csrf):
        raise Denied(403, "missing or wrong CSRF token")


class LoginThrottle:
    """At most ``limit`` failed logins per client address in ``window`` seconds (on top of
    each account's lock-out), so guessing across many usernames is slowed too."""

    def __init__(self, limit: int = 20, window: float = 600.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def blocked(self, client: str) -> bool:
        failures = self._failures[client]
        cutoff = time.monotonic() - self.window
        while failures and failures[0] < cutoff:
            failures.popleft()
        return len(failures) >= self.limit

    def failed(self, client: str) -> None:
        self._failures[client].append(time.monotonic())


class Guard(BaseHTTPMiddleware):
    """Security headers on every response; bodies over :data:`MAX_BODY` refused (413)."""

    def __init__(self, app, store) -> None:
        super().__init__(app)
        self.store = store

    async def dispatch(self, request: Request, call_next):
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return self._too_large(request)
        if length is None and request.method not in ("GET", "HEAD", "OPTIONS"):
            # Sent in chunks: counted as it arrives, and kept for the application (as
            # Request.body() keeps it), since no Content-Length said its size beforehand.
            chunks, size = [], 0
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BODY:
                    return self._too_large(request)
                chunks.append(chunk)
            request._body = b"".join(chunks)
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    def _too_large(self, request: Request):
        with self.store.session() as db:
            audit(db, "-", "refused", request.url.path, outcome="413", client=client_of(request))
        return _json_or_text(request, 413, f"request body over {MAX_BODY:,} bytes")


def _json_or_text(request: Request, status: int, detail: str):
    if request.url.path.startswith("/v1/"):
        return JSONResponse({"detail": detail}, status_code=status)
    return PlainTextResponse(detail, status_code=status)
