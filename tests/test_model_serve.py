"""The MLflow model as a served contract: its signature, one output row per request row, no
personal value in any message, and ``mlflow models serve -m models:/stalkflag@champion
--env-manager local`` run for real as README.md shows it (a subprocess on a free port, a real
MLflow store in a temporary folder)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import requests

from stalkflag.model._chain import SCORE_COLUMNS
from stalkflag.model._served import SERVED_COLUMNS, serve_frame
from stalkflag.model._tracking import INPUT_EXAMPLE
from stalkflag.schema import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

MLFLOW = Path(sys.executable).parent / "mlflow"

# Values that must never come back: a name, a phone number, an email and a sentence of a note,
# each typed where it does not belong so that its row is rejected, and the personal fields of
# the rejected rows.
NAME, PHONE, EMAIL = "Darren Whitfield", "07700 900461", "jane.whit@example.org"
NOTE = "Left a dead crow on her doorstep and photographed her children"
OWN_NOTE = "Rang her mother twelve times asking where she lives now"
PERSONAL = ("Marnie Okonjo", "Kyle Ashdown", "V-SECRET-88", "S-SECRET-99")
NEVER_SENT_BACK = (NAME, PHONE, "900461", EMAIL, NOTE, "dead crow", OWN_NOTE, "twelve", *PERSONAL)


def _bad_rows() -> pd.DataFrame:
    """Four rows that validation rejects, each for a value that must not be echoed."""
    good = INPUT_EXAMPLE.iloc[0]
    rows = [
        {**good, "incident_id": "BAD-1", "recorded_category": NAME},  # a column shift
        {**good, "incident_id": "BAD-2", "reported_at": PHONE},
        {**good, "incident_id": NAME, "reported_at": None},  # a name as the id, no date
        {**good, "incident_id": EMAIL, "recorded_category": NOTE},
    ]
    personal = dict(
        zip(["victim_name", "suspect_name", "victim_id", "suspect_id"], PERSONAL, strict=True)
    )
    personal["notes"] = OWN_NOTE
    return pd.DataFrame([{**row, **personal} for row in rows])


def _request() -> pd.DataFrame:
    """Three good rows (one pair), the four bad rows between them; no date of birth or label
    column (optional), one column the contract does not have."""
    frame = pd.concat(
        [INPUT_EXAMPLE.iloc[:2], _bad_rows(), INPUT_EXAMPLE.iloc[2:]], ignore_index=True
    )
    frame = frame.drop(columns=["victim_dob", "suspect_dob"])
    frame["officer_shoulder_number"] = "1234"
    return frame


EXPECTED = {  # row -> (status, incident_id sent back, codes of its problems by column)
    0: ("scored", "EX-1", {}),
    1: ("scored", "EX-2", {}),
    2: ("rejected", "BAD-1", {"recorded_category": "E105"}),
    3: ("rejected", "BAD-2", {"reported_at": "E103"}),
    4: ("rejected", None, {"reported_at": "E101"}),
    5: ("rejected", None, {"recorded_category": "E105"}),
    6: ("scored", "EX-3", {}),
}


def _check_answer(out: pd.DataFrame) -> None:
    assert list(out.columns) == list(SERVED_COLUMNS)
    assert out["row"].tolist() == list(range(len(EXPECTED)))
    for row, (status, incident_id, codes) in EXPECTED.items():
        got = out.iloc[row]
        assert (got["status"], got["incident_id"]) == (status, incident_id), row
        problems = json.loads(got["problems"])
        assert {p["column"]: p["code"] for p in problems} == codes, (row, problems)
        if status == "scored":
            assert 0 <= got["score"] <= 1 and got["decision"] in {"flag", "review", "clear"}
            assert got["pair_id"] and pd.isna(got["rejected_reasons"])
            continue
        assert all(pd.isna(got[c]) for c in SCORE_COLUMNS if c != "incident_id"), row
        for column, code in codes.items():
            assert f"{column}: " in got["rejected_reasons"]
            assert f"[{code}]" in got["rejected_reasons"]
    assert out.loc[out["status"] == "scored", "pair_id"].nunique() == 1


def _check_nothing_personal(text: str) -> None:
    leaked = [value for value in NEVER_SENT_BACK if value.lower() in text.lower()]
    assert leaked == []


# -- in process --------------------------------------------------------------------------------


def test_serve_frame_gives_every_row_in_order_with_its_reasons(trained):
    request = _request()
    request.index = pd.Index([f"r{i}" for i in range(len(request))])
    before = request.copy()
    out = serve_frame(trained.chain, request)
    _check_answer(out)
    assert out.index.equals(request.index)
    pd.testing.assert_frame_equal(request, before)  # the request is not modified
    _check_nothing_personal(out.to_json())
    problem = json.loads(out.iloc[3]["problems"])[0]
    assert problem == problem | {"severity": "error", "value": "'<phone>'"}
    # the scores are the chain's own for the good rows alone
    alone = serve_frame(trained.chain, INPUT_EXAMPLE)
    assert out.loc[out["status"] == "scored", "score"].tolist() == alone["score"].tolist()


@pytest.mark.parametrize("missing", REQUIRED_COLUMNS)
def test_a_missing_required_column_rejects_every_row_naming_it(trained, missing):
    out = serve_frame(trained.chain, INPUT_EXAMPLE.drop(columns=[missing]))
    assert (out["status"] == "rejected").all() and out["score"].isna().all()
    for text in out["problems"]:
        assert json.loads(text) == [
            {
                "column": missing,
                "code": "F003",
                "severity": "error",
                "value": "",
                "message": "is missing from the request; the contract needs "
                + ", ".join(REQUIRED_COLUMNS),
            }
        ]
    assert out["rejected_reasons"].str.startswith(f"{missing}: is missing").all()


def test_an_empty_request_gives_no_rows_and_the_columns(trained):
    out = serve_frame(trained.chain, INPUT_EXAMPLE.iloc[:0])
    assert len(out) == 0 and list(out.columns) == list(SERVED_COLUMNS)


# -- the logged model --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(tracked) -> str:
    """The session's store (tests/conftest.py): its model logged and registered as
    ``stalkflag@champion`` by the training run's own code (``stalkflag.api.train``)."""
    return tracked.store


