"""The API scores an incident with its stored history exactly as ``stalkflag score`` scores the
same incidents (issue 24), and keeps what it stores as history.

:class:`~stalkflag.model.Scorer` (warm pipelines, the linkage model evaluated in Python, notes
read before, only the new rows scored and explained) is compared with :func:`stalkflag.api.score`
(Splink on DuckDB, everything read and explained afresh) on random small frames of a synthetic
export: several victims and suspects, names typed other ways, suspects left blank (found in the
notes, or not), force IDs dropped so that names and dates of birth link. One warm scorer serves
every frame, so notes read for one frame are reused in frames where other names are known.
"""

from __future__ import annotations

import random

import duckdb
import numpy as np
import pandas as pd
import pytest

from stalkflag import api
from stalkflag.linkage import link_incidents
from stalkflag.linkage._mentions import build_mentions
from stalkflag.linkage._splink import run_splink
from stalkflag.linkage._sql import damerau_levenshtein, jaro_winkler
from stalkflag.model import Scorer
from stalkflag.synth import SynthConfig, generate

FRAMES = 20


@pytest.fixture(scope="module")
def export() -> pd.DataFrame:
    """1,200 synthetic incidents (seed 23), validated."""
    raw, _ = generate(SynthConfig(n_incidents=1200, seed=23))
    return api.validate(raw.drop(columns=["label"])).accepted


@pytest.fixture(scope="module")
def scorer(trained) -> Scorer:
    return Scorer(trained.chain)


def _retyped(name: str, rng: random.Random) -> str:
    """A name as another officer might type it."""
    parts = name.split()
    if len(parts) < 2:
        return name.upper()
    first, last = parts[0], parts[-1]
    return rng.choice(
        [f"{last.upper()} {first}", f"{last}, {first}", f"{first[0]} {last}", name.upper()]
    )


