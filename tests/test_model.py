"""The model: config, splits, thresholds, one real training run (session fixture ``trained``),
saving and loading without pickle, no look-ahead, privacy of saved files, and MLflow tracking
in a temporary SQLite store."""

from __future__ import annotations

import io
import json
import math
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest, norm
from sklearn.feature_extraction.text import TfidfTransformer

from stalkflag.errors import ConfigError
from stalkflag.model import ScoringChain, TrainConfig, load_config, prepare
from stalkflag.model._card import precision_at_base_rate
from stalkflag.model._estimators import (
    NOTE_SCORE,
    FlagThresholds,
    NoteTextScores,
    PairHistoryFeatures,
    SentencePooledTfidf,
    _hashing,
    threshold_at_precision,
    threshold_at_recall,
)
from stalkflag.model._evaluate import (
    best_operating_point,
    ece,
    evaluate_scores,
    true_pattern_recall,
    wilson_interval,
)
from stalkflag.model._explain import feature_group
from stalkflag.model._prepare import (
    NOTE_TEXT,
    KnownNames,
    name_first_seen,
    read_incidents,
    time_order,
)
from stalkflag.model._train import split_groups
from tests.conftest import PROJECT

CONFIG = PROJECT / "pipelines" / "train.yaml"


# -- config ----------------------------------------------------------------------------------


def test_default_config_file_gives_the_documented_defaults():
    config = load_config(CONFIG)
    assert config == TrainConfig() == load_config(None)
    assert config.model.classifier == "boosted"
    assert config.data.path is None
    assert config.tracking.champion_metric == "val_pattern_pr_auc"


def test_unknown_key_is_an_error_naming_it():
    with pytest.raises(ConfigError) as info:
        load_config(CONFIG, ["model.clasifier=linear"])
    assert "model.clasifier" in info.value.message
    assert info.value.code == "C013"


def test_bad_value_is_an_error_naming_the_key():
    with pytest.raises(ConfigError) as info:
        load_config(CONFIG, ["model.classifier=forest"])
    assert "model.classifier" in info.value.message


def test_malformed_override_is_an_error():
    with pytest.raises(ConfigError) as info:
        load_config(CONFIG, ["model.classifier"])
    assert info.value.code == "C012"


def test_overrides_are_parsed_as_yaml():
    config = load_config(
        CONFIG,
        [
            "split.seed=3",
            "data.synthetic.unseen_styles=[cad]",
            "linkage_threshold=0.5",
            "tracking.tracking_uri=null",
        ],
    )
    assert config.split.seed == 3 and isinstance(config.split.seed, int)
    assert config.data.synthetic.unseen_styles == ("cad",)
    assert "cad" not in config.data.synthetic.seen_styles
    assert config.linkage_threshold == 0.5
    assert config.tracking.tracking_uri is None
    with pytest.raises(ConfigError, match="unseen_styles"):
        load_config(CONFIG, ["data.synthetic.unseen_styles=[haiku]"])


