"""Text layer: the behaviour catalogue, normal forms, lemmas, the reader's qualifiers and counts,
placeholders."""

from __future__ import annotations

import re

import pytest

from stalkflag.text import (
    ACTS,
    BEHAVIOURS,
    OFFLINE,
    ONLINE,
    SDASH,
    TEXT_PIPELINE,
    Behaviour,
    behaviour_records,
    make_text_pipeline,
)
from stalkflag.text._lexicon import compile_pattern, lemmatise
from stalkflag.text._pipeline import _english, _typo_table, keywords, normal_form
from stalkflag.text._placeholders import common_words, mask_doc, name_lexicon
from stalkflag.text._reader import BehaviourReader
from stalkflag.text._sentences import about_people


@pytest.fixture(scope="module")
def nlp():
    return make_text_pipeline()


def _found(nlp, text: str) -> dict[str, list]:
    out: dict[str, list] = {}
    for m in nlp(text)._.behaviours:
        out.setdefault(m.behaviour, []).append(m)
    return out


def test_the_catalogue_declares_each_behaviour_once_with_its_kind_channel_and_sdash():
    records = behaviour_records()
    assert tuple(records) == BEHAVIOURS and len(BEHAVIOURS) >= 30
    assert all(re.fullmatch(r"[a-z_]+", b) for b in BEHAVIOURS)
    assert set(ACTS) == ONLINE | OFFLINE and not ONLINE & OFFLINE
    for record in records.values():
        assert record.patterns and all(compile_pattern(p) for p in record.patterns)
        assert set(record.unless) <= set(BEHAVIOURS), record.id
    # every S-DASH question is answered by some behaviour
    assert {q for r in records.values() for q in r.sdash} == set(SDASH)
    with pytest.raises(ValueError, match="acts have a channel"):
        Behaviour("x", "x", "act", patterns=("x",))
    with pytest.raises(ValueError, match="unknown word class"):
        compile_pattern("turn up ~2 @nowhere")


def test_no_pattern_needs_a_word_after_a_list_of_alternatives_by_mistake():
    """A long list of single-word alternatives followed by one more slot is almost always a
    pattern meant as separate words (v5 read "argument ... match" for "shouting match")."""
    for record in behaviour_records().values():
        for text in record.patterns:
            slots = compile_pattern(text)
            first, last = slots[0], slots[-1]
            suspicious = len(slots) == 2 and len(first.lemmas) >= 10 and len(last.lemmas) == 1
            assert not suspicious, (record.id, text)


def test_a_new_behaviour_is_one_record():
    """Adding a behaviour touches one place: its record (here given to a reader directly)."""
    record = Behaviour("drone", "flew a drone over her garden", "act", channel="offline",
                       patterns=("fly ~2 drone|drones",))  # fmt: skip
    nlp = make_text_pipeline()
    reader = BehaviourReader({**behaviour_records(), "drone": record})
    matches = reader.read(nlp.make_doc("He flew a drone over her garden twice."))
    assert [m.behaviour for m in matches if m.behaviour == "drone"] == ["drone"]


def test_lemmas_come_from_spacys_lookup_table():
    assert lemmatise("rang") == "ring" and lemmatise("drove") == "drive"
    assert lemmatise("messages") == "message" and lemmatise("stood") == "stand"
    assert lemmatise("texted") == "text"  # not in the table: a regular suffix stripped


@pytest.mark.parametrize(
    ("text", "behaviour"),
    [
        ("SUSP FOLOWED IP HOME FROM GYM", "following"),
        ("Her ex turned up at her address at 2am", "visiting_home"),
        ("He was waiting outside her work when she finished", "visiting_work"),
        ("An airtag was found in the lining of her coat", "tracking"),
        ("He logged into her email and changed the password", "account_access"),
        ("SUSP HAS USED X3 DIFFERENT NUMBERS AFTER IP BLOCKED HIM", "contact_after_block"),
        ("He said he would kill her", "threats"),
        ("He turned up despite being given a police warning", "breach"),
        ("She is terrified and has changed her route to work", "fear_impact"),
    ],
)
def test_behaviours_are_found_and_count(nlp, text, behaviour):
    found = _found(nlp, text)
    assert behaviour in found, found
    assert any(m.counts for m in found[behaviour])
    match = found[behaviour][0]
    assert text[match.start_char : match.end_char] == match.text  # a real span of the note


