"""The review service: a web page where auditors decide on flagged cases, and an API that
scores incidents with their stored history (FastAPI over :mod:`stalkflag.review`).

- :mod:`._app`: the application (pages, exports, ``/v1`` API).
- :mod:`._security`: sessions, tokens, roles, CSRF, throttling, size limits, headers.
- :mod:`._scoring`: an incident scored with the stored history of its suspect and victim.
- :mod:`._highlight`: a note cut into pieces by the reader's matches.
"""

from stalkflag.service._app import create_app

__all__ = ["create_app"]
