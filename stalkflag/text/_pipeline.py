"""The text pipeline: ``spacy.blank("en")`` with stalkflag's behaviour reader.

- Every word's *normal form* (``token.norm_``) is set once per word in the vocabulary (a
  lexical attribute, so a word seen before costs nothing): police abbreviations expanded
  (``SUSP`` -> suspect, ``IP`` -> victim, ``W/`` -> with, ``C/O`` -> complains of), lower
  case, and single-typo corrections towards the behaviour catalogue's words (``folowed`` ->
  ``followed``) for words that are not English (neither in spaCy's lemma table nor in
  ``common_words.txt``), so "present" stays "present".
- The ``stalkflag_behaviours`` component is the :class:`~._reader.BehaviourReader`: the
  catalogue's behaviours (:mod:`._behaviours`), each qualified (negated, hypothetical, who
  acted) and counted, in ``doc._.behaviours``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

import spacy
from spacy.language import Language
from spacy.symbols import NORM, ORTH
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

from stalkflag.text._behaviours import behaviour_records
from stalkflag.text._lexicon import WORD_CLASSES, written_words
from stalkflag.text._reader import (
    BehaviourMatch,
    BehaviourReader,
)
from stalkflag.text._wordlists import word_list

__all__ = [
    "TEXT_PIPELINE",
    "BehaviourMatch",
    "iter_notes",
    "make_text_pipeline",
    "name_roles",
    "normalised_text",
    "read_notes",
]

TEXT_PIPELINE = "stalkflag.text.v7"
"""How notes are read (normalisation, typo correction, masking, behaviours); a saved model
records it, and one trained with another version is refused. v7: who acted is read from the
incident's own names ("Ms Blackby called him" is the victim's act when she is the victim),
"the injured party" is the victim and not violence, a subject pronoun or "officers" before an
intransitive verb is no headline passive ("officers parked on the road" is police), "called her
a ..." is no phone call, and leaflets given to the victim are not publishing. v6: two context patterns that
could never match are fixed (mutual conflict: an argument or fight; issue disputes: a tribunal,
a court case, planning). v5: the behaviour catalogue and
reader (lemmas, counts, who acted), typo correction only of words that are not English. v4: a
name from elsewhere in the export that is also an ordinary word ("page", "will") is masked
only where it is written as a name, and the incident's own names everywhere. v3: a name after a
title is masked in upper case too ("MR PATEL"). v2: the typo corrector leaves common English
words as written; v1 (implicit, before it was recorded) rewrote them."""

ABBREVIATIONS: dict[str, str] = {
    "ip": "victim",
    "susp": "suspect",
    "addr": "address",
    "veh": "vehicle",
    "msgs": "messages",
    "msg": "message",
    "txts": "texts",
    "txt": "text",
    "txted": "texted",
    "tel": "telephone",
    "bf": "boyfriend",
    "gf": "girlfriend",
    "rptd": "reported",
    "arr": "arrested",
    "prev": "previous",
    "woa": "words of advice",
    "approx": "approximately",
    "btwn": "between",
    "re": "regarding",
    "rp": "reporting person",
    "att": "attended",
    "atts": "attends",
    "&": "and",
    "n": "and",
    "u": "you",
    "cos": "because",
    "b4": "before",
    "ofc": "officer",
    "stmt": "statement",
    "wk": "week",
    "yday": "yesterday",
    "pls": "please",
    "ex-p": "ex-partner",
}
_SPECIAL_CASES = {
    "W/": "with",
    "w/": "with",
    "W/O": "without",
    "w/o": "without",
    "C/O": "complains of",
    "c/o": "complains of",
    "TEL'D": "telephoned",
    "tel'd": "telephoned",
}


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@cache
def keywords() -> frozenset[str]:
    """The catalogue's words of five letters or more, in the forms written (typos are
    corrected towards these): every pattern word and word-class member."""
    words = {
        word
        for record in behaviour_records().values()
        for pattern in record.patterns
        for word in written_words(pattern)
    }
    for members in WORD_CLASSES.values():
        words.update(members)
    return frozenset(w for w in words if len(w) >= 5 and w.isalpha())


@cache
def _typo_table() -> dict[str, str]:
    """Single-edit neighbours (deletion, adjacent swap) of keywords -> the keyword."""
    table: dict[str, str] = {}
    words = keywords()
    for word in sorted(words):
        for variant in _deletes(word):
            table.setdefault(variant, word)  # a letter dropped
        for i in range(len(word) - 1):
            table.setdefault(word[:i] + word[i + 1] + word[i] + word[i + 2 :], word)  # swapped
    for word in words:
        table.pop(word, None)
    return table


@cache
def _english() -> frozenset[str]:
    """Words the corrector never changes: spaCy's lemma table's forms, common English words
    and the catalogue's own words."""
    from stalkflag.text._lexicon import _lookup

    return frozenset(_lookup()) | word_list("common_words.txt") | keywords()


