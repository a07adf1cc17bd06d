"""A client generated from the service's /openapi.json works: openapi-python-client
(pinned in the dev dependencies) generates the package ``trajectory_client`` from the
app's document, and ``generated_client_script.whole_trajectory`` runs a whole
trajectory through it against the service served by uvicorn on PostgreSQL. A change
to the API that breaks generated clients fails here."""

import importlib
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import uvicorn

from application.access import Role
from application.settings import Settings
from interfaces.http.app import create_app

pytestmark = pytest.mark.postgres

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
MYPY = Path(sys.executable).with_name("mypy")
SCRIPT = Path(__file__).with_name("generated_client_script.py")
# The generator's settings, as an integrator would write them: the package's name,
# no formatting of its own, NDJSON (the streamed verification) read as text and
# spreadsheets as files (the generator knows neither media type).
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONFIG = f"""\
project_name_override: trajectory-client
package_name_override: trajectory_client
post_hooks: []
content_type_overrides:
  application/x-ndjson: text/plain
  {XLSX}: application/octet-stream
"""
MAX_BODY_BYTES = 16384  # small, for a 413 without sending megabytes


def document() -> dict[str, Any]:
    settings = Settings(database_url="sqlite:///unused.db")
    spec: dict[str, Any] = create_app(settings).openapi()
    return spec


def generate(spec: dict[str, Any], into: Path) -> Path:
    """The client generated from ``spec`` into ``into``; the directory to put on
    sys.path."""
    (into / "openapi.json").write_text(json.dumps(spec))
    (into / "config.yaml").write_text(CONFIG)
    done = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(into / "openapi.json"),
            "--output-path",
            str(into / "client"),
            "--config",
            str(into / "config.yaml"),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return into / "client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The client generated from the app's document: the directory that holds the
    package ``trajectory_client``."""
    return generate(document(), tmp_path_factory.mktemp("generated"))


@pytest.fixture
def script(generated: Path) -> Iterator[ModuleType]:
    """The script, its imports of the generated package resolved."""
    sys.path.insert(0, str(generated))
    try:
        yield importlib.import_module("tests.interfaces.generated_client_script")
    finally:
        sys.path.remove(str(generated))
        for name in [n for n in sys.modules if n.startswith("trajectory_client")]:
            del sys.modules[name]
        sys.modules.pop("tests.interfaces.generated_client_script", None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def served(postgres_url: str) -> Iterator[tuple[str, str]]:
    """The service on a free port, on PostgreSQL; its URL and an admin token."""
    settings = Settings(database_url=postgres_url, max_body_bytes=MAX_BODY_BYTES)
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{port}"
        with httpx.Client() as probe:
            for _ in range(300):  # until the lifespan has opened the store
                if server.started:
                    break
                thread.join(0.05)
            assert server.started, "the server did not start"
            probe.get(f"{url}/health").raise_for_status()
        tokens = app.state.service.tokens
        _, admin = tokens.create(role=Role.ADMIN, name="test admin")
        yield url, admin
    finally:
        server.should_exit = True
        thread.join(10)


def test_the_client_generates_without_a_warning(generated: Path) -> None:
    """Every operation, status and body type is one the generator understands (it
    leaves out what it cannot parse, with a warning: ``generate`` fails on one)."""
    api = generated / "trajectory_client" / "api"
    operations = {p.stem for p in api.rglob("*.py") if p.stem != "__init__"}
    assert {"record_event", "refer", "get_history", "outcomes_csv"} <= operations


def test_a_whole_trajectory_runs_through_the_generated_client(
    script: ModuleType, served: tuple[str, str]
) -> None:
    url, admin = served
    answered: list[tuple[str, str, int]] = []

    def seen(response: httpx.Response) -> None:
        request = response.request
        answered.append((request.method, request.url.path, response.status_code))

    script.whole_trajectory(url, admin, event_hooks={"response": [seen]})

    statuses = {status for _, _, status in answered}
    assert {200, 201, 401, 403, 404, 409, 410, 413, 422} <= statuses, answered


def test_the_script_type_checks_strictly_against_the_generated_client(
    generated: Path, tmp_path: Path
) -> None:
    """The script uses the generated types as they are: mypy --strict, with no
    configuration of the project's, finds nothing in it or in the client."""
    done = subprocess.run(
        [
            str(MYPY),
            "--strict",
            "--config-file=",
            "--cache-dir",
            str(tmp_path / "cache"),
            str(SCRIPT),
        ],
        env={**os.environ, "MYPYPATH": str(generated)},
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues found" in done.stdout