def test_relative_data_paths_resolve_against_the_config_file(tmp_path, monkeypatch):
    folder = tmp_path / "configs"
    folder.mkdir()
    path = folder / "real.yaml"
    path.write_text(
        yaml.safe_dump({"data": {"path": "exports/x.csv", "labels": "../labels.csv"}}),
        encoding="utf-8",
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = load_config(path)
    assert config.data.path == folder.resolve() / "exports" / "x.csv"
    assert config.data.labels.resolve() == (tmp_path / "labels.csv").resolve()
    absolute = load_config(path, [f"data.path={tmp_path / 'abs.csv'}"])
    assert absolute.data.path == tmp_path / "abs.csv"


def test_data_path_without_labels_is_an_error(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(CONFIG, [f"data.path={tmp_path / 'export.csv'}"])
    assert "data.labels" in info.value.message


# -- splits ------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    groups=st.lists(st.integers(0, 60), min_size=1, max_size=400),
    seed=st.integers(0, 2**16),
    valid_fraction=st.floats(0.01, 0.45),
    test_fraction=st.floats(0.01, 0.45),
)
def test_split_groups_keeps_groups_whole_and_respects_fractions(
    groups, seed, valid_fraction, test_fraction
):
    groups = np.array([f"PER-{g}" for g in groups])
    train, valid, test = split_groups(
        groups, seed=seed, valid_fraction=valid_fraction, test_fraction=test_fraction
    )
    assert (train.astype(int) + valid.astype(int) + test.astype(int) == 1).all()
    side = pd.Series(np.select([train, valid, test], [0, 1, 2]), index=groups)
    assert side.groupby(level=0).nunique().max() == 1  # every group wholly on one side
    per_group = side.groupby(level=0).first()
    n = len(per_group)
    assert abs((per_group == 2).sum() - test_fraction * n) <= 1
    assert abs((per_group == 1).sum() - valid_fraction * n) <= 2
    again = split_groups(
        groups, seed=seed, valid_fraction=valid_fraction, test_fraction=test_fraction
    )
    assert all((a == b).all() for a, b in zip((train, valid, test), again, strict=True))


def test_split_groups_fractions_over_many_groups():
    groups = np.repeat(np.arange(2000), 3)
    for seed in range(3):
        train, valid, test = split_groups(groups, seed=seed, valid_fraction=0.2, test_fraction=0.1)
        assert train.mean() == pytest.approx(0.7, abs=0.001)
        assert valid.mean() == pytest.approx(0.2, abs=0.001)
        assert test.mean() == pytest.approx(0.1, abs=0.001)


# -- thresholds and calibration error ----------------------------------------------------------


def _brute_precision(y, s, target, z=0.0):
    for t in np.unique(s):  # ascending: the lowest threshold that reaches the target
        flagged = s >= t
        k, n = int(y[flagged].sum()), int(flagged.sum())
        if z > 0:  # the Wilson interval's lower end, from scipy (two-sided at 2 * Phi(z) - 1)
            interval = binomtest(k, n).proportion_ci(2 * norm.cdf(z) - 1, method="wilson")
            share = interval.low
        else:
            share = k / n
        if share >= target - 1e-12:
            return float(t)
    return math.inf


def _brute_recall(y, s, target):
    positives = y.sum()
    if positives == 0:
        return math.inf
    for t in np.unique(s)[::-1]:  # descending: the highest threshold that reaches the target
        if y[s >= t].sum() / positives >= target:
            return float(t)
    return math.inf


labelled_scores = st.lists(
    st.tuples(st.integers(0, 1), st.integers(0, 20).map(lambda k: k / 20)),
    min_size=1,
    max_size=120,
)


@settings(max_examples=300, deadline=None)
@given(data=labelled_scores, target=st.floats(0.01, 0.99), z=st.sampled_from([0.0, 1.0, 2.0]))
def test_threshold_at_precision_matches_brute_force(data, target, z):
    y = np.array([d[0] for d in data])
    s = np.array([d[1] for d in data])
    assert threshold_at_precision(y, s, target, z=z) == _brute_precision(y, s, target, z)


@settings(max_examples=200, deadline=None)
@given(
    data=labelled_scores,
    repeats=st.lists(st.integers(1, 3), min_size=120, max_size=120),
    target=st.floats(0.01, 0.99),
    z=st.sampled_from([0.0, 1.0]),
)
def test_weighted_threshold_at_precision_is_repetition(data, repeats, target, z):
    """An item of weight k counts as k copies of it."""
    y = np.array([d[0] for d in data])
    s = np.array([d[1] for d in data])
    k = np.array(repeats[: len(data)])
    by_copies = threshold_at_precision(np.repeat(y, k), np.repeat(s, k), target, z=z)
    weighted = threshold_at_precision(y, s, target, z=z, weights=k)
    assert weighted == by_copies


def test_a_precision_margin_never_flags_more():
    rng = np.random.default_rng(3)
    s = rng.random(2000)
    y = (rng.random(2000) < s).astype(int)
    cuts = [threshold_at_precision(y, s, 0.8, z=z) for z in (0.0, 0.5, 1.0, 2.0)]
    assert cuts == sorted(cuts) and cuts[0] < cuts[-1] < math.inf


@settings(max_examples=300, deadline=None)
@given(data=labelled_scores, target=st.floats(0.01, 0.99))
# 7 of 100 positives is a recall of exactly 0.07, though 0.07 * 100 == 7.000000000000001.
@example(data=[(1, k / 100) for k in range(100)], target=0.07)
def test_threshold_at_recall_matches_brute_force(data, target):
    y = np.array([d[0] for d in data])
    s = np.array([d[1] for d in data])
    assert threshold_at_recall(y, s, target) == _brute_recall(y, s, target)


@settings(max_examples=200, deadline=None)
@given(data=labelled_scores, target=st.floats(0.01, 0.99))
def test_best_operating_point_matches_brute_force(data, target):
    y = np.array([d[0] for d in data])
    s = np.array([d[1] for d in data])
    cuts = [(y[s >= t].sum(), (s >= t).sum(), ((s >= t) & (y == 0)).sum()) for t in np.unique(s)]
    positives = max(y.sum(), 1)
    recalls = [tp / positives for tp, n, _ in cuts if tp / n >= target]
    assert best_operating_point(y, s, precision=target)["recall"] == (
        max(recalls) if recalls else 0.0
    )
    alarms = [fp for tp, _, fp in cuts if tp / positives >= target]
    assert best_operating_point(y, s, recall=target)["false_alarms"] == (
        min(alarms) if alarms else int((y == 0).sum())
    )


@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=2, max_size=60))
def test_precision_at_the_sets_own_base_rate_is_its_observed_precision(rows):
    y = np.array([a for a, _ in rows])
    flagged = np.array([b for _, b in rows])
    if y.all() or not y.any() or not flagged.any():
        return
    got = precision_at_base_rate(flagged[y].mean(), flagged[~y].mean(), y.mean())
    assert got == pytest.approx(y[flagged].mean())


def test_precision_at_a_lower_base_rate_by_hand():
    # 90% recall, 5% false alarms: at 10% stalking, 0.09 true flags against 0.045 false ones
    assert precision_at_base_rate(0.9, 0.05, 0.10) == pytest.approx(0.09 / 0.135)


def test_a_course_of_conduct_split_by_linkage_counts_once_and_is_found_by_any_piece():
    # A: stalking, split over pairs p1 and p2, only p2 flagged -> found (split).
    # B: stalking, one pair, not flagged -> missed. C: stalking but recorded as such -> not
    # counted. D: not stalking, flagged -> not counted (precision is over pairs).
    got = true_pattern_recall(
        pattern=np.array(["A", "A", "B", "C", "D"]),
        y=np.array([1, 1, 1, 1, 0]),
        flagged=np.array([False, True, False, True, True]),
        recorded_stalking=np.array([False, False, False, True, False]),
        pair=np.array(["p1", "p2", "p3", "p4", "p5"]),
    )
    assert got == {"true_pattern_recall": 0.5, "n_true_stalking_patterns": 2,
                   "true_patterns_split": 0.5}  # fmt: skip


def test_wilson_interval_matches_the_published_value_and_narrows_with_more_items():
    # 8 of 10: Wilson 95% interval 0.490 to 0.943 (Newcombe 1998, table I).
    assert wilson_interval(8, 10) == pytest.approx((0.4902, 0.9433), abs=5e-4)
    low, high = wilson_interval(800, 1000)
    assert low < 0.8 < high and high - low < 0.06
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


