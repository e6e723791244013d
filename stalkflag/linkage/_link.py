"""Link incidents into people and directional suspect -> victim pairs."""

from __future__ import annotations

import hashlib
import logging
import resource
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from spacy.language import Language

from stalkflag._defaults import LINKAGE_EVIDENCE
from stalkflag.errors import ConfigError
from stalkflag.linkage._ids import RULE_STAGE, bare_mentions
from stalkflag.linkage._mentions import build_mentions
from stalkflag.linkage._notes import make_notes_pipeline, name_tokens, recover_suspects
from stalkflag.linkage._splink import CLUSTER_THRESHOLD, run_splink

__all__ = ["LinkResult", "link_incidents", "pair_ids", "person_id"]

logger = logging.getLogger(__name__)

MIN_INCIDENTS_TO_TRAIN = 200
"""Below this, unsupervised training has too few pairs to learn from."""


class _Phases:
    """Logs how long each phase took and the process's peak memory so far."""

    def __init__(self) -> None:
        self.t = time.perf_counter()

    def done(self, what: str) -> None:
        now = time.perf_counter()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        logger.info("%s: %.1fs (peak memory %.0f MB)", what, now - self.t, peak)
        self.t = now


INCIDENT_LINK_COLUMNS = (
    "incident_id", "victim_person_id", "suspect_person_id", "pair_id", "link_confidence",
    "suspect_link_method",
)  # fmt: skip


@dataclass
class LinkResult:
    """The linkage stage's output.

    Attributes:
        incidents: One row per incident: ``incident_id``, ``victim_person_id``,
            ``suspect_person_id``, ``pair_id`` (``suspect>victim``), ``link_confidence`` (the
            weaker of the victim's and the suspect's link, in [0, 1]) and
            ``suspect_link_method`` (``fields``, ``notes_name``, ``notes_reference``,
            ``notes_new_name``, ``victim_only``).
        mentions: Person mentions with their ``person_id`` and ``mention_confidence``.
        edges: Scored mention pairs, with each comparison's match weight (``mw_*``), which
            explain a link.
        model: The trained Splink model (JSON-ready).
        reported_at: When each incident was reported (the order of ``incidents``).
        people: One row per person with counts of incidents and of distinct counterparts
            (made when first read: scoring does not need it).
    """

    incidents: pd.DataFrame
    mentions: pd.DataFrame
    edges: pd.DataFrame
    model: dict[str, Any]
    reported_at: np.ndarray = field(repr=False)

    @cached_property
    def people(self) -> pd.DataFrame:
        return _people(self.incidents, self.mentions, self.reported_at)

    def evidence(self, incident_id: str, role: str = "suspect") -> pd.DataFrame:
        """The scored pairs that tie this incident's person mention to others in its person.

        Each row gives the other mention's incident and every comparison's match weight, so the
        reason for a link is what the model computed, not a summary written afterwards.
        """
        mine = self.mentions[
            (self.mentions["incident_id"] == incident_id) & (self.mentions["role"] == role)
        ]
        if mine.empty:
            return pd.DataFrame()
        uid = int(mine["unique_id"].iat[0])
        person = mine["person_id"].iat[0]
        same = set(self.mentions.loc[self.mentions["person_id"] == person, "unique_id"])
        edges = self.edges[
            ((self.edges["unique_id_l"] == uid) & self.edges["unique_id_r"].isin(same))
            | ((self.edges["unique_id_r"] == uid) & self.edges["unique_id_l"].isin(same))
        ].copy()
        other = np.where(edges["unique_id_l"] == uid, edges["unique_id_r"], edges["unique_id_l"])
        incident_of = self.mentions.set_index("unique_id")["incident_id"]
        edges.insert(0, "other_incident_id", incident_of.reindex(other).to_numpy())
        return edges.sort_values("match_probability", ascending=False).reset_index(drop=True)


