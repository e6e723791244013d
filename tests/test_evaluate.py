"""`stalkflag evaluate`: a model measured on a labelled export. Figures checked by hand on a small
frame, then on the session's real small model (scored as `stalkflag score` scores) and through
the console script (exit codes, one sentence, no traceback)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stalkflag.errors import UnusableInputError
from stalkflag.model import (
    check_labels,
    evaluate_export,
    join_labels,
    lead_time_summary,
    measure,
    read_labels,
)
from stalkflag.model._score import score_incidents

STALKFLAG = Path(sys.executable).parent / "stalkflag"

# case, label, score, keyword in the notes, recorded as stalking, day of January 2024
SMALL = [
    ("A", 1, 0.20, False, False, 1),
    ("A", 1, 0.60, False, False, 5),
    ("A", 1, 0.70, True, True, 15),  # police record stalking one incident after the flag
    ("B", 1, 0.40, False, False, 1),
    ("B", 1, 0.55, True, False, 3),  # never recorded; flagged at its second incident
    ("C", 0, 0.60, False, False, 1),  # a false alarm
    ("D", 0, 0.35, True, False, 1),  # review band, keyword hit
    ("D", 0, 0.10, False, False, 2),
    ("E", 1, 0.45, False, False, 1),  # review band, missed
    ("F", 1, 0.20, False, True, 1),  # recorded at once; flagged ten days later
    ("F", 1, 0.80, False, False, 11),
]


@pytest.fixture(scope="module")
def small() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The hand-checked frame measured at flag 0.5, review from 0.3 (cases from the labels)."""
    rows = pd.DataFrame(SMALL, columns=["case", "label", "score", "keyword", "recorded", "day"])
    ids = [f"I{i:02d}" for i in range(len(rows))]
    scored = pd.DataFrame(
        {
            "incident_id": ids,
            "pair_id": "P-" + rows["case"],
            "reported_at": pd.to_datetime("2024-01-01") + pd.to_timedelta(rows["day"] - 1, "D"),
            "recorded_category": np.where(rows["recorded"], "stalking", "harassment"),
            "score": rows["score"],
        }
    )
    notes = pd.Series(np.where(rows["keyword"], "He FOLLOWED her again.", "A dispute."))
    labels = check_labels(pd.DataFrame({"incident_id": ids, "label": rows["label"].astype(str),
                                        "case_id": rows["case"]}))  # fmt: skip
    joined = join_labels(scored, notes, labels.sample(frac=1, random_state=1), flag_threshold=0.5)
    figures, cases = measure(joined, flag_threshold=0.5, review_threshold=0.3)
    return figures.set_index(["level", "population", "scorer"]), cases


def test_case_figures_match_a_hand_computation(small):
    figures, _ = small
    model = figures.loc[("case", "not recorded as stalking", "model")]
    # B, C, D, E: flagged B (stalking) and C; ranked C, B, E, D -> AP = (1/2 + 2/3) / 2
    assert (model["units"], model["stalking"], model["flagged"], model["hits"]) == (4, 2, 2, 1)
    assert model["recall"] == 0.5 and model["precision"] == 0.5
    assert model["average_precision"] == pytest.approx((1 / 2 + 2 / 3) / 2)
    assert (model["review"], model["review_stalking"]) == (2, 1)  # D and E
    assert model["recall_low"] == pytest.approx(0.0945, abs=1e-4)
    assert model["recall_high"] == pytest.approx(0.9055, abs=1e-4)
    every = figures.loc[("case", "all", "model")]
    assert (every["recall"], every["precision"]) == (0.75, 0.75)
    keywords = figures.loc[("case", "all", "keywords")]
    assert (keywords["recall"], keywords["precision"]) == (0.5, pytest.approx(2 / 3))
    recorded = figures.loc[("case", "all", "recorded category")]
    assert (recorded["recall"], recorded["precision"]) == (0.5, 1.0)
    never = figures.loc[("case", "not recorded as stalking", "recorded category")]
    assert never["flagged"] == 0 and never["recall"] == 0 and np.isnan(never["precision"])
    assert pd.isna(figures.loc[("case", "all", "keywords"), "review"])
    assert np.isnan(never["average_precision"])  # a constant score ranks nothing


