"""The behaviour reader: finds the catalogue's behaviours in a note and qualifies each one.

It reads a tokenised note's normal forms (:mod:`._pipeline`) and their lemmas
(:func:`~._lexicon.lemmatise`, cached per word), so it runs at the speed of a dictionary
lookup per word: patterns are indexed by their first word, and only patterns whose first word
occurs are tried. Each match is then

- checked against its behaviour's vetoes and the behaviours that take precedence over it;
- **qualified**: ``negated`` ("denies following her", "no further contact"), ``hypothetical``
  ("advised to call if he returns", "threatened to smash her car": a threat, not damage) and
  ``actor`` (suspect, victim, police, third party or unknown: who did it, from the nearest
  person before it in its clause, or "by ..." after a passive), so that a victim's own actions,
  police work and things that did not happen are not counted as the suspect's;
- **counted**: how many times the note says it happened ("24 messages", "called 15 times",
  "x3", "every day", "dozens of calls").

spaCy's ``Matcher`` was the first choice: with gaps between a pattern's words it read about 260
notes a second on this catalogue (issue 22), so the reader matches its own compiled patterns;
the tokeniser, vocabulary and ``Doc`` are spaCy's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from spacy.attrs import IDX, LENGTH, NORM
from spacy.strings import StringStore
from spacy.tokens import Doc

from stalkflag.text._behaviours import ACTS, Behaviour, Veto, behaviour_records
from stalkflag.text._lexicon import Slot, compile_pattern, irregular_verb_forms, lemmatise

__all__ = ["BehaviourMatch", "BehaviourReader"]

_ACTS = frozenset(ACTS)
_IRREGULAR = irregular_verb_forms()

NEGATION_CUES = frozenset(
    [
        "deny",
        "denies",
        "denied",
        "denying",
        "not",
        "never",
        "no",
        "n't",
        "without",
        "nothing",
        "none",
        "neither",
        "nor",
        "nobody",
        "refuse",
        "refused",
        "refuses",
        "unable",
    ]
)
HYPOTHETICAL_CUES = frozenset(
    [
        "if",
        "should",
        "worried",
        "worry",
        "worries",
        "concerned",
        "fears",
        "fear",
        "afraid",
        "scared",
        "may",
        "might",
        "could",
        "would",
        "will",
        "unless",
        "whether",
        "advised",
        "advice",
        "threatened",
        "threatening",
        "threatens",
        "threaten",
        "threat",
        "suggested",
        "warned",
        "plans",
        "planning",
        "intends",
        "intending",
        "wants",
        "wanted",
        "wish",
    ]
)
CONDITIONAL_CUES = frozenset(["if", "unless", "whether", "should"])
"""The only cues that make a breach hypothetical: a breach is told in words of warning."""
THREAT_CUES = frozenset(["threatened", "threatening", "threatens", "threaten", "threat", "warned"])
MODAL_CUES = frozenset(
    ["would", "will", "could", "may", "might", "wants", "wanted", "plans", "planning", "intends"]
)
"""Cues that do not make a reported threat hypothetical ("said he would kill her")."""
VICTIM_REFS = frozenset(
    [
        "victim",
        "i",
        "me",
        "my",
        "caller",
        "complainant",
        "informant",
        "she",
        "her",
        "reporting",
        "rp",
        "we",
        "us",
        "our",
        "client",
    ]
)
SUSPECT_REFS = frozenset(
    [
        "suspect",
        "he",
        "him",
        "his",
        "ex",
        "ex-partner",
        "ex-boyfriend",
        "ex-girlfriend",
        "ex-husband",
        "ex-wife",
        "boyfriend",
        "girlfriend",
        "husband",
        "wife",
        "partner",
        "male",
        "man",
        "offender",
        "neighbour",
        "neighbor",
        "perpetrator",
        "subject",
        "accused",
        "they",
        "them",
        "person",
        "stalker",
        "individual",
        "driver",
    ]
)
POLICE_REFS = frozenset(
    [
        "police",
        "officer",
        "officers",
        "pc",
        "ps",
        "constable",
        "deputy",
        "deputies",
        "units",
        "unit",
        "patrol",
        "detective",
        "dispatch",
        "cad",
        "sgt",
        "sergeant",
    ]
)
"""Police as actors ("officers attended the address")."""
THIRD_REFS = frozenset(
    [
        "mother",
        "mum",
        "mom",
        "dad",
        "father",
        "sister",
        "brother",
        "friend",
        "friends",
        "aunt",
        "uncle",
        "colleague",
        "colleagues",
        "cousin",
        "daughter",
        "son",
        "manager",
        "neighbour",
        "witness",
        "witnesses",
        "family",
        "relative",
        "carer",
        "carers",
        "staff",
        "paramedics",
        "nurse",
        "landlord",
    ]
)
_BREAKS = frozenset(
    [".", ";", ":", "!", "?", "but", "however", "although", "though", "whereas", "--", "(", ")"]
) | {"\n"}
_PASSIVE = frozenset(
    ["was", "were", "been", "being", "be", "is", "are", "get", "got", "gets", "getting"]
)
_DETERMINERS = frozenset(
    ["a", "an", "the", "of", "this", "that", "any", "no", "another", "every", "his", "their", "its"]
)
_NO_OBJECT = frozenset(
    [
        "in",
        "at",
        "on",
        "by",
        "with",
        "while",
        "during",
        "outside",
        "near",
        ".",
        ",",
        ";",
        "and",
        "twice",
        "repeatedly",
        "again",
        "from",
        "after",
        "before",
        "inside",
    ]
)
_OBJECT_FORMS = frozenset(["her", "him", "his", "my", "me", "them", "their", "us", "our", "its"])
"""Person words that are never the subject of an act ("her car was damaged")."""
_RECEIVING = frozenset(["receive", "get", "find", "discover", "notice", "see"])
"""Verbs whose subject is the one acted upon ("she received a letter")."""
_VICTIM_REACH = 3
"""The victim is the actor only when named this close before the act ("she followed him");
further back she is more often the subject of another clause ("the man she was seeing ...")."""
_ADVERBS = frozenset(
    ["not", "also", "then", "again", "just", "repeatedly", "allegedly", "reportedly", "being"]
)
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "hundred": 100,
    "dozen": 12, "dozens": 24, "hundreds": 100, "thousands": 1000, "several": 3, "numerous": 5,
    "multiple": 3, "many": 5, "countless": 50, "few": 2, "various": 3,
}  # fmt: skip
_FREQUENCY = {
    "repeatedly": 3, "constantly": 5, "continually": 5, "continuously": 5, "persistently": 3,
    "relentlessly": 5, "incessantly": 5, "daily": 5, "nightly": 5, "non-stop": 5, "nonstop": 5,
    "regularly": 3, "frequently": 3, "again": 2,
}  # fmt: skip
_NOT_COUNT_UNITS = frozenset(
    [
        "pm",
        "am",
        "hrs",
        "hours",
        "hour",
        "minutes",
        "mins",
        "min",
        "seconds",
        "secs",
        "days",
        "day",
        "weeks",
        "week",
        "months",
        "month",
        "years",
        "year",
        "yrs",
        "mph",
        "miles",
        "mile",
        "yards",
        "metres",
        "meters",
        "feet",
        "ft",
        "%",
        ":",
        "/",
        "-",
        "st",
        "nd",
        "rd",
        "th",
        "o'clock",
        "am.",
        "pm.",
        "oclock",
        "times",
        "occasions",
    ]
)
_TIMES = re.compile(r"^x(\d{1,3})$")
_DIGITS = re.compile(r"^\d{1,4}$")
_WINDOW = 10
"""Words looked back for cues and the actor."""
MAX_COUNT = 500


@dataclass(frozen=True, slots=True)
class BehaviourMatch:
    """One behaviour found in a note.

    Attributes:
        behaviour: The behaviour's id in the catalogue (e.g. ``following``).
        start_char: Where the matched text starts in the note.
        end_char: Where it ends.
        text: The matched text.
        negated: A negation cue comes before it in its clause.
        hypothetical: A hypothetical, worry or threat cue comes before it in its clause.
        actor: ``suspect``, ``victim``, ``police``, ``third_party`` or ``unknown``.
        count: How many times the note says it happened (1 unless it gives a number or a
            frequency).
    """

    behaviour: str
    start_char: int
    end_char: int
    text: str
    negated: bool
    hypothetical: bool
    actor: str
    count: int = 1

    @property
    def counts(self) -> bool:
        """Whether it counts: asserted and real, and for acts, not the victim's, the police's
        or a third party's (context such as fear or separation counts whoever says it)."""
        if self.negated or self.hypothetical:
            return False
        return self.behaviour not in _ACTS or self.actor in {"suspect", "unknown"}


