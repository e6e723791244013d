"""Turn an incident's facts into an officer's note, in one of several named writing styles.

A note is assembled from small pieces (context, behaviour clauses, denials, hypotheticals,
the victim's own actions, impact, police action, irrelevant detail), each drawn from banks of
clauses with slots, then passed through the style's transform (CAD uppercase with police
abbreviations, informal lower case with typos, a quoted first-person statement, ...). Styles are
named so that an evaluation can train on some and test on the others.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from stalkflag.synth._incidental_phrases import INCIDENTAL
from stalkflag.synth._lookalike_phrases import FILLER, LOOKALIKE_BEHAVIOURS, LOOKALIKE_SLOTS
from stalkflag.synth._stalking_phrases import (
    ACTIONS,
    CONTEXT,
    CONTEXT_SLOTS,
    IMPACT,
    RELATION_WORDS,
    SHARED_SLOTS,
    STALKING_BEHAVIOURS,
    STALKING_WORDS,
    SUSPECT_DESCRIPTIONS,
)

__all__ = ["BEHAVIOURS", "STYLES", "NoteFacts", "render_note"]

BEHAVIOURS: dict[str, dict[str, Any]] = {**STALKING_BEHAVIOURS, **LOOKALIKE_BEHAVIOURS}
SLOTS: dict[str, list[str]] = {**SHARED_SLOTS, **CONTEXT_SLOTS, **LOOKALIKE_SLOTS}

STYLES: tuple[str, ...] = (
    "cad",
    "narrative",
    "statement",
    "summary",
    "verbose",
    "informal",
    "handler",
    "minimal",
)
"""Named writing styles. ``cad``: terse upper case with police abbreviations; ``narrative``:
the officer in the first person; ``statement``: a quoted first-person account by the victim;
``summary``: short formal third person; ``verbose``: long, with irrelevant detail; ``informal``:
lower case, typos, text-speak; ``handler``: a call handler's log; ``minimal``: one line or none."""

_DENIAL = (
    "{S} denies {ger}",
    "when spoken to {S} denied {ger}",
    "{S} states {Sn} has not been {ger}",
    "{S} says {Sn} has never been {ger}",
    "there is no evidence of {So} {ger}",
)
_HYPOTHETICAL = (
    "{Vs} was advised to call 999 if {S} {if}",
    "{Vs} will ring police if {S} {if}",
    "advised to report it if {S} {if}",
)
_WORRY = (
    "{Vs} is worried {S} will start {ger}",
    "{Vs} is concerned {S} may begin {ger}",
    "{Vs} fears {S} could end up {ger}",
)
_VICTIM_DID = (
    "{Vs} admitted messaging {So} back {n} times",
    "{Vs} went round to {Sp} address to confront {So}",
    "{Vs} has also been posting about {So} online",
    "{Vs} followed {So} to {place} to take photos of {Sp} car",
    "{Vs} called {So} several times {when} to have it out",
    "{Vs} accepts {Vs} sent abusive messages too",
    "{Vs} waited outside {Sp} house to speak to {So}",
)
_THIRD_PARTY = (
    "{Vs} said {third} had been followed home by a man last year, which is why {Vs} is nervous",
    "{third} had a similar problem with an ex some years ago",
    "{Vs} mentioned that {third} is getting messages from someone {Vs} does not know",
    "{Vs} was with {third} at the time",
)
_FIRST_PERSON_FIXES = (
    (re.compile(r"\bI is\b"), "I am"),
    (re.compile(r"\bI has\b"), "I have"),
    (re.compile(r"\bI does\b"), "I do"),
    (re.compile(r"\bI (feel|say|want|believe|know|think|fear|accept)s\b"), r"I \1"),
    (re.compile(r"\bI will\b"), "I will"),
)
_SLOT = re.compile(r"\{(\w+)\}")
_CAD_WORDS = {
    "the victim": "IP",
    "victim": "IP",
    "the injured party": "IP",
    "the suspect": "SUSP",
    "suspect": "SUSP",
    "address": "ADDR",
    "with": "W/",
    "vehicle": "VEH",
    "messages": "MSGS",
    "message": "MSG",
    "telephone": "TEL",
    "approximately": "APPROX",
    "no further action": "NFA",
    "complains of": "C/O",
    "ex-partner": "EX P",
    "boyfriend": "BF",
    "girlfriend": "GF",
    "because": "AS",
    "information": "INFO",
    "words of advice": "WOA",
    "arrested": "ARR",
    "previous": "PREV",
    "regarding": "RE",
    "without": "W/O",
    "between": "BTWN",
    "police national computer": "PNC",
    "officer": "OFC",
    "and": "&",
    "the male": "MALE",
    "reported": "RPTD",
    "statement": "STMT",
    "times": "X",
    "text": "TXT",
    "telephoned": "TEL'D",
}
_CAD_RE = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _CAD_WORDS), key=len, reverse=True)) + r")\b", re.I
)
_INFORMAL = {
    "because": "cos",
    "and": "n",
    "you": "u",
    "are": "r",
    "before": "b4",
    "tonight": "2nite",
}
_INFORMAL_RE = re.compile(r"\b(" + "|".join(_INFORMAL) + r")\b")
_SUSPECT_FEMALE = {
    "male": "female",
    "man": "woman",
    "boyfriend": "girlfriend",
    "husband": "wife",
    "brother": "sister",
    "son": "daughter",
    "father": "mother",
    "his": "her",
}
_SWAP_RE = re.compile(r"\b(" + "|".join(_SUSPECT_FEMALE) + r")\b")


