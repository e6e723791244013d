"""How early the flag fires on a case (issue 22, item 6).

An incident's score sees only the pair's history up to it, never later incidents, so the first
incident of a case whose score reaches the flag is well defined: it is when a force running
stalkflag on each incident as it arrived would first have been told. For a stalking case police
did at some point record as stalking, the lead is how many incidents (and days) that first flag
came before the first incident recorded as stalking (0: the same incident; negative: after).
For one never recorded as stalking, it is at which incident, and how many days after the
case's first, the flag first fired.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["lead_time", "lead_time_summary"]

_DAY = pd.Timedelta(days=1)


def lead_time(incidents: pd.DataFrame) -> pd.DataFrame:
    """Per case: where the flag first fired and where police first recorded stalking.

    Args:
        incidents: One row per incident: ``incident_id, case, flag, recorded, reported_at``.

    Returns:
        Indexed by case: ``first_flag_incident`` (1 = the case's first incident) and
        ``first_flag_days`` (days after the case's first incident), the same for the first
        incident recorded as stalking (``first_recorded_*``), and ``lead_incidents`` and
        ``lead_days`` (first recorded less first flag; missing when either is).
    """
    frame = incidents.sort_values(["case", "reported_at", "incident_id"], kind="stable")
    by_case = frame.groupby("case", sort=True)
    number = (by_case.cumcount() + 1).astype(float)
    days = (frame["reported_at"] - by_case["reported_at"].transform("min")) / _DAY
    out = pd.DataFrame(index=pd.Index(sorted(frame["case"].unique()), name="case"))
    for name, when in (("flag", frame["flag"]), ("recorded", frame["recorded"])):
        at = when.astype(bool)
        out[f"first_{name}_incident"] = number.where(at).groupby(frame["case"]).min()
        out[f"first_{name}_days"] = days.where(at).groupby(frame["case"]).min()
    out["lead_incidents"] = out["first_recorded_incident"] - out["first_flag_incident"]
    out["lead_days"] = out["first_recorded_days"] - out["first_flag_days"]
    return out


def lead_time_summary(cases: pd.DataFrame) -> dict[str, Any]:
    """Lead time over the stalking cases the flag finds.

    Args:
        cases: One row per case with ``y`` and ``recorded`` and :func:`lead_time`'s columns.

    Returns:
        ``recorded_later``: stalking cases police recorded as stalking at some incident, how
        many of them the flag finds, the median lead in incidents and days over those, and how
        many it flagged before, at or after the first incident recorded as stalking (with the
        share before). ``never_recorded``: stalking cases never recorded as stalking, how many
        the flag finds, the median incident number and days from the case's first incident at
        which it first fired, and the share found at the first incident.
    """
    stalking = cases[cases["y"].astype(bool)]
    later = stalking[stalking["recorded"].astype(bool)]
    found = later[later["first_flag_incident"].notna()]
    lead = found["lead_incidents"]
    never = stalking[~stalking["recorded"].astype(bool)]
    hit = never[never["first_flag_incident"].notna()]
    return {
        "recorded_later": {
            "stalking_cases": len(later),
            "found": len(found),
            "median_lead_incidents": _median(lead),
            "median_lead_days": _median(found["lead_days"]),
            "flagged_before": int((lead > 0).sum()),
            "flagged_at_same_incident": int((lead == 0).sum()),
            "flagged_after": int((lead < 0).sum()),
            "share_flagged_before": float((lead > 0).mean()) if len(found) else np.nan,
        },
        "never_recorded": {
            "stalking_cases": len(never),
            "found": len(hit),
            "median_first_flag_incident": _median(hit["first_flag_incident"]),
            "median_first_flag_days": _median(hit["first_flag_days"]),
            "share_found_at_first_incident": (
                float((hit["first_flag_incident"] == 1).mean()) if len(hit) else np.nan
            ),
        },
    }


def _median(values: pd.Series) -> float:
    return float(values.median()) if len(values) else np.nan
