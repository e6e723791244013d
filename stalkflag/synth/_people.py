"""Synthetic people and the identity noise of police records.

A :class:`People` table holds each person's true identity (the key linkage is measured
against). :func:`render_identity` writes one incident's view of a person the way real exports
do: misspellings, nicknames, swapped name order, initials, married-name changes, wrong or
missing dates of birth, IDs present on some rows only and sometimes two IDs for one person.
The rates are in :data:`NOISE` and documented in ``data/README.md``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from dataclasses import dataclass

import numpy as np

from stalkflag.synth._names import FEMALE_FIRST, MALE_FIRST, NICKNAMES, RARE_SURNAMES, SURNAMES

__all__ = ["NOISE", "People", "make_people", "render_identity"]

NOISE: dict[str, float] = {
    "victim_id_present": 0.70,
    "suspect_id_present": 0.50,
    "second_id": 0.04,
    "victim_name_missing": 0.03,
    "suspect_name_missing": 0.12,
    "victim_dob_present": 0.75,
    "suspect_dob_present": 0.55,
    "typo": 0.07,
    "nickname": 0.08,
    "swapped_order": 0.06,
    "initial_only": 0.03,
    "dob_transposed": 0.03,
    "dob_day_month_swapped": 0.03,
    "dob_wrong_year": 0.02,
    "married_name_change": 0.06,
}
"""Per-row rates of each kind of identity noise (a row may have several)."""

_EPOCH = dt.date(1940, 1, 1)
_ALL_SURNAMES = SURNAMES + RARE_SURNAMES


@dataclass
class People:
    """Columnar table of true identities; index ``i`` is person ``P{i:07d}``."""

    female: np.ndarray
    first: list[str]
    last: list[str]
    dob: np.ndarray  # days since 1940-01-01
    ids: list[tuple[str, ...]]
    married_last: list[str | None]
    married_on: np.ndarray  # days since 1940-01-01, or -1

    def key(self, i: int) -> str:
        return f"P{i:07d}"

    def __len__(self) -> int:
        return len(self.first)


def _zipf(n: int, s: float = 1.0, offset: float = 12.0) -> np.ndarray:
    """Zipf-like weights; the offsets below give the commonest first name about 4% of its sex
    and the commonest surname (Smith) about 1.2% of people, close to UK figures."""
    w = 1.0 / (np.arange(n) + offset) ** s
    return w / w.sum()


def make_people(female: np.ndarray, age_years: np.ndarray, rng: np.random.Generator) -> People:
    """Draw identities for people whose sex and age (at 2022) are already decided.

    Args:
        female: Boolean per person.
        age_years: Age per person in 2022.
        rng: The random generator (the caller owns the seed).

    Returns:
        The people table.
    """
    n = len(female)
    f_idx = rng.choice(len(FEMALE_FIRST), size=n, p=_zipf(len(FEMALE_FIRST)))
    m_idx = rng.choice(len(MALE_FIRST), size=n, p=_zipf(len(MALE_FIRST)))
    first = [
        FEMALE_FIRST[f] if is_f else MALE_FIRST[m]
        for is_f, f, m in zip(female, f_idx, m_idx, strict=False)
    ]
    surname_p = _zipf(len(_ALL_SURNAMES), offset=20.0)
    s_idx = rng.choice(len(_ALL_SURNAMES), size=n, p=surname_p)
    last = [_ALL_SURNAMES[i] for i in s_idx]
    born = (dt.date(2022, 6, 30) - _EPOCH).days - (age_years * 365.25).astype(np.int64)
    dob = born - rng.integers(0, 365, size=n)
    id_numbers = rng.choice(9_000_000, size=2 * n, replace=False) + 1_000_000
    two = rng.random(n) < NOISE["second_id"]
    ids: list[tuple[str, ...]] = [
        (f"PN{id_numbers[i]}", f"PN{id_numbers[n + i]}") if two[i] else (f"PN{id_numbers[i]}",)
        for i in range(n)
    ]
    marries = female & (rng.random(n) < NOISE["married_name_change"])
    new_last = rng.choice(len(_ALL_SURNAMES), size=n, p=surname_p)
    married_last = [_ALL_SURNAMES[new_last[i]] if marries[i] else None for i in range(n)]
    married_on = np.where(
        marries, (dt.date(2019, 1, 1) - _EPOCH).days + rng.integers(0, 6 * 365, size=n), -1
    )
    return People(female, first, last, dob, ids, married_last, married_on)


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.randrange(4)
    if op == 0:  # swap neighbours
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == 1:  # drop a letter
        return word[:i] + word[i + 1 :]
    if op == 2:  # double a letter
        return word[:i] + word[i] + word[i:]
    vowels = "aeiou"
    c = word[i]
    return word[:i] + (rng.choice(vowels) if c in vowels else c) + word[i + 1 :]


def _surname_on(people: People, i: int, day: int) -> str:
    married = people.married_last[i]
    if married is not None and day >= people.married_on[i]:
        return married
    return people.last[i]


def render_name(people: People, i: int, day: int, rng: random.Random) -> str:
    """One row's rendering of person ``i``'s name on ``day`` (days since 1940-01-01)."""
    first, last = people.first[i], _surname_on(people, i, day)
    r = rng.random()
    if r < NOISE["nickname"] and first in NICKNAMES:
        first = rng.choice(NICKNAMES[first])
    elif r < NOISE["nickname"] + NOISE["typo"]:
        if rng.random() < 0.5:
            first = _typo(first, rng)
        else:
            last = _typo(last, rng)
    r = rng.random()
    if r < NOISE["swapped_order"]:
        return rng.choice((f"{last.upper()} {first}", f"{last}, {first}", f"{last} {first}"))
    if r < NOISE["swapped_order"] + NOISE["initial_only"]:
        return f"{first[0]} {last}"
    if r < 0.25:
        return f"{first} {last.upper()}"
    if r < 0.30:
        return f"{first} {last}".upper()
    return f"{first} {last}"


def render_dob(people: People, i: int, rng: random.Random) -> str:
    """One row's rendering of person ``i``'s date of birth, with the documented errors."""
    d = _EPOCH + dt.timedelta(days=int(people.dob[i]))
    r = rng.random()
    if r < NOISE["dob_day_month_swapped"] and d.day <= 12 and d.day != d.month:
        d = d.replace(day=d.month, month=d.day)
    elif r < NOISE["dob_day_month_swapped"] + NOISE["dob_transposed"]:
        text = f"{d:%Y%m%d}"
        j = rng.choice((2, 6))  # swap digits within the year's decade or the day
        swapped = text[:j] + text[j + 1] + text[j] + text[j + 2 :]
        with contextlib.suppress(ValueError):
            d = dt.datetime.strptime(swapped, "%Y%m%d").date()
    elif r < NOISE["dob_day_month_swapped"] + NOISE["dob_transposed"] + NOISE["dob_wrong_year"]:
        d = d.replace(year=d.year + rng.choice((-1, 1)), day=min(d.day, 28))
    return f"{d:%Y-%m-%d}"


def render_identity(
    people: People, i: int, day: int, role: str, rng: random.Random
) -> tuple[str, str, str]:
    """The (id, name, dob) text one incident row carries for person ``i`` in ``role``.

    Args:
        people: The people table.
        i: The person.
        day: The incident's day (days since 1940-01-01), for married-name changes.
        role: ``"victim"`` or ``"suspect"``.
        rng: The pattern's random generator.

    Returns:
        Three strings, each possibly empty.
    """
    pid = rng.choice(people.ids[i]) if rng.random() < NOISE[f"{role}_id_present"] else ""
    missing = NOISE[f"{role}_name_missing"]
    name = "" if rng.random() < missing else render_name(people, i, day, rng)
    dob = render_dob(people, i, rng) if rng.random() < NOISE[f"{role}_dob_present"] else ""
    return pid, name, dob