@dataclass(frozen=True)
class _Pattern:
    behaviour: str
    slots: tuple[Slot, ...]


def _sequence_matches(words: list[str], start: int, step: int, sequence: list[str]) -> bool:
    for k, word in enumerate(sequence):
        i = start + step * k
        if i < 0 or i >= len(words) or words[i] != word:
            return False
    return True


def _vetoed(norms: list[str], start: int, end: int, vetoes: tuple[Veto, ...]) -> bool:
    """Whether a veto cancels the match ``norms[start:end]``; a veto word joined by ``_``
    ("of_the") is a sequence of words."""
    for veto in vetoes:
        for k in range(start, end):
            if norms[k] not in veto.words:
                continue
            for before in veto.before:
                if _sequence_matches(norms, k - 1, -1, before.split("_")[::-1]):
                    return True
            for after in veto.after:
                if _sequence_matches(norms, k + 1, 1, after.split("_")):
                    return True
    return False


class _Words(dict):
    """Norm hash -> (normal form, lemma, patterns starting with this word or ``None``), filled
    on first sight of each word."""

    def __init__(self, by_lemma: dict, by_form: dict) -> None:
        super().__init__()
        self.by_lemma, self.by_form = by_lemma, by_form
        self.strings: StringStore | None = None

    def __missing__(self, key: int) -> tuple[str, str, list | None]:
        assert self.strings is not None, "set strings before reading"
        norm = self.strings[key]
        lemma = lemmatise(norm)
        candidates = self.by_lemma.get(lemma, []) + self.by_form.get(norm, [])
        row = self[key] = (norm, lemma, candidates or None)
        return row