def test_headline_intervals_bracket_the_recall_and_precision_at_the_flag():
    rng = np.random.default_rng(0)
    n = 400
    y = rng.integers(0, 2, n)
    scores = np.clip(0.35 * y + rng.random(n) * 0.7, 0, 1)
    m = evaluate_scores(
        y, scores, pair=np.arange(n), recorded_stalking=np.zeros(n, bool),
        order_key=np.arange(n), flag_threshold=0.5, true_pattern=np.arange(n),
    )  # fmt: skip
    for key in ("pattern_recall", "pattern_precision", "true_pattern_recall"):
        assert m[f"{key}_low"] < m[key] < m[f"{key}_high"], key
    flagged = scores >= 0.5
    assert (m["pattern_recall_low"], m["pattern_recall_high"]) == pytest.approx(
        wilson_interval(int((flagged & (y == 1)).sum()), int(y.sum()))
    )


def test_ece_is_zero_when_every_bin_is_calibrated():
    p = np.array([0.25] * 4 + [0.75] * 4 + [0.05] * 20)
    y = np.array([1, 0, 0, 0] + [1, 1, 1, 0] + [1] + [0] * 19)
    assert ece(y, p) == pytest.approx(0.0, abs=1e-12)


def test_ece_on_a_hand_computed_example():
    # bin 1: mean score 0.15, observed 1/2 -> gap 0.35 on 2 items;
    # bin 9: mean score (0.9 + 0.9 + 1.0) / 3, observed 2/3 -> gap 0.2667 on 3 items (1.0 is in bin 9).
    p = np.array([0.12, 0.18, 0.9, 0.9, 1.0])
    y = np.array([0, 1, 1, 0, 1])
    expected = (2 * 0.35 + 3 * abs(2.8 / 3 - 2 / 3)) / 5
    assert ece(y, p) == pytest.approx(expected, abs=1e-12)
    assert math.isnan(ece(np.array([]), np.array([])))


# -- the text model's sentence pooling ---------------------------------------------------------

_NOTES = np.array(
    [
        "He followed her home again. She is scared to go out! He waited by her car.",
        "Neighbour says the music was loud. Advised both parties.",
        "He sent forty messages overnight",
    ],
    dtype=object,
)


def test_a_note_is_its_sentence_vectors_summed_and_divided_by_root_k():
    pooled = SentencePooledTfidf(power=0.5).fit(_NOTES)
    sentences = ["He followed her home again.", "She is scared to go out!", "He waited by her car."]
    one_by_one = pooled.tfidf_.transform(_hashing().transform(sentences)).toarray()
    got = pooled.transform(_NOTES[:1]).toarray()[0]
    np.testing.assert_allclose(got, one_by_one.sum(axis=0) / np.sqrt(3), atol=1e-12)
    # A note without a sentence end is one sentence; an empty note is a zero vector.
    single = pooled.transform(np.array(["He sent forty messages overnight", ""], dtype=object))
    np.testing.assert_allclose(np.linalg.norm(single.toarray(), axis=1), [1.0, 0.0], atol=1e-12)


def test_padding_costs_the_same_whatever_the_padding_sentence_length():
    # One sentence of unrelated words costs the evidence a factor sqrt(1/2), however long it is;
    # one TF-IDF vector for the whole note shrinks the more words the padding has.
    pooled = SentencePooledTfidf(power=0.5).fit(_NOTES)
    note = "He followed her home again."
    short = note + " Weather was dry."
    long = note + " " + " ".join(f"word{i}" for i in range(40)) + "."
    a, b = pooled.transform(np.array([short, long], dtype=object)).toarray()
    evidence = pooled.transform(np.array([note], dtype=object)).toarray()[0] > 0
    np.testing.assert_allclose(a[evidence], b[evidence], atol=1e-12)
    whole = TfidfTransformer(sublinear_tf=True).fit(_hashing().transform(_NOTES))
    c, d = whole.transform(_hashing().transform([short, long])).toarray()
    assert (d[evidence] < 0.6 * c[evidence]).all()


def test_familiarity_weighs_a_sentence_by_its_share_of_seen_ngrams():
    plain = SentencePooledTfidf(power=0.5).fit(_NOTES)
    familiar = SentencePooledTfidf(power=0.5, familiarity=1.0).fit(_NOTES)
    # training notes are wholly familiar: nothing changes
    np.testing.assert_allclose(
        familiar.transform(_NOTES).toarray(), plain.transform(_NOTES).toarray(), atol=1e-12
    )
    # "She is tidy." has 5 distinct 1-2-grams, 3 seen ("she", "is", "she is"): weight 3/5
    note = np.array(["He followed her home again. She is tidy."], dtype=object)
    sentences = ["He followed her home again.", "She is tidy."]
    one_by_one = plain.tfidf_.transform(_hashing().transform(sentences)).toarray()
    expected = (one_by_one[0] + 0.6 * one_by_one[1]) / np.sqrt(2)
    np.testing.assert_allclose(familiar.transform(note).toarray()[0], expected, atol=1e-12)


def test_familiarity_at_its_default_is_accepted_with_any_text_model():
    assert load_config(CONFIG, ["model.text_model=hashing_lr"]).model.text_familiarity == 1.0


# -- the session-trained model -----------------------------------------------------------------


@pytest.fixture(scope="module")
def chain(trained) -> ScoringChain:
    return trained.chain


