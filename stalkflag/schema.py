"""The incident export contract (version 1).

The contract is code: :data:`COLUMNS` declares every column a force's export may carry, and
:data:`CONTRACT_SCHEMA` (pandera) checks the *validated* frame that the rest of stalkflag
reads. Raw exports are checked row by row in :mod:`stalkflag.validate`, which reports every
problem at once; this module only states what a good row looks like.

Documented for forces in ``data/README.md``. Later versions are additive: a column may be
added, never removed or retyped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandera.pandas as pa

__all__ = [
    "CATEGORIES",
    "COLUMNS",
    "CONTRACT_SCHEMA",
    "CONTRACT_VERSION",
    "OPTIONAL_COLUMNS",
    "PERSONAL_COLUMNS",
    "RELATIONSHIPS",
    "REQUIRED_COLUMNS",
    "ColumnSpec",
]

CONTRACT_VERSION = "1"

CATEGORIES: tuple[str, ...] = (
    "stalking",
    "harassment",
    "domestic_abuse",
    "malicious_communications",
    "coercive_control",
    "public_order",
    "criminal_damage",
    "other",
)

RELATIONSHIPS: tuple[str, ...] = (
    "ex_partner",
    "partner",
    "family",
    "acquaintance",
    "neighbour",
    "colleague",
    "stranger",
    "unknown",
)

Kind = Literal["id", "text", "datetime", "date", "category", "relationship", "label"]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the export contract.

    Attributes:
        name: The exact column name in the export.
        kind: How values are parsed and checked.
        required: Whether the column must be present (values may still be empty where allowed).
        personal: Whether values identify a person; such values are masked in every message.
        description: What the column means, for the docs.
    """

    name: str
    kind: Kind
    required: bool
    personal: bool
    description: str


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("incident_id", "id", True, False, "unique in the file"),
    ColumnSpec("reported_at", "datetime", True, False, "when it was reported (ISO 8601)"),
    ColumnSpec("recorded_category", "category", True, False, "category as recorded"),
    ColumnSpec("notes", "text", True, True, "the officer's free-text narrative; may be empty"),
    ColumnSpec("victim_id", "id", False, True, "the force's person ID for the victim"),
    ColumnSpec("suspect_id", "id", False, True, "the force's person ID for the suspect"),
    ColumnSpec("victim_name", "text", False, True, "victim's name as typed"),
    ColumnSpec("suspect_name", "text", False, True, "suspect's name as typed"),
    ColumnSpec("victim_dob", "date", False, True, "victim's date of birth"),
    ColumnSpec("suspect_dob", "date", False, True, "suspect's date of birth"),
    ColumnSpec("relationship", "relationship", False, False, "suspect's relationship to victim"),
    ColumnSpec("force", "id", False, False, "force or area code"),
    ColumnSpec("label", "label", False, False, "1 if part of a stalking course of conduct"),
)

REQUIRED_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)
OPTIONAL_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if not c.required)
PERSONAL_COLUMNS: frozenset[str] = frozenset(c.name for c in COLUMNS if c.personal)


def _optional_text() -> pa.Column:
    return pa.Column("string", nullable=True, required=False)


CONTRACT_SCHEMA = pa.DataFrameSchema(
    {
        "incident_id": pa.Column("string", unique=True, checks=pa.Check.str_length(min_value=1)),
        "reported_at": pa.Column("datetime64[ns]"),
        "recorded_category": pa.Column("string", checks=pa.Check.isin(CATEGORIES)),
        "notes": pa.Column("string"),
        "victim_id": _optional_text(),
        "suspect_id": _optional_text(),
        "victim_name": _optional_text(),
        "suspect_name": _optional_text(),
        "victim_dob": pa.Column("datetime64[ns]", nullable=True, required=False),
        "suspect_dob": pa.Column("datetime64[ns]", nullable=True, required=False),
        "relationship": pa.Column(
            "string", nullable=True, required=False, checks=pa.Check.isin(RELATIONSHIPS)
        ),
        "force": _optional_text(),
        "label": pa.Column("Int8", nullable=True, required=False, checks=pa.Check.isin([0, 1])),
    },
    strict=False,
    name=f"stalkflag incident export v{CONTRACT_VERSION}",
)
"""Checks the frame that :func:`stalkflag.validate.validate_export` hands on."""
