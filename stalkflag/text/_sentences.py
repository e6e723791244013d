"""Which sentences of a note are about the people involved.

A course of conduct is something a person does to another, so the evidence in a note sits in
sentences that refer to the suspect, the victim or people around them, or that describe a
behaviour. A sentence that does neither ("Officers attended at 1400 hours.", "Log closed.",
"The weather was dry.") says nothing about the pair, however its words happen to be weighted
by a text model trained on other notes. :func:`about_people` keeps the first kind for the per-note
text model (decision 0010); the behaviour rules always read the whole
note.

Written from DOMAIN.md's framing (who did what to whom; Repeated; the S-DASH questions) and
the person references the behaviour rules already use; there is no list of procedural words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from stalkflag.text._pipeline import ABBREVIATIONS, _deletes
from stalkflag.text._reader import SUSPECT_REFS, THIRD_REFS, VICTIM_REFS, BehaviourMatch

__all__ = ["COURSE_WORDS", "PERSON_REFS", "SENTENCE_END", "about_people", "sentence_spans"]

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
"""Where one sentence ends and the next begins: after ``.``, ``!`` or ``?`` and white space."""

PERSON_REFS = (
    VICTIM_REFS | SUSPECT_REFS | THIRD_REFS | {"couple", "party", "subject", "female", "woman"}
)
"""Words that refer to the victim, the suspect, the two of them or people around the victim
(and their plurals: "suspects", "parties")."""

COURSE_WORDS = frozenset(
    [
        *("previous", "prior", "history", "again", "another", "repeat", "repeated", "together"),
        *("dash", "s-dash", "risk"),
        *("second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"),
    ]
)
"""Words about the pair's history and risk (DOMAIN.md: Repeated; S-DASH asks about previous
harassment): "12 previous calls re same", "This is the third report", "DASH completed"."""
_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th)$")

_PERSON_PLACEHOLDERS = frozenset({"<name>", "<phone>", "<email>"})
"""Placeholders that stand for a person or a way of reaching one (not addresses: officers
attend those)."""

_WORD = re.compile(r"<\w+>|[\w'-]+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each non-blank sentence of ``text``."""
    spans, start = [], 0
    for gap in SENTENCE_END.finditer(text):
        spans.append((start, gap.start()))
        start = gap.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _slips(word: str) -> set[str]:
    """``word`` with two neighbouring letters swapped ("vicitm") or, for words of seven letters
    or more, one dropped ("suspet"): not shorter ones, where a dropped letter often makes
    another word ("mother" -> "other")."""
    out = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
    if len(word) >= 7:
        out |= _deletes(word)
    return out - {word}


_SLIPS = frozenset(slip for ref in PERSON_REFS if len(ref) >= 5 for slip in _slips(ref))


def _forms(word: str) -> set[str]:
    """The word and, for a plural, its singular ("suspects", "parties")."""
    forms = {word, word.removesuffix("s")}
    if word.endswith("ies"):
        forms.add(word[:-3] + "y")
    return forms


def _about_the_pair(sentence: str) -> bool:
    for word in _WORD.findall(sentence.lower()):
        word = word.removesuffix("'s").strip("'-")
        word = ABBREVIATIONS.get(word, word)
        if (
            word in _PERSON_PLACEHOLDERS
            or _forms(word) & PERSON_REFS
            or word in COURSE_WORDS
            or _ORDINAL.match(word)
            or word in _SLIPS
        ):
            return True
    return False


def about_people(note: str, masked: str, matches: Iterable[BehaviourMatch] = ()) -> str:
    """The masked note's sentences that refer to a person involved or to the pair's history,
    or hold a behaviour match.

    Args:
        note: The note as written (where ``matches`` point).
        masked: The same note with personal data replaced by placeholders.
        matches: The behaviour rules' matches in ``note`` (counted or not: "denies following
            her" is still about the pair).

    Returns:
        Those sentences of ``masked``, joined by a space; all of ``masked`` when none qualifies
        (a terse note may name no one) or when the two texts do not split into the same number
        of sentences (masking never adds or removes a sentence break, but a safe default beats
        a misaligned one).
    """
    kept_spans = sentence_spans(masked)
    note_spans = sentence_spans(note)
    if len(kept_spans) != len(note_spans):
        return masked
    starts = [m.start_char for m in matches]
    kept = [
        masked[a:b]
        for (a, b), (c, d) in zip(kept_spans, note_spans, strict=True)
        if _about_the_pair(masked[a:b]) or any(c <= s < d for s in starts)
    ]
    return " ".join(kept) if kept else masked
