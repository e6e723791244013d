"""Read and write incident exports (CSV and Parquet).

Reading never interprets values: :func:`read_export` returns every field as text exactly as it
stood in the file, with the row number it came from, so that validation can report problems
against the file a person can open. Bytes that are not UTF-8 are kept (as surrogate escapes)
and written back unchanged to the rejects file, so nothing is lost.
"""

from __future__ import annotations

import csv
import difflib
import errno
import functools
import io
import logging
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from stalkflag.errors import OutputError, UnusableInputError
from stalkflag.problems import Problem
from stalkflag.schema import COLUMNS, REQUIRED_COLUMNS

__all__ = [
    "RawExport",
    "check_output_folder",
    "escape_formulas",
    "output_error",
    "read_category_map",
    "read_export",
    "write_frame",
    "write_outputs",
]

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
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError as exc:
        raise UnusableInputError(
            f"{path} cannot be read ({exc.strerror or type(exc).__name__}).", code="F006"
        ) from None
    if not head.strip():
        raise UnusableInputError(f"{path} is empty: it has no header and no rows.", code="F001")
    if head.startswith(b"PAR1"):
        return _read_parquet(path)
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise UnusableInputError(f"{path} is not a CSV file: it is {what}.", code="F002")
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise UnusableInputError(
            f"{path} is UTF-32 text; save it as CSV (UTF-8) and try again.", code="F002"
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _read_csv(path, encoding="utf-16")
    if _looks_like_utf16(head):
        raise UnusableInputError(
            f"{path} looks like UTF-16 text without a byte-order mark; save it as CSV (UTF-8) "
            "and try again.",
            code="F002",
        )
    if b"\x00" in head:
        raise UnusableInputError(
            f"{path} is not a CSV file: it holds binary data (NUL bytes). "
            "Export the incidents as CSV (UTF-8) or Parquet.",
            code="F002",
        )
    return _read_csv(path)


def _looks_like_utf16(head: bytes) -> bool:
    """Most of the first bytes alternate with NULs, as ASCII text in UTF-16 does."""
    sample = head[:512]
    if len(sample) < 8:
        return False
    even, odd = sample[0::2], sample[1::2]
    return max(even.count(0) / len(even), odd.count(0) / len(odd)) > 0.9


def _read_csv(path: Path, encoding: str = "utf-8") -> RawExport:
    data = path.read_bytes()
    bad_bytes = False
    if encoding == "utf-16":
        try:
            text = data.decode("utf-16")  # the byte-order mark says which byte order
        except UnicodeDecodeError:
            raise UnusableInputError(
                f"{path} starts as UTF-16 text but is not valid UTF-16; save it as CSV (UTF-8) "
                "and try again.",
                code="F002",
            ) from None
        logger.info("%s is UTF-16 text; read as such (rejects are written as UTF-8)", path.name)
    else:
        try:
            text = data.decode("utf-8")
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

    @functools.cache
    def lines() -> list[str]:
        return io.StringIO(text, newline="").readlines()

    try:
        for fields in reader:
            start, last_line = last_line + 1, reader.line_num
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # blank line: not a record
            if header is None:
                header, header_line = [f.strip() for f in fields], start
                _check_header(path, header)
                continue
            swallowed = last_line > start and _swallows_rows(
                fields, len(header), "".join(lines()[start - 1 : last_line])
            )
            if len(fields) != len(header) or swallowed:
                shape = (
                    f"has {len(fields)} fields but the header has {len(header)}"
                    if len(fields) != len(header)
                    else f"reads as one record over lines {start} to {last_line}"
                )
                malformed.append(
                    Problem(
                        start, "", "", shape + _unclosed_quote(fields, start, last_line), "E107"
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


def _swallows_rows(fields: list[str], width: int, raw: str) -> bool:
    """Whether a record that spans lines holds lines that read as rows of their own (a line
    of a multi-line field with the header's number of fields), or runs to the end of the
    file with a quote left open (``raw``, the record's lines, holds an odd number of quotes):
    signs of a quote that was never closed."""
    for value in fields:
        lines = value.splitlines()
        if any(len(next(csv.reader([line]), [])) == width for line in lines[1:]):
            return True
    return raw.count('"') % 2 == 1


def _unclosed_quote(fields: list[str], start: int, end: int) -> str:
    """How to fix a record of the wrong width; when it spans lines, where the quote that was
    never closed opened and how many lines it swallowed."""
    if end > start:
        line = start
        for value in fields:
            if "\n" in value or "\r" in value:
                swallowed = end - line
                return (
                    f": a quote opened on line {line} is never closed, so the {swallowed} "
                    f"line(s) after it (to line {end}) were read into this record; close the "
                    "quote, or double any quote inside the text"
                )
            line += value.count("\n")
    return "; check for an unquoted comma or a missing quote"


def _check_header(path: Path, header: list[str]) -> None:
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
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        shown = ", ".join(repr(d) if d else "(empty)" for d in dupes)
        raise UnusableInputError(f"{path} has duplicate column names: {shown}.", code="F003")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
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


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with text that a spreadsheet would run as a formula made inert.

    Following OWASP's advice on CSV injection, a text value (or column name) starting with
    ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading single quote, which
    spreadsheets show as text. Numeric columns are left alone, and so is text that is a plain
    number (``-0.5``), which a spreadsheet reads as a number, not a formula.
    """
    out = frame.copy(deep=False)
    for position in range(frame.shape[1]):
        series = frame.iloc[:, position]
        if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
            out.isetitem(position, series.map(_escaped, na_action="ignore"))
    out.columns = [_escaped(c) if isinstance(c, str) else c for c in frame.columns]
    return out


def _escaped(value: object) -> object:
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_START)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def write_frame(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as CSV or Parquet, chosen by the file extension, all or nothing.

    CSV is written as UTF-8, with text that could run as a spreadsheet formula escaped
    (:func:`escape_formulas`); text that came from non-UTF-8 bytes is written back as those
    same bytes, so a rejects file holds what the export held. The file is written beside
    its destination under a temporary name and moved into place when complete
    (:func:`write_outputs`).

    Args:
        frame: What to write.
        path: A ``.csv`` or ``.parquet`` path; its folder is created if needed.

    Returns:
        The path written.

    Raises:
        OutputError: The file could not be written (nothing is left behind).
    """
    return write_outputs({Path(path): frame})[0]


def write_outputs(outputs: Mapping[Path, pd.DataFrame | str]) -> list[Path]:
    """Write several outputs, each a frame (see :func:`write_frame`) or text, all or none.

    Each is written to a temporary file in its destination's folder; only when every one is
    complete are they moved into place (``os.replace``), so a failure (a full disk, a read-only
    folder) leaves no partial file and no mix of old and new outputs. A destination that is
    a device or a pipe (``/dev/stdout``) is written directly.

    Raises:
        OutputError: One sentence saying which file could not be written and why.
    """
    staged: dict[Path, Path] = {}
    try:
        for path, content in outputs.items():
            path = Path(path)
            direct = path.exists() and not path.is_file() and not path.is_dir()
            target = path if direct else _staging_name(path)
            if not direct:
                staged[path] = target
            try:
                _write_one(content, target, path.suffix.lower())
            except OSError as exc:
                raise output_error(path, exc) from None
        for path, temporary in staged.items():
            try:
                os.replace(temporary, path)
            except OSError as exc:
                raise output_error(path, exc) from None
    finally:
        for temporary in staged.values():
            temporary.unlink(missing_ok=True)
    return [Path(p) for p in outputs]


def check_output_folder(folder: Path) -> None:
    """Make ``folder`` (and its parents) and check that a file can be written in it, before
    any long work: a command fails fast, with one sentence, and writes nothing.

    Raises:
        OutputError: ``folder`` is a file, or cannot be made or written to.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} is a file; --out needs a folder.", code="O001")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = _staging_name(folder / "probe")
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise output_error(folder, exc) from None


def _staging_name(path: Path) -> Path:
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give a file name to write.", code="O001")
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise OutputError(f"{parent} is a file, so {path} cannot be written.", code="O001")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(parent, exc) from None
    return parent / f".{path.name}.{uuid.uuid4().hex[:8]}.tmp"


def _write_one(content: pd.DataFrame | str, target: Path, suffix: str) -> None:
    if isinstance(content, str):
        with target.open("w", encoding="utf-8") as fh:
            fh.write(content)
    elif suffix in {".parquet", ".pq"}:
        content.to_parquet(target, index=False)
    else:
        with target.open("w", encoding="utf-8", errors="surrogateescape", newline="") as fh:
            escape_formulas(content).to_csv(fh, index=False)


def output_error(path: Path, exc: OSError) -> OutputError:
    """One sentence for an ``OSError`` met while writing ``path``."""
    reasons = {
        errno.ENOSPC: ("the disk is full (no space left on device); free some space or write "
                       "elsewhere", "O003"),
        errno.EDQUOT: ("the disk quota is used up; free some space or write elsewhere", "O003"),
        errno.EACCES: ("permission denied; choose a folder you can write to", "O002"),
        errno.EPERM: ("permission denied; choose a folder you can write to", "O002"),
        errno.EROFS: ("the file system is read-only; choose a folder you can write to", "O002"),
        errno.EISDIR: ("it is a folder; give a file name", "O001"),
        errno.ENOTDIR: ("part of the path is a file, not a folder", "O001"),
        errno.EEXIST: ("a file of that name is in the way of a folder", "O001"),
    }  # fmt: skip
    reason, code = reasons.get(exc.errno or 0, (exc.strerror or type(exc).__name__, "O004"))
    return OutputError(f"cannot write {path}: {reason}.", code=code)


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
    except OSError as exc:
        raise ConfigError(
            f"category map {path} cannot be read ({exc.strerror or type(exc).__name__}).",
            code="C001",
        ) from None
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
