"""History and stable identities: a later export scored with its history matches the export
scored whole (ids, scores, reasons); the people registry follows ids that merge; --history
reads an earlier output folder's exports, checked against their fingerprints."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from stalkflag.batch import REGISTRY_COLUMNS, fingerprint, history_files, score_batch
from stalkflag.batch._history import update_registry
from stalkflag.errors import ConfigError
from stalkflag.io import write_frame
from stalkflag.linkage import person_id

ID_COLUMNS = ["pair_id", "victim_person_id", "suspect_person_id"]


@pytest.fixture(scope="module")
def halves(accepted):
    ordered = accepted.sort_values(["reported_at", "incident_id"]).reset_index(drop=True)
    cut = len(ordered) * 6 // 10
    return ordered.iloc[:cut].reset_index(drop=True), ordered.iloc[cut:].reset_index(drop=True)


@pytest.fixture(scope="module")
def runs(trained, accepted, halves):
    early, late = halves
    chain = trained.chain
    whole = score_batch(accepted, chain)
    first = score_batch(early, chain)
    second = score_batch(late, chain, history=early, registry=first.registry)
    return whole, first, second


def test_a_later_export_scored_with_its_history_matches_the_whole(runs, halves):
    whole, _, second = runs
    early, late = halves
    assert (
        second.manifest["rows"] | {"scored": len(late), "history": len(early)}
        == (second.manifest["rows"])
    )
    assert sorted(second.incidents["incident_id"]) == sorted(late["incident_id"])
    a = whole.incidents.set_index("incident_id").loc[second.incidents["incident_id"]]
    b = second.incidents.set_index("incident_id")
    for column in [*ID_COLUMNS, "score", "decision", "flag_type", "reasons", "evidence"]:
        assert (a[column].to_numpy() == b[column].to_numpy()).all(), column
    # the patterns the new incidents belong to, whole (their earlier incidents counted)
    pairs = set(b["pair_id"])
    expected = whole.patterns[whole.patterns["pair_id"].isin(pairs)].reset_index(drop=True)
    pd.testing.assert_frame_equal(second.patterns, expected)
    assert (second.patterns["incidents"] >= b.groupby("pair_id").size().reindex(
        second.patterns["pair_id"]).to_numpy()).all()  # fmt: skip
    assert second.patterns["incidents"].sum() > len(late)  # some began in the earlier export


def test_people_keep_their_ids_from_one_export_to_the_next(runs):
    whole, first, second = runs
    before = first.registry.set_index("person_id")
    after = second.registry.set_index("person_id")
    assert set(before.index) <= set(after.index)  # every id is carried forward
    kept = after.loc[before.index]
    same = kept["status"].eq("active")
    assert same.mean() > 0.95
    # an id no longer active says which id to follow, and that id is active
    followed = kept.loc[~same, "merged_into"]
    assert after.loc[followed, "status"].eq("active").all()
    # ids are the whole run's ids
    whole_ids = set(whole.incidents["victim_person_id"]) | set(whole.incidents["suspect_person_id"])
    active = after[after["status"].eq("active")].index
    assert set(active) <= whole_ids
    assert list(second.registry.columns) == list(REGISTRY_COLUMNS)
    assert not any("name" in c for c in second.registry.columns)


def test_the_registry_follows_two_people_found_to_be_one():
    incidents = pd.DataFrame(
        {"incident_id": ["I1", "I2", "I3"],
         "reported_at": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"])}
    )  # fmt: skip
    p1, p2, p3 = (person_id(i, "victim") for i in ("I1", "I2", "I0"))
    s = person_id("I1", "suspect")
    then = update_registry(
        None,
        pd.DataFrame({"victim_person_id": [p1, p2], "suspect_person_id": [s, s]}),
        incidents.iloc[:2],
    )
    assert set(then["person_id"]) == {p1, p2, s} and then["status"].eq("active").all()
    # I3 shows that the victims of I1 and I2 are one person, first seen in an older I0
    now = update_registry(
        then,
        pd.DataFrame({"victim_person_id": [p3, p3, p3], "suspect_person_id": [s, s, s]}),
        incidents,
    )
    rows = now.set_index("person_id")
    assert rows.loc[p1, "status"] == rows.loc[p2, "status"] == "merged"
    assert rows.loc[p1, "merged_into"] == rows.loc[p2, "merged_into"] == p3
    assert rows.loc[p3, "incidents_as_victim"] == 3 and rows.loc[s, "status"] == "active"


def test_history_reads_an_output_folders_exports_and_refuses_changed_ones(tmp_path, halves):
    early, _ = halves
    export = write_frame(early.head(5).astype(str), tmp_path / "early.csv")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"inputs": [fingerprint(export)]}))
    assert history_files([folder, export]) == [export.resolve()]
    with pytest.raises(ConfigError) as no_manifest:
        history_files([tmp_path / "nowhere"])
    assert no_manifest.value.code == "C060"
    with pytest.raises(ConfigError) as not_output:
        history_files([tmp_path])
    assert not_output.value.code == "C061"
    export.write_text(export.read_text() + "\n")
    with pytest.raises(ConfigError) as changed:
        history_files([folder])
    assert changed.value.code == "C063" and "changed" in changed.value.message
