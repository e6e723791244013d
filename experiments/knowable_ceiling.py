"""What the synthetic data allows at best: a classifier given each incident's latent facts
(what the generator decided before the note was written) and the true courses of conduct,
beside the product on the same exports.

Run: ``.venv/bin/python experiments/knowable_ceiling.py --n 120000 --seeds 57 31 73 --product
--out experiments/knowable_ceiling.md``

Issue 4's goal (recall 0.90 at precision 0.80 over stalking pairs not recorded as stalking)
has been met on two seeds of three and missed by about 0.002 of precision on the reference
run; every lever measured since stop 12 moved the figures by less than the seeds differ. This
script asks how much room the data leaves. A note is rendered from a ``NoteFacts`` (the
behaviours done, denied, worried about or only hypothetical, the context sentence, the
victim's fear, the officer's actions, how the suspect is mentioned, ...) and random wording:
given the facts, the note holds no more about the label. So a strong classifier on the facts
of a pair's incidents so far, with true linkage, approximates the best any reader of these
notes could do (the "knowable ceiling"). Every style but ``minimal`` writes every fact (in
other words, upper case, with typos or padding); ``minimal`` keeps one clause or nothing.

The facts are captured by wrapping the generator's ``render_note`` while the export is made
(same seed, so the same rows as the product's cached exports; checked by label). The
classifier is scikit-learn's histogram gradient boosting, fitted on the training victims of
the product's own split (``split_groups``, seed 0, 60/20/20 by victim); the flag is placed
on validation pairs as the product places its own (precision 0.80, Wilson lower bound one
standard error down); figures are over test pairs not recorded as stalking. A pair's score is
its highest incident score, as in the product.

Rows (each a subset of the facts; "shape" is what any export has without notes: number of
incidents so far, span, gaps and their trend, recorded relationship and categories, the
suspect's other victims, the sexes):

- ``facts, all``: everything the notes were written from;
- ``facts as written``: the same, less everything in ``minimal`` notes, the relationship
  and the sexes included (one clause or none: the renderer drops the rest; dropping the one
  clause too makes this row a little low, so the best reader of these notes lies between the
  two rows);
- ``facts as written, no context``: without the background sentence (separated, co-parent,
  neighbour, ...);
- ``behaviours as written + shape``: the acts done (a perfect behaviour reader) and the shape;
- ``shape only``: what notes that say nothing leave.

The same fitted readers score the unseen-style export (seed + 1000, styles never seen in
training), whose facts are captured the same way; no unseen style is ``minimal``, so there
every fact is written. With ``--product`` the script also fits the product's chosen chain on
the same cached exports (``model_comparison.prepared_sets``, as ``oracle_linkage.py``), with
Splink's people and with the truth's, and measures it the same way. The last table counts
each reader's false alarms by true scenario at the score where it finds 90% of the stalking
test pairs.

The facts are the generator's, so the ceiling is this generator's, not the world's: some
facts decide a label here more surely than they would in real notes (a context sentence is
drawn from one scenario's bank: "they separated ... and share two children" is only ever
written of a co-parenting dispute).
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import seed_spread
from _report import emit
from model_comparison import prepared_sets
from oracle_linkage import with_true_people
from seed_spread import GOAL_RECALL
from sklearn.ensemble import HistGradientBoostingClassifier

from stalkflag.linkage import pair_ids
from stalkflag.model._chain import ScoringChain, threshold_at_precision
from stalkflag.model._config import DecisionConfig, ModelConfig, SyntheticConfig
from stalkflag.model._evaluate import pairs_of
from stalkflag.model._train import split_groups
from stalkflag.synth import SynthConfig, _generator, generate
from stalkflag.synth._render import BEHAVIOURS, NoteFacts

_RELATIONSHIPS = ("ex_partner", "partner", "acquaintance", "colleague", "stranger",
                  "neighbour", "family", "unknown", "")  # fmt: skip
_CATEGORIES = ("harassment", "domestic_abuse", "malicious_communications", "coercive_control",
               "criminal_damage", "public_order", "other", "stalking")  # fmt: skip


def export_with_facts(n: int, seed: int, styles: tuple[str, ...], incidental: float):
    """The export and truth ``generate`` makes for this config, and the ``NoteFacts`` of each
    truth row (aligned with it)."""
    recorded: list[NoteFacts] = []
    original = _generator.render_note

    def recording(facts: NoteFacts, rng):  # type: ignore[no-untyped-def]
        recorded.append(facts)
        return original(facts, rng)

    _generator.render_note = recording  # one process: the facts stay in this list
    try:
        config = SynthConfig(n, seed=seed, styles=styles, incidental_detail=incidental)
        export, truth = generate(config, workers=1)
    finally:
        _generator.render_note = original
    # Rendering goes pattern by pattern, incident by incident: that is the facts' order.
    order = truth.sort_values(["pattern_id", "incident_index"], kind="stable").index.to_numpy()
    facts = np.empty(len(truth), dtype=object)
    facts[order] = recorded
    repeat = np.array([f.repeat for f in facts])
    if len(recorded) != len(truth) or not np.array_equal(repeat, truth["incident_index"]):
        raise RuntimeError("the recorded facts do not line up with the truth")
    return export, truth, facts


def _channel(behaviour: str) -> str:
    return str(BEHAVIOURS[behaviour]["channel"])


def incident_facts(
    export: pd.DataFrame, truth: pd.DataFrame, facts: np.ndarray, *, as_written: bool = False
) -> pd.DataFrame:
    """One row per incident: what it alone holds (counts, to be summed over its course).
    ``as_written`` leaves out what a ``minimal`` note (one clause or nothing) drops: all of it,
    which is a little less than such a note keeps."""
    rows = []
    for f in facts:
        row: dict[str, float] = {}
        if as_written and f.style == "minimal":
            rows.append(row)
            continue
        for mode, behaviour in f.events:
            row[f"{mode}:{behaviour}"] = row.get(f"{mode}:{behaviour}", 0) + 1
            row[f"{mode}:any"] = row.get(f"{mode}:any", 0) + 1
            if mode == "did":
                row[f"channel:{_channel(behaviour)}"] = 1
        if f.context:
            row[f"context:{f.context}"] = 1
        if f.impact:
            row[f"impact:{f.impact}"] = 1
        for action in f.actions:
            row[f"action:{action}"] = 1
        row[f"mention:{f.suspect_mention}"] = 1
        row["victim_did"] = int(f.victim_did)
        row["third_party"] = int(f.third_party)
        row["says_stalking"] = int(f.says_stalking)
        rows.append(row)
    frame = pd.DataFrame(rows).fillna(0.0)
    for c in _CATEGORIES:
        frame[f"category:{c}"] = (export["recorded_category"].to_numpy() == c).astype(float)
    frame["relationship"] = export["relationship"].fillna("").to_numpy()
    # What the note says of the people: the relationship and (by pronouns) their sexes.
    unwritten = np.array([as_written and f.style == "minimal" for f in facts])
    frame["true_relationship"] = np.where(unwritten, "", truth["true_relationship"].to_numpy())
    for who in ("victim", "suspect"):
        sex = np.array([float(getattr(f, f"{who}_female")) for f in facts])
        frame[f"{who}_female"] = np.where(unwritten, 0.5, sex)
    return frame


def course_features(
    export: pd.DataFrame, truth: pd.DataFrame, facts: np.ndarray, *, as_written: bool = False
) -> pd.DataFrame:
    """Per incident, its true course's facts up to and including it (no look-ahead), and the
    course's shape so far."""
    one = incident_facts(export, truth, facts, as_written=as_written)
    day = pd.to_datetime(export["reported_at"].str[:10]).to_numpy().astype("datetime64[D]")
    key = pd.DataFrame({
        "pair": pair_ids(truth["suspect_key"].to_numpy(), truth["victim_key"].to_numpy()),
        "day": day.astype(np.int64), "k": truth["incident_index"].to_numpy(),
    })  # fmt: skip
    order = key.sort_values(["pair", "day", "k"], kind="stable").index.to_numpy()
    counts = one.drop(columns=["true_relationship", "relationship"])
    counts = counts.iloc[order].groupby(key["pair"].to_numpy()[order]).cumsum()
    out = counts.add_prefix("n_").reindex(one.index)
    g = key.iloc[order].groupby("pair")
    n_so_far = g.cumcount() + 1
    first = g["day"].transform("min")
    gap = g["day"].diff().fillna(0)
    mean_gap = gap.groupby(key["pair"].iloc[order]).cumsum() / np.maximum(n_so_far - 1, 1)
    shape = pd.DataFrame({
        "incidents": n_so_far, "span": key["day"].iloc[order] - first, "last_gap": gap,
        "gap_trend": gap / np.maximum(mean_gap, 1.0),
    }).reindex(one.index)  # fmt: skip
    out = pd.concat([out, shape], axis=1)
    did = [c for c in out if c.startswith("n_did:") and c != "n_did:any"]
    out["kinds_done"] = (out[did] > 0).sum(axis=1)
    for r in _RELATIONSHIPS:
        out[f"relationship:{r}"] = (one["relationship"] == r).astype(float)
        out[f"true_relationship:{r}"] = (one["true_relationship"] == r).astype(float)
    # The suspect's other victims and the victim's other suspects, so far (true people).
    people = pd.DataFrame({"s": truth["suspect_key"], "v": truth["victim_key"], "day": key["day"]})
    out["suspect_victims"] = _distinct_so_far(people, "s", "v")
    out["victim_suspects"] = _distinct_so_far(people, "v", "s")
    return out