@dataclass
class NoteFacts:
    """What happened in one incident, before it is written down."""

    style: str
    victim_female: bool
    suspect_female: bool
    victim_first: str
    victim_last: str
    suspect_first: str
    suspect_last: str
    relationship: str
    context: str | None
    events: list[tuple[str, str]]  # (mode, behaviour id); mode in did, denied, hypo, worry
    impact: str | None
    actions: list[str]
    suspect_mention: str = "normal"  # normal, named, described, unnamed
    victim_did: bool = False
    third_party: bool = False
    says_stalking: bool = False
    repeat: int = 0  # how many earlier incidents of the pattern
    extras: list[str] = field(default_factory=list)
    incidental: float = 0.0  # chance of incidental detail (not in verbose or minimal notes)


class _Writer:
    """Fills slots for one note, keeping first and later mentions of each person apart."""

    def __init__(self, facts: NoteFacts, rng: random.Random) -> None:
        self.f, self.rng = facts, rng
        self.first_person = facts.style == "statement"
        self.mentioned_s = False
        self.mentioned_v = False

    def suspect_subject(self) -> str:
        f, rng = self.f, self.rng
        pron = "she" if f.suspect_female else "he"
        if self.mentioned_s and rng.random() < 0.6:
            return pron
        first_time = not self.mentioned_s
        self.mentioned_s = True
        if first_time and f.suspect_mention == "named":
            if f.relationship in {"stranger", "unknown"}:
                kind = "woman" if f.suspect_female else "man"
                return rng.choice(
                    (
                        f"a {kind} called {f.suspect_first}",
                        f"a {kind} known only as {f.suspect_first}",
                    )
                )
            rel = self._relation()
            return rng.choice(
                (
                    f"{rel} {f.suspect_first}",
                    f"{f.suspect_first}",
                    f"{rel}, {f.suspect_first} {f.suspect_last.upper()}",
                )
            )
        if first_time and f.suspect_mention == "described":
            return self.fill(rng.choice(SUSPECT_DESCRIPTIONS))
        if self.first_person:
            return rng.choice((pron, self._relation(), f.suspect_first))
        options = ["the suspect", self._relation(), pron if not first_time else "the suspect"]
        if f.suspect_mention != "unnamed":
            options += [
                f"{f.suspect_first} {f.suspect_last.upper()}",
                f"{'Ms' if f.suspect_female else 'Mr'} {f.suspect_last}",
            ]
        return rng.choice(options)

    def _relation(self) -> str:
        words = self.fill(
            self.rng.choice(RELATION_WORDS.get(self.f.relationship, RELATION_WORDS["unknown"]))
        )
        return (
            _SWAP_RE.sub(lambda m: _SUSPECT_FEMALE[m.group(1)], words)
            if self.f.suspect_female
            else words
        )

    def victim_subject(self) -> str:
        if self.first_person:
            return "I"
        f, rng = self.f, self.rng
        pron = "she" if f.victim_female else "he"
        if self.mentioned_v and rng.random() < 0.7:
            return pron
        self.mentioned_v = True
        term = {"handler": "the caller", "cad": "the victim", "verbose": "the injured party"}.get(
            f.style, "the victim"
        )
        return rng.choice(
            (term, term, f.victim_first, f"{'Ms' if f.victim_female else 'Mr'} {f.victim_last}")
        )

    def resolve(self, name: str) -> str:
        f = self.f
        if name == "S":
            return self.suspect_subject()
        if name == "So":
            return (
                ("her" if f.suspect_female else "him")
                if self.mentioned_s
                else self.suspect_subject()
            )
        if name == "Sp":
            return "her" if f.suspect_female else "his"
        if name == "Sn":
            return "she" if f.suspect_female else "he"
        if name == "Vn":
            return "I" if self.first_person else ("she" if f.victim_female else "he")
        if name == "Vs":
            return self.victim_subject()
        if name == "Vo":
            return "me" if self.first_person else ("her" if f.victim_female else "him")
        if name == "Vp":
            return "my" if self.first_person else ("her" if f.victim_female else "his")
        if name == "n":
            return str(self.rng.choice((2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60)))
        bank = SLOTS.get(name)
        if bank is None:
            return name
        return self.fill(self.rng.choice(bank))

    def fill(self, template: str) -> str:
        """Fill every slot; a person named twice in one clause is a pronoun the second time."""
        for full, pronoun in (("{S}", "{Sn}"), ("{Vs}", "{Vn}")):
            first = template.find(full)
            if first >= 0 and template.find(full, first + 1) >= 0:
                cut = first + len(full)
                template = template[:cut] + template[cut:].replace(full, pronoun)
        return _SLOT.sub(lambda m: self.resolve(m.group(1)), template)


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in '.!?"' else text + "."


