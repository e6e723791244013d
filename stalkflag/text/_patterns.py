"""Behaviour patterns as versioned data.

Each behaviour is a small function returning spaCy ``Matcher`` patterns, registered under a
versioned name such as ``stalkflag.following.v1``. The name is the feature name and the key an
explanation cites; a changed pattern gets a new version. Patterns match on ``NORM``, which the
normaliser fills with expanded police abbreviations and corrected spellings, so one pattern
covers "SUSP FOLOWED IP" and "the suspect followed the victim".

Grounded in ``shared/DOMAIN.md``: the acts of s2A(3) Protection from Harassment Act 1997, the
technology-enabled behaviours, third-party contact, threats, fear and impact, breach of orders
or warnings, separation context, and the look-alike context that tells harassment about an
issue from fixation on a person (issue disputes, mutual conflict, child contact, a current
relationship, groups of youths).
"""

from __future__ import annotations

from dataclasses import dataclass

import catalogue

__all__ = [
    "BEHAVIOURS",
    "CLOSE_TO_VICTIM",
    "KEYWORDS",
    "VETOES",
    "Veto",
    "behaviour_patterns",
    "registry",
]

registry = catalogue.create("stalkflag", "behaviours")
"""Registry of behaviour pattern functions, by versioned name."""

Pattern = list[dict]


def _word(*stems: str) -> dict:
    """A token whose NORM is one of the stems or a regular inflection of it."""
    alternatives = "|".join(stems)
    return {"NORM": {"REGEX": rf"^(?:{alternatives})(?:s|es|ed|d|ing)?$"}}


def _any(*words: str) -> dict:
    return {"NORM": {"IN": list(words)}}


CLOSE_TO_VICTIM: tuple[str, ...] = (
    "mother", "mum", "dad", "father", "sister", "brother", "friend", "aunt", "colleagues",
)  # fmt: skip
"""People around the victim: third parties a stalker contacts, and third-party actors in a note."""

_GAP = {"OP": "{0,3}"}  # up to three tokens between the parts of a phrase
_PLACE = _any(
    "address",
    "house",
    "home",
    "flat",
    "door",
    "doorstep",
    "work",
    "workplace",
    "office",
    "gym",
    "school",
    "car",
    "window",
    "windows",
    "property",
    "garden",
)
_VICTIM_OBJ = _any("her", "him", "me", "victim", "them")


@registry.register("stalkflag.following.v2")
def following() -> list[Pattern]:
    return [
        [_word("follow")],
        [_word("trail")],
        [_word("drive", "drove"), _any("behind")],
        [_any("behind"), _VICTIM_OBJ],
        [_any("same"), _any("bus", "train", "tram")],
    ]


@registry.register("stalkflag.contact_calls.v2")
def contact_calls() -> list[Pattern]:
    return [
        [
            _word("call", "ring", "rang", "phone", "telephone"),
            _GAP,
            _any("times", "constantly", "repeatedly", "over", "non-stop"),
        ],
        [_any("missed"), _word("call")],
        [_word("voicemail")],
        [_word("keep", "kept"), _word("call", "ring", "phone")],
    ]


@registry.register("stalkflag.contact_messages.v2")
def contact_messages() -> list[Pattern]:
    return [
        [_word("message", "text", "email", "whatsapp", "dm")],
        [_any("voice"), _any("notes", "note")],
        [_word("bombard")],
    ]


@registry.register("stalkflag.contact_after_block.v1")
def contact_after_block() -> list[Pattern]:
    return [
        [
            _any("new", "different", "another", "unknown", "withheld", "private"),
            _GAP,
            _any("number", "numbers", "account", "accounts", "profile"),
        ],
        [_word("block"), _GAP, _any("but", "still", "again", "another")],
    ]


@registry.register("stalkflag.attending_home.v1")
def attending_home() -> list[Pattern]:
    return [
        [
            _any("turned", "turn", "turns", "turning"),
            _any("up"),
            _GAP,
            _any("address", "house", "home", "flat", "door", "doorstep"),
        ],
        [
            _word("attend", "come", "came", "appear"),
            _GAP,
            _any("address", "house", "home", "flat", "doorstep"),
        ],
        [_word("bang", "knock"), _GAP, _any("door", "window", "windows")],
        [_word("doorbell")],
    ]


