"""History and stable identities: earlier exports read with a new one, and the people registry.

A force scores each month's export in the light of the months before (``stalkflag score
--history``): the earlier exports are linked and scored with the new one, so a course of
conduct that began last year is one pattern, and only the new incidents (and the patterns they
belong to) are written out.

Person ids are named after each person's earliest mention
(:func:`stalkflag.linkage.person_id`), so they are the same whether an export is scored alone
with its history or after it. The **people registry** (``people.csv`` or ``.parquet``) keeps
every person id seen, when, in how many incidents, and which ids were later found to be one
person (``merged_into``), so an id a force wrote down last month can always be followed. It
holds ids, dates and counts only: no names.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from stalkflag.errors import ConfigError

__all__ = [
    "REGISTRY_COLUMNS", "combine", "history_files", "is_new", "read_registry", "registry_table",
    "sha256", "update_registry",
]  # fmt: skip

REGISTRY_COLUMNS = (
    "person_id", "first_mention", "first_seen", "last_seen", "incidents_as_victim",
    "incidents_as_suspect", "status", "merged_into",
)  # fmt: skip
"""The people registry's columns: ``first_mention`` is ``incident_id/role`` of the mention the
id is named after; ``status`` is ``active`` or ``merged`` (then ``merged_into`` names the id
that person now has)."""


def history_files(paths: Iterable[str | Path]) -> list[Path]:
    """The export files ``--history`` names: a file is itself; an earlier output folder stands
    for the exports its ``manifest.json`` lists (its inputs and its own history), each checked
    against the fingerprint recorded then. In order, each file once."""
    files: list[Path] = []
    for given in map(Path, paths):
        if given.is_dir():
            files.extend(_from_manifest(given))
        elif given.is_file():
            files.append(given)
        else:
            raise ConfigError(
                f"--history {given} does not exist: name earlier exports or an earlier "
                "output folder of stalkflag score.",
                code="C060",
            )
    unique: dict[Path, Path] = {}
    for f in files:
        unique.setdefault(f.resolve(), f)
    return list(unique.values())


def _from_manifest(folder: Path) -> list[Path]:
    manifest = folder / "manifest.json"
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8"))
        entries = list(recorded.get("history", [])) + list(recorded["inputs"])
    except (OSError, ValueError, KeyError, TypeError):
        raise ConfigError(
            f"--history {folder} is a folder but not an output folder of stalkflag score "
            "(no readable manifest.json listing its inputs); name the export files instead.",
            code="C061",
        ) from None
    files = []
    for entry in entries:
        path = Path(entry["path"])
        if not path.is_file():
            raise ConfigError(
                f"{manifest} names the export {path}, which is no longer there; name the "
                "export where it is now with --history.",
                code="C062",
            )
        if entry.get("sha256") and sha256(path) != entry["sha256"]:
            raise ConfigError(
                f"the export {path} has changed since {manifest} was written (its SHA-256 "
                "differs); name the exports to read as history directly with --history.",
                code="C063",
            )
        files.append(path)
    return files


def sha256(path: Path) -> str:
    """A file's SHA-256, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_registry(path: str | Path) -> pd.DataFrame:
    """A people registry written by an earlier run (CSV or Parquet)."""
    path = Path(path)
    try:
        if path.suffix.lower() in {".parquet", ".pq"}:
            table = pd.read_parquet(path)
        else:
            table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"the people registry {path} cannot be read ({type(exc).__name__}); name another "
            "with --registry or leave it out to start a new one.",
            code="C064",
        ) from None
    missing = [c for c in REGISTRY_COLUMNS if c not in table.columns]
    if missing:
        raise ConfigError(
            f"{path} is not a people registry (no {', '.join(missing)} column); name another "
            "with --registry or leave it out to start a new one.",
            code="C064",
        )
    table = table[list(REGISTRY_COLUMNS)].copy()
    for column in ("first_seen", "last_seen"):
        table[column] = pd.to_datetime(table[column])
    for column in ("incidents_as_victim", "incidents_as_suspect"):
        table[column] = pd.to_numeric(table[column]).astype("int64")
    table["merged_into"] = table["merged_into"].fillna("").astype(str)
    return table


