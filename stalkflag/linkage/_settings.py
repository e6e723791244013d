"""The Splink model for police person records, declared in one place.

Comparisons (each a Fellegi-Sunter comparison whose m and u are learnt without labels):

- ``first_name``: exact (term-frequency adjusted), first and last name swapped, a shared
  nickname form (Bob ~ Robert), an initial against a full name, Jaro-Winkler >= 0.92 and 0.80.
- ``surname``: exact (term-frequency adjusted, so "Smith" counts for less than "Ashworth"),
  Jaro-Winkler >= 0.92 and 0.80. Married-name changes fall to "else" and are carried by the
  other comparisons.
- ``dob``: exact, day and month swapped, one adjacent-digit transposition or one wrong digit
  (Damerau-Levenshtein 1), the same day and month a year out.
- ``force_person_id``: the force's ID, exact or not. Strong but not conclusive: one person can hold
  two IDs, which EM learns as a non-zero chance of "else" among true matches.
- ``co_party``: the other person on the incident (the victim, for a suspect mention): same
  surname and first name, same surname, or not. Two mentions of "Darren" with the same victim
  are far more likely one man than two.

Optional evidence (:data:`EVIDENCE`; ``experiments/decisions/0002-linkage-evidence-off.md`` says why, and
``stalkflag._defaults.LINKAGE_EVIDENCE`` names the ones used by default):

- ``other_party_id``: a first ``co_party`` level, the other party's force ID the same.
- ``same_force``: the two incidents recorded by the same force, or not. Most people are
  reported to one force, so within a force a shared name is more telling; but in the suspects
  pass the same victim person already implies the same force, so the two count one fact twice.

Blocking rules keep candidate pairs tractable at a million incidents: first name with the
surname's first three letters within a force (survives most typos), surname or first name with
date of birth, person ID, the same other party within a force, surname or date of birth with
the other party's surname, and swapped names.
"""

from __future__ import annotations

from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on

from stalkflag._defaults import EVIDENCE
from stalkflag.errors import ConfigError

__all__ = [
    "BLOCKING_RULES", "EVIDENCE", "SUSPECT_BLOCKING_RULES", "TRAINING_BLOCKS", "build_settings",
    "check_evidence",
]  # fmt: skip

BLOCKING_RULES: list[Any] = [
    block_on("force_person_id"),
    block_on("first_canon", "substr(surname, 1, 3)", "force"),
    block_on("surname", "dob"),
    block_on("first_canon", "dob"),
    block_on("co_first_canon", "co_surname", "force"),
    block_on("surname", "co_surname"),
    block_on("dob", "co_surname"),
    "l.first_name = r.surname AND l.surname = r.first_name",
]

TRAINING_BLOCKS = [
    block_on("force_person_id"),
    block_on("first_canon", "surname"),
    block_on("dob"),
]
"""EM sessions: each estimates every comparison except those in its own blocking rule."""

_DOB_SWAPPED = (
    "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2) "
    "AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)"
)
_DOB_YEAR_OUT = (
    "substr(dob_l, 6, 5) = substr(dob_r, 6, 5) "
    "AND abs(cast(substr(dob_l, 1, 4) AS INT) - cast(substr(dob_r, 1, 4) AS INT)) = 1"
)
_INITIAL = (
    "(length(first_name_l) = 1 OR length(first_name_r) = 1) "
    "AND substr(first_name_l, 1, 1) = substr(first_name_r, 1, 1)"
)


SUSPECT_BLOCKING_RULES: list[Any] = [
    block_on("victim_person"),
    block_on("force_person_id"),
    block_on("first_canon", "substr(surname, 1, 3)", "force"),
    block_on("surname", "dob"),
    block_on("first_canon", "dob"),
    "l.first_name = r.surname AND l.surname = r.first_name",
]


def check_evidence(evidence: tuple[str, ...]) -> tuple[str, ...]:
    """``evidence`` itself, if every name in it is one of :data:`EVIDENCE`."""
    unknown = set(evidence) - set(EVIDENCE)
    if unknown:
        raise ConfigError(
            f"unknown linkage evidence {sorted(unknown)}; known: {list(EVIDENCE)}", code="C023"
        )
    return tuple(evidence)