@registry.register("stalkflag.attending_work.v1")
def attending_work() -> list[Pattern]:
    return [
        [
            _any(
                "turned",
                "turn",
                "turns",
                "turning",
                "came",
                "come",
                "attended",
                "waited",
                "waiting",
                "outside",
            ),
            _GAP,
            _any("work", "workplace", "office", "shift"),
        ],
        [_word("ring", "rang", "call"), _GAP, _any("employer", "work")],
    ]


@registry.register("stalkflag.loitering.v1")
def loitering() -> list[Pattern]:
    return [
        [_word("loiter")],
        [_word("hang", "hung"), _any("around", "about")],
        [
            _word("sit", "sat", "wait", "park", "stand", "stood"),
            _GAP,
            _any("outside", "opposite", "across", "near"),
        ],
    ]


@registry.register("stalkflag.watching.v2")
def watching() -> list[Pattern]:
    return [
        [_word("watch", "spy", "stare", "stalk")],
        [_word("look"), _any("through"), _GAP, _any("window", "windows")],
        [_word("take", "took"), _GAP, _any("photos", "photographs", "pictures")],
    ]


@registry.register("stalkflag.monitoring_online.v1")
def monitoring_online() -> list[Pattern]:
    return [
        [
            _word("view", "check", "monitor", "see"),
            _GAP,
            _any("story", "stories", "posts", "profile", "instagram", "facebook", "social"),
        ],
        [_any("knew", "knows", "know"), _any("where", "who", "what")],
    ]


@registry.register("stalkflag.tracking_device.v1")
def tracking_device() -> list[Pattern]:
    return [
        [_any("airtag", "airtags", "tracker", "trackers", "gps")],
        [_any("tracking"), _any("device", "app")],
        [_any("tile"), _any("tracker")],
        [_any("location"), _any("sharing", "shared")],
        [_any("find"), _any("my")],
    ]


@registry.register("stalkflag.account_access.v1")
def account_access() -> list[Pattern]:
    return [
        [
            _word("log", "logged", "access", "hack"),
            _GAP,
            _any(
                "account", "accounts", "email", "emails", "icloud", "instagram", "facebook", "phone"
            ),
        ],
        [_word("lock", "locked"), _any("out")],
        [_any("spyware", "stalkerware")],
        [_word("change", "changed"), _GAP, _any("password", "passwords")],
    ]


@registry.register("stalkflag.fake_profile.v1")
def fake_profile() -> list[Pattern]:
    return [
        [_any("fake", "false", "second"), _GAP, _any("profile", "account", "profiles", "accounts")],
        [_word("pretend"), _any("to"), _any("be")],
    ]


@registry.register("stalkflag.publishing.v1")
def publishing() -> list[Pattern]:
    return [
        [
            _word("post", "share", "upload", "publish"),
            _GAP,
            _any(
                "address",
                "photos",
                "images",
                "pictures",
                "number",
                "details",
                "screenshots",
                "online",
            ),
        ],
    ]


@registry.register("stalkflag.third_party_contact.v1")
def third_party_contact() -> list[Pattern]:
    family = _any(*CLOSE_TO_VICTIM, "family", "friends", "manager", "employer", "partner")
    return [
        [
            _word("contact", "message", "ring", "rang", "call", "text"),
            _GAP,
            _any("her", "his", "my", "victim's"),
            _GAP,
            family,
        ],
        [_word("ask", "asked"), _GAP, family],
        [family, _GAP, _word("receive")],
    ]


@registry.register("stalkflag.unwanted_gifts.v2")
def unwanted_gifts() -> list[Pattern]:
    return [
        [
            _any(
                "flowers",
                "gifts",
                "gift",
                "parcel",
                "parcels",
                "letters",
                "letter",
                "card",
                "cards",
                "presents",
            )
        ],
    ]


@registry.register("stalkflag.property_damage.v2")
def property_damage() -> list[Pattern]:
    return [
        [
            _word(
                "slash",
                "scratch",
                "smash",
                "damage",
                "pour",
                "poured",
                "break",
                "broke",
            )
        ],
        [_any("tyres", "tyre", "windscreen")],
        # v2: "keyed her car", not "a key safe", "a key holder" or "stole her keys"
        [_any("keyed", "keying")],
    ]


@registry.register("stalkflag.threats.v1")
def threats() -> list[Pattern]:
    return [
        [_word("threat", "threaten")],
        [_any("kill", "hurt", "burn"), _GAP, _VICTIM_OBJ],
        [_any("nobody"), _any("would")],
        [_any("no"), _any("one"), _any("would", "else")],
        [_any("regret")],
        [_any("watch"), _any("out", "your")],
    ]


