"""How well does the behaviour reader read real notes, per behaviour, and how fast?

Question: on real notes no one here wrote (``../shared/realcases`` and ``../shared/realworld``,
annotated by incident id in ``experiments/annotations/behaviours.csv``), what are the reader's
recall and precision per behaviour, beside the rules it replaces; and how many notes a second
does it read beside a blank spaCy tokeniser in the same run?

Decision rule (written before the figures): the reader replaces the old rules if its recall,
pooled over acts, is higher at a pooled precision no lower than the old rules' less 0.05;
behaviours under 0.5 recall or precision are listed as the next work. Throughput goal: 10,000
notes a second (issue 22).

    .venv/bin/python experiments/behaviour_reader.py --json experiments/out/reader_new.json
    # the rules it replaces, from a checkout of commit 8048740 (old ids mapped by OLD_IDS):
    PYTHONPATH=/path/to/old/checkout .venv/bin/python experiments/behaviour_reader.py \
        --json experiments/out/reader_old.json
    .venv/bin/python experiments/behaviour_reader.py --compare experiments/out/reader_old.json \
        experiments/out/reader_new.json --markdown experiments/behaviour_reader.md

It uses only public names (``stalkflag.text.make_text_pipeline`` and ``BehaviourMatch``), and
writes only ids, behaviour ids and figures: never a note's text.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
ANNOTATIONS = Path(__file__).resolve().parent / "annotations" / "behaviours.csv"

OLD_IDS = {
    "following": "following",
    "contact_calls": "calls",
    "contact_messages": "messages",
    "contact_after_block": "contact_after_block",
    "attending_home": "visiting_home",
    "attending_work": "visiting_work",
    "loitering": "loitering",
    "watching": "watching",
    "monitoring_online": "monitoring",
    "tracking_device": "tracking",
    "account_access": "account_access",
    "fake_profile": "impersonation",
    "publishing": "publishing",
    "third_party_contact": "third_party_contact",
    "unwanted_gifts": "unwanted_items",
    "property_damage": "property_damage",
    "threats": "threats",
    "breach_of_order": "breach",
    "ordering_in_name": "ordering_in_name",
    "fear_impact": "fear_impact",
    "separation": "separation",
    "issue_dispute": "issue_dispute",
    "mutual_conflict": "mutual_conflict",
    "child_contact": "child_contact",
    "current_relationship": "current_relationship",
    "group_youths": "group_youths",
}
"""The old rules' ids (``stalkflag.<name>.vN``) by the annotation id they stand for."""

ACTS = [
    "following",
    "visiting_home",
    "visiting_work",
    "appearing",
    "loitering",
    "watching",
    "unwanted_items",
    "property_damage",
    "calls",
    "messages",
    "contact_after_block",
    "monitoring",
    "tracking",
    "account_access",
    "impersonation",
    "publishing",
    "ordering_in_name",
    "third_party_contact",
    "recruiting_others",
    "threats",
    "violence",
    "breach",
]


