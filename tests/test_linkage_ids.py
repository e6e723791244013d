"""Linkage of pseudonymised exports (force person IDs, no names or dates of birth): real Splink on
DuckDB and real files, measured against synthetic truth."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from stalkflag.errors import ConfigError
from stalkflag.io import read_export, write_frame
from stalkflag.linkage import link_incidents
from stalkflag.linkage._ids import IDS_ONLY_MODEL, RULE_STAGE
from stalkflag.validate import validate_export

IDENTITY = ["victim_name", "victim_dob", "suspect_name", "suspect_dob"]


def _validated(export: pd.DataFrame, folder) -> pd.DataFrame:
    """The export through the path a force's file takes: CSV written, read and validated."""
    return validate_export(read_export(write_frame(export, folder / "incidents.csv"))).accepted


@pytest.fixture(scope="module")
def pseudonymised(synth_small, tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The small synthetic export with every name and date of birth blank, and its truth."""
    export, truth = synth_small
    export = export.assign(**{column: "" for column in IDENTITY})
    accepted = _validated(export, tmp_path_factory.mktemp("pseudonymised"))
    assert len(accepted) == len(export)
    return accepted, truth.set_index("incident_id").loc[accepted["incident_id"]].reset_index()


def _assert_pairs_are_the_ids_and_the_truth(links, incidents, truth) -> None:
    """Where both IDs are given, one predicted pair per (suspect ID, victim ID), and each
    predicted pair holds the incidents of one true suspect -> victim pair."""
    both = (incidents["victim_id"].notna() & incidents["suspect_id"].notna()).to_numpy()
    assert both.sum() > 0.25 * len(incidents)
    frame = pd.DataFrame(
        {
            "pair": links["pair_id"].to_numpy()[both],
            "ids": (incidents["suspect_id"] + ">" + incidents["victim_id"]).to_numpy()[both],
            "true": (truth["suspect_key"] + ">" + truth["victim_key"]).to_numpy()[both],
        }
    )
    assert frame.groupby("ids")["pair"].nunique().max() == 1
    assert frame.groupby("pair")["ids"].nunique().max() == 1
    assert frame.groupby("pair")["true"].nunique().max() == 1
    # a true pair is split only where a person holds two IDs
    split = frame.groupby("true")["pair"].nunique()
    assert split.mean() < 1.1


def test_a_pseudonymised_export_links_by_its_ids_without_training(pseudonymised):
    incidents, truth = pseudonymised
    result = link_incidents(incidents)
    assert result.model == IDS_ONLY_MODEL
    _assert_pairs_are_the_ids_and_the_truth(result.incidents, incidents, truth)
    both = incidents["victim_id"].notna() & incidents["suspect_id"].notna()
    assert (result.incidents.loc[both.to_numpy(), "link_confidence"] == 1.0).all()
    repeated = result.incidents[result.incidents.duplicated("victim_person_id", keep=False)]
    evidence = result.evidence(repeated["incident_id"].iat[0], "victim")
    assert set(evidence["stage"]) == {RULE_STAGE}


def test_a_saved_named_model_still_links_equal_ids(pseudonymised, linked):
    incidents, truth = pseudonymised
    result = link_incidents(incidents, model=linked.model)
    assert result.model == linked.model
    _assert_pairs_are_the_ids_and_the_truth(result.incidents, incidents, truth)


def test_bare_mentions_in_a_named_export_join_the_person_their_id_names(accepted, linked):
    """Some suspects recorded with an ID only: each joins the person that its ID's named
    mentions were linked to."""
    export = accepted.copy()
    both = export["suspect_id"].notna() & export["suspect_name"].notna()
    ids = export.loc[both, "suspect_id"]
    repeated = ids[ids.duplicated(keep=False)]
    chosen = repeated[~repeated.duplicated()].index[:150]  # one mention per suspect ID
    export.loc[chosen, ["suspect_name", "suspect_dob"]] = pd.NA
    result = link_incidents(export, model=linked.model)
    suspect = result.incidents["suspect_person_id"]
    others = export.index.difference(chosen)
    others = others[export.loc[others, "suspect_id"].notna()]
    persons = suspect[others].groupby(export.loc[others, "suspect_id"]).agg(set)
    persons = persons.reindex(export.loc[chosen, "suspect_id"]).to_numpy()
    joined = [p in ps for p, ps in zip(suspect[chosen], persons, strict=True)]
    assert all(joined)
    # where Splink made the ID's other mentions one person, the bare one is that person
    one = [len(ps) == 1 for ps in persons]
    assert sum(one) > 0.8 * len(chosen)
    rule = result.edges[result.edges["stage"] == RULE_STAGE]
    assert set(rule["unique_id_l"]) | set(rule["unique_id_r"]) >= {2 * i + 1 for i in chosen}


def test_an_ids_only_model_refuses_a_named_export_in_one_sentence(accepted):
    with pytest.raises(ConfigError) as caught:
        link_incidents(accepted.head(50), model=dict(IDS_ONLY_MODEL))
    assert caught.value.code == "C024"
    assert caught.value.message.count(". ") == 0


def test_notes_naming_the_suspect_do_not_split_a_pair_given_by_ids(tmp_path):
    notes = [
        "Victim reports her ex Darren sent 14 messages overnight.",
        "Caller states ex partner Darren waited outside her work again.",
        "Same male as last time seen at her address.",
        "Her ex Darren left flowers on her car.",  # suspect not in the fields
    ]
    export = pd.DataFrame(
        {
            "incident_id": [f"INC-{i}" for i in range(4)],
            "reported_at": pd.date_range("2024-01-05 10:00", periods=4, freq="9D").strftime(
                "%Y-%m-%d %H:%M"
            ),
            "recorded_category": "harassment",
            "notes": notes,
            "victim_id": "V-1",
            "suspect_id": ["S-1", "S-1", "S-1", ""],
            "relationship": "ex_partner",
            "force": "F1",
            **{column: "" for column in IDENTITY},
        }
    )
    result = link_incidents(_validated(export, tmp_path))
    assert result.incidents["pair_id"].nunique() == 1
    assert result.incidents["suspect_link_method"].tolist()[:3] == ["fields"] * 3


def test_a_tiny_pseudonymised_export_links_on_the_command_line(synth_small, tmp_path):
    """Fewer incidents than training needs: linked by IDs, said so, exit 0."""
    export, _ = synth_small
    tiny = export.head(150).assign(**{column: "" for column in IDENTITY})
    path = write_frame(tiny, tmp_path / "tiny.csv")
    out = tmp_path / "linked"
    result = subprocess.run(
        [sys.executable, "-m", "stalkflag", "link", str(path), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    links = pd.read_csv(out / "links.csv")
    assert len(links) == 150
    both = tiny["victim_id"].ne("") & tiny["suspect_id"].ne("")
    ids = (tiny["suspect_id"] + ">" + tiny["victim_id"])[both]
    assert links.loc[both.to_numpy(), "pair_id"].nunique() == ids.nunique()
    assert json.loads((out / "linkage_model.json").read_text()) == IDS_ONLY_MODEL
    assert "linked by their force IDs alone" in result.stderr
    assert "Traceback" not in result.stderr