def _distinct_so_far(people: pd.DataFrame, who: str, other: str) -> np.ndarray:
    """For each row, how many distinct ``other`` its ``who`` had met by that day."""
    first = people.groupby([who, other])["day"].min().reset_index()
    events = pd.DataFrame({"who": first[who], "day": first["day"], "inc": 1, "row": -1})
    queries = pd.DataFrame(
        {"who": people[who], "day": people["day"], "inc": 0, "row": np.arange(len(people))}
    )
    both = pd.concat([events, queries]).sort_values(
        ["who", "day", "inc"], ascending=[True, True, False], kind="stable"
    )
    met = both.groupby("who")["inc"].cumsum().to_numpy()
    result = np.zeros(len(people))
    is_query = both["row"].to_numpy() >= 0
    result[both["row"].to_numpy()[is_query]] = met[is_query]
    return result


_SHAPE = ("incidents", "span", "last_gap", "gap_trend", "suspect_victims", "victim_suspects",
          "n_victim_female", "n_suspect_female")  # fmt: skip


def _columns(features: pd.DataFrame, name: str) -> list[str]:
    shape = [c for c in features if c in _SHAPE or c.startswith(("n_category:", "relationship:"))]
    if name == "shape only":
        return shape
    if name == "behaviours + shape":
        return (
            shape + [c for c in features if c.startswith(("n_did:", "n_channel:"))] + ["kinds_done"]
        )
    if name == "facts, no context":
        return [c for c in features if not c.startswith("n_context:")]
    return list(features.columns)