def annotated_notes() -> tuple[dict[str, str], dict[str, set[str]]]:
    """Note text by annotated incident id (read from ``../shared``), and the gold behaviours."""
    gold: dict[str, set[str]] = {}
    with ANNOTATIONS.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            gold[row["incident_id"]] = set(row["behaviours"].split())
    notes: dict[str, str] = {}
    with (SHARED / "realcases" / "cases.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            case = json.loads(line)
            for k, incident in enumerate(case["incidents"], start=1):
                notes[f"{case['case_id']}-{k:02d}"] = incident["text"]
    path = SHARED / "realworld" / "cornell_cupd_crimelogs_2017.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for i, row in enumerate(csv.DictReader(handle)):
            key = f"cornell:{row['Report_Number']}" if row["Report_Number"] else f"cornell:row{i}"
            notes[key] = row["Narrative"]
    for row in json.loads(
        (SHARED / "realworld" / "sacpd_daily_activity_incidents.json").read_text()
    ):
        notes[f"sacpd:{row['id']}"] = row.get("text") or ""
    missing = sorted(set(gold) - set(notes))
    if missing:
        raise SystemExit(f"{len(missing)} annotated ids have no note, e.g. {missing[:3]}")
    return {k: notes[k] for k in gold}, gold


def _name(behaviour: str) -> str | None:
    """An annotation id for a reader's behaviour id (old ids ``stalkflag.x.vN`` mapped)."""
    if behaviour.startswith("stalkflag."):
        return OLD_IDS.get(behaviour.split(".")[1])
    return behaviour


def read(notes: dict[str, str]) -> tuple[dict[str, set[str]], dict[str, float]]:
    """Behaviours that count per note, and throughput beside a blank tokeniser."""
    import spacy

    from stalkflag.text import make_text_pipeline

    nlp = make_text_pipeline()
    texts = list(notes.values())
    found = {}
    for key, doc in zip(notes, nlp.pipe(texts, batch_size=512), strict=True):
        found[key] = {_name(m.behaviour) for m in doc._.behaviours if m.counts} - {None}
    bench = (texts * (20_000 // len(texts) + 1))[:20_000]
    blank = spacy.blank("en")
    speed = {}
    for label, pipeline in (("blank tokeniser", blank), ("reader", nlp)):
        list(pipeline.pipe(bench[:2000], batch_size=1000))  # warm
        start = time.perf_counter()
        for _ in pipeline.pipe(bench, batch_size=1000):
            pass
        speed[label] = len(bench) / (time.perf_counter() - start)
    return found, speed


def figures(found: dict[str, set[str]], gold: dict[str, set[str]]) -> dict[str, dict]:
    behaviours = sorted({b for g in gold.values() for b in g})
    out = {}
    for behaviour in behaviours:
        tp = sum(behaviour in found[k] and behaviour in gold[k] for k in gold)
        fp = sum(behaviour in found[k] and behaviour not in gold[k] for k in gold)
        fn = sum(behaviour not in found[k] and behaviour in gold[k] for k in gold)
        out[behaviour] = {"tp": tp, "fp": fp, "fn": fn}
    for name, members in (("acts (pooled)", ACTS), ("context (pooled)", None)):
        chosen = [b for b in behaviours if (b in ACTS) == (members is not None)]
        out[name] = {k: sum(out[b][k] for b in chosen) for k in ("tp", "fp", "fn")}
    return out


def _rates(c: dict) -> tuple[float, float]:
    recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else float("nan")
    precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else float("nan")
    return recall, precision


def compare(old: dict, new: dict) -> str:
    lines = [
        "| behaviour | in notes | old rules: recall | precision | reader: recall | precision |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for behaviour, c in new["figures"].items():
        o = old["figures"].get(behaviour, {"tp": 0, "fp": 0, "fn": c["tp"] + c["fn"]})
        orr, op = _rates(o)
        nr, np_ = _rates(c)
        exists = _name(behaviour) in old["reads"] or "pooled" in behaviour
        lines.append(
            f"| {behaviour} | {c['tp'] + c['fn']} | "
            + (f"{orr:.2f} | {op:.2f}" if exists else "(none) | -")
            + f" | {nr:.2f} | {np_:.2f} |"
        )
    lines += [
        "",
        "| throughput (notes/s, same run) | blank tokeniser | reader (tokeniser included) |",
        "|---|---:|---:|",
    ]
    for label, run in (("old rules", old), ("reader", new)):
        s = run["speed"]
        lines.append(f"| {label} | {s['blank tokeniser']:,.0f} | {s['reader']:,.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write this reader's figures here")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("OLD", "NEW"))
    parser.add_argument("--markdown", type=Path, help="with --compare: write the table here")
    args = parser.parse_args()
    if args.compare:
        old, new = (json.loads(p.read_text()) for p in args.compare)
        table = compare(old, new)
        print(table)
        if args.markdown:
            text = args.markdown.read_text() if args.markdown.exists() else ""
            marker = "<!-- figures -->"
            head = text.split(marker)[0] if marker in text else text
            args.markdown.write_text(f"{head}{marker}\n{table}\n")
        return
    from stalkflag.text import BEHAVIOURS

    notes, gold = annotated_notes()
    found, speed = read(notes)
    result = {
        "figures": figures(found, gold),
        "speed": speed,
        "reads": sorted({_name(b) for b in BEHAVIOURS} - {None}),
    }
    for behaviour, c in result["figures"].items():
        recall, precision = _rates(c)
        print(
            f"{behaviour:24s} n={c['tp'] + c['fn']:4d} recall {recall:.2f} precision {precision:.2f}"
        )
    print({k: round(v) for k, v in speed.items()})
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
