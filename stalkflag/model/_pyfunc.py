"""The MLflow model of the whole scoring chain, logged as code (MLflow "models from code"), so
nothing is pickled: the chain itself is the ``chain`` artifact (skops + JSON)."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel


class StalkflagModel(PythonModel):
    """The scoring chain as an MLflow model: what ``mlflow models serve`` serves.

    Input: an export as a frame, the contract's columns (``stalkflag.schema``) as text. The
    signature lists every contract column as optional; the model itself requires
    ``incident_id``, ``reported_at``, ``recorded_category`` and ``notes`` (MLflow's own check
    would put the whole request, notes and names, in its error message). Other columns are
    ignored.

    Output: one row per input row, in the input's order and with its index
    (:data:`stalkflag.model._served.SERVED_COLUMNS`; a missing value is ``None``, JSON
    ``null``):

    - ``row`` (long): the row's position in the request, from 0;
    - ``status`` (string): ``scored``, or ``rejected`` when validation rejected the row;
    - ``incident_id`` (string): as sent; for a rejected row only when it is ID-shaped (a name
      or a phone number typed into it is not sent back);
    - ``pair_id``, ``victim_person_id``, ``suspect_person_id`` (string), ``reported_at``
      (datetime), ``recorded_category`` (string), ``score`` (double, 0 to 1), ``decision``
      (``flag``, ``review`` or ``clear``), ``flagged`` (boolean), ``reasons`` (text) and
      ``evidence`` (JSON text): the score and its reasons, as ``stalkflag score`` writes them
      in ``incidents``; empty on a rejected row;
    - ``problems`` (JSON text): every problem validation found in the row, each with
      ``column``, ``code`` (stable: ``E1xx`` reject the row, ``W2xx`` warn, ``F003`` a
      required column missing from the request), ``severity`` (``error`` or ``warning``),
      ``value`` (masked: never a personal value) and ``message``; ``[]`` when none;
    - ``rejected_reasons`` (text): a rejected row's errors as one line,
      ``column: message [code]; ...``, as in ``stalkflag validate``'s rejects file.

    A request without a required column comes back with every row rejected (``F003``, naming
    the column). No message holds a note, a name or any value that is not known to be safe.
    """

    def load_context(self, context) -> None:
        from stalkflag.model._chain import ScoringChain

        self.chain = ScoringChain.load(Path(context.artifacts["chain"]))

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        from stalkflag.model._served import serve_frame

        return serve_frame(self.chain, pd.DataFrame(model_input))


mlflow.models.set_model(StalkflagModel())
