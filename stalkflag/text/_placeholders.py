"""Replace personal data in a note with placeholders before any vectoriser sees it.

Names (the incident's own name fields, plus any token the export uses as a first name or
surname, and the word after a title such as "Mr"), phone numbers, email addresses, street
addresses, postcodes and vehicle registrations become ``<NAME>``, ``<PHONE>``, ``<EMAIL>``,
``<ADDRESS>``, ``<POSTCODE>`` and ``<VRM>``. Works on spaCy tokens, so placeholders replace whole
tokens and the rest of the text keeps its spacing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Set as AbstractSet

from spacy.tokens import Doc

__all__ = ["PLACEHOLDERS", "mask_doc", "name_lexicon"]

PLACEHOLDERS = ("<NAME>", "<PHONE>", "<EMAIL>", "<ADDRESS>", "<POSTCODE>", "<VRM>")

_PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s-]?|0)\d[\d\s-]{7,12}\d(?!\w)")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_VRM = re.compile(
    r"\b[A-Z]{2}\d{2}\s?[A-Z]{3}\b", re.IGNORECASE
)  # current UK format, e.g. AB12 CDE
_STREET = re.compile(
    r"\b\d{1,4}[A-Za-z]?\s+(?:[A-Z][a-z]+\s+){1,3}(?:Road|Rd|Street|St|Avenue|Ave|Lane|Close|Drive|"
    r"Way|Crescent|Court|Place|Gardens|Terrace|Grove|Walk|Hill|Park)\b",
    re.IGNORECASE,
)
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "mx"})
_NOT_NAMES = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "but",
        "if",
        "he",
        "she",
        "his",
        "her",
        "him",
        "they",
        "them",
        "i",
        "me",
        "my",
        "we",
        "you",
        "it",
        "victim",
        "suspect",
        "caller",
        "police",
        "officer",
        "pc",
        "sgt",
        "dc",
        "ip",
        "susp",
        "no",
        "not",
    ]
)


def name_lexicon(names: Iterable[str], *, min_length: int = 2) -> frozenset[str]:
    """Lower-case name tokens from name fields (first names and surnames)."""
    out = set()
    for name in names:
        for token in re.split(r"[\s,]+", name or ""):
            token = token.strip(".'").lower()
            if len(token) >= min_length and token.isalpha() and token not in _NOT_NAMES:
                out.add(token)
    return frozenset(out)


def mask_doc(doc: Doc, names: AbstractSet[str] = frozenset()) -> str:
    """The note with personal data replaced by placeholders.

    Args:
        doc: The note, tokenised.
        names: Lower-case name tokens to mask (see :func:`name_lexicon`): the incident's own
            names and, for a whole export, every name the export's name fields use.

    Returns:
        The masked text.
    """
    text = doc.text
    spans: list[tuple[int, int, str]] = []
    for pattern, label in (
        (_STREET, "<ADDRESS>"),
        (_POSTCODE, "<POSTCODE>"),
        (_VRM, "<VRM>"),
        (_PHONE, "<PHONE>"),
    ):
        spans += [(m.start(), m.end(), label) for m in pattern.finditer(text)]
    for token in doc:
        lower = token.lower_.strip(".'")
        if token.like_email:
            spans.append((token.idx, token.idx + len(token.text), "<EMAIL>"))
        elif (
            token.is_alpha
            and (
                lower in names
                or (
                    token.i > 0
                    and doc[token.i - 1].lower_.strip(".") in _TITLES
                    and (token.is_title or token.is_upper)  # "Mr Patel", "MR PATEL"
                )
            )
            and lower not in _NOT_NAMES
        ):
            spans.append((token.idx, token.idx + len(token.text), "<NAME>"))
    spans.sort()
    out, last = [], 0
    for start, end, label in spans:
        if start < last:
            continue
        out.append(text[last:start])
        out.append(label)
        last = end
    out.append(text[last:])
    return "".join(out)
