"""``report.html``: one self-contained page (no script, no network) for a person who never
opened a terminal: what was read, what was flagged and why, with charts drawn as inline SVG.

Every value from the export is HTML-escaped: a note holding ``<script>`` shows as text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from stalkflag.batch._actions import ACTIONS
from stalkflag.text import BehaviourMatch, behaviour_records

__all__ = ["report_html"]

_TOP = 25
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;margin:0 auto;max-width:1100px;
padding:1.5rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid #ddd}
h3{font-size:1.05rem;margin-bottom:.3rem}
.muted{color:#555}.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}
.card{border:1px solid #ccc;border-radius:6px;padding:.6rem .9rem;min-width:9rem}
.card b{display:block;font-size:1.4rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.92rem}
th,td{border:1px solid #ddd;padding:.3rem .45rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}.charts{display:flex;flex-wrap:wrap;gap:1.5rem}
.pattern{border:1px solid #ccc;border-radius:6px;padding:.2rem 1rem 1rem;margin:1rem 0}
.flag{color:#8a1c1c;font-weight:600}.review{color:#7a5600;font-weight:600}
q{background:#fff3b0;quotes:none;padding:0 .15rem}
"""


def _bars(
    title: str, values: dict[str, float], *, colour: str = "#2f5d8a", width: int = 460
) -> str:
    """A horizontal bar chart as inline SVG, with its numbers written beside the bars."""
    items = list(values.items())
    height = 26 * len(items) + 30
    top = max([v for _, v in items] + [1])
    rows = []
    for k, (label, value) in enumerate(items):
        y = 24 + 26 * k
        length = 0 if not value else max(2, int((width - 230) * value / top))
        rows.append(
            f'<text x="0" y="{y + 13}" font-size="12">{escape(str(label))}</text>'
            f'<rect x="160" y="{y}" width="{length}" height="18" fill="{colour}"></rect>'
            f'<text x="{165 + length}" y="{y + 13}" font-size="12">{value:,.0f}</text>'
        )
    return (
        f'<figure><svg role="img" aria-label="{escape(title)}" width="{width}" height="{height}">'
        f'<text x="0" y="14" font-size="13" font-weight="600">{escape(title)}</text>'
        + "".join(rows)
        + "</svg></figure>"
    )


def _histogram(scores: np.ndarray, flag: float, review: float) -> str:
    counts, edges = np.histogram(scores, bins=10, range=(0.0, 1.0))
    values = {f"{edges[k]:.2f}-{edges[k + 1]:.2f}": float(c) for k, c in enumerate(counts)}
    chart = _bars("Patterns by score", values)
    return chart + (
        f'<p class="muted">Flag from {flag:.3f}; review from {review:.3f} '
        "(placed on validation pairs when the model was trained).</p>"
    )


Matches = Mapping[int, Sequence[BehaviourMatch]] | Sequence[Sequence[BehaviourMatch]]
"""Each scored row's behaviour matches, by row position (all rows, or the shown pairs' rows)."""


def report_pairs(patterns: pd.DataFrame) -> pd.Series:
    """The pairs the report shows with their timelines: flagged, then review, highest first."""
    return patterns.loc[patterns["decision"] != "clear", "pair_id"].head(_TOP)


def _timeline(rows: pd.DataFrame, matches: Matches, labels: dict[str, str]) -> str:
    lines = []
    for i, row in rows.iterrows():
        read = [
            f"{escape(labels.get(m.behaviour, m.behaviour))}: <q>{escape(m.text)}</q>"
            for m in matches[int(i)]  # type: ignore[call-overload]
            if m.counts
        ]
        lines.append(
            "<tr>"
            f"<td>{escape(str(pd.Timestamp(row['reported_at']).date()))}</td>"
            f"<td>{escape(str(row['incident_id']))}</td>"
            f"<td>{escape(str(row['recorded_category']))}</td>"
            f"<td>{row['score']:.3f}</td><td>{escape(str(row['decision']))}</td>"
            f"<td>{'; '.join(read) or '<span class=muted>none read</span>'}</td>"
            "</tr>"
        )
    return (
        "<table><thead><tr><th scope=col>Reported</th><th scope=col>Incident</th>"
        "<th scope=col>Recorded as</th><th scope=col>Score</th><th scope=col>Decision</th>"
        "<th scope=col>Behaviours read</th></tr></thead><tbody>"
        + "".join(lines)
        + "</tbody></table>"
    )