def pair_ids(suspect, victim) -> list[str]:
    """The pair id of each incident: ``suspect>victim`` person ids."""
    return [f"{s}>{v}" for s, v in zip(suspect, victim, strict=True)]


def link_incidents(
    incidents: pd.DataFrame,
    *,
    model: dict[str, Any] | None = None,
    backend: str = "duckdb",
    cluster_threshold: float = CLUSTER_THRESHOLD,
    spark=None,
    memory_limit: str = "1.5GB",
    evidence: tuple[str, ...] = LINKAGE_EVIDENCE,
    notes_nlp: Language | None = None,
) -> LinkResult:
    """Resolve victims and suspects into people and incidents into suspect -> victim pairs.

    Args:
        incidents: Accepted rows from :func:`stalkflag.validate.validate_export`.
        model: A saved Splink model to reuse; trained afresh (unsupervised) when ``None``.
        backend: ``"duckdb"`` (default), ``"spark"``, or ``"python"`` for a few hundred
            incidents and a saved ``model`` (no database; the same links, see
            :func:`~stalkflag.linkage._splink.run_splink`).
        cluster_threshold: Match probability at which two mentions are one person.
        spark: A Spark session for ``backend="spark"``.
        memory_limit: DuckDB's memory cap (it spills to a temporary folder beyond it).
        evidence: Optional Splink comparisons to train with
            (:data:`~stalkflag.linkage._settings.EVIDENCE`); a saved ``model`` brings its own.
        notes_nlp: The pipeline that finds suspects in notes
            (:func:`~stalkflag.linkage._notes.make_notes_pipeline`, made when not given).

    Returns:
        The incidents' links, the people, the mentions, the scored pairs and the model.
    """
    if not 0 < cluster_threshold < 1:
        raise ValueError("cluster_threshold must be between 0 and 1")
    phases = _Phases()
    incidents = incidents.reset_index(drop=True)
    mentions = build_mentions(incidents)
    bare = bare_mentions(mentions)
    if model is None and len(incidents) < MIN_INCIDENTS_TO_TRAIN and not bare.all():
        raise ConfigError(
            f"training a linkage model needs at least {MIN_INCIDENTS_TO_TRAIN} incidents; this export has "
            f"{len(incidents)}. Reuse a model trained on a larger export (stalkflag link --linkage-model).",
            code="C020",
        )
    phases.done("person mentions")
    logger.info("%d incidents give %d person mentions", len(incidents), len(mentions))
    run = _run_splink_clearly(
        mentions,
        model=model,
        backend=backend,
        cluster_threshold=cluster_threshold,
        spark=spark,
        memory_limit=memory_limit,
        evidence=evidence,
    )
    phases.done("splink")
    mentions = mentions.merge(_apart(run.clusters), on="unique_id", how="left")
    mentions["person_id"] = _named_after_first_mention(mentions, incidents)
    by_rule = run.edges["stage"] == RULE_STAGE if "stage" in run.edges else False
    splink_confidence = _mention_confidence(mentions, run.edges[~by_rule])
    mentions["mention_confidence"] = np.where(bare, 1.0, splink_confidence)  # its ID decides
    mentions = mentions.drop(columns=["cluster_id"])

    n = len(incidents)
    by_uid = mentions.set_index("unique_id")
    victim = by_uid["person_id"].reindex(np.arange(n) * 2).to_numpy()
    suspect = by_uid["person_id"].reindex(np.arange(n) * 2 + 1).to_numpy()
    victim_conf = by_uid["mention_confidence"].reindex(np.arange(n) * 2).to_numpy()
    suspect_conf = by_uid["mention_confidence"].reindex(np.arange(n) * 2 + 1).to_numpy()
    no_victim = pd.isna(victim)
    nobody = [person_id(i, "victim", prefix="PER-x") for i in incidents["incident_id"]]
    victim = np.where(no_victim, nobody, victim)  # nobody to link to
    victim_conf = np.where(no_victim, 0.0, victim_conf)

    method = np.array(["fields" if pd.notna(x) else None for x in suspect], dtype=object)
    suspects = mentions[mentions["role"] == "suspect"]
    names = name_tokens(suspects["person_id"], suspects["first_name"], suspects["surname"])
    lexicon = {f for f, c in Counter(mentions["first_name"].dropna()).items() if c >= 3}
    recovered = recover_suspects(
        incidents,
        pd.Series(victim),
        pd.Series(suspect),
        names,
        lexicon,
        notes_nlp or make_notes_pipeline(),
    )
    phases.done("suspects from notes")
    rows = recovered["row"].to_numpy(dtype=np.int64)
    suspect[rows] = recovered["suspect_person_id"].to_numpy()
    method[rows] = recovered["link_method"].to_numpy()
    suspect_conf[rows] = recovered["link_confidence"].to_numpy()

    links = pd.DataFrame(
        {
            "incident_id": incidents["incident_id"].to_numpy(),
            "victim_person_id": victim,
            "suspect_person_id": suspect,
            "pair_id": pair_ids(suspect, victim),
            "link_confidence": np.fmin(victim_conf.astype(float), suspect_conf.astype(float)).round(
                4
            ),
            "suspect_link_method": method,
        }
    )
    phases.done("pairs")
    return LinkResult(links, mentions, run.edges, run.model, incidents["reported_at"].to_numpy())


