"""Batch outputs: patterns, suspects, the counting-rules check, recommended actions, the manifest
and report.html (opened in Debian's Chromium), on the session's trained model."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from stalkflag.batch import (
    ACTIONS,
    PATTERN_COLUMNS,
    SUSPECT_COLUMNS,
    fingerprint,
    score_batch,
    write_batch,
)
from stalkflag.batch._actions import counting_rules_check, flag_type
from tests.conftest import PROJECT

ARTIFACTS = PROJECT / "test-artifacts"


@pytest.fixture(scope="module")
def batch(trained, accepted, synth_csv):
    export = accepted.copy()
    # a force code that is markup: the report must show it as text
    export.loc[export.index[:40], "force"] = "<script>window.pwned=1</script>"
    return score_batch(
        export,
        trained.chain,
        model={"uri": "test", "version": "7"},
        inputs=[fingerprint(synth_csv)],
        rows_rejected=0,
    ), export


def test_patterns_are_one_row_per_pair_scored_by_their_highest_incident(batch, trained):
    result, export = batch
    incidents, patterns = result.incidents, result.patterns
    assert list(patterns.columns) == list(PATTERN_COLUMNS)
    assert patterns["pair_id"].is_unique
    assert set(patterns["pair_id"]) == set(incidents["pair_id"])
    assert patterns["incidents"].sum() == len(incidents) == len(export)
    by_pair = incidents.groupby("pair_id")
    merged = patterns.set_index("pair_id")
    pd.testing.assert_series_equal(
        merged["score"], by_pair["score"].max().reindex(merged.index), check_names=False
    )
    np.testing.assert_array_equal(
        merged["decision"], trained.chain.decide(merged["score"].to_numpy())
    )
    first = by_pair["reported_at"].min().reindex(merged.index)
    assert (pd.to_datetime(merged["first_reported_at"]) == pd.to_datetime(first)).all()
    # sorted by score, highest first
    assert (np.diff(patterns["score"].to_numpy()) <= 0).all()
    # categories and behaviours add up to the pair's incidents
    for _, p in patterns.head(50).iterrows():
        assert sum(json.loads(p["recorded_categories"]).values()) == p["incidents"]
        assert all(0 < n <= p["incidents"] for n in json.loads(p["behaviours"]).values())


def test_flag_types_and_actions_follow_the_rules(batch):
    result, _ = batch
    patterns, incidents = result.patterns, result.incidents
    recorded = patterns["recorded_categories"].map(lambda s: "stalking" in json.loads(s))
    expected = flag_type(patterns["decision"].to_numpy(), recorded.to_numpy())
    np.testing.assert_array_equal(patterns["flag_type"], expected)
    assert (patterns["flag_type"] == "possible_misclassification").any()
    assert (patterns["flag_type"] == "review").any()
    for _, p in patterns.iterrows():
        ids = [a for a in p["recommended_actions"].split("; ") if a]
        assert set(ids) <= set(ACTIONS)
        if p["flag_type"] == "possible_misclassification":
            assert {"screening", "advocate", "recording"} <= set(ids)
            assert ("link" in ids) == (p["incidents"] >= 2)
        if p["flag_type"] == "":
            assert set(ids) <= {"recording"} and bool(ids) == bool(p["counting_rules"])
    # an incident carries its pattern's actions unless its own decision is clear
    clear = incidents["decision"].eq("clear")
    assert (incidents.loc[clear, "recommended_actions"] == "").all()
    assert set(incidents["model_version"]) == {"7"}


def test_sdash_answers_quote_the_notes_of_their_own_pair(batch):
    result, export = batch
    notes = export.set_index("incident_id")
    pair_of = result.incidents.set_index("incident_id")["pair_id"]
    checked = 0
    for _, p in result.patterns[result.patterns["decision"] != "clear"].iterrows():
        answers = json.loads(p["sdash"])
        assert len(answers) == p["sdash_answered"]
        for answer in answers:
            for e in answer.get("evidence", []):
                assert notes.loc[e["incident_id"], "notes"][e["start"] : e["end"]] == e["text"]
                assert pair_of[e["incident_id"]] == p["pair_id"]
                checked += 1
    assert checked > 20


def test_counting_rules_find_former_partners_recorded_as_harassment_since_april_2020():
    pairs = pd.DataFrame(
        {
            "incidents": [3, 3, 1, 3, 3, 3],
            "ex_partner_field": [True, False, True, True, False, True],
            "relationship_blank": [False, True, False, False, False, False],
            "separation_read": [False, True, False, False, True, False],
            "harassment_since": ["A;B", "C", "D", "", "E", "F"],
            "recorded_stalking": [False, False, False, False, False, True],
        }
    )
    found, sentences = counting_rules_check(pairs)
    # former partners by field; by the notes with the field blank; but not one incident, no
    # harassment since April 2020, a relationship field saying otherwise, or already stalking
    assert found.tolist() == [True, True, False, False, False, False]
    assert "incidents A, B" in sentences[0] and "harassment only" in sentences[0]
    assert "by the notes" in sentences[1]
    assert sentences[2:] == ["", "", "", ""]


def test_counting_rules_hold_on_the_scored_export(batch):
    result, export = batch
    incidents = export.set_index("incident_id")
    members = result.incidents.groupby("pair_id")["incident_id"].agg(list)
    found = result.patterns[result.patterns["counting_rules"] != ""]
    assert len(found) > 0
    for _, p in found.iterrows():
        rows = incidents.loc[members[p["pair_id"]]]
        assert len(rows) >= 2 and not rows["recorded_category"].eq("stalking").any()
        since = rows[(rows["recorded_category"] == "harassment")
                     & (rows["reported_at"] >= pd.Timestamp("2020-04-01"))]  # fmt: skip
        assert len(since) > 0
        assert all(i in p["counting_rules_finding"] for i in since.index)


def test_suspects_are_those_with_more_than_one_victim(batch):
    result, _ = batch
    suspects, patterns = result.suspects, result.patterns
    assert list(suspects.columns) == list(SUSPECT_COLUMNS)
    assert len(suspects) > 0 and (suspects["victims"] > 1).all()
    victims = patterns.groupby("suspect_person_id")["victim_person_id"].nunique()
    serial = victims[(victims > 1) & ~victims.index.str.endswith("~unknown")]
    assert set(suspects["suspect_person_id"]) == set(serial.index)


def test_outputs_are_written_alike_as_csv_and_parquet_with_a_manifest(batch, tmp_path):
    result, export = batch
    csv = write_batch(result, tmp_path / "csv", format="csv")
    pq = write_batch(result, tmp_path / "pq", format="parquet")
    assert [p.name for p in csv] == [
        "incidents.csv", "patterns.csv", "suspects.csv", "people.csv", "report.html",
        "manifest.json",
    ]  # fmt: skip
    a = pd.read_csv(tmp_path / "csv" / "patterns.csv", dtype={"pair_id": str})
    b = pd.read_parquet(tmp_path / "pq" / "patterns.parquet")
    assert len(a) == len(b) == len(result.patterns)
    np.testing.assert_allclose(a["score"], b["score"])
    manifest = json.loads((tmp_path / "pq" / "manifest.json").read_text())
    assert manifest["rows"] == {"read": len(export), "accepted": len(export), "rejected": 0,
                                "scored": len(export), "history": 0, "history_replaced": 0}  # fmt: skip
    assert manifest["model"]["version"] == "7" and len(manifest["inputs"][0]["sha256"]) == 64
    assert manifest["outputs"] == [p.name for p in pq[:-1]]
    assert set(manifest["timings_seconds"]) >= {"link_and_read", "score_and_explain"}
    with pytest.raises(ValueError, match="csv or parquet"):
        write_batch(result, tmp_path / "x", format="xlsx")


def test_report_opens_in_chromium_and_shows_markup_as_text(batch, tmp_path):
    from playwright.sync_api import sync_playwright

    result, _ = batch
    page_path = next(p for p in write_batch(result, tmp_path / "out") if p.name == "report.html")
    assert "http://" not in result.report and "https://" not in result.report  # nothing fetched
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_path.as_uri())
            assert page.locator("h1").inner_text() == "stalkflag: patterns that may be stalking"
            assert page.evaluate("typeof window.pwned") == "undefined"
            assert "<script>window.pwned=1</script>" in page.locator("body").inner_text()
            assert page.locator("section.pattern").count() > 0
            assert page.locator("svg[role=img]").count() >= 4
            assert all(u.startswith("file://") for u in requests)
            page.screenshot(path=str(ARTIFACTS / "report.png"))
        finally:
            browser.close()
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000


def test_scores_do_not_depend_on_row_order(batch, trained):
    result, export = batch
    shuffled = export.sample(frac=1.0, random_state=3).reset_index(drop=True)
    again = score_batch(shuffled, trained.chain, model={"uri": "test", "version": "7"})
    a = result.incidents.set_index("incident_id").sort_index()
    b = again.incidents.set_index("incident_id").sort_index()
    np.testing.assert_allclose(a["score"], b["score"])
    assert (a["decision"] == b["decision"]).all()
    # the same people with the same ids: each is named after their first mention
    for column in ("pair_id", "victim_person_id", "suspect_person_id"):
        assert (a[column] == b[column]).all(), column
    assert a["victim_person_id"].str.match(r"PER-x?[0-9a-f]{16}$").all()


def test_outputs_do_not_depend_on_the_chunk_size(batch, trained):
    result, export = batch
    small = score_batch(export, trained.chain, model={"uri": "test", "version": "7"}, chunk_size=97)
    assert small.manifest["rows"] == result.manifest["rows"]
    pd.testing.assert_frame_equal(small.incidents, result.incidents)
    pd.testing.assert_frame_equal(small.patterns, result.patterns)
    pd.testing.assert_frame_equal(small.suspects, result.suspects)


def test_chunks_hold_whole_suspects_whatever_the_row_order():
    from stalkflag.batch import suspect_chunks

    suspects = pd.Series(["b", "a", "c", "a", "b", "d", "a", "e"])
    chunks = suspect_chunks(suspects, 3)
    assert sorted(np.concatenate(chunks).tolist()) == list(range(len(suspects)))
    for rows in chunks:
        inside = set(suspects.iloc[rows])
        outside = set(suspects.drop(index=rows))
        assert not inside & outside
    assert [sorted(set(suspects.iloc[r])) for r in chunks] == [["a"], ["b", "c"], ["d", "e"]]
    reversed_ = suspects.iloc[::-1].reset_index(drop=True)
    assert [sorted(set(reversed_.iloc[r])) for r in suspect_chunks(reversed_, 3)] == [
        ["a"], ["b", "c"], ["d", "e"]
    ]  # fmt: skip