FEATURE_SETS = (  # (row name, minimal notes as written, columns)
    ("facts, all", False, "facts, all"),
    ("facts as written", True, "facts, all"),
    ("facts as written, no context", True, "facts, no context"),
    ("behaviours as written + shape", True, "behaviours + shape"),
    ("shape only", True, "shape only"),
)


@dataclasses.dataclass(frozen=True)
class Incidents:
    """One export's incidents as the evaluation sees them (true pairs)."""

    pair: np.ndarray
    victim: np.ndarray
    y: np.ndarray
    recorded: np.ndarray
    key: np.ndarray
    scenario: np.ndarray
    minimal: np.ndarray

    @classmethod
    def of(cls, export: pd.DataFrame, truth: pd.DataFrame) -> Incidents:
        return cls(
            np.asarray(pair_ids(truth["suspect_key"].to_numpy(), truth["victim_key"].to_numpy())),
            truth["victim_key"].to_numpy(),
            truth["label"].to_numpy().astype(int),
            export["recorded_category"].eq("stalking").to_numpy(),
            truth["incident_index"].to_numpy(),
            truth["scenario"].to_numpy(),
            truth["style"].eq("minimal").to_numpy(),
        )

    def open_pairs(self, scores: np.ndarray, rows: np.ndarray) -> pd.DataFrame:
        """Pairs among ``rows`` not recorded as stalking: label, highest score, incidents,
        scenario and share of minimal notes."""
        pairs = pairs_of(self.pair[rows], self.y[rows], scores[rows], self.recorded[rows],
                         self.key[rows])  # fmt: skip
        more = pd.DataFrame({"pair": self.pair[rows], "scenario": self.scenario[rows],
                             "minimal": self.minimal[rows]}).groupby("pair")  # fmt: skip
        pairs = pairs.join(more.agg(incidents=("scenario", "size"),
                                    scenario=("scenario", "first"),
                                    minimal=("minimal", "mean")))  # fmt: skip
        return pairs[~pairs["recorded"].astype(bool)]


