"""How often the trained model flags real police narratives (US logs, single incidents, almost
no stalking): a false-alarm check on officers' real English.

Run: ``.venv/bin/python experiments/realworld_flags.py --out experiments/realworld_flags.md``
(after ``stalkflag train``; ``--model`` names another model than ``models:/stalkflag@champion``).

Each narrative becomes one incident with its own victim and suspect, so nothing links: the model
sees single incidents, as an officer does. Only aggregate figures are reported; no narrative is
copied into the project.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from _report import emit
from text_behaviours import _realworld_texts

from stalkflag import api


def realworld_frame() -> pd.DataFrame:
    """The real narratives as an export of single incidents: each its own victim and suspect,
    three hours apart, recorded as ``other`` (nothing links them)."""
    texts = _realworld_texts()
    n = len(texts)
    start = pd.Timestamp("2024-01-01")
    return pd.DataFrame(
        {
            "incident_id": [f"RW-{i}" for i in range(n)],
            "reported_at": [(start + pd.Timedelta(hours=3 * i)).isoformat() for i in range(n)],
            "recorded_category": "other",
            "notes": texts,
            "victim_id": [f"V-{i}" for i in range(n)],
            "suspect_id": [f"S-{i}" for i in range(n)],
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=api.CHAMPION_URI)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    chain = api.load_model(args.model)
    frame = realworld_frame()
    n = len(frame)
    report = api.validate(frame)
    scores = api.score(report.accepted, chain)
    decisions = scores["decision"].value_counts().reindex(["flag", "review", "clear"], fill_value=0)
    groups: dict[str, int] = {}
    for evidence in scores.loc[scores["decision"] != "clear", "evidence"]:
        for item in json.loads(evidence)[:1]:
            groups[item["evidence"]] = groups.get(item["evidence"], 0) + 1
    lines = [
        "# Real narratives: how often the model flags them",
        "",
        f"`.venv/bin/python experiments/realworld_flags.py` with model `{args.model}` "
        f"(flag threshold {chain.flag_threshold:.3f}, review from {chain.review_threshold:.3f}).",
        "",
        f"{n:,} real US police narratives (single incidents, almost none stalking), "
        f"{len(report.accepted):,} valid. Each is scored alone (no linkage).",
        "",
        pd.DataFrame(
            {"incidents": decisions, "share": (decisions / max(len(scores), 1)).round(4)}
        ).to_markdown(),
        "",
        "Score quantiles: "
        + ", ".join(
            f"q{int(q * 100)} {np.quantile(scores['score'], q):.3f}" for q in (0.5, 0.9, 0.99)
        ),
        "",
        "Strongest evidence group behind each flag or review (counts):",
        "",
        pd.Series(groups, name="incidents").sort_values(ascending=False).to_frame().to_markdown()
        if groups
        else "(none)",
        "",
    ]
    emit(lines, args.out)


if __name__ == "__main__":
    main()