@pytest.mark.parametrize(
    ("text", "behaviour"),
    [
        ("Ongoing dispute with next door about the noise from his music", "issue_dispute"),
        ("SUSP KEEPS ASKING FOR THE MONEY HE IS OWED", "issue_dispute"),
        ("Both parties were given words of advice", "mutual_conflict"),
        ("Counter allegation made by the other party", "mutual_conflict"),
        ("The couple had a heated argument in the street", "mutual_conflict"),
        ("He pushed her and she pushed back", "mutual_conflict"),
        ("Grievance lodged at work about the rota", "issue_dispute"),
        ("Messages were about the child contact arrangements", "child_contact"),
        ("They still live together at the address", "current_relationship"),
        ("A group of youths were kicking a ball against her car", "group_youths"),
    ],
)
def test_look_alike_context_is_found_and_is_not_an_act(nlp, text, behaviour):
    """DOMAIN.md's look-alikes (issue disputes, mutual conflict, child contact, a current
    relationship, groups of youths) are context: evidence either way, never a stalking act."""
    found = _found(nlp, text)
    assert behaviour in found, found
    assert any(m.counts for m in found[behaviour])
    assert behaviour in BEHAVIOURS and behaviour not in ACTS


def test_ordinary_words_do_not_read_as_look_alike_context(nlp):
    for text in (
        "Children's TV was on. He followed her to the bus stop and sent 20 texts.",
        "The male was taken into custody. He gained access to the building through a side door.",
        "Shift handover took place before the log could be closed.",
        "Handover to the late turn team. He followed her to the bus stop again.",
    ):
        found = _found(nlp, text)
        assert not {"issue_dispute", "mutual_conflict", "child_contact", "group_youths"} & set(
            found
        ), found
    assert "child_contact" in _found(nlp, "The row was over custody of their son.")
    assert "child_contact" in _found(nlp, "He turned up at the school at handover and shouted.")
    assert "child_contact" in _found(nlp, "She said handovers at the car park always end in a row.")


@pytest.mark.parametrize(
    "text",
    [
        "She has limited mobility at present.",  # v1 read "presents": unwanted gifts
        "Officers reached the address at 2am.",  # "breached": breach of order
        "The officer took a statement.",
        "He came to see the officer.",  # "office": attending work
        "She cared for her mother.",  # "scared": fear
        "He kept saying sorry to the shop keeper.",
        "He was saying at the time that he was sorry.",  # "staying at"
        "The contract ended last year.",
        "The contract with her sister ended last year.",  # "contact": third-party contact
    ],
)
def test_correctly_spelled_words_are_not_corrected_into_behaviours(nlp, text):
    assert nlp(text)._.behaviours == []


@pytest.mark.parametrize(
    ("typo", "keyword"),
    [
        ("folowed", "followed"),
        ("FOLOWING", "following"),
        ("mesages", "messages"),
        ("threatend", "threatened"),
        ("terrifed", "terrified"),
        ("scraed", "scared"),
        ("breched", "breached"),
    ],
)
def test_real_misspellings_are_still_corrected(nlp, typo, keyword):
    assert nlp(f"He {typo} her.")[1].norm_ == keyword


def test_english_words_are_never_corrected_and_keywords_are_their_own_normal_form():
    english = set(_typo_table()) & _english()  # "present" is one edit from "presents"
    assert english and all(normal_form(word) == word for word in english)
    assert all(normal_form(word) == word for word in keywords())
    assert TEXT_PIPELINE == "stalkflag.text.v7"


@pytest.mark.parametrize(
    ("text", "behaviour", "count"),
    [
        ("She received 24 WhatsApp messages today.", "messages", 24),
        ("He called her 15 times overnight.", "calls", 15),
        ("SUSP RANG IP X12", "calls", 12),
        ("He has driven past her house 43 times.", "visiting_home", 43),
        ("He messages her every day.", "messages", 1),
        ("He texts her constantly.", "messages", 5),
        ("He left five voicemails.", "calls", 5),
        ("He turned up at her work at 7 pm.", "visiting_work", 1),
    ],
)
def test_the_reader_counts_how_often_an_act_happened(nlp, text, behaviour, count):
    matches = _found(nlp, text)[behaviour]
    assert max(m.count for m in matches) == count


