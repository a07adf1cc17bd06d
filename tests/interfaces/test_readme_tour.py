"""The curl tour of the README (and of the staff's page) runs as written, against
the service on demo data: a newcomer who pastes it gets a history, a diff and a
state as of a date, not a refusal."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from application.access import Role
from application.settings import Settings
from interfaces.demo.loading import development_tokens
from interfaces.demo.loading import load_demo
from interfaces.http.app import create_app
from tests.conftest import _free_port

ROOT = Path(__file__).resolve().parents[2]
TOURS = {
    "README.md": "### With curl",
    "docs/staff.md": "## Recording through the API",
}


def tour(document: str) -> str:
    """The first shell block after the tour's heading."""
    text = (ROOT / document).read_text()
    after = text[text.index(TOURS[document]) :]
    match = re.search(r"```sh\n(.*?)```", after, re.DOTALL)
    assert match, f"no shell block after {TOURS[document]!r} in {document}"
    return match.group(1)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The service on a SQLite store with a small demo, as make run serves it; its
    address and the staff token make run would print."""
    if not (shutil.which("curl") and shutil.which("jq")):
        pytest.skip("the tour needs curl and jq")
    folder = tmp_path_factory.mktemp("tour")
    app = create_app(Settings(database_url=f"sqlite:///{folder}/tour.db"))
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="tour-server")
    thread.start()
    try:
        while not server.started:
            assert thread.is_alive(), "the server did not start"
            thread.join(0.05)
        service = app.state.service
        load_demo(service, trajectories=30, seed=7)
        staff = next(
            secret
            for info, secret in development_tokens(service)
            if info.role is Role.STAFF
        )
        yield f"127.0.0.1:{port}", staff
    finally:
        server.should_exit = True
        thread.join(30)


@pytest.mark.parametrize("document", sorted(TOURS))
def test_the_curl_tour_runs_as_written(document: str, served: tuple[str, str]) -> None:
    address, staff = served
    script = tour(document).replace("localhost:8000", address)
    script = re.sub(r"^STAFF=trj_\.\.\..*$", f"STAFF={staff}", script, flags=re.M)
    # Each run registers its own person: the tour's is refused as registered once
    # the other document's tour has run.
    script = script.replace('"family_name":"Claes"', f'"family_name":"{document}"')

    ran = subprocess.run(
        ["bash", "-c", "set -eo pipefail\n" + script],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert ran.returncode == 0, ran.stderr + ran.stdout
    out = ran.stdout
    for recorded in ("IntakeCompleted", "PlacementStarted", "DroppedOut"):
        assert f'"type":"{recorded}"' in out.replace(" ", ""), out
    assert '"code"' not in out, out  # no refusal anywhere
    assert '"field": "stage"' in out  # the diff
    assert out.rstrip().endswith('"active"')  # the state as of 2024-03-01
