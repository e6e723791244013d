"""Seconds per stage of a long run, for its logs, MLflow and manifests."""

from __future__ import annotations

import time

__all__ = ["Stopwatch"]


class Stopwatch:
    """Times consecutive stages: ``done(name)`` records the seconds since the last call (or
    since the stopwatch started) under ``name`` in :attr:`timings`."""

    def __init__(self, timings: dict[str, float] | None = None) -> None:
        self.timings: dict[str, float] = dict(timings or {})
        self._clock = time.perf_counter()

    def done(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self._clock, 2)
        self._clock = now
