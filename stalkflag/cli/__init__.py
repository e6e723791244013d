"""Command line interface: ``stalkflag --help``."""

from stalkflag.cli._app import app, main

__all__ = ["app", "main"]
