"""Linkage: real Splink on DuckDB (and Spark), real spaCy rules, measured against synthetic truth."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from stalkflag._defaults import LINKAGE_EVIDENCE
from stalkflag.errors import ConfigError
from stalkflag.linkage import build_mentions, cluster_scores, exact_id_baseline, link_incidents
from stalkflag.linkage._mentions import _parse_names, nickname_variants
from stalkflag.linkage._notes import NOTE_METHOD_CONFIDENCE, make_notes_pipeline


@pytest.mark.parametrize(
    ("typed", "first", "last"),
    [
        ("John Smith", "john", "smith"),
        ("SMITH John", "john", "smith"),
        ("Smith, John", "john", "smith"),
        ("JOHN SMITH", "john", "smith"),
        ("J Smith", "j", "smith"),
        ("Seán O'Brien", "sean", "obrien"),
    ],
)
def test_names_are_split_and_normalised(typed, first, last):
    firsts, lasts = _parse_names(pd.Series([typed]))
    assert (firsts[0], lasts[0]) == (first, last)


def test_swapped_order_is_fixed_from_the_data_itself():
    others = [
        f"John {s}" for s in ("Brown", "Jones", "Taylor", "Wood", "Hall", "Green", "King", "Baker")
    ]
    names = pd.Series(["John Ashworth", "John Smith", "Ashworth Lee", "Smith John", *others])
    firsts, lasts = _parse_names(names)
    assert (firsts[3], lasts[3]) == ("john", "smith")  # "john" is a first name 10 times in 11
    assert (firsts[0], lasts[0]) == ("john", "ashworth")
    assert (firsts[2], lasts[2]) == ("ashworth", "lee")  # no evidence: left as typed


def test_nicknames():
    assert "robert" in nickname_variants("bob")
    assert set(nickname_variants("sam")) >= {"samuel", "samantha"}
    assert nickname_variants("zebedee") == ["zebedee"]


def test_every_incident_gets_victim_suspect_and_directional_pair(linked, accepted):
    links = linked.incidents
    assert len(links) == len(accepted)
    assert links["incident_id"].tolist() == accepted["incident_id"].tolist()
    assert links[["victim_person_id", "suspect_person_id", "pair_id"]].notna().all().all()
    assert (links["pair_id"] == links["suspect_person_id"] + ">" + links["victim_person_id"]).all()
    assert links["link_confidence"].between(0, 1).all()
    assert set(links["suspect_link_method"]) <= {"fields", *NOTE_METHOD_CONFIDENCE}


def test_linkage_beats_both_baselines_and_is_accurate(linked, accepted, truth):
    links = linked.incidents
    victims = cluster_scores(links["victim_person_id"], truth["victim_key"])
    suspects = cluster_scores(links["suspect_person_id"], truth["suspect_key"])
    pairs = cluster_scores(links["pair_id"], truth["suspect_key"] + ">" + truth["victim_key"])
    assert victims["bcubed_f1"] > 0.95
    assert suspects["bcubed_f1"] > 0.90
    assert pairs["bcubed_f1"] > 0.90
    mentions = build_mentions(accepted)
    baseline = exact_id_baseline(mentions["force_person_id"], mentions["unique_id"])
    victim_rows = mentions["role"] == "victim"
    true_victim = truth["victim_key"].to_numpy()[mentions.loc[victim_rows, "unique_id"] // 2]
    assert (
        victims["bcubed_f1"] > cluster_scores(baseline[victim_rows], true_victim)["bcubed_f1"] + 0.1
    )


def test_suspects_recovered_from_notes_are_mostly_right(linked, truth):
    links = linked.incidents.assign(true=truth["suspect_key"].to_numpy())
    from_notes = links[links["suspect_link_method"].isin(["notes_name", "notes_reference"])]
    assert len(from_notes) > 30
    field_person = (
        links[links["suspect_link_method"] == "fields"]
        .groupby("suspect_person_id")["true"]
        .agg(lambda s: s.mode().iat[0])
    )
    named = from_notes[from_notes["suspect_person_id"].isin(field_person.index)]
    right = (
        field_person.reindex(named["suspect_person_id"]).to_numpy() == named["true"].to_numpy()
    ).mean()
    assert right > 0.9


def test_saved_model_is_reused_and_gives_the_same_people(linked, accepted, tmp_path):
    path = tmp_path / "model.json"
    path.write_text(json.dumps(linked.model))
    again = link_incidents(accepted, model=json.loads(path.read_text()))
    scores = cluster_scores(
        again.incidents["victim_person_id"], linked.incidents["victim_person_id"]
    )
    assert scores["pairwise_f1"] == pytest.approx(1.0)


def test_no_personal_data_in_the_saved_model(linked, accepted):
    words = set(re.findall(r"[a-z0-9][a-z0-9'-]*", json.dumps(linked.model).lower()))
    tokens = set()
    for column in ("victim_name", "suspect_name"):
        for name in accepted[column].dropna():
            tokens.update(t.lower() for t in name.replace(",", " ").split() if len(t) > 3)
    for column in ("victim_id", "suspect_id", "victim_dob"):
        tokens.update(str(v).lower() for v in accepted[column].dropna())
    leaked = tokens & words
    assert not leaked, sorted(leaked)[:10]


def test_link_evidence_comes_from_the_model(linked):
    links = linked.incidents
    fields = links[links["suspect_link_method"] == "fields"]
    repeated = fields[fields.duplicated("suspect_person_id", keep=False)]
    evidence = linked.evidence(repeated["incident_id"].iat[0], "suspect")
    assert len(evidence) >= 1
    weights = [c for c in evidence.columns if c.startswith("mw_")]
    assert {"mw_first_name", "mw_surname", "mw_dob", "mw_co_party"} <= set(weights)
    # the contributions add up to the match weight, plus the prior
    prior = evidence["match_weight"] - evidence[weights].sum(axis=1)
    assert prior.round(6).nunique() == 1


def test_notes_component_marks_references_and_names():
    nlp = make_notes_pipeline()
    doc = nlp("IP reports the same male as last time was outside. Her ex Darren rang 10 times.")
    assert [s.text for s in doc._.suspect_references] == ["same male", "as last time"]
    assert "Darren" in [s.text for s in doc._.suspect_names]
    doc = nlp("EX P DARREN SAT OUTSIDE ADDR")
    assert "DARREN" in [s.text for s in doc._.suspect_names]


def _incident(i, day, notes, suspect_name=None, victim="Sarah Ashworth", vdob="1990-01-02"):
    return {
        "incident_id": f"I{i}",
        "reported_at": pd.Timestamp("2024-01-01") + pd.Timedelta(days=day),
        "recorded_category": "harassment",
        "notes": notes,
        "victim_id": None,
        "suspect_id": None,
        "victim_name": victim,
        "suspect_name": suspect_name,
        "victim_dob": pd.Timestamp(vdob),
        "suspect_dob": pd.NaT,
        "relationship": "ex_partner",
        "force": "WYP",
        "label": pd.NA,
        "source_row": 10_000 + i,
    }


def test_blank_suspects_are_linked_from_notes_and_say_how(accepted):
    rows = [
        _incident(0, 0, "Her ex-partner was outside again.", "Darren Woodcombe"),
        _incident(1, 5, "Her ex Darren rang her 20 times.", None),
        _incident(2, 9, "The same male as last time was seen across the road.", None),
        _incident(3, 12, "Messages received overnight.", "Darren Woodcombe"),
    ]
    small = pd.concat(
        [accepted.head(300), pd.DataFrame(rows).astype(accepted.dtypes.to_dict())],
        ignore_index=True,
    )
    links = link_incidents(small).incidents.set_index("incident_id")
    darren = links.loc["I0", "suspect_person_id"]
    assert links.loc["I3", "suspect_person_id"] == darren
    assert links.loc["I1", ["suspect_person_id", "suspect_link_method"]].tolist() == [
        darren,
        "notes_name",
    ]
    assert links.loc["I2", ["suspect_person_id", "suspect_link_method"]].tolist() == [
        darren,
        "notes_reference",
    ]
    assert (
        links.loc["I1", "link_confidence"] < links.loc["I0", "link_confidence"]
        or links.loc["I0", "link_confidence"] < 1
    )


@pytest.fixture(scope="module")
def linked_without_evidence(accepted, linked):
    """Linked with no optional evidence, whatever the default is: the session's ``linked``
    while the default is none (the same call), else linked again."""
    if not LINKAGE_EVIDENCE:
        return linked
    return link_incidents(accepted, evidence=())


@pytest.fixture(scope="module")
def linked_with_evidence(accepted):
    """Linked with every optional comparison."""
    return link_incidents(accepted, evidence=("other_party_id", "same_force"))


def test_optional_evidence_is_trained_saved_and_reused(
    linked, linked_with_evidence, linked_without_evidence, accepted
):
    assert linked.model["evidence"] == list(LINKAGE_EVIDENCE)
    with_it = linked_with_evidence
    assert with_it.model["evidence"] == ["other_party_id", "same_force"]
    people = with_it.model["people"]["comparisons"]
    assert [c["output_column_name"] for c in people] == [
        "first_name", "surname", "dob", "force_person_id", "force", "co_party",
    ]  # fmt: skip
    co_party = next(c for c in people if c["output_column_name"] == "co_party")
    assert co_party["comparison_levels"][1]["label_for_charts"] == "same other party (force ID)"
    assert {"mw_force", "mw_co_party"} <= set(with_it.edges.columns)
    # the saved model brings its evidence: reused without naming it, it gives the same people
    again = link_incidents(accepted, model=json.loads(json.dumps(with_it.model)))
    assert again.incidents["pair_id"].equals(with_it.incidents["pair_id"])
    # and the evidence changes what is linked (else this test could not tell it was used)
    assert not with_it.incidents["pair_id"].equals(linked_without_evidence.incidents["pair_id"])


def test_a_model_saved_before_optional_evidence_uses_none(
    linked_with_evidence, linked_without_evidence, accepted
):
    without = linked_without_evidence
    assert "mw_force" not in without.edges.columns
    older = {k: v for k, v in without.model.items() if k != "evidence"}
    again = link_incidents(accepted, model=older)
    assert again.incidents["pair_id"].equals(without.incidents["pair_id"])
    # a model whose comparisons do not match its evidence is refused, saying why
    wrong = {**linked_with_evidence.model, "evidence": []}
    with pytest.raises(
        ConfigError, match=r"compares .*'force'.*this version of stalkflag compares"
    ):
        link_incidents(accepted, model=wrong)


def test_unknown_evidence_is_refused():
    from stalkflag.linkage._settings import build_settings

    with pytest.raises(ConfigError, match=r"unknown linkage evidence.*other_party_id"):
        build_settings("people", ("shoe_size",))
    # the same from a saved model that names evidence this version does not know
    from stalkflag.linkage._splink import MODEL_FORMAT, run_splink

    with pytest.raises(ConfigError, match="unknown linkage evidence"):
        run_splink(pd.DataFrame(), model={"format": MODEL_FORMAT, "evidence": ["shoe_size"]})