def _typos(text: str, rate: float, rng: random.Random) -> str:
    if rate <= 0:
        return text
    words = text.split(" ")
    for i, w in enumerate(words):
        if len(w) > 4 and w.isalpha() and rng.random() < rate:
            j = rng.randrange(1, len(w) - 2)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def _clauses(facts: NoteFacts, w: _Writer) -> tuple[list[str], list[str]]:
    """The note's account (what the victim reports) and the officer's part (actions)."""
    rng = w.rng
    account: list[str] = []
    if facts.context:
        account.append(w.fill(rng.choice(CONTEXT[facts.context])))
    for mode, behaviour in facts.events:
        bank = BEHAVIOURS[behaviour]
        if mode == "did":
            account.append(w.fill(rng.choice(bank["did"])))
        elif mode == "denied":
            account.append(w.fill(rng.choice(_DENIAL).replace("{ger}", rng.choice(bank["ger"]))))
        elif mode == "worry":
            account.append(w.fill(rng.choice(_WORRY).replace("{ger}", rng.choice(bank["ger"]))))
        elif mode == "hypo":
            account.append(
                w.fill(rng.choice(_HYPOTHETICAL).replace("{if}", rng.choice(bank["if"])))
            )
    if facts.victim_did:
        account.insert(rng.randrange(len(account) + 1), w.fill(rng.choice(_VICTIM_DID)))
    if facts.third_party:
        account.append(w.fill(rng.choice(_THIRD_PARTY)))
    if facts.repeat and rng.random() < 0.35:
        account.append(
            rng.choice(
                (
                    f"this is the {_ordinal(facts.repeat + 1)} report",
                    "see previous logs",
                    "there have been previous incidents",
                    f"{facts.repeat} previous calls re same",
                )
            )
        )
    if facts.says_stalking:
        account.append(w.fill(rng.choice(STALKING_WORDS)))
    if facts.impact:
        account.append(w.fill(rng.choice(IMPACT[facts.impact])))
    w.first_person = False  # the officer writes about the victim in the third person
    officer = []
    did = [b for m, b in facts.events if m == "did"]
    for action in facts.actions:
        text = rng.choice(ACTIONS[action])
        if "{if_clause}" in text:
            text = text.replace(
                "{if_clause}", rng.choice(BEHAVIOURS[rng.choice(did)]["if"]) if did else "returns"
            )
        officer.append(w.fill(text))
    return account, officer