@pytest.fixture(scope="module")
def by_time(accepted) -> pd.DataFrame:
    """A fresh export (seed 7, not the training seed), in time order."""
    return accepted.sort_values(["reported_at", "incident_id"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def prepared(chain, by_time):
    prepared, _ = prepare(
        by_time, linkage_model=chain.linkage_model, linkage_threshold=chain.linkage_threshold
    )
    return prepared


def test_notes_read_in_any_subset_and_order_read_as_in_the_whole_export(by_time):
    """What lets the Spark engine read chunks of rows apart: a note is read from its own row,
    its time rank in the export and when each name was first seen, whatever rows come with it."""
    export = by_time.iloc[:400]
    rank = time_order(export)
    matches, masked = read_incidents(export, rank)
    rows = np.random.default_rng(1).permutation(len(export))[:150]
    first = name_first_seen(export, rank)
    part = read_incidents(export.iloc[rows], rank[rows], first)
    assert part == ([matches[i] for i in rows], [masked[i] for i in rows])
    last = max(first, key=first.__getitem__)  # a name first seen late is unknown before then
    assert last in KnownNames(first, first[last]) and last not in KnownNames(first, first[last] - 1)
    # A name the export's fields use is masked from its first incident on, read with or
    # without the rows that named it (the third row alone still masks "Quill").
    three = pd.DataFrame(
        {
            "incident_id": ["A", "B", "C"],
            "reported_at": pd.to_datetime(["2024-01-03", "2024-01-01", "2024-01-02"]),
            "victim_name": ["Ann Brook", "Ann Brook", "Xavier Quill"],
            "suspect_name": ["Bob Jones", "Bob Jones", "Bob Jones"],
            "notes": ["Quill was there again.", "Quill was there.", "Bob Jones shouted."],
        }
    )
    rank = time_order(three)
    _, masked = read_incidents(three, rank)
    assert masked[:2] == ["<NAME> was there again.", "Quill was there."]
    alone = read_incidents(three.iloc[[0]], rank[[0]], name_first_seen(three, rank))
    assert alone[1] == ["<NAME> was there again."]


def test_test_set_victims_are_disjoint_from_training(trained, chain):
    from stalkflag.linkage import link_incidents

    incidents = trained.dataset.incidents
    links = link_incidents(
        incidents, model=chain.linkage_model, cluster_threshold=chain.linkage_threshold
    ).incidents
    victims = links["victim_person_id"].to_numpy()
    split = trained.config.split
    train, valid, test = split_groups(
        victims,
        seed=split.seed,
        valid_fraction=split.validation_fraction,
        test_fraction=split.test_fraction,
    )
    # The saved linkage model gives back the training run's links, so this is the run's split:
    held = trained.held_out["test"].scores
    assert set(held["incident_id"]) == set(incidents["incident_id"][test])
    assert set(held["pair"]) == set(links["pair_id"][test])
    assert {p.split(">")[1] for p in held["pair"]} == set(victims[test])
    assert len(held) == test.sum() > 0
    train_victims, valid_victims = set(victims[train]), set(victims[valid])
    assert train_victims and valid_victims
    assert not set(victims[test]) & (train_victims | valid_victims)
    assert not train_victims & valid_victims
    assert not set(links["pair_id"][test]) & set(links["pair_id"][train])
    # validation figures are over validation pairs (those not recorded as stalking)
    assert 0 < trained.validation["n_pairs"] <= links["pair_id"][valid].nunique()


@pytest.mark.parametrize("held_out", ["test", "time", "unseen_styles"])
def test_model_beats_keyword_search(trained, held_out):
    metrics = trained.held_out[held_out].metrics
    assert metrics["n_stalking_pairs"] > 5
    assert metrics["pattern_pr_auc"] > metrics["keywords_pattern_pr_auc"], metrics


@pytest.fixture(scope="module")
def scored(chain, prepared) -> pd.DataFrame:
    return chain.score(prepared)


def test_thresholds_are_ordered_and_decisions_follow_them(chain, prepared, scored):
    assert 0 < chain.review_threshold <= chain.flag_threshold <= 1
    X = chain.features(prepared)
    p = chain.predict_proba(X)
    out = scored
    assert len(out) == len(prepared.incidents)
    np.testing.assert_array_equal(out["score"].to_numpy(), p.round(4))
    expected = np.where(
        p >= chain.flag_threshold, "flag", np.where(p >= chain.review_threshold, "review", "clear")
    )
    np.testing.assert_array_equal(out["decision"].to_numpy(), expected)
    assert set(out["decision"]) == {"flag", "review", "clear"}
    recorded = out["recorded_category"].eq("stalking")
    assert (out["flagged"] == (out["decision"].eq("flag") & ~recorded)).all()
    assert out["flagged"].any()
    assert (out["reasons"].ne("") == out["decision"].ne("clear")).all()


def test_reasons_quote_spans_really_in_the_notes(scored, by_time):
    """Every quoted span is the text at its offsets in the note of an incident of the same
    pair, no later than the incident it explains."""
    notes = by_time.set_index("incident_id")
    pair = scored.set_index("incident_id")["pair_id"]
    checked = set()
    for _, row in scored[scored["decision"] != "clear"].iterrows():
        for item in json.loads(row["evidence"]):
            for m in item.get("matches", []):
                source = notes.loc[m["incident_id"]]
                assert source["notes"][m["start"] : m["end"]] == m["text"]
                assert pair[m["incident_id"]] == row["pair_id"]
                assert source["reported_at"] <= row["reported_at"]
                checked.add(item["evidence"])
    assert len(checked) >= 3  # several kinds of behaviour were quoted


# -- the estimators ----------------------------------------------------------------------------


def test_the_chain_is_one_sklearn_pipeline_inside_its_thresholds(chain, prepared):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import Pipeline

    assert isinstance(chain.model, FlagThresholds)
    pipeline = chain.pipeline
    assert isinstance(pipeline, Pipeline)
    assert [name for name, _ in pipeline.steps] == ["notes", "pairs", "classifier"]
    assert isinstance(pipeline["notes"], NoteTextScores)
    assert isinstance(pipeline["pairs"], PairHistoryFeatures)
    assert isinstance(pipeline["classifier"], CalibratedClassifierCV)
    assert tuple(pipeline[:-1].get_feature_names_out()) == chain.feature_names
    X = prepared.model_input()
    # the whole pipeline and the chain's two halves give the same probability
    np.testing.assert_allclose(
        chain.model.predict_proba(X)[:, 1], chain.predict_proba(chain.features(prepared))
    )
    flagged = chain.model.predict(X) == 1
    np.testing.assert_array_equal(
        flagged, chain.decide(chain.model.predict_proba(X)[:, 1]) == "flag"
    )


def test_model_input_holds_masked_sentences_about_people_and_no_name_field(prepared, by_time):
    X = prepared.model_input()
    assert not {"victim_name", "suspect_name", "notes"} & set(X.columns)
    assert len(X) == len(by_time)
    shorter = 0
    for text, masked in zip(X[NOTE_TEXT], prepared.masked, strict=True):
        assert bool(text) == bool(masked.strip())  # only an empty note reads as nothing
        assert all(part in masked for part in text.split(". ") if part)
        shorter += len(text) < len(masked)
    assert shorter, "no note had a sentence about no one"


def test_note_scores_are_cross_fitted_when_fitted_and_from_the_full_model_after(prepared):
    X = prepared.model_input().iloc[:3000].reset_index(drop=True)
    y = prepared.incidents["label"].iloc[:3000].to_numpy().astype(int)
    step = NoteTextScores(cv=3)
    crossed = step.fit_transform(X, y)[NOTE_SCORE].to_numpy()
    full = step.transform(X)[NOTE_SCORE].to_numpy()
    assert not np.allclose(crossed, full)
    # a training row's cross-fitted score is the score of a model fitted without its victim
    from sklearn.model_selection import GroupKFold

    groups = X["victim_person_id"].to_numpy()
    fit_rows, held = next(GroupKFold(n_splits=3).split(X, y, groups))
    alone = NoteTextScores(cv=3).fit(X.iloc[fit_rows], y[fit_rows])
    np.testing.assert_allclose(crossed[held], alone.transform(X.iloc[held])[NOTE_SCORE], atol=1e-12)
    assert set(groups[held]).isdisjoint(groups[fit_rows])
    assert list(step.get_feature_names_out()) == [*X.columns, NOTE_SCORE]


def test_the_text_gate_zeroes_text_features_where_no_act_was_read(chain, prepared):
    F = chain.features(prepared)
    closed = F["distinct_behaviours"].to_numpy() == 0
    assert 0 < closed.sum() < len(F)
    text = [c for c in F.columns if c.endswith(NOTE_SCORE)]
    assert len(text) == 5
    assert {feature_group(c) for c in text} == {"wording of the notes (text model)"}
    assert (F.loc[closed, text].to_numpy() == 0).all()
    assert (F.loc[~closed, NOTE_SCORE] > 0).all()
    # with the gate off the same rows have their text scores
    ungated = PairHistoryFeatures(text_gate="none").fit(
        chain.pipeline["notes"].transform(prepared.model_input())
    )
    G = ungated.transform(chain.pipeline["notes"].transform(prepared.model_input()))
    assert (G.loc[closed, NOTE_SCORE] > 0).all()


def test_thresholds_need_a_fitted_estimator_and_say_when_no_flag_is_earned(chain, prepared, caplog):
    from sklearn.exceptions import NotFittedError

    from stalkflag.model._estimators import make_model_pipeline

    X = prepared.model_input()
    with pytest.raises(NotFittedError):
        FlagThresholds(make_model_pipeline(chain.config)).fit(X, np.zeros(len(X)))
    # Stalking only among the lowest scores: no cut point reaches 0.80 precision.
    scores = chain.model.predict_proba(X)[:, 1]
    y = (scores <= np.quantile(scores, 0.1)).astype(int)
    with caplog.at_level("WARNING", logger="stalkflag.model._estimators"):
        other = FlagThresholds(chain.pipeline).fit(X, y)
    assert other.flag_threshold_ == math.inf and other.review_threshold_ <= np.quantile(scores, 0.1)
    assert "no flag threshold" in caplog.text and "nothing will be flagged" in caplog.text
    assert (other.decide(scores) != "flag").all() and not other.predict(X).any()


# -- saving and loading ----------------------------------------------------------------------


class Untrusted:
    """A type no saved chain may hold."""

    def __init__(self) -> None:
        self.payload = "anything"


def test_long_notes_are_measured_against_the_training_notes(
    chain, trained, accepted, truth, by_time, tmp_path
):
    """Scoring warns when notes are longer than the model ever saw (incidental detail lowers
    recall); the limit is kept with the saved chain."""
    styles = truth["style"].to_numpy()
    seen = accepted[np.isin(styles, trained.config.data.synthetic.seen_styles)]
    ordinary = chain.long_note_share(seen)
    assert ordinary is not None and ordinary <= 0.05
    # The unseen verbose style is the one the model reads worst; the check sees it.
    assert chain.long_note_share(accepted[styles == "verbose"]) > 0.5
    padded = by_time.assign(notes=by_time["notes"].fillna("") + " Officers waited outside." * 60)
    assert chain.long_note_share(padded) == 1.0
    loaded = ScoringChain.load(chain.save(tmp_path / "chain"))
    assert loaded.long_note_share(padded) == 1.0
    assert ScoringChain(chain.config, chain.decision, {}).long_note_share(padded) is None


def test_save_load_round_trip_gives_identical_scores(chain, prepared, tmp_path):
    folder = chain.save(tmp_path / "chain")
    assert {p.name for p in folder.iterdir()} == {
        "chain.json",
        "estimators.skops",
        "linkage_model.json",
    }
    loaded = ScoringChain.load(folder)
    assert loaded.flag_threshold == chain.flag_threshold
    assert loaded.review_threshold == chain.review_threshold
    assert loaded.feature_names == chain.feature_names
    X = chain.features(prepared)
    np.testing.assert_array_equal(loaded.features(prepared).to_numpy(), X.to_numpy())
    np.testing.assert_array_equal(loaded.predict_proba(X), chain.predict_proba(X))
    few = prepared.subset(np.arange(300))  # decisions and reasons too, on fewer rows
    pd.testing.assert_frame_equal(loaded.score(few), chain.score(few))


def test_load_refuses_untrusted_types(chain, tmp_path):
    import skops.io as sio

    folder = chain.save(tmp_path / "chain")
    tampered = tmp_path / "tampered"
    shutil.copytree(folder, tampered)
    sio.dump(
        {"model": Untrusted()},
        tampered / "estimators.skops",
    )
    with pytest.raises(ConfigError) as info:
        ScoringChain.load(tampered)
    assert info.value.code == "C042"
    assert "Untrusted" in info.value.message


def test_load_refuses_a_folder_without_chain_json(chain, tmp_path):
    folder = chain.save(tmp_path / "chain")
    (folder / "chain.json").unlink()
    with pytest.raises(ConfigError) as info:
        ScoringChain.load(folder)
    assert info.value.code == "C040"
    with pytest.raises(ConfigError):
        ScoringChain.load(tmp_path / "nothing-here")


def test_load_refuses_a_chain_trained_with_another_text_pipeline(chain, tmp_path):
    from stalkflag.text import TEXT_PIPELINE

    folder = chain.save(tmp_path / "chain")
    meta = json.loads((folder / "chain.json").read_text(encoding="utf-8"))
    assert meta["text_pipeline"] == TEXT_PIPELINE
    meta["text_pipeline"] = "stalkflag.text.v1"
    (folder / "chain.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        ScoringChain.load(folder)
    assert info.value.code == "C041"
    assert "stalkflag.text.v1" in info.value.message and TEXT_PIPELINE in info.value.message
    del meta["text_pipeline"]  # saved before the version was recorded: v1
    (folder / "chain.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"stalkflag\.text\.v1"):
        ScoringChain.load(folder)


# -- no look-ahead -----------------------------------------------------------------------------


def _cut(by_time: pd.DataFrame) -> pd.Timestamp:
    return by_time["reported_at"].quantile(0.6)


def test_pattern_features_use_only_earlier_incidents(chain, prepared, by_time):
    """The classifier's inputs for an incident do not change when later incidents are dropped
    (same links and masked notes: this isolates the feature step)."""
    early = np.flatnonzero((by_time["reported_at"] <= _cut(by_time)).to_numpy())
    assert 0 < len(early) < len(by_time)
    full = chain.features(prepared).iloc[early].reset_index(drop=True)
    alone = chain.features(prepared.subset(early))
    pd.testing.assert_frame_equal(full, alone)


def test_scores_do_not_change_when_later_incidents_are_removed(chain, by_time, prepared, scored):
    """End to end, an earlier incident's score does not depend on later incidents, except
    through linkage itself: linking is a batch over the export (a later record can show that
    two earlier ones are the same person), and the note fallbacks that give a blank suspect the
    victim's sole or most recent suspect look at the victim's other incidents, and a name in a
    note ("her ex Jonathan") is looked up among the suspects of the whole export, so a later
    record can name the man an earlier note only mentions. Incidents whose pair and suspect have
    the same (earlier) incidents in both runs, linked the same way and by no such fallback, are
    compared."""
    cut = _cut(by_time)
    early_rows = by_time["reported_at"] <= cut
    early_prepared, _ = prepare(
        by_time[early_rows],
        linkage_model=chain.linkage_model,
        linkage_threshold=chain.linkage_threshold,
    )
    early = chain.score(early_prepared, explain=False).set_index("incident_id")
    full = scored.set_index("incident_id")
    fallback = {"victim_sole_suspect", "victim_recent_suspect"}
    batch_links = set(
        prepared.links.loc[prepared.links["suspect_link_method"].isin(fallback), "pair_id"]
    ) | set(
        early_prepared.links.loc[
            early_prepared.links["suspect_link_method"].isin(fallback), "pair_id"
        ]
    )
    members_full = full.loc[early.index].groupby("pair_id").groups
    members_early = early.groupby("pair_id").groups
    same = {frozenset(v) for k, v in members_full.items() if k not in batch_links} & {
        frozenset(v) for k, v in members_early.items() if k not in batch_links
    }
    # ... and whose suspect is the same person (the same earlier incidents) in both runs.
    full_suspect = full.loc[early.index].groupby("suspect_person_id").groups
    early_suspect = early.groupby("suspect_person_id").groups
    same_suspect = {frozenset(v) for v in full_suspect.values()} & {
        frozenset(v) for v in early_suspect.values()
    }
    methods = [
        p.links.set_index("incident_id")["suspect_link_method"] for p in (prepared, early_prepared)
    ]
    same_method = methods[0].loc[early.index] == methods[1].loc[early.index]
    stable = {i for group in same_suspect for i in group} & set(same_method.index[same_method])
    ids = sorted(i for group in same for i in group if i in stable)
    assert len(ids) > 0.5 * len(early)
    diff = (full.loc[ids, "score"] - early.loc[ids, "score"]).abs()
    assert diff.max() < 1e-9, (
        f"{int((diff > 1e-9).sum())} of {len(ids)} earlier incidents changed score "
        f"(max {diff.max():.4f}) when later incidents were removed: "
        f"{list(diff[diff > 1e-9].index[:5])}"
    )


# -- privacy -----------------------------------------------------------------------------------


def _name_tokens(incidents: pd.DataFrame) -> set[str]:
    tokens = set()
    for column in ("victim_name", "suspect_name"):
        for value in incidents[column].dropna():
            for token in re.split(r"[^A-Za-z]+", str(value)):
                if len(token) >= 4 and token.isalpha():
                    tokens.add(token.lower())
    return tokens


_WORD = re.compile(rb"[a-z0-9_]+")


def _words(blob: bytes) -> set[str]:
    """Whole words of lower-cased bytes: maximal runs of letters, digits and underscores (so
    ``mean_score`` is one word, not ``mean``)."""
    return {w.decode() for w in _WORD.findall(blob.lower())}


def _text_of(blob: bytes) -> bytes:
    """What in a file could hold a name. Numeric arrays (a .npy member of a .skops archive) and
    a PNG's compressed pixels hold none, and their random bytes would spell short words by
    chance; a PNG's text chunks and any non-numeric array are kept."""
    import struct

    if blob.startswith(b"\x93NUMPY"):
        array = np.load(io.BytesIO(blob), allow_pickle=False)
        return b"" if array.dtype.kind in "biufc" else str(array.tolist()).encode()
    if blob.startswith(b"\x89PNG\r\n\x1a\n"):
        text, at = [], 8
        while at + 8 <= len(blob):
            (length,) = struct.unpack(">I", blob[at : at + 4])
            kind = blob[at + 4 : at + 8]
            if kind in (b"tEXt", b"iTXt", b"zTXt"):
                text.append(blob[at + 8 : at + 8 + length])
            at += 12 + length
        return b" ".join(text)
    return blob


def _hits(folder: Path, tokens: set[str]) -> dict[str, set[str]]:
    """Name tokens found as whole words in every file under ``folder`` (lower-cased bytes) and
    in every member of every zip archive (a .skops file is one)."""
    found: dict[str, set[str]] = {}
    files = [p for p in Path(folder).rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        # MLflow copies the project's own uv.lock and pyproject.toml into a logged model (uv
        # project detection), and the model's code (models from code); byte-identical copies
        # of project files hold no training data.
        own = [PROJECT / path.name, *(PROJECT / "stalkflag").rglob(path.name)]
        if any(p.is_file() and data == p.read_bytes() for p in own):
            continue
        if path.name == "MLmodel":  # the signature's column types are MLflow's words
            data = re.sub(rb'"type": "[a-z]+"', b"", data)
        blobs = {str(path): data}
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                blobs |= {f"{path}:{n}": archive.read(n) for n in archive.namelist()}
        for where, blob in blobs.items():
            hits = _words(_text_of(blob)) & tokens
            if hits:
                found[where] = hits
    return found


@pytest.fixture(scope="module")
def names(trained) -> set[str]:
    tokens = _name_tokens(trained.dataset.incidents)
    assert len(tokens) > 100
    return tokens


def test_name_scanner_finds_a_name(names, tmp_path):
    tokens = names
    name = sorted(tokens)[len(tokens) // 2]
    (tmp_path / "plain.txt").write_text(f"Suspect was {name.title()}, seen twice.")
    with zipfile.ZipFile(tmp_path / "packed.skops", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("schema.json", json.dumps({"note": f"{name.upper()} " * 50}))
    (tmp_path / "clean.txt").write_text(f"x{name}y {name}_score")  # not whole words
    buffer = io.BytesIO()
    np.save(buffer, np.array([name, "other"]))  # a string array can hold a name
    with zipfile.ZipFile(tmp_path / "arrays.skops", "w") as archive:
        archive.writestr("names.npy", buffer.getvalue())
    found = _hits(tmp_path, tokens)
    assert found[f"{tmp_path / 'arrays.skops'}:names.npy"] == {name}
    assert found[str(tmp_path / "plain.txt")] == {name}
    assert found[f"{tmp_path / 'packed.skops'}:schema.json"] == {name}
    assert str(tmp_path / "packed.skops") not in found  # compressed: only the member shows it
    assert str(tmp_path / "clean.txt") not in found


def test_saved_model_holds_no_training_names(chain, names, tmp_path):
    folder = chain.save(tmp_path / "chain")
    assert _hits(folder, names) == {}


# -- MLflow ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def logged(trained, tmp_path_factory):
    from stalkflag.model._tracking import log_training

    folder = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{folder}/mlflow.db"
    info = log_training(trained, tracking_uri=uri)
    return uri, info, folder


def _client(uri: str):
    import mlflow

    return mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)


def test_mlflow_run_holds_no_training_names(logged, names, tmp_path):
    import mlflow

    uri, info, _ = logged
    run_dir = mlflow.artifacts.download_artifacts(
        run_id=info["run_id"], dst_path=str(tmp_path / "run"), tracking_uri=uri
    )
    assert _hits(Path(run_dir), names) == {}
    model_dir = mlflow.artifacts.download_artifacts(
        artifact_uri=f"runs:/{info['run_id']}/model",
        dst_path=str(tmp_path / "model"),
        tracking_uri=uri,
    )
    assert (Path(model_dir) / "artifacts" / "chain" / "estimators.skops").exists()
    assert _hits(Path(model_dir), names) == {}
    run = _client(uri).get_run(info["run_id"])
    # MLflow's own tags (a random run name, the OS user, the script path) are not from the data.
    own_tags = {k: v for k, v in run.data.tags.items() if not k.startswith("mlflow.")}
    texts = [
        *run.data.params,
        *run.data.params.values(),
        *run.data.tags,
        *own_tags.values(),
        *run.data.metrics,
    ]
    assert len(run.data.params) > 10 and len(run.data.metrics) > 50
    leaked = set().union(*(_words(str(t).encode()) for t in texts)) & names
    assert leaked == set()


def test_mlflow_run_has_params_metrics_tags_and_artifacts(trained, logged, tmp_path):
    import mlflow

    import stalkflag

    uri, info, folder = logged
    assert info["version"] == 1 and info["champion"] is True and info["previous"] is None
    run = _client(uri).get_run(info["run_id"])
    assert run.data.params["model.classifier"] == "boosted"
    assert run.data.params["data.synthetic.n_incidents"] == "3000"
    metrics = run.data.metrics
    for name in (
        "test_pattern_pr_auc",
        "unseen_styles_pattern_recall",
        "unseen_styles_true_pattern_recall",
        "val_pattern_pr_auc",
    ):
        assert name in metrics
    assert metrics["test_pattern_pr_auc"] == pytest.approx(
        trained.held_out["test"].metrics["pattern_pr_auc"]
    )
    assert metrics["val_pattern_pr_auc"] == pytest.approx(info["value"])
    assert run.data.tags["data.fingerprint"] == trained.dataset.fingerprint
    # the training export as the run's input: source, digest, schema and size, no row's values
    (logged_input,) = run.inputs.dataset_inputs
    dataset = logged_input.dataset
    assert dataset.digest == trained.dataset.fingerprint[:16]
    assert json.loads(dataset.profile)["num_rows"] == len(trained.dataset.incidents)
    assert "notes" in dataset.schema and trained.dataset.incidents["notes"].iloc[0] not in str(
        dataset
    )
    assert run.data.tags["stalkflag.version"] == stalkflag.__version__
    from importlib import metadata

    assert run.data.tags["env.scikit-learn"] == metadata.version("scikit-learn")
    assert run.data.tags["env.splink"] == metadata.version("splink")
    local = Path(
        mlflow.artifacts.download_artifacts(
            run_id=info["run_id"], dst_path=str(tmp_path), tracking_uri=uri
        )
    )
    for name in (
        "plots/pr_curve.png",
        "plots/calibration_curve.png",
        "plots/confusion_matrix.png",
        "metrics.json",
        "config.resolved.yaml",
    ):
        assert (local / name).stat().st_size > 0, name
    assert (local / "plots" / "pr_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((local / "metrics.json").read_text())["test_pattern_pr_auc"] == (
        pytest.approx(metrics["test_pattern_pr_auc"])
    )
    resolved = yaml.safe_load((local / "config.resolved.yaml").read_text())
    assert resolved == trained.config.model_dump(mode="json")
    # MLflow 3 keeps a logged model beside the run, not in its artifact folder; the run's model
    # is reached as runs:/<run>/model.
    model = mlflow.artifacts.download_artifacts(
        artifact_uri=f"runs:/{info['run_id']}/model/MLmodel",
        dst_path=str(tmp_path / "model"),
        tracking_uri=uri,
    )
    mlmodel = yaml.safe_load(Path(model).read_text())
    assert mlmodel["run_id"] == info["run_id"]
    assert "python_function" in mlmodel["flavors"]
    # Artifacts go beside the SQLite file, never into the working folder or the project store.
    assert (folder / "artifacts").is_dir()


def test_registry_champion_only_moves_on_a_strictly_better_metric(trained, logged):
    from stalkflag.model._tracking import log_training

    uri, first, _ = logged
    client = _client(uri)
    assert str(client.get_model_version_by_alias("stalkflag", "champion").version) == "1"
    again = log_training(trained, tracking_uri=uri)
    assert again["version"] == 2
    assert again["champion"] is False  # an equal metric does not beat the champion
    assert again["previous"] == pytest.approx(first["value"])
    assert str(client.get_model_version_by_alias("stalkflag", "champion").version) == "1"
    assert {str(v.version) for v in client.search_model_versions("name='stalkflag'")} == {"1", "2"}

    # A champion that this version can no longer load (other behaviour rules) is replaced even
    # by a model that is not better on the metric.
    from stalkflag.model._tracking import COMPATIBILITY_TAG

    champion = client.get_model_version_by_alias("stalkflag", "champion")
    client.set_tag(champion.run_id, COMPATIBILITY_TAG, "from-another-catalogue")
    third = log_training(trained, tracking_uri=uri)
    assert third["champion"] is True and third["replaced_incompatible"] is True
    assert str(client.get_model_version_by_alias("stalkflag", "champion").version) == "3"


def test_champion_loads_as_pyfunc_and_as_chain(chain, logged, prepared):
    import mlflow

    from stalkflag.model._score import load_chain
    from stalkflag.model._tracking import INPUT_EXAMPLE, use_tracking

    uri, _, _ = logged
    use_tracking(uri)
    model = mlflow.pyfunc.load_model("models:/stalkflag@champion")
    out = model.predict(INPUT_EXAMPLE)
    assert len(out) == 3
    assert {"incident_id", "pair_id", "score", "flagged", "reasons"} <= set(out.columns)
    assert set(out["incident_id"]) == {"EX-1", "EX-2", "EX-3"}
    assert out["pair_id"].nunique() == 1
    loaded = load_chain("models:/stalkflag@champion", tracking_uri=uri)
    X = chain.features(prepared)
    np.testing.assert_array_equal(loaded.predict_proba(X), chain.predict_proba(X))


def test_load_chain_from_an_empty_store_is_a_config_error(tmp_path):
    from stalkflag.model._score import load_chain

    with pytest.raises(ConfigError) as info:
        load_chain("models:/stalkflag@champion", tracking_uri=f"sqlite:///{tmp_path}/empty.db")
    assert "stalkflag train" in info.value.message
    with pytest.raises(ConfigError):
        load_chain("no-such-folder-or-uri")
