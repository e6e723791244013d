"""``stalkflag serve``, ``stalkflag users`` and ``stalkflag review``: thin calls into
:mod:`stalkflag.review` and :mod:`stalkflag.service`."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Annotated

import typer

from stalkflag.cli._app import TrackingUri, app, out
from stalkflag.errors import ConfigError

Db = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (default: STALKFLAG_DB, else sqlite:///data/review.db); e.g. "
        "postgresql://user@host:5432/stalkflag.",
    ),
]

users = typer.Typer(help="Users of the review page and the API.", no_args_is_help=True)
review = typer.Typer(
    help="Import scoring runs for review; export decisions as labels, corrections and the "
    "audit trail.",
    no_args_is_help=True,
)
app.add_typer(users, name="users")
app.add_typer(review, name="review")


def _store(db: str | None):
    from stalkflag.review import Store

    try:
        return Store(db)
    except ConfigError:
        raise
    except Exception as exc:  # a database that cannot be reached is the user's to fix
        raise ConfigError(
            f"cannot open the database ({type(exc).__name__}): check --db or STALKFLAG_DB.",
            code="R030",
        ) from None


@users.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Lower-case letters, digits, . _ -")],
    role: Annotated[str, typer.Option(help="auditor, analyst or admin.")] = "auditor",
    db: Db = None,
    password_env: Annotated[
        str | None,
        typer.Option(help="Read the password from this environment variable (for scripts)."),
    ] = None,
) -> None:
    """Add a user (or set an existing user's password and role). The password is asked for
    unless --password-env names a variable holding it."""
    from stalkflag.review import add_user, audit

    if password_env:
        password = os.environ.get(password_env, "")
        if not password:
            raise ConfigError(f"the environment variable {password_env} is empty.", code="R005")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise ConfigError("the passwords differ.", code="R005")
    store = _store(db)
    with store.session() as session:
        add_user(session, username, password, role)
        audit(session, "cli", "add_user", f"user {username}", detail=role)
    out.print(f"User {username} ({role}) saved.")


@users.command("token")
def users_token(
    username: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "api",
    days: Annotated[int, typer.Option(min=1, max=3650, help="Days until it expires.")] = 365,
    db: Db = None,
) -> None:
    """Create an API token for a user (printed once; the store keeps only its hash)."""
    from stalkflag.review import audit, create_token

    store = _store(db)
    with store.session() as session:
        token, _ = create_token(session, username, name, days=days)
        audit(session, "cli", "create_token", f"user {username}", detail=name)
    out.print(token)


@review.command("import")
def review_import(
    folder: Annotated[Path, typer.Argument(help="An output folder of `stalkflag score`.")],
    db: Db = None,
    by: Annotated[str, typer.Option(help="Who imports it (for the audit trail).")] = "cli",
) -> None:
    """Import a scoring run: its flagged and review-band patterns become cases in the queue."""
    from stalkflag.review import import_run

    store = _store(db)
    with store.session() as session:
        run = import_run(session, folder, by=by)
        n = len(run.patterns)
    out.print(f"Imported run {run.id} from {folder}: {n:,} cases to review.")


def _export(kind: str, path: Path, db: str | None, force: str | None) -> None:
    from stalkflag.io import write_frame
    from stalkflag.review import audit, audit_table, corrections_table, labels_table

    store = _store(db)
    with store.session() as session:
        if kind == "labels":
            table = labels_table(session, force=force)
        elif kind == "corrections":
            table = corrections_table(session, force=force)
        else:
            table = audit_table(session)
        write_frame(table, path)
        audit(session, "cli", "export", f"{kind}: {path.name}", detail=f"{len(table)} rows")
    out.print(f"Wrote {len(table):,} rows to {path}.")


Force = Annotated[str | None, typer.Option(help="Only this force's cases.")]
OutPath = Annotated[Path, typer.Option("--out", help="The file to write (.csv or .parquet).")]


@review.command("labels")
def review_labels(out_path: OutPath, db: Db = None, force: Force = None) -> None:
    """Export decisions as labels for `stalkflag train` (data.labels) and `stalkflag calibrate`."""
    _export("labels", out_path, db, force)


@review.command("corrections")
def review_corrections(out_path: OutPath, db: Db = None, force: Force = None) -> None:
    """Export recording corrections (confirmed cases to reclassify as stalking)."""
    _export("corrections", out_path, db, force)


@review.command("audit")
def review_audit(out_path: OutPath, db: Db = None) -> None:
    """Export the whole audit trail."""
    _export("audit", out_path, db, None)


@app.command()
def serve(
    db: Db = None,
    model: Annotated[
        str | None,
        typer.Option(help="Model for POST /v1/score: an MLflow URI or folder (default: none)."),
    ] = None,
    tracking_uri: TrackingUri = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    secure_cookies: Annotated[
        bool, typer.Option(help="Send cookies over HTTPS only (behind a TLS proxy).")
    ] = False,
) -> None:
    """Serve the review page and the API (its OpenAPI schema at /v1/openapi.json)."""
    import uvicorn

    from stalkflag.service import create_app

    _store(db).dispose()  # migrate, or fail with one sentence, before listening
    application = create_app(
        db, model=model, tracking_uri=tracking_uri, secure_cookies=secure_cookies
    )
    out.print(f"Review page on http://{host}:{port}/ (API schema at /v1/openapi.json).")
    uvicorn.run(application, host=host, port=port, log_level="info", access_log=False)