def measure(
    seen: tuple[pd.DataFrame, Incidents],
    unseen: tuple[pd.DataFrame, Incidents],
    columns: list[str],
) -> tuple[dict[str, float], pd.DataFrame]:
    """Fit on the seen export's training victims (the product's split), place the flag on its
    validation pairs, and measure on its test victims and on the unseen-style export. Returns
    the figures and the test pairs with their scores."""
    features, incidents = seen
    y = incidents.y
    train, valid, test = split_groups(incidents.victim, seed=0, valid_fraction=0.2,
                                      test_fraction=0.2)  # fmt: skip
    model = HistGradientBoostingClassifier(max_iter=400, learning_rate=0.08, max_leaf_nodes=63,
                                           early_stopping=False, random_state=0)  # fmt: skip
    x = features[columns].to_numpy(dtype=float)
    model.fit(x[train], y[train])
    scores = model.predict_proba(x)[:, 1]
    val = incidents.open_pairs(scores, valid)
    decision = DecisionConfig()
    cut = threshold_at_precision(val["y"].to_numpy(), val["score"].to_numpy(),
                                 decision.target_precision, z=decision.precision_z)  # fmt: skip
    test_pairs = incidents.open_pairs(scores, test)
    row = _with_repeated(test_pairs, cut)
    unseen_features, unseen_incidents = unseen
    unseen_scores = model.predict_proba(unseen_features.reindex(columns=columns, fill_value=0.0)
                                        .to_numpy(dtype=float))[:, 1]  # fmt: skip
    everything = np.arange(len(unseen_scores))
    unseen_row = _with_repeated(unseen_incidents.open_pairs(unseen_scores, everything), cut)
    return row | {f"unseen {k}": v for k, v in unseen_row.items()}, test_pairs


def _with_repeated(pairs: pd.DataFrame, cut: float) -> dict[str, float]:
    """:func:`at_the_flag` over ``pairs``, and over those with two incidents or more, which
    alone can be a course of conduct within the export."""
    repeated = pairs[pairs["incidents"] >= 2]
    at_two = at_the_flag(repeated, cut)
    return at_the_flag(pairs, cut) | {
        "one-incident share of stalking": float(
            1 - (repeated["y"] == 1).sum() / max((pairs["y"] == 1).sum(), 1)
        ),
        "2+ incidents: recall": at_two["recall"],
        "2+ incidents: precision": at_two["precision"],
        "2+ incidents: best recall at 0.80": at_two["best recall at 0.80"],
    }


def at_the_flag(pairs: pd.DataFrame, cut: float) -> dict[str, float]:
    """``seed_spread``'s figures at the flag ``cut`` (PR-AUC, recall, precision, the most recall
    the ranking allows at precision 0.80), and the most precision it allows at recall 0.90."""
    figures, _ = seed_spread.at_the_flag("", pairs, cut)
    named = {k.strip().replace("best", "best recall at 0.80"): v for k, v in figures.items()}
    return named | {"best precision at 0.90": _precision_at_recall(pairs, GOAL_RECALL)}