def test_incident_figures_match_a_hand_computation(small):
    figures, _ = small
    model = figures.loc[("incident", "not recorded as stalking", "model")]
    assert (model["units"], model["stalking"], model["flagged"], model["hits"]) == (9, 6, 4, 3)
    assert (model["recall"], model["precision"]) == (0.5, 0.75)
    assert (model["review"], model["review_stalking"]) == (3, 2)


def test_lead_time_matches_a_hand_computation(small):
    _, cases = small
    assert cases.loc["A", ["first_flag_incident", "first_recorded_incident"]].tolist() == [2, 3]
    assert (cases.loc["A", "lead_incidents"], cases.loc["A", "lead_days"]) == (1, 10)
    assert (cases.loc["F", "lead_incidents"], cases.loc["F", "lead_days"]) == (-1, -10)
    assert (cases.loc["B", "first_flag_incident"], cases.loc["B", "first_flag_days"]) == (2, 2)
    assert np.isnan(cases.loc["E", "first_flag_incident"])
    summary = lead_time_summary(cases)
    later = summary["recorded_later"]
    assert (later["stalking_cases"], later["found"], later["flagged_before"]) == (2, 2, 1)
    assert (later["flagged_after"], later["share_flagged_before"]) == (1, 0.5)
    assert (later["median_lead_incidents"], later["median_lead_days"]) == (0, 0)
    never = summary["never_recorded"]
    assert (never["stalking_cases"], never["found"], never["median_first_flag_incident"]) == (
        2, 1, 2,
    )  # fmt: skip
    assert never["share_found_at_first_incident"] == 0


@pytest.mark.parametrize(
    ("frame", "cases", "code", "words"),
    [
        ({"incident_id": ["a"], "verdict": ["1"]}, None, "F021", "needs columns incident_id and label"),
        ({"incident_id": ["a", "b"], "label": ["1", "yes"]}, None, "F022", "row 3: 'yes'"),
        ({"incident_id": ["a", "a"], "label": ["1", "0"]}, None, "F023", "more than once"),
        ({"incident_id": ["a"], "label": ["1"]}, "case", "F024", "no column 'case'"),
        ({"incident_id": ["a", "b"], "label": ["1", "0"], "case_id": ["x", ""]}, None, "F024",
         "1 rows"),
    ],
)  # fmt: skip
def test_bad_labels_are_one_clear_error(frame, cases, code, words):
    with pytest.raises(UnusableInputError) as raised:
        check_labels(pd.DataFrame(frame), cases=cases)
    assert raised.value.code == code and words in raised.value.message


def test_cases_default_to_case_id_then_to_linked_pairs():
    with_case = check_labels(
        pd.DataFrame({"incident_id": [" a "], "label": ["1"], "case_id": ["c"]})
    )
    assert with_case.to_dict("records") == [{"incident_id": "a", "label": 1, "case": "c"}]
    without = check_labels(pd.DataFrame({"incident_id": ["a"], "label": [0]}))
    assert without["case"].isna().all()


@pytest.fixture(scope="module")
def evaluated(trained, accepted, truth):
    """The session's small model on the 3,000-incident export, cases = true courses of conduct."""
    labels = check_labels(truth[["incident_id", "label", "pattern_id"]], cases="pattern_id")
    return evaluate_export(trained.chain, accepted, labels)


def test_every_labelled_incident_is_measured_beside_keyword_search(evaluated, accepted):
    assert len(evaluated.incidents) == len(accepted)
    assert evaluated.counts["cases_from"] == "labels"
    assert evaluated.counts["unlabelled_incidents"] == evaluated.counts["labels_not_in_export"] == 0
    hits = accepted["notes"].str.lower().str.contains("stalk|follow|watching").sum()
    keywords = evaluated.figures.query(
        "level == 'incident' and population == 'all' and scorer == 'keywords'"
    )
    assert int(keywords["flagged"].iloc[0]) == hits


