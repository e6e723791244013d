"""The FastAPI application: the review page (server-rendered, no script from anywhere but
here) and the API under ``/v1``."""

import io
import logging
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from stalkflag import __version__
from stalkflag.errors import StalkflagError
from stalkflag.io import escape_formulas
from stalkflag.review import (
    DECISIONS,
    ROLES,
    Store,
    add_user,
    agreement,
    audit,
    audit_table,
    authenticate,
    case,
    corrections_table,
    decide,
    end_session,
    forces,
    import_run,
    labels_table,
    neighbour,
    queue,
    start_session,
)
from stalkflag.review._cases import FLAG_TYPES, SORTS, STATES
from stalkflag.review._db import LoginSession, Pattern, User
from stalkflag.service._highlight import segments
from stalkflag.service._security import (
    COOKIE,
    LOGIN_CSRF_COOKIE,
    Denied,
    Guard,
    LoginThrottle,
    Principal,
    check_csrf,
    client_of,
    principal,
    require,
)

__all__ = ["create_app"]

logger = logging.getLogger(__name__)
HERE = Path(__file__).parent
MAX_INCIDENTS = 1000
"""The most incidents one ``POST /v1/score`` takes."""
CaseId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
"""A case's id: the range of the store's integer keys (larger ones overflow SQLite's)."""


class IncidentIn(BaseModel):
    """One incident as the export contract has it (``data/README.md``); values are checked
    by the same validation as a file's rows, so a bad value rejects its row, not the request."""

    model_config = ConfigDict(extra="forbid")
    incident_id: str = Field(min_length=1, max_length=128)
    reported_at: str = Field(min_length=1, max_length=64)
    recorded_category: str = Field(min_length=1, max_length=64)
    notes: str = Field(max_length=20_000)
    victim_id: str | None = Field(default=None, max_length=128)
    suspect_id: str | None = Field(default=None, max_length=128)
    victim_name: str | None = Field(default=None, max_length=256)
    suspect_name: str | None = Field(default=None, max_length=256)
    victim_dob: str | None = Field(default=None, max_length=32)
    suspect_dob: str | None = Field(default=None, max_length=32)
    relationship: str | None = Field(default=None, max_length=64)
    force: str | None = Field(default=None, max_length=128)


EXAMPLE: dict[str, Any] = {
    "incidents": [
        {
            "incident_id": "MPS-2024-0000101",
            "reported_at": "2024-03-01T10:00:00",
            "recorded_category": "harassment",
            "notes": "Caller states her ex-partner followed her home again and waited outside "
            "her work; he has sent over forty messages this week.",
            "victim_id": "PN1000001",
            "suspect_id": "PN2000002",
            "relationship": "ex_partner",
            "force": "MPS",
        }
    ],
    "store": False,
}
"""A request as the API's documentation shows it (and its fuzzing tests send)."""


class ScoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})
    incidents: list[IncidentIn] = Field(min_length=1, max_length=MAX_INCIDENTS)
    store: bool = Field(
        default=True, description="keep these incidents as history for later requests"
    )


class Problem(BaseModel):
    column: str
    code: str
    value: str
    reason: str


class ScoredIncident(BaseModel):
    row: int
    status: str = Field(description="scored or rejected")
    incident_id: str | None = None
    pair_id: str | None = None
    victim_person_id: str | None = None
    suspect_person_id: str | None = None
    score: float | None = None
    decision: str | None = Field(default=None, description="flag, review or clear")
    flagged: bool | None = None
    reasons: str | None = None
    evidence: list[dict[str, Any]] = []
    pattern_incidents: int | None = Field(
        default=None, description="incidents of this suspect -> victim pattern read together"
    )
    history_read: int | None = None
    problems: list[Problem] = []


class ScoreResponse(BaseModel):
    model: dict[str, Any]
    results: list[ScoredIncident]


