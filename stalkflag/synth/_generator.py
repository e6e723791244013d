"""Plan patterns, render their incidents, and lay them out as an export plus its ground truth.

Planning (which scenario, how many incidents, who is victim and suspect) uses one NumPy
generator seeded by the caller. Each pattern is then rendered with its own ``random.Random``
seeded from (seed, pattern index), so output is identical for a seed however the work is split
across processes.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing as mp
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stalkflag.errors import ConfigError
from stalkflag.synth._people import People, make_people, render_identity
from stalkflag.synth._render import BEHAVIOURS, STYLES, NoteFacts, render_note
from stalkflag.synth._scenarios import SCENARIOS, Scenario, record_category

__all__ = ["SynthConfig", "generate"]

logger = logging.getLogger(__name__)

_EPOCH = dt.date(1940, 1, 1)
_FORCES = ("WYP", "GMP", "MPS", "TVP", "SYP", "WMP", "NTH", "AVS")
_RELATIONSHIP_SLIPS = {
    "ex_partner": "partner",
    "partner": "ex_partner",
    "acquaintance": "stranger",
    "colleague": "acquaintance",
    "stranger": "acquaintance",
}
_CHUNK = 2_000
_MUNDANE = {  # how a stalking incident reads when written up as a minor matter
    "ex_partner": (
        "vague_contact",
        "vague_contact",
        "child_contact_messages",
        "debt_demand",
        "verbal_abuse",
        "messages",
    ),
    "colleague": ("vague_contact", "work_grievance", "verbal_abuse", "messages"),
    "default": ("vague_contact", "vague_contact", "verbal_abuse", "messages", "online_argument"),
}
_LOOKALIKE_OVERLAP = (
    "messages",
    "calls",
    "turn_up_home",
    "watch",
    "loiter",
    "follow",
    "third_party_contact",
)
_ONLINE_OVERLAP = ("messages", "new_number", "monitor_online", "fake_profile")


@dataclass(frozen=True)
class SynthConfig:
    """What to generate.

    Attributes:
        n_incidents: Exactly how many incident rows.
        seed: The seed; the same seed gives the same files.
        styles: Writing styles to use (see :data:`stalkflag.synth.STYLES`).
        start: First possible incident date.
        end: Last possible incident date.
        incidental_detail: Share of notes (outside the ``verbose`` and ``minimal`` styles) that
            carry one to three sentences of incidental detail (attendance logistics, weather,
            the premises, checks done), drawn whatever the incident's label from a bank written
            apart from the ``verbose`` style's (:mod:`stalkflag.synth._incidental_phrases`).
            Real notes carry such detail in every style; 0 gives the notes generated before
            this option existed (same seed, same files).
    """

    n_incidents: int
    seed: int = 0
    styles: tuple[str, ...] = STYLES
    start: dt.date = dt.date(2019, 1, 1)
    end: dt.date = dt.date(2025, 12, 31)
    incidental_detail: float = 0.3

    def __post_init__(self) -> None:
        unknown = [s for s in self.styles if s not in STYLES]
        if unknown or not self.styles:
            raise ConfigError(
                f"unknown style(s): {', '.join(unknown) or '(none given)'}; known: {', '.join(STYLES)}.",
                code="C010",
            )
        if self.n_incidents < 1:
            raise ConfigError("n_incidents must be at least 1.", code="C011")
        if not 0.0 <= self.incidental_detail <= 1.0:
            raise ConfigError("incidental_detail must be between 0 and 1.", code="C011")
        if (self.end - self.start).days < 600:
            raise ConfigError("the date range must span at least 600 days.", code="C012")


@dataclass
class _Plan:
    scenario: np.ndarray
    size: np.ndarray
    victim: np.ndarray
    suspect: np.ndarray
    force: np.ndarray
    people: People
    style_weights: np.ndarray  # force x style
    config: SynthConfig


def _plan(config: SynthConfig) -> _Plan:
    rng = np.random.default_rng(config.seed)
    weights = np.array([s.weight for s in SCENARIOS])
    mean_size = 3.0
    n_guess = int(config.n_incidents / mean_size * 1.3) + 10
    scenario = rng.choice(len(SCENARIOS), size=n_guess, p=weights / weights.sum())
    size = np.empty(n_guess, dtype=np.int64)
    for j, s in enumerate(SCENARIOS):
        idx = np.flatnonzero(scenario == j)
        p_short, short_max, long_mean, long_max = s.sizes
        short = rng.random(len(idx)) < p_short
        small = rng.integers(1, short_max + 1, size=len(idx))
        large = np.minimum(
            3 + rng.geometric(1.0 / max(long_mean - 2.0, 1.0), size=len(idx)) - 1, long_max
        )
        size[idx] = np.where(short, small, large)
    cum = np.cumsum(size)
    n_patterns = int(np.searchsorted(cum, config.n_incidents) + 1)
    if n_patterns > n_guess:  # pragma: no cover - the guess is generous
        raise RuntimeError("pattern plan too small")
    scenario, size = scenario[:n_patterns], size[:n_patterns].copy()
    size[-1] -= int(cum[n_patterns - 1] - config.n_incidents)

    victim = np.arange(n_patterns)
    suspect = np.arange(n_patterns) + n_patterns
    stalking = np.array([SCENARIOS[s].stalking for s in scenario])
    reuse_v = rng.random(n_patterns) < 0.07
    reuse_s = stalking & (rng.random(n_patterns) < 0.08)
    earlier = (rng.random(n_patterns) * np.arange(n_patterns)).astype(np.int64)
    victim[reuse_v & (np.arange(n_patterns) > 0)] = victim[earlier][
        reuse_v & (np.arange(n_patterns) > 0)
    ]
    stalk_idx = np.flatnonzero(stalking)
    for i in np.flatnonzero(reuse_s):
        prior = stalk_idx[stalk_idx < i]
        if len(prior):
            suspect[i] = suspect[prior[rng.integers(len(prior))]]

    n_people = 2 * n_patterns
    female = np.zeros(n_people, dtype=bool)
    p_vf = np.array([SCENARIOS[s].victim_female for s in scenario])
    p_sf = np.array([SCENARIOS[s].suspect_female for s in scenario])
    female[:n_patterns] = rng.random(n_patterns) < p_vf
    female[n_patterns:] = rng.random(n_patterns) < p_sf
    # An ex-partner or partner suspect is mostly of the other sex to the victim.
    intimate = np.isin(
        [
            SCENARIOS[s].relationships.get("ex_partner", 0)
            + SCENARIOS[s].relationships.get("partner", 0)
            for s in scenario
        ],
        [1.0],
    )
    opposite = intimate & (rng.random(n_patterns) < 0.93)
    female[n_patterns:][opposite] = ~female[:n_patterns][opposite]
    age = np.clip(rng.normal(36, 12, size=n_people), 16, 85)
    people = make_people(female, age, rng)
    home_force = rng.choice(len(_FORCES), size=n_people)  # people live in one force area
    force = home_force[victim]
    style_weights = rng.dirichlet(np.ones(len(STYLES)) * 2.0, size=len(_FORCES))
    return _Plan(scenario, size, victim, suspect, force, people, style_weights, config)


_STATE: dict[str, _Plan] = {}


def _render_chunk(bounds: tuple[int, int]) -> dict[str, list]:
    plan = _STATE["plan"]
    out: dict[str, list] = {k: [] for k in _COLUMNS}
    for i in range(*bounds):
        _render_pattern(plan, i, out)
    return out


_COLUMNS = (
    "reported_at",
    "recorded_category",
    "notes",
    "victim_id",
    "suspect_id",
    "victim_name",
    "suspect_name",
    "victim_dob",
    "suspect_dob",
    "relationship",
    "force",
    "label",
    "pattern_id",
    "scenario",
    "victim_key",
    "suspect_key",
    "style",
    "behaviours",
    "online_only",
    "incident_index",
    "pattern_size",
    "suspect_in_fields",
    "suspect_in_notes",
    "true_relationship",
)


def _render_pattern(plan: _Plan, i: int, out: dict[str, list]) -> None:
    cfg = plan.config
    rng = random.Random(cfg.seed * 1_000_003 + i)
    sc: Scenario = SCENARIOS[plan.scenario[i]]
    n = int(plan.size[i])
    relationship = rng.choices(list(sc.relationships), weights=list(sc.relationships.values()))[0]
    pool = {
        b: w
        for b, w in sc.behaviours.items()
        if not sc.online_only or BEHAVIOURS[b]["channel"] != "offline"
    }
    repertoire = _sample_without_replacement(pool, rng.randint(2, min(6, len(pool))), rng)
    days = _incident_days(sc, n, cfg, rng)
    vi, si = int(plan.victim[i]), int(plan.suspect[i])
    people = plan.people
    unknown_suspect = rng.random() < sc.unknown_suspect
    force = _FORCES[plan.force[i]]
    allowed = [STYLES.index(s) for s in cfg.styles]
    style_w = [plan.style_weights[plan.force[i]][j] for j in allowed]
    online_only = all(BEHAVIOURS[b]["channel"] != "offline" for b in repertoire)
    for k, day in enumerate(days):
        behaviours = _sample_without_replacement(
            {b: pool[b] for b in repertoire},
            rng.choices((1, 2, 3), weights=(0.5, 0.35, 0.15))[0],
            rng,
        )
        mundane = sc.stalking and rng.random() < (0.4 if k < 3 else 0.25)
        if mundane:  # written up as a minor matter: one vague or pretext act, nothing more
            behaviours = [rng.choice(_MUNDANE.get(relationship, _MUNDANE["default"]))]
        elif not sc.stalking and rng.random() < 0.2:
            extra = rng.choice(_LOOKALIKE_OVERLAP if not sc.online_only else _ONLINE_OVERLAP)
            if extra not in behaviours:
                behaviours.append(extra)
        if sc.stalking and not mundane and k >= 2 and k >= n // 2 and rng.random() < 0.3:
            extra = rng.choice(("threats", "breach_warning"))
            if extra not in behaviours:
                behaviours.append(extra)
        date = _EPOCH + dt.timedelta(days=day)
        year = date.year + date.timetuple().tm_yday / 366
        category = record_category(sc, k, behaviours, relationship, year, rng)
        events = [("did", b) for b in behaviours]
        if rng.random() < sc.denial:
            denied = list(sc.extra_denials) or repertoire
            events.append(("denied", rng.choice(denied)))
        if rng.random() < 0.08:
            events.append(("worry", rng.choice(list(sc.extra_denials) or repertoire)))
        if rng.random() < 0.08:
            events.append(("hypo", rng.choice(behaviours)))
        suspect_fields = not unknown_suspect and rng.random() > 0.12
        mention = "normal"
        if unknown_suspect:
            mention = "described" if (k > 0 and rng.random() < 0.5) else "unnamed"
        elif not suspect_fields:
            mention = "named" if (k == 0 or rng.random() < 0.6) else "described"
        style = STYLES[rng.choices(allowed, weights=style_w)[0]]
        impact_w = dict(sc.impact)
        if sc.stalking and k >= 2:
            impact_w["very_frightened"] = impact_w.get("very_frightened", 0) * 1.8
        facts = NoteFacts(
            style=style,
            victim_female=bool(people.female[vi]),
            suspect_female=bool(people.female[si]),
            victim_first=people.first[vi],
            victim_last=people.last[vi],
            suspect_first=people.first[si],
            suspect_last=people.last[si],
            relationship=relationship,
            context=sc.context if not mundane and rng.random() < (0.7 if k == 0 else 0.2) else None,
            events=events,
            impact=rng.choices(list(impact_w), weights=list(impact_w.values()))[0]
            if rng.random() < 0.75
            else None,
            actions=_actions(sc, relationship, category, rng),
            suspect_mention=mention,
            victim_did=rng.random() < sc.victim_did,
            third_party=rng.random() < 0.04,
            says_stalking=rng.random()
            < (sc.says_stalking + (0.3 if category == "stalking" else 0.0)),
            repeat=k,
            incidental=cfg.incidental_detail,
        )
        note = render_note(facts, rng)
        v_id, v_name, v_dob = render_identity(people, vi, day, "victim", rng)
        if suspect_fields:
            s_id, s_name, s_dob = render_identity(people, si, day, "suspect", rng)
        else:
            s_id = s_name = s_dob = ""
        out["reported_at"].append(_timestamp(date, rng))
        out["recorded_category"].append(category)
        out["notes"].append(note)
        out["victim_id"].append(v_id)
        out["suspect_id"].append(s_id)
        out["victim_name"].append(v_name)
        out["suspect_name"].append(s_name)
        out["victim_dob"].append(v_dob)
        out["suspect_dob"].append(s_dob)
        out["relationship"].append(_recorded_relationship(relationship, rng))
        out["force"].append(force if rng.random() > 0.03 else rng.choice(_FORCES))
        out["label"].append(int(sc.stalking))
        out["pattern_id"].append(f"PAT{i:07d}")
        out["scenario"].append(sc.name)
        out["victim_key"].append(people.key(vi))
        out["suspect_key"].append(people.key(si))
        out["style"].append(style)
        out["behaviours"].append("|".join(behaviours))
        out["online_only"].append(online_only)
        out["incident_index"].append(k)
        out["pattern_size"].append(n)
        out["suspect_in_fields"].append(suspect_fields)
        out["suspect_in_notes"].append(mention if mention in ("named", "described") else "")
        out["true_relationship"].append(relationship)


def _sample_without_replacement(weights: dict[str, float], k: int, rng: random.Random) -> list[str]:
    items, w = list(weights), list(weights.values())
    chosen: list[str] = []
    for _ in range(min(k, len(items))):
        j = rng.choices(range(len(items)), weights=w)[0]
        chosen.append(items.pop(j))
        w.pop(j)
    return chosen


def _incident_days(sc: Scenario, n: int, cfg: SynthConfig, rng: random.Random) -> list[int]:
    """Days (since 1940-01-01) of the pattern's incidents, sorted; escalating patterns speed up."""
    short_max, long_min, long_max = sc.span_days
    if n == 1:
        span = 0
    elif n <= 3 and rng.random() < 0.6:
        span = rng.randint(1, max(short_max, 2))
    else:
        span = rng.randint(long_min, long_max)
    first = (cfg.start - _EPOCH).days
    last = (cfg.end - _EPOCH).days - span
    start = rng.randint(first, max(first, last))
    if n == 1:
        return [start]
    if sc.escalates:
        r = rng.uniform(0.7, 0.95)
        gaps = [r**j * rng.uniform(0.5, 1.5) for j in range(n - 1)]
    else:
        gaps = [rng.expovariate(1.0) for _ in range(n - 1)]
    total = sum(gaps)
    days, t = [start], 0.0
    for g in gaps:
        t += g / total * span
        days.append(start + round(t))
    return days


