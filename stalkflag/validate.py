"""Check an export against the contract, reporting every problem at once.

:func:`validate_export` takes the raw text of an export (from :func:`stalkflag.io.read_export`)
and splits it into accepted rows, typed as :data:`stalkflag.schema.CONTRACT_SCHEMA` describes,
and rejected rows, kept as they stood in the file with the reasons beside them. Every input
record ends up in exactly one of the two. Nothing is fixed silently: a value that is dropped or
replaced on an accepted row (an unreadable date of birth, an unknown relationship) is reported
as a warning.

Values are normalised in documented ways only: surrounding white space is ignored in IDs,
dates, categories, relationships and labels, and categories and relationships are matched
without regard to case, spaces or hyphens (``"Domestic Abuse"`` is ``domestic_abuse``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from stalkflag.io import RawExport
from stalkflag.mask import mask_value
from stalkflag.problems import CODES, Problem
from stalkflag.schema import (
    CATEGORIES,
    COLUMNS,
    CONTRACT_SCHEMA,
    OPTIONAL_COLUMNS,
    RELATIONSHIPS,
)

__all__ = ["ValidationReport", "validate_export", "validate_frame"]

_FUTURE_TOLERANCE = timedelta(days=1)
_EARLIEST = pd.Timestamp("1901-01-01")
"""Dates before this are not plausible report dates or dates of birth (1900-01-01, and
Excel's 1899-12-30/31, often stand for a missing date)."""
_SURROGATE = re.compile("[\udc80-\udcff]")
_SLASH_DATE = re.compile(r"^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}")
_LABELS = {"0": 0, "1": 1, "0.0": 0, "1.0": 1, "false": 0, "true": 1}


@dataclass
class ValidationReport:
    """What validation found.

    Attributes:
        accepted: The good rows, typed per the contract, with every contract column present,
            extra columns kept as text, and ``source_row`` giving each row's place in the file.
        rejected: The bad rows exactly as they stood in the file, with ``_row`` (place in the
            file) and ``_reasons`` (every reason, with codes) added in front.
        problems: Every problem found, errors and warnings, in file order.
        n_records: How many records the file held.
    """

    accepted: pd.DataFrame
    rejected: pd.DataFrame
    problems: list[Problem]
    n_records: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def exit_code(self) -> int:
        """0 when every row was accepted, 1 when some were rejected."""
        return 1 if len(self.rejected) else 0


def validate_export(
    raw: RawExport,
    *,
    now: datetime | None = None,
    category_map: Mapping[str, str] | None = None,
) -> ValidationReport:
    """Validate a raw export against the contract.

    Args:
        raw: The export as read by :func:`stalkflag.io.read_export`. It is not modified.
        now: The moment after which dates count as in the future; defaults to the current
            time (UTC).
        category_map: A force's own category codes mapped onto the contract's categories.
            Keys are matched like categories (ignoring case, spaces and hyphens).

    Returns:
        The report: accepted rows, rejected rows and every problem found.
    """
    frame = raw.frame
    rows = np.asarray(raw.rows, dtype=np.int64)
    now_ts = pd.Timestamp(now or datetime.now(UTC)).tz_localize(None)
    problems: list[Problem] = list(raw.malformed)
    typed: dict[str, pd.Series] = {}

    def report(mask: pd.Series, column: str, code: str, reason: Iterable[str] | str) -> None:
        idx = np.flatnonzero(mask.to_numpy(dtype=bool, na_value=False))
        reasons = [reason] * len(idx) if isinstance(reason, str) else list(reason)
        values = frame[column].to_numpy()[idx] if column in frame else [None] * len(idx)
        problems.extend(
            Problem(int(rows[i]), column, "" if code == "E101" else mask_value(column, v), r, code)
            for i, v, r in zip(idx, values, reasons, strict=True)
        )

    if raw.has_bad_bytes:
        for column in frame.columns:
            bad = frame[column].map(_first_bad_byte, na_action="ignore")
            has_bad = bad.notna()
            report(has_bad, column, "E106", (_bad_byte_reason(b) for b in bad[has_bad]))

    ids = _stripped(frame["incident_id"])
    report(ids.isna(), "incident_id", "E101", "is empty; every incident needs an incident_id")
    _check_duplicates(frame, ids, rows, problems)
    typed["incident_id"] = ids.astype("string")

    text = _stripped(frame["reported_at"])
    reported = _parse_datetimes(text)
    report(
        text.isna(),
        "reported_at",
        "E101",
        "is empty; every incident needs the date it was reported",
    )
    unparsed = text.notna() & reported.isna()
    year = _iso_year(text.where(unparsed))  # ISO dates pandas cannot hold (1066, 9999)
    early = (year < _EARLIEST.year) | (reported < _EARLIEST)
    future = (year > now_ts.year) | (reported > now_ts + _FUTURE_TOLERANCE)
    unparsed &= ~(early | future)
    report(unparsed, "reported_at", "E103", (_date_reason(v) for v in text[unparsed]))
    report(
        early,
        "reported_at",
        "E109",
        f"is before {_EARLIEST:%Y}: not a plausible report date (1900-01-01 often stands for "
        "a missing date); give the date the incident was reported",
    )
    report(future, "reported_at", "E104", f"is in the future (after {now_ts:%Y-%m-%d})")
    reported = reported.where(~early)
    typed["reported_at"] = reported

    typed["recorded_category"] = _check_categories(frame, report, category_map or {})
    typed["notes"] = frame["notes"].fillna("").astype("string")

    for column in ("victim_dob", "suspect_dob"):
        typed[column] = _check_dob(frame, column, reported, now_ts, report)
    if "relationship" in frame:
        typed["relationship"] = _check_relationship(frame, report)
    if "label" in frame:
        typed["label"] = _check_label(frame, report)
    for spec in COLUMNS:
        if spec.name not in typed and spec.name in frame:
            typed[spec.name] = _stripped(frame[spec.name]).astype("string")

    return _split(raw, typed, problems)


def validate_frame(
    frame: pd.DataFrame,
    *,
    category_map: Mapping[str, str] | None = None,
    first_row: int = 2,
) -> ValidationReport:
    """Validate an export given as a frame, as :func:`validate_export` validates a file.

    Cells are made text (missing kept missing) and rows numbered from ``first_row``: 2, 3, ...
    by default, as a file's would be; the served model numbers a request's rows from 0.
    """
    text = frame.astype(object).where(frame.notna(), None)
    text = text.map(lambda v: v if v is None else str(v))
    rows = list(range(first_row, len(text) + first_row))
    raw = RawExport(text.reset_index(drop=True), rows, Path("<frame>"), "parquet")
    return validate_export(raw, category_map=category_map)


def _stripped(series: pd.Series) -> pd.Series:
    """Text with surrounding white space removed; empty becomes missing."""
    out = series.astype(object).str.strip()
    return out.where(out.notna() & (out != ""), None)


def _norm_key(series: pd.Series) -> pd.Series:
    return _stripped(series).str.lower().str.replace(r"[\s\-/]+", "_", regex=True)


def _first_bad_byte(value: str) -> int | None:
    match = _SURROGATE.search(value)
    return None if match is None else match.start()


def _bad_byte_reason(position: float) -> str:
    return (
        f"has a byte that is not UTF-8 at character {int(position) + 1}; "
        "re-export the file as UTF-8 (it may be Windows-1252)"
    )


def _date_reason(value: str) -> str:
    hint = " (it looks like DD/MM/YYYY)" if _SLASH_DATE.match(value) else ""
    return f"is not an ISO 8601 date or datetime{hint}; write it as YYYY-MM-DD or YYYY-MM-DDTHH:MM"


def _iso_year(text: pd.Series) -> pd.Series:
    """The year of text that starts like an ISO date (``YYYY-MM-DD``), else NaN."""
    return pd.to_numeric(
        text.astype(object).str.extract(r"^(\d{4})-\d{1,2}-\d{1,2}", expand=False),
        errors="coerce",
    )


def _parse_datetimes(text: pd.Series) -> pd.Series:
    """ISO 8601 text (already stripped, missing as None) to naive UTC datetimes; NaT if unreadable."""
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    return parsed.dt.tz_localize(None).astype("datetime64[ns]")


def _check_duplicates(
    frame: pd.DataFrame, ids: pd.Series, rows: np.ndarray, problems: list[Problem]
) -> None:
    present = ids.notna()
    dup = present & ids.duplicated(keep=False)
    if not dup.any():
        return
    positions = np.flatnonzero(dup.to_numpy())
    groups: dict[str, list[int]] = {}
    for pos in positions:
        groups.setdefault(ids.iat[pos], []).append(int(pos))
    for incident_id, members in groups.items():
        shown = mask_value("incident_id", incident_id)
        first = frame.iloc[members[0]].tolist()
        identical = all(frame.iloc[m].tolist() == first for m in members[1:])
        if identical:
            problems.extend(
                Problem(
                    int(rows[m]),
                    "incident_id",
                    shown,
                    f"is an exact copy of row {rows[members[0]]}, which is kept",
                    "E102",
                )
                for m in members[1:]
            )
            continue
        for m in members:
            others = ", ".join(str(rows[o]) for o in members if o != m)
            problems.append(
                Problem(
                    int(rows[m]),
                    "incident_id",
                    shown,
                    f"is also used on row(s) {others} with different content; "
                    "which one is right cannot be told, so all are set aside",
                    "E102",
                )
            )


def _check_categories(frame: pd.DataFrame, report, category_map: Mapping[str, str]) -> pd.Series:
    mapping = {_norm_key(pd.Series([k])).iat[0]: v for k, v in category_map.items()}
    norm = _norm_key(frame["recorded_category"])
    mapped = norm.map(lambda v: mapping.get(v, v), na_action="ignore")
    report(
        norm.isna(),
        "recorded_category",
        "E101",
        "is empty; every incident needs a recorded category",
    )
    unknown = norm.notna() & ~mapped.isin(CATEGORIES)
    choices = [*CATEGORIES, *mapping]
    hints = {v: _suggest(v, choices, CATEGORIES) for v in norm[unknown].unique()}
    report(
        unknown,
        "recorded_category",
        "E105",
        (
            f"is not a known category{hints[v]}; use a contract category (data/README.md) or "
            "map the force's codes onto them with a category map"
            for v in norm[unknown]
        ),
    )
    return mapped.where(mapped.isin(CATEGORIES), None).astype("string")


def _suggest(value: str, choices: list[str], known: Iterable[str]) -> str:
    match = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else f" (known: {', '.join(known)})"


def _check_dob(frame, column, reported, now_ts, report) -> pd.Series:
    if column not in frame:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    text = _stripped(frame[column])
    dob = _parse_datetimes(text).dt.normalize()
    unparsed = text.notna() & dob.isna()
    year = _iso_year(text.where(unparsed))
    early = (year < _EARLIEST.year) | (dob < _EARLIEST)
    late = (year > now_ts.year) | (dob.notna() & (dob > now_ts))
    after = ~early & (late | (dob.notna() & reported.notna() & (dob > reported)))
    report(
        unparsed & ~early & ~late,
        column,
        "W201",
        "is not a date (YYYY-MM-DD); kept the row, date treated as missing",
    )
    report(
        early,
        column,
        "W201",
        f"is before {_EARLIEST:%Y}, not a plausible date of birth; kept the row, date treated "
        "as missing",
    )
    report(
        after, column, "W201", "is after the incident date; kept the row, date treated as missing"
    )
    return dob.where(~(after | early))


def _check_relationship(frame, report) -> pd.Series:
    norm = _norm_key(frame["relationship"])
    unknown = norm.notna() & ~norm.isin(RELATIONSHIPS)
    hints = {v: _suggest(v, list(RELATIONSHIPS), RELATIONSHIPS) for v in norm[unknown].unique()}
    report(
        unknown,
        "relationship",
        "W202",
        (
            f"is not a known relationship{hints[v]}; kept the row as 'unknown'"
            for v in norm[unknown]
        ),
    )
    return norm.where(~unknown, "unknown").astype("string")


def _check_label(frame, report) -> pd.Series:
    norm = _stripped(frame["label"]).str.lower()
    value = norm.map(_LABELS.get, na_action="ignore")
    bad = norm.notna() & value.isna()
    report(bad, "label", "E108", "is not 0 or 1")
    return value.astype("Int8")


def _split(
    raw: RawExport, typed: dict[str, pd.Series], problems: list[Problem]
) -> ValidationReport:
    frame = raw.frame
    rows = np.asarray(raw.rows, dtype=np.int64)
    problems.sort(key=lambda p: (p.row, p.code))
    bad_rows = {p.row for p in problems if p.severity == "error"}
    bad = np.isin(rows, np.fromiter(bad_rows, dtype=np.int64, count=len(bad_rows)))

    accepted = pd.DataFrame(typed, index=frame.index)
    for name in OPTIONAL_COLUMNS:
        if name not in accepted:
            dtype = next(
                {"date": "datetime64[ns]", "label": "Int8"}.get(c.kind, "string")
                for c in COLUMNS
                if c.name == name
            )
            accepted[name] = pd.Series(pd.NA, index=frame.index, dtype=dtype)
    contract = [c.name for c in COLUMNS]
    extras = [c for c in frame.columns if c not in contract]
    accepted = pd.concat(
        [
            accepted[contract],
            frame[extras],
            pd.DataFrame({"source_row": rows}, index=frame.index),
        ],
        axis=1,
    )
    accepted = accepted[~bad].reset_index(drop=True)
    CONTRACT_SCHEMA.validate(accepted)

    reasons: dict[int, list[str]] = {}
    for p in problems:
        if p.severity == "error":
            where = f"{p.column}: " if p.column else ""
            reasons.setdefault(p.row, []).append(f"{where}{p.reason} [{p.code}]")
    rejected = frame[bad].copy()
    rejected.insert(0, "_row", rows[bad])
    if raw.malformed_records:
        rejected = pd.concat([rejected, _malformed_frame(raw)], ignore_index=True)
    rejected = rejected.sort_values("_row", kind="stable").reset_index(drop=True)
    rejected.insert(1, "_reasons", rejected["_row"].map(lambda r: "; ".join(reasons[r])))

    counts = {code: 0 for code in CODES}
    for p in problems:
        counts[p.code] += 1
    return ValidationReport(
        accepted, rejected, problems, raw.n_records, {k: v for k, v in counts.items() if v}
    )


def _malformed_frame(raw: RawExport) -> pd.DataFrame:
    """Malformed records laid out under the header; extra fields go to ``_extra_fields``."""
    columns = list(raw.frame.columns)
    out = []
    for row, fields in raw.malformed_records.items():
        record = dict(zip(columns, fields, strict=False))
        record["_row"] = row
        record["_extra_fields"] = "|".join(fields[len(columns) :]) or None
        out.append(record)
    return pd.DataFrame(out, columns=["_row", *columns, "_extra_fields"], dtype=object)
