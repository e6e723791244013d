"""How a model reads the real cases (../shared/realcases, 120 cases), at case level.

Question: over the cases police did not record as stalking, what share of the stalking ones
does the model flag, how many of its flags are stalking, and how well does it rank the cases,
with the relationship column and with it blank? The issue's goal: recall >= 0.80 at precision >= 0.75
at the flag, and average precision >= 0.85 (case level, cases not recorded as stalking).

Run (from the project root, after ``stalkflag train``):

    .venv/bin/python experiments/real_cases.py --model models:/stalkflag@champion \\
        --label "today" --markdown experiments/real_cases.md

For each of the two exports the real cases' own ``to_export.py`` writes (relationship kept,
relationship blank), it runs the public command ``stalkflag evaluate`` (cases: the truth's
``case_id``; a case's score is its highest incident score), and counts the suspect->victim
pairs the export links into, with ``stalkflag link`` and with the model's own linkage
(``stalkflag evaluate`` given no case column). Only the command line is used, as a force would.
It prints one section (and with ``--markdown`` writes it into the report, replacing the section
of the same ``--label``): figures over cases not recorded as stalking and over all cases,
beside keyword search; lead time; pairs. Nothing is fitted on these cases (their README).
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

REALCASES = Path(__file__).resolve().parents[2] / "shared" / "realcases"
GOAL = {"recall": 0.80, "precision": 0.75, "average_precision": 0.85}
VARIANTS = {"with": [], "blank": ["--no-relationship"]}
"""Relationship column kept (``with``) or left blank (``blank``): to_export.py's options."""


