"""The served contract: what the MLflow model (``mlflow models serve``, ``pyfunc.load_model``)
takes and gives back.

It takes an export as a frame (the contract's columns, :mod:`stalkflag.schema`) and gives one
row per request row, in the request's order: the scores of the rows validation accepted and
the problems of the rows it rejected, so that no row vanishes. :data:`SERVED_COLUMNS` is the
output; :func:`served_signature` states both sides as the MLflow signature.

Every contract column is optional in the signature, the required ones included, and the model
checks the required ones itself. MLflow's own check of a required column raises an error
whose message holds the whole request (``Failed to predict data '<the frame>'``: notes, names
and all), which the scoring server sends back as its answer; a request without a
required column instead comes back with every row rejected, saying which column is missing
(code ``F003``, as ``stalkflag validate`` says of a file). Which columns the contract requires
is logged with the model as its metadata (:func:`contract_metadata`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stalkflag.mask import mask_value
from stalkflag.model._chain import SCORE_COLUMNS, ScoringChain
from stalkflag.problems import Problem
from stalkflag.schema import COLUMNS, CONTRACT_VERSION, OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from stalkflag.validate import validate_frame

if TYPE_CHECKING:
    from mlflow.models import ModelSignature

__all__ = ["SERVED_COLUMNS", "contract_metadata", "serve_frame", "served_signature"]

SERVED_COLUMNS = ("row", "status", *SCORE_COLUMNS, "problems", "rejected_reasons")
"""The served model's output columns, in order (see :class:`stalkflag.model._pyfunc.StalkflagModel`)."""

SCORED, REJECTED = "scored", "rejected"

_OUTPUT_TYPES = {
    "row": "long",
    "status": "string",
    "reported_at": "datetime",
    "score": "double",
    "flagged": "boolean",
}
"""MLflow types of the output columns that are not text."""


def served_signature() -> ModelSignature:
    """The MLflow signature: every contract column as optional text in, :data:`SERVED_COLUMNS`
    out (``row`` and ``status`` always set; the rest empty where they do not apply)."""
    from mlflow.models import ModelSignature
    from mlflow.types.schema import ColSpec, Schema

    inputs = Schema([ColSpec("string", spec.name, required=False) for spec in COLUMNS])
    outputs = Schema(
        [
            ColSpec(_OUTPUT_TYPES.get(name, "string"), name, required=name in {"row", "status"})
            for name in SERVED_COLUMNS
        ]
    )
    return ModelSignature(inputs=inputs, outputs=outputs)


def contract_metadata() -> dict[str, Any]:
    """What the logged model's ``MLmodel`` says of its input contract."""
    return {
        "stalkflag_contract": {
            "version": CONTRACT_VERSION,
            "required_columns": list(REQUIRED_COLUMNS),
            "optional_columns": list(OPTIONAL_COLUMNS),
            "output_columns": list(SERVED_COLUMNS),
        }
    }


def serve_frame(chain: ScoringChain, frame: pd.DataFrame) -> pd.DataFrame:
    """Validate a request's rows and score the good ones: one output row per request row.

    Args:
        chain: The fitted scoring chain.
        frame: The request: contract columns as text (values of other types are read as
            their text; missing stays missing). It is not modified.

    Returns:
        :data:`SERVED_COLUMNS`, with ``frame``'s index, every missing value ``None``.
    """
    from stalkflag.model._score import score_incidents

    if not len(frame):
        return pd.DataFrame({name: pd.Series(dtype=object) for name in SERVED_COLUMNS})
    missing = [name for name in REQUIRED_COLUMNS if name not in frame.columns]
    if missing:
        return _all_rejected(frame, missing)
    report = validate_frame(frame, first_row=0)
    scores = score_incidents(chain, report.accepted)
    scored = (
        report.accepted[["incident_id", "source_row"]]
        .merge(scores, on="incident_id", how="left", validate="one_to_one")
        .set_index("source_row")
    )
    rows = pd.RangeIndex(len(frame))
    out = scored.reindex(rows)
    rejected = ~rows.isin(scored.index)
    out.insert(0, "row", rows)
    out.insert(1, "status", np.where(rejected, REJECTED, SCORED))
    ids = frame["incident_id"].to_numpy()
    out.loc[rejected, "incident_id"] = [_shown_id(v) for v in ids[rejected]]
    problems: dict[int, list[dict[str, str]]] = {}
    for problem in report.problems:
        problems.setdefault(problem.row, []).append(_problem(problem))
    out["problems"] = [json.dumps(problems.get(row, []), ensure_ascii=False) for row in rows]
    out["rejected_reasons"] = report.rejected.set_index("_row")["_reasons"].reindex(rows)
    return _laid_out(out, frame.index)


def _all_rejected(frame: pd.DataFrame, missing: list[str]) -> pd.DataFrame:
    """Every row rejected: the request lacks required columns."""
    needed = ", ".join(REQUIRED_COLUMNS)
    found = [
        Problem(0, name, "", f"is missing from the request; the contract needs {needed}", "F003")
        for name in missing
    ]
    ids = frame["incident_id"].to_numpy() if "incident_id" in frame else [None] * len(frame)
    out = pd.DataFrame(
        {
            "row": range(len(frame)),
            "status": REJECTED,
            "incident_id": [_shown_id(v) for v in ids],
            "problems": json.dumps([_problem(p) for p in found]),
            "rejected_reasons": "; ".join(f"{p.column}: {p.reason} [{p.code}]" for p in found),
        }
    )
    return _laid_out(out, frame.index)


def _laid_out(out: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """:data:`SERVED_COLUMNS` with ``index``, every missing value ``None`` (JSON ``null``,
    where a float column would give ``NaN``, which is not JSON)."""
    out = out.reindex(columns=list(SERVED_COLUMNS)).astype(object)
    out = out.where(out.notna(), None)
    out["row"] = out["row"].astype(np.int64)
    out.index = index
    return out


def _shown_id(value: object) -> str | None:
    """A rejected row's ``incident_id`` when it is safe to send back unchanged (the rules of
    :func:`stalkflag.mask.mask_value`: ID-shaped, nothing scrubbed from it), else ``None``."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text if text and mask_value("incident_id", text) == repr(text) else None


def _problem(problem: Problem) -> dict[str, str]:
    return {
        "column": problem.column,
        "code": problem.code,
        "severity": problem.severity,
        "value": problem.value,  # masked by validation (stalkflag.mask)
        "message": problem.reason,
    }