def person_id(incident_id: str, role: str, *, prefix: str = "PER-") -> str:
    """The id of the person first mentioned as ``role`` in ``incident_id``: ``PER-`` and 16
    hex digits of a SHA-256 of the two (no personal data; collisions about 1 in 10^7 among ten
    million people)."""
    digest = hashlib.sha256(f"{incident_id}\x1f{role}".encode()).hexdigest()
    return prefix + digest[:16]


def _named_after_first_mention(mentions: pd.DataFrame, incidents: pd.DataFrame) -> np.ndarray:
    """Each mention's person id: the :func:`person_id` of its cluster's earliest mention (by
    date reported, then incident id, then role).

    So a person keeps their id when later incidents are linked to them, whatever the rows'
    order or the export they arrive in (``stalkflag score --history``); the id changes only
    when an earlier mention joins, or two people are found to be one (the registry records the
    old id as merged into the new, :func:`stalkflag.batch.update_registry`).
    """
    rows = (mentions["unique_id"].to_numpy() // 2).astype(np.int64)
    key = pd.DataFrame(
        {
            "cluster": mentions["cluster_id"].to_numpy(),
            "t": incidents["reported_at"].to_numpy()[rows],
            "incident": mentions["incident_id"].astype(str).to_numpy(),
            "role": mentions["role"].astype(str).to_numpy(),
        }
    )
    first = key.sort_values(["cluster", "t", "incident", "role"]).drop_duplicates("cluster")
    names = pd.Series(
        [person_id(i, r) for i, r in zip(first["incident"], first["role"], strict=True)],
        index=first["cluster"].to_numpy(),
    )
    return names.reindex(key["cluster"]).to_numpy()


def _apart(clusters: pd.DataFrame) -> pd.DataFrame:
    """Clusters in which no incident's suspect is its own victim.

    Splink never pairs the two mentions of one incident, but they can still meet in one
    person through others (the victim's name typed again as the suspect's, a row repeated
    with the parties swapped). An incident's suspect is then set apart as a person of their
    own (a new cluster id), so that no person is their own suspect; the suspect mention's
    confidence, computed against its new lone person, is low, which says the link is doubtful.
    """
    cluster = clusters.set_index("unique_id")["cluster_id"]
    uids = clusters["unique_id"].to_numpy()
    suspects = uids[uids % 2 == 1]
    victim_cluster = cluster.reindex(suspects - 1).to_numpy()
    clash = suspects[victim_cluster == cluster.reindex(suspects).to_numpy()]
    if not len(clash):
        return clusters
    logger.warning(
        "%d incident(s) name one person as both victim and suspect; each such suspect is "
        "kept apart as a person of their own",
        len(clash),
    )
    fresh = pd.Series(np.arange(len(clash)) + int(uids.max()) + 1, index=clash)
    out = clusters.copy()
    moved = out["unique_id"].isin(clash)
    out.loc[moved, "cluster_id"] = fresh.reindex(out.loc[moved, "unique_id"]).to_numpy()
    return out


def _run_splink_clearly(mentions: pd.DataFrame, **kwargs: Any):
    """:func:`run_splink`, with DuckDB running out of memory, or an export that gives training
    nothing to learn from, turned into a user's error."""
    import duckdb
    from splink.internals.exceptions import EMTrainingException  # not exported publicly

    try:
        return run_splink(mentions, **kwargs)
    except duckdb.OutOfMemoryException:
        raise ConfigError(
            f"DuckDB ran out of memory within its limit of {kwargs.get('memory_limit')}; "
            "raise it with --memory-limit (e.g. 3GB).",
            code="C021",
        ) from None
    except EMTrainingException:
        raise ConfigError(
            "this export has too few names and dates of birth in common between incidents to "
            "train a linkage model; reuse a model trained on a named export "
            "(stalkflag link --linkage-model).",
            code="C025",
        ) from None


def _mention_confidence(mentions: pd.DataFrame, edges: pd.DataFrame) -> np.ndarray:
    """Best match probability to a mention of the same person; for a lone mention, the
    probability that it belongs to nobody else (1 - its best match)."""
    uid = mentions["unique_id"].to_numpy()
    cluster = mentions["cluster_id"].to_numpy()
    p = edges["match_probability"].to_numpy(dtype=float)
    ends = [pd.Index(uid).get_indexer(edges[c].to_numpy()) for c in ("unique_id_l", "unique_id_r")]
    known = (ends[0] >= 0) & (ends[1] >= 0)
    same = known & (cluster[ends[0]] == cluster[ends[1]])
    within = np.full(len(uid), -np.inf)
    best_any = np.full(len(uid), -np.inf)
    for end in ends:
        mine = end >= 0
        np.maximum.at(best_any, end[mine], p[mine])
        np.maximum.at(within, end[same], p[same])
    alone = 1.0 - np.where(np.isinf(best_any), 0.0, best_any)
    return np.where(np.isinf(within), alone, within).round(4)


def _people(links: pd.DataFrame, mentions: pd.DataFrame, reported_at: np.ndarray) -> pd.DataFrame:
    as_victim = links.groupby("victim_person_id").agg(
        incidents_as_victim=("incident_id", "size"),
        distinct_suspects=("suspect_person_id", "nunique"),
    )
    as_suspect = links.groupby("suspect_person_id").agg(
        incidents_as_suspect=("incident_id", "size"),
        distinct_victims=("victim_person_id", "nunique"),
    )
    people = as_victim.join(as_suspect, how="outer").fillna(0).astype("int64")
    people.index.name = "person_id"
    people = people.join(mentions.groupby("person_id").size().rename("mentions"), how="left")
    people["mentions"] = people["mentions"].fillna(0).astype("int64")
    people["source"] = np.where(people["mentions"] > 0, "fields", "notes")
    dates = links.assign(t=reported_at)
    seen = (
        pd.concat(
            [
                dates[["victim_person_id", "t"]].rename(columns={"victim_person_id": "person_id"}),
                dates[["suspect_person_id", "t"]].rename(
                    columns={"suspect_person_id": "person_id"}
                ),
            ]
        )
        .dropna()
        .groupby("person_id")["t"]
        .agg(["min", "max"])
    )
    people["first_seen"] = seen["min"].reindex(people.index)
    people["last_seen"] = seen["max"].reindex(people.index)
    return people.reset_index()
