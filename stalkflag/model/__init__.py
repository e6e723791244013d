"""The model: features in the context of each suspect -> victim pair, a calibrated classifier,
a decision with a review band, faithful reasons; training runs tracked in MLflow.

- :mod:`._config`: the typed training config (``pipelines/train.yaml``).
- :mod:`._chain`: :class:`ScoringChain`, everything a score depends on, saved without pickle.
- :mod:`._evaluate`: incident- and pattern-level figures on held-out data.
- :mod:`._train`: a training run (split, fit, evaluate).
"""

from stalkflag.model._chain import Prepared, ScoringChain, prepare, recorded_labels
from stalkflag.model._config import TrainConfig, load_config
from stalkflag.model._train import TrainResult, run_training

__all__ = [
    "Prepared",
    "ScoringChain",
    "TrainConfig",
    "TrainResult",
    "load_config",
    "prepare",
    "recorded_labels",
    "run_training",
]
