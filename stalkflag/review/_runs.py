"""Importing a scoring run into the review store.

A run is a ``stalkflag score`` output folder. Its flagged and review-band patterns become
cases; each case keeps the timeline of its incidents in this run with their notes, read again
by the same reader the model used (the same notes, ranks and names, so the same matches: the
highlighted spans are what the model counted, not a second opinion). The exports are found
through the run's ``manifest.json`` and checked against the SHA-256 recorded there.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from stalkflag.errors import ConfigError
from stalkflag.review._auth import audit
from stalkflag.review._db import Incident, Pattern, Run

__all__ = ["import_run"]

logger = logging.getLogger(__name__)

QUEUED = ("flag", "review")
"""The model decisions whose patterns become cases."""


def _read_table(folder: Path, name: str) -> pd.DataFrame:
    for suffix in (".parquet", ".csv"):
        path = folder / f"{name}{suffix}"
        if path.is_file():
            if suffix == ".parquet":
                return pd.read_parquet(path)
            return pd.read_csv(path, dtype=str, keep_default_na=False)
    raise ConfigError(
        f"{folder} has no {name}.csv or {name}.parquet: name an output folder of "
        "`stalkflag score`.",
        code="R010",
    )


def _json(value: Any, default: Any) -> Any:
    if isinstance(value, str) and value:
        try:
            return json.loads(value)
        except ValueError:
            return default
    return default


def import_run(db: Session, folder: str | Path, *, by: str, client: str = "") -> Run:
    """Import a ``stalkflag score`` output folder: its flag and review patterns become cases.

    Raises:
        ConfigError: Not an output folder, its exports moved or changed, or already imported.
    """
    from stalkflag.api import validate
    from stalkflag.batch._history import combine, history_files
    from stalkflag.model import name_first_seen, read_incidents, time_order
    from stalkflag.text import behaviour_records

    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    try:
        manifest_bytes = manifest_path.read_bytes()
        manifest = json.loads(manifest_bytes)
    except (OSError, ValueError):
        raise ConfigError(
            f"{folder} is not an output folder of `stalkflag score` (no readable manifest.json).",
            code="R010",
        ) from None
    fingerprint = hashlib.sha256(manifest_bytes).hexdigest()
    if db.scalar(select(Run).where(Run.fingerprint == fingerprint)) is not None:
        raise ConfigError(f"the run in {folder} has already been imported.", code="R011")
    patterns = _read_table(folder, "patterns")
    incidents = _read_table(folder, "incidents")
    patterns = patterns[patterns["decision"].isin(QUEUED)].reset_index(drop=True)
    incidents = incidents[incidents["pair_id"].isin(set(patterns["pair_id"]))]

    exports = history_files([folder])  # checked against the manifest's SHA-256
    accepted = [validate(path).accepted for path in exports]
    everything, _ = combine(*accepted)
    rank = time_order(everything)
    first = name_first_seen(everything, rank)
    wanted = everything["incident_id"].isin(set(incidents["incident_id"])).to_numpy()
    rows = everything[wanted].reset_index(drop=True)
    matches, _ = read_incidents(rows, rank[wanted], first)
    records = behaviour_records()
    read = {
        str(incident_id): [
            {
                "behaviour": m.behaviour,
                "label": records[m.behaviour].label if m.behaviour in records else m.behaviour,
                "four": records[m.behaviour].four if m.behaviour in records else "",
                "sdash": list(records[m.behaviour].sdash) if m.behaviour in records else [],
                "start": m.start_char,
                "end": m.end_char,
            }
            for m in found
            if m.counts
        ]
        for incident_id, found in zip(rows["incident_id"], matches, strict=True)
    }
    source = rows.set_index("incident_id")

    model = manifest.get("model", {})
    run = Run(
        fingerprint=fingerprint,
        folder=str(folder.resolve()),
        imported_by=by,
        model_name=str(model.get("name", model.get("uri", ""))),
        model_version=str(model.get("version", "")),
        flag_threshold=float(model.get("flag_threshold", np.nan)),
        review_threshold=float(model.get("review_threshold", np.nan)),
    )
    db.add(run)
    db.flush()
    by_pair = {pair: group for pair, group in incidents.groupby("pair_id", sort=False)}
    for p in patterns.to_dict("records"):
        forces = str(p.get("forces", "") or "")
        case = Pattern(
            run_id=run.id,
            pair_id=str(p["pair_id"]),
            victim_person_id=str(p["victim_person_id"]),
            suspect_person_id=str(p["suspect_person_id"]),
            force=forces.split(";")[0] if forces else "",
            forces=forces,
            incidents=int(p["incidents"]),
            first_reported_at=pd.Timestamp(p["first_reported_at"]).to_pydatetime(),
            last_reported_at=pd.Timestamp(p["last_reported_at"]).to_pydatetime(),
            span_days=float(p["span_days"]),
            score=float(p["score"]),
            model_decision=str(p["decision"]),
            flag_type=str(p["flag_type"] or "")
            or ("recorded_stalking" if p["decision"] == "flag" else "review"),
            peak_incident_id=str(p["peak_incident_id"]),
            reasons=str(p.get("reasons", "") or ""),
            evidence=_json(p.get("evidence"), []),
            sdash_answered=int(p.get("sdash_answered") or 0),
            sdash=_json(p.get("sdash"), []),
            behaviours=_json(p.get("behaviours"), {}),
            recorded_categories=_json(p.get("recorded_categories"), {}),
            counting_rules=str(p.get("counting_rules", "") or ""),
            counting_rules_finding=str(p.get("counting_rules_finding", "") or ""),
            recommended_actions=str(p.get("recommended_actions", "") or ""),
        )
        db.add(case)
        db.flush()
        for i in by_pair.get(p["pair_id"], pd.DataFrame()).to_dict("records"):
            known = source.loc[i["incident_id"]] if i["incident_id"] in source.index else None
            confidence = pd.to_numeric(i.get("link_confidence"), errors="coerce")
            db.add(
                Incident(
                    pattern_id=case.id,
                    incident_id=str(i["incident_id"]),
                    reported_at=pd.Timestamp(i["reported_at"]).to_pydatetime(),
                    recorded_category=str(i.get("recorded_category", "") or ""),
                    force=_text(known, "force"),
                    victim_name=_text(known, "victim_name"),
                    suspect_name=_text(known, "suspect_name"),
                    notes=_text(known, "notes"),
                    score=float(i["score"]),
                    link_confidence=None if pd.isna(confidence) else float(confidence),
                    matches=read.get(str(i["incident_id"]), []),
                )
            )
    audit(db, by, "import", f"run {run.id}", client=client, detail=f"{len(patterns)} cases")
    logger.info("imported run %d: %d cases", run.id, len(patterns))
    return run


def _text(row: pd.Series | None, column: str) -> str:
    if row is None or column not in row.index:
        return ""
    value = row[column]
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
