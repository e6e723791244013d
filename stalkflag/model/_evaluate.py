"""Measuring a scorer on held-out incidents, at incident and pattern (suspect -> victim pair) level.

The population that matters is what stalkflag exists to find: stalking *not recorded as
stalking*. So precision and recall are measured over incidents not recorded as stalking and
over pairs none of whose incidents was recorded as stalking. A pair is flagged when any of its
incidents is flagged (its score is its highest incident score); its calibration is judged on
its latest incident, whose score has seen the whole pattern.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binomtest
from sklearn.metrics import average_precision_score

__all__ = [
    "best_operating_point",
    "by_group",
    "ece",
    "evaluate_scores",
    "markdown",
    "operating_point",
    "truth_groups",
]


def ece(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: the mean gap between predicted and observed rates over
    equal-width score bins, weighted by the bins' sizes."""
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    if not len(y):
        return float("nan")
    which = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            total += inside.sum() * abs(p[inside].mean() - y[inside].mean())
    return total / len(y)


def wilson_lower_bound(share: np.ndarray, n: np.ndarray, z: float) -> np.ndarray:
    """The lower end of the Wilson score interval for a share observed on ``n`` items (Wilson
    1927): ``z`` = 1 is a one-sided 84% bound."""
    share, n = np.asarray(share, dtype=float), np.asarray(n, dtype=float)
    centre = share + z * z / (2 * n)
    spread = z * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for ``successes`` out of ``n`` (scipy's), treating the items as
    independent draws; ``(nan, nan)`` when ``n`` is 0."""
    if n == 0:
        return float("nan"), float("nan")
    interval = binomtest(int(successes), int(n)).proportion_ci(confidence, method="wilson")
    return float(interval.low), float(interval.high)


def operating_point(y: np.ndarray, flagged: np.ndarray) -> dict[str, float]:
    """Precision, recall and false alarms of a yes/no decision, with the counts behind them."""
    y, flagged = np.asarray(y).astype(bool), np.asarray(flagged).astype(bool)
    tp = int((flagged & y).sum())
    fp = int((flagged & ~y).sum())
    positives = int(y.sum())
    return {
        "precision": tp / (tp + fp) if tp + fp else float("nan"),
        "recall": tp / positives if positives else float("nan"),
        "false_alarms": fp,
        "flagged": tp + fp,
        "hits": tp,
        "positives": positives,
    }


def best_operating_point(y: np.ndarray, scores: np.ndarray, *, precision=None, recall=None):
    """The model's best point against a fixed one: the most recall at (at least) a precision,
    or the fewest false alarms at (at least) a recall."""
    y = np.asarray(y).astype(bool)
    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    s, t = np.asarray(scores, dtype=float)[order], y[order]
    tp, fp = np.cumsum(t), np.cumsum(~t)
    cut = np.r_[s[1:] != s[:-1], True]
    prec, rec = tp / np.arange(1, len(t) + 1), tp / max(y.sum(), 1)
    if precision is not None:
        ok = np.flatnonzero(cut & (prec >= precision))
        return {"recall": float(rec[ok].max()) if len(ok) else 0.0}
    ok = np.flatnonzero(cut & (rec >= recall))
    return {"false_alarms": int(fp[ok].min()) if len(ok) else int((~y).sum())}


def pairs_of(
    pair: np.ndarray, y: np.ndarray, scores: np.ndarray, recorded: np.ndarray, order_key: np.ndarray
) -> pd.DataFrame:
    """Per pair: label, highest score, latest score, and whether anything was recorded as
    stalking."""
    frame = pd.DataFrame(
        {
            "pair": pair,
            "y": np.asarray(y).astype(int),
            "score": scores,
            "recorded": recorded,
            "k": order_key,
        }
    ).sort_values(["pair", "k"], kind="stable")
    grouped = frame.groupby("pair", sort=False)
    out = grouped.agg(y=("y", "max"), score=("score", "max"), recorded=("recorded", "max"))
    out["latest"] = grouped["score"].last()
    return out


def evaluate_scores(
    y: np.ndarray,
    scores: np.ndarray,
    *,
    pair: np.ndarray,
    recorded_stalking: np.ndarray,
    order_key: np.ndarray,
    flag_threshold: float,
    review_threshold: float | None = None,
    true_pattern: np.ndarray | None = None,
) -> dict[str, float]:
    """Every headline figure for one scorer on one held-out set.

    ``pattern_*`` figures are over linked pairs (what linkage made of the export, and what an
    auditor reviews); with ``true_pattern`` (synthetic truth) ``true_pattern_recall`` is over
    the courses of conduct themselves (:func:`true_pattern_recall`).

    Args:
        y: True label of each incident (1 = part of a stalking course of conduct).
        scores: The scorer's score for each incident.
        pair: The suspect -> victim pair of each incident.
        recorded_stalking: Whether each incident was recorded as stalking.
        order_key: Sorts a pair's incidents in time.
        flag_threshold: Scores at or above it are flagged.
        review_threshold: Scores at or above it go to review (when the scorer has a band).
        true_pattern: The true course of conduct of each incident, when known.
    """
    y = np.asarray(y).astype(int)
    scores = np.asarray(scores, dtype=float)
    recorded_stalking = np.asarray(recorded_stalking).astype(bool)
    out: dict[str, float] = {}
    open_ = ~recorded_stalking
    yi, si = y[open_], scores[open_]
    out["incident_pr_auc"] = float(average_precision_score(yi, si))
    point = operating_point(yi, si >= flag_threshold)
    out["incident_precision"], out["incident_recall"] = point["precision"], point["recall"]
    out["incident_ece"] = ece(yi, si)
    pairs = pairs_of(pair, y, scores, recorded_stalking, order_key)
    op = pairs[~pairs["recorded"].astype(bool)]
    out["pattern_pr_auc"] = float(average_precision_score(op["y"], op["score"]))
    point = operating_point(op["y"], op["score"] >= flag_threshold)
    out["pattern_precision"] = point["precision"]
    out["pattern_recall"] = point["recall"]
    out["pattern_false_alarms"] = point["false_alarms"]
    hits = int(point["hits"])
    out["pattern_recall_low"], out["pattern_recall_high"] = wilson_interval(
        hits, int(point["positives"])
    )
    out["pattern_precision_low"], out["pattern_precision_high"] = wilson_interval(
        hits, int(point["flagged"])
    )
    out["pattern_ece"] = ece(op["y"].to_numpy(), op["latest"].to_numpy())
    out["n_pairs"] = len(op)
    out["n_stalking_pairs"] = int(point["positives"])
    if true_pattern is not None:
        out |= true_pattern_recall(
            true_pattern, y, scores >= flag_threshold, recorded_stalking, pair
        )
        courses = int(out["n_true_stalking_patterns"])
        found = round(out["true_pattern_recall"] * courses) if courses else 0
        out["true_pattern_recall_low"], out["true_pattern_recall_high"] = wilson_interval(
            found, courses
        )
    if review_threshold is not None:
        review = (op["score"] >= review_threshold) & (op["score"] < flag_threshold)
        clear = op["score"] < review_threshold
        out["review_share"] = float(review.mean())
        out["stalking_in_review"] = float(op["y"][review].mean()) if review.any() else float("nan")
        out["missed_when_cleared"] = float(op["y"][clear].mean()) if clear.any() else float("nan")
        out["recall_flag_or_review"] = float((op["score"][op["y"] == 1] >= review_threshold).mean())
    return out


def true_pattern_recall(
    pattern: np.ndarray,
    y: np.ndarray,
    flagged: np.ndarray,
    recorded_stalking: np.ndarray,
    pair: np.ndarray,
) -> dict[str, float]:
    """Recall over true stalking courses of conduct none of whose incidents was recorded as
    stalking: the share with at least one incident flagged.

    A course of conduct that linkage split over several linked pairs counts once here, and is
    found when any of its pairs is flagged; over linked pairs (``pattern_recall``) each piece
    counts, and must be flagged, on its own.

    Returns:
        ``true_pattern_recall``, ``n_true_stalking_patterns`` and
        ``true_patterns_split`` (the share of them whose incidents linkage put in more than one
        pair).
    """
    frame = pd.DataFrame(
        {
            "pattern": np.asarray(pattern),
            "y": np.asarray(y).astype(int),
            "flagged": np.asarray(flagged).astype(bool),
            "recorded": np.asarray(recorded_stalking).astype(bool),
            "pair": np.asarray(pair),
        }
    )
    per = frame.groupby("pattern", sort=False).agg(
        y=("y", "max"), flagged=("flagged", "max"), recorded=("recorded", "max"),
        pairs=("pair", "nunique"),
    )  # fmt: skip
    open_ = per[(per["y"] == 1) & ~per["recorded"]]
    if not len(open_):
        return {"true_pattern_recall": float("nan"), "n_true_stalking_patterns": 0,
                "true_patterns_split": float("nan")}  # fmt: skip
    return {
        "true_pattern_recall": float(open_["flagged"].mean()),
        "n_true_stalking_patterns": len(open_),
        "true_patterns_split": float((open_["pairs"] > 1).mean()),
    }


def truth_groups(pair: np.ndarray, order_key: np.ndarray, truth: pd.DataFrame) -> pd.DataFrame:
    """Per pair, the synthetic truth's relationship and whether the behaviour was online only,
    taken from the pair's first incident, and its writing style (``mixed`` when its notes are
    written in more than one). ``truth`` is aligned with ``pair``."""
    online = truth["online_only"].to_numpy().astype(bool)
    frame = pd.DataFrame(
        {
            "pair": pair,
            "relationship": truth["true_relationship"].to_numpy(),
            "online_only": np.where(online, "online only", "offline or both"),
            "k": order_key,
        }
    )
    first = frame.sort_values("k").groupby("pair").first()
    if "style" in truth:
        styles = pd.Series(truth["style"].to_numpy()).groupby(pair)
        first["writing_style"] = styles.agg(lambda v: v.iloc[0] if v.nunique() == 1 else "mixed")
    return first


def by_group(pairs: pd.DataFrame, group: pd.Series, flag_threshold: float) -> pd.DataFrame:
    """Recall and precision per group of pairs (e.g. relationship), over pairs not recorded as
    stalking. ``group`` is indexed like ``pairs``."""
    op = pairs[~pairs["recorded"].astype(bool)].copy()
    op["group"] = group.reindex(op.index).fillna("(unknown)").to_numpy()
    op["flagged"] = op["score"] >= flag_threshold
    rows: list[dict[str, Any]] = []
    for name, part in op.groupby("group", sort=True):
        point = operating_point(part["y"], part["flagged"])
        both = part["y"].nunique() == 2
        rows.append(
            {
                "group": name,
                "pairs": len(part),
                "stalking pairs": int(part["y"].sum()),
                "PR-AUC": average_precision_score(part["y"], part["score"]) if both else np.nan,
                "recall": point["recall"],
                "precision": point["precision"],
                "false alarms": point["false_alarms"],
            }
        )
    return pd.DataFrame(rows).set_index("group")


def markdown(frame: pd.DataFrame) -> str:
    """A table as Markdown: counts as whole numbers, rates to three decimals."""
    shown = frame.copy()
    for column in shown.columns:
        if pd.api.types.is_integer_dtype(shown[column]):
            shown[column] = shown[column].map("{:,}".format)
    return shown.to_markdown(floatfmt=".3f")