def _timestamp(date: dt.date, rng: random.Random) -> str:
    hour = rng.choices(
        range(24), weights=[2, 2, 1, 1, 1, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 6, 6, 7, 8, 8, 7, 6, 4, 3]
    )[0]
    if rng.random() < 0.1:
        return f"{date:%Y-%m-%d}"
    return f"{date:%Y-%m-%d}T{hour:02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"


def _recorded_relationship(true: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.08:
        return ""
    if r < 0.13:
        return "unknown"
    if r < 0.17 and true in _RELATIONSHIP_SLIPS:
        return _RELATIONSHIP_SLIPS[true]
    return true


def _actions(sc: Scenario, relationship: str, category: str, rng: random.Random) -> list[str]:
    acts = [rng.choices(("advice", "nfa", "warning", "arrest"), weights=(5, 3, 2, 0.8))[0]]
    if relationship in {"ex_partner", "partner", "family"} and rng.random() < 0.5:
        acts.append("dash")
    if category == "stalking" and rng.random() < 0.4:
        acts.append("referral")
    return acts


def _chunks(n: int) -> Iterator[tuple[int, int]]:
    for lo in range(0, n, _CHUNK):
        yield lo, min(lo + _CHUNK, n)


def generate(
    config: SynthConfig,
    *,
    workers: int = 1,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate an incident export and its ground truth.

    Args:
        config: What to generate.
        workers: Processes to render with; the output does not depend on it.
        on_progress: Called with the number of incidents rendered so far.

    Returns:
        ``(export, truth)``: the export follows the contract (with ``label``); the truth has one
        row per incident with its pattern, scenario, true person keys, style and behaviours.
    """
    plan = _plan(config)
    _STATE["plan"] = plan
    n_patterns = len(plan.size)
    parts: list[dict[str, list]] = []
    done = 0
    try:
        if workers > 1:
            with mp.get_context("fork").Pool(workers) as pool:
                for part in pool.imap(_render_chunk, _chunks(n_patterns)):
                    parts.append(part)
                    done += len(part["notes"])
                    if on_progress:
                        on_progress(done)
        else:
            for bounds in _chunks(n_patterns):
                parts.append(_render_chunk(bounds))
                done += len(parts[-1]["notes"])
                if on_progress:
                    on_progress(done)
    finally:
        _STATE.clear()
    frame = pd.DataFrame({k: [v for p in parts for v in p[k]] for k in _COLUMNS})
    frame["_sort"] = frame["reported_at"].str.pad(19, side="right", fillchar="0")
    frame = frame.sort_values(["_sort", "pattern_id", "incident_index"], kind="stable").reset_index(
        drop=True
    )
    year = frame["_sort"].str[:4]
    seq = frame.groupby([frame["force"], year]).cumcount() + 1
    frame.insert(0, "incident_id", frame["force"] + "-" + year + "-" + seq.map("{:07d}".format))
    export_cols = ["incident_id", *_COLUMNS[:12]]
    truth_cols = ["incident_id", *_COLUMNS[12:], "recorded_category", "label"]
    return frame[export_cols].copy(), frame[truth_cols].copy()
