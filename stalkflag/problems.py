"""Problems found in an export: one per (row, column, reason), with a stable code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["CODES", "Problem"]

CODES: dict[str, str] = {
    # Row errors: the row is rejected.
    "E101": "required value is empty",
    "E102": "duplicate incident_id",
    "E103": "unparseable date",
    "E104": "date in the future",
    "E105": "unknown category",
    "E106": "bytes that are not UTF-8",
    "E107": "wrong number of fields",
    "E108": "label is not 0 or 1",
    "E109": "implausible date",
    # Row warnings: the row is kept and the value treated as missing (or as "unknown").
    "W201": "unusable date of birth",
    "W202": "unknown relationship",
}


@dataclass(frozen=True)
class Problem:
    """One problem with one value of one row.

    Attributes:
        row: Where the row is in the file: for CSV the line on which the record starts (the
            header is line 1), for Parquet the 1-based row position.
        column: The column at fault, or ``""`` for a problem with the whole row.
        value: The offending value, already masked for display (see :func:`stalkflag.mask.mask_value`).
        reason: What is wrong and, where possible, what to do.
        code: A stable code from :data:`CODES`.
    """

    row: int
    column: str
    value: str
    reason: str
    code: str

    @property
    def severity(self) -> Literal["error", "warning"]:
        return "warning" if self.code.startswith("W") else "error"

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        shown = f" {self.value}" if self.value else ""
        return f"{where}:{shown} {self.reason} [{self.code}]"
