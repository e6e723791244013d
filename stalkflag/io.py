"""Read and write incident exports (CSV and Parquet).

Reading never interprets values: :func:`read_export` returns every field as text exactly as it
stood in the file, with the row number it came from, so that validation can report problems
against the file a person can open. Bytes that are not UTF-8 are kept (as surrogate escapes)
and written back unchanged to the rejects file, so nothing is lost.
"""

from __future__ import annotations

import csv
import difflib
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from stalkflag.errors import UnusableInputError
from stalkflag.problems import Problem
from stalkflag.schema import COLUMNS, REQUIRED_COLUMNS

__all__ = ["RawExport", "read_category_map", "read_export", "write_frame"]

logger = logging.getLogger(__name__)

csv.field_size_limit(64 * 1024 * 1024)

_SNIFF_BYTES = 64 * 1024
_MAGIC = {
    b"PK\x03\x04": "a ZIP archive (an Excel .xlsx workbook is one); save it as CSV (UTF-8) first",
    b"\x1f\x8b": "gzip-compressed; decompress it first",
    b"%PDF": "a PDF document, not a data export",
    b"\xd0\xcf\x11\xe0": "an old Excel/Office file; save it as CSV (UTF-8) first",
    b"SQLite format 3": "an SQLite database, not a data export",
}
_KIND_OF_COLUMN = {c.name: c.kind for c in COLUMNS}


@dataclass
class RawExport:
    """An export as text, before validation.

    Attributes:
        frame: One row per record; every cell a ``str`` or ``None`` (missing). Only
            well-formed records are here.
        rows: The source row number of each record in ``frame`` (same order).
        malformed: Records that could not be split into the header's columns, as problems.
        malformed_records: The raw fields of those records, keyed by row number.
        path: Where it was read from.
        format: ``"csv"`` or ``"parquet"``.
        has_bad_bytes: Whether any byte in the file was not valid UTF-8.
    """

    frame: pd.DataFrame
    rows: list[int]
    path: Path
    format: Literal["csv", "parquet"]
    malformed: list[Problem] = field(default_factory=list)
    malformed_records: dict[int, list[str]] = field(default_factory=dict)
    has_bad_bytes: bool = False

    @property
    def n_records(self) -> int:
        return len(self.rows) + len(self.malformed_records)


def read_export(path: str | Path) -> RawExport:
    """Read a CSV or Parquet export as text, keeping each record's row number.

    The format is taken from the file's content, not its name.

    Args:
        path: The export file.

    Returns:
        The raw export.

    Raises:
        UnusableInputError: The file is missing, empty, not CSV or Parquet, has a Parquet column
            of the wrong type, or lacks a required column.
    """
    path = Path(path)
    if not path.exists():
        raise UnusableInputError(f"{path} does not exist.", code="F006")
    if path.is_dir():
        raise UnusableInputError(f"{path} is a folder; give the export file.", code="F006")
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if not head.strip():
        raise UnusableInputError(f"{path} is empty: it has no header and no rows.", code="F001")
    if head.startswith(b"PAR1"):
        return _read_parquet(path)
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise UnusableInputError(f"{path} is not a CSV file: it is {what}.", code="F002")
    if b"\x00" in head:
        raise UnusableInputError(
            f"{path} is not a CSV file: it holds binary data (NUL bytes). "
            "Export the incidents as CSV (UTF-8) or Parquet.",
            code="F002",
        )
    return _read_csv(path)


def _read_csv(path: Path) -> RawExport:
    data = path.read_bytes()
    try:
        text, bad_bytes = data.decode("utf-8"), False
    except UnicodeDecodeError:
        text, bad_bytes = data.decode("utf-8", "surrogateescape"), True
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    header: list[str] | None = None
    header_line = 0
    records: list[list[str]] = []
    rows: list[int] = []
    malformed: list[Problem] = []
    malformed_records: dict[int, list[str]] = {}
    last_line = 0
    try:
        for fields in reader:
            start, last_line = last_line + 1, reader.line_num
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # blank line: not a record
            if header is None:
                header, header_line = [f.strip() for f in fields], start
                _check_header(path, header)
                continue
            if len(fields) != len(header):
                malformed.append(
                    Problem(
                        start,
                        "",
                        "",
                        f"has {len(fields)} fields but the header has {len(header)}; "
                        "check for an unquoted comma or a missing quote",
                        "E107",
                    )
                )
                malformed_records[start] = fields
                continue
            records.append(fields)
            rows.append(start)
    except csv.Error as exc:  # pragma: no cover - csv in non-strict mode rarely raises
        raise UnusableInputError(
            f"{path} is not a readable CSV file (line {reader.line_num}: {exc}).", code="F002"
        ) from None
    if header is None:
        raise UnusableInputError(f"{path} is empty: it has no header and no rows.", code="F001")
    if not records and not malformed_records:
        raise UnusableInputError(
            f"{path} has a header (line {header_line}) but no incident rows.", code="F005"
        )
    frame = pd.DataFrame(records, columns=header, dtype=object)
    logger.debug("read %d records from %s", len(frame), path.name)
    return RawExport(frame, rows, path, "csv", malformed, malformed_records, bad_bytes)


