"""stalkflag: police incident logs -> people linked with Splink -> likely stalking flagged."""

import os as _os

__version__ = "0.1.0"

# Police data stays in: MLflow's usage telemetry (which also writes an installation ID under
# the user's home) is off unless the user has said otherwise. MLflow reads this when it is
# imported, and every stalkflag import of MLflow comes after this package's.
_os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
