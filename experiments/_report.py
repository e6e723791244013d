"""Shared by the experiment scripts: print a Markdown report and, if asked, write it."""

from __future__ import annotations

from pathlib import Path


def emit(lines: list[str], out: Path | None) -> None:
    """Join ``lines`` into one Markdown report, print it, and write it to ``out`` if given."""
    text = "\n".join(lines).rstrip("\n") + "\n"
    if out:
        out.write_text(text)
    print(text)