def _precision_at_recall(pairs: pd.DataFrame, recall: float) -> float:
    order = np.argsort(-pairs["score"].to_numpy(), kind="stable")
    t = pairs["y"].to_numpy()[order].astype(bool)
    tp = np.cumsum(t)
    ok = np.flatnonzero(tp >= recall * t.sum())
    return float(tp[ok[0]] / (ok[0] + 1)) if len(ok) else float("nan")


def product_rows(
    n: int, n_unseen: int, seed: int, seen: Incidents, unseen: Incidents
) -> tuple[list[dict], pd.DataFrame]:
    """The product's chosen chain on the cached exports (the same rows as ``seen`` and
    ``unseen``), with Splink's people and with the truth's (as ``oracle_linkage.py``), at its
    own flag, measured as the ceiling is. Returns the rows and, with the truth's people, the
    test pairs with their scores."""
    data = prepared_sets(n, n_unseen, seed, SyntheticConfig().incidental_detail)
    for name, cached, ours in (("seen", data["main"].truth, seen), ("unseen", data["unseen_set"].truth, unseen)):  # fmt: skip
        if not np.array_equal(cached["label"].to_numpy(), ours.y):
            raise RuntimeError(f"the cached {name} export is not this script's")
    relink: dict[str, Callable] = {"Splink": lambda p, t: p, "truth": with_true_people}
    rows, truth_pairs = [], pd.DataFrame()
    for name, fix in relink.items():
        prepared = fix(data["prepared"], data["main"].truth)
        unseen_prepared = fix(data["unseen"], data["unseen_set"].truth)
        groups = prepared.links["victim_person_id"].to_numpy()
        train, valid, test = split_groups(groups, seed=0, valid_fraction=0.2, test_fraction=0.2)
        chain = ScoringChain(ModelConfig(), DecisionConfig(), data["linkage_model"])
        chain.fit(prepared, seen.y, train, valid, groups)
        row: dict = {"reader": f"product, {name} linkage"}
        for setting, part, incidents, rows_ in (
            ("", prepared, seen, np.flatnonzero(test)),
            ("unseen ", unseen_prepared, unseen, np.arange(len(unseen.y))),
        ):
            linked = dataclasses.replace(
                incidents, pair=part.links["pair_id"].to_numpy(),
                victim=part.links["victim_person_id"].to_numpy(),
            )  # fmt: skip
            scores = chain.predict_proba(chain.features(part))
            pairs = linked.open_pairs(scores, rows_)
            row |= {
                f"{setting}{k}": v for k, v in _with_repeated(pairs, chain.flag_threshold).items()
            }
            if name == "truth" and not setting:
                truth_pairs = pairs
        rows.append(row)
    return rows, truth_pairs