def _check_header(path: Path, header: list[str]) -> None:
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise UnusableInputError(
            f"{path} has duplicate column names: {', '.join(dupes)}.", code="F003"
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if not missing:
        return
    known = {c.name for c in COLUMNS}
    if not known.intersection(header):
        hint = ""
        if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
            hint = " It looks like it uses another separator; the contract needs commas."
        raise UnusableInputError(
            f"{path} does not look like an incident export: its first line has none of the "
            f"contract's column names ({', '.join(REQUIRED_COLUMNS)}).{hint}",
            code="F002",
        )
    raise UnusableInputError(
        f"{path} lacks required columns: {_with_suggestions(missing, header)}.", code="F003"
    )


def _with_suggestions(missing: list[str], present: list[str]) -> str:
    lowered = {p.lower().replace(" ", "_"): p for p in present}
    parts = []
    for name in missing:
        match = difflib.get_close_matches(name, list(lowered), n=1, cutoff=0.6)
        parts.append(f"{name} (did you mean {lowered[match[0]]!r}?)" if match else name)
    return ", ".join(parts)


def _read_parquet(path: Path) -> RawExport:
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise UnusableInputError(
            f"{path} is not a readable Parquet file ({type(exc).__name__}).", code="F002"
        ) from None
    _check_header(path, table.column_names)
    if table.num_rows == 0:
        raise UnusableInputError(f"{path} has columns but no incident rows.", code="F005")
    wrong = [
        msg
        for name in table.column_names
        if name in _KIND_OF_COLUMN
        and (msg := _parquet_type_problem(name, table.schema.field(name).type))
    ]
    if wrong:
        raise UnusableInputError(
            f"{path} has columns of the wrong type: {'; '.join(wrong)}.", code="F004"
        )
    columns = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        if not pa.types.is_string(col.type) and not pa.types.is_large_string(col.type):
            col = col.cast(pa.string()) if name in _KIND_OF_COLUMN else col
        columns[name] = col.to_pandas().astype(object).where(lambda s: s.notna(), None)
    frame = pd.DataFrame(columns)
    return RawExport(frame, list(range(1, len(frame) + 1)), path, "parquet")


def _parquet_type_problem(name: str, typ: pa.DataType) -> str | None:
    t = pa.types
    if t.is_dictionary(typ):
        typ = typ.value_type
    is_text = t.is_string(typ) or t.is_large_string(typ) or t.is_null(typ)
    kind = _KIND_OF_COLUMN[name]
    ok = {
        "id": is_text or t.is_integer(typ),
        "text": is_text,
        "category": is_text,
        "relationship": is_text,
        "datetime": is_text or t.is_timestamp(typ) or t.is_date(typ),
        "date": is_text or t.is_timestamp(typ) or t.is_date(typ),
        "label": is_text or t.is_integer(typ) or t.is_boolean(typ) or t.is_floating(typ),
    }[kind]
    if ok:
        return None
    expected = {
        "id": "text or integer",
        "text": "text",
        "category": "text",
        "relationship": "text",
        "datetime": "a timestamp, a date or ISO 8601 text",
        "date": "a date or ISO 8601 text",
        "label": "0/1 integer or boolean",
    }[kind]
    return f"{name} is {typ}, expected {expected}"


def write_frame(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as CSV or Parquet, chosen by the file extension.

    CSV is written as UTF-8; text that came from non-UTF-8 bytes is written back as those
    same bytes, so a rejects file holds exactly what the export held.

    Args:
        frame: What to write.
        path: A ``.csv`` or ``.parquet`` path; its folder is created if needed.

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in {".parquet", ".pq"}:
        frame.to_parquet(path, index=False)
    else:
        with path.open("w", encoding="utf-8", errors="surrogateescape", newline="") as fh:
            frame.to_csv(fh, index=False)
    return path


def read_category_map(path: str | Path) -> dict[str, str]:
    """Read a force's category map: a YAML mapping of its own codes to contract categories.

    Raises:
        ConfigError: The file is missing, not YAML, not a mapping, or maps onto a category the
            contract does not have.
    """
    import yaml

    from stalkflag.errors import ConfigError
    from stalkflag.schema import CATEGORIES

    path = Path(path)
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"category map {path} does not exist.", code="C001") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"category map {path} is not valid YAML ({type(exc).__name__}).", code="C002"
        ) from None
    if not isinstance(loaded, dict) or not all(isinstance(v, str) for v in loaded.values()):
        raise ConfigError(
            f"category map {path} must map each force code to a category name.", code="C002"
        )
    bad = sorted({v for v in loaded.values() if v not in CATEGORIES})
    if bad:
        raise ConfigError(
            f"category map {path} maps onto unknown categories: {', '.join(bad)} "
            f"(known: {', '.join(CATEGORIES)}).",
            code="C003",
        )
    return {str(k): v for k, v in loaded.items()}
