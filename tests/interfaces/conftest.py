from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from application.access import Role
from application.settings import Settings
from interfaces.http.app import create_app
from tests.interfaces.helpers import COACHES
from tests.interfaces.helpers import ORGANISATION
from tests.interfaces.helpers import ApiClient

STAFF_NAME = "Hilde"


def signed_in(client: ApiClient) -> ApiClient:
    """Gives the client a token for every role; it sends the staff token unless a
    request says otherwise (``client.as_role(...)``)."""
    tokens = client.app.state.service.tokens  # type: ignore[attr-defined]
    for role in Role:
        staff = role is Role.STAFF
        _, secret = tokens.create(
            role=role,
            name=STAFF_NAME if staff else f"test {role.value}",
            organisation=ORGANISATION if staff else None,
        )
        client.tokens[role] = secret
    coaches = client.app.state.service.coaches  # type: ignore[attr-defined]
    for name in COACHES:
        coaches.ensure(name, ORGANISATION, recorded_by="test admin")
    client.headers.update(client.as_role(Role.STAFF))
    return client


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQLite store the ``trajectory`` commands of the test use (by the setting)."""
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("TRAJECTORY_DATABASE_URL", url)
    return url


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, snapshot_interval=5))
    with ApiClient(app, raise_server_exceptions=False) as test_client:
        yield signed_in(test_client)
