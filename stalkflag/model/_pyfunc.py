"""The MLflow model of the whole scoring chain, logged as code (MLflow "models from code"), so
nothing is pickled: the chain itself is the ``chain`` artifact (skops + JSON)."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel


class StalkflagModel(PythonModel):
    """Input: an export frame (the contract's columns, as text). Output: one row per accepted
    incident with ``incident_id, pair_id, score, decision, flagged, reasons`` and more; rows
    that fail validation are left out (use ``stalkflag score`` to get them as a rejects file)."""

    def load_context(self, context) -> None:
        from stalkflag.model._chain import ScoringChain

        self.chain = ScoringChain.load(Path(context.artifacts["chain"]))

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        from stalkflag.model._score import score_frame

        scores, _ = score_frame(self.chain, model_input)
        return scores


mlflow.models.set_model(StalkflagModel())
