"""The text pipeline: ``spacy.blank("en")`` with stalkflag's rule components.

- Tokenizer special cases and the ``stalkflag_normalise`` component fill ``token.norm_``:
  police abbreviations expanded (``SUSP`` -> suspect, ``IP`` -> victim, ``W/`` -> with, ``C/O``
  -> complains of), lower case, and single-typo corrections towards the words the behaviour
  patterns use (``folowed`` -> ``followed``), except common English words listed in
  ``real_words.txt`` ("present" stays "present", not "presents").
- ``stalkflag_behaviours`` matches the versioned behaviour patterns and qualifies each match:
  ``negated`` ("denies following her"), ``hypothetical`` ("advised to call if he returns",
  "worried he will start watching her") and ``actor`` (suspect, victim, third party or unknown:
  the nearest person reference before the match in its sentence), so that a victim's own
  actions and things that did not happen are not counted as the suspect's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import spacy
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.symbols import NORM, ORTH
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from stalkflag.text._patterns import CLOSE_TO_VICTIM, KEYWORDS, VETOES, behaviour_patterns
from stalkflag.text._wordlists import word_list

__all__ = ["TEXT_PIPELINE", "BehaviourMatch", "make_text_pipeline"]

TEXT_PIPELINE = "stalkflag.text.v4"
"""How notes are read (normalisation, typo correction, masking); a saved model records it, and
one trained with another version is refused. v4: a name from elsewhere in the export that is
also an ordinary word ("page", "will") is masked only where it is written as a name, and the
incident's own names everywhere. v3: a name after a title is masked in upper case
too ("MR PATEL"), not only in title case. v2: the typo corrector leaves common English words
(``real_words.txt``) as written; v1 (implicit, before it was recorded) rewrote them."""

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
_TIMES = re.compile(r"^[xX](\d+)$")

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
    ]
)
HYPOTHETICAL_CUES = frozenset(
    [
        "if",
        "should",
        "worried",
        "concerned",
        "fears",
        "fear",
        "afraid",
        "may",
        "might",
        "could",
        "would",
        "will",
        "unless",
        "whether",
        "advised",
    ]
)
VICTIM_REFS = frozenset(
    ["victim", "i", "me", "my", "caller", "complainant", "informant", "she", "her", "reporting"]
)
SUSPECT_REFS = frozenset(
    [
        "suspect",
        "he",
        "him",
        "his",
        "ex",
        "ex-partner",
        "boyfriend",
        "girlfriend",
        "husband",
        "wife",
        "partner",
        "male",
        "man",
        "offender",
        "neighbour",
        "perpetrator",
    ]
)
MODAL_CUES = frozenset(["would", "will", "could", "may", "might"])
"""Hypothetical cues that do not make a reported threat hypothetical ("said he would kill her")."""
THIRD_REFS = frozenset((*CLOSE_TO_VICTIM, "cousin"))


CONTEXT_BEHAVIOURS = frozenset(
    {
        "stalkflag.fear_impact.v1",
        "stalkflag.separation.v1",
        "stalkflag.issue_dispute.v1",
        "stalkflag.mutual_conflict.v1",
        "stalkflag.child_contact.v3",
        "stalkflag.current_relationship.v1",
        "stalkflag.group_youths.v1",
    }
)
"""Behaviours that describe the situation rather than an act by someone."""


@dataclass(frozen=True)
class BehaviourMatch:
    """One behaviour found in a note.

    Attributes:
        behaviour: The versioned pattern id (e.g. ``stalkflag.following.v1``).
        start_char: Where the matched text starts in the note.
        end_char: Where it ends.
        text: The matched text.
        negated: A negation cue comes before it in its clause.
        hypothetical: A hypothetical or worry cue comes before it in its clause.
        actor: ``suspect``, ``victim``, ``third_party`` or ``unknown``.
    """

    behaviour: str
    start_char: int
    end_char: int
    text: str
    negated: bool
    hypothetical: bool
    actor: str

    @property
    def counts(self) -> bool:
        """Whether it counts: asserted and real, and for acts, not the victim's or a third
        party's (context such as fear or separation counts whoever the clause is about)."""
        if self.negated or self.hypothetical:
            return False
        return self.behaviour in CONTEXT_BEHAVIOURS or self.actor in {"suspect", "unknown"}


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@cache
def _typo_table() -> dict[str, str]:
    """Single-edit neighbours (deletion, insertion, adjacent swap) of keywords -> the keyword."""
    table: dict[str, str] = {}
    for word in sorted(KEYWORDS):
        for variant in _deletes(word):
            table.setdefault(variant, word)  # a letter dropped
        for i in range(len(word) - 1):
            table.setdefault(word[:i] + word[i + 1] + word[i] + word[i + 2 :], word)  # swapped
    for word in KEYWORDS:
        table.pop(word, None)
    return table


def _real_words() -> frozenset[str]:
    """Common English words one edit from a keyword, left as written ("present" is not a typo
    of "presents"); generated by ``experiments/make_real_words.py``."""
    return word_list("real_words.txt")


@cache
def _as_written() -> frozenset[str]:
    """Words the corrector never changes: the keywords themselves and the real words."""
    return KEYWORDS | _real_words()


def _correct(lower: str) -> str:
    if len(lower) < 5 or not lower.isalpha() or lower in _as_written():
        return lower
    table = _typo_table()
    if lower in table:
        return table[lower]
    for variant in _deletes(lower):  # a letter doubled or inserted
        if variant in KEYWORDS:
            return variant
    return lower


