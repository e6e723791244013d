"""Words, lemmas and the small pattern language the behaviour records are written in.

A note is read word by word in its *normal form* (abbreviations expanded, lower case, typos of
the behaviours' words corrected: :mod:`._pipeline`) and then its **lemma**, from spaCy's English
lookup table (the ``spacy-lookups-data`` package: "rang" -> "ring", "drove" -> "drive",
"messages" -> "message"), with a suffix rule for words the table does not hold ("texted" ->
"text", "dms" -> "dm"). A pattern is written once in plain words and matches every inflection.

Pattern language (one pattern is one string, slots separated by spaces):

- ``follow``: a word, matched by its lemma (``followed``, ``following``, ``follows``);
- ``drive|drove|cruise``: any of several words;
- ``@home``: any word of a word class (:data:`WORD_CLASSES`: places, people, channels ...);
- ``=left``: the normal form exactly, not the lemma ("left" without "leave");
- ``~3``: up to three other words may come before the next slot (within the sentence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

__all__ = [
    "WORD_CLASSES", "Slot", "compile_pattern", "irregular_verb_forms", "lemmatise", "written_words",
]  # fmt: skip

WORD_CLASSES: dict[str, tuple[str, ...]] = {
    # people
    "victim": ("her", "him", "me", "victim", "them", "caller", "complainant", "informant", "us",
               "woman", "female", "girl", "man", "male", "rp", "client", "reporting"),
    "victim_poss": ("her", "his", "my", "victim", "victim's", "their", "our", "caller's",
                    "complainant's", "the"),
    "third": ("friend's", "mother's", "mum's", "parents'", "sister's", "brother's", "family's",
              "mother", "mum", "mom", "dad", "father", "parent", "parents", "sister", "brother",
              "friend", "friends", "family", "aunt", "uncle", "cousin", "daughter", "son",
              "colleague", "colleagues", "coworker", "co-worker", "manager", "boss", "employer",
              "neighbour", "neighbor", "landlord", "relative", "relatives", "grandmother",
              "grandparents", "nan", "flatmate", "housemate", "roommate", "teacher", "school",
              "church", "workmate", "kids", "children", "child"),
    "new_partner": ("partner", "boyfriend", "girlfriend", "husband", "wife", "fiance",
                    "fiancee", "date"),
    "police": ("police", "officer", "officers", "pc", "ps", "constable", "deputy", "dispatch",
               "patrol", "unit", "units", "cad"),
    # places
    "home": ("address", "house", "home", "flat", "door", "doorstep", "front", "garden", "drive",
             "driveway", "property", "residence", "apartment", "premises", "window", "gate",
             "street", "road", "close", "estate", "yard", "porch", "building", "dorm", "room",
             "bedroom"),
    "work": ("work", "workplace", "office", "shift", "job", "employer", "shop", "store",
             "salon", "school", "college", "university", "campus", "hospital", "gym", "class",
             "surgery", "practice", "site"),
    "place": ("park", "pub", "bar", "church", "station", "stop", "supermarket", "shop", "gym",
              "school", "car", "vehicle", "street", "road", "town", "centre", "center",
              "restaurant", "cafe", "club", "library", "mall", "lot", "route", "area",
              "nursery"),
    # channels
    "call_word": ("call", "phone", "ring", "rang", "telephone", "phonecall", "voicemail",
                  "facetime", "dial"),
    "message_word": ("message", "text", "sms", "email", "whatsapp", "dm", "snapchat",
                     "imessage", "msg", "txt", "comment", "tweet", "messenger", "e-mail"),
    "account": ("account", "profile", "page", "username", "handle", "number", "email",
                "address", "sim", "phone"),
    "social": ("facebook", "instagram", "snapchat", "tiktok", "twitter", "whatsapp", "online",
               "social", "linkedin", "x", "internet", "website", "forum", "youtube", "reddit",
               "onlyfans", "telegram", "app", "media", "story", "stories", "feed", "group"),
    "media": ("photo", "photograph", "picture", "image", "video", "footage", "screenshot",
              "pic", "pics", "clip", "recording", "nude", "nudes"),
    "property": ("car", "vehicle", "tyre", "tire", "windscreen", "windshield", "window", "door",
                 "fence", "wall", "mirror", "paint", "bike", "bicycle", "property", "lock",
                 "letterbox", "mailbox", "plant", "garden", "gate", "phone", "van", "belongings",
                 "bins", "bin", "camera", "doorbell"),
    # how often
    "frequency": ("repeatedly", "constantly", "continually", "continuously", "persistently",
                  "regularly", "daily", "nightly", "weekly", "frequently", "incessantly",
                  "relentlessly", "nonstop", "non-stop", "numerous", "multiple", "many",
                  "countless", "endless", "constant", "repeated", "persistent", "continual",
                  "dozens", "hundreds", "loads", "barrage", "stream", "flood", "again"),
    "several": ("several", "various", "few", "couple", "number", "series", "string", "lot",
                "lots"),
}  # fmt: skip
"""Word classes a pattern names with ``@``. Members are written as words and matched by lemma."""

_SUFFIXES = (("ied", "y"), ("ies", "y"), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"),
             ("es", ""), ("s", ""), ("d", ""))  # fmt: skip
_DOUBLED = re.compile(r"([b-df-hj-np-tv-z])\1$")


@cache
def _lookup() -> dict[str, str]:
    """spaCy's English lemma lookup table (``spacy-lookups-data``)."""
    from spacy.util import load_language_data, registry

    try:
        tables = registry.lookups.get("en")
    except Exception as error:  # pragma: no cover - an installation fault, not a user's
        raise RuntimeError(
            "spaCy's lookup tables are missing: install the locked environment (make setup), "
            "which includes spacy-lookups-data"
        ) from error
    table = load_language_data(tables["lemma_lookup"])
    assert isinstance(table, dict)
    return table


