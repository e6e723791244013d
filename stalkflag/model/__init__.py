"""The model: features in the context of each suspect -> victim pair, a calibrated classifier,
a decision with a review band, faithful reasons; training runs tracked in MLflow.

- :mod:`._config`: the typed training config (``pipelines/train.yaml``).
- :mod:`._chain`: :class:`ScoringChain`, everything a score depends on, saved without pickle.
- :mod:`._evaluate`: incident- and pattern-level figures on held-out data.
- :mod:`._train`: a training run (split, fit, evaluate).
- :mod:`._external`: a model measured on any labelled export (``stalkflag evaluate``), with
  :mod:`._lead_time` (how early the flag fires).

Most callers need only :mod:`stalkflag.api`. The configs, splits and figures below are public
too, for research scripts that fit and measure chains themselves (``experiments/``).
"""

from stalkflag.model._chain import (
    Prepared,
    ScoringChain,
    prepare,
    recorded_labels,
    threshold_at_precision,
)
from stalkflag.model._config import (
    DecisionConfig,
    ModelConfig,
    SplitConfig,
    SyntheticConfig,
    TrainConfig,
    load_config,
)
from stalkflag.model._evaluate import best_operating_point, pairs_of, true_pattern_recall
from stalkflag.model._external import (
    ExternalEvaluation,
    check_labels,
    evaluate_export,
    join_labels,
    measure,
    read_labels,
)
from stalkflag.model._lead_time import lead_time, lead_time_summary
from stalkflag.model._train import TrainResult, run_training, split_groups

__all__ = [
    "DecisionConfig",
    "ExternalEvaluation",
    "ModelConfig",
    "Prepared",
    "ScoringChain",
    "SplitConfig",
    "SyntheticConfig",
    "TrainConfig",
    "TrainResult",
    "best_operating_point",
    "check_labels",
    "evaluate_export",
    "join_labels",
    "lead_time",
    "lead_time_summary",
    "load_config",
    "measure",
    "pairs_of",
    "prepare",
    "read_labels",
    "recorded_labels",
    "run_training",
    "split_groups",
    "threshold_at_precision",
    "true_pattern_recall",
]