@registry.register("stalkflag.breach_of_order.v1")
def breach_of_order() -> list[Pattern]:
    return [
        [_word("breach")],
        [_any("despite"), {"OP": "{0,5}"}, _any("warning", "told", "advice", "order")],
        [_any("bail"), _any("conditions")],
        [_any("non-molestation", "restraining", "protection"), _any("order")],
        [_word("ignore"), _GAP, _any("warning", "advice")],
    ]


@registry.register("stalkflag.ordering_in_name.v1")
def ordering_in_name() -> list[Pattern]:
    return [
        [_word("order"), _GAP, _any("name")],
        [_any("signed"), _GAP, _any("up"), _any("to")],
    ]


@registry.register("stalkflag.fear_impact.v1")
def fear_impact() -> list[Pattern]:
    return [
        [_any("frightened", "terrified", "scared", "afraid", "fearful", "shaking", "hunted")],
        [_word("change", "changed"), _GAP, _any("route", "routine")],
        [_any("not"), _any("sleeping")],
        [_any("staying"), _any("at", "with")],
        [_word("stop", "stopped"), _any("going")],
    ]


@registry.register("stalkflag.separation.v1")
def separation() -> list[Pattern]:
    return [
        [
            _any(
                "ex",
                "ex-partner",
                "ex-boyfriend",
                "ex-girlfriend",
                "ex-husband",
                "ex-wife",
                "former",
            )
        ],
        [_word("separate", "split", "break", "broke"), _GAP, _any("up")],
        [_any("relationship"), _GAP, _any("ended", "over", "finished")],
        [_any("ended", "finished"), _any("it", "the")],
    ]


# -- Look-alike context ---------------------------------------------------------------------
# DOMAIN.md, "Telling stalking from its look-alikes": harassment is typically about an *issue*
# (a neighbour's noise, a debt, a parking space, a work grievance) and often mutual; hard
# negatives include co-parenting disputes over child contact, abuse inside a current
# relationship, other family conflict and group harassment by youths. These patterns describe
# the situation, like fear and separation: they are evidence either way, never acts.


@registry.register("stalkflag.issue_dispute.v1")
def issue_dispute() -> list[Pattern]:
    issue = _any(
        "noise", "music", "parking", "parked", "driveway", "boundary", "fence", "hedge", "hedges",
        "bins", "bin", "rubbish", "extension", "tree", "trees", "cctv", "debt", "loan", "rent",
        "arrears", "owed", "owes", "owe", "money", "grievance", "disciplinary", "shifts", "rota",
    )  # fmt: skip
    return [
        [
            _any("dispute", "disagreement", "row", "complaint", "complaints", "complaining"),
            _GAP,
            _any("about", "over", "regarding", "re"),
            _GAP,
            issue,
        ],
        [issue, _any("dispute", "disagreement", "complaint", "complaints", "issue", "issues")],
        [
            _any("neighbour", "neighbours", "landlord", "tenant", "manager", "supervisor"),
            _GAP,
            _any("dispute", "disagreement", "row", "complaint", "complaints"),
        ],
        [_any("asking", "demanding", "chasing"), _GAP, _any("money", "rent", "debt", "loan")],
        [_any("owes", "owed", "owe"), _GAP, _any("money", "rent", "pounds")],
    ]


@registry.register("stalkflag.mutual_conflict.v1")
def mutual_conflict() -> list[Pattern]:
    return [
        [_any("both"), _any("parties", "sides")],
        [_any("each"), _any("other")],
        [_any("counter"), _any("allegation", "allegations")],
        [_any("counter-allegation", "counter-allegations", "mutual")],
        [_any("one"), _any("another")],
    ]


@registry.register("stalkflag.child_contact.v3")
def child_contact() -> list[Pattern]:
    # v2: "custody" and "access" only beside a child ("taken into custody" is an arrest, and
    # "gained access" is about a building; v1 read both as child contact in real narratives).
    # v3: not a police "shift handover" or a "handover to" / "handover of" the next team or the
    # case (v2 read "Shift handover took place before the log could be closed" as child contact).
    child = _any("child", "children", "kids", "son", "daughter", "child's", "children's")
    not_police = {"NORM": {"NOT_IN": ["shift", "team", "crime", "case", "log", "formal"]}}
    return [
        [_any("child", "children", "kids", "contact"), _any("arrangements", "arrangement")],
        [not_police, _any("handover", "handovers"), {"NORM": {"NOT_IN": ["to", "of", "package"]}}],
        [_any("custody", "access"), _GAP, child],
        [child, _GAP, _any("custody", "access")],
        [_any("contact"), _GAP, _any("with"), _GAP, child],
        [_any("family"), _any("court")],
    ]


