"""Reading an export's notes for the model: behaviour matches and masked text per note, in
worker processes when there are many.

Masking uses every name the export's name fields have used up to the note's incident (in time
order), so a later incident never changes how an earlier note is read. That is the same as: a
name token is known to incident ``i`` when its first appearance ranks at or before ``i``'s
(:func:`first_seen`). Stated so, each note can be read on its own, in any order and in any
process: the parent sends a worker only its chunk's notes, names and ranks (never the whole
frame) and gets back only matches and masked text; each worker builds the text pipeline once.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from concurrent.futures import Future, ProcessPoolExecutor

import numpy as np
from spacy.language import Language

from stalkflag.text._pipeline import BehaviourMatch, iter_notes, make_text_pipeline, name_roles
from stalkflag.text._placeholders import mask_doc, name_lexicon, names_asked

__all__ = [
    "MAX_WORKERS", "READ_CHUNK", "Reads", "first_seen", "read_for_model", "reading_workers",
]  # fmt: skip

logger = logging.getLogger(__name__)

MAX_WORKERS = 4
"""The most worker processes :func:`read_for_model` starts by default."""
READ_CHUNK = 2_000
"""Notes a worker reads per task (fewer when that would leave a worker idle)."""
MIN_NOTES_PER_WORKER = 5_000
"""Below this many notes per worker, reading by default stays in this process (starting a
worker and building its text pipeline costs a few seconds)."""

Read = tuple[tuple[BehaviourMatch, ...], str]
"""One note as read for the model: its behaviour matches and its masked text."""


def reading_workers(n_notes: int, workers: int | None = None) -> int:
    """How many processes read ``n_notes`` notes: ``workers`` when given (1: this process),
    else the machine's cores (at most :data:`MAX_WORKERS`), fewer for few notes."""
    if workers is not None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        return workers
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, MAX_WORKERS, n_notes // MIN_NOTES_PER_WORKER))


def first_seen(victims: Sequence, suspects: Sequence, rank: np.ndarray) -> dict[str, int]:
    """Each name token of the name fields (:func:`name_lexicon`) -> the smallest time rank of
    an incident whose name fields use it."""
    first: dict[str, int] = {}
    for i in np.argsort(rank, kind="stable"):
        r = int(rank[i])
        for token in _own(victims[i], suspects[i]):
            first.setdefault(token, r)
    return first


class KnownNames(AbstractSet[str]):
    """The name tokens known by the time of one incident: those first seen at or before its
    rank. A set as :func:`mask_doc` reads it, without building one per note."""

    def __init__(self, first: Mapping[str, int], rank: int) -> None:
        self._first, self._rank = first, rank

    def __contains__(self, token: object) -> bool:
        seen = self._first.get(token) if isinstance(token, str) else None
        return seen is not None and seen <= self._rank

    def __iter__(self) -> Iterator[str]:
        return (t for t, r in self._first.items() if r <= self._rank)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class Reads:
    """Notes already read, so that a service reading the same stored incidents with request
    after request reads each with spaCy once (:func:`read_for_model`'s ``reads``).

    A note's behaviour matches depend only on the note and its incident's name fields; its
    masked text also on which of its words are names known by its time (:class:`KnownNames`,
    which changes with the other incidents read with it). So a read is kept per (note, name
    fields) with the note's words :func:`mask_doc` asks about, and a masked text per set of
    those words known: a note met again with the same of its words known is not read again,
    and with others it is (and that text kept too). The least recently used notes go first
    beyond ``size`` notes. Not safe to share between threads.
    """

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._notes: OrderedDict[tuple[str, str | None, str | None], _Kept] = OrderedDict()

    def __len__(self) -> int:
        return len(self._notes)

    def get(self, note: str, victim, suspect, known: KnownNames) -> Read | None:
        key = _key(note, victim, suspect)
        kept = self._notes.get(key)
        if kept is None:
            return None
        self._notes.move_to_end(key)
        masked = kept.masked.get(frozenset(w for w in kept.asked if w in known))
        return None if masked is None else (kept.matches, masked)

    def put(self, note: str, victim, suspect, known: KnownNames, doc, read: Read) -> None:
        key = _key(note, victim, suspect)
        kept = self._notes.get(key)
        if kept is None:
            kept = self._notes[key] = _Kept(read[0], names_asked(doc), {})
            while len(self._notes) > self.size:
                self._notes.popitem(last=False)
        kept.masked[frozenset(w for w in kept.asked if w in known)] = read[1]


def _key(note: str, victim, suspect) -> tuple[str, str | None, str | None]:
    """A note and its name fields (a missing name, whatever its kind, is ``None``: reading
    takes only text names)."""
    return (
        note,
        victim if isinstance(victim, str) else None,
        suspect if isinstance(suspect, str) else None,
    )


class _Kept:
    __slots__ = ("asked", "masked", "matches")

    def __init__(self, matches, asked: frozenset[str], masked: dict[frozenset[str], str]):
        self.matches, self.asked, self.masked = matches, asked, masked