def run(command: list[str]) -> str:
    """Run a command; on failure, show what it said and stop."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{shlex.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def stalkflag(*args: str) -> str:
    """The public command line of the installed package (or the one on PYTHONPATH: ``-P``
    keeps the folder the command runs in off the import path)."""
    return run([sys.executable, "-P", "-m", "stalkflag", *args])


def measure(folder: Path, options: list[str], model: list[str], realcases: Path) -> dict:
    """Build one export into ``folder``, evaluate the model on it and link it."""
    run([sys.executable, str(realcases / "to_export.py"), str(folder), *options])
    export, truth = folder / "incidents.csv", folder / "truth.csv"
    stalkflag("evaluate", str(export), "--labels", str(truth), "--cases", "case_id",
              "--json", str(folder / "figures.json"), *model)  # fmt: skip
    figures = json.loads((folder / "figures.json").read_text(encoding="utf-8"))
    # Without a case column, evaluate's cases are the pairs the model's own linkage made.
    pd.read_csv(truth)[["incident_id", "label"]].to_csv(folder / "labels.csv", index=False)
    stalkflag("evaluate", str(export), "--labels", str(folder / "labels.csv"),
              "--json", str(folder / "by_pair.json"), *model)  # fmt: skip
    by_pair = json.loads((folder / "by_pair.json").read_text(encoding="utf-8"))["counts"]
    stalkflag("link", str(export), "--out", str(folder / "linked"))
    links = pd.read_csv(folder / "linked" / "links.csv", dtype=str)
    cases = links.merge(pd.read_csv(truth, dtype=str), on="incident_id")
    figures["truth"] = cases.groupby("case_id")[["true_label", "relationship", "ambiguous"]].first()
    per_case = cases.groupby("case_id")["pair_id"].nunique()
    alone = cases.groupby("pair_id")["case_id"].transform("nunique").eq(1)
    exact = alone.groupby(cases["case_id"]).all() & per_case.eq(1)
    figures["pairs"] = {
        "cases": len(per_case),
        "pairs": int(cases["pair_id"].nunique()),
        "model_pairs": by_pair["cases"],
        "one_case_one_pair": int(exact.sum()),
    }
    return figures


def figure(figures: dict, population: str, scorer: str) -> dict:
    (row,) = [
        r
        for r in figures["figures"]
        if (r["level"], r["population"], r["scorer"]) == ("case", population, scorer)
    ]
    return row


def rate(value: float | None, low: float | None = None, high: float | None = None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if low is None else f"{value:.2f} ({low:.2f}-{high:.2f})"


def median(value: float | None, digits: int | None = None) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if digits is None else f"{value:.{digits}f}"


def table(label: str, results: dict[str, dict], population: str) -> str:
    """One row per relationship variant: the model at its flag, its review band and keywords."""
    rows = []
    for variant, figures in results.items():
        m = figure(figures, population, "model")
        k = figure(figures, population, "keywords")
        row = {
            "model": label,
            "relationship": variant,
            "cases (stalking)": f"{m['units']} ({m['stalking']})",
            "flagged": m["flagged"],
            "recall (95%)": rate(m["recall"], m["recall_low"], m["recall_high"]),
            "precision (95%)": rate(m["precision"], m["precision_low"], m["precision_high"]),
            "AP": rate(m["average_precision"]),
            "review (stalking)": f"{m['review']} ({m['review_stalking']})",
            "keywords recall": rate(k["recall"]),
            "keywords precision": rate(k["precision"]),
            "keywords AP": rate(k["average_precision"]),
        }
        if population == "all":
            r = figure(figures, population, "recorded category")
            row["recorded recall"] = rate(r["recall"])
        else:
            met = all((m[key] or 0) >= goal for key, goal in GOAL.items())
            row["goal met"] = "yes" if met else "no"
        rows.append(row)
    return pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True)


def lead_lines(variant: str, figures: dict) -> list[str]:
    later = figures["lead_time"]["recorded_later"]
    never = figures["lead_time"]["never_recorded"]
    cases = pd.DataFrame(figures["cases"])
    missed = cases[(cases["y"] == 1) & ~cases["recorded"].astype(bool)]["first_flag_incident"]
    at = missed.value_counts(dropna=False).sort_index()
    where = ", ".join(
        f"{'never' if pd.isna(k) else f'incident {int(k)}'}: {n}" for k, n in at.items()
    )
    return [
        f"- Relationship {variant}: of {later['stalking_cases']} stalking cases police "
        f"recorded as stalking at some incident, the flag finds {later['found']}; median lead "
        f"{median(later['median_lead_incidents'])} incidents, "
        f"{median(later['median_lead_days'], 0)} days; flagged before police recorded stalking: "
        f"{later['flagged_before']} ({rate(later['share_flagged_before'])}), at the same "
        f"incident {later['flagged_at_same_incident']}, after {later['flagged_after']}. Of "
        f"{never['stalking_cases']} never recorded as stalking, it finds {never['found']}; "
        f"first flag (median) at incident {median(never['median_first_flag_incident'])}, "
        f"{median(never['median_first_flag_days'], 0)} days after the first. First flag by "
        f"incident: {where}."
    ]


def mistakes(variant: str, figures: dict) -> str:
    """Over cases not recorded as stalking: false flags by true label, missed stalking by
    relationship (and how many of each the cases' file marks ambiguous)."""
    cases = pd.DataFrame(figures["cases"]).join(figures["truth"], on="case")
    part = cases[~cases["recorded"].astype(bool)]
    flag = part["flag"].astype(bool)

    def counts(rows: pd.DataFrame, by: str) -> str:
        n = rows.groupby(by)["ambiguous"].agg(["size", lambda a: (a == "1").sum()])
        n = n.sort_values("size", ascending=False)
        return ", ".join(f"{k} {a} ({b} ambiguous)" for k, (a, b) in n.iterrows()) or "none"

    return (
        f"- Relationship {variant}: false flags by true label: "
        f"{counts(part[flag & (part['y'] == 0)], 'true_label')}; stalking missed by "
        f"relationship: {counts(part[~flag & (part['y'] == 1)], 'relationship')}."
    )


def model_name(uri: str, tracking_uri: str | None) -> str:
    """The URI, with the version an alias stands for today (aliases move)."""
    alias = re.fullmatch(r"models:/([^@/]+)@(.+)", uri)
    if not alias:
        return f"`{uri}`"
    import mlflow

    version = mlflow.MlflowClient(tracking_uri).get_model_version_by_alias(*alias.groups())
    return f"`{uri}` (version {version.version}, run `{version.run_id}`)"


def section(label: str, results: dict[str, dict], args: argparse.Namespace) -> str:
    first = next(iter(results.values()))
    counts = first["counts"]
    command = ".venv/bin/python experiments/real_cases.py " + shlex.join(sys.argv[1:])
    lines = [
        f"## {label}",
        "",
        f"`{command}`",
        "",
        f"Model {model_name(args.model, args.tracking_uri)}: flag at "
        f"{first['thresholds']['flag']:.3f}, review band from {first['thresholds']['review']:.3f}. "
        f"{counts['labelled_incidents']} incidents in {counts['cases']} cases; rejected rows "
        f"{first['rejected_rows']}, unlabelled incidents {counts['unlabelled_incidents']}.",
        "",
        "Case level, cases not recorded as stalking (a case is flagged when any incident is):",
        "",
        table(label, results, "not recorded as stalking"),
        "",
        "Case level, all cases:",
        "",
        table(label, results, "all"),
        "",
        "Lead time (stalking cases; scores never look ahead):",
        "",
        *[line for variant, f in results.items() for line in lead_lines(variant, f)],
        "",
        "Mistakes at the flag, cases not recorded as stalking:",
        "",
        *[mistakes(variant, f) for variant, f in results.items()],
        "",
        "Linkage (`stalkflag link`): "
        + "; ".join(
            f"relationship {v}: {f['pairs']['cases']} cases link into {f['pairs']['pairs']} "
            f"suspect->victim pairs, {f['pairs']['one_case_one_pair']} cases are exactly one "
            f"pair (the model's own linkage, in `stalkflag evaluate`: {f['pairs']['model_pairs']} "
            "pairs)"
            for v, f in results.items()
        )
        + ".",
    ]
    return "\n".join(lines)


def write_section(path: Path, label: str, text: str) -> None:
    """Replace the section between this label's markers, or append it."""
    begin, end = f"<!-- real_cases: {label} -->", f"<!-- /real_cases: {label} -->"
    block = f"{begin}\n{text}\n{end}"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Real cases\n"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    new = (
        pattern.sub(lambda _: block, old) if pattern.search(old) else f"{old.rstrip()}\n\n{block}\n"
    )
    path.write_text(new, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models:/stalkflag@champion")
    parser.add_argument("--tracking-uri", default=None)
    parser.add_argument("--label", default="today", help="Names the model's rows and section.")
    parser.add_argument("--markdown", type=Path, default=None, help="Report to write into.")
    parser.add_argument("--out", type=Path, default=None, help="Keep exports and figures here.")
    parser.add_argument("--realcases", type=Path, default=REALCASES)
    args = parser.parse_args()
    model = ["--model", args.model]
    if args.tracking_uri:
        model += ["--tracking-uri", args.tracking_uri]
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        results = {
            variant: measure(out / variant, options, model, args.realcases)
            for variant, options in VARIANTS.items()
        }
    text = section(args.label, results, args)
    print(text)
    if args.markdown is not None:
        write_section(args.markdown, args.label, text)


if __name__ == "__main__":
    main()
