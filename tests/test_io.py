from __future__ import annotations

import os

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from stalkflag.errors import ConfigError, UnusableInputError
from stalkflag.io import read_category_map, read_export, write_frame

HEADER = "incident_id,reported_at,recorded_category,notes\n"


def _write(tmp_path, content: bytes, name: str = "export.csv"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_reads_bom_and_multiline_fields_with_file_line_numbers(tmp_path):
    content = (
        "\ufeff" + HEADER + 'A1,2024-01-01,harassment,"line one\nline two\nline three"\n'
        "A2,2024-01-02,harassment,plain\n\nA3,2024-01-03,other,after a blank line\n"
    )
    raw = read_export(_write(tmp_path, content.encode("utf-8")))
    assert list(raw.frame.columns[:1]) == ["incident_id"]  # BOM stripped from the first name
    assert raw.frame["incident_id"].tolist() == ["A1", "A2", "A3"]
    assert raw.rows == [2, 5, 7]
    assert raw.frame.loc[0, "notes"] == "line one\nline two\nline three"


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        (b"", "F001", "empty"),
        (b"   \n\n", "F001", "empty"),
        (HEADER.encode(), "F005", "no incident rows"),
        (b"PK\x03\x04rest of a zip", "F002", "ZIP"),
        (b"\x1f\x8b\x08\x00gzip", "F002", "gzip"),
        (b"some\x00binary\x00data", "F002", "binary"),
        (
            b"Dear officer,\nplease find attached.\n",
            "F002",
            "does not look like an incident export",
        ),
        (b"incident_id;reported_at;recorded_category;notes\n1;2;3;4\n", "F002", "separator"),
        (
            b"incident_id,reportedat,recorded_category,notes\nA,2024-01-01,other,x\n",
            "F003",
            "did you mean 'reportedat'",
        ),
        (
            b"incident_id,incident_id,reported_at,recorded_category,notes\n",
            "F003",
            "duplicate column",
        ),
    ],
)
def test_unusable_files_raise_one_clear_error(tmp_path, content, code, words):
    with pytest.raises(UnusableInputError) as info:
        read_export(_write(tmp_path, content))
    assert info.value.code == code
    assert words in info.value.message
    assert info.value.exit_code == 2


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(UnusableInputError, match="does not exist"):
        read_export(tmp_path / "nope.csv")
    with pytest.raises(UnusableInputError, match="is a folder"):
        read_export(tmp_path)


def test_parquet_detected_by_content_and_types_checked(tmp_path):
    good = pa.table(
        {
            "incident_id": pa.array([1, 2], pa.int64()),
            "reported_at": pa.array([pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02 10:00")]),
            "recorded_category": pa.array(["harassment", "other"]).dictionary_encode(),
            "notes": ["a", None],
            "label": pa.array([1.0, None]),
        }
    )
    path = tmp_path / "export.dat"  # not named .parquet on purpose
    pq.write_table(good, path)
    raw = read_export(path)
    assert raw.format == "parquet"
    assert raw.frame["incident_id"].tolist() == ["1", "2"]
    assert raw.frame["notes"].tolist() == ["a", None]
    assert raw.rows == [1, 2]

    bad = good.set_column(1, "reported_at", pa.array([1.5, 2.5])).set_column(
        3, "notes", pa.array([1, 2])
    )
    pq.write_table(bad, path)
    with pytest.raises(UnusableInputError) as info:
        read_export(path)
    assert info.value.code == "F004"
    assert "reported_at is double" in info.value.message and "notes is int64" in info.value.message


def test_corrupt_parquet_is_unusable(tmp_path):
    path = _write(tmp_path, b"PAR1" + b"\x01" * 100 + b"PAR1", "x.parquet")
    with pytest.raises(UnusableInputError, match="not a readable Parquet"):
        read_export(path)


def test_write_frame_round_trips_non_utf8_bytes(tmp_path):
    original = b"incident_id,notes\nA1,caf\xe9 latte\n"
    raw = read_export(_write(tmp_path, HEADER.encode() + b"A1,2024-01-01,other,caf\xe9\n"))
    assert raw.has_bad_bytes
    out = write_frame(raw.frame[["incident_id", "notes"]], tmp_path / "back.csv")
    assert out.read_bytes().replace(b"\r\n", b"\n") == original.replace(b" latte", b"")


def test_category_map_is_checked(tmp_path):
    good = tmp_path / "map.yaml"
    good.write_text("HARASS: harassment\n'DA-01': domestic_abuse\n")
    assert read_category_map(good) == {"HARASS": "harassment", "DA-01": "domestic_abuse"}
    bad = tmp_path / "bad.yaml"
    bad.write_text("HARASS: harrassment\n")
    with pytest.raises(ConfigError, match="unknown categories: harrassment"):
        read_category_map(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        read_category_map(tmp_path / "none.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        read_category_map(broken)


def test_formulas_escaped_in_text_columns_only():
    from stalkflag.io import escape_formulas

    frame = pd.DataFrame(
        {
            "text": ["=1+2", "+cmd", "-0.5", "@SUM(A1)", "-x", "plain", None, "\tx"],
            "number": [-0.5, 1.0, -2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
        }
    )
    escaped = escape_formulas(frame)
    assert escaped["text"].tolist() == [
        "'=1+2", "'+cmd", "-0.5", "'@SUM(A1)", "'-x", "plain", None, "'\tx",
    ]  # fmt: skip
    assert escaped["number"].tolist() == frame["number"].tolist()
    assert frame["text"].iat[0] == "=1+2"  # the input is not changed


def test_outputs_are_written_all_or_none(tmp_path):
    from stalkflag.errors import OutputError
    from stalkflag.io import write_outputs

    frame = pd.DataFrame({"a": ["x"]})
    (tmp_path / "old.csv").write_text("old")
    (tmp_path / "blocked.csv").mkdir()
    with pytest.raises(OutputError, match="is a folder") as info:
        write_outputs({tmp_path / "old.csv": frame, tmp_path / "blocked.csv": frame})
    assert info.value.exit_code == 3
    assert (tmp_path / "old.csv").read_text() == "old"  # not replaced: one output failed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocked.csv", "old.csv"]
    written = write_outputs({tmp_path / "old.csv": frame, tmp_path / "new.json": "{}"})
    assert [p.name for p in written] == ["old.csv", "new.json"]
    assert (tmp_path / "old.csv").read_text() == "a\nx\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_an_output_error():
    from stalkflag.errors import OutputError

    with pytest.raises(OutputError, match="the disk is full"):
        write_frame(pd.DataFrame({"a": ["x" * 10_000]}), "/dev/full")


def test_utf16_with_a_bom_is_read_and_without_one_refused(tmp_path):
    text = HEADER + "A1,2024-01-01,harassment,notes\n"
    raw = read_export(_write(tmp_path, text.encode("utf-16")))
    assert raw.frame["incident_id"].tolist() == ["A1"]
    with pytest.raises(UnusableInputError, match="UTF-16 text without a byte-order mark"):
        read_export(_write(tmp_path, text.encode("utf-16-le"), "b.csv"))


def test_an_unclosed_quote_says_where_it_opens(tmp_path):
    text = (
        HEADER
        + 'A1,2024-01-01,harassment,"never closed\nA2,2024-01-02,other,x\nA3,2024-01-03,other,y\n'
    )
    raw = read_export(_write(tmp_path, text.encode()))
    assert raw.rows == [] and list(raw.malformed_records) == [2]
    (problem,) = raw.malformed
    assert "a quote opened on line 2 is never closed" in problem.reason
    assert "2 line(s) after it (to line 4)" in problem.reason