@pytest.mark.parametrize(
    ("text", "behaviour", "actor", "counts"),
    [
        ("She was followed home by a male in a grey car.", "following", "suspect", True),
        ("She was followed home.", "following", "unknown", True),
        ("He has been following her for weeks.", "following", "suspect", True),
        ("Officers attended the address and spoke to him.", "visiting_home", "police", False),
        ("Her mother rang him to ask him to stop.", "calls", "third_party", False),
        ("Officers parked on the main road as the close was narrow.", "loitering", "police", False),
        ("The suspect parked outside her house for two hours.", "loitering", "suspect", True),
        ("He waited outside her house.", "loitering", "suspect", True),
        ("Female assaulted in street.", "violence", "unknown", True),
        ("The injured party followed him to the nursery.", "following", "victim", False),
    ],
)
def test_who_acted_passives_and_police_work(nlp, text, behaviour, actor, counts):
    match = _found(nlp, text)[behaviour][0]
    assert match.actor == actor and match.counts == counts


def test_a_threat_is_a_threat_not_the_act_threatened(nlp):
    found = _found(nlp, "He threatened to smash her car windows.")
    assert any(m.counts for m in found["threats"])
    assert not any(m.counts for m in found.get("property_damage", []))
    assert any(m.counts for m in _found(nlp, "He said he would kill her.")["threats"])


@pytest.mark.parametrize(
    ("text", "behaviour", "why"),
    [
        ("The suspect denies following her.", "following", "negated"),
        ("There is no evidence of him watching the house.", "watching", "negated"),
        (
            "She was advised to call 999 if he turns up at her address again.",
            "visiting_home",
            "hypothetical",
        ),
        ("She is worried he will start following her.", "following", "hypothetical"),
        ("IP admits she followed him to the pub to take photos.", "following", "victim"),
    ],
)
def test_denials_hypotheticals_and_victims_own_acts_do_not_count(nlp, text, behaviour, why):
    matches = _found(nlp, text)[behaviour]
    assert not any(m.counts for m in matches)
    m = matches[0]
    assert {"negated": m.negated, "hypothetical": m.hypothetical, "victim": m.actor == "victim"}[
        why
    ]


def test_a_named_suspect_acts_and_the_recipient_of_messages_is_not_the_actor(nlp):
    found = _found(nlp, "Caller reports: Graham OLIVER has been following her around.")
    assert any(m.counts for m in found["following"])
    found = _found(nlp, "She received 20 messages from him overnight.")
    assert any(m.counts for m in found["messages"])


def test_the_incidents_own_names_say_who_acted(nlp):
    from stalkflag.text import name_roles, read_notes

    roles = name_roles("BLACKBY, Margaret", "Graham HAWFORD")
    assert roles == {
        "blackby": "victim", "margaret": "victim", "hawford": "suspect", "graham": "suspect"
    }  # fmt: skip
    notes = [
        "Ms Blackby called him several times on Friday night.",
        "Hawford called her 20 times.",
        "Margaret followed him to the shop.",
    ]
    read = read_notes(nlp, notes, [roles] * 3)
    actors = [
        [(m.behaviour, m.actor, m.counts) for m in d._.behaviours if m.behaviour != "repeated"]
        for d in read
    ]
    assert actors == [
        [("calls", "victim", False)],
        [("calls", "suspect", True)],
        [("following", "victim", False)],
    ]
    # without the names nobody is known, and the acts count as before
    assert all(m.actor == "unknown" for d in read_notes(nlp, notes) for m in d._.behaviours)
    # a family name both share, and a name that is an ordinary word, say nothing
    assert name_roles("Will SMITH", "John SMITH") == {"john": "suspect"}


def test_placeholders_replace_personal_data(nlp):
    doc = nlp(
        "Darren SMITH rang Ms Jones on 07700 900123 and emailed jo@example.com; he sat outside "
        "12 Acacia Road, LS1 4AB in his car AB12 CDE."
    )
    masked = mask_doc(doc, name_lexicon(["Darren Smith"]))
    assert masked == (
        "<NAME> <NAME> rang Ms <NAME> on <PHONE> and emailed <EMAIL>; he sat outside "
        "<ADDRESS>, <POSTCODE> in his car <VRM>."
    )


