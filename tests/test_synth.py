from __future__ import annotations

import re

import pandas as pd
import pytest

from stalkflag.errors import ConfigError
from stalkflag.schema import CATEGORIES, COLUMNS, RELATIONSHIPS
from stalkflag.synth import SCENARIOS, STYLES, SynthConfig, generate


def test_exact_size_and_contract_columns(synth_small):
    export, truth = synth_small
    assert len(export) == len(truth) == 3000
    assert list(export.columns) == [c.name for c in COLUMNS]
    assert export["incident_id"].is_unique
    assert set(export["recorded_category"]) <= set(CATEGORIES)
    assert set(export["relationship"]) - {""} <= set(RELATIONSHIPS)
    assert (export["incident_id"] == truth["incident_id"]).all()


def test_same_seed_same_output_whatever_the_workers():
    a = generate(SynthConfig(n_incidents=1500, seed=11), workers=1)
    b = generate(SynthConfig(n_incidents=1500, seed=11), workers=2)
    c = generate(SynthConfig(n_incidents=1500, seed=12), workers=1)
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])
    assert not a[0]["notes"].equals(c[0]["notes"])


def test_about_a_quarter_of_patterns_are_stalking(synth_small):
    _, truth = synth_small
    patterns = truth.drop_duplicates("pattern_id")
    share = patterns["label"].mean()
    assert 0.18 < share < 0.32, share
    assert set(patterns["scenario"]) == {s.name for s in SCENARIOS}


def test_most_stalking_is_recorded_as_something_else(synth_small):
    export, truth = synth_small
    stalking = export[truth["label"] == 1]
    assert (stalking["recorded_category"] != "stalking").mean() > 0.75
    first = stalking[truth.loc[truth["label"] == 1, "incident_index"] == 0]
    assert (first["recorded_category"] == "stalking").mean() < 0.10  # early incidents rarely
    lookalike = export[truth["label"] == 0]
    assert 0 < (lookalike["recorded_category"] == "stalking").mean() < 0.06  # a few over-recorded


def test_most_notes_never_say_stalking_and_some_lookalikes_do(synth_small):
    export, truth = synth_small
    says = export["notes"].str.contains(r"stalk", case=False)
    assert says[truth["label"] == 1].mean() < 0.25
    assert says[truth["label"] == 0].sum() > 0


def test_writing_styles_are_distinct_and_restrictable(synth_small):
    export, truth = synth_small
    assert set(truth["style"]) == set(STYLES)
    cad = export.loc[truth["style"] == "cad", "notes"]
    assert (cad == cad.str.upper()).mean() > 0.95
    assert cad.str.contains(r"\b(?:IP|SUSP)\b").mean() > 0.5
    informal = export.loc[truth["style"] == "informal", "notes"]
    assert (informal == informal.str.lower()).mean() > 0.95
    statement = export.loc[truth["style"] == "statement", "notes"]
    assert (
        statement.str.contains(r'"').mean() > 0.95
        and statement.str.contains(r"\b(?:I|me|my)\b").mean() > 0.9
    )
    only = generate(SynthConfig(n_incidents=300, seed=1, styles=("cad", "minimal")))[1]
    assert set(only["style"]) == {"cad", "minimal"}


def test_no_sentence_template_dominates(synth_small):
    export, _ = synth_small
    sentences = export["notes"].str.lower().str.split(r"(?<=[.!?])\s+").explode()
    sentences = sentences[sentences.str.len() > 20]
    top = sentences.value_counts(normalize=True)
    assert top.iloc[0] < 0.02, top.head()


def test_notes_carry_negations_hypotheticals_and_third_parties(synth_small):
    notes = synth_small[0]["notes"].str.lower()
    assert notes.str.contains(r"\bden(?:y|ies|ied)\b").sum() > 30
    assert notes.str.contains(r"\bif (?:he|she|the|susp|him|her)").sum() > 30
    assert notes.str.contains(r"mother|sister|best friend|brother").sum() > 30


def test_identity_noise_is_present(synth_small):
    export, truth = synth_small
    names = export.assign(key=truth["victim_key"]).query("victim_name != ''")
    spellings = names.groupby("key")["victim_name"].nunique()
    assert (spellings > 1).mean() > 0.2  # the same person under several spellings
    ids = (
        export.assign(key=truth["victim_key"])
        .query("victim_id != ''")
        .groupby("key")["victim_id"]
        .nunique()
    )
    assert (ids > 1).sum() > 0  # two IDs for one person happen
    assert 0.2 < (export["victim_id"] == "").mean() < 0.4
    # common names shared by different people
    plain = names.assign(norm=names["victim_name"].str.lower())
    shared = plain.groupby("norm")["key"].nunique()
    assert (shared > 1).sum() >= 3  # different people, same name (3,000 rows, realistic name tail)


