"""Benchmark: single-incident ``POST /v1/score`` requests, each read with its stored history.

Question (issue 24): on this 2-core machine, how long does the API take to score one incident
with the stored history of its victim and suspect, as a call handler would ask while the victim
is on the line?

Decision rule, fixed before the figures: p95 latency of 1,000 single-incident requests at most
50 ms, with scores, decisions, links, reasons and evidence exactly those of ``stalkflag score``
on the same incidents (``tests/test_api_scoring.py``).

Run (from the project root)::

    .venv/bin/python experiments/bench_api.py [--model URI|FOLDER --tracking-uri URI]
        [--n-incidents 5060] [--requests 1000] [--stages 60] [--keep DIR] [--json out.json]
        [--compare before.json] [--write-md experiments/bench_api.md]

Without ``--model`` a small model is trained first (3,000 synthetic incidents, as the tests'
``trained`` fixture; a few minutes) into ``--tracking-uri`` (default a store in the work
folder). A synthetic export is generated (``--n-incidents``, seed ``--seed``) and put in time
order; the real service (``stalkflag serve``: uvicorn, SQLite store) starts on a local port;
all but the last ``--requests`` + ``--stages`` incidents are sent through the API in batches,
to be stored as history (4,000 by default); then the next ``--requests`` incidents are sent
one per request, one after another in time order, and timed from the client (``httpx``, one keep-alive connection). Before them, one
request with ``store`` false loads the model and warms the service (not timed). The server
process's CPU seconds are read from ``/proc`` around the timed requests, which the other
sessions' load on the machine does not inflate as it inflates wall time.

``--stages N`` then profiles the last N incidents' requests in this process (FastAPI's
``TestClient`` over the same app and store, the stored history sent through it again first, as
the server had it, then ``cProfile`` in the route's threads) and prints where a request's time
goes, by stage.
Only public names are used (``stalkflag.api``, ``stalkflag.review``, ``stalkflag.service``,
``stalkflag.synth``).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

GOAL_P95_MS = 50.0
NOTES = "<!-- notes: kept when this script writes the report again -->"
PROJECT = Path(__file__).resolve().parents[1]
TRAIN_OVERRIDES = [
    "data.synthetic.n_incidents=3000",
    "data.synthetic.n_unseen=800",
    "decision.precision_z=0",
]
STAGES = {
    # stage: (file fragment, function) whose cumulative time is the stage's
    "request (whole route)": ("stalkflag/service/_app.py", "score"),
    "validate the request rows": ("stalkflag/validate.py", "validate_frame"),
    "look up and read stored history": ("stalkflag/service/_scoring.py", "_history"),
    "link (Splink model, suspects in notes)": ("stalkflag/linkage/_link.py", "link_incidents"),
    "read notes (spaCy reader, masking)": ("stalkflag/text/_reading.py", "read_for_model"),
    "features (text model, pair history)": ("stalkflag/model/_chain.py", "features"),
    "classifier (calibrated probability)": ("stalkflag/model/_chain.py", "predict_proba"),
    "explain (occlusion, reasons, evidence)": ("stalkflag/model/_chain.py", "contributions"),
    "store the new incident": ("stalkflag/service/_scoring.py", "_store"),
    "audit line": ("stalkflag/review/_auth.py", "audit"),
}


def _model(args, work: Path) -> tuple[str, str]:
    """The model URI and tracking URI to serve: as given, or a small model trained now."""
    tracking = args.tracking_uri or f"sqlite:///{work / 'mlflow.db'}"
    if args.model:
        return args.model, tracking
    from stalkflag import api

    started = time.perf_counter()
    result = api.train(PROJECT / "pipelines" / "train.yaml", TRAIN_OVERRIDES, tracking_uri=tracking)
    assert result.logged is not None
    print(f"trained {result.logged['model_uri']} in {time.perf_counter() - started:.0f} s")
    return str(result.logged["model_uri"]), tracking


def _export(n: int, seed: int) -> pd.DataFrame:
    """A synthetic export in time order, cells as text (missing as None), as a client sends."""
    from stalkflag.synth import SynthConfig, generate

    export, _ = generate(SynthConfig(n_incidents=n, seed=seed))
    export = export.drop(columns=["label"]).sort_values(["reported_at", "incident_id"])
    text = export.astype(object).where(export.notna(), None).reset_index(drop=True)
    text = text.map(lambda v: None if v is None or str(v).strip() == "" else str(v))
    text["notes"] = text["notes"].where(text["notes"].notna(), "")  # required, may be empty
    return text


def _token(db: str) -> str:
    from stalkflag.review import Store, add_user, create_token

    store = Store(db)
    with store.session() as session:
        add_user(session, "bench", secrets.token_urlsafe(16), "analyst")
        token, _ = create_token(session, "bench", "bench_api")
    store.dispose()
    return token


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _serve(db: str, model: str, tracking: str, port: int, log: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "stalkflag",
        "serve",
        "--db",
        db,
        "--model",
        model,
        "--tracking-uri",
        tracking,
        "--port",
        str(port),
    ]
    server = subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT)
    import httpx

    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            sys.exit(f"the server stopped:\n{log.read_text()[-2000:]}")
        time.sleep(0.2)
    server.terminate()
    sys.exit("the server did not answer within two minutes")


def _post(client, rows: list[dict], store: bool = True) -> dict:
    answer = client.post("/v1/score", json={"incidents": rows, "store": store})
    if answer.status_code != 200:
        sys.exit(f"POST /v1/score answered {answer.status_code}: {answer.text[:500]}")
    return answer.json()


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: v for k, v in r.items() if v is not None} for r in frame.to_dict("records")]


def measure(args, work: Path) -> dict:
    import httpx

    model, tracking = _model(args, work)
    export = _export(args.n_incidents, args.seed)
    cut = len(export) - args.requests - args.stages
    if cut < 1:
        sys.exit("--n-incidents must exceed --requests and --stages")
    history, asked = export.iloc[:cut], export.iloc[cut : cut + args.requests]
    db = f"sqlite:///{work / 'review.db'}"
    token = _token(db)
    port = _free_port()
    server = _serve(db, model, tracking, port, work / "server.log")
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=300) as c:
            started = time.perf_counter()
            _post(c, _records(asked.head(1)), store=False)  # loads the model (not timed)
            print(f"first request (model load): {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            for lo in range(0, len(history), args.batch):
                _post(c, _records(history.iloc[lo : lo + args.batch]))
            print(
                f"stored {len(history):,} incidents as history in batches of {args.batch}: "
                f"{time.perf_counter() - started:.0f} s"
            )
            latency, read, sizes, decisions = [], [], [], []
            cpu_before, wall_before = _cpu_seconds(server.pid), time.perf_counter()
            for row in _records(asked):
                t = time.perf_counter()
                result = _post(c, [row])["results"][0]
                latency.append((time.perf_counter() - t) * 1000)
                read.append(result.get("history_read") or 0)
                sizes.append(result.get("pattern_incidents") or 0)
                decisions.append(result.get("decision") or result["status"])
            cpu = _cpu_seconds(server.pid) - cpu_before
            wall = time.perf_counter() - wall_before
    finally:
        server.terminate()
        server.wait(timeout=30)
    lat = np.asarray(latency)
    return {
        "requests": len(lat),
        "history_incidents": len(history),
        "export_incidents": len(export),
        "latency_ms": {f"p{q}": float(np.percentile(lat, q)) for q in (50, 90, 95, 99)}
        | {"max": float(lat.max()), "mean": float(lat.mean())},
        "server_cpu_ms_per_request": 1000 * cpu / len(lat),
        "wall_s": wall,
        "history_read": {
            "median": float(np.median(read)),
            "p95": float(np.percentile(read, 95)),
            "max": int(max(read)),
            "none": int(sum(r == 0 for r in read)),
        },
        "pattern_incidents": {"median": float(np.median(sizes)), "max": int(max(sizes))},
        "decisions": pd.Series(decisions).value_counts().to_dict(),
        "load_average": os.getloadavg(),
        "model": model,
        "db": db,
        "tracking_uri": tracking,
        "remaining": _records(export.iloc[cut + args.requests :]),
        "stored": _records(history),
    }


def stages(run: dict, n: int) -> dict[str, float]:
    """Profile ``n`` more single-incident requests in this process; ms per request by stage."""
    from fastapi.testclient import TestClient

    from stalkflag.service import create_app

    rows = run["remaining"][: n + 1]
    if len(rows) < 2:
        return {}
    app = create_app(run["db"], model=run["model"], tracking_uri=run["tracking_uri"])
    token = _token_for_profile(run["db"])
    # The route runs in the server's worker threads: each thread started from here on gets
    # its own profiler, enabled by its first profiling event.
    profiles: list[cProfile.Profile] = []

    def start(frame, event, arg) -> None:
        profile = cProfile.Profile()
        profiles.append(profile)
        profile.enable()

    threading.setprofile(start)
    try:
        with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
            _post(client, rows[:1], store=False)  # loads the model (not profiled)
            # As the server was: the history sent through the API, so this process has read it.
            for lo in range(0, len(run["stored"]), 250):
                _post(client, run["stored"][lo : lo + 250])
            for profile in profiles:
                profile.clear()
            for row in rows[1:]:
                _post(client, [row])
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]
    table: dict = {}  # (file, line, function) -> (calls, calls, own s, cumulative s, callers)
    for profile in profiles:
        profile.create_stats()
        for key, value in profile.stats.items():
            was = table.get(key, (0, 0, 0.0, 0.0))
            table[key] = tuple(a + b for a, b in zip(was[:4], value[:4], strict=True))
    out = {}
    for stage, (path, name) in STAGES.items():
        found = [v[3] for (f, _, fn), v in table.items() if fn == name and f.endswith(path)]
        out[stage] = 1000 * sum(found) / (len(rows) - 1)
    return out


def _token_for_profile(db: str) -> str:
    from stalkflag.review import Store, create_token

    store = Store(db)
    with store.session() as session:
        token, _ = create_token(session, "bench", "bench_api_profile")
    store.dispose()
    return token


def _table(run: dict, before: dict | None) -> str:
    lat = run["latency_ms"]
    head = (
        "| | "
        + ("before | " if before else "")
        + "now |\n|---|"
        + ("---:|" if before else "")
        + "---:|\n"
    )
    lines = []
    for key in ("p50", "p90", "p95", "p99", "max", "mean"):
        was = f"{before['latency_ms'][key]:,.0f} | " if before else ""
        lines.append(f"| {key} latency (ms) | {was}{lat[key]:,.1f} |")
    was = f"{before['server_cpu_ms_per_request']:,.0f} | " if before else ""
    lines.append(f"| server CPU per request (ms) | {was}{run['server_cpu_ms_per_request']:,.1f} |")
    return head + "\n".join(lines)


def _stage_table(now: dict[str, float], before: dict[str, float] | None) -> str:
    head = (
        "| stage | "
        + ("before ms | " if before else "")
        + "now ms |\n|---|"
        + ("---:|" if before else "")
        + "---:|\n"
    )
    rows = []
    for stage, ms in now.items():
        was = f"{before.get(stage, float('nan')):,.1f} | " if before else ""
        rows.append(f"| {stage} | {was}{ms:,.1f} |")
    return head + "\n".join(rows)


def report(run: dict, before: dict | None, command: str) -> str:
    lat, read = run["latency_ms"], run["history_read"]
    met = lat["p95"] <= GOAL_P95_MS
    parts = [
        "# Benchmark: one incident scored with its stored history (`POST /v1/score`, issue 24)\n",
        "**Question.** On this 2-core machine, how long does the API take to score one incident "
        "with the stored history of its victim and suspect, while the victim is on the line?\n",
        f"**Decision rule, fixed before the figures.** p95 of {run['requests']:,} single-incident "
        f"requests at most {GOAL_P95_MS:.0f} ms, with every result exactly what `stalkflag "
        "score` gives on the same incidents (`tests/test_api_scoring.py`).\n",
        f"**Result.** p95 **{lat['p95']:.1f} ms**: the goal is **{'met' if met else 'not met'}**.\n",
        f"**How.** `{command}`. {run['export_incidents']:,} synthetic incidents in time order; "
        f"the first {run['history_incidents']:,} sent through the API in batches and stored as "
        f"history; then {run['requests']:,} single-incident requests one after another "
        "(`stalkflag serve`: uvicorn and a SQLite store on a local port, `httpx` with one "
        "keep-alive connection; latency measured at the client). Stored incidents read per "
        f"request: median {read['median']:.0f}, p95 {read['p95']:.0f}, at most {read['max']} "
        f"({read['none']} requests read none); patterns reached "
        f"{run['pattern_incidents']['max']} incidents. Load average during the run "
        f"{', '.join(f'{x:.1f}' for x in run['load_average'])} (other sessions share the 2 cores).\n",
        _table(run, before) + "\n",
    ]
    if run.get("stages"):
        parts.append(
            "**Where a request's time goes** (cProfile over requests in one process through "
            "FastAPI's `TestClient`; profiling slows Python code, so read shares, not "
            "milliseconds; a stage's time includes the stages it calls):\n"
        )
        parts.append(_stage_table(run["stages"], before.get("stages") if before else None) + "\n")
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", default=None, help="An MLflow URI or folder (default: train one)."
    )
    parser.add_argument("--tracking-uri", default=None)
    parser.add_argument("--n-incidents", type=int, default=5060)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=250, help="Incidents per preload request.")
    parser.add_argument("--stages", type=int, default=60, help="Requests to profile (0: none).")
    parser.add_argument("--keep", type=Path, default=None, help="Keep the work files here.")
    parser.add_argument("--json", type=Path, default=None, help="Write the figures as JSON.")
    parser.add_argument("--compare", type=Path, default=None, help="Figures of an earlier run.")
    parser.add_argument("--write-md", type=Path, default=None, help="Write the report here.")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-api-"))
    work.mkdir(parents=True, exist_ok=True)
    run = measure(args, work)
    if args.stages:
        run["stages"] = stages(run, args.stages)
    run.pop("remaining")
    run.pop("stored")
    before = json.loads(args.compare.read_text()) if args.compare else None
    command = "python experiments/bench_api.py " + " ".join(sys.argv[1:])
    text = report(run, before, command)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(run, indent=2, default=str))
    if args.write_md:
        # Notes written by hand below the marker (what changed, what comes next) are kept.
        kept = ""
        if args.write_md.exists() and NOTES in args.write_md.read_text():
            kept = args.write_md.read_text().split(NOTES, 1)[1]
        args.write_md.write_text(text + "\n" + NOTES + kept)


if __name__ == "__main__":
    main()
