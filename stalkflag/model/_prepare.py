"""Incidents made ready for the model: people linked (Splink), notes read (behaviours, masked
text), and laid out as the estimator pipeline's input table (:meth:`Prepared.model_input`).

Linking and reading are not learned here: the linkage model is Splink's (trained once, kept
with the chain) and the reader is rules over spaCy's tokeniser and lookup tables. So they run
before the scikit-learn pipeline, not inside it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from stalkflag._defaults import LINKAGE_EVIDENCE
from stalkflag.features import behaviour_frame, behaviour_row
from stalkflag.linkage import CLUSTER_THRESHOLD, link_incidents
from stalkflag.text import BEHAVIOURS, BehaviourMatch, Reads, read_for_model
from stalkflag.text._reading import KnownNames, first_seen
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
    workers: int | None = None,
    on_read: Callable[[int, int], None] | None = None,
    linkage_backend: str = "duckdb",
    notes_nlp=None,
    reads: Reads | None = None,
) -> tuple[Prepared, dict[str, Any]]:
    """Link validated incidents and read their notes (``linkage_evidence``: the optional
    Splink comparisons to train with when no ``linkage_model`` is given; ``workers``: the
    processes to read notes in, see :func:`stalkflag.text.read_for_model`; 1 reads in this
    process, and the result is the same whatever the number; ``on_read``: called with the
    notes read so far and their total as reading goes on).

    For many small exports one after another (the API), ``linkage_backend="python"`` links
    with a saved ``linkage_model`` without a database, ``nlp`` and ``notes_nlp`` (the text
    and notes-linkage pipelines) are built once by the caller, and ``reads`` keeps notes
    already read (:class:`~stalkflag.text.Reads`): each gives what the defaults give.

    Returns:
        The prepared incidents and the linkage model used (trained here when none is given).
    """
    incidents = incidents.reset_index(drop=True)
    result = link_incidents(
        incidents,
        model=linkage_model,
        backend=linkage_backend,
        cluster_threshold=linkage_threshold,
        memory_limit=memory_limit,
        evidence=linkage_evidence,
        notes_nlp=notes_nlp,
    )
    # Keep only the links and the model: the mentions and scored pairs are not needed after
    # linkage (at 1M incidents they are millions of rows), so they go before the notes are read.
    links, linkage_model = result.incidents.reset_index(drop=True), result.model
    del result
    # Each note is read on its own (in worker processes when there are many), keeping only
    # its matches, counts and masked text, never every tokenised note. Names to mask are
    # those of the name fields of incidents up to each one in time, so a later incident never
    # changes how an earlier note is read (see stalkflag.text._reading).
    n = len(incidents)
    read = read_for_model(
        incidents["notes"].fillna("").tolist(),
        incidents["victim_name"].to_numpy(),
        incidents["suspect_name"].to_numpy(),
        time_order(incidents),
        workers=workers,
        nlp=nlp,
        on_read=on_read,
        reads=reads,
    )
    matches = [m for m, _ in read]
    masked = [t for _, t in read]
    del read
    rows = [behaviour_row(m) for m in matches]
    logger.info("read %d notes", n)
    prepared = Prepared(incidents, links, matches, behaviour_frame(rows), masked)
    return prepared, linkage_model


def name_first_seen(incidents: pd.DataFrame, rank: np.ndarray) -> dict[str, int]:
    """Each name token of the incidents' name fields -> the smallest time rank
    (:func:`time_order`) of an incident whose name fields use it
    (:func:`stalkflag.text._reading.first_seen`)."""
    return first_seen(
        incidents["victim_name"].to_numpy(), incidents["suspect_name"].to_numpy(), rank
    )


def read_incidents(
    incidents: pd.DataFrame,
    rank: np.ndarray,
    first: Mapping[str, int] | None = None,
    *,
    nlp=None,
) -> tuple[list[tuple[BehaviourMatch, ...]], list[str]]:
    """Read some incidents' notes in this process: each note's behaviour matches and masked
    text, given each row's time rank in the whole export and the whole export's
    :func:`name_first_seen` (default: these rows are the whole export). Any subset of the rows,
    in any order, reads exactly as the whole export does (the Spark engine's tasks read their
    chunks so)."""
    read = read_for_model(
        incidents["notes"].fillna("").tolist(),
        incidents["victim_name"].to_numpy(),
        incidents["suspect_name"].to_numpy(),
        np.asarray(rank),
        workers=1,
        nlp=nlp,
        first=first,
    )
    return [m for m, _ in read], [t for _, t in read]


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
