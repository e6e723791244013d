"""Person mentions: one record per (incident, role) that carries any identifying field.

Names as typed are split and normalised here ("SMITH John", "Smith, John", "J Smith", "JOHN
SMITH"), first names get their nickname variants (Bob ~ Robert), and each mention carries the
other party's name, so that Splink can use "the same victim" as evidence that two suspect
mentions are one person.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

__all__ = ["MENTION_COLUMNS", "build_mentions", "nickname_variants", "normalise_token"]

MENTION_COLUMNS = (
    "unique_id", "incident_id", "role", "force_person_id", "first_name", "first_canon", "name_variants",
    "surname", "dob", "co_first_canon", "co_surname", "co_force_person_id", "force",
)  # fmt: skip

_NON_LETTER = re.compile(r"[^a-z\- ]")


@cache
def _nickname_table() -> dict[str, tuple[str, ...]]:
    """Each known name (canonical or nickname) -> the canonical names it may stand for."""
    text = resources.files("stalkflag.linkage").joinpath("nicknames.csv").read_text("utf-8")
    table: dict[str, set[str]] = {}
    for row in csv.DictReader(text.splitlines()):
        canonical = row["canonical"]
        table.setdefault(canonical, set()).add(canonical)
        for nick in row["variants"].split():
            table.setdefault(nick, set()).add(canonical)
    return {k: tuple(sorted(v)) for k, v in table.items()}


def nickname_variants(first: str) -> list[str]:
    """The name itself, the canonical names it may stand for, and their other nicknames."""
    table = _nickname_table()
    out = {first}
    for canonical in table.get(first, ()):
        out.add(canonical)
    return sorted(out)


def _canonical(first: str) -> str:
    return _nickname_table().get(first, (first,))[0]


def normalise_token(token: str) -> str:
    """Lower case, accents folded, only letters and hyphens kept (O'Brien -> obrien)."""
    folded = unicodedata.normalize("NFKD", token).encode("ascii", "ignore").decode()
    return _NON_LETTER.sub("", folded.lower().replace("'", "")).strip("-")


def _split(raw: str) -> tuple[str | None, str | None, bool]:
    """(first, surname, order_was_explicit) from a name as typed."""
    raw = raw.strip()
    if "," in raw:
        last, _, first = raw.partition(",")
        firsts = first.split()
        return (firsts[0] if firsts else None), last.strip() or None, True
    tokens = raw.split()
    if not tokens:
        return None, None, True
    if len(tokens) == 1:
        return None, tokens[0], False
    if tokens[0].isupper() and len(tokens[0]) > 1 and not tokens[-1].isupper():
        return tokens[-1], tokens[0], True  # "SMITH John"
    return tokens[0], tokens[-1], False


def _parse_names(names: pd.Series) -> tuple[list[str | None], list[str | None]]:
    """Split and normalise names; fix swapped order where the data itself says so.

    A name typed "Smith John" cannot be told from "John Smith" by its form. Where the order was
    not explicit, a mention is swapped when, across the whole export, its last token is used far
    more often as a first name than as a surname and its first token is not.
    """
    parsed = [_split(n) if isinstance(n, str) else (None, None, True) for n in names]
    firsts = [normalise_token(f) if f else None for f, _, _ in parsed]
    lasts = [normalise_token(s) if s else None for _, s, _ in parsed]
    as_first = Counter(f for f in firsts if f)
    as_last = Counter(s for s in lasts if s)

    def first_score(token: str) -> float:
        return (as_first[token] + 1) / (as_last[token] + 1)

    for i, (_, _, explicit) in enumerate(parsed):
        f, s = firsts[i], lasts[i]
        if explicit or not f or not s:
            continue
        if first_score(s) > 5 and first_score(f) <= 1:
            firsts[i], lasts[i] = s, f
    return [f or None for f in firsts], [s or None for s in lasts]


def build_mentions(incidents: pd.DataFrame) -> pd.DataFrame:
    """Person mentions from validated incidents.

    Args:
        incidents: Accepted rows (see :func:`stalkflag.validate.validate_export`).

    Returns:
        One row per (incident, role) with any of ID, name or date of birth; ``unique_id`` is
        ``2 * row + (0 for the victim, 1 for the suspect)``, where ``row`` is the incident's
        position in ``incidents``.
    """
    n = len(incidents)
    fields: dict[str, dict[str, list]] = {}
    for role in ("victim", "suspect"):
        first, surname = _parse_names(
            incidents[f"{role}_name"].astype(object).where(incidents[f"{role}_name"].notna(), None)
        )
        dob = incidents[f"{role}_dob"].dt.strftime("%Y-%m-%d").astype(object)
        fields[role] = {
            "force_person_id": _or_none(incidents[f"{role}_id"]),
            "first_name": first,
            "surname": surname,
            "dob": dob.where(dob.notna(), None).tolist(),
        }
    force = _or_none(incidents["force"])
    # Victim and suspect mentions interleaved: row i's are unique_id 2i and 2i + 1, in order.
    columns: dict[str, np.ndarray] = {}
    for name in MENTION_COLUMNS:
        columns[name] = np.empty(2 * n, dtype=np.int64 if name == "unique_id" else object)
    columns["unique_id"][:] = np.arange(2 * n, dtype=np.int64)
    for role, other, k in (("victim", "suspect", 0), ("suspect", "victim", 1)):
        mine, theirs = fields[role], fields[other]
        columns["incident_id"][k::2] = incidents["incident_id"].to_numpy()
        columns["role"][k::2] = role
        columns["force"][k::2] = force
        for name in ("force_person_id", "first_name", "surname", "dob"):
            columns[name][k::2] = mine[name]
        columns["first_canon"][k::2] = [_canonical(f) if f else None for f in mine["first_name"]]
        columns["name_variants"][k::2] = [
            nickname_variants(f) if f else None for f in mine["first_name"]
        ]
        columns["co_first_canon"][k::2] = [
            _canonical(f) if f else None for f in theirs["first_name"]
        ]
        columns["co_surname"][k::2] = theirs["surname"]
        columns["co_force_person_id"][k::2] = theirs["force_person_id"]
    identified = np.zeros(2 * n, dtype=bool)
    for name in ("force_person_id", "first_name", "surname", "dob"):
        identified |= pd.notna(columns[name])
    out = pd.DataFrame({name: values[identified] for name, values in columns.items()})
    if not n:  # columns made from names are float for no incidents, as they always were
        out = out.astype(dict.fromkeys(_FROM_NAMES, "float64"))
    return out


_FROM_NAMES = (
    "first_name",
    "first_canon",
    "name_variants",
    "surname",
    "co_first_canon",
    "co_surname",
)


def _or_none(series: pd.Series) -> list:
    """A column's values, missing as ``None``."""
    return series.astype(object).where(series.notna(), None).tolist()