def build_settings(stage: str = "people", evidence: tuple[str, ...] = ()) -> SettingsCreator:
    """The untrained Splink settings for one of the two passes.

    Args:
        stage: ``"people"``, every person mention compared with the other party's name as
            typed; or ``"suspects"``, suspect mentions only, compared with the victim *person*
            resolved by the first pass (two sparse mentions of "the suspect" of one resolved
            victim are then strong evidence of one man, whatever the victim's name was typed as).
        evidence: Optional comparisons to add, from :data:`EVIDENCE`.
    """
    check_evidence(evidence)
    first_name = cl.CustomComparison(
        output_column_name="first_name",
        comparison_levels=[
            cll.NullLevel("first_name"),
            cll.ExactMatchLevel("first_name").configure(tf_adjustment_column="first_name"),
            cll.ColumnsReversedLevel("first_name", "surname", symmetrical=True).configure(
                label_for_charts="first and last name swapped"
            ),
            cll.ArrayIntersectLevel("name_variants", min_intersection=1).configure(
                label_for_charts="nickname of the same name"
            ),
            cll.CustomLevel(_INITIAL, label_for_charts="initial matches a full first name"),
            cll.JaroWinklerLevel("first_name", 0.92),
            cll.JaroWinklerLevel("first_name", 0.8),
            cll.ElseLevel(),
        ],
    )
    surname = cl.CustomComparison(
        output_column_name="surname",
        comparison_levels=[
            cll.NullLevel("surname"),
            cll.ExactMatchLevel("surname").configure(tf_adjustment_column="surname"),
            cll.JaroWinklerLevel("surname", 0.92),
            cll.JaroWinklerLevel("surname", 0.8),
            cll.ElseLevel(),
        ],
    )
    dob = cl.CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            cll.NullLevel("dob"),
            cll.ExactMatchLevel("dob"),
            cll.CustomLevel(_DOB_SWAPPED, label_for_charts="day and month swapped"),
            cll.DamerauLevenshteinLevel("dob", 1).configure(
                label_for_charts="one digit wrong or two transposed"
            ),
            cll.CustomLevel(_DOB_YEAR_OUT, label_for_charts="same day and month, year out by one"),
            cll.ElseLevel(),
        ],
    )
    other_unknown = "(co_surname_l IS NULL OR co_surname_r IS NULL)"
    other_id: list[Any] = []
    if "other_party_id" in evidence:
        other_unknown += " AND (co_force_person_id_l IS NULL OR co_force_person_id_r IS NULL)"
        other_id = [
            cll.ExactMatchLevel("co_force_person_id").configure(
                label_for_charts="same other party (force ID)"
            )
        ]
    co_party = cl.CustomComparison(
        output_column_name="co_party",
        comparison_levels=[
            cll.CustomLevel(other_unknown, label_for_charts="other party unknown").configure(
                is_null_level=True
            ),
            *other_id,
            cll.And(
                cll.ExactMatchLevel("co_surname"), cll.ExactMatchLevel("co_first_canon")
            ).configure(label_for_charts="same other party (name)"),
            cll.ExactMatchLevel("co_surname").configure(
                label_for_charts="other party's surname matches"
            ),
            cll.ElseLevel(),
        ],
    )
    victim = cl.CustomComparison(
        output_column_name="victim",
        comparison_levels=[
            cll.NullLevel("victim_person").configure(label_for_charts="victim not resolved"),
            cll.ExactMatchLevel("victim_person").configure(label_for_charts="same victim person"),
            cll.ElseLevel(),
        ],
    )
    people = stage == "people"
    comparisons: list[Any] = [first_name, surname, dob, cl.ExactMatch("force_person_id")]
    if "same_force" in evidence:
        comparisons.append(cl.ExactMatch("force"))
    comparisons.append(co_party if people else victim)
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=BLOCKING_RULES if people else SUSPECT_BLOCKING_RULES,
        retain_intermediate_calculation_columns=True,
        max_iterations=25,
    )
