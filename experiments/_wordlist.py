"""Write a generated word list: a commented header, then one word a line (standard library only,
so the generators can run in a separate venv that has ``wordfreq`` but not stalkflag)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def write_word_list(out: Path, header: Iterable[str], words: Iterable[str]) -> None:
    """Write ``# line`` for each header line, then the words, and say how many were written."""
    words = list(words)
    text = "".join(f"# {line}\n" for line in header) + "".join(f"{w}\n" for w in words)
    out.write_text(text, encoding="utf-8")
    print(f"{len(words)} words -> {out}")
