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
            truth.drop(columns=["recorded_category"], errors="ignore").rename(
                columns={"label": "true_label"}
            ),
            on="incident_id",
        )
        patterns = joined.drop_duplicates("pattern_id")
        scen = joined.groupby("scenario").agg(
            incidents=("incident_id", "size"),
            patterns=("pattern_id", "nunique"),
            stalking=("true_label", "max"),
        )
        scen["stalking"] = scen["stalking"].map({1: "yes", 0: "no"})
        out["scenario"] = scen.sort_values("incidents", ascending=False)
        out["style"] = _counts(joined["style"])
        out["recorded_vs_true"] = pd.crosstab(
            joined["recorded_category"],
            joined["true_label"].map({1: "stalking", 0: "not stalking"}),
        )
        overview["patterns"] = len(patterns)
        overview["stalking patterns"] = _share(patterns["true_label"].eq(1).sum(), len(patterns))
    return out


def _share(part: int, whole: int) -> str:
    return f"{part:,} ({part / whole:.1%})" if whole else "0"


def _counts(series: pd.Series) -> pd.DataFrame:
    counts = series.value_counts()
    return pd.DataFrame({"count": counts, "share": (counts / counts.sum()).map("{:.1%}".format)})
