"""Scenarios: stalking courses of conduct and the look-alikes that are not stalking.

Shares and shapes follow ``shared/DOMAIN.md``: about a quarter of patterns are stalking; of
those about 45% are by ex-intimates, about a third by acquaintances and colleagues, about 10%
by strangers, with online methods in many; about 45% of cases end within two weeks, the rest
run for months with rising frequency. Recording follows the documented under-recording: most
stalking incidents are recorded as something else, early ones almost never as stalking, and a
few look-alikes are over-recorded as stalking.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

__all__ = ["SCENARIOS", "Scenario", "record_category"]


@dataclass(frozen=True)
class Scenario:
    """How one kind of pattern behaves.

    Attributes:
        name: Scenario id, written to the truth file.
        stalking: Whether its incidents are part of a stalking course of conduct.
        weight: Share of all patterns.
        relationships: Relationship of suspect to victim, with weights.
        behaviours: Behaviour pool, with weights.
        context: Key into the context bank for the background sentence.
        sizes: (probability of a short pattern, short max incidents, long mean incidents,
            long max incidents).
        span_days: (short max span, long min span, long max span) in days.
        escalates: Whether gaps shrink over the pattern.
        suspect_female: Probability the suspect is female.
        victim_female: Probability the victim is female.
        online_only: Only online or phone behaviours.
        victim_did: Probability a note mentions the victim's own similar actions.
        denial: Probability a note carries a denial by the suspect.
        says_stalking: Probability a note uses the word stalking.
        unknown_suspect: Probability the suspect is never identified in the fields.
        impact: Impact levels with weights.
        extra_denials: Stalking-like behaviours the suspect may deny (hard negatives).
    """

    name: str
    stalking: bool
    weight: float
    relationships: dict[str, float]
    behaviours: dict[str, float]
    context: str
    sizes: tuple[float, int, float, int]
    span_days: tuple[int, int, int]
    escalates: bool = False
    suspect_female: float = 0.26
    victim_female: float = 0.78
    online_only: bool = False
    victim_did: float = 0.03
    denial: float = 0.12
    says_stalking: float = 0.0
    unknown_suspect: float = 0.0
    impact: dict[str, float] = field(
        default_factory=lambda: {"very_frightened": 0.5, "worried": 0.4, "annoyed": 0.1}
    )
    extra_denials: tuple[str, ...] = ()


_EX_STALK = {
    "calls": 3,
    "messages": 4,
    "new_number": 2,
    "turn_up_home": 4,
    "turn_up_work": 2,
    "loiter": 2,
    "follow": 2,
    "watch": 1.5,
    "third_party_contact": 2,
    "threats": 1.5,
    "gifts": 1,
    "property_damage": 1,
    "account_access": 1,
    "tracker": 0.7,
    "monitor_online": 1,
    "publish_info": 0.5,
    "breach_warning": 1,
    "child_contact_messages": 0.7,
    "order_in_name": 0.3,
}
_ACQ_STALK = {
    "messages": 3,
    "calls": 1.5,
    "new_number": 1.5,
    "turn_up_home": 2,
    "turn_up_work": 1.5,
    "loiter": 2,
    "follow": 2,
    "watch": 2,
    "gifts": 2,
    "monitor_online": 1.5,
    "fake_profile": 1,
    "third_party_contact": 1,
    "threats": 0.7,
    "breach_warning": 0.5,
    "tracker": 0.3,
}
_COLLEAGUE_STALK = {
    "messages": 3,
    "turn_up_work": 2,
    "follow": 2,
    "watch": 2,
    "gifts": 2,
    "monitor_online": 1.5,
    "turn_up_home": 1,
    "loiter": 1.5,
    "third_party_contact": 1.5,
    "calls": 1,
    "fake_profile": 0.5,
    "work_grievance": 0.5,
    "threats": 0.5,
}
_STRANGER_STALK = {
    "follow": 3,
    "watch": 3,
    "loiter": 3,
    "gifts": 1.5,
    "turn_up_home": 1,
    "turn_up_work": 1,
    "property_damage": 0.7,
    "tracker": 0.3,
    "messages": 0.5,
}
_CYBER_STALK = {
    "messages": 3,
    "new_number": 2,
    "fake_profile": 2,
    "monitor_online": 2,
    "publish_info": 1.5,
    "account_access": 1.5,
    "threats": 1,
    "third_party_contact": 1.5,
    "order_in_name": 0.7,
    "calls": 1,
}

_BASE_SCENARIOS: tuple[Scenario, ...] = (
    # --- stalking: 25% of patterns ---
    Scenario(
        "ex_partner_stalking",
        True,
        0.1125,
        {"ex_partner": 1.0},
        _EX_STALK,
        "separated",
        (0.45, 3, 7.0, 30),
        (14, 30, 540),
        escalates=True,
        victim_did=0.02,
        denial=0.15,
        says_stalking=0.07,
    ),
    Scenario(
        "acquaintance_fixation",
        True,
        0.04,
        {"acquaintance": 1.0},
        _ACQ_STALK,
        "met_once",
        (0.45, 3, 6.0, 25),
        (14, 30, 450),
        escalates=True,
        says_stalking=0.06,
    ),
    Scenario(
        "colleague_fixation",
        True,
        0.035,
        {"colleague": 1.0},
        _COLLEAGUE_STALK,
        "colleague",
        (0.45, 3, 5.0, 20),
        (14, 30, 400),
        escalates=True,
        says_stalking=0.05,
    ),
    Scenario(
        "stranger_stalking",
        True,
        0.025,
        {"stranger": 0.85, "unknown": 0.15},
        _STRANGER_STALK,
        "stranger",
        (0.5, 3, 5.0, 18),
        (14, 21, 300),
        escalates=True,
        says_stalking=0.08,
        unknown_suspect=0.45,
    ),
    Scenario(
        "cyberstalking",
        True,
        0.0375,
        {"acquaintance": 0.4, "stranger": 0.3, "ex_partner": 0.3},
        _CYBER_STALK,
        "online_contact",
        (0.4, 3, 7.0, 30),
        (14, 30, 500),
        escalates=True,
        online_only=True,
        says_stalking=0.06,
        unknown_suspect=0.2,
    ),
    # --- look-alikes: 75% of patterns ---
    Scenario(
        "neighbour_dispute",
        False,
        0.16,
        {"neighbour": 1.0},
        {
            "noise_complaint": 3,
            "parking_dispute": 2,
            "boundary_dispute": 2,
            "neighbour_cctv": 1.5,
            "neighbour_notes": 1.5,
            "neighbour_confront": 2,
            "verbal_abuse": 2,
            "watch": 0.4,
            "property_damage": 0.5,
        },
        "neighbour",
        (0.2, 2, 4.5, 15),
        (30, 60, 700),
        suspect_female=0.4,
        victim_female=0.55,
        victim_did=0.3,
        denial=0.2,
        says_stalking=0.01,
        impact={"very_frightened": 0.1, "worried": 0.4, "annoyed": 0.5},
        extra_denials=("watch", "follow", "loiter"),
    ),
    Scenario(
        "issue_dispute",
        False,
        0.08,
        {"acquaintance": 0.6, "colleague": 0.4},
        {
            "debt_demand": 3,
            "work_grievance": 3,
            "verbal_abuse": 2,
            "messages": 1,
            "calls": 0.7,
            "single_threat": 0.5,
            "turn_up_home": 0.4,
        },
        "met_once",
        (0.5, 2, 3.0, 8),
        (21, 30, 240),
        suspect_female=0.35,
        victim_female=0.5,
        victim_did=0.25,
        impact={"very_frightened": 0.1, "worried": 0.4, "annoyed": 0.5},
        extra_denials=("messages", "calls"),
    ),
    Scenario(
        "one_off_threat",
        False,
        0.08,
        {"acquaintance": 0.4, "stranger": 0.3, "neighbour": 0.15, "ex_partner": 0.15},
        {"single_threat": 3, "threats": 1, "verbal_abuse": 1.5, "messages": 0.5},
        "met_once",
        (1.0, 1, 1.0, 1),
        (1, 1, 1),
        suspect_female=0.25,
        victim_female=0.6,
        impact={"very_frightened": 0.3, "worried": 0.4, "annoyed": 0.3},
    ),
    Scenario(
        "current_partner_abuse",
        False,
        0.14,
        {"partner": 1.0},
        {
            "partner_argument": 3,
            "partner_assault": 2,
            "partner_phone_checking": 1.5,
            "partner_financial_control": 1,
            "partner_isolation": 1,
            "messages": 0.5,
            "account_access": 0.3,
            "calls": 0.3,
            "threats": 0.5,
        },
        "current",
        (0.35, 2, 3.5, 12),
        (30, 60, 600),
        suspect_female=0.2,
        victim_did=0.05,
        denial=0.2,
        extra_denials=("follow", "account_access"),
    ),
    Scenario(
        "coparenting_dispute",
        False,
        0.09,
        {"ex_partner": 1.0},
        {
            "child_contact_messages": 4,
            "child_handover_dispute": 3,
            "verbal_abuse": 1,
            "messages": 1,
            "calls": 0.8,
            "turn_up_home": 0.6,
        },
        "coparent",
        (0.25, 2, 4.0, 14),
        (30, 60, 600),
        suspect_female=0.35,
        victim_female=0.65,
        victim_did=0.3,
        denial=0.2,
        impact={"very_frightened": 0.1, "worried": 0.5, "annoyed": 0.4},
        extra_denials=("turn_up_home", "messages", "follow"),
    ),
    Scenario(
        "mutual_online_argument",
        False,
        0.07,
        {"acquaintance": 0.6, "ex_partner": 0.2, "family": 0.2},
        {
            "online_argument": 4,
            "online_post_about": 2,
            "verbal_abuse": 1,
            "messages": 1,
            "publish_info": 0.3,
        },
        "met_once",
        (0.5, 2, 2.5, 6),
        (14, 21, 120),
        suspect_female=0.5,
        victim_female=0.6,
        online_only=True,
        victim_did=0.5,
        says_stalking=0.05,
        impact={"very_frightened": 0.05, "worried": 0.35, "annoyed": 0.6},
    ),
    Scenario(
        "group_harassment",
        False,
        0.05,
        {"stranger": 0.5, "neighbour": 0.5},
        {"youths_gathering": 4, "youths_damage": 2, "verbal_abuse": 1.5, "property_damage": 0.5},
        "neighbour",
        (0.4, 2, 3.5, 10),
        (14, 30, 300),
        suspect_female=0.15,
        victim_female=0.55,
        impact={"very_frightened": 0.3, "worried": 0.4, "annoyed": 0.3},
    ),
    Scenario(
        "false_report",
        False,
        0.03,
        {"unknown": 0.5, "neighbour": 0.3, "stranger": 0.2},
        {"false_belief_followed": 4, "false_belief_device": 3, "watch": 0.3},
        "stranger",
        (0.3, 2, 4.0, 12),
        (14, 30, 400),
        suspect_female=0.3,
        victim_female=0.6,
        says_stalking=0.25,
        unknown_suspect=0.6,
        impact={"very_frightened": 0.6, "worried": 0.4, "annoyed": 0.0},
    ),
    Scenario(
        "family_violence",
        False,
        0.05,
        {"family": 1.0},
        {
            "family_argument": 4,
            "family_money": 2,
            "verbal_abuse": 1,
            "threats": 0.4,
            "turn_up_home": 0.4,
            "calls": 0.3,
        },
        "family",
        (0.5, 2, 3.0, 8),
        (14, 30, 365),
        suspect_female=0.3,
        victim_female=0.6,
        denial=0.15,
    ),
)

_HARDNESS: dict[str, dict[str, float]] = {
    # Stalking written up as something mundane: pretexts (the children, money, belongings),
    # rows, and vague "ongoing issues" notes, so one note rarely gives the pattern away.
    "ex_partner_stalking": {
        "child_contact_messages": 0.8,
        "debt_demand": 0.8,
        "verbal_abuse": 1.0,
        "vague_contact": 2.5,
        "partner_argument": 0.5,
    },
    "acquaintance_fixation": {
        "vague_contact": 2.5,
        "verbal_abuse": 0.7,
        "debt_demand": 0.3,
        "online_argument": 0.4,
    },
    "colleague_fixation": {"work_grievance": 1.0, "vague_contact": 2.0, "verbal_abuse": 0.5},
    "stranger_stalking": {
        "vague_contact": 1.5,
        "youths_gathering": 0.3,
        "false_belief_followed": 0.3,
    },
    "cyberstalking": {"online_argument": 1.0, "online_post_about": 0.5},
    # Look-alikes doing what stalkers do, for an issue or inside a relationship.
    "neighbour_dispute": {
        "watch": 0.6,
        "loiter": 0.6,
        "messages": 0.5,
        "follow": 0.3,
        "vague_contact": 2.0,
    },
    "issue_dispute": {
        "messages": 0.5,
        "calls": 0.3,
        "turn_up_home": 0.4,
        "third_party_contact": 0.4,
        "vague_contact": 1.5,
    },
    "one_off_threat": {"vague_contact": 1.0},
    "current_partner_abuse": {
        "messages": 0.5,
        "calls": 0.5,
        "account_access": 0.3,
        "tracker": 0.3,
        "follow": 0.3,
        "vague_contact": 1.5,
    },
    "coparenting_dispute": {
        "messages": 1.0,
        "calls": 0.7,
        "turn_up_home": 0.9,
        "third_party_contact": 0.5,
        "vague_contact": 2.0,
    },
    "mutual_online_argument": {
        "messages": 0.5,
        "publish_info": 0.2,
        "fake_profile": 0.3,
        "monitor_online": 0.5,
        "new_number": 0.3,
    },
    "group_harassment": {"watch": 0.5, "loiter": 1.0, "vague_contact": 1.0},
    "false_report": {"watch": 0.2, "follow": 0.5, "tracker": 0.3, "vague_contact": 0.5},
    "family_violence": {"turn_up_home": 0.4, "calls": 0.2, "messages": 0.7, "vague_contact": 1.5},
}
"""Behaviours each scenario shares with the other side, added to its base pool (weights add)."""


def _harder(scenario: Scenario) -> Scenario:
    extra = _HARDNESS.get(scenario.name, {})
    pool = dict(scenario.behaviours)
    for behaviour, weight in extra.items():
        pool[behaviour] = pool.get(behaviour, 0.0) + weight
    return replace(scenario, behaviours=pool)


SCENARIOS: tuple[Scenario, ...] = tuple(_harder(s) for s in _BASE_SCENARIOS)

_STALK_RECORDED = {  # for stalking incidents not recorded as stalking
    "offline_ex": {
        "domestic_abuse": 0.45,
        "harassment": 0.30,
        "coercive_control": 0.15,
        "public_order": 0.10,
    },
    "offline": {"harassment": 0.75, "public_order": 0.15, "other": 0.10},
    "online": {"malicious_communications": 0.55, "harassment": 0.40, "other": 0.05},
    "damage": {"criminal_damage": 0.8, "harassment": 0.2},
}
_LOOKALIKE_RECORDED = {
    "neighbour_dispute": {
        "harassment": 0.45,
        "public_order": 0.25,
        "criminal_damage": 0.1,
        "other": 0.185,
        "stalking": 0.015,
    },
    "issue_dispute": {
        "harassment": 0.55,
        "malicious_communications": 0.2,
        "public_order": 0.1,
        "other": 0.14,
        "stalking": 0.01,
    },
    "one_off_threat": {
        "public_order": 0.4,
        "malicious_communications": 0.3,
        "harassment": 0.25,
        "other": 0.05,
    },
    "current_partner_abuse": {
        "domestic_abuse": 0.75,
        "coercive_control": 0.2,
        "stalking": 0.01,
        "other": 0.04,
    },
    "coparenting_dispute": {
        "domestic_abuse": 0.4,
        "harassment": 0.38,
        "malicious_communications": 0.15,
        "stalking": 0.025,
        "other": 0.045,
    },
    "mutual_online_argument": {
        "malicious_communications": 0.68,
        "harassment": 0.25,
        "stalking": 0.03,
        "other": 0.04,
    },
    "group_harassment": {
        "public_order": 0.5,
        "harassment": 0.25,
        "criminal_damage": 0.2,
        "other": 0.05,
    },
    "false_report": {"stalking": 0.3, "harassment": 0.35, "other": 0.35},
    "family_violence": {"domestic_abuse": 0.8, "other": 0.15, "coercive_control": 0.05},
}
_ONLINE = {
    "calls",
    "messages",
    "new_number",
    "monitor_online",
    "tracker",
    "account_access",
    "fake_profile",
    "publish_info",
    "third_party_contact",
    "threats",
    "order_in_name",
}


def _pick(weights: dict[str, float], rng: random.Random) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def record_category(
    scenario: Scenario,
    k: int,
    behaviours: list[str],
    relationship: str,
    year: float,
    rng: random.Random,
) -> str:
    """The category an officer records for the ``k``-th (0-based) incident of a pattern.

    Stalking is rarely recorded at first and more often later; after April 2020 a course of
    conduct between former partners is more often recorded as stalking (Home Office Counting
    Rules). Look-alikes are sometimes over-recorded as stalking.
    """
    if not scenario.stalking:
        return _pick(_LOOKALIKE_RECORDED[scenario.name], rng)
    p_stalking = min(0.03 + 0.05 * k, 0.30)
    if relationship == "ex_partner" and year >= 2020.25 and k >= 1:
        p_stalking += 0.08
    if rng.random() < p_stalking:
        return "stalking"
    if "property_damage" in behaviours and rng.random() < 0.6:
        return _pick(_STALK_RECORDED["damage"], rng)
    if all(b in _ONLINE for b in behaviours):
        return _pick(_STALK_RECORDED["online"], rng)
    key = "offline_ex" if relationship in {"ex_partner", "partner"} else "offline"
    return _pick(_STALK_RECORDED[key], rng)
