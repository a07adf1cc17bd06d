from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from application.settings import Settings
from interfaces.http.app import create_app

STAFF = {"X-Recorded-By": "Hilde"}


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, snapshot_interval=5))
    with TestClient(app, headers=STAFF, raise_server_exceptions=False) as test_client:
        yield test_client
