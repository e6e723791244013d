"""Keep personal data out of messages, logs and reports.

Values from personal columns are never shown; other values are shortened and scrubbed of
anything shaped like an email address, phone number or UK postcode before they reach a
message. Used by validation reports and error messages.
"""

from __future__ import annotations

import re

from stalkflag.schema import PERSONAL_COLUMNS

__all__ = ["mask_value", "scrub"]

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s-]?|0)\d[\d\s-]{7,12}\d(?!\w)")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_MAX_SHOWN = 40


def scrub(text: str) -> str:
    """Replace email addresses, phone numbers and postcodes in ``text`` with placeholders."""
    text = _EMAIL.sub("<email>", text)
    text = _PHONE.sub("<phone>", text)
    return _POSTCODE.sub("<postcode>", text)


def mask_value(column: str, value: object) -> str:
    """Render ``value`` from ``column`` safely for a message.

    Args:
        column: The column the value came from.
        value: The raw value.

    Returns:
        ``<masked: N chars>`` for personal columns; otherwise the value, scrubbed and cut to
        40 characters, in quotes.
    """
    if value is None:
        return "<missing>"
    text = str(value)
    if column in PERSONAL_COLUMNS:
        return f"<masked: {len(text)} chars>"
    text = scrub(text.encode("utf-8", "replace").decode("utf-8"))
    if len(text) > _MAX_SHOWN:
        text = text[: _MAX_SHOWN - 1] + "…"
    return repr(text)