def _pattern(p: pd.Series, rows: pd.DataFrame, matches: Matches, labels: dict[str, str]) -> str:
    kind = p["flag_type"] or {
        "flag": "flagged, already recorded as stalking",
        "review": "review",
    }.get(p["decision"], "clear")
    cls = "flag" if p["decision"] == "flag" else "review" if p["decision"] == "review" else ""
    sdash = json.loads(p["sdash"])
    answers = "".join(
        f"<li>{escape(q['question'])} {escape(q['text'])}"
        + (
            ": "
            + "; ".join(
                f"<q>{escape(e['text'])}</q> ({escape(e['reported_at'])})" for e in q["evidence"]
            )
            if q.get("evidence")
            else ""
        )
        + "</li>"
        for q in sdash
    )
    actions = "".join(
        f"<li>{escape(ACTIONS[a])}</li>" for a in str(p["recommended_actions"]).split("; ") if a
    )
    categories = ", ".join(
        f"{escape(k)} {v}" for k, v in json.loads(p["recorded_categories"]).items()
    )
    return (
        f'<section class="pattern"><h3>Pattern {escape(str(p["pair_id"]))}: '
        f'<span class="{cls}">{escape(kind.replace("_", " "))}</span>, score {p["score"]:.3f}</h3>'
        f"<p>{p['incidents']} incidents over {p['span_days']:.0f} days; recorded as {categories}.</p>"
        f"<p><b>Why:</b> {escape(str(p['reasons']))}</p>"
        + (f"<p><b>S-DASH answered from the notes</b> (to confirm):</p><ul>{answers}</ul>" if answers else "")
        + (f"<p><b>Counting rules:</b> {escape(p['counting_rules_finding'])}</p>" if p["counting_rules_finding"] else "")
        + (f"<p><b>Recommended actions:</b></p><ul>{actions}</ul>" if actions else "")
        + _timeline(rows, matches, labels)
        + "</section>"
    )  # fmt: skip


def report_html(
    scored: pd.DataFrame,
    patterns: pd.DataFrame,
    suspects: pd.DataFrame,
    matches: Matches,
    manifest: dict[str, Any],
    *,
    flag_threshold: float,
    review_threshold: float,
) -> str:
    """The whole page (``matches``: at least the rows of :func:`report_pairs`'s pairs)."""
    counts = manifest["rows"]
    decided = patterns["decision"].value_counts()
    misclassified = int((patterns["flag_type"] == "possible_misclassification").sum())
    cards = {
        "rows read": counts["read"],
        "rejected": counts["rejected"],
        "incidents scored": counts["scored"],
        "patterns": len(patterns),
        "possible misclassification": misclassified,
        "to review": int(decided.get("review", 0)),
        "serial suspects": len(suspects),
        "counting-rules findings": int((patterns["counting_rules"] != "").sum()),
    }
    card_html = "".join(
        f'<div class="card"><b>{v:,}</b>{escape(k)}</div>' for k, v in cards.items()
    )
    flagged = patterns[patterns["decision"] == "flag"]
    charts = [
        _histogram(patterns["score"].to_numpy(dtype=float), flag_threshold, review_threshold),
        _bars(
            "Patterns by decision",
            {d: float(decided.get(d, 0)) for d in ("flag", "review", "clear")},
        ),
        _bars(
            "All patterns, by category recorded",
            _category_totals(patterns["recorded_categories"]),
        ),
        _bars(
            "Flagged patterns, by category recorded",
            _category_totals(flagged["recorded_categories"]),
            colour="#8a1c1c",
        ),
    ]
    by_force = _force_totals(flagged["forces"])
    if by_force:
        charts.append(_bars("Flagged patterns, by force", by_force, colour="#8a1c1c"))
    labels = {b: r.label for b, r in behaviour_records().items()}
    top = patterns[patterns["pair_id"].isin(report_pairs(patterns))]
    members = scored.reset_index().groupby("pair_id")
    sections = "".join(
        _pattern(p, scored.loc[members.get_group(p["pair_id"])["index"]].sort_values("reported_at"), matches, labels)
        for _, p in top.iterrows()
    ) or "<p>No pattern was flagged or sent to review.</p>"  # fmt: skip
    serial = (
        "<table><thead><tr><th scope=col>Suspect</th><th scope=col>Victims</th>"
        "<th scope=col>Incidents</th><th scope=col>Highest score</th><th scope=col>Flagged pairs</th>"
        "</tr></thead><tbody>"
        + "".join(
            f"<tr><td>{escape(str(s['suspect_person_id']))}</td><td>{s['victims']}</td>"
            f"<td>{s['incidents']}</td><td>{s['highest_score']:.3f}</td><td>{s['flagged_pairs']}</td></tr>"
            for _, s in suspects.head(_TOP).iterrows()
        )
        + "</tbody></table>"
        if len(suspects)
        else "<p>No suspect is linked to more than one victim.</p>"
    )
    model = manifest["model"]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>stalkflag report</title><style>{_CSS}</style></head><body><main>"
        "<h1>stalkflag: patterns that may be stalking</h1>"
        f'<p class="muted">Model {escape(str(model["uri"]))} (version {escape(str(model["version"]))}), '
        f'stalkflag {escape(manifest["stalkflag_version"])}, scored {escape(manifest["created_at"])}. '
        "A flag is a reason to look again, not evidence: an officer confirms every finding.</p>"
        f'<div class="cards">{card_html}</div>'
        f'<h2>Charts</h2><div class="charts">{"".join(charts)}</div>'
        f"<h2>Top patterns (flagged, then review; highest score first)</h2>{sections}"
        f"<h2>Suspects with more than one victim</h2>{serial}"
        "</main></body></html>"
    )  # fmt: skip


def _category_totals(column: pd.Series) -> dict[str, float]:
    totals: dict[str, float] = {}
    for value in column:
        for k, v in json.loads(value).items():
            totals[k or "(blank)"] = totals.get(k or "(blank)", 0) + v
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def _force_totals(column: pd.Series) -> dict[str, float]:
    totals: dict[str, float] = {}
    for value in column:
        for force in str(value).split(";"):
            if force:
                totals[force] = totals.get(force, 0) + 1
    return dict(sorted(totals.items(), key=lambda kv: -kv[1])[:15])
