#!/usr/bin/env python3
"""Turn the hand-written cases.jsonl into an export that follows the incident contract v1, plus its answer key.

    python3 data/handwritten/to_export.py OUT_DIR [--no-relationship]

writes OUT_DIR/incidents.csv (contract v1: what a force would export) and OUT_DIR/truth.csv
(incident_id, case_id, label, true_label, relationship, ambiguous, source_type). Standard library only.

How each incident is "recorded" (recorded_category): `stalking` where the case says police recorded
that incident as stalking (`recorded_as`); otherwise, for a stalking case, what forces most often record
instead (domestic_abuse between partners, ex-partners and family; harassment otherwise); for a
look-alike, its true label (every true label is also a contract category).
Dates: each case ends on 2025-06-02 and keeps its gaps. Each case has one victim and one suspect,
with force IDs but no names (the notes use role words).
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The contract's categories (stalkflag/schema.py CATEGORIES), repeated here to stay standard-library only.
CATEGORIES = ("stalking", "harassment", "domestic_abuse", "malicious_communications", "coercive_control",
              "public_order", "criminal_damage", "other")
INSTEAD_OF_STALKING = {"ex_partner": "domestic_abuse", "partner": "domestic_abuse", "family": "domestic_abuse"}
CONTRACT = ["incident_id", "reported_at", "recorded_category", "notes", "victim_id", "victim_name",
            "victim_dob", "suspect_id", "suspect_name", "suspect_dob", "relationship", "force"]


def recorded(case: dict, incident: dict) -> str:
    if "stalk" in incident.get("recorded_as", "").lower():
        return "stalking"
    if case["true_label"] == "stalking":
        return INSTEAD_OF_STALKING.get(case["relationship"], "harassment")
    return case["true_label"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--no-relationship", action="store_true", help="leave the relationship column blank")
    args = ap.parse_args()
    cases = [json.loads(line) for line in (HERE / "cases.jsonl").open(encoding="utf-8") if line.strip()]
    end = dt.datetime(2025, 6, 2, 9, 0)
    rows, truth = [], []
    for case in cases:
        span = max(i["date_offset_days"] for i in case["incidents"])
        for k, inc in enumerate(case["incidents"], 1):
            iid = f"{case['case_id']}-{k:02d}"
            when = end - dt.timedelta(days=span - inc["date_offset_days"]) + dt.timedelta(minutes=k)
            category = recorded(case, inc)
            assert category in CATEGORIES, (iid, category)
            rows.append({
                "incident_id": iid, "reported_at": when.isoformat(timespec="minutes"),
                "recorded_category": category, "notes": inc["text"],
                "victim_id": f"V-{case['case_id']}", "victim_name": "", "victim_dob": "",
                "suspect_id": f"S-{case['case_id']}", "suspect_name": "", "suspect_dob": "",
                "relationship": "" if args.no_relationship else case["relationship"], "force": "HW",
            })
            truth.append({"incident_id": iid, "case_id": case["case_id"],
                          "label": int(case["true_label"] == "stalking"), "true_label": case["true_label"],
                          "relationship": case["relationship"], "ambiguous": int(case.get("ambiguous", False)),
                          "source_type": "handwritten"})
    args.out.mkdir(parents=True, exist_ok=True)
    for name, table, cols in (("incidents.csv", rows, CONTRACT), ("truth.csv", truth, list(truth[0]))):
        with (args.out / name).open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=cols)
            w.writeheader()
            w.writerows(table)
    print(f"wrote {len(rows)} incidents from {len(cases)} cases to {args.out}")


if __name__ == "__main__":
    main()