@pytest.mark.parametrize(
    ("text", "behaviour"),
    [
        ("THE FOLLOWING ARRESTED FOR LODGING.", "following"),
        ("Officers were conducting follow-up enquiries.", "following"),
        ("The body was found on the trail.", "following"),
        ("Theft of a gold watch from the car.", "watching"),
        ("Officers left a contact card.", "unwanted_items"),
        ("Fraudulent use of his bank card.", "unwanted_items"),
        ("Theft of gift cards in a phone scam.", "unwanted_items"),
        ("A key safe is fitted by the door.", "property_damage"),
        ("Attempts to call went to voicemail.", "calls"),
        ("She asked to be contacted by email.", "messages"),
        ("The injured party is very frightened.", "violence"),
        ("He called me a scrounger in the street.", "calls"),
        ("He called her names outside the shop.", "calls"),
        ("Victim services leaflet left with her.", "publishing"),
        ("Victim services leaflet left with her.", "separation"),
        ("Officers took photos of his car.", "property_damage"),
    ],
)
def test_words_used_for_something_else_are_not_behaviours(nlp, text, behaviour):
    assert behaviour not in _found(nlp, text)


@pytest.mark.parametrize(
    ("text", "behaviour"),
    [
        ("He followed her home.", "following"),
        ("He trailed her to the gym.", "following"),
        ("He was watching her house.", "watching"),
        ("He left a card on her car.", "unwanted_items"),
        ("He keyed her car.", "property_damage"),
        ("He left five voicemails.", "calls"),
        ("He sent her emails all night.", "messages"),
    ],
)
def test_the_same_words_as_behaviours_still_count(nlp, text, behaviour):
    assert any(m.counts for m in _found(nlp, text)[behaviour])


def test_a_name_after_a_title_is_masked_in_upper_case_too(nlp):
    doc = nlp("THERE WAS ANOTHER ARGUMENT W/ MR PATEL. Mrs Okafor lives next door. MR said no.")
    assert mask_doc(doc) == (
        "THERE WAS ANOTHER ARGUMENT W/ MR <NAME>. Mrs <NAME> lives next door. MR said no."
    )


def test_an_ordinary_word_that_is_a_name_elsewhere_is_masked_only_as_a_name(nlp):
    # "Page", "Will" and "Road" are names somewhere in the export, not in this incident
    export_names = name_lexicon(["Will Page", "Sam Road", "Lisa Hurt"])
    note = "he will post on the community page again. Mrs Page rang. Page said she was hurt."
    assert mask_doc(nlp(note), export_names) == (
        "he will post on the community page again. Mrs <NAME> rang. <NAME> said she was hurt."
    )
    assert mask_doc(nlp("ms page said so"), export_names) == "ms <NAME> said so"
    # in capitals within a mixed-case note it is a name; in a note all in capitals it is not
    assert mask_doc(nlp("Seen by Jo and PAGE on the road."), export_names) == (
        "Seen by Jo and <NAME> on the road."
    )
    assert mask_doc(nlp("SUSP WILL ATTEND THE ROAD END."), export_names) == (
        "SUSP WILL ATTEND THE ROAD END."
    )
    # the incident's own names are masked however they are written
    own = name_lexicon(["Rose Hill"])
    assert mask_doc(nlp("saw rose on hill street, rose was upset"), export_names | own, own) == (
        "saw <NAME> on <NAME> street, <NAME> was upset"
    )
    # a name that is no ordinary word is masked in lower case too, and so is an ordinary word
    # beside a name (not a stop word: "Page will" keeps "will")
    assert mask_doc(nlp("messaged lisa again"), export_names) == "messaged <NAME> again"
    more = export_names | name_lexicon(["Jack Cooper", "Jade Dalshaw"])
    assert mask_doc(nlp("Jack Cooper said no. messaged jade dalshaw"), more) == (
        "<NAME> <NAME> said no. messaged <NAME> <NAME>"
    )
    assert mask_doc(nlp("Mrs Page will call."), more) == "Mrs <NAME> will call."
    assert "page" in common_words() and "john" not in common_words()


def test_the_text_model_reads_only_sentences_about_the_pair(nlp):
    note = (
        "Officers attended at 1400 hours. The weather was dry. Susp Jon LEE sat outside her "
        "flat. Flowers were left on the doorstep. This is the 3rd report. The vicitm is scared. "
        "Log closed."
    )
    doc = nlp(note)
    masked = mask_doc(doc, name_lexicon(["Jon Lee"]))
    kept = about_people(note, masked, doc._.behaviours)
    # a person (abbreviated, masked or misspelt), a behaviour match, or the pair's history
    assert kept == (
        "Susp <NAME> <NAME> sat outside her flat. Flowers were left on the doorstep. "
        "This is the 3rd report. The vicitm is scared."
    )
    # nothing qualifies: the whole note, not an empty one
    assert about_people("Log closed. See CAD.", "Log closed. See CAD.") == "Log closed. See CAD."
    # plurals refer to people too
    assert about_people("Both suspects ran. Report made.", "Both suspects ran. Report made.") == (
        "Both suspects ran."
    )
    # "mother" less a letter is "other", not a person
    assert about_people("No other calls. He rang.", "No other calls. He rang.") == "He rang."