@registry.register("stalkflag.current_relationship.v1")
def current_relationship() -> list[Pattern]:
    return [
        [_any("live", "lives", "living"), _any("together")],
        [_any("current"), _any("partner", "boyfriend", "girlfriend", "husband", "wife")],
        [_any("still"), _any("together", "married")],
        [_any("cohabit", "cohabiting", "cohabitee")],
    ]


@registry.register("stalkflag.group_youths.v1")
def group_youths() -> list[Pattern]:
    return [
        [_any("group", "gang", "bunch"), _GAP, _any("youths", "teenagers", "kids", "lads", "boys")],
        [_any("youths", "teenagers")],
    ]


@dataclass(frozen=True)
class Veto:
    """A context in which a match is not the behaviour: the match starts with one of ``words``
    (its ``NORM``) and the word before it is in ``before`` or the word after it in ``after``."""

    words: frozenset[str]
    before: frozenset[str] = frozenset()
    after: frozenset[str] = frozenset()


def _forms(*stems: str) -> frozenset[str]:
    return frozenset(f"{stem}{end}" for stem in stems for end in ("", "s", "ed", "ing", "es"))


VETOES: dict[str, tuple[Veto, ...]] = {
    # v2 of each: single words that real police narratives and incidental detail use for
    # something else (experiments/realworld_flags.md, the incidental-bank test).
    "stalkflag.following.v2": (
        # "the following arrested", "follow-up investigation", "follow up enquiries"
        Veto(_forms("follow"), before=frozenset({"the"}), after=frozenset({"-", "up"})),
        Veto(frozenset({"trail", "trails"}), before=frozenset({"the", "a", "walking", "cycle"})),
    ),
    "stalkflag.watching.v2": (
        # a wristwatch: "took a gold watch", "the theft of two watches"
        Veto(
            frozenset({"watch", "watches"}),
            before=frozenset({"a", "two", "gold", "silver", "wrist", "smart", "designer"}),
        ),
    ),
    "stalkflag.unwanted_gifts.v2": (
        # "a contact card", "his bank card", "gift cards" bought in a phone scam
        Veto(
            frozenset({"card", "cards"}),
            before=frozenset(
                {"contact", "bank", "credit", "debit", "business", "gift", "sim", "id", "key"}
                | {"payment", "oyster", "library", "membership", "blu", "access", "sd"}
            ),
        ),
        Veto(frozenset({"gift", "gifts"}), after=frozenset({"card", "cards", "voucher"})),
    ),
    "stalkflag.contact_calls.v2": (
        # "attempts to reach the caller went to voicemail"
        Veto(frozenset({"voicemail", "voicemails"}), before=frozenset({"to"})),
    ),
    "stalkflag.contact_messages.v2": (
        # "asked to be contacted by email"
        Veto(frozenset({"email", "emails"}), before=frozenset({"by", "via"})),
    ),
}
"""Contexts that cancel a match, by behaviour id (part of that id's version)."""


BEHAVIOURS: tuple[str, ...] = tuple(sorted(registry.get_all()))
"""Every registered behaviour pattern id (feature names)."""


def behaviour_patterns() -> dict[str, list[Pattern]]:
    """Pattern lists by behaviour id, from the registry."""
    return {name: registry.get(name)() for name in BEHAVIOURS}


KEYWORDS: frozenset[str] = frozenset(
    word
    for patterns in behaviour_patterns().values()
    for pattern in patterns
    for token in pattern
    for word in token.get("NORM", {}).get("IN", [])
    if len(word) >= 5
) | frozenset(
    [
        "follow",
        "followed",
        "following",
        "watching",
        "watched",
        "loitering",
        "message",
        "messages",
        "messaged",
        "texted",
        "threatened",
        "threatening",
        "frightened",
        "terrified",
        "tracker",
        "airtag",
        "outside",
        "address",
        "suspect",
        "victim",
        "breached",
        "warning",
        "account",
        "profile",
        "password",
        "flowers",
        "damaged",
        "slashed",
        "scratched",
    ]
)
"""Words the normaliser corrects single typos towards (``folowed`` -> ``followed``)."""