def _correct(lower: str) -> str:
    if len(lower) < 5 or not lower.isalpha() or lower in _english():
        return lower
    table = _typo_table()
    if lower in table:
        return table[lower]
    for variant in _deletes(lower):  # a letter doubled or inserted
        if variant in keywords():
            return variant
    return lower


def normal_form(text: str) -> str:
    """A word's normal form: abbreviation expanded, lower case, a single typo corrected."""
    lower = text.lower()
    if lower in ABBREVIATIONS:
        return ABBREVIATIONS[lower]
    return _correct(lower)  # "x5" is not a word: kept, and the reader counts it


if not Doc.has_extension("behaviours"):
    Doc.set_extension("behaviours", default=[])


@Language.factory("stalkflag_behaviours")
def _make_behaviours(nlp: Language, name: str) -> BehaviourReader:
    return BehaviourReader()


def _normalising_pipeline() -> Language:
    """``spacy.blank("en")`` whose words' normal forms are stalkflag's (see the module)."""
    nlp = spacy.blank("en")
    nlp.vocab.lex_attr_getters[NORM] = normal_form  # type: ignore[attr-defined]
    for lexeme in nlp.vocab:  # words the vocabulary made before the getter was set
        lexeme.norm_ = normal_form(lexeme.orth_)
    for text, norm in _SPECIAL_CASES.items():
        nlp.tokenizer.add_special_case(text, [{ORTH: text, NORM: norm}])  # type: ignore[union-attr]
    return nlp


def name_roles(victim_name: str | None, suspect_name: str | None) -> dict[str, str]:
    """The people an incident's name fields name, as the reader matches them: each name word's
    normal form -> ``victim`` or ``suspect``. A word both names share (a family name) and a
    word that is also ordinary English ("Will", "Rose") say nothing and are left out."""
    from stalkflag.text._placeholders import name_lexicon

    common = _english()
    roles: dict[str, set[str]] = {}
    for role, name in (("victim", victim_name), ("suspect", suspect_name)):
        for token in name_lexicon([name] if isinstance(name, str) else []):
            if len(token) >= 3 and token not in common:
                roles.setdefault(normal_form(token), set()).add(role)
    return {token: next(iter(r)) for token, r in roles.items() if len(r) == 1}


def read_notes(nlp: Language, notes, people=None, *, batch_size: int = 256) -> list[Doc]:
    """Notes tokenised and read by ``nlp`` (:func:`make_text_pipeline`); ``people``: for each
    note, :func:`name_roles` of its incident, so that the reader knows who a name is."""
    return list(iter_notes(nlp, notes, people, batch_size=batch_size))


def iter_notes(nlp: Language, notes, people=None, *, batch_size: int = 256) -> Iterator[Doc]:
    """:func:`read_notes` one note at a time, so that a caller that keeps only what it needs of
    each note never holds every tokenised note at once."""
    if people is None:
        yield from nlp.pipe(notes, batch_size=batch_size)
        return
    tokenizer = nlp.tokenizer
    assert isinstance(tokenizer, Tokenizer)
    for doc, roles in zip(tokenizer.pipe(notes, batch_size=batch_size), people, strict=True):
        doc._.people = roles
        for _, component in nlp.pipeline:
            doc = component(doc)
        yield doc


def make_text_pipeline() -> Language:
    """``spacy.blank("en")`` with stalkflag's normal forms and the behaviour reader."""
    nlp = _normalising_pipeline()
    nlp.add_pipe("stalkflag_behaviours")
    return nlp


_PLACEHOLDER = re.compile(r"<(NAME|PHONE|EMAIL|ADDRESS|POSTCODE|VRM)>")
_PROTECTED = re.compile(r"\bqqph(name|phone|email|address|postcode|vrm)\b")


_normaliser = cache(_normalising_pipeline)
"""One shared tokenizer-and-normaliser (no behaviour rules) for :func:`normalised_text`."""


def normalised_text(texts) -> list[str]:
    """Masked notes as the behaviour rules read them: each word replaced by its normal form
    (abbreviations expanded, lower case, single typos of the rules' keywords corrected), with
    the spacing, punctuation and placeholders kept, so that a text model reads ``and`` for
    ``n`` and ``victim`` for ``IP`` whatever the force's shorthand."""
    protected = (_PLACEHOLDER.sub(lambda m: f"qqph{m.group(1).lower()}", str(t)) for t in texts)
    out = []
    for doc in _normaliser().pipe(protected, batch_size=1024):
        text = "".join(token.norm_ + token.whitespace_ for token in doc)
        out.append(_PROTECTED.sub(lambda m: f"<{m.group(1).upper()}>", text))
    return out
