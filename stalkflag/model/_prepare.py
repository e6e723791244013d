"""Incidents made ready for the model: people linked (Splink), notes read (behaviours, masked
text), and laid out as the estimator pipeline's input table (:meth:`Prepared.model_input`).

Linking and reading are not learned here: the linkage model is Splink's (trained once, kept
with the chain) and the reader is rules over spaCy's tokeniser and lookup tables. So they run
before the scikit-learn pipeline, not inside it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from stalkflag._defaults import LINKAGE_EVIDENCE
from stalkflag.features import behaviour_frame, behaviour_row
from stalkflag.linkage import CLUSTER_THRESHOLD, link_incidents
from stalkflag.text import BEHAVIOURS, BehaviourMatch, iter_notes, make_text_pipeline, name_roles
from stalkflag.text._placeholders import mask_doc, name_lexicon
from stalkflag.text._sentences import about_people

__all__ = [
    "BEHAVIOUR_PREFIX",
    "INCIDENT_COLUMNS",
    "LINK_COLUMNS",
    "NOTE_TEXT",
    "KnownNames",
    "Prepared",
    "name_first_seen",
    "prepare",
    "read_incidents",
    "recorded_labels",
    "time_order",
]

logger = logging.getLogger(__name__)

INCIDENT_COLUMNS = ("incident_id", "reported_at", "recorded_category", "relationship")
"""Columns of the model input taken from the validated incidents."""
LINK_COLUMNS = ("pair_id", "victim_person_id", "suspect_person_id", "suspect_link_method")
"""Columns of the model input taken from linkage."""
NOTE_TEXT = "note_text"
"""The model input's column of masked note text the text model reads: the note's sentences
about the people involved (:func:`stalkflag.text._sentences.about_people`), with names,
phone numbers, emails and addresses replaced by placeholders."""
BEHAVIOUR_PREFIX = "said_"
"""The model input's behaviour columns: ``said_<behaviour>``, how many times the note says the
behaviour happened (0 when the reader counted no match)."""


@dataclass
class Prepared:
    """Incidents made ready for the model, in one order.

    Attributes:
        incidents: Validated incidents (index 0..n-1).
        links: Their links (same order).
        matches: Each note's behaviour matches, as found by the text pipeline.
        behaviours: Counted behaviour matches per note (:func:`stalkflag.features.behaviour_matrix`).
        masked: Each note with personal data replaced by placeholders.
    """

    incidents: pd.DataFrame
    links: pd.DataFrame
    matches: list[tuple[BehaviourMatch, ...]]
    behaviours: pd.DataFrame
    masked: list[str]

    def subset(self, rows: np.ndarray) -> Prepared:
        """The same, for some rows only (positions)."""
        rows = np.asarray(rows)
        return Prepared(
            self.incidents.iloc[rows].reset_index(drop=True),
            self.links.iloc[rows].reset_index(drop=True),
            [self.matches[i] for i in rows],
            self.behaviours.iloc[rows].reset_index(drop=True),
            [self.masked[i] for i in rows],
        )

    def model_input(self) -> pd.DataFrame:
        """The estimator pipeline's input: one row per incident, in this order, with
        :data:`INCIDENT_COLUMNS`, :data:`LINK_COLUMNS`, :data:`NOTE_TEXT` and one
        :data:`BEHAVIOUR_PREFIX` column per behaviour. No name field: the only text is masked."""
        notes = self.incidents["notes"].fillna("").astype(str).tolist()
        frame = pd.DataFrame(
            {c: self.incidents[c].to_numpy() for c in INCIDENT_COLUMNS}
            | {c: self.links[c].to_numpy() for c in LINK_COLUMNS}
        )
        frame[NOTE_TEXT] = np.array(
            [
                about_people(note, masked, matches)
                for note, masked, matches in zip(notes, self.masked, self.matches, strict=True)
            ],
            dtype=object,
        )
        said = self.behaviours[list(BEHAVIOURS)].to_numpy()
        return pd.concat(
            [frame, pd.DataFrame(said, columns=[BEHAVIOUR_PREFIX + b for b in BEHAVIOURS])],
            axis=1,
        )


def prepare(
    incidents: pd.DataFrame,
    *,
    linkage_model: dict[str, Any] | None = None,
    linkage_threshold: float = CLUSTER_THRESHOLD,
    memory_limit: str = "1.5GB",
    nlp=None,
    linkage_evidence: tuple[str, ...] = LINKAGE_EVIDENCE,
    on_read: Callable[[int, int], None] | None = None,
) -> tuple[Prepared, dict[str, Any]]:
    """Link validated incidents and read their notes (``linkage_evidence``: the optional
    Splink comparisons to train with when no ``linkage_model`` is given).

    Returns:
        The prepared incidents and the linkage model used (trained here when none is given).
    """
    incidents = incidents.reset_index(drop=True)
    result = link_incidents(
        incidents,
        model=linkage_model,
        cluster_threshold=linkage_threshold,
        memory_limit=memory_limit,
        evidence=linkage_evidence,
    )
    matches, masked = read_incidents(incidents, time_order(incidents), nlp=nlp, on_read=on_read)
    rows = [behaviour_row(m) for m in matches]
    prepared = Prepared(
        incidents, result.incidents.reset_index(drop=True), matches, behaviour_frame(rows), masked
    )
    return prepared, result.model


def name_first_seen(incidents: pd.DataFrame, rank: np.ndarray) -> dict[str, int]:
    """Each name token of the incidents' name fields (:func:`name_lexicon`) -> the smallest
    time rank (:func:`time_order`) of an incident whose name fields use it."""
    first: dict[str, int] = {}
    victims = incidents["victim_name"].to_numpy()
    suspects = incidents["suspect_name"].to_numpy()
    for i in range(len(incidents)):
        for token in _own_names(victims[i], suspects[i]):
            first[token] = min(first.get(token, int(rank[i])), int(rank[i]))
    return first


class KnownNames(AbstractSet[str]):
    """The name tokens known when one incident is read: those first seen (:func:`name_first_seen`)
    at or before its time rank, i.e. the names of incidents up to it."""

    def __init__(self, first_seen: Mapping[str, int], rank: int) -> None:
        self._first = first_seen
        self._rank = rank

    def __contains__(self, name: object) -> bool:
        seen = self._first.get(name) if isinstance(name, str) else None
        return seen is not None and seen <= self._rank

    def __iter__(self) -> Iterator[str]:
        return (name for name, seen in self._first.items() if seen <= self._rank)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def read_incidents(
    incidents: pd.DataFrame,
    rank: np.ndarray,
    first_seen: Mapping[str, int] | None = None,
    *,
    nlp=None,
    on_read: Callable[[int, int], None] | None = None,
) -> tuple[list[tuple[BehaviourMatch, ...]], list[str]]:
    """Read incidents' notes: each note's behaviour matches and its masked text.

    Names to mask come from the name fields of incidents up to each one in time, so a later
    incident never changes how an earlier note is read. Each note is read on its own, given its
    time rank among the whole export and when each name was first seen, so any subset of the
    rows, in any order, reads exactly as the whole export does (the Spark engine reads chunks of
    rows on its executors this way).

    Args:
        incidents: Validated incidents (``notes``, ``victim_name``, ``suspect_name``).
        rank: Each row's time rank in the whole export (:func:`time_order`).
        first_seen: :func:`name_first_seen` of the whole export (default: of ``incidents``,
            when they are the whole export).
        nlp: The text pipeline (default: :func:`stalkflag.text.make_text_pipeline`).
        on_read: Called with the notes read so far and their total, every thousand notes.

    Returns:
        Per row, in the rows' order: the matches, and the masked note.
    """
    rank = np.asarray(rank)
    first = name_first_seen(incidents, rank) if first_seen is None else first_seen
    nlp = nlp or make_text_pipeline()
    n = len(incidents)
    notes = incidents["notes"].fillna("").tolist()
    victims = incidents["victim_name"].to_numpy()
    suspects = incidents["suspect_name"].to_numpy()
    # Notes are read one at a time, keeping only their matches and masked text (never every
    # tokenised note at once).
    matches: list[tuple[BehaviourMatch, ...]] = [()] * n
    masked = [""] * n
    docs = iter_notes(
        nlp, (notes[i] for i in range(n)), (name_roles(victims[i], suspects[i]) for i in range(n))
    )
    for i, doc in enumerate(docs):
        if on_read is not None and i % 1000 == 0:
            on_read(i, n)
        matches[i] = tuple(doc._.behaviours)
        masked[i] = mask_doc(
            doc, KnownNames(first, int(rank[i])), _own_names(victims[i], suspects[i])
        )
    if on_read is not None:
        on_read(n, n)
    logger.info("read %d notes", n)
    return matches, masked


def _own_names(victim, suspect) -> frozenset[str]:
    return name_lexicon(v for v in (victim, suspect) if isinstance(v, str))


def recorded_labels(prepared: Prepared) -> np.ndarray:
    """The noisy label forces already have: 1 if any incident of the suspect -> victim pair was
    recorded as stalking."""
    recorded = prepared.incidents["recorded_category"].eq("stalking").to_numpy()
    pair = prepared.links["pair_id"].to_numpy()
    return pd.Series(recorded).groupby(pair).transform("max").to_numpy().astype(int)


def time_order(incidents: pd.DataFrame) -> np.ndarray:
    """Each incident's rank in time (ties broken by ``incident_id``)."""
    order = np.lexsort((incidents["incident_id"].to_numpy(), incidents["reported_at"].to_numpy()))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank
