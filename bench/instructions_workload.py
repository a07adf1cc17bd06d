"""The workload `python -m bench.instructions` counts under valgrind: one trajectory
set up through the API in-process (the FastAPI app through its test client, on SQLite
in the given folder), then SessionHeld events posted to it, each answered 201.

    .venv/bin/python -m bench.instructions_workload EVENTS FOLDER
    .venv/bin/python -m bench.instructions_workload EVENTS postgresql://...

It posts WARMUP events and then EVENTS more; a run with EVENTS 0 does everything
else the same, so the difference between two runs' counts is what the EVENTS cost.
Given a PostgreSQL URL instead of a folder, it works in a new schema of its own on
that server, dropped at the end.
"""

from __future__ import annotations

import sys
import uuid
import warnings
from pathlib import Path

from pydantic import SecretStr

from application.access import Role
from application.settings import Settings
from bench.load import INTAKE_COACH
from bench.load import LOAD_PROGRAMME
from bench.load import session_bodies
from bench.options import is_postgres_url
from bench.rebuild import Database
from interfaces.http.app import create_app

with warnings.catch_warnings():  # the helpers' module imports Starlette's TestClient
    warnings.simplefilter("ignore")
    from tests.interfaces.helpers import ORGANISATION
    from tests.interfaces.helpers import ApiClient
    from tests.interfaces.helpers import bearer
    from tests.interfaces.helpers import created
    from tests.interfaces.helpers import intake
    from tests.interfaces.helpers import participant_body
    from tests.interfaces.helpers import programme_body
    from tests.interfaces.helpers import referral_body

WARMUP = 10  # events posted before the counted ones, in every run
MASTER_KEY = SecretStr("aW5zdHJ1Y3Rpb25zIHBlciBldmVudCwgY291bnRlZCE=")  # a fixed one


def record(events: int, store: Path | str) -> None:
    """Sets up one trajectory as the load benchmark's clients do and posts
    ``WARMUP + events`` SessionHeld events to it, a day apart: on SQLite in the
    folder ``store``, or in a new schema on the PostgreSQL server at ``store``."""
    if isinstance(store, str):
        database = Database(store, f"bench_instructions_{uuid.uuid4().hex[:8]}")
        database.create_schema()
        try:
            _record(events, database.schema_url)
        finally:
            database.drop_schema()
    else:
        _record(events, f"sqlite:///{store}/instructions.db")


def _record(events: int, database_url: str) -> None:
    bodies = session_bodies()[: WARMUP + events]
    if len(bodies) < WARMUP + events:
        raise ValueError(f"at most {len(bodies) - WARMUP} events, one a day")
    settings = Settings(
        database_url=database_url,
        master_key=MASTER_KEY,
        run_projections=False,  # as the load benchmark's server
        group_commit=True,
    )
    with ApiClient(create_app(settings)) as client:
        service = client.app.state.service  # type: ignore[attr-defined]
        _, admin = service.tokens.create(role=Role.ADMIN, name="bench admin")
        _, staff = service.tokens.create(
            role=Role.STAFF, name="bench coach", organisation=ORGANISATION
        )
        service.coaches.ensure(INTAKE_COACH, ORGANISATION, recorded_by="bench admin")
        programme = programme_body(code=LOAD_PROGRAMME, session_cap=None)
        created(client.post("/programmes", json=programme, headers=bearer(admin)))
        client.headers.update(bearer(staff))
        participant = created(client.post("/participants", json=participant_body()))
        referral = referral_body(participant["id"], programme=LOAD_PROGRAMME)
        trajectory = created(client.post("/trajectories", json=referral))
        path = f"/trajectories/{trajectory['id']}/events"
        created(client.post(path, json=intake(INTAKE_COACH)))
        json_body = {"Content-Type": "application/json"}
        for body in bodies:
            created(client.post(path, content=body, headers=json_body))


if __name__ == "__main__":
    where = sys.argv[2]
    record(int(sys.argv[1]), where if is_postgres_url(where) else Path(where))