def _ordinal(n: int) -> str:
    return {2: "second", 3: "third", 4: "fourth", 5: "fifth"}.get(n, f"{n}th")


def render_note(facts: NoteFacts, rng: random.Random) -> str:
    """Write the note for one incident in ``facts.style``.

    Args:
        facts: What happened.
        rng: The pattern's random generator (notes are deterministic for a seed).

    Returns:
        The note text (may be empty for the ``minimal`` style).
    """
    w = _Writer(facts, rng)
    account, officer = _clauses(facts, w)
    style = facts.style
    if facts.incidental and style not in {"minimal", "verbose"} and rng.random() < facts.incidental:
        # Among the account or the officer's part; never inside a statement's quoted account.
        for _ in range(rng.randint(1, 3)):
            part = officer if style == "statement" or rng.random() < 0.5 else account
            part.insert(rng.randrange(len(part) + 1), w.fill(rng.choice(INCIDENTAL)))
    if style == "minimal":
        if rng.random() < 0.15:
            return ""
        return _sentence(account[min(1, len(account) - 1)] if account else "see log")
    if style == "statement":
        intro = rng.choice(('IP states: "', "Victim's account: \"", 'In her words: "', '"'))
        body = " ".join(_sentence(_first_person(a)) for a in account)
        return intro + body + '" ' + " ".join(_sentence(o) for o in officer)
    sentences = [_sentence(a) for a in account] + [_sentence(o) for o in officer]
    if style == "verbose":
        for _ in range(rng.randint(3, 7)):
            sentences.insert(
                rng.randrange(len(sentences) + 1), _sentence(w.fill(rng.choice(FILLER)))
            )
        sentences.insert(
            0,
            rng.choice(
                (
                    "At approximately {t} hours I was deployed to a report of a disturbance.".replace(
                        "{t}", f"{rng.randint(0, 23):02d}{rng.choice(('00', '15', '30', '45'))}"
                    ),
                    "I attended the address in company with a colleague.",
                    "This log relates to a call received via 101.",
                )
            ),
        )
    elif style == "narrative":
        sentences.insert(
            0,
            rng.choice(
                (
                    "I attended and spoke with the victim.",
                    "I spoke to the victim by phone.",
                    "On arrival I spoke with the victim.",
                    "",
                )
            ),
        )
    elif style == "handler":
        stamp = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
        sentences = [f"[{stamp}] Caller reports: " + " ".join(sentences[:2]), *sentences[2:]]
    text = " ".join(s for s in sentences if s)
    if style == "cad":
        text = _CAD_RE.sub(lambda m: _CAD_WORDS[m.group(1).lower()], text)
        text = re.sub(
            r"\b(the|a) ", lambda m: "" if rng.random() < 0.7 else m.group(0), text, flags=re.I
        )
        text = text.upper()
        if rng.random() < 0.5:
            text += rng.choice(
                (" OIC PC {n}.", " LOG UPDATED.", " PNC CHECKS DONE.", " RFI.")
            ).replace("{n}", str(rng.randint(1000, 9999)))
    elif style == "informal":
        text = _INFORMAL_RE.sub(
            lambda m: _INFORMAL[m.group(1)] if rng.random() < 0.5 else m.group(1), text.lower()
        )
        text = _typos(text.replace(".", rng.choice((".", ",", " -", ""))), 0.06, rng)
    else:
        text = _typos(text, 0.008, rng)
    return text


def _first_person(clause: str) -> str:
    for pattern, repl in _FIRST_PERSON_FIXES:
        clause = pattern.sub(repl, clause)
    return clause
