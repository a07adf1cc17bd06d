"""`/imports`: an admin sends a file, follows the import, and reads what was stored
and refused; a file that cannot be read, or of a type the import does not read, is
refused at once."""

from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from application.access import Role
from interfaces.records.files import MEDIA_TYPES
from interfaces.records.template import template
from tests.interfaces.helpers import as_role
from tests.interfaces.helpers import register_programme

CSV = {"Content-Type": "text/csv"}


def started(client: TestClient, content: bytes, **query: Any) -> dict[str, Any]:
    answer = client.post(
        "/imports",
        params=query,
        content=content,
        headers={**CSV, **as_role(client, Role.ADMIN)},
    )
    assert answer.status_code == 202, answer.text
    assert answer.headers["Location"] == f"/imports/{answer.json()['id']}"
    return dict(answer.json())


def followed(client: TestClient, import_id: str) -> dict[str, Any]:
    client.app.state.imports.wait(UUID(import_id))  # type: ignore[attr-defined]
    answer = client.get(f"/imports/{import_id}", headers=as_role(client, Role.ADMIN))
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_a_dry_run_by_default_then_a_real_one_then_nothing_twice(
    client: TestClient,
) -> None:
    register_programme(client)
    file = template("csv")

    dry = followed(client, started(client, file, name="mine.csv")["id"])
    real = followed(client, started(client, file, dry_run="false")["id"])
    again = followed(client, started(client, file, dry_run="false")["id"])

    assert (dry["state"], dry["dry_run"], dry["file_name"]) == (
        "done",
        True,
        "mine.csv",
    )
    assert dry["summary"]["trajectories"]["stored"] == 1
    assert dry["summary"]["events"] == 10
    assert (real["trajectories"], real["done"]) == (1, 1)
    assert real["summary"]["trajectories"]["stored"] == 1
    assert real["summary"]["coaches_registered"] == ["Mieke Janssens"]
    assert again["summary"]["trajectories"]["unchanged"] == 1
    trajectories = client.get("/trajectories", headers=as_role(client, Role.AUDITOR))
    assert len(trajectories.json()["trajectories"]) == 1


def test_refused_rows_are_named_in_the_language_asked_for(client: TestClient) -> None:
    register_programme(client)
    rows = template("csv").decode("utf-8-sig").splitlines()
    rows[2] = rows[2].replace("2024-02-12", "2024-01-12")  # intake before referral
    file = "\n".join(rows).encode()

    job = followed(client, started(client, file, dry_run="false", lang="nl")["id"])

    assert job["summary"]["trajectories"]["refused"] == 1
    (problem,) = job["summary"]["problems"]
    assert (problem["trajectory"], problem["row"], problem["column"]) == (
        "BUSO-2024-017",
        3,
        "on",
    )
    assert problem["code"] == "date_before_referral"
    assert "12/01/2024" in problem["problem"]
    trajectories = client.get("/trajectories", headers=as_role(client, Role.AUDITOR))
    assert trajectories.json()["trajectories"] == []


def test_a_file_that_cannot_be_read_or_of_another_type_is_refused_at_once(
    client: TestClient,
) -> None:
    admin = as_role(client, Role.ADMIN)

    formula = client.post(
        "/imports",
        content=b"trajectory;event;note\nT1;SessionHeld;=1+1\n",
        headers={**CSV, **admin},
    )
    text = client.post(
        "/imports", content=b"hello", headers={"Content-Type": "text/plain", **admin}
    )

    assert formula.status_code == 422
    assert formula.json()["detail"]["code"] == "file_refused"
    assert "holds a formula" in formula.json()["detail"]["message"]
    assert text.status_code == 415
    assert text.json()["detail"]["code"] == "unsupported_file_type"


def test_a_file_larger_than_other_bodies_may_be_is_taken(client: TestClient) -> None:
    header = b"trajectory;event;note\n"
    large = header + b"".join(
        b"T%d;SessionHeld;%s\n" % (n, b"x" * 300) for n in range(1_000)
    )  # over 256 KiB, the limit of every other body
    admin = as_role(client, Role.ADMIN)

    other = client.post("/programmes", content=large, headers={**CSV, **admin})
    taken = client.post("/imports", content=large, headers={**CSV, **admin})

    assert other.status_code == 413
    assert taken.status_code == 202, taken.text


def test_imports_are_for_admins(client: TestClient) -> None:
    staff = client.post("/imports", content=template("csv"), headers=CSV)
    unknown = client.get(
        "/imports/00000000-0000-4000-8000-000000000000",
        headers=as_role(client, Role.ADMIN),
    )

    assert staff.status_code == 403
    assert unknown.status_code == 404
    assert unknown.json()["detail"]["code"] == "import_not_found"


def test_the_template_is_handed_out_in_each_format(client: TestClient) -> None:
    for format, media in MEDIA_TYPES.items():
        answer = client.get(
            f"/imports/template.{format}", headers=as_role(client, Role.ADMIN)
        )

        assert answer.status_code == 200
        assert answer.headers["content-type"].split(";")[0] == media.split(";")[0]
        assert answer.content == template(format)