class BehaviourReader:
    """Reads the behaviour catalogue in tokenised notes.

    Args:
        records: Behaviour records by id (default: the whole catalogue).
    """

    def __init__(self, records: dict[str, Behaviour] | None = None) -> None:
        self.records = records if records is not None else behaviour_records()
        self._by_lemma: dict[str, list[_Pattern]] = {}
        self._by_form: dict[str, list[_Pattern]] = {}
        for record in self.records.values():
            for text in record.patterns:
                pattern = _Pattern(record.id, compile_pattern(text))
                first = pattern.slots[0]
                for key in first.lemmas:
                    self._by_lemma.setdefault(key, []).append(pattern)
                for key in first.forms:
                    self._by_form.setdefault(key, []).append(pattern)
        self._words = _Words(self._by_lemma, self._by_form)
        self._ranks = {name: i for i, name in enumerate(self.records)}

    def __call__(self, doc: Doc) -> Doc:
        doc._.behaviours = self.read(doc)
        return doc

    def read(self, doc: Doc) -> list[BehaviourMatch]:
        """Every behaviour match in ``doc``, qualified and counted, in text order. Names in
        ``doc._.people`` (normal form -> ``victim`` or ``suspect``, from the incident's name
        fields) say who acted where the note names them."""
        people = doc._.people or _NOBODY
        words = self._words
        words.strings = doc.vocab.strings
        found: list[tuple[int, int, str]] = []
        norms: list[str] = []
        lemmas: list[str] = []
        rows = list(map(words.__getitem__, doc.to_array(NORM).tolist()))
        for i, row in enumerate(rows):
            candidates = row[2]
            if candidates is None:
                continue
            if not norms:
                norms = [r[0] for r in rows]
                lemmas = [r[1] for r in rows]
            for pattern in candidates:
                end = _extend(pattern.slots, norms, lemmas, i)
                if end:
                    found.append((i, end, pattern.behaviour))
        if not found:
            return []
        kept = self._resolve(found, norms)
        positions = doc.to_array([IDX, LENGTH]).tolist()
        out = []
        for start, end, name in kept:
            start_char = positions[start][0]
            end_char = positions[end - 1][0] + positions[end - 1][1]
            act = name in _ACTS
            negated, hypothetical, actor = _qualify(
                norms, lemmas, start, end, act, name == "threats", name == "breach", people
            )
            count = _count(norms, start, end) if act else 1
            out.append(
                BehaviourMatch(
                    name,
                    start_char,
                    end_char,
                    doc[start:end].text,
                    negated,
                    hypothetical,
                    actor,
                    count,
                )
            )
        return out

    def _resolve(self, found: list[tuple[int, int, str]], norms: list[str]):
        """Per behaviour, the longest of overlapping matches, contiguous ones joined; then
        vetoes, then matches overlapped by a behaviour that takes precedence dropped."""
        found.sort(key=lambda m: (self._ranks[m[2]], m[0], m[0] - m[1]))
        kept: list[tuple[int, int, str]] = []
        last_name, last_end = "", -1
        for start, end, name in found:
            if name == last_name and start < last_end:
                continue
            if _vetoed(norms, start, end, self.records[name].vetoes):
                continue
            if name == last_name and start == last_end:  # "WhatsApp" "messages": one match
                start = kept.pop()[0]
            kept.append((start, end, name))
            last_name, last_end = name, end
        spans: dict[str, list[tuple[int, int]]] = {}
        for start, end, name in kept:
            spans.setdefault(name, []).append((start, end))
        out = []
        for start, end, name in kept:
            unless = self.records[name].unless
            if unless and any(
                s < end and start < e for other in unless for s, e in spans.get(other, ())
            ):
                continue
            out.append((start, end, name))
        out.sort(key=lambda m: (m[0], self._ranks[m[2]]))
        return out


