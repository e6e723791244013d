"""Build the bad-input corpus: small exports that break the contract one way each.

Run ``python tests/data/bad_inputs/build.py`` to (re)write the files beside this script;
``tests/test_bad_inputs.py`` checks that the committed files are what this script writes and
runs ``stalkflag validate``, ``link`` and ``score`` over every one. Every name and note here
is made up.

Each case says what every command must do with it: the exit code (0 every row accepted, 1
some rows rejected, 2 the file cannot be used), how many records the file holds, how many are
accepted, and a few words the message must hold.
"""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent

HEADER = [
    "incident_id", "reported_at", "recorded_category", "notes", "victim_id", "suspect_id",
    "victim_name", "suspect_name", "victim_dob", "suspect_dob", "relationship", "force", "label",
]  # fmt: skip

ROWS = [
    ["BI-0001", "2024-01-03", "harassment", "Caller reports Tobin Marsh waited outside her flat again.",
     "PN900001", "PN900101", "Zara Quill", "Tobin Marsh", "1990-02-11", "1985-07-30", "ex_partner", "XF", "1"],
    ["BI-0002", "2024-01-09T18:20", "malicious_communications", "Forty texts overnight from the ex, she says.",
     "PN900001", "PN900101", "Zara QUILL", "Tobin Marsh", "1990-02-11", "", "ex_partner", "XF", "1"],
    ["BI-0003", "2024-02-01", "domestic_abuse", "Verbal argument about the children; words of advice.",
     "PN900002", "PN900102", "Odile Fenwick", "Bram Fenwick", "1979-05-05", "1977-12-01", "partner", "XF", "0"],
    ["BI-0004", "2024-02-14", "criminal_damage", "Wing mirror broken on the street, no suspect seen.",
     "PN900003", "", "Hollis Penhaligon", "", "1969-09-09", "", "stranger", "XF", "0"],
    ["BI-0005", "2024-03-02", "harassment", "Tobin Marsh turned up at her work and followed her to the bus.",
     "PN900001", "PN900101", "Zara Quill", "T Marsh", "1990-02-11", "1985-07-30", "ex_partner", "XF", "1"],
    ["BI-0006", "2024-03-20", "public_order", "Neighbours shouting across the fence over parking.",
     "PN900004", "PN900104", "Wendeline Ashgrove", "Corin Blythe", "1958-03-17", "1961-10-10", "neighbour", "XF", "0"],
    ["BI-0007", "2024-04-05", "other", "Lost property handed in; no crime.",
     "", "", "", "", "", "", "", "XF", "0"],
    ["BI-0008", "2024-04-18", "coercive_control", "She says Ivo Trelawny checks her phone and keeps her bank card.",
     "PN900005", "PN900105", "Mirela Stanhope", "Ivo Trelawny", "1994-06-06", "1992-01-21", "partner", "XF", "0"],
]  # fmt: skip
"""Eight made-up incidents that pass validation."""

PERSONAL = ("notes", "victim_name", "suspect_name", "victim_id", "suspect_id")
PERSONAL_VALUES = sorted(
    {r[HEADER.index(c)] for r in ROWS for c in PERSONAL if len(r[HEADER.index(c)]) > 3}
    | {"Zara", "Quill", "Tobin", "Marsh", "Fenwick", "Trelawny", "Stanhope", "Ashgrove"}
)
"""Values no message may show."""


@dataclass(frozen=True)
class Case:
    """One corpus file and what every command must make of it.

    Attributes:
        name: The file's name.
        content: Its bytes.
        exit_code: 0, 1 or 2 (the same for validate, link and score).
        records: How many records the file holds (None when it cannot be used).
        accepted: How many of them pass validation.
        words: Words the messages (stdout and stderr) must hold.
    """

    name: str
    content: bytes
    exit_code: int
    records: int | None = None
    accepted: int | None = None
    words: tuple[str, ...] = ()