def create_app(
    db: str | None = None,
    *,
    model: str | None = None,
    tracking_uri: str | None = None,
    secure_cookies: bool = False,
) -> FastAPI:
    """The review service over the store at ``db`` (see :func:`stalkflag.review.database_url`);
    ``model`` (an MLflow URI or folder) enables ``POST /v1/score``."""
    store = Store(db)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["version"] = __version__
    throttle = LoginThrottle()
    scorer: dict[str, Any] = {}

    app = FastAPI(
        title="stalkflag",
        version=__version__,
        description="Review flagged stalking patterns, and score incidents with their history.",
        # The schema only for signed-in users (below); no Swagger page, which loads its script
        # from a CDN that the page's Content-Security-Policy (rightly) blocks.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.store = store
    app.add_middleware(Guard, store=store)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    def database():
        with store.session() as session:
            yield session

    # Committed before the response is sent (FastAPI's default for a dependency with yield is
    # after): a browser that follows the redirect from a login or a decision at once must find
    # its session or the decision, and a commit that fails must not follow a success.
    DB = Annotated[Session, Depends(database, scope="function")]

    def chain():
        if "chain" not in scorer:
            if model is None:
                raise Denied(503, "no model: start the service with --model")
            from stalkflag.api import load_model as load_chain
            from stalkflag.batch import model_identity

            scorer["chain"] = load_chain(model, tracking_uri=tracking_uri)
            scorer["identity"] = model_identity(model, tracking_uri)
        return scorer["chain"]

    # -- errors: refused requests are audited; a user's mistake is one sentence ------------

    @app.exception_handler(Denied)
    async def _denied(request: Request, exc: Denied):
        with store.session() as session:
            audit(
                session,
                _who(request),
                "refused",
                request.url.path[:255],
                outcome=str(exc.status),
                client=client_of(request),
                detail=exc.reason,
            )
        if request.url.path.startswith("/v1/") or exc.status == 503:
            return JSONResponse({"detail": exc.reason}, status_code=exc.status)
        if exc.status == 401:
            return RedirectResponse("/login", status_code=303)
        return _page(
            request, "error.html", {"status": exc.status, "message": exc.reason}, exc.status
        )

    @app.exception_handler(StalkflagError)
    async def _mistake(request: Request, exc: StalkflagError):
        if request.url.path.startswith("/v1/"):
            return JSONResponse({"detail": exc.message, "code": exc.code}, status_code=400)
        return _page(request, "error.html", {"status": 400, "message": exc.message}, 400)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        # Field locations and messages only: a rejected value may be personal.
        errors = [
            {
                "loc": [str(x) for x in e.get("loc", ())],
                "msg": e.get("msg", ""),
                "type": e.get("type", ""),
            }
            for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith("/v1/") or request.url.path.startswith("/static/"):
            return JSONResponse(
                {"detail": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
            )
        response = _page(
            request,
            "error.html",
            {"status": exc.status_code, "message": str(exc.detail)},
            exc.status_code,
        )
        response.headers.update(exc.headers or {})  # a 405's Allow
        return response

    def _who(request: Request) -> str:
        return getattr(request.state, "username", "-")

    def _page(request: Request, name: str, context: dict[str, Any], status: int = 200):
        who = getattr(request.state, "principal", None)
        return templates.TemplateResponse(
            request, name, {"who": who, **context}, status_code=status
        )

    def signed_in(request: Request, session: DB) -> Principal:
        who = principal(session, request)
        if who is not None:
            request.state.username = who.username
            request.state.principal = who
        return require(who)

    Who = Annotated[Principal, Depends(signed_in)]

    # -- health (the only anonymous route) ------------------------------------------------

    @app.get("/v1/health", tags=["api"])
    def health(session: DB) -> dict[str, Any]:
        """Whether the service and its database answer (no login needed)."""
        session.execute(select(1))
        return {"status": "ok", "version": __version__, "model": model is not None}

    @app.get("/v1/openapi.json", include_in_schema=False)
    def openapi_schema(who: Who) -> dict[str, Any]:
        """The API's OpenAPI schema."""
        return app.openapi()

    # -- login / logout --------------------------------------------------------------------

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request):
        token = secrets.token_urlsafe(32)
        response = _page(request, "login.html", {"csrf": token, "error": ""})
        response.set_cookie(
            LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure_cookies
        )
        return response

    @app.post("/login", include_in_schema=False)
    def login(
        request: Request,
        session: DB,
        username: Annotated[str, Form(max_length=64)] = "",
        password: Annotated[str, Form(max_length=1024)] = "",
        csrf: Annotated[str, Form(max_length=128)] = "",
    ):
        client = client_of(request)
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not csrf or not expected or not secrets.compare_digest(csrf, expected):
            raise Denied(403, "missing or wrong CSRF token")
        if throttle.blocked(client):
            audit(
                session,
                username[:64] or "-",
                "login",
                outcome="refused",
                client=client,
                detail="throttled",
            )
            session.commit()
            return _page(
                request,
                "login.html",
                {"csrf": csrf, "error": "Too many failed logins from here; wait a few minutes."},
                429,
            )
        user = authenticate(session, username.strip().lower(), password, client=client)
        if user is None:
            throttle.failed(client)
            session.commit()
            return _page(
                request,
                "login.html",
                {"csrf": csrf, "error": "Wrong username or password, or the account is locked."},
                401,
            )
        cookie, _ = start_session(session, user)
        response = RedirectResponse("/queue", status_code=303)
        response.set_cookie(COOKIE, cookie, httponly=True, samesite="strict", secure=secure_cookies)
        response.delete_cookie(LOGIN_CSRF_COOKIE)
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(
        request: Request, session: DB, who: Who, csrf: Annotated[str, Form(max_length=128)] = ""
    ):
        check_csrf(who, csrf)
        login = session.get(LoginSession, who.session_id) if who.session_id else None
        if login is not None:
            end_session(session, login)
        audit(session, who.username, "logout", client=client_of(request))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    # -- the queue and a case ---------------------------------------------------------------

    @app.get("/", include_in_schema=False)
    def home(who: Who):
        return RedirectResponse("/queue", status_code=303)

    @app.get("/queue", response_class=HTMLResponse, include_in_schema=False)
    def queue_page(
        request: Request,
        session: DB,
        who: Who,
        sort: Annotated[str, Query(max_length=16)] = "score",
        flag_type: Annotated[str, Query(max_length=32)] = "",
        state: Annotated[str, Query(max_length=16)] = "open",
        force: Annotated[str, Query(max_length=128)] = "",
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    ):
        sort = sort if sort in SORTS else "score"
        shown = queue(
            session,
            sort=sort,
            flag_type=flag_type or None,
            state=state if state in STATES else None,
            force=force or None,
            page=page,
        )
        audit(
            session,
            who.username,
            "view_queue",
            client=client_of(request),
            detail=f"{shown.total} cases",
        )
        return _page(
            request,
            "queue.html",
            {
                "shown": shown,
                "sort": sort,
                "sorts": list(SORTS),
                "flag_type": flag_type,
                "flag_types": FLAG_TYPES,
                "state": state,
                "states": STATES,
                "force": force,
                "forces": forces(session),
                "agreement": agreement(session).to_dict("records"),
                "decisions": DECISIONS,
            },
        )

    @app.get("/cases/{case_id}", response_class=HTMLResponse, include_in_schema=False)
    def case_page(request: Request, case_id: CaseId, session: DB, who: Who):
        found = case(session, case_id)
        if found is None:
            raise StarletteHTTPException(404, "no such case")
        audit(session, who.username, "view_case", f"case {case_id}", client=client_of(request))
        timeline = [(i, segments(i.notes, i.matches)) for i in found.timeline]
        return _page(
            request,
            "case.html",
            {
                "case": found,
                "timeline": timeline,
                "decisions": DECISIONS,
                "latest": found.decisions[-1] if found.decisions else None,
                "next_case": neighbour(session, case_id),
                "can_decide": who.role in ("auditor", "admin"),
                "run": found.run,
            },
        )

    @app.post("/cases/{case_id}/decision", include_in_schema=False)
    def decision(
        request: Request,
        case_id: CaseId,
        session: DB,
        who: Who,
        decision: Annotated[str, Form(max_length=16)] = "",
        note: Annotated[str, Form(max_length=4000)] = "",
        reclassify: Annotated[str, Form(max_length=8)] = "",
        correction_reason: Annotated[str, Form(max_length=2000)] = "",
        rejected_links: Annotated[list[str] | None, Form()] = None,
        csrf: Annotated[str, Form(max_length=128)] = "",
        then: Annotated[str, Form(max_length=8)] = "",
    ):
        require(who, "auditor")
        check_csrf(who, csrf)
        found = case(session, case_id)
        if found is None:
            raise StarletteHTTPException(404, "no such case")
        made = decide(
            session,
            found,
            username=who.username,
            decision=decision,
            note=note,
            reclassify=bool(reclassify),
            correction_reason=correction_reason,
            rejected_links=rejected_links or [],
        )
        detail = made.decision + ("; reclassify as stalking" if made.reclassify else "")
        if made.rejected_links:
            detail += f"; {len(made.rejected_links)} links rejected"
        audit(
            session,
            who.username,
            "decide",
            f"case {case_id}",
            client=client_of(request),
            detail=detail,
        )
        following = neighbour(session, case_id) if then == "next" else None
        return RedirectResponse(f"/cases/{following or case_id}", status_code=303)

    # -- exports ---------------------------------------------------------------------------

    def _csv(frame, name: str) -> Response:
        buffer = io.StringIO()
        escape_formulas(frame).to_csv(buffer, index=False)  # as every CSV stalkflag writes
        return Response(
            buffer.getvalue(),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @app.get("/exports/labels.csv", include_in_schema=False)
    def export_labels(
        request: Request, session: DB, who: Who, force: Annotated[str, Query(max_length=128)] = ""
    ):
        require(who, "analyst")
        table = labels_table(session, force=force or None)
        audit(
            session,
            who.username,
            "export",
            "labels.csv",
            client=client_of(request),
            detail=f"{len(table)} rows",
        )
        return _csv(table, "labels.csv")

    @app.get("/exports/corrections.csv", include_in_schema=False)
    def export_corrections(
        request: Request, session: DB, who: Who, force: Annotated[str, Query(max_length=128)] = ""
    ):
        require(who, "analyst")
        table = corrections_table(session, force=force or None)
        audit(
            session,
            who.username,
            "export",
            "corrections.csv",
            client=client_of(request),
            detail=f"{len(table)} rows",
        )
        return _csv(table, "corrections.csv")

    @app.get("/exports/audit.csv", include_in_schema=False)
    def export_audit(request: Request, session: DB, who: Who):
        require(who, "admin")
        audit(session, who.username, "export", "audit.csv", client=client_of(request))
        session.flush()
        return _csv(audit_table(session), "audit.csv")

    # -- admin: the audit trail, users, runs ---------------------------------------------------

    @app.get("/audit", response_class=HTMLResponse, include_in_schema=False)
    def audit_page(request: Request, session: DB, who: Who):
        require(who, "admin")
        audit(session, who.username, "view_audit", client=client_of(request))
        session.flush()
        events = audit_table(session).tail(200).iloc[::-1].to_dict("records")
        return _page(request, "audit.html", {"events": events})

    @app.get("/users", response_class=HTMLResponse, include_in_schema=False)
    def users_page(request: Request, session: DB, who: Who):
        require(who, "admin")
        audit(session, who.username, "view_users", client=client_of(request))
        users = session.scalars(select(User).order_by(User.username)).all()
        return _page(request, "users.html", {"users": users, "roles": ROLES, "message": ""})

    @app.post("/users", response_class=HTMLResponse, include_in_schema=False)
    def users_add(
        request: Request,
        session: DB,
        who: Who,
        username: Annotated[str, Form(max_length=64)] = "",
        password: Annotated[str, Form(max_length=1024)] = "",
        role: Annotated[str, Form(max_length=16)] = "",
        csrf: Annotated[str, Form(max_length=128)] = "",
    ):
        require(who, "admin")
        check_csrf(who, csrf)
        add_user(session, username.strip().lower(), password, role)
        audit(
            session,
            who.username,
            "add_user",
            f"user {username.strip().lower()}",
            client=client_of(request),
            detail=role,
        )
        users = session.scalars(select(User).order_by(User.username)).all()
        return _page(
            request, "users.html", {"users": users, "roles": ROLES, "message": f"Saved {username}."}
        )

    @app.post("/runs", include_in_schema=False)
    def runs_import(
        request: Request,
        session: DB,
        who: Who,
        folder: Annotated[str, Form(max_length=1024)] = "",
        csrf: Annotated[str, Form(max_length=128)] = "",
    ):
        require(who, "analyst")
        check_csrf(who, csrf)
        import_run(session, folder, by=who.username, client=client_of(request))
        return RedirectResponse("/queue", status_code=303)

    # -- API -----------------------------------------------------------------------------

    @app.post("/v1/score", response_model=ScoreResponse, tags=["api"])
    def score(request: Request, body: ScoreRequest, session: DB, who: Who) -> ScoreResponse:
        """Score incidents, each read with the stored history of its suspect and victim, by
        the same function as ``stalkflag score``. A row that breaks the export contract is
        rejected with its problems; the others are scored."""
        require(who, "analyst")
        from stalkflag.service._scoring import HistoryScorer, score_with_history

        fitted = chain()
        if "warm" not in scorer:  # kept between requests: pipelines, linkage, reads, rows
            scorer["warm"] = HistoryScorer(fitted)
        results = score_with_history(
            session, scorer["warm"], [i.model_dump() for i in body.incidents], store=body.store
        )
        scored = sum(r["status"] == "scored" for r in results)
        audit(
            session,
            who.username,
            "score",
            "v1/score",
            client=client_of(request),
            detail=f"{scored} of {len(results)} scored",
        )
        return ScoreResponse(
            model=scorer["identity"], results=[ScoredIncident(**r) for r in results]
        )

    @app.get("/v1/patterns/{pattern_id}", tags=["api"])
    def pattern(request: Request, pattern_id: CaseId, session: DB, who: Who) -> dict[str, Any]:
        """A case: the pattern, its incidents (with the reader's matches) and its decisions."""
        found = case(session, pattern_id)
        if found is None:
            raise StarletteHTTPException(404, "no such pattern")
        audit(
            session,
            who.username,
            "view_case",
            f"case {pattern_id}",
            client=client_of(request),
            detail="api",
        )
        return _pattern_json(found)

    return app


def _pattern_json(p: Pattern) -> dict[str, Any]:
    fields = (
        "id", "pair_id", "victim_person_id", "suspect_person_id", "force", "forces", "incidents",
        "span_days", "score", "model_decision", "flag_type", "peak_incident_id", "reasons",
        "evidence", "sdash_answered", "sdash", "behaviours", "recorded_categories",
        "counting_rules", "counting_rules_finding", "recommended_actions", "state",
    )  # fmt: skip
    out: dict[str, Any] = {f: getattr(p, f) for f in fields}
    out["first_reported_at"] = p.first_reported_at.isoformat()
    out["last_reported_at"] = p.last_reported_at.isoformat()
    out["timeline"] = [
        {
            "incident_id": i.incident_id,
            "reported_at": i.reported_at.isoformat(),
            "recorded_category": i.recorded_category,
            "score": i.score,
            "link_confidence": i.link_confidence,
            "link_rejected": i.link_rejected,
            "notes": i.notes,
            "matches": i.matches,
        }
        for i in p.timeline
    ]
    out["decisions"] = [
        {
            "decision": d.decision,
            "by": d.username,
            "at": d.decided_at.isoformat(),
            "reclassify": d.reclassify,
        }
        for d in p.decisions
    ]
    return out