def _extend(slots: tuple[Slot, ...], norms: list[str], lemmas: list[str], i: int) -> int:
    """Where a pattern whose first slot matched word ``i`` ends (0: it does not match)."""
    if len(slots) == 1:
        return i + 1
    n = len(lemmas)
    pos = i + 1
    for slot in slots[1:]:
        last = min(pos + slot.gap, n - 1)
        j = pos
        while j <= last:
            if lemmas[j] in slot.lemmas or norms[j] in slot.forms:
                break
            if norms[j] in _BREAKS:
                return 0
            j += 1
        else:
            return 0
        pos = j + 1
    return pos


_AGENTS = frozenset(["he", "she", "they", "i", "we", "suspect", "offender", "perpetrator",
                     "accused", "stalker", "subject"]) | POLICE_REFS  # fmt: skip
"""Person words that head an active clause, never a headline passive ("Officers parked on the
road", "Suspect waited outside", against "Female assaulted in street")."""


_NOBODY: Mapping[str, str] = {}
if not Doc.has_extension("people"):
    Doc.set_extension("people", default=None)


def _person_at(norms: list[str], i: int, people: Mapping[str, str]) -> str:
    """The person ``norms[i]`` refers to: a name from the incident's name fields (``people``:
    normal form -> ``victim`` or ``suspect``), "the injured party" (the victim), or a
    person word."""
    norm = norms[i]
    if norm in people:
        return people[norm]
    if norm in {"party", "person"} and i and norms[i - 1] == "injured":
        return "victim"
    return _person(norm)


def _person(norm: str) -> str:
    if norm in VICTIM_REFS:
        return "victim"
    if norm in SUSPECT_REFS:
        return "suspect"
    if norm in POLICE_REFS:
        return "police"
    if norm in THIRD_REFS:
        return "third_party"
    return ""