@Language.component("stalkflag_normalise")
def normalise(doc: Doc) -> Doc:
    """Fill ``token.norm_``: abbreviations expanded, lower case, single typos corrected."""
    for token in doc:
        if token.text in _SPECIAL_CASES:
            continue
        lower = token.lower_
        if lower in ABBREVIATIONS:
            token.norm_ = ABBREVIATIONS[lower]
        elif _TIMES.match(token.text):
            token.norm_ = "times"
        else:
            token.norm_ = _correct(lower)
    return doc


if not Doc.has_extension("behaviours"):
    Doc.set_extension("behaviours", default=[])


@Language.factory("stalkflag_behaviours")
def _make_behaviours(nlp: Language, name: str) -> BehaviourMatcher:
    return BehaviourMatcher(nlp)


class BehaviourMatcher:
    """Matches behaviour patterns and qualifies each match (negation, hypothesis, actor)."""

    def __init__(self, nlp: Language) -> None:
        self.matcher = Matcher(nlp.vocab)
        for name, patterns in behaviour_patterns().items():
            self.matcher.add(name, patterns)

    def __call__(self, doc: Doc) -> Doc:
        by_behaviour: dict[str, list[Span]] = {}
        for match_id, start, end in self.matcher(doc):
            name = doc.vocab.strings[match_id]
            by_behaviour.setdefault(name, []).append(Span(doc, start, end, label=name))
        found = []
        for name, spans in by_behaviour.items():
            for span in filter_spans(spans):
                if _vetoed(doc, span, name):
                    continue
                negated, hypothetical, actor = _qualify(doc, span)
                found.append(
                    BehaviourMatch(
                        name,
                        span.start_char,
                        span.end_char,
                        span.text,
                        negated,
                        hypothetical,
                        actor,
                    )
                )
        doc._.behaviours = sorted(found, key=lambda m: (m.start_char, m.behaviour))
        return doc


def _vetoed(doc: Doc, span: Span, behaviour: str) -> bool:
    """Whether a context in :data:`VETOES` cancels the match ("the following arrested")."""
    before = doc[span.start - 1].norm_ if span.start > 0 else ""
    after = doc[span.end].norm_ if span.end < len(doc) else ""
    return any(
        span[0].norm_ in veto.words and (before in veto.before or after in veto.after)
        for veto in VETOES.get(behaviour, ())
    )


_CLAUSE_BREAKS = frozenset({".", ";", ":", "!", "?", "-", "but", "and", ","})


_IRREGULAR_VERBS = frozenset(
    [
        "rang",
        "sat",
        "stood",
        "came",
        "went",
        "drove",
        "broke",
        "took",
        "knew",
        "kept",
        "hung",
        "threatened",
        "turned",
    ]
)
_VERB_FORM = re.compile(r"(?:ed|ing)$")


def _is_name(token) -> bool:
    """A capitalised word inside a sentence that is not a known reference or abbreviation."""
    if not token.is_alpha or token.is_sent_start or token.i == 0:
        return False
    if token.norm_ in VICTIM_REFS | SUSPECT_REFS | THIRD_REFS or token.lower_ in ABBREVIATIONS:
        return False
    return token.is_title or (token.is_upper and not token.doc[token.i - 1].is_upper)


def _qualify(doc: Doc, span: Span) -> tuple[bool, bool, str]:
    """Look back from the match to the start of its clause for cues and the acting person.

    The actor is looked for only when the match starts with a verb form ("followed",
    "turned up"): for a noun ("messages", "an airtag", "flowers") the clause's subject is often
    the recipient ("she received messages"), so the actor is left ``unknown``.
    """
    negated = hypothetical = False
    actor = "unknown"
    threat = span.label_ == "stalkflag.threats.v1"
    head = span[0].norm_
    find_actor = bool(_VERB_FORM.search(head)) or head in _IRREGULAR_VERBS
    i = span.start - 1
    steps = 0
    while i >= 0 and steps < 12:
        token = doc[i]
        norm = token.norm_
        if norm in _CLAUSE_BREAKS and steps > 0 and norm not in {",", "and"}:
            break
        if norm in NEGATION_CUES:
            negated = True
        if norm in HYPOTHETICAL_CUES and not (threat and norm in MODAL_CUES):
            hypothetical = True
        if find_actor and actor == "unknown" and _is_name(token):
            find_actor = False  # a named person acts; who they are is linkage's business
        if find_actor and actor == "unknown":
            if norm in VICTIM_REFS:
                actor = "victim"
            elif norm in SUSPECT_REFS:
                actor = "suspect"
            elif norm in THIRD_REFS:
                actor = "third_party"
        i -= 1
        steps += 1
    return negated, hypothetical, actor


def _normalising_pipeline() -> Language:
    """``spacy.blank("en")`` with the tokenizer special cases and the normaliser."""
    nlp = spacy.blank("en")
    for text, norm in _SPECIAL_CASES.items():
        nlp.tokenizer.add_special_case(text, [{ORTH: text, NORM: norm}])  # type: ignore[union-attr]
    nlp.add_pipe("stalkflag_normalise")
    return nlp


def make_text_pipeline() -> Language:
    """``spacy.blank("en")`` with the tokenizer special cases and both rule components."""
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
