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
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from _report import emit
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, precision_recall_curve

from stalkflag.features import behaviour_matrix, pattern_features
from stalkflag.io import read_export, write_frame
from stalkflag.linkage import link_incidents
from stalkflag.synth import SynthConfig, generate
from stalkflag.text import make_text_pipeline
from stalkflag.text._placeholders import mask_doc, name_lexicon
from stalkflag.validate import validate_export

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

    export, truth = generate(SynthConfig(args.n, seed=args.seed), workers=2)
    with tempfile.TemporaryDirectory() as tmp:
        incidents = validate_export(read_export(write_frame(export, Path(tmp) / "x.csv"))).accepted
    truth = truth.set_index("incident_id").loc[incidents["incident_id"]].reset_index()
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
    for setting, (train, test) in settings.items():
        rows = []
        recorded = (incidents["recorded_category"].to_numpy() == "stalking").astype(float)
        rows.append(
            _evaluate(
                "baseline: recorded category",
                y[test],
                recorded[test],
                misrecorded[test],
                truth["pattern_id"][test],
                threshold=0.5,
            )
        )
        keyword = notes.str.contains(r"stalk|follow|watching").to_numpy().astype(float)
        rows.append(
            _evaluate(
                "baseline: keywords (stalk, follow, watching)",
                y[test],
                keyword[test],
                misrecorded[test],
                truth["pattern_id"][test],
                threshold=0.5,
            )
        )
        tfidf = TfidfVectorizer(
            min_df=3, ngram_range=(1, 2), sublinear_tf=True, max_features=50_000
        )
        text_train = tfidf.fit_transform([masked[i] for i in np.flatnonzero(train)])
        lr = LogisticRegression(max_iter=2000, C=2.0).fit(text_train, y[train])
        s_lr = lr.predict_proba(tfidf.transform([masked[i] for i in np.flatnonzero(test)]))[:, 1]
        rows.append(
            _evaluate(
                "baseline: TF-IDF + LR, single incidents",
                y[test],
                s_lr,
                misrecorded[test],
                truth["pattern_id"][test],
            )
        )
        gb = HistGradientBoostingClassifier(random_state=0).fit(X[train], y[train])
        s_gb = gb.predict_proba(X[test])[:, 1]
        rows.append(
            _evaluate(
                "stalkflag v0: pattern features, HGB",
                y[test],
                s_gb,
                misrecorded[test],
                truth["pattern_id"][test],
            )
        )
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
