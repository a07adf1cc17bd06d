"""`trajectory token create | list | revoke`, and the tokens they make at work."""

import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from application.access import Role
from application.access import hash_token
from application.service import Trajectories
from application.settings import Settings
from interfaces.cli.main import app
from interfaces.http.app import create_app

runner = CliRunner()


def create(*options: str) -> str:
    result = runner.invoke(app, ["token", "create", *options])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


def test_a_created_token_is_printed_once_and_stored_only_hashed(store: str) -> None:
    secret = create("--role", "auditor", "--name", "Audit Vlaanderen")

    service = Trajectories(Settings(database_url=store))
    try:
        stored = service.tokens.tables.run(
            ("SELECT hash, name, role FROM access_tokens", ()), commit=False
        )
    finally:
        service.close()
    assert secret.startswith("trj_")
    assert stored == [(hash_token(secret), "Audit Vlaanderen", "auditor")]
    assert secret not in Path(store.removeprefix("sqlite:///")).read_bytes().decode(
        errors="replace"
    )


def test_a_staff_token_works_for_its_organisation_until_revoked(store: str) -> None:
    secret = create(
        "--role",
        "staff",
        "--organisation",
        "Werkburo Oost-Vlaanderen",
        "--name",
        "Hilde",
    )
    listed = runner.invoke(app, ["token", "list"])
    [line] = [line for line in listed.output.splitlines() if "Hilde" in line]
    token_id = line.split()[0]
    headers = {"Authorization": f"Bearer {secret}"}

    with TestClient(create_app(Settings(database_url=store))) as client:
        before = client.get("/caseload", headers=headers).status_code
        revoked = runner.invoke(app, ["token", "revoke", token_id])
        after = client.get("/caseload", headers=headers).status_code

    assert "live" in line and line.endswith("Hilde (Werkburo Oost-Vlaanderen)")
    assert revoked.exit_code == 0, revoked.output
    assert before == 200
    assert after == 200, "another process's revocation waits out the 5-second cache"
    with TestClient(create_app(Settings(database_url=store))) as restarted:
        assert restarted.get("/caseload", headers=headers).status_code == 401
    again = runner.invoke(app, ["token", "list"]).output
    assert f"{token_id}  staff" in again and "revoked 20" in again


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        (
            ["--role", "staff", "--name", "Hilde"],
            "needs the staff member's organisation",
        ),
        (["--role", "admin", "--name", "Ops", "--organisation", "X"], "not tied to"),
        (["--role", "boss", "--name", "Ops"], "boss"),
    ],
)
def test_a_token_that_makes_no_sense_is_refused(
    store: str, options: list[str], problem: str
) -> None:
    result = runner.invoke(app, ["token", "create", *options])

    assert result.exit_code != 0
    assert problem in result.output


def test_revoking_an_unknown_token_fails_naming_it(store: str) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"

    result = runner.invoke(app, ["token", "revoke", unknown])

    assert result.exit_code == 1
    assert f"token {unknown} does not exist" in result.output


def test_the_token_commands_run_as_a_module_too(store: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "interfaces.cli.main", "token", "list"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr


def test_roles_are_the_four_of_the_design() -> None:
    assert [role.value for role in Role] == ["staff", "auditor", "evaluator", "admin"]
