"""Behaviour of the session-trained model on inputs written to test one claim each: a name does
not change a score, one more act of stalking raises it, reasons quote the notes, and a noisy
neighbour dispute is not stalking. Small inputs are linked with the chain's saved linkage model."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from stalkflag.io import read_export, write_frame
from stalkflag.model._score import score_frame, score_incidents
from stalkflag.synth import SynthConfig, generate
from stalkflag.synth._names import FEMALE_FIRST, MALE_FIRST, SURNAMES
from stalkflag.validate import validate_export


@pytest.fixture(scope="module")
def chain(trained):
    return trained.chain


def _export(rows, *, victim, suspect, relationship, prefix):
    """A hand-written export of one suspect -> victim pair, every cell text."""
    return pd.DataFrame(
        [
            {
                "incident_id": f"{prefix}-{i + 1:03d}",
                "reported_at": when,
                "recorded_category": category,
                "notes": notes,
                "victim_id": victim[0],
                "suspect_id": suspect[0],
                "victim_name": victim[1],
                "suspect_name": suspect[1],
                "victim_dob": victim[2],
                "suspect_dob": suspect[2],
                "relationship": relationship,
                "force": "TST",
            }
            for i, (when, category, notes) in enumerate(rows)
        ]
    )


def _score(chain, frame):
    scores, report = score_frame(chain, frame)
    assert len(report.rejected) == 0, report.problems
    assert len(scores) == len(frame)
    return scores.set_index("incident_id")


def _members(scores: pd.DataFrame) -> set[frozenset[str]]:
    return {frozenset(v) for v in scores.groupby("pair_id").groups.values()}


# -- a name does not change a score -------------------------------------------------------------


def _words(text) -> set[str]:
    return set(re.findall(r"[a-z]+", (text or "").lower()))


def _rename(text, old: tuple[str, str], new: tuple[str, str]):
    if text is None:
        return None
    for before, after in zip(old, new, strict=True):
        for case in (str.title, str.upper, str.lower):
            text = re.sub(rf"\b{case(before)}\b", case(after), text)
    return text


def _score_file(chain, frame, path):
    """Write the export as a force would send it, read and validate it, score it (no reasons:
    only the scores are compared)."""
    report = validate_export(read_export(write_frame(frame, path)))
    assert len(report.rejected) == 0 and len(report.accepted) == len(frame)
    return score_incidents(chain, report.accepted, explain=False).set_index("incident_id")


def test_renaming_a_victim_changes_no_score(chain, tmp_path):
    export, truth = generate(SynthConfig(n_incidents=300, seed=11))
    export = export.drop(columns=["label"]).astype(object)
    export = export.where(export.notna(), None)
    victim = truth.set_index("incident_id").loc[export["incident_id"], "victim_key"].to_numpy()
    text = export[["notes", "victim_name", "suspect_name"]].fillna("").agg(" ".join, axis=1)
    words = [_words(t) for t in text]

    # A victim always typed as the same "First Surname" (any case), whose name words occur in
    # no other row: renaming them touches nobody else.
    candidates = []
    for key, rows in pd.Series(np.arange(len(export))).groupby(victim):
        forms = {(n or "").lower() for n in export["victim_name"].iloc[rows]}
        parts = next(iter(forms)).split()
        if len(forms) != 1 or len(parts) != 2 or not all(p.isalpha() for p in parts):
            continue
        own = set(rows)
        others = set().union(*(words[i] for i in range(len(export)) if i not in own))
        if not set(parts) & others:
            candidates.append((len(rows), key, tuple(parts)))
    n_rows, key, old = max(candidates)
    assert n_rows >= 5
    used = set().union(*words)
    first_names = FEMALE_FIRST if old[0].title() in FEMALE_FIRST else MALE_FIRST
    new = (
        next(n for n in first_names if n.lower() not in used).lower(),
        next(n for n in SURNAMES if n.lower() not in used).lower(),
    )
    renamed = export.copy()
    for column in ("notes", "victim_name", "suspect_name"):
        renamed[column] = renamed[column].map(lambda t: _rename(t, old, new))
    mine = victim == key
    assert (renamed["victim_name"] != export["victim_name"])[mine].all()
    assert (renamed["notes"] != export["notes"])[mine].any()  # the notes name her too
    assert (renamed == export).fillna(True).all(axis=1)[~mine].all()
    assert not any(old[0] in _words(t) or old[1] in _words(t) for t in renamed["notes"])

    before = _score_file(chain, export, tmp_path / "before.csv")
    after = _score_file(chain, renamed, tmp_path / "after.csv")
    assert _members(before) == _members(after)  # linkage groups the same incidents
    diff = (before["score"] - after.loc[before.index, "score"]).abs()
    assert diff.max() < 1e-9, before.assign(after=after["score"])[diff >= 1e-9]


# -- one more act of stalking raises the score ---------------------------------------------------

EX = {
    "victim": ("V-100", "Megan Hartley", "1992-06-14"),
    "suspect": ("S-200", "Daniel Pryce", "1989-02-03"),
    "relationship": "ex_partner",
}
MILD = [
    (
        "2024-03-01T19:00:00",
        "harassment",
        "Victim reports her ex-partner keeps sending her messages asking to get back together.",
    ),
    (
        "2024-03-12T08:30:00",
        "harassment",
        "He was waiting outside her house when she left for work this morning.",
    ),
    (
        "2024-03-20T17:45:00",
        "harassment",
        "He turned up at her work and asked to speak to her. She asked him to leave.",
    ),
    (
        "2024-03-29T21:10:00",
        "harassment",
        "He rang her 20 times last night and sent messages saying he misses her.",
    ),
]
AGAIN = ("2024-04-02T12:15:00", "harassment", "He turned up at her work again.")


@pytest.fixture(scope="module")
def with_work_again(chain):
    frame = _export([*MILD, AGAIN], prefix="T", **EX)
    return frame.set_index("incident_id"), _score(chain, frame)


def test_turning_up_at_work_again_raises_the_score(chain, with_work_again):
    _, scores = with_work_again
    before = _score(chain, _export(MILD, prefix="T", **EX))
    assert scores["pair_id"].nunique() == 1 and before["pair_id"].nunique() == 1
    new, last = scores.loc["T-005", "score"], scores.loc["T-004", "score"]
    assert new > last, scores[["score", "decision"]]
    # ... and leaves the earlier incidents' scores as they were.
    np.testing.assert_array_equal(scores.loc[before.index, "score"], before["score"])


def _spans(evidence: str) -> list[dict]:
    return [m for item in json.loads(evidence) for m in item.get("matches", [])]


def test_reasons_quote_the_notes_faithfully(with_work_again):
    notes, scores = with_work_again
    explained = scores[scores["decision"] != "clear"]
    assert len(explained) > 0
    spans = [(i, s) for i, row in explained.iterrows() for s in _spans(row["evidence"])]
    assert spans
    for incident, span in spans:
        text = notes.loc[span["incident_id"], "notes"]
        assert text[span["start"] : span["end"]] == span["text"]
        # evidence comes from the incident itself or earlier ones of its pair
        assert notes.loc[span["incident_id"], "reported_at"] <= notes.loc[incident, "reported_at"]
        assert scores.loc[span["incident_id"], "pair_id"] == scores.loc[incident, "pair_id"]


def test_reasons_name_turning_up_at_work(with_work_again):
    """Two visits to her work are in the notes the rules read; a flagged or reviewed incident's
    reasons should say so, quoting the notes."""
    notes, scores = with_work_again
    work = []
    for _, row in scores[scores["decision"] != "clear"].iterrows():
        for item in json.loads(row["evidence"]):
            # the behaviour's own group, or breadth / this incident's acts counted from it
            found = [
                m
                for m in item.get("matches", [])
                if item["evidence"] == "visiting_work" or m.get("behaviour") == "visiting_work"
            ]
            if found:
                work += found
                assert "came to her work" in row["reasons"]  # the catalogue's label
            if item["evidence"] == "visiting_work":  # its own group: the S-DASH question too
                assert (
                    item["sdash"] == ["Q4 visits to home or work"] and "S-DASH Q4" in row["reasons"]
                )
    given = {i: scores.loc[i, "reasons"] for i in scores.index}
    assert work, f"no reason names coming to her work; reasons given: {given}"
    for m in work:
        assert notes.loc[m["incident_id"], "notes"][m["start"] : m["end"]] == m["text"]
        assert "work" in m["text"]


# -- a neighbour dispute is not stalking ----------------------------------------------------------

NEIGHBOURS = [
    (
        "2023-05-06T23:40:00",
        "public_order",
        "Caller complains that the neighbour at number 14 is playing loud music past midnight "
        "again. Words of advice given to the neighbour.",
    ),
    (
        "2023-05-21T09:15:00",
        "harassment",
        "Ongoing dispute between neighbours about where the bins are left. Neighbour moved the "
        "caller's bins onto the pavement.",
    ),
    (
        "2023-06-10T18:20:00",
        "public_order",
        "Both parties shouting at each other over the garden fence about the noise from the "
        "barbecue. No offences disclosed.",
    ),
    (
        "2023-07-02T14:05:00",
        "criminal_damage",
        "Caller says the neighbour damaged a fence panel while cutting the hedge. Neighbour says "
        "the fence was already rotten. Civil matter.",
    ),
    (
        "2023-07-19T22:50:00",
        "public_order",
        "Noise complaint: loud music and a party next door. Neighbour turned the music down when "
        "asked by officers.",
    ),
    (
        "2023-08-08T08:10:00",
        "harassment",
        "Dispute over parking. Neighbour parked across the caller's drive and would not move the "
        "car. Advice given to both parties.",
    ),
    (
        "2023-08-30T19:30:00",
        "public_order",
        "Argument in the street about the neighbour's dog barking and loud music. Both parties "
        "calmed down. Referred to council noise team.",
    ),
    (
        "2023-09-17T11:00:00",
        "harassment",
        "Caller reports the neighbour keeps putting rubbish in her bin. Neighbour denies it. "
        "Words of advice.",
    ),
    (
        "2023-10-05T20:45:00",
        "criminal_damage",
        "Fence between the two gardens pushed over in the wind; each neighbour blames the other. "
        "No evidence of damage by anyone. Civil dispute.",
    ),
    (
        "2023-10-28T23:55:00",
        "public_order",
        "Further noise complaint about loud music from next door. Both neighbours shouting at "
        "each other over the noise. Mediation offered by the council.",
    ),
]


def test_neighbour_noise_dispute_is_not_flagged(chain):
    frame = _export(
        NEIGHBOURS,
        victim=("V-310", "Helen Oakes", "1975-09-30"),
        suspect=("S-410", "Gary Brennan", "1968-11-21"),
        relationship="neighbour",
        prefix="N",
    )
    scores = _score(chain, frame)
    assert len(scores) == 10 and scores["pair_id"].nunique() == 1
    assert not scores["flagged"].any(), scores[["score", "decision", "reasons"]]