def test_suspects_blank_in_fields_but_named_or_described_in_notes(synth_small):
    export, truth = synth_small
    blank = (export["suspect_name"] == "") & (export["suspect_id"] == "")
    in_notes = truth["suspect_in_notes"].isin(["named", "described"])
    assert (blank & in_notes).sum() > 50
    assert not (~blank & (truth["suspect_in_notes"] == "named")).any()


def test_escalation_stalking_gaps_shrink(synth_small):
    export, truth = synth_small
    frame = truth.assign(t=pd.to_datetime(export["reported_at"], format="ISO8601"))
    long = frame[(frame["label"] == 1) & (frame["pattern_size"] >= 6)].sort_values(
        ["pattern_id", "t"]
    )
    gaps = long.groupby("pattern_id")["t"].diff().dt.days.dropna()
    half = (
        long.groupby("pattern_id").cumcount().loc[gaps.index]
        >= long.groupby("pattern_id")["t"].transform("size").loc[gaps.index] / 2
    )
    assert gaps[half].mean() < gaps[~half].mean()


def test_bad_config_is_rejected_with_a_clear_error():
    with pytest.raises(ConfigError, match=r"unknown style.*sonnet.*known: cad"):
        SynthConfig(n_incidents=10, styles=("sonnet",))
    with pytest.raises(ConfigError, match="at least 1"):
        SynthConfig(n_incidents=0)


def test_no_placeholder_slots_left_in_notes(synth_small):
    notes = synth_small[0]["notes"]
    assert not notes.str.contains(r"\{\w+\}").any()
    assert not notes.str.contains(r"\b(?:his|her) has\b", flags=re.I).any()


def _content_words(text: str) -> set[str]:
    words = set(re.findall(r"[a-z]+", re.sub(r"\{\w+\}", " ", text.lower())))
    return words - {"the", "a", "of", "to", "and", "was", "in", "on", "at", "as", "by", "for",
                    "with", "were", "had", "is", "it", "that"}  # fmt: skip


def test_incidental_bank_is_apart_from_the_verbose_styles_bank():
    """The verbose style is kept out of training; the incidental detail training may carry must
    not be its sentences in other words (no clause shares a third of its content words)."""
    from stalkflag.synth._incidental_phrases import INCIDENTAL
    from stalkflag.synth._lookalike_phrases import FILLER

    assert len(set(INCIDENTAL)) == len(INCIDENTAL) >= 60
    for clause in INCIDENTAL:
        a = _content_words(clause)
        closest = max(len(a & _content_words(f)) / len(a | _content_words(f)) for f in FILLER)
        assert closest < 0.35, clause


def test_incidental_bank_holds_no_behaviour():
    """Incidental detail is neutral: the reader counts no act in it.
    (Version 1 of four rules took single words wherever they stood: "a key safe", "a contact
    card", "went to voicemail", "contacted by email"; version 2 does not.) Any match fails, so
    the bank cannot drift into describing behaviour."""
    from stalkflag.synth._incidental_phrases import INCIDENTAL
    from stalkflag.text import ACTS, make_text_pipeline

    slots = {
        "{Vs}": "the victim",
        "{Vo}": "her",
        "{Vp}": "her",
        "{n}": "5",
        "{third}": "her sister",
    }
    texts = []
    for clause in INCIDENTAL:
        for slot, value in slots.items():
            clause = clause.replace(slot, value)
        texts.append(clause[0].upper() + clause[1:] + ".")
    found = sorted(
        (m.behaviour, m.text.lower())
        for doc in make_text_pipeline().pipe(texts)
        for m in doc._.behaviours
        if m.counts and m.behaviour in ACTS  # police work ("officers waited") is read, not counted
    )
    assert found == []


def test_incidental_detail_goes_into_every_kind_of_note_but_verbose_and_minimal():
    from stalkflag.synth._incidental_phrases import INCIDENTAL

    plain = generate(SynthConfig(n_incidents=2000, seed=5, incidental_detail=0.0))
    padded = generate(SynthConfig(n_incidents=2000, seed=5, incidental_detail=0.5))
    starts = tuple(c.split("{")[0][:25].lower() for c in INCIDENTAL if len(c.split("{")[0]) >= 25)

    def carries(export: pd.DataFrame) -> pd.Series:
        return export["notes"].str.lower().map(lambda note: any(s in note for s in starts))

    assert not carries(plain[0]).any()
    has, truth = carries(padded[0]), padded[1]
    style = truth["style"]
    assert not has[style.isin(["verbose", "minimal"])].any()
    others = ~style.isin(["verbose", "minimal"])
    # About half of the notes (fewer are caught: a clause may start with a slot, or CAD
    # abbreviates it), whatever the label.
    for label in (0, 1):
        share = has[others & (truth["label"] == label)].mean()
        assert 0.25 < share < 0.6, (label, share)
    with pytest.raises(ConfigError, match="between 0 and 1"):
        SynthConfig(n_incidents=10, incidental_detail=1.5)