def test_no_name_from_the_export_survives_masking(nlp, synth_small):
    export, _ = synth_small
    lexicon = name_lexicon(export["victim_name"].tolist() + export["suspect_name"].tolist())
    leaks = []
    for doc, victim, suspect in zip(
        nlp.pipe(export["notes"].head(1500).tolist()),
        export["victim_name"].head(1500),
        export["suspect_name"].head(1500),
        strict=True,
    ):
        own = name_lexicon([victim, suspect])
        masked = mask_doc(doc, lexicon, own).lower()
        words = set(re.findall(r"[a-z']+", masked))
        leaks += sorted(own & words)
    assert not leaks, leaks[:20]


def test_normalised_text_expands_shorthand_and_keeps_placeholders_and_sentences():
    from stalkflag.text._pipeline import normalised_text

    masked = ["IP said <NAME> sent msgs n rang her x20. Foloowed her W/ <VRM>!", ""]
    assert normalised_text(masked) == [
        "victim said <NAME> sent messages and rang her x20. foloowed her with <VRM>!",
        "",
    ]


# -- reading an export's notes for the model ---------------------------------------------------


def _read_in_time_order(nlp, incidents):
    """The reading as it was first written: notes one at a time in time order, masking with
    the names of the name fields of every incident so far."""
    import numpy as np

    from stalkflag.model import time_order
    from stalkflag.text import iter_notes, name_roles

    notes = incidents["notes"].fillna("").tolist()
    victims, suspects = incidents["victim_name"].to_numpy(), incidents["suspect_name"].to_numpy()
    order = np.argsort(time_order(incidents), kind="stable")
    out: list = [None] * len(notes)
    names: set[str] = set()
    roles = (name_roles(victims[i], suspects[i]) for i in order)
    for i, doc in zip(order, iter_notes(nlp, (notes[i] for i in order), roles), strict=True):
        own = name_lexicon(v for v in (victims[i], suspects[i]) if isinstance(v, str))
        names |= own
        out[i] = (tuple(doc._.behaviours), mask_doc(doc, names, own))
    return out


@pytest.fixture(scope="module")
def first_read(nlp, accepted):
    """1,500 incidents and, by incident id, their notes read as first written: read once (time
    order, ties by id, does not depend on the row order), for every ordering below."""
    rows = accepted.iloc[:1500]
    return rows, dict(zip(rows["incident_id"], _read_in_time_order(nlp, rows), strict=True))


@pytest.mark.parametrize("workers, chunk", [(1, 2_000), (2, 2_000), (2, 97)])
def test_notes_read_alike_in_one_process_or_several_and_in_any_row_order(
    first_read, workers, chunk
):
    from stalkflag.model import time_order
    from stalkflag.text import read_for_model

    first, reference = first_read
    rows = first.sample(frac=1.0, random_state=workers + chunk)
    rows = rows.reset_index(drop=True)
    read = read_for_model(
        rows["notes"].fillna("").tolist(),
        rows["victim_name"].to_numpy(),
        rows["suspect_name"].to_numpy(),
        time_order(rows),
        workers=workers,
        chunk=chunk,
    )
    assert read == [reference[i] for i in rows["incident_id"]]
    assert sum(masked != note for (_, masked), note in zip(read, rows["notes"], strict=True)) > 500


def test_a_name_is_masked_only_in_notes_from_its_first_appearance_on(nlp):
    import pandas as pd

    from stalkflag.model import time_order
    from stalkflag.text import read_for_model

    rows = pd.DataFrame(
        {
            "incident_id": ["INC-2", "INC-1"],
            "reported_at": pd.to_datetime(["2024-02-01", "2024-01-01"]),
            "victim_name": ["Ann Smith", "Mary Jones"],
            "suspect_name": ["Tom Brady", None],
            "notes": ["Victim says Jones called again.", "Smith followed her home."],
        }
    )
    read = read_for_model(
        rows["notes"].tolist(), rows["victim_name"].to_numpy(), rows["suspect_name"].to_numpy(),
        time_order(rows), workers=1,
    )  # fmt: skip
    # "Jones" was named in an earlier incident; "Smith" only in a later one
    assert [masked for _, masked in read] == [
        "Victim says <NAME> called again.",
        "Smith followed her home.",
    ]