def read_for_model(
    notes: Sequence[str],
    victims: Sequence,
    suspects: Sequence,
    rank: np.ndarray,
    *,
    workers: int | None = None,
    chunk: int = READ_CHUNK,
    nlp: Language | None = None,
    first: Mapping[str, int] | None = None,
    on_read: Callable[[int, int], None] | None = None,
    reads: Reads | None = None,
) -> list[Read]:
    """Read each note (behaviour matches, masked text), in the notes' own order.

    Args:
        notes: The notes (text, ``""`` for none).
        victims: Each note's incident's victim name field (text or missing).
        suspects: Its suspect name field.
        rank: Each incident's rank in time (:func:`stalkflag.model.time_order`).
        workers: Processes to read in (1: this process; default :func:`reading_workers`).
        chunk: Notes per task in a worker.
        nlp: The text pipeline to read with in this process (default: a new one). Workers
            always build their own :func:`make_text_pipeline`.
        first: :func:`first_seen` of the whole export, when these notes are only part of it
            (default: of these notes).
        on_read: Called with the notes read so far and their total as reading goes on.
        reads: Notes read before (:class:`Reads`), reused where they read the same, and
            this call's reads added; reading is then in this process.

    Returns:
        One :data:`Read` per note. The same whatever ``workers``, ``chunk`` and ``reads``.
    """
    n = len(notes)
    first = first_seen(victims, suspects, rank) if first is None else first
    workers = 1 if reads is not None else reading_workers(n, workers)
    tell = on_read or (lambda done, total: None)
    if reads is not None:
        return _read_with(reads, nlp, first, notes, victims, suspects, rank)
    if workers == 1 or n == 0:
        alone = _read(nlp or make_text_pipeline(), first, notes, victims, suspects, rank, tell)
        tell(n, n)
        return alone
    size = max(1, min(chunk, math.ceil(n / workers)))
    starts = range(0, n, size)
    out: list[Read] = []
    context = _context()
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start_worker, initargs=(dict(first),)
    ) as pool:
        pending: list[Future[list[Read]]] = []
        tasks = iter(starts)
        for start in tasks:  # at most two tasks a worker waiting, so few notes are in flight
            pending.append(_submit(pool, start, size, notes, victims, suspects, rank))
            if len(pending) >= 2 * workers:
                break
        for start in tasks:
            out += pending.pop(0).result()
            tell(len(out), n)
            pending.append(_submit(pool, start, size, notes, victims, suspects, rank))
        for future in pending:
            out += future.result()
            tell(len(out), n)
    logger.info("read %d notes in %d worker processes", n, workers)
    return out


def _context() -> multiprocessing.context.BaseContext:
    """Fresh worker processes (never a fork of this one, which may hold DuckDB's threads and
    gigabytes of frames). Under ``forkserver`` the server imports spaCy and this module (and
    the main script) once; workers fork from it and only build their text pipeline."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _submit(pool, start, size, notes, victims, suspects, rank) -> Future[list[Read]]:
    part = slice(start, start + size)
    return pool.submit(
        _read_in_worker, list(notes[part]), list(victims[part]), list(suspects[part]), rank[part]
    )


def _own(victim, suspect) -> frozenset[str]:
    return name_lexicon(v for v in (victim, suspect) if isinstance(v, str))


def _read(
    nlp: Language,
    first: Mapping[str, int],
    notes: Sequence[str],
    victims: Sequence,
    suspects: Sequence,
    rank: np.ndarray,
    tell: Callable[[int, int], None] | None = None,
) -> list[Read]:
    roles = (name_roles(v, s) for v, s in zip(victims, suspects, strict=True))
    out = []
    for i, doc in enumerate(iter_notes(nlp, notes, roles)):
        if tell is not None and i % 1000 == 0:
            tell(i, len(notes))
        known = KnownNames(first, int(rank[i]))
        out.append((tuple(doc._.behaviours), mask_doc(doc, known, _own(victims[i], suspects[i]))))
    return out


def _read_with(
    reads: Reads,
    nlp: Language | None,
    first: Mapping[str, int],
    notes: Sequence[str],
    victims: Sequence,
    suspects: Sequence,
    rank: np.ndarray,
) -> list[Read]:
    """:func:`_read`, taking what ``reads`` holds and reading only the rest."""
    out: list[Read | None] = []
    missing: list[int] = []
    for i in range(len(notes)):
        found = reads.get(notes[i], victims[i], suspects[i], KnownNames(first, int(rank[i])))
        out.append(found)
        if found is None:
            missing.append(i)
    if missing:
        nlp = nlp or make_text_pipeline()
        roles = (name_roles(victims[i], suspects[i]) for i in missing)
        for i, doc in zip(
            missing, iter_notes(nlp, [notes[i] for i in missing], roles), strict=True
        ):
            known = KnownNames(first, int(rank[i]))
            read = (tuple(doc._.behaviours), mask_doc(doc, known, _own(victims[i], suspects[i])))
            reads.put(notes[i], victims[i], suspects[i], known, doc, read)
            out[i] = read
    return [r for r in out if r is not None]


_WORKER: dict[str, object] = {}
"""A worker process's text pipeline and first-seen ranks (set once when it starts)."""


def _start_worker(first: dict[str, int]) -> None:
    _WORKER["nlp"], _WORKER["first"] = make_text_pipeline(), first


def _read_in_worker(notes, victims, suspects, rank) -> list[Read]:
    nlp, first = _WORKER["nlp"], _WORKER["first"]
    assert isinstance(nlp, Language) and isinstance(first, dict)
    return _read(nlp, first, notes, victims, suspects, rank)