def errors_at_recall(test_pairs: dict[str, pd.DataFrame], recall: float) -> pd.DataFrame:
    """Per reader, at the score that finds ``recall`` of the stalking test pairs: false alarms
    by scenario and among pairs with no ``minimal`` note, and stalking pairs missed."""
    table = {}
    for reader, pairs in test_pairs.items():
        stalking = np.sort(pairs.loc[pairs["y"] == 1, "score"].to_numpy())[::-1]
        cut = stalking[int(np.ceil(recall * len(stalking))) - 1]
        flagged = pairs["score"] >= cut
        alarms = pairs[flagged & (pairs["y"] == 0)]
        column = alarms["scenario"].value_counts().to_dict()
        column["(false alarms, all)"] = len(alarms)
        column["(false alarms, no minimal note)"] = int((alarms["minimal"] == 0).sum())
        column["(precision)"] = float(pairs.loc[flagged, "y"].mean())
        table[reader] = column
    return pd.DataFrame(table).fillna(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=120_000)
    parser.add_argument("--n-unseen", type=int, default=15_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[57])
    parser.add_argument("--product", action="store_true", help="also fit the product's chain")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    synthetic = SyntheticConfig()
    rows, errors = [], []
    for seed in args.seeds:
        t0 = time.perf_counter()
        seen = export_with_facts(args.n, seed, synthetic.seen_styles,
                                 synthetic.incidental_detail)  # fmt: skip
        unseen = export_with_facts(args.n_unseen, seed + 1000, synthetic.unseen_styles,
                                   synthetic.incidental_detail)  # fmt: skip
        seen_incidents, unseen_incidents = Incidents.of(*seen[:2]), Incidents.of(*unseen[:2])
        unseen_features = course_features(*unseen)
        features = {
            written: course_features(*seen, as_written=written) for written in (False, True)
        }
        print(f"seed {seed}: {len(features[False].columns)} fact features in "
              f"{time.perf_counter() - t0:.0f} s", flush=True)  # fmt: skip
        test_pairs = {}
        for name, written, subset in FEATURE_SETS:
            got, test_pairs[name] = measure(
                (features[written], seen_incidents), (unseen_features, unseen_incidents),
                _columns(features[written], subset),
            )  # fmt: skip
            rows.append({"seed": seed, "reader": f"ceiling: {name}"} | got)
            print(pd.DataFrame(rows[-1:]).to_string(), flush=True)
        if args.product:
            product, test_pairs["product, truth linkage"] = product_rows(
                args.n, args.n_unseen, seed, seen_incidents, unseen_incidents
            )
            for row in product:
                rows.append({"seed": seed} | row)
                print(pd.DataFrame(rows[-1:]).to_string(), flush=True)
        keep = ["facts, all", "facts as written", "behaviours as written + shape",
                "product, truth linkage"]  # fmt: skip
        errors.append(errors_at_recall({k: v for k, v in test_pairs.items() if k in keep},
                                       GOAL_RECALL))  # fmt: skip
    cmd = (
        f".venv/bin/python experiments/knowable_ceiling.py --n {args.n} "
        f"--n-unseen {args.n_unseen} --seeds {' '.join(map(str, args.seeds))}"
        + (" --product" if args.product else "")
        + (f" --out {args.out}" if args.out else "")
    )
    emit(_report(pd.DataFrame(rows), errors, cmd), args.out)


def _report(table: pd.DataFrame, errors: list[pd.DataFrame], cmd: str) -> list[str]:
    unseen = [c for c in table.columns if c.startswith("unseen ")]
    seen = [c for c in table.columns if c not in unseen]
    lines = [
        "# What the synthetic data allows: a reader of every latent fact, beside the product",
        "", f"`{cmd}`", "", __doc__.split("\n\n", 2)[2].strip(), "",
    ]  # fmt: skip
    for title, columns in (("seen-style test victims", seen), ("unseen styles", unseen)):
        part = table[columns if "reader" in columns else ["seed", "reader", *columns]]
        part = part.rename(columns=lambda c: c.removeprefix("unseen "))
        means = part.drop(columns="seed").groupby("reader", sort=False).mean().reset_index()
        lines += [f"## {title}: mean over seeds", "", means.to_markdown(index=False, floatfmt=".3f"),
                  "", f"## {title}: per seed", "", part.to_markdown(index=False, floatfmt=".3f"),
                  ""]  # fmt: skip
    summed = errors[0]
    for more in errors[1:]:
        summed = summed.add(more, fill_value=0)
    summed.loc["(precision)"] /= len(errors)
    totals = [i for i in summed.index if i.startswith("(")]
    summed = summed.loc[sorted(i for i in summed.index if i not in totals) + totals]
    lines += [
        f"## Errors at recall {GOAL_RECALL:.2f}, seen-style test victims, summed over seeds",
        "",
        "Each reader's own score at which it finds 90% of the stalking test pairs (true pairs);",
        "false alarms by the scenario the pair really is, and precision (mean over seeds).",
        "",
        summed.to_markdown(floatfmt=".3f"),
        "",
    ]
    return lines


if __name__ == "__main__":
    main()
