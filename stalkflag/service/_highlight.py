"""A note cut into plain and highlighted pieces by the reader's matches (escaped by the
template, so a note holding HTML shows as text)."""

from __future__ import annotations

import itertools
from typing import Any

__all__ = ["segments"]

FOUR = {"F": "fixated", "O": "obsessive", "U": "unwanted", "R": "repeated"}


def segments(text: str, matches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``[{"text", "matches"}]`` covering ``text`` in order; a piece inside one or more
    matches lists them (overlapping matches split the text at every boundary)."""
    spans = [m for m in matches if 0 <= m.get("start", -1) < m.get("end", -1) <= len(text)]
    cuts = sorted({0, len(text), *(m["start"] for m in spans), *(m["end"] for m in spans)})
    out: list[dict[str, Any]] = []
    for start, end in itertools.pairwise(cuts):
        inside = [m for m in spans if m["start"] <= start and end <= m["end"]]
        piece = {
            "text": text[start:end],
            "matches": [m | {"four_name": FOUR.get(m.get("four", ""), "")} for m in inside],
        }
        if out and not out[-1]["matches"] and not inside:
            out[-1]["text"] += piece["text"]
        else:
            out.append(piece)
    return out
