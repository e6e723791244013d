"""First look (issue 4, exploratory): baselines vs a first model on pattern features.

Run: ``.venv/bin/python experiments/model_first_look.py --n 30000 --seed 31 --out experiments/model_first_look.md``

Not the product model (no calibration, no MLflow, no tuning): a measurement of where the
features stand before the training pipeline is built. Everything is fitted on training
patterns and measured on held-out patterns (split by true pattern, so no pair is in both), in
two settings: all styles, and test writing styles never seen in training.

Scores: incident-level PR-AUC; recall and precision on stalking incidents *not recorded as
stalking* at the threshold that gives 0.80 precision overall; pattern level (a pattern's score
is its last incident's score, which by construction has seen the whole pattern).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from _report import emit, validated_synthetic
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, precision_recall_curve

from stalkflag.features import behaviour_matrix, pattern_features
from stalkflag.linkage import link_incidents
from stalkflag.text import make_text_pipeline
from stalkflag.text._placeholders import mask_doc, name_lexicon

UNSEEN_STYLES = ("statement", "verbose", "informal")


def _threshold_for_precision(y: np.ndarray, s: np.ndarray, target: float) -> float:
    precision, _, thresholds = precision_recall_curve(y, s)
    ok = np.flatnonzero(precision[:-1] >= target)
    return float(thresholds[ok[0]]) if len(ok) else float("inf")


def _evaluate(name: str, y, s, misrecorded, pattern, threshold=None) -> dict:
    y, s = np.asarray(y), np.asarray(s, dtype=float)
    thr = _threshold_for_precision(y, s, 0.8) if threshold is None else threshold
    flag = s >= thr
    mis = np.asarray(misrecorded)
    last = pd.DataFrame({"p": pattern, "y": y, "s": s}).groupby("p").last()
    return {
        "method": name,
        "PR-AUC": average_precision_score(y, s),
        "precision": (y[flag] == 1).mean() if flag.any() else np.nan,
        "recall (all stalking)": flag[y == 1].mean(),
        "recall (misrecorded)": flag[mis].mean(),
        "pattern PR-AUC": average_precision_score(last["y"], last["s"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    incidents, truth = validated_synthetic(args.n, args.seed)
    links = link_incidents(incidents).incidents
    nlp = make_text_pipeline()
    docs = list(nlp.pipe(incidents["notes"].tolist(), batch_size=512))
    names = name_lexicon(
        incidents["victim_name"].dropna().tolist() + incidents["suspect_name"].dropna().tolist()
    )
    masked = [mask_doc(d, names) for d in docs]
    X = pattern_features(incidents, links, behaviour_matrix(docs))
    y = truth["label"].to_numpy().astype(int)
    misrecorded = (y == 1) & (incidents["recorded_category"].to_numpy() != "stalking")

    rng = np.random.default_rng(args.seed)
    patterns = truth["pattern_id"].unique()
    test_patterns = set(rng.choice(patterns, size=len(patterns) * 3 // 10, replace=False))
    in_test = truth["pattern_id"].isin(test_patterns).to_numpy()
    style = truth["style"].to_numpy()
    settings = {
        "held-out patterns, all styles": (~in_test, in_test),
        "held-out patterns, unseen styles (" + ", ".join(UNSEEN_STYLES) + ")": (
            ~in_test & ~np.isin(style, UNSEEN_STYLES),
            in_test & np.isin(style, UNSEEN_STYLES),
        ),
    }
    notes = incidents["notes"].str.lower()
    lines = [
        f"# First look: baselines vs a first model (n={args.n:,}, seed={args.seed})",
        "",
        f"`.venv/bin/python experiments/model_first_look.py --n {args.n} --seed {args.seed}`. Exploratory: "
        "no calibration, no tuning; the first stalkflag model is HistGradientBoosting on the pattern "
        "features (no look-ahead) with default settings. Flags at the threshold giving 0.80 "
        "precision on the test set itself (an optimistic choice, the same for every method).",
        "",
    ]
    recorded = (incidents["recorded_category"].to_numpy() == "stalking").astype(float)
    keyword = notes.str.contains(r"stalk|follow|watching").to_numpy().astype(float)
    for setting, (train, test) in settings.items():

        def score(name: str, scores, threshold=None, test=test) -> dict:
            return _evaluate(
                name, y[test], scores, misrecorded[test], truth["pattern_id"][test], threshold
            )

        tfidf = TfidfVectorizer(
            min_df=3, ngram_range=(1, 2), sublinear_tf=True, max_features=50_000
        )
        text_train = tfidf.fit_transform([masked[i] for i in np.flatnonzero(train)])
        lr = LogisticRegression(max_iter=2000, C=2.0).fit(text_train, y[train])
        gb = HistGradientBoostingClassifier(random_state=0).fit(X[train], y[train])
        rows = [
            score("baseline: recorded category", recorded[test], threshold=0.5),
            score("baseline: keywords (stalk, follow, watching)", keyword[test], threshold=0.5),
            score(
                "baseline: TF-IDF + LR, single incidents",
                lr.predict_proba(tfidf.transform([masked[i] for i in np.flatnonzero(test)]))[:, 1],
            ),
            score("stalkflag v0: pattern features, HGB", gb.predict_proba(X[test])[:, 1]),
        ]
        table = pd.DataFrame(rows).set_index("method")
        lines += [
            f"## {setting}",
            "",
            f"train incidents {int(train.sum()):,}, test incidents {int(test.sum()):,}",
            "",
            table.to_markdown(floatfmt=".3f"),
            "",
        ]
    emit(lines, args.out)


if __name__ == "__main__":
    main()