def test_counts_say_how_linkage_met_the_cases(evaluated, trained, accepted):
    """Cases are true courses here; linkage may split one over several pairs or join two."""
    scored = score_incidents(trained.chain, accepted, explain=False)
    assert evaluated.counts["linked_pairs"] == scored["pair_id"].nunique()
    pairs = scored.set_index("incident_id")["pair_id"]
    incidents = evaluated.incidents.assign(
        pair=pairs.reindex(evaluated.incidents["incident_id"]).to_numpy()
    )
    one_pair = (incidents.groupby("case")["pair"].nunique() == 1).sum()
    assert evaluated.counts["cases_in_one_pair"] == one_pair
    assert 0 < one_pair <= evaluated.counts["cases"]


def test_model_ranks_cases_better_than_keyword_search(evaluated):
    figures = evaluated.figures.set_index(["level", "population", "scorer"])
    for level in ("case", "incident"):
        model = figures.loc[(level, "not recorded as stalking", "model"), "average_precision"]
        keywords = figures.loc[(level, "not recorded as stalking", "keywords"), "average_precision"]
        assert model > keywords


def test_perfect_labels_give_recall_and_precision_one(evaluated, trained):
    incidents = evaluated.incidents.copy()
    incidents["y"] = incidents.groupby("case")["flag"].transform("max").astype(int)
    figures, _ = measure(
        incidents,
        flag_threshold=trained.chain.flag_threshold,
        review_threshold=trained.chain.review_threshold,
    )
    case = figures.query("level == 'case' and scorer == 'model'")
    assert (case["recall"] == 1).all() and (case["precision"] == 1).all()
    assert case["average_precision"].to_numpy() == pytest.approx(1.0)  # float sums


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(STALKFLAG), *args], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def saved_model(trained, tmp_path_factory) -> Path:
    return trained.chain.save(tmp_path_factory.mktemp("evaluate") / "model")


def test_evaluate_command_writes_every_figure(saved_model, synth_csv, evaluated, tmp_path):
    labels = evaluated.incidents[["incident_id", "case"]].rename(columns={"case": "case_id"})
    labels["label"] = evaluated.incidents["y"]
    labels.to_csv(tmp_path / "labels.csv", index=False)
    out = tmp_path / "figures.json"
    result = run("evaluate", str(synth_csv), "--labels", str(tmp_path / "labels.csv"),
                 "--model", str(saved_model), "--json", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "case level" in result.stdout and "Lead time" in result.stdout
    written = json.loads(out.read_text())
    assert written["counts"]["cases"] == evaluated.counts["cases"]
    mine = evaluated.figures.set_index(["level", "population", "scorer"])
    for row in written["figures"]:
        key = (row["level"], row["population"], row["scorer"])
        assert row["hits"] == mine.loc[key, "hits"] and row["flagged"] == mine.loc[key, "flagged"]
    assert (
        written["lead_time"]["recorded_later"]["found"]
        == evaluated.lead_time["recorded_later"]["found"]
    )


@pytest.mark.parametrize(
    ("content", "option", "words"),
    [
        (None, [], "does not exist"),
        ("incident_id,verdict\nx,1\n", [], "needs columns incident_id and label"),
        ("incident_id,label\nx,2\n", [], "must be 0 or 1"),
        ("incident_id,label\nx,1\n", ["--cases", "case_id"], "no column 'case_id'"),
        ("incident_id,label\nnot-an-incident,1\n", [], "is an accepted incident of the export"),
    ],
)
def test_bad_labels_exit_2_with_one_sentence(
    saved_model, synth_csv, tmp_path, content, option, words
):
    labels = tmp_path / "labels.csv"
    if content is not None:
        labels.write_text(content)
    result = run("evaluate", str(synth_csv), "--labels", str(labels), "--model", str(saved_model),
                 *option)  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert words in result.stderr and result.stderr.count("error") == 1


def test_read_labels_reads_parquet_and_csv(tmp_path):
    frame = pd.DataFrame({"incident_id": ["a", "b"], "label": [1, 0]})
    frame.to_parquet(tmp_path / "l.parquet")
    frame.to_csv(tmp_path / "l.csv", index=False)
    for name in ("l.parquet", "l.csv"):
        assert check_labels(read_labels(tmp_path / name))["label"].tolist() == [1, 0]