def test_the_signature_makes_optional_columns_optional_and_says_what_comes_back(store):
    import mlflow

    from stalkflag.model._tracking import use_tracking

    use_tracking(store)
    info = mlflow.models.get_model_info("models:/stalkflag@champion")
    inputs = info.signature.inputs
    assert set(inputs.input_names()) == {*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS}
    # All optional, the required ones included: the model checks those itself (MLflow's check
    # would answer with the request in its message), and the model's metadata names them.
    assert set(inputs.optional_input_names()) == {*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS}
    contract = info.metadata["stalkflag_contract"]
    assert contract["required_columns"] == list(REQUIRED_COLUMNS)
    assert contract["optional_columns"] == list(OPTIONAL_COLUMNS)
    outputs = info.signature.outputs
    assert outputs.input_names() == list(SERVED_COLUMNS)
    assert outputs.required_input_names() == ["row", "status"]


# -- mlflow models serve -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(store, tmp_path_factory):
    """``mlflow models serve -m models:/stalkflag@champion --env-manager local`` with
    ``MLFLOW_TRACKING_URI`` naming the store; stopped (its whole process group) at the end."""
    folder = tmp_path_factory.mktemp("serve")
    port = _free_port()
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": store,
        "MLFLOW_DISABLE_TELEMETRY": "true",
        # as with the environment activated: MLflow starts `uvicorn` from the PATH
        "PATH": os.pathsep.join([str(MLFLOW.parent), os.environ.get("PATH", "")]),
    }
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        [str(MLFLOW), "models", "serve", "-m", "models:/stalkflag@champion",
         "--env-manager", "local", "--host", "127.0.0.1", "--port", str(port)],
        cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server stopped:\n{(folder / 'server.log').read_text()[-3000:]}")
            try:
                if requests.get(f"{url}/ping", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"no /ping in 300 s:\n{(folder / 'server.log').read_text()[-3000:]}")
            time.sleep(1)
        yield url, folder / "server.log"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def _invoke(url: str, body: dict) -> requests.Response:
    return requests.post(
        f"{url}/invocations", data=json.dumps(body), timeout=300,
        headers={"Content-Type": "application/json"},
    )  # fmt: skip


def test_served_model_scores_good_rows_and_sends_bad_ones_back_with_reasons(server, trained):
    url, log = server
    request = _request()
    body = {"dataframe_split": json.loads(request.to_json(orient="split", index=False))}
    answer = _invoke(url, body)
    assert answer.status_code == 200, answer.text[-3000:]
    _check_nothing_personal(answer.text)
    out = pd.DataFrame(answer.json()["predictions"])
    _check_answer(out)
    # what the server computed is what the chain computes in process
    here = serve_frame(trained.chain, request)
    pd.testing.assert_series_equal(out["score"], here["score"].astype(float))
    assert out["reported_at"].tolist()[:2] == ["2025-01-03T10:00:00", "2025-01-20T21:15:00"]
    _check_nothing_personal(log.read_text())


def test_served_model_without_a_required_column_says_so_and_echoes_nothing(server):
    url, log = server
    records = _bad_rows().drop(columns=["notes"]).to_dict(orient="records")
    answer = _invoke(url, {"dataframe_records": records})
    assert answer.status_code == 200, answer.text[-3000:]
    _check_nothing_personal(answer.text)
    out = pd.DataFrame(answer.json()["predictions"])
    assert out["status"].tolist() == ["rejected"] * len(records)
    assert out["incident_id"].tolist() == ["BAD-1", "BAD-2", None, None]
    assert (out["rejected_reasons"] == "notes: is missing from the request; the contract needs "
            "incident_id, reported_at, recorded_category, notes [F003]").all()  # fmt: skip
    assert "Traceback" not in answer.text
    _check_nothing_personal(log.read_text())