def _is_verb(norm: str, before: str) -> bool:
    """Whether a match's first word reads as a verb form ("followed", "rang", "calling"), whose
    subject acted, rather than a noun ("messages", "flowers", "a shooting"), whose clause
    subject is often the recipient ("she received messages")."""
    if before in _DETERMINERS:
        return False
    return norm.endswith(("ed", "ing")) or norm in _IRREGULAR


def _qualify(
    norms: list[str],
    lemmas: list[str],
    start: int,
    end: int,
    act: bool,
    threat: bool,
    breach: bool = False,
    people: Mapping[str, str] = _NOBODY,
) -> tuple[bool, bool, str]:
    """Look back from the match to the start of its clause for cues and the acting person."""
    negated = hypothetical = False
    actor = ""
    first = norms[start]
    before = norms[start - 1] if start else ""
    before_person = _person_at(norms, start - 1, people) if start else ""
    find_actor = act and _is_verb(first, before) and lemmas[start] not in _RECEIVING
    participle = find_actor and not first.endswith("ing")
    after = norms[start + 1] if start + 1 < len(norms) else "."
    # "Female assaulted in street": a participle after a person, then no object, is passive
    passive = (
        participle
        and bool(before_person)
        and before not in _AGENTS
        and before not in people
        and after in _NO_OBJECT
    )
    near = True
    i = start - 1
    low = max(0, start - _WINDOW)
    while i >= low:
        norm = norms[i]
        if norm in _BREAKS:
            break
        if norm in NEGATION_CUES and start - i <= 6:
            negated = True
        if (
            norm in HYPOTHETICAL_CUES
            and not (threat and (norm in MODAL_CUES or norm in THREAT_CUES))
            and not (norm in THREAT_CUES and i and norms[i - 1] in {"-", "life", "non"})
            and (not breach or norm in CONDITIONAL_CUES)
        ):
            hypothetical = True
        if near and participle and norm in _PASSIVE:
            passive = True
        if norm not in _PASSIVE and norm not in _ADVERBS:
            near = False
        if find_actor and not actor and not passive and norm not in _OBJECT_FORMS:
            actor = _person_at(norms, i, people)
            if actor == "victim" and start - i > _VICTIM_REACH:
                actor = ""  # "the man she was seeing keeps ringing her": not her act
                find_actor = False
        i -= 1
    if act and not find_actor and before not in _OBJECT_FORMS and lemmas[start] not in _RECEIVING:
        actor = before_person  # a present-tense verb right after its subject: "carers visit"
    if passive:
        actor = ""
        for k in range(end, min(end + 3, len(norms))):
            if norms[k] == "by":
                for j in range(k + 1, min(k + 4, len(norms))):
                    if actor := _person_at(norms, j, people):
                        break
                break
    return negated, hypothetical, actor or "unknown"


def _number(norm: str) -> int:
    if _DIGITS.match(norm):
        return int(norm)
    return _NUMBER_WORDS.get(norm, 0)


def _count(norms: list[str], start: int, end: int) -> int:
    """How many times the note says the act happened: a number just before it ("24 WhatsApp
    messages"), "N times" or "xN" just after it, or a frequency word next to it."""
    n = len(norms)
    best = 1
    for k in range(max(0, start - 3), start):
        value = _number(norms[k])
        if value > 1 and norms[k + 1] not in _NOT_COUNT_UNITS:
            best = max(best, value)
    for k in range(start + 1, min(end + 5, n)):
        norm = norms[k]
        if norm in _BREAKS:
            break
        if match := _TIMES.match(norm):
            best = max(best, int(match.group(1)))
        elif k + 1 < n and norms[k + 1] in {"times", "occasions"}:
            best = max(best, _number(norm))
        best = max(best, _FREQUENCY.get(norm, 1))
    for k in range(max(0, start - 2), start):
        best = max(best, _FREQUENCY.get(norms[k], 1))
    return min(best, MAX_COUNT)