def combine(*frames: pd.DataFrame | None) -> tuple[pd.DataFrame, int]:
    """Validated incidents of several exports as one table, in the order given (the last
    frame's columns; ``None`` for no frame); an incident sent again keeps its row from the
    latest frame. Returns the table and how many earlier rows a later one replaced."""
    given = [f for f in frames if f is not None]
    if len(given) == 1 or not any(len(f) for f in given[:-1]):
        return given[-1].reset_index(drop=True), 0
    columns = list(given[-1].columns)
    every = pd.concat([f.reindex(columns=columns) for f in given], ignore_index=True)
    kept = every.drop_duplicates("incident_id", keep="last")
    return kept.reset_index(drop=True), len(every) - len(kept)


def registry_table(links: pd.DataFrame, incidents: pd.DataFrame) -> pd.DataFrame:
    """One row per person in linked incidents (:data:`REGISTRY_COLUMNS`); suspects known only
    as "unknown" are not people and are left out."""
    times = pd.to_datetime(incidents["reported_at"]).to_numpy()
    ids = incidents["incident_id"].astype(str).to_numpy()
    parts = [
        pd.DataFrame(
            {
                "person_id": links[f"{role}_person_id"].to_numpy(),
                "t": times,
                "incident": ids,
                "role": role,
            }
        )
        for role in ("suspect", "victim")
    ]
    seen = pd.concat(parts, ignore_index=True)
    seen = seen[seen["person_id"].notna() & ~seen["person_id"].astype(str).str.endswith("~unknown")]
    seen = seen.sort_values(["person_id", "t", "incident", "role"])
    g = seen.groupby("person_id", sort=True)
    first = g.head(1).set_index("person_id")
    counts = seen.groupby(["person_id", "role"]).size().unstack(fill_value=0)
    out = pd.DataFrame(
        {
            "first_mention": (first["incident"] + "/" + first["role"]),
            "first_seen": g["t"].min(),
            "last_seen": g["t"].max(),
            "incidents_as_victim": counts.get("victim", pd.Series(dtype=int)),
            "incidents_as_suspect": counts.get("suspect", pd.Series(dtype=int)),
        }
    )
    out[["incidents_as_victim", "incidents_as_suspect"]] = (
        out[["incidents_as_victim", "incidents_as_suspect"]].fillna(0).astype("int64")
    )
    out["status"] = "active"
    out["merged_into"] = ""
    return out.rename_axis("person_id").reset_index()[list(REGISTRY_COLUMNS)]


def update_registry(
    previous: pd.DataFrame | None, links: pd.DataFrame, incidents: pd.DataFrame
) -> pd.DataFrame:
    """The registry after this run: the people of these incidents, and every id of the
    previous registry carried forward. A previous id whose first mention is now part of a
    person with another id (two people found to be one, or an earlier mention arrived) is
    kept with ``status`` ``merged`` and ``merged_into`` naming the id to follow; an id whose
    incidents were not read this time is carried forward as it was."""
    current = registry_table(links, incidents)
    if previous is None or not len(previous):
        return current
    previous = previous.reindex(columns=list(REGISTRY_COLUMNS))
    owner = _mention_owners(links, incidents)
    old = previous[~previous["person_id"].isin(current["person_id"])].copy()
    old["merged_into"] = old["merged_into"].fillna("").astype(str)
    now = old["first_mention"].map(owner)
    moved = now.notna() & now.ne(old["person_id"])
    old.loc[moved, "status"] = "merged"
    old.loc[moved, "merged_into"] = now[moved]
    # an id merged before follows its target wherever that target went since
    step = dict(zip(old["person_id"], old["merged_into"], strict=True))
    old["merged_into"] = [_follow(t, step) for t in old["merged_into"]]
    out = pd.concat([current, old], ignore_index=True)
    return out.sort_values("person_id", kind="stable").reset_index(drop=True)


def _follow(person: str, step: dict[str, str]) -> str:
    seen = set()
    while step.get(person) and person not in seen:
        seen.add(person)
        person = step[person]
    return person


def _mention_owners(links: pd.DataFrame, incidents: pd.DataFrame) -> dict[str, str]:
    """``incident_id/role`` -> the person id that mention belongs to now."""
    ids = incidents["incident_id"].astype(str).to_numpy()
    out: dict[str, str] = {}
    for role in ("victim", "suspect"):
        people = links[f"{role}_person_id"].astype(object).to_numpy()
        out.update(
            (f"{i}/{role}", str(p)) for i, p in zip(ids, people, strict=True) if isinstance(p, str)
        )
    return out


def is_new(incidents: pd.DataFrame, new_ids: Sequence[str] | np.ndarray) -> np.ndarray:
    """Which rows of ``incidents`` are among ``new_ids``."""
    return incidents["incident_id"].astype(str).isin(pd.Index(new_ids).astype(str)).to_numpy()
