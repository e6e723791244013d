"""Recover suspects that the fields leave blank but the note names or describes.

A spaCy pipeline on ``spacy.blank("en")`` with one rule component, ``suspect_mentions``, marks
two kinds of span, with versioned patterns:

- ``stalkflag.suspect_reference.v1``: a reference back to an earlier suspect ("the same male as
  last time", "the male from the previous reports").
- ``stalkflag.suspect_named.v1``: a relation or naming phrase followed by a token ("her ex
  Darren", "a man called Lee"); the token counts as a name only if the export itself uses it
  as a first name.

:func:`recover_suspects` then links each such incident to a suspect of the same victim, and
says how: ``notes_name`` (a known suspect of this victim is named), ``notes_reference`` (the
victim's most recent earlier suspect), ``notes_new_name`` (a person known only from notes),
``victim_sole_suspect`` (nothing in the note, but the victim has exactly one suspect in all
their incidents), ``victim_recent_suspect`` (the suspect of the victim's nearest incident
within :data:`RECENT_DAYS` days, when the victim has several), or ``victim_only`` (nothing to go on: the incident is paired with an unknown
suspect of this victim). Nothing is linked silently.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd
import spacy
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

from stalkflag.linkage._mentions import _canonical, nickname_variants, normalise_token

__all__ = ["NOTE_METHOD_CONFIDENCE", "make_notes_pipeline", "recover_suspects"]

NOTE_METHOD_CONFIDENCE = {
    "notes_name": 0.85,
    "notes_reference": 0.7,
    "notes_new_name": 0.6,
    "victim_sole_suspect": 0.5,
    "victim_recent_suspect": 0.4,
    "victim_only": 0.3,
}
"""Confidence given to a suspect link made from a note, by method (a prior, not a fit)."""

RECENT_DAYS = 60

_RELATION = [
    "ex",
    "partner",
    "boyfriend",
    "girlfriend",
    "husband",
    "wife",
    "former",
    "brother",
    "sister",
    "son",
    "daughter",
    "father",
    "mother",
    "colleague",
    "neighbour",
    "friend",
    "bf",
    "gf",
    "p",
]
_PERSON = ["male", "man", "female", "woman", "person", "guy", "bloke", "suspect", "lad"]

_REFERENCE_PATTERNS: list[list[dict[str, Any]]] = [
    [{"LOWER": "same"}, {"LOWER": {"IN": _PERSON}}],
    [
        {"LOWER": {"IN": ["previous", "earlier"]}},
        {"LOWER": {"IN": ["reports", "report", "logs", "incidents", "calls"]}},
    ],
    [
        {"LOWER": {"IN": _PERSON}},
        {"LOWER": "from"},
        {"LOWER": "the"},
        {"LOWER": {"IN": ["previous", "last", "earlier"]}},
    ],
    [{"LOWER": "as"}, {"LOWER": "last"}, {"LOWER": "time"}],
]
_NAMED_PATTERNS: list[list[dict[str, Any]]] = [
    [{"LOWER": {"IN": _RELATION}}, {"IS_ALPHA": True}],
    [{"LOWER": {"IN": _RELATION}}, {"ORTH": ","}, {"IS_ALPHA": True}],
    [{"LOWER": "called"}, {"IS_ALPHA": True}],
    [{"LOWER": "as"}, {"IS_ALPHA": True}],
]


if not Doc.has_extension("suspect_references"):
    Doc.set_extension("suspect_references", default=[])
if not Doc.has_extension("suspect_names"):
    Doc.set_extension("suspect_names", default=[])


@Language.factory("suspect_mentions")
def _make_suspect_mentions(nlp: Language, name: str) -> SuspectMentions:
    return SuspectMentions(nlp)


class SuspectMentions:
    """Marks references to earlier suspects and candidate names after relation phrases."""

    def __init__(self, nlp: Language) -> None:
        self.matcher = Matcher(nlp.vocab)
        self.matcher.add("stalkflag.suspect_reference.v1", _REFERENCE_PATTERNS)
        self.matcher.add("stalkflag.suspect_named.v1", _NAMED_PATTERNS)
        self.reference_id = nlp.vocab.strings["stalkflag.suspect_reference.v1"]

    def __call__(self, doc: Doc) -> Doc:
        references, names = [], []
        for match_id, start, end in self.matcher(doc):
            if match_id == self.reference_id:
                references.append(doc[start:end])
            else:
                names.append(doc[end - 1 : end])
        doc._.suspect_references = references
        doc._.suspect_names = names
        return doc


def make_notes_pipeline() -> Language:
    """``spacy.blank("en")`` with the ``suspect_mentions`` component."""
    nlp = spacy.blank("en")
    nlp.add_pipe("suspect_mentions")
    return nlp


def recover_suspects(
    incidents: pd.DataFrame,
    victim_person: pd.Series,
    suspect_person: pd.Series,
    suspect_names: dict[str, set[str]],
    first_name_lexicon: set[str],
    nlp: Language | None = None,
) -> pd.DataFrame:
    """Link incidents whose suspect fields are blank to a suspect of the same victim.

    Args:
        incidents: Validated incidents (needs ``incident_id``, ``reported_at``, ``notes``).
        victim_person: Victim person id per incident (aligned with ``incidents``).
        suspect_person: Suspect person id per incident from the fields, or missing.
        suspect_names: Normalised name tokens (first names with variants, surnames) per suspect
            person id.
        first_name_lexicon: Normalised tokens that the export uses as first names.
        nlp: The notes pipeline (made if not given).

    Returns:
        For each incident that lacked a suspect person: ``row`` (position in ``incidents``),
        ``suspect_person_id``, ``link_method`` and ``link_confidence``.
    """
    nlp = nlp or make_notes_pipeline()
    order = incidents["reported_at"].to_numpy().argsort(kind="stable")
    victims = victim_person.to_numpy(dtype=object)
    suspects = suspect_person.to_numpy(dtype=object)
    notes = incidents["notes"].to_numpy(dtype=object)
    has_victim = pd.notna(victims)
    has_suspect = pd.notna(suspects)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    days = incidents["reported_at"].to_numpy().astype("datetime64[D]").astype(np.int64)
    known: dict[str, list[tuple[int, str]]] = defaultdict(list)  # victim -> [(rank, suspect)]
    known_days: dict[str, list[tuple[int, str]]] = defaultdict(list)  # victim -> [(day, suspect)]
    for pos in order[has_victim[order] & has_suspect[order]]:
        known[victims[pos]].append((int(rank[pos]), suspects[pos]))
        known_days[victims[pos]].append((int(days[pos]), suspects[pos]))
    blanks = order[has_victim[order] & ~has_suspect[order]]
    read = {}
    texts = (str(notes[p]) for p in blanks)
    for pos, doc in zip(blanks.tolist(), nlp.pipe(texts, batch_size=1024), strict=True):
        named = [normalise_token(s.text) for s in doc._.suspect_names]
        read[pos] = (
            {normalise_token(t.text) for t in doc if t.is_alpha},
            bool(doc._.suspect_references),
            [n for n in named if n in first_name_lexicon],
        )
    latest: dict[str, str] = {}
    out = []
    for pos in order[has_victim[order]].tolist():
        victim = victims[pos]
        if pos not in read:
            latest[victim] = suspects[pos]
            continue
        tokens, has_reference, named = read[pos]
        method, suspect = _match_known(tokens, known[victim], suspect_names, int(rank[pos]))
        if suspect is None and has_reference and victim in latest:
            method, suspect = "notes_reference", latest[victim]
        if suspect is None and named:
            method, suspect = "notes_new_name", f"{victim}~{_canonical(named[0])}"
        if suspect is None and len({k for _, k in known[victim]}) == 1:
            method, suspect = "victim_sole_suspect", known[victim][0][1]
        if suspect is None and known_days[victim]:
            gap, nearest = min((abs(d - days[pos]), k) for d, k in known_days[victim])
            if gap <= RECENT_DAYS:
                method, suspect = "victim_recent_suspect", nearest
        if suspect is None or method is None:
            method, suspect = "victim_only", f"{victim}~unknown"
        latest[victim] = suspect
        out.append((pos, suspect, method, NOTE_METHOD_CONFIDENCE[method]))
    return pd.DataFrame(out, columns=["row", "suspect_person_id", "link_method", "link_confidence"])


def _match_known(tokens, candidates, suspect_names, rank) -> tuple[str | None, str | None]:
    """The known suspect of this victim named in the note, nearest in time; else nothing."""
    best: tuple[int, str] | None = None
    for other_rank, suspect in candidates:
        if suspect_names.get(suspect, _EMPTY) & tokens:
            distance = abs(other_rank - rank)
            if best is None or distance < best[0]:
                best = (distance, suspect)
    return (None, None) if best is None else ("notes_name", best[1])


_EMPTY: frozenset[str] = frozenset()


def name_tokens(
    persons: pd.Series, first_names: pd.Series, surnames: pd.Series
) -> dict[str, set[str]]:
    """Normalised tokens by which each person may be named in a note (first names with their
    nickname variants, and surnames)."""
    out: dict[str, set[str]] = defaultdict(set)
    for person, first, last in zip(
        persons.to_numpy(), first_names.to_numpy(), surnames.to_numpy(), strict=True
    ):
        bucket = out[person]
        if first is not None and first == first:
            bucket.update(nickname_variants(first))
        if last is not None and last == last:
            bucket.add(last)
    return dict(out)
