"""Summarise a validated export (and, for synthetic data, its ground truth)."""

from __future__ import annotations

import pandas as pd

__all__ = ["summarise"]


def summarise(
    export: pd.DataFrame, truth: pd.DataFrame | None = None
) -> dict[str, pd.DataFrame | dict]:
    """Counts that tell a person what an export holds.

    Args:
        export: Accepted rows from :func:`stalkflag.validate.validate_export`.
        truth: The synthetic truth file, if there is one (joined on ``incident_id``).

    Returns:
        A dict of small tables: ``overview`` (a dict of figures), ``recorded_category``,
        ``relationship``, ``force``, and with truth also ``scenario``, ``style`` and
        ``recorded_vs_true`` (recorded category against whether the incident is stalking).
    """
    n = len(export)
    overview = {
        "incidents": n,
        "first reported": f"{export['reported_at'].min():%Y-%m-%d}" if n else "-",
        "last reported": f"{export['reported_at'].max():%Y-%m-%d}" if n else "-",
        "labelled stalking": _share(export["label"].eq(1).sum(), export["label"].notna().sum()),
        "victim_id present": _share(export["victim_id"].notna().sum(), n),
        "suspect_id present": _share(export["suspect_id"].notna().sum(), n),
        "suspect_name present": _share(export["suspect_name"].notna().sum(), n),
        "empty notes": _share(export["notes"].str.len().eq(0).sum(), n),
        "median note length (chars)": int(export["notes"].str.len().median()) if n else 0,
    }
    out: dict[str, pd.DataFrame | dict] = {"overview": overview}
    for column in ("recorded_category", "relationship", "force"):
        out[column] = _counts(export[column].fillna("(missing)"))
    if truth is not None:
        joined = export[["incident_id", "recorded_category"]].merge(
            truth.drop(columns=["recorded_category", "label"], errors="ignore"), on="incident_id"
        )
        patterns = joined.drop_duplicates("pattern_id")
        scen = joined.groupby("scenario").agg(
            incidents=("incident_id", "size"), patterns=("pattern_id", "nunique")
        )
        scen["stalking"] = scen.index.map(
            dict(zip(truth["scenario"], truth["label"] == 1, strict=False))
        )
        scen["stalking"] = scen["stalking"].map({True: "yes", False: "no"})
        out["scenario"] = scen.sort_values("incidents", ascending=False)
        out["style"] = _counts(joined["style"])
        truth_label = joined["scenario"].map(
            dict(zip(truth["scenario"], truth["label"], strict=False))
        )
        out["recorded_vs_true"] = pd.crosstab(
            joined["recorded_category"], truth_label.map({1: "stalking", 0: "not stalking"})
        )
        overview["patterns"] = len(patterns)
        overview["stalking patterns"] = _share(
            patterns["scenario"].map(scen["stalking"]).eq("yes").sum(), len(patterns)
        )
    return out


def _share(part: int, whole: int) -> str:
    return f"{part:,} ({part / whole:.1%})" if whole else "0"


def _counts(series: pd.Series) -> pd.DataFrame:
    counts = series.value_counts()
    return pd.DataFrame({"count": counts, "share": (counts / counts.sum()).map("{:.1%}".format)})
