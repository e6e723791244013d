from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stalkflag.io import RawExport, read_export
from stalkflag.schema import CONTRACT_SCHEMA
from stalkflag.validate import validate_export

NOW = dt.datetime(2026, 1, 1)

# (row in file, column, code) for every problem planted in tests/data/broken_export.csv
EXPECTED = {
    (6, "reported_at", "E103"),
    (7, "reported_at", "E104"),
    (8, "recorded_category", "E105"),
    (9, "notes", "E106"),
    (10, "incident_id", "E101"),
    (11, "", "E107"),
    (12, "incident_id", "E102"),
    (13, "incident_id", "E102"),
    (15, "incident_id", "E102"),
    (16, "label", "E108"),
    (17, "victim_dob", "W201"),
    (17, "relationship", "W202"),
    (18, "reported_at", "E101"),
    (19, "recorded_category", "E101"),
}


def test_broken_file_reports_every_planted_problem(broken_csv):
    report = validate_export(read_export(broken_csv), now=NOW)
    assert {(p.row, p.column, p.code) for p in report.problems} == EXPECTED
    assert sorted(report.accepted["source_row"]) == [2, 3, 14, 17, 20]
    assert sorted(report.rejected["_row"]) == [6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 18, 19]
    assert report.exit_code == 1
    assert report.n_records == 17


def test_messages_explain_and_suggest(broken_csv):
    by_key = {
        (p.row, p.code): p for p in validate_export(read_export(broken_csv), now=NOW).problems
    }
    assert "did you mean 'harassment'" in by_key[(8, "E105")].reason
    assert "DD/MM/YYYY" in by_key[(6, "E103")].reason
    assert "rows 13" in by_key[(12, "E102")].reason or "row(s) 13" in by_key[(12, "E102")].reason
    assert "exact copy of row 14" in by_key[(15, "E102")].reason
    assert "Windows-1252" in by_key[(9, "E106")].reason


def test_personal_values_never_appear_in_problems(broken_csv):
    raw = read_export(broken_csv)
    report = validate_export(raw, now=NOW)
    text = "\n".join(str(p) for p in report.problems) + "\n".join(report.rejected["_reasons"])
    for column in ("victim_name", "suspect_name", "notes", "victim_dob", "victim_id"):
        for value in raw.frame[column].dropna():
            if len(value) > 3:
                assert value not in text, (column, value)


def test_accepted_rows_meet_the_contract_and_are_typed(broken_csv):
    report = validate_export(read_export(broken_csv), now=NOW)
    CONTRACT_SCHEMA.validate(report.accepted)
    row = report.accepted.set_index("incident_id").loc["INC-002"]
    assert row["recorded_category"] == "domestic_abuse"  # "Domestic Abuse" normalised
    assert row["relationship"] == "ex_partner"  # "Ex-Partner" normalised
    assert pd.isna(report.accepted.set_index("incident_id").loc["INC-012", "victim_dob"])
    assert report.accepted.set_index("incident_id").loc["INC-012", "relationship"] == "unknown"


def test_rejects_keep_the_original_fields(broken_csv):
    raw = read_export(broken_csv)
    report = validate_export(raw, now=NOW)
    malformed = report.rejected.set_index("_row").loc[11]
    fields = [malformed[c] for c in raw.frame.columns] + malformed["_extra_fields"].split("|")
    assert fields == raw.malformed_records[11]  # laid out in order, the 14th field kept
    dated = report.rejected.set_index("_row").loc[6]
    assert dated["reported_at"] == "05/03/2024"


def test_category_map_maps_force_codes(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(
        "incident_id,reported_at,recorded_category,notes\nA,2024-01-01,HAR-01,x\nB,2024-01-01,ZZZ,y\n"
    )
    report = validate_export(read_export(path), now=NOW, category_map={"har 01": "harassment"})
    assert report.accepted["recorded_category"].tolist() == ["harassment"]
    assert [p.code for p in report.problems] == ["E105"]


def test_synthetic_export_validates_cleanly(synth_csv):
    report = validate_export(read_export(synth_csv), now=NOW)
    assert report.errors == []
    assert len(report.accepted) == 3000
    assert {p.code for p in report.warnings} <= {"W201"}  # documented DOB noise only


# --- properties -----------------------------------------------------------------------------

_cells = {
    "incident_id": st.sampled_from(["A", "B", "C", "D", "", " E ", "F"]),
    "reported_at": st.sampled_from(
        ["2024-01-01", "2024-02-30", "2030-01-01", "", "01/02/2024", "2023-05-05T10:00:00+01:00"]
    ),
    "recorded_category": st.sampled_from(
        ["harassment", "Stalking", "harasment", "", "other", "DOMESTIC ABUSE"]
    ),
    "notes": st.text(max_size=20),
    "victim_dob": st.sampled_from(["", "1990-01-01", "1990-13-01", "2099-01-01"]),
    "relationship": st.sampled_from(["", "ex_partner", "boyfriend", "Stranger"]),
    "label": st.sampled_from(["", "0", "1", "2", "true"]),
}
_row = st.fixed_dictionaries({k: v for k, v in _cells.items()})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_row, min_size=1, max_size=25))
def test_validation_partitions_rows_and_never_mutates_input(rows):
    frame = pd.DataFrame(rows, dtype=object)
    line_numbers = list(range(2, len(rows) + 2))
    raw = RawExport(frame, line_numbers, Path("x.csv"), "csv")
    before = frame.copy(deep=True)
    report = validate_export(raw, now=NOW)
    pd.testing.assert_frame_equal(frame, before)
    accepted = set(report.accepted["source_row"])
    rejected = set(report.rejected["_row"])
    assert accepted.isdisjoint(rejected)
    assert accepted | rejected == set(line_numbers)
    assert len(report.accepted) + len(report.rejected) == len(rows)
    assert set(report.rejected["_row"]) == {p.row for p in report.errors}