def _csv(rows: list[list[str]], header: list[str] = HEADER, newline: str = "\r\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _with(row: int, column: str, value: str) -> list[list[str]]:
    rows = [list(r) for r in ROWS]
    rows[row][HEADER.index(column)] = value
    return rows


def _cases() -> list[Case]:
    good = _csv(ROWS)
    lines = good.split("\r\n")
    cases = [
        Case("good.csv", good.encode(), 0, 8, 8),
        Case("utf8_bom.csv", b"\xef\xbb\xbf" + good.encode(), 0, 8, 8),
        Case("utf16_bom.csv", good.encode("utf-16"), 0, 8, 8),
        Case("utf16_no_bom.csv", good.encode("utf-16-le"), 2, words=("UTF-16", "UTF-8")),
        Case("empty.csv", b"", 2, words=("is empty",)),
        Case(
            "blank_header.csv",
            b",,,,\r\n1,2,3,4,5\r\n",
            2,
            words=("does not look like an incident export",),
        ),
        Case("header_only.csv", lines[0].encode() + b"\r\n", 2, words=("no incident rows",)),
        Case("binary.csv", bytes(range(256)) * 4, 2, words=("binary data",)),
        Case("zip.csv", b"PK\x03\x04" + b"\x00" * 64, 2, words=("ZIP",)),
        Case(
            "semicolons.csv",
            good.replace(",", ";").encode(),
            2,
            words=("another separator",),
        ),
        Case(
            "missing_column.csv",
            _csv([r[:2] + r[3:] for r in ROWS], HEADER[:2] + HEADER[3:]).encode(),
            2,
            words=("lacks required columns: recorded_category",),
        ),
        Case(
            "no_header.csv",
            "\r\n".join(lines[1:]).encode(),
            2,
            words=("does not look like an incident export",),
        ),
        Case(
            "all_rejected.csv",
            _csv([[*r[:2], "zz_unknown", *r[3:]] for r in ROWS]).encode(),
            1,
            8,
            0,
            ("No row passed validation",),
        ),
        Case(
            "unclosed_quote.csv",
            _unclosed_quote(lines),
            1,
            6,
            5,
            ("row 7: has 4 fields", "a quote opened on line 7 is never closed", "2 line(s)"),
        ),
        Case(
            "implausible_years.csv",
            _csv(
                _with(0, "reported_at", "1066-10-14")[:1]
                + _with(1, "reported_at", "1900-01-01")[1:2]
                + _with(2, "reported_at", "9999-12-31")[2:3]
                + _with(3, "victim_dob", "1812-01-01")[3:]
            ).encode(),
            1,
            8,
            5,
            ("row 2, column reported_at", "before 1901", "row 4, column reported_at", "future"),
        ),
        Case(
            "wide.csv",
            _csv(
                [r + [""] * 3000 for r in ROWS[:3]], HEADER + [f"x{i}" for i in range(3000)]
            ).encode(),
            0,
            3,
            3,
            ("3,000 column(s) not in the contract",),
        ),
        Case(
            "formulas.csv",
            _csv(
                [
                    *_with(0, "notes", '=HYPERLINK("http://example.invalid","x")')[:1],
                    *_with(1, "force", "@SUM(A1)")[1:2],
                    *_with(2, "recorded_category", "+cmd|' /C calc'!A0")[2:3],
                    *_with(3, "label", "-0.5")[3:4],
                    *ROWS[4:],
                ]
            ).encode(),
            1,
            8,
            6,
            ("row 4, column recorded_category", "row 5, column label"),
        ),
        Case(
            "column_shift.csv",
            _csv([[*ROWS[0][:2], "Zara Quill", *ROWS[0][2:-1]], *ROWS[1:]]).encode(),
            1,
            8,
            7,
            ("row 2, column recorded_category: <masked",),
        ),
        Case(
            "duplicate_ids.csv",
            _csv([*ROWS, ROWS[0], [ROWS[1][0], *ROWS[2][1:]]]).encode(),
            1,
            10,
            7,
            ("exact copy of row 2", "different content"),
        ),
        Case(
            "cp1252_bytes.csv",
            good.encode().replace(b"no crime", b"no crime \x96 closed"),
            1,
            8,
            7,
            ("not UTF-8",),
        ),
        Case(
            "blank_required.csv",
            _csv(
                _with(0, "incident_id", "")[:1]
                + _with(1, "reported_at", " ")[1:2]
                + _with(2, "recorded_category", "")[2:]
            ).encode(),
            1,
            8,
            5,
            ("is empty",),
        ),
        Case(
            "ragged.csv",
            (good + "BI-0009,2024-05-01,harassment,short\r\n" + lines[1] + ",extra\r\n").encode(),
            1,
            10,
            8,
            ("has 4 fields but the header has 13", "has 14 fields"),
        ),
        Case(
            "bad_dates.csv",
            _csv(
                _with(0, "reported_at", "03/01/2024")[:1]
                + _with(1, "reported_at", "2024-02-30")[1:2]
                + _with(2, "reported_at", "2099-01-01")[2:]
            ).encode(),
            1,
            8,
            5,
            ("DD/MM/YYYY", "in the future"),
        ),
        Case(
            "same_person_both_parties.csv",
            _csv(
                [
                    *ROWS,
                    [
                        "BI-0009",
                        "2024-05-02",
                        "harassment",
                        "Caller gave her own details twice.",
                        "PN900001",
                        "PN900001",
                        "Zara Quill",
                        "Zara Quill",
                        "1990-02-11",
                        "1990-02-11",
                        "",
                        "XF",
                        "0",
                    ],
                ]
            ).encode(),
            0,
            9,
            9,
        ),
    ]
    return cases


def _unclosed_quote(lines: list[str]) -> bytes:
    """Line 7 opens a quote in its notes that is never closed: the two lines after it, to the
    end of the file, fold into its record (three rows read as one)."""
    fields = next(csv.reader([lines[6]]))
    fields[3] = '"' + fields[3]
    broken = ",".join(fields)
    return "\r\n".join([*lines[:6], broken, *lines[7:]]).encode()


CASES = _cases()


def build(folder: Path = HERE) -> list[Path]:
    """Write every case into ``folder``; return the paths."""
    paths = []
    for case in CASES:
        path = folder / case.name
        path.write_bytes(case.content)
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in build(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(written)
