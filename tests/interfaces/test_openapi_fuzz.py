"""Schemathesis generates requests from the OpenAPI document, valid and not: none may
get a server error. ``make test`` runs a few examples per operation; ``make fuzz``
runs many (TRAJECTORY_FUZZ_EXAMPLES)."""

import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck
from hypothesis import settings

from application.access import Role
from application.settings import Settings
from interfaces.demo.loading import DEVELOPMENT_ORGANISATION
from interfaces.http.app import create_app

EXAMPLES = int(os.environ.get("TRAJECTORY_FUZZ_EXAMPLES", "10"))

# Building the app opens nothing: the store opens when the lifespan starts, in the
# fixture below. Schemathesis needs the app when the module is collected.
FOLDER = tempfile.mkdtemp(prefix="trajectory-fuzz-")
APP = create_app(
    Settings(
        database_url=f"sqlite:///{FOLDER}/fuzz.db", demo=True, demo_trajectories=20
    )
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


TOKENS: dict[Role, str] = {}


@pytest.fixture(scope="module", autouse=True)
def running() -> Iterator[None]:
    try:
        with TestClient(APP):  # the lifespan: the service and its demo data
            tokens = APP.state.service.tokens
            for role in Role:
                organisation = DEVELOPMENT_ORGANISATION if role is Role.STAFF else None
                _, TOKENS[role] = tokens.create(
                    role=role, name=f"fuzz {role.value}", organisation=organisation
                )
            yield
    finally:
        shutil.rmtree(FOLDER, ignore_errors=True)


def role_for(method: str, path: str) -> Role:
    """A role the operation allows, so the requests reach past the access check."""
    if path.startswith("/outcomes"):
        return Role.EVALUATOR
    if path.startswith(("/projections", "/tokens")) or (
        method == "POST" and path == "/programmes"
    ):
        return Role.ADMIN
    return Role.STAFF


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gets_a_server_error(case: Any) -> None:
    token = TOKENS[role_for(case.method, case.path)]
    response = case.call(headers={"Authorization": f"Bearer {token}"})

    assert response.status_code < 500, (case.method, case.path, response.text[:500])
