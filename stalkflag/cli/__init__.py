"""Command line interface: ``stalkflag --help``."""

from stalkflag.cli import _service  # noqa: F401  (registers serve, users, review)
from stalkflag.cli._app import app, main

__all__ = ["app", "main"]
