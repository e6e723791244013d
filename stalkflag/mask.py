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

    A value is shown only when it is known to be safe: it comes from a column on the allow
    list and has that column's shape (an ID with a digit and no spaces, a date of digits and
    separators, a label that is a number or a yes/no word, a category or relationship close to
    a known one). Anything else, which is what a name or a note looks like after a column
    shift, is shown by its shape alone: its length and the kinds of character in it.

    Args:
        column: The column the value came from.
        value: The raw value.

    Returns:
        ``<masked: N chars>`` for personal columns; the value, scrubbed, cut to 40 characters
        and quoted when safe; otherwise ``<masked: N chars: letters, spaces>``.
    """
    if value is None:
        return "<missing>"
    text = str(value)
    if column in PERSONAL_COLUMNS:
        return f"<masked: {len(text)} chars>"
    if not _is_safe(column, text):
        return f"<masked: {len(text)} chars: {_kinds(text)}>"
    text = scrub(text.encode("utf-8", "replace").decode("utf-8"))
    if len(text) > _MAX_SHOWN:
        text = text[: _MAX_SHOWN - 1] + "…"
    return repr(text)


_SAFE_SHAPES = {
    "incident_id": re.compile(r"(?=.*\d)[\w./:#-]{1,60}"),
    "reported_at": re.compile(r"[\dTZ:./+, -]{1,40}"),
    "label": re.compile(r"[+-]?[\d.]{1,6}|true|false|yes|no|y|n", re.IGNORECASE),
}
"""Columns whose values may be shown, when they have the column's shape."""


def _is_safe(column: str, text: str) -> bool:
    import difflib

    from stalkflag.schema import CATEGORIES, RELATIONSHIPS

    stripped = text.strip()
    if column in _SAFE_SHAPES:
        return _SAFE_SHAPES[column].fullmatch(stripped) is not None
    known = {"recorded_category": CATEGORIES, "relationship": RELATIONSHIPS}.get(column)
    if known is None:
        return False
    key = re.sub(r"[\s\-/]+", "_", stripped.lower())
    return bool(difflib.get_close_matches(key, known, n=1, cutoff=0.75))


def _kinds(text: str) -> str:
    kinds = {
        "letters": any(c.isalpha() for c in text),
        "digits": any(c.isdigit() for c in text),
        "spaces": any(c.isspace() for c in text),
        "punctuation": any(not (c.isalnum() or c.isspace()) for c in text),
    }
    return ", ".join(k for k, present in kinds.items() if present) or "empty"