def random_frame(export: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """A small frame (history and new incidents): the incidents of one to three victims, a few
    others, some names retyped, IDs dropped and suspects blanked; and the positions of the
    "new" incidents in it (the latest one or two)."""
    rng = random.Random(seed)
    victims = export["victim_name"].dropna().unique().tolist()
    suspects = export["suspect_name"].value_counts()
    chosen = rng.sample(victims, rng.randint(1, 3))
    frame = export[export["victim_name"].isin(chosen)]
    if seed % 3 == 0:  # a suspect's incidents, whoever the victim (some have several)
        suspect = rng.choice(suspects[suspects > 2].index.tolist())
        frame = pd.concat([frame, export[export["suspect_name"] == suspect]])
    others = export.sample(rng.randint(0, 6), random_state=seed)
    frame = pd.concat([frame, others]).drop_duplicates("incident_id").head(40).copy()
    if seed % 3 == 1 and len(frame) > 2:  # a second suspect of one victim, with two victims
        other = export.sample(1, random_state=seed + 1000).iloc[0]
        who = ["suspect_name", "suspect_id", "suspect_dob"]
        frame.loc[frame.index[: len(frame) // 2], who] = other[who].to_numpy()
    for i in frame.index:
        roll = rng.random()
        if roll < 0.15:
            frame.loc[i, "victim_name"] = _retyped(str(frame.loc[i, "victim_name"]), rng)
        elif roll < 0.3 and pd.notna(frame.loc[i, "suspect_name"]):
            frame.loc[i, "suspect_name"] = _retyped(str(frame.loc[i, "suspect_name"]), rng)
        elif roll < 0.4:
            frame.loc[i, ["suspect_name", "suspect_id", "suspect_dob"]] = pd.NA
        if rng.random() < 0.3:
            frame.loc[i, ["victim_id", "suspect_id"]] = pd.NA
    frame = frame.sample(frac=1, random_state=seed).reset_index(drop=True)
    latest = np.argsort(frame["reported_at"].to_numpy(), kind="stable")[::-1]
    return frame, np.sort(latest[: rng.randint(1, 2)])


@pytest.mark.parametrize("seed", range(FRAMES))
def test_the_api_scores_new_incidents_as_stalkflag_score_does(trained, scorer, export, seed):
    frame, new = random_frame(export, seed)
    expected = api.score(frame, trained.chain)
    scored, links = scorer.score(frame, rows=new)
    pd.testing.assert_frame_equal(
        scored, expected.iloc[new].reset_index(drop=True), check_exact=True
    )
    if seed % 4 == 0:  # links' confidences and methods too, and every row, twice
        linked = link_incidents(frame, model=trained.chain.linkage_model, cluster_threshold=0.35)
        pd.testing.assert_frame_equal(links, linked.incidents, check_exact=True)
        for _ in range(2):  # the second time every note was read before
            whole, _ = scorer.score(frame)
            pd.testing.assert_frame_equal(whole, expected, check_exact=True)


def test_the_frames_hold_what_the_equality_must_cover(scorer, export):
    """The random frames hold several victims, suspects with several victims or victims with
    several suspects, blank suspects (linked from the notes or not), name variants linked as
    one person, and new incidents flagged or sent to review, so the equality is not vacuous."""
    seen = dict.fromkeys(["victims", "shared", "blank", "from_notes", "variants", "explained"], 0)
    for seed in range(FRAMES):
        frame, new = random_frame(export, seed)
        scored, links = scorer.score(frame, rows=new)
        pairs = links.drop_duplicates(["victim_person_id", "suspect_person_id"])
        seen["victims"] += links["victim_person_id"].nunique() > 1
        seen["shared"] += bool(
            pairs["suspect_person_id"].duplicated().any()
            or pairs["victim_person_id"].duplicated().any()
        )
        seen["blank"] += bool(frame["suspect_name"].isna().any())
        seen["from_notes"] += bool((links["suspect_link_method"] != "fields").any())
        names = frame.assign(person=links["victim_person_id"]).groupby("person")["victim_name"]
        seen["variants"] += bool((names.nunique() > 1).any())
        seen["explained"] += bool((scored["reasons"] != "").any())
    assert all(v >= 3 for v in seen.values()), seen


def test_python_linkage_gives_splinks_pairs_to_the_last_bit(trained, export):
    """Every scored pair, probability, weight and comparison level, on frames of every size
    up to the API's history limit."""
    model = trained.chain.linkage_model
    rng = np.random.default_rng(5)
    for size in (2, 7, 30, 120, 400):
        frame = export.iloc[rng.choice(len(export), size=size, replace=False)]
        mentions = build_mentions(frame.reset_index(drop=True))
        a = run_splink(mentions, model=model)
        b = run_splink(mentions, model=model, backend="python")
        key = ["unique_id_l", "unique_id_r", "stage"]
        ea = a.edges.sort_values(key).reset_index(drop=True)
        eb = b.edges.sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(ea[eb.columns], eb, check_dtype=False, check_exact=True)
        pd.testing.assert_frame_equal(a.clusters, b.clusters)


def _name_pairs(export: pd.DataFrame) -> list[tuple[str, str]]:
    rng = random.Random(3)
    names = sorted(
        {m for c in ("first_name", "surname") for m in build_mentions(export)[c].dropna()}
    )
    pairs = [(rng.choice(names), rng.choice(names)) for _ in range(3000)]
    for name in names:
        k = rng.randrange(len(name))
        pairs += [(name, name[:k] + name[k + 1 :]), (name, name[:k] + "e" + name[k:])]
        if k + 1 < len(name):
            pairs.append((name, name[:k] + name[k + 1] + name[k] + name[k + 2 :]))
    letters = "ab"
    for _ in range(2000):
        pairs.append(
            tuple(  # type: ignore[arg-type]
                "".join(rng.choice(letters) for _ in range(rng.randint(0, 8))) for _ in range(2)
            )
        )
    pairs += [("marthá", "martha"), ("é", "e"), ("", "a"), ("a" * 70, "a" * 69 + "b")]
    return pairs


def test_string_functions_are_duckdbs(export):
    """Jaro-Winkler (to the last bit, so thresholds fall where DuckDB's do) and
    Damerau-Levenshtein, against DuckDB itself."""
    pairs = pd.DataFrame(_name_pairs(export), columns=["a", "b"])
    duck = (
        duckdb.connect()
        .execute(
            "SELECT jaro_winkler_similarity(a, b) AS jw, damerau_levenshtein(a, b) AS dl, "
            "jaro_winkler_similarity(a, b) >= 0.92 AS hi, jaro_winkler_similarity(a, b) >= 0.8 AS lo "
            "FROM pairs"
        )
        .df()
    )
    jw = np.array([jaro_winkler(a, b) for a, b in zip(pairs["a"], pairs["b"], strict=True)])
    dl = [damerau_levenshtein(a, b) for a, b in zip(pairs["a"], pairs["b"], strict=True)]
    assert (jw == duck["jw"].to_numpy()).all()
    assert (np.array(dl) == duck["dl"].to_numpy()).all()
    assert ((jw >= 0.92) == duck["hi"].to_numpy()).all()
    assert ((jw >= 0.8) == duck["lo"].to_numpy()).all()


# -- the service ---------------------------------------------------------------------------


def test_stored_incidents_come_back_as_validation_gives_them(trained, export):
    """History rows kept between requests are the rows validation gives for the stored records
    (the first call validates them, the second takes them as kept)."""
    from stalkflag.service._scoring import _FIELDS, HistoryScorer, _record
    from stalkflag.validate import validate_frame

    warm = HistoryScorer(trained.chain)
    records = [_record(r) for r in export.sample(40, random_state=1).to_dict("records")]
    expected = validate_frame(pd.DataFrame(records, columns=list(_FIELDS))).accepted
    for _ in range(2):
        rows = warm.validated(records).reset_index(drop=True)
        pd.testing.assert_frame_equal(
            rows.drop(columns="source_row"), expected.drop(columns="source_row")
        )


@pytest.fixture(scope="module")
def client(trained, tmp_path_factory):
    from fastapi.testclient import TestClient

    from stalkflag.review import add_user, create_token
    from stalkflag.service import create_app

    folder = tmp_path_factory.mktemp("api")
    trained.chain.save(folder / "model")
    app = create_app(f"sqlite:///{folder / 'review.db'}", model=str(folder / "model"))
    with app.state.store.session() as session:
        add_user(session, "analyst", "a long enough password", "analyst")
        token, _ = create_token(session, "analyst", "tests")
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as c:
        yield c


def _incident(incident_id: str, when: str, notes: str, **fields) -> dict:
    return {
        "incident_id": incident_id,
        "reported_at": when,
        "recorded_category": "harassment",
        "notes": notes,
        "victim_name": "Joanne Pelham",
        "victim_dob": "1988-04-02",
        "suspect_name": "Darren Colquhoun",
        "suspect_dob": "1985-11-19",
    } | fields


def test_a_second_request_for_the_same_victim_reads_the_first_as_history(client):
    """Keyed by name and date of birth (no force IDs): the second incident is read with the
    first, and their pattern grows."""
    first = client.post(
        "/v1/score",
        json={"incidents": [_incident("T-1", "2025-01-03T10:00", "He followed her home.")]},
    ).json()["results"][0]
    second = client.post(
        "/v1/score",
        json={"incidents": [_incident("T-2", "2025-01-09T18:30", "He rang her 15 times.")]},
    ).json()["results"][0]
    assert (first["status"], second["status"]) == ("scored", "scored")
    assert (first["history_read"], first["pattern_incidents"]) == (0, 1)
    assert second["history_read"] == 1
    assert second["pattern_incidents"] == 2
    assert second["pair_id"] == first["pair_id"]


def test_a_rejected_row_gives_its_problems_by_column_and_no_personal_value(client):
    bad = _incident(
        "T-9", "03/01/2025", "Notes.", recorded_category="Darren Smith", victim_dob="1988-04-02"
    )
    good = _incident("T-10", "2025-02-01", "She reported that he waited outside her work.")
    answer = client.post("/v1/score", json={"incidents": [bad, good], "store": False})
    assert answer.status_code == 200
    rejected, scored = answer.json()["results"]
    assert (rejected["row"], rejected["status"], scored["status"]) == (0, "rejected", "scored")
    columns = {p["column"]: p for p in rejected["problems"]}
    assert {"reported_at", "recorded_category"} <= set(columns)
    assert columns["reported_at"]["code"] == "E103"
    assert "Darren" not in answer.text and "Smith" not in answer.text
    assert rejected["score"] is None
