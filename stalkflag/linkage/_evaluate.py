"""Measure linkage against ground truth: pairwise and B-cubed scores, and two baselines."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["cluster_scores", "exact_id_baseline", "exact_name_dob_baseline"]


def _pairs(counts: np.ndarray) -> float:
    return float((counts * (counts - 1) / 2).sum())


def cluster_scores(predicted: Sequence, truth: Sequence) -> dict[str, float]:
    """Pairwise precision/recall/F1 and B-cubed precision/recall/F1 of a clustering.

    Args:
        predicted: Predicted cluster per item.
        truth: True cluster per item (same order).

    Returns:
        ``pairwise_precision``, ``pairwise_recall``, ``pairwise_f1``, ``bcubed_precision``,
        ``bcubed_recall``, ``bcubed_f1`` and ``items``.
    """
    frame = pd.DataFrame(
        {
            "p": pd.Series(predicted, dtype=object).to_numpy(),
            "t": pd.Series(truth, dtype=object).to_numpy(),
        }
    )
    if frame.isna().any().any():
        raise ValueError("every item needs a predicted and a true cluster")
    both = frame.groupby(["p", "t"]).size()
    p_size = frame.groupby("p").size()
    t_size = frame.groupby("t").size()
    tp = _pairs(both.to_numpy())
    pp, tt = _pairs(p_size.to_numpy()), _pairs(t_size.to_numpy())
    precision = tp / pp if pp else 1.0
    recall = tp / tt if tt else 1.0
    # B-cubed: for each item, |its predicted ∩ true cluster| / |predicted| (and / |true|).
    cell = both.reindex(pd.MultiIndex.from_frame(frame[["p", "t"]])).to_numpy()
    b_precision = float(np.mean(cell / p_size.reindex(frame["p"]).to_numpy()))
    b_recall = float(np.mean(cell / t_size.reindex(frame["t"]).to_numpy()))
    return {
        "pairwise_precision": precision,
        "pairwise_recall": recall,
        "pairwise_f1": _f1(precision, recall),
        "bcubed_precision": b_precision,
        "bcubed_recall": b_recall,
        "bcubed_f1": _f1(b_precision, b_recall),
        "items": float(len(frame)),
    }


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def exact_id_baseline(ids: pd.Series, row_keys: pd.Series) -> pd.Series:
    """Same force person ID -> same person; no ID -> a person of its own."""
    return ids.where(ids.notna(), "row:" + row_keys.astype(str)).astype(str)


def exact_name_dob_baseline(
    first: pd.Series, surname: pd.Series, dob: pd.Series, row_keys: pd.Series
) -> pd.Series:
    """Same normalised first name, surname and date of birth -> same person; otherwise alone."""
    complete = first.notna() & surname.notna() & dob.notna()
    key = first.astype(str) + "|" + surname.astype(str) + "|" + dob.astype(str)
    return key.where(complete, "row:" + row_keys.astype(str))
