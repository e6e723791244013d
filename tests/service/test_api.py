"""The /v1 API fuzzed from its own OpenAPI schema (schemathesis), with a valid bearer token and
the session's model: whatever it is sent, it never answers with a server error."""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from schemathesis import checks
from schemathesis.config import SchemathesisConfig

from stalkflag.review import Store, create_token


@pytest.fixture()
def token(db_url) -> str:
    store = Store(db_url)
    with store.session() as db:
        made, _ = create_token(db, "analyst", "fuzz")
    store.dispose()
    return made


@pytest.fixture()
def api_schema(db_url, scored_run, token):
    from stalkflag.service import create_app

    app = create_app(db_url, model=str(scored_run.model))
    headers = {"Authorization": f"Bearer {token}"}
    config = SchemathesisConfig.from_dict(
        {
            "headers": headers,
            "phases": {"stateful": {"enabled": False}},
            # each incident scored runs Splink (about half a second): a few examples there
            "operations": [
                {"include-path": "/v1/score", "phases": {"coverage": {"enabled": False}}}
            ],
        }
    )
    schema = schemathesis.openapi.from_asgi("/v1/openapi.json", app, config=config, headers=headers)
    yield schema
    app.state.store.dispose()


if not hasattr(pytest.Function, "_nodeid"):
    # schemathesis 4.32 names each operation's subtest by setting ``node._nodeid``, which
    # pytest 9.2 no longer has (a node's id is ``_id``, a NodeId): give it one to set.
    from _pytest.nodeid import coerce_node_id

    def _set_nodeid(node, value: str) -> None:
        node._id = coerce_node_id(value)

    pytest.Function._nodeid = property(lambda node: node.nodeid, _set_nodeid)

schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@hypothesis.settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    derandomize=True,
    database=None,
)
def test_the_api_never_fails_with_a_server_error(case):
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.status_code, response.text)
    # Every other check but the status code's: refusals (400 for a body that is not JSON, 401,
    # 403, 404, 413, 503 without a model) are one-sentence JSON the schema does not list.
    case.validate_response(response, excluded_checks=[checks.status_code_conformance])


def test_the_schema_lists_the_api_and_needs_a_login(client, token):
    assert client.get("/v1/openapi.json").status_code == 401
    listed = client.get("/v1/openapi.json", headers={"Authorization": f"Bearer {token}"}).json()
    assert set(listed["paths"]) == {"/v1/health", "/v1/score", "/v1/patterns/{pattern_id}"}
    assert client.get("/v1/docs").status_code == 404


def test_the_documented_example_is_scored_and_huge_ids_are_refused(db_url, scored_run, token):
    from fastapi.testclient import TestClient

    from stalkflag.service import create_app
    from stalkflag.service._app import EXAMPLE

    app = create_app(db_url, model=str(scored_run.model))
    bearer = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:
        scored = client.post("/v1/score", json=EXAMPLE, headers=bearer)
        assert scored.status_code == 200, scored.text
        (result,) = scored.json()["results"]
        assert result["status"] == "scored" and 0 <= result["score"] <= 1
        for huge in (2**31, 2**63, 2**64):  # past the store's integer keys: refused, not a 500
            assert client.get(f"/v1/patterns/{huge}", headers=bearer).status_code == 422
    app.state.store.dispose()