@cache
def irregular_verb_forms() -> frozenset[str]:
    """Irregular verb forms ("rang", "stood", "threw"), from spaCy's lemma exception table."""
    from spacy.util import load_language_data, registry

    exceptions = load_language_data(registry.lookups.get("en")["lemma_exc"])
    assert isinstance(exceptions, dict)
    return frozenset(exceptions["verb"])


@cache
def _known_lemmas() -> frozenset[str]:
    return frozenset(_lookup().values())


@cache
def lemmatise(word: str) -> str:
    """The lemma of a normalised word: the lookup table's, else a regular inflection stripped
    when that leaves a known lemma ("texted" -> "text"), else the word itself."""
    table = _lookup()
    if word in table:
        return table[word]
    if len(word) > 3 and word.isalpha():
        known = _known_lemmas()
        for suffix, replacement in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 2:
                stem = word[: -len(suffix)] + replacement
                if stem in known:
                    return stem
                undoubled = _DOUBLED.sub(r"\1", stem)
                if undoubled != stem and undoubled in known:
                    return undoubled  # "whatsapped" -> "whatsapp" (when known)
    return word


@dataclass(frozen=True)
class Slot:
    """One slot of a compiled pattern: the lemmas it accepts, the normal forms it accepts as
    written (``=form``), and how many other words may come before it."""

    lemmas: frozenset[str]
    forms: frozenset[str]
    gap: int = 0


def _alternatives(text: str) -> tuple[frozenset[str], frozenset[str]]:
    lemmas: set[str] = set()
    forms: set[str] = set()
    for word in text.split("|"):
        if word.startswith("@"):
            name = word[1:]
            if name not in WORD_CLASSES:
                raise ValueError(f"unknown word class @{name}")
            lemmas.update(lemmatise(w) for w in WORD_CLASSES[name])
        elif word.startswith("="):
            forms.add(word[1:])
        elif word:
            lemmas.add(lemmatise(word))
    return frozenset(lemmas), frozenset(forms)


def written_words(text: str) -> list[str]:
    """The plain words a pattern string names (not word classes, ``=forms`` or gaps)."""
    return [
        word for part in text.split() for word in part.split("|") if word and word[0] not in "~@="
    ]


@cache
def compile_pattern(text: str) -> tuple[Slot, ...]:
    """Slots of one pattern string (see the module docstring)."""
    slots: list[Slot] = []
    gap = 0
    for part in text.split():
        if part.startswith("~"):
            gap = int(part[1:])
            continue
        lemmas, forms = _alternatives(part)
        slots.append(Slot(lemmas, forms, gap))
        gap = 0
    if not slots:
        raise ValueError(f"empty pattern: {text!r}")
    if slots[0].gap:
        raise ValueError(f"a pattern cannot start with a gap: {text!r}")
    return tuple(slots)
