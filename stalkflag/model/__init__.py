"""The model: features in the context of each suspect -> victim pair, a calibrated classifier,
a decision with a review band, faithful reasons; training runs tracked in MLflow.

- :mod:`._config`: the typed training config (``pipelines/train.yaml``).
- :mod:`._prepare`: incidents linked and read, laid out as the pipeline's input.
- :mod:`._estimators`: the learned steps as scikit-learn estimators (cross-fitted note
  scores, pair-history features, the classifier, thresholds) composed in one pipeline.
- :mod:`._chain`: :class:`ScoringChain`, the fitted pipeline with the linkage model and what
  explanations need; :mod:`._explain` gives reasons, :mod:`._persist` saves without pickle.
- :mod:`._evaluate`: incident- and pattern-level figures on held-out data.
- :mod:`._train`: a training run (split, fit, evaluate); :mod:`._tracking` logs it to MLflow
  as the pyfunc model of :mod:`._pyfunc`, whose input and output :mod:`._served` states.
- :mod:`._score`: scoring an export, and :class:`Scorer`, a chain kept warm to score one
  small export after another (the API).
- :mod:`._external`: a model measured on any labelled export (``stalkflag evaluate``), with
  :mod:`._lead_time` (how early the flag fires).
- :mod:`._calibrate`: a registered model's thresholds re-placed on a force's decided cases
  (``stalkflag calibrate``), registered as a new version by :mod:`._registry`.

Most callers need only :mod:`stalkflag.api`. The configs, splits and figures below are public
too, for research scripts that fit and measure chains themselves (``experiments/``).
"""

from stalkflag.model._calibrate import (
    MIN_PAIRS,
    MIN_STALKING_PAIRS,
    Calibration,
    calibrate,
    decided_pairs,
    place_on_decisions,
    read_decisions,
)
from stalkflag.model._chain import ScoringChain
from stalkflag.model._config import (
    DecisionConfig,
    ModelConfig,
    SplitConfig,
    SyntheticConfig,
    TrainConfig,
    load_config,
)
from stalkflag.model._estimators import (
    FlagThresholds,
    NoteTextScores,
    PairHistoryFeatures,
    make_model_pipeline,
    threshold_at_precision,
)
from stalkflag.model._evaluate import (  # figures on held-out scores, overall and per group
    best_operating_point,
    by_group,
    evaluate_scores,
    markdown,
    pairs_of,
    true_pattern_recall,
    truth_groups,
)
from stalkflag.model._external import (
    ExternalEvaluation,
    check_labels,
    evaluate_export,
    join_labels,
    measure,
    read_labels,
)
from stalkflag.model._lead_time import lead_time, lead_time_summary
from stalkflag.model._prepare import (
    Prepared,
    name_first_seen,  # with read_incidents: any subset of an export's notes read as the whole
    prepare,
    read_incidents,
    recorded_labels,
    time_order,  # the order key pairs_of and evaluate_scores take
)
from stalkflag.model._score import Scorer  # a chain kept warm for one request after another
from stalkflag.model._tracking import compatibility  # what a saved chain needs; keys caches
from stalkflag.model._train import (  # KEYWORDS, synthetic_dataset: as training has them
    KEYWORDS,
    TrainResult,
    run_training,
    split_groups,
    synthetic_dataset,
)

__all__ = [
    "KEYWORDS",
    "MIN_PAIRS",
    "MIN_STALKING_PAIRS",
    "Calibration",
    "DecisionConfig",
    "ExternalEvaluation",
    "FlagThresholds",
    "ModelConfig",
    "NoteTextScores",
    "PairHistoryFeatures",
    "Prepared",
    "Scorer",
    "ScoringChain",
    "SplitConfig",
    "SyntheticConfig",
    "TrainConfig",
    "TrainResult",
    "best_operating_point",
    "by_group",
    "calibrate",
    "check_labels",
    "compatibility",
    "decided_pairs",
    "evaluate_export",
    "evaluate_scores",
    "join_labels",
    "lead_time",
    "lead_time_summary",
    "load_config",
    "make_model_pipeline",
    "markdown",
    "measure",
    "name_first_seen",
    "pairs_of",
    "place_on_decisions",
    "prepare",
    "read_decisions",
    "read_incidents",
    "read_labels",
    "recorded_labels",
    "run_training",
    "split_groups",
    "synthetic_dataset",
    "threshold_at_precision",
    "time_order",
    "true_pattern_recall",
    "truth_groups",
]
