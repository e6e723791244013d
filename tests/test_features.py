"""Pattern features: no look-ahead, order invariance, and the direction of change."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stalkflag.features import behaviour_matrix, pattern_features
from stalkflag.text import make_text_pipeline


@pytest.fixture(scope="module")
def behaviours(accepted):
    return behaviour_matrix(make_text_pipeline().pipe(accepted["notes"].tolist()))


@pytest.fixture(scope="module")
def features(accepted, linked, behaviours):
    return pattern_features(accepted, linked.incidents, behaviours)


def test_one_numeric_row_per_incident(features, accepted):
    assert len(features) == len(accepted)
    assert features.index.equals(accepted.index)
    assert np.isfinite(features.to_numpy()).all()
    assert (features["incidents_so_far"] >= 1).all()


@pytest.fixture(scope="module")
def note_scores(accepted):
    """A stand-in text score per note (its length), to check the running aggregates."""
    return pd.DataFrame({"note_text_score": accepted["notes"].fillna("").str.len() / 1000.0})


def test_no_look_ahead(accepted, linked, behaviours, note_scores):
    def features(rows):
        return pattern_features(
            accepted[rows],
            linked.incidents[rows],
            behaviours[rows].reset_index(drop=True),
            note_scores[rows].reset_index(drop=True),
        )

    cutoff = accepted["reported_at"].quantile(0.6)
    keep = (accepted["reported_at"] <= cutoff).to_numpy()
    everything = features(np.ones(len(accepted), dtype=bool))
    pd.testing.assert_frame_equal(features(keep), everything[keep])


def test_row_order_does_not_matter(accepted, linked, behaviours, note_scores):
    def features(order):
        return pattern_features(
            accepted.iloc[order],
            linked.incidents.iloc[order],
            behaviours.iloc[order].reset_index(drop=True),
            note_scores.iloc[order].reset_index(drop=True),
        )

    perm = np.random.default_rng(0).permutation(len(accepted))
    pd.testing.assert_frame_equal(features(perm).sort_index(), features(np.arange(len(accepted))))


def _pair(notes: list[str], days: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = len(notes)
    incidents = pd.DataFrame(
        {
            "incident_id": [f"I{i}" for i in range(n)],
            "reported_at": pd.to_datetime("2024-01-01") + pd.to_timedelta(days, unit="D"),
            "recorded_category": ["harassment"] * n,
            "relationship": ["ex_partner"] * n,
            "notes": notes,
        }
    )
    links = pd.DataFrame(
        {
            "incident_id": incidents["incident_id"],
            "victim_person_id": "V",
            "suspect_person_id": "S",
            "pair_id": "S>V",
            "link_confidence": 0.9,
            "suspect_link_method": "fields",
        }
    )
    return incidents, links


def test_one_more_visit_to_her_work_raises_the_pattern_features():
    nlp = make_text_pipeline()
    base = ["They split up in March.", "He turned up at her work again.", "He sent 30 messages."]
    more = [*base, "He turned up at her work again."]
    inc1, links1 = _pair(base, [0, 10, 15])
    inc2, links2 = _pair(more, [0, 10, 15, 18])
    f1 = pattern_features(inc1, links1, behaviour_matrix(nlp.pipe(base)))
    f2 = pattern_features(inc2, links2, behaviour_matrix(nlp.pipe(more)))
    last1, last2 = f1.iloc[-1], f2.iloc[-1]
    assert last2["n_visiting_work"] == last1["n_visiting_work"] + 1
    assert last2["incidents_so_far"] == 4 and last2["rate_per_30_days"] > last1["rate_per_30_days"]
    assert last2["escalation"] > 1  # the latest gap (3 days) is shorter than the average (6)
    pd.testing.assert_frame_equal(f1, f2.iloc[:3])  # earlier incidents unchanged


def test_times_said_and_acts_after_being_told_to_stop():
    nlp = make_text_pipeline()
    notes = [
        "He sent her 30 messages overnight.",
        "He was served with a police harassment warning.",
        "He turned up at her work again.",
    ]
    incidents, links = _pair(notes, [0, 5, 9])
    f = pattern_features(incidents, links, behaviour_matrix(nlp.pipe(notes)))
    assert f["log_times_acts_so_far"].iloc[0] == pytest.approx(np.log1p(30))
    assert f["acts_after_told_to_stop"].tolist() == [0, 0, 1]
    assert f["log_times_acts_so_far"].is_monotonic_increasing


def test_suspect_other_victims_counts_only_earlier_victims():
    incidents = pd.DataFrame(
        {
            "incident_id": ["a", "b", "c", "d"],
            "reported_at": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"]),
            "recorded_category": "harassment",
            "relationship": "stranger",
            "notes": ["x", "y", "z", "w"],
        }
    )
    links = pd.DataFrame(
        {
            "incident_id": incidents["incident_id"],
            "victim_person_id": ["V1", "V2", "V1", "V3"],
            "suspect_person_id": "S",
            "pair_id": ["S>V1", "S>V2", "S>V1", "S>V3"],
            "link_confidence": 1.0,
            "suspect_link_method": "fields",
        }
    )
    nlp = make_text_pipeline()
    f = pattern_features(incidents, links, behaviour_matrix(nlp.pipe(incidents["notes"])))
    assert f["suspect_other_victims"].tolist() == [0, 1, 1, 2]
