"""How well the behaviour rules find what really happened, by behaviour and by writing style.

Run: ``.venv/bin/python experiments/text_behaviours.py --n 20000 --seed 21 --out experiments/text_behaviours.md``

Truth: the synthetic truth file lists the acts an incident asserts (not the denied,
hypothetical or victim's ones). For each behaviour: recall = share of incidents with the act in
which a counting match is found; precision = share of incidents with a counting match that
have the act. Also run on the real police narratives in ``../shared/realworld`` (never
trained on, never copied): how often each behaviour counts there; they are almost never
stalking, so a high rate is a warning sign. Real texts are not printed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
from _report import emit

from stalkflag.synth import SynthConfig, generate
from stalkflag.text import ACTS, BEHAVIOURS, make_text_pipeline

SYNTH_TO_PATTERN = {
    "follow": "following", "calls": "calls", "messages": "messages",
    "new_number": "contact_after_block", "turn_up_home": "visiting_home",
    "turn_up_work": "visiting_work", "loiter": "loitering", "watch": "watching",
    "monitor_online": "monitoring", "tracker": "tracking",
    "account_access": "account_access", "fake_profile": "impersonation",
    "publish_info": "publishing", "third_party_contact": "third_party_contact",
    "gifts": "unwanted_items", "property_damage": "property_damage", "threats": "threats",
    "breach_warning": "breach", "order_in_name": "ordering_in_name",
}  # fmt: skip
LOOKALIKE_TO_PATTERN = {
    "issue_dispute": ("noise_complaint", "parking_dispute", "boundary_dispute", "debt_demand",
                      "work_grievance", "family_money"),
    "child_contact": ("child_contact_messages", "child_handover_dispute"),
    "current_relationship": ("partner_argument", "partner_assault", "partner_phone_checking",
                             "partner_financial_control", "partner_isolation"),
    "group_youths": ("youths_gathering", "youths_damage"),
}  # fmt: skip
"""Look-alike context patterns and the synthetic look-alike behaviours they should describe
(``mutual_conflict`` has no single synthetic behaviour and is only counted)."""
REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld"


def _realworld_texts() -> list[str]:
    texts: list[str] = []
    berkeley = REALWORLD / "ucpd_berkeley_2019Q1_all.csv"
    if berkeley.exists():
        texts += pd.read_csv(berkeley, dtype=str)["Synopsis"].dropna().tolist()
    cornell = REALWORLD / "cornell_cupd_crimelogs_2017.csv"
    if cornell.exists():
        texts += pd.read_csv(cornell, dtype=str)["Narrative"].dropna().tolist()
    sac = REALWORLD / "sacpd_daily_activity_incidents.json"
    if sac.exists():
        data = json.loads(sac.read_text())
        rows = (
            data
            if isinstance(data, list)
            else next(v for v in data.values() if isinstance(v, list))
        )
        texts += [r["text"] for r in rows if isinstance(r, dict) and r.get("text")]
    return [t for t in texts if t and t.strip() and t.strip().upper() != "NA"]


def _registered(pattern: str) -> str:
    """The catalogue id of a behaviour (checked to exist)."""
    if pattern not in BEHAVIOURS:
        raise KeyError(pattern)
    return pattern


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    export, truth = generate(SynthConfig(args.n, seed=args.seed), workers=2)
    nlp = make_text_pipeline()
    found = [
        {m.behaviour for m in doc._.behaviours if m.counts}
        for doc in nlp.pipe(export["notes"].tolist(), batch_size=512)
    ]
    acts = truth["behaviours"].fillna("").str.split("|")
    rows, style_rows = [], []
    for synth_id, pattern in SYNTH_TO_PATTERN.items():
        has = acts.map(lambda a, s=synth_id: s in a)
        hit = pd.Series([pattern in f for f in found])
        tp = int((has & hit).sum())
        rows.append(
            {
                "behaviour": _registered(pattern),
                "incidents with the act": int(has.sum()),
                "recall": tp / max(int(has.sum()), 1),
                "precision": tp / max(int(hit.sum()), 1),
                "flagged": int(hit.sum()),
            }
        )
        for style, group in truth.groupby("style"):
            idx = group.index
            style_rows.append(
                {
                    "style": style,
                    "behaviour": pattern,
                    "has": int(has[idx].sum()),
                    "tp": int((has[idx] & hit[idx]).sum()),
                }
            )
    context_rows = []
    for pattern, synth_ids in LOOKALIKE_TO_PATTERN.items():
        has = acts.map(lambda a, ids=synth_ids: any(i in a for i in ids))
        hit = pd.Series([pattern in f for f in found])
        tp = int((has & hit).sum())
        context_rows.append(
            {
                "behaviour": _registered(pattern),
                "incidents with the look-alike": int(has.sum()),
                "recall": tp / max(int(has.sum()), 1),
                "precision": tp / max(int(hit.sum()), 1),
                "matched": int(hit.sum()),
            }
        )
    table = pd.DataFrame(rows).set_index("behaviour")
    styles = pd.DataFrame(style_rows).groupby("style")[["has", "tp"]].sum()
    styles["recall (all acts)"] = styles["tp"] / styles["has"]

    real = _realworld_texts()
    real_found = [
        {m.behaviour for m in doc._.behaviours if m.counts}
        for doc in nlp.pipe(real, batch_size=512)
    ]
    context = pd.DataFrame(context_rows).set_index("behaviour")
    real_rates = pd.Series(
        {
            b: sum(b in f for f in real_found) / max(len(real), 1)
            for b in [*table.index, *context.index, "mutual_conflict"]
        }
    ).rename("share of real narratives")
    lines = [
        f"# Behaviour rules against synthetic truth: n={args.n:,}, seed={args.seed}",
        "",
        f"`.venv/bin/python experiments/text_behaviours.py --n {args.n} --seed {args.seed}`",
        "",
        table.join(real_rates).to_markdown(floatfmt=".3f"),
        "",
        "Look-alike context (DOMAIN.md's hard negatives), against the synthetic look-alike "
        "behaviours each should describe; context also matches look-alike scene-setting, so "
        "precision is a lower bound:",
        "",
        context.join(real_rates).to_markdown(floatfmt=".3f"),
        "",
        f"`mutual_conflict` in real narratives: {real_rates['mutual_conflict']:.1%}.",
        "",
        "Recall of all acts by writing style:",
        "",
        styles[["has", "recall (all acts)"]].to_markdown(floatfmt=".3f"),
        "",
        f"Real narratives read: {len(real):,}; with at least one counting stalking act "
        f"(excluding context such as fear, separation and look-alike context): "
        f"{sum(bool(f & set(ACTS)) for f in real_found) / max(len(real), 1):.1%}.",
    ]
    emit(lines, args.out)


if __name__ == "__main__":
    main()
