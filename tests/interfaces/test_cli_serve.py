"""`trajectory serve` where it cannot listen: it says why, names the setting to
change, exits 1, and touches nothing first (the schema, the demo data, the
development tokens of the server that holds the port)."""

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from application.service import Trajectories
from application.settings import Settings
from interfaces.demo.loading import development_tokens
from tests.conftest import TEST_MASTER_KEY

TRAJECTORY = Path(sys.executable).parent / "trajectory"
GIVES_UP_WITHIN = 60.0  # seconds; a server that starts instead fails the test


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port of this machine that another process listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def serve(folder: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    """`trajectory serve` as `make run` starts it (demo data on), in ``folder``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAJECTORY_")}
    env.update(TRAJECTORY_DEMO="true", COLUMNS="200", **environment)
    return subprocess.run(
        [str(TRAJECTORY), "serve"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=GIVES_UP_WITHIN,
        check=False,
    )


def test_a_second_server_on_a_busy_port_leaves_the_first_ones_tokens_valid(
    tmp_path: Path, busy_port: int
) -> None:
    # Given a store whose server made its development tokens at its start
    url = f"sqlite:///{tmp_path}/trajectory.db"
    service = Trajectories(Settings(database_url=url))
    tokens = [secret for _, secret in development_tokens(service)]
    service.close()

    # When another server is started on the port that one listens on
    started = serve(
        tmp_path,
        TRAJECTORY_DATABASE_URL=url,
        TRAJECTORY_MASTER_KEY=TEST_MASTER_KEY,
        TRAJECTORY_PORT=str(busy_port),
    )

    # Then it exits 1, saying the port is in use and which setting to change
    assert started.returncode == 1, started.stderr
    message = " ".join(started.stderr.split())
    assert f"port {busy_port} is in use" in message
    assert "TRAJECTORY_PORT" in message
    assert "Traceback" not in started.stderr

    # And the first server's tokens still sign in, and no demo data was loaded
    service = Trajectories(Settings(database_url=url))
    try:
        assert all(service.tokens.authenticate(secret) for secret in tokens)
        assert service.programmes() == []
    finally:
        service.close()


def test_on_a_busy_port_nothing_is_made(tmp_path: Path, busy_port: int) -> None:
    # When a server is started on a busy port in a folder with nothing in it
    started = serve(
        tmp_path,
        TRAJECTORY_DATABASE_URL=f"sqlite:///{tmp_path}/var/trajectory.db",
        TRAJECTORY_PORT=str(busy_port),
    )

    # Then it made no database and no development master key
    assert started.returncode == 1, started.stderr
    assert "TRAJECTORY_PORT" in started.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_address_not_of_this_machine_is_named(tmp_path: Path) -> None:
    # When a server is told to listen on an address this machine does not have
    # (192.0.2.1 is kept for documentation: no machine has it)
    started = serve(
        tmp_path,
        TRAJECTORY_DATABASE_URL=f"sqlite:///{tmp_path}/trajectory.db",
        TRAJECTORY_HOST="192.0.2.1",
        TRAJECTORY_PORT="8000",
    )

    # Then it says it cannot listen there, naming both settings, and made nothing
    assert started.returncode == 1, started.stderr
    message = " ".join(started.stderr.split())
    assert "cannot listen on 192.0.2.1:8000" in message
    assert "TRAJECTORY_HOST" in message and "TRAJECTORY_PORT" in message
    assert list(tmp_path.iterdir()) == []
