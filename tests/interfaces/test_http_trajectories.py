"""Trajectories over HTTP: referrals, events, state (now, at a version, as of a date)
and history, with every error status the contract names."""

from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from application.access import Role
from tests.interfaces.helpers import IN_THE_FUTURE
from tests.interfaces.helpers import INTAKE_ON
from tests.interfaces.helpers import ORGANISATION
from tests.interfaces.helpers import PROGRAMME
from tests.interfaces.helpers import REFERRAL_ON
from tests.interfaces.helpers import UNKNOWN_ID
from tests.interfaces.helpers import bearer
from tests.interfaces.helpers import coach_id
from tests.interfaces.helpers import created
from tests.interfaces.helpers import dropout
from tests.interfaces.helpers import error_fields
from tests.interfaces.helpers import history
from tests.interfaces.helpers import intake
from tests.interfaces.helpers import picked
from tests.interfaces.helpers import placement
from tests.interfaces.helpers import post_with_raw_headers
from tests.interfaces.helpers import record
from tests.interfaces.helpers import recorded
from tests.interfaces.helpers import refer
from tests.interfaces.helpers import referral_body
from tests.interfaces.helpers import register_participant
from tests.interfaces.helpers import register_programme
from tests.interfaces.helpers import session
from tests.interfaces.helpers import taken_in

PLACEMENT_ID = "3f6c1e2a-9b4d-4c7e-8a21-5d0b9e7f1a30"


@pytest.fixture
def catalogued(client: TestClient) -> TestClient:
    """A client whose catalogue holds the programme (2023-04-01..2025-09-30, 16-25)."""
    register_programme(client)
    return client


# POST /trajectories ---------------------------------------------------------------


def test_a_referral_creates_a_trajectory_at_version_1(catalogued: TestClient) -> None:
    participant_id = register_participant(catalogued)

    response = catalogued.post("/trajectories", json=referral_body(participant_id))

    assert response.status_code == 201
    trajectory_id = response.json()["id"]
    assert response.headers["Location"] == f"/trajectories/{trajectory_id}"
    assert response.headers["ETag"] == '"1"'
    assert response.json()["version"] == 1
    state = catalogued.get(response.headers["Location"]).json()
    expected = {
        "participant_id": participant_id,
        "programme": PROGRAMME,
        "organisation": ORGANISATION,
        "stage": "referred",
        "referred_on": REFERRAL_ON,
        "age_band": "18-24",
        "gender": "F",
    }
    assert picked(state, expected) == expected


@pytest.mark.parametrize(
    ("participant", "referral", "code", "values"),
    [
        pytest.param(
            {},
            {"on": "2023-03-31"},
            "programme_not_running",
            ["2023-03-31", "2023-04-01", "2025-09-30"],
            id="programme-not-running",
        ),
        pytest.param(
            {"birth_date": "1990-05-01"},
            {},
            "age_not_eligible",
            ["16 to 25", "33"],
            id="age-not-eligible",
        ),
    ],
)
def test_a_referral_that_breaks_a_programme_rule_is_refused_with_its_code(
    catalogued: TestClient,
    participant: dict[str, Any],
    referral: dict[str, Any],
    code: str,
    values: list[str],
) -> None:
    participant_id = register_participant(catalogued, **participant)

    response = catalogued.post(
        "/trajectories", json=referral_body(participant_id, **referral)
    )

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == code
    message = response.json()["detail"]["message"]
    assert [value for value in values if value not in message] == []


def test_a_participant_has_one_open_trajectory_per_programme(
    catalogued: TestClient,
) -> None:
    participant_id = register_participant(catalogued)
    first = created(
        catalogued.post("/trajectories", json=referral_body(participant_id))
    )

    second = catalogued.post(
        "/trajectories", json=referral_body(participant_id, on="2024-03-01")
    )

    assert second.status_code == 422
    assert second.json()["detail"]["code"] == "open_trajectory_exists"
    assert first["id"] in second.json()["detail"]["message"]


def test_a_referral_of_an_unknown_participant_is_not_found(
    catalogued: TestClient,
) -> None:
    response = catalogued.post("/trajectories", json=referral_body(UNKNOWN_ID))

    assert response.status_code == 404
    assert response.json()["detail"]["code"] == "participant_not_found"


def test_a_referral_to_an_unknown_programme_is_not_found(
    catalogued: TestClient,
) -> None:
    participant_id = register_participant(catalogued)

    response = catalogued.post(
        "/trajectories", json=referral_body(participant_id, programme="NO-SUCH")
    )

    assert response.status_code == 404
    assert response.json()["detail"]["code"] == "programme_not_found"
    assert "NO-SUCH" in response.json()["detail"]["message"]


def test_a_referral_from_an_unknown_source_is_refused_naming_the_field(
    catalogued: TestClient,
) -> None:
    participant_id = register_participant(catalogued)

    response = catalogued.post(
        "/trajectories",
        json=referral_body(participant_id, referral_source="teacher"),
    )

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "invalid_request"
    assert error_fields(response) == ["body.referral_source"]


# POST /trajectories/{id}/events: one accepted request for each type -------------------

SUSPENDED = {"type": "TrajectorySuspended", "on": "2024-03-01", "reason": "care"}
STARTED = placement(placement_id=PLACEMENT_ID)

# type -> (the events recorded after the referral, the event under test)
ACCEPTED: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]] = {
    "ReferralDeclined": (
        [],
        {"type": "ReferralDeclined", "on": "2024-02-05", "reason": "no_capacity"},
    ),
    "IntakeCompleted": ([], intake()),
    "EntryProfileCorrected": (
        [intake()],
        {
            "type": "EntryProfileCorrected",
            "on": "2024-02-15",
            "field": "rung",
            "value": 3,
            "reason": "rung 2 was a typing error",
        },
    ),
    "CoachAssigned": (
        [intake()],
        {"type": "CoachAssigned", "on": "2024-03-01", "coach_id": coach_id("Jens")},
    ),
    "LadderAssessed": (
        [intake()],
        {"type": "LadderAssessed", "on": "2024-05-01", "rung": 4},
    ),
    "BarrierIdentified": (
        [intake()],
        {"type": "BarrierIdentified", "on": "2024-03-01", "barrier": "housing"},
    ),
    "BarrierResolved": (
        [intake()],
        {"type": "BarrierResolved", "on": "2024-03-01", "barrier": "mobility"},
    ),
    "SessionHeld": ([intake()], session()),
    "PlacementStarted": ([intake()], placement()),
    "PlacementEnded": (
        [intake(), STARTED],
        {
            "type": "PlacementEnded",
            "placement_id": PLACEMENT_ID,
            "on": "2024-05-31",
            "reason": "contract_ended",
        },
    ),
    "TrajectorySuspended": ([intake()], SUSPENDED),
    "TrajectoryResumed": (
        [intake(), SUSPENDED],
        {"type": "TrajectoryResumed", "on": "2024-04-01", "reason": "care"},
    ),
    "TrajectoryCompleted": (
        [intake()],
        {"type": "TrajectoryCompleted", "on": "2024-06-30", "destination": "employed"},
    ),
    "DroppedOut": ([intake()], dropout()),
    "ExitResultRecorded": (
        [intake(), dropout()],
        {
            "type": "ExitResultRecorded",
            "observed_on": "2024-07-15",
            "status": "job_searching",
        },
    ),
    "FollowUpRecorded": (
        [intake(), dropout()],
        {
            "type": "FollowUpRecorded",
            "milestone": 6,
            "observed_on": "2024-12-30",
            "status": "employed",
        },
    ),
    "TrajectoryReopened": (
        [intake(), dropout()],
        {"type": "TrajectoryReopened", "on": "2024-07-15", "reason": "back in touch"},
    ),
    "EntryRetracted": (
        [intake(), session()],
        {
            "type": "EntryRetracted",
            "on": "2024-03-01",
            "version": 3,
            "reason": "entered in the wrong dossier",
        },
    ),
}


def test_every_event_type_of_the_contract_has_an_accepted_example() -> None:
    contract = (
        "ReferralDeclined IntakeCompleted EntryProfileCorrected CoachAssigned "
        "LadderAssessed BarrierIdentified BarrierResolved SessionHeld "
        "PlacementStarted PlacementEnded TrajectorySuspended TrajectoryResumed "
        "TrajectoryCompleted DroppedOut ExitResultRecorded FollowUpRecorded "
        "TrajectoryReopened EntryRetracted"
    ).split()

    examples = {event["type"] for _, event in ACCEPTED.values()}

    assert examples == set(contract) == set(ACCEPTED)


@pytest.mark.parametrize("event_type", list(ACCEPTED))
def test_each_event_type_is_recorded_and_answers_its_new_version(
    catalogued: TestClient, event_type: str
) -> None:
    given, event = ACCEPTED[event_type]
    trajectory_id = refer(catalogued)
    recorded(catalogued, trajectory_id, *given)

    response = record(catalogued, trajectory_id, event)

    assert response.status_code == 201, response.text
    new_version = len(given) + 2
    assert response.headers["ETag"] == f'"{new_version}"'
    assert response.json() == {
        "trajectory_id": trajectory_id,
        "version": new_version,
        "type": event_type,
    }
    last = {"version": new_version, "type": event_type, "recorded_by": "Hilde"}
    assert picked(history(catalogued, trajectory_id)[-1], last) == last


def test_a_recorded_event_points_at_the_history(catalogued: TestClient) -> None:
    trajectory_id = refer(catalogued)

    response = record(catalogued, trajectory_id, intake())

    assert response.headers["Location"] == f"/trajectories/{trajectory_id}/history"


# POST /trajectories/{id}/events: refusals -------------------------------------------

BROKEN_RULES = [
    pytest.param(
        [],
        intake(on="2024-01-03"),
        "date_before_referral",
        ["intake on 2024-01-03 is before the referral on 2024-02-01"],
        id="intake-before-referral",
    ),
    pytest.param(
        [],
        session(),
        "intake_required",
        ["a session"],
        id="session-before-intake",
    ),
    pytest.param(
        [intake()],
        {"type": "BarrierResolved", "on": "2024-03-01", "barrier": "housing"},
        "barrier_not_open",
        ["housing"],
        id="barrier-not-open",
    ),
    pytest.param(
        [intake(), STARTED],
        {
            "type": "PlacementEnded",
            "placement_id": PLACEMENT_ID,
            "on": "2024-03-01",
            "reason": "dismissed",
        },
        "placement_end_before_start",
        ["2024-03-01", "2024-04-02"],
        id="placement-end-before-start",
    ),
    pytest.param(
        [intake(), placement()],
        dropout(on="2024-03-01"),
        "date_before_last_event",
        ["2024-03-01", "2024-04-02"],
        id="dropout-before-last-event",
    ),
    pytest.param(
        [intake(), dropout()],
        {
            "type": "ExitResultRecorded",
            "observed_on": "2024-09-01",
            "status": "inactive",
        },
        "observation_outside_window",
        ["2024-09-01", "2024-06-30", "2024-07-28"],
        id="exit-result-too-late",
    ),
]


@pytest.mark.parametrize(("given", "event", "code", "values"), BROKEN_RULES)
def test_a_broken_rule_is_refused_with_its_code_and_the_values_and_writes_nothing(
    catalogued: TestClient,
    given: list[dict[str, Any]],
    event: dict[str, Any],
    code: str,
    values: list[str],
) -> None:
    trajectory_id = refer(catalogued)
    recorded(catalogued, trajectory_id, *given)

    response = record(catalogued, trajectory_id, event)

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == code
    message = response.json()["detail"]["message"]
    assert [value for value in values if value not in message] == []
    assert len(history(catalogued, trajectory_id)) == len(given) + 1


@pytest.mark.parametrize(
    ("given", "event"),
    [
        pytest.param(
            [intake()],
            {"type": "LadderAssessed", "on": IN_THE_FUTURE, "rung": 3},
            id="on",
        ),
        pytest.param(
            [intake(), dropout()],
            {
                "type": "ExitResultRecorded",
                "observed_on": IN_THE_FUTURE,
                "status": "employed",
            },
            id="observed_on",
        ),
    ],
)
def test_a_business_date_in_the_future_is_refused(
    catalogued: TestClient, given: list[dict[str, Any]], event: dict[str, Any]
) -> None:
    trajectory_id = refer(catalogued)
    recorded(catalogued, trajectory_id, *given)

    response = record(catalogued, trajectory_id, event)

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "date_in_future"
    assert IN_THE_FUTURE in response.json()["detail"]["message"]
    assert len(history(catalogued, trajectory_id)) == len(given) + 1


def test_an_unknown_event_type_is_refused(catalogued: TestClient) -> None:
    trajectory_id = refer(catalogued)

    response = record(
        catalogued, trajectory_id, {"type": "IntakeCancelled", "on": INTAKE_ON}
    )

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "invalid_request"
    assert error_fields(response) == ["body"]
    assert "IntakeCancelled" in response.json()["detail"]["message"]


@pytest.mark.parametrize(
    ("event", "field"),
    [
        pytest.param(
            {k: v for k, v in intake().items() if k != "coach_id"},
            "body.IntakeCompleted.coach_id",
            id="missing",
        ),
        pytest.param(intake(colour="blue"), "body.IntakeCompleted.colour", id="extra"),
        pytest.param(
            intake(labour_status="retired"),
            "body.IntakeCompleted.labour_status",
            id="unknown-code",
        ),
        pytest.param(
            {k: v for k, v in dropout().items() if k != "reason"},
            "body.DroppedOut.reason",
            id="missing-reason",
        ),
    ],
)
def test_a_malformed_event_is_refused_naming_the_field(
    catalogued: TestClient, event: dict[str, Any], field: str
) -> None:
    trajectory_id = taken_in(catalogued)

    response = record(catalogued, trajectory_id, event)

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "invalid_request"
    assert error_fields(response) == [field]
    assert len(history(catalogued, trajectory_id)) == 2


def test_a_body_that_is_not_json_is_refused(catalogued: TestClient) -> None:
    trajectory_id = refer(catalogued)

    response = catalogued.post(
        f"/trajectories/{trajectory_id}/events",
        content=b'{"type": "IntakeCompleted", "on": ',
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "invalid_request"
    assert [e["type"] for e in response.json()["detail"]["errors"]] == ["json_invalid"]


def test_a_body_that_is_not_utf8_is_refused_as_an_invalid_request(
    catalogued: TestClient,
) -> None:
    trajectory_id = refer(catalogued)

    response = catalogued.post(
        f"/trajectories/{trajectory_id}/events",
        content=b'{"type": "SessionHeld", "note": "caf\xe9"}',
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "invalid_request"


def test_an_event_for_an_unknown_trajectory_is_not_found(
    catalogued: TestClient,
) -> None:
    response = record(catalogued, UNKNOWN_ID, intake())

    assert response.status_code == 404
    assert response.json()["detail"]["code"] == "trajectory_not_found"
    assert UNKNOWN_ID in response.json()["detail"]["message"]


def test_an_event_without_a_token_is_401_and_records_nothing(
    catalogued: TestClient,
) -> None:
    trajectory_id = refer(catalogued)
    staff = catalogued.headers.pop("Authorization")

    response = record(catalogued, trajectory_id, intake())

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["detail"]["code"] == "unauthenticated"
    catalogued.headers["Authorization"] = staff
    assert len(history(catalogued, trajectory_id)) == 1


def test_a_referral_into_a_programme_the_organisation_does_not_run_is_refused(
    client: TestClient,
) -> None:
    register_programme(client, organisations=["Randstad"])
    participant_id = register_participant(client)

    response = client.post("/trajectories", json=referral_body(participant_id))

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "organisation_not_in_programme"
    assert ORGANISATION in response.json()["detail"]["message"]


def test_staff_refer_into_their_own_organisation_only(catalogued: TestClient) -> None:
    participant_id = register_participant(catalogued)

    response = catalogued.post(
        "/trajectories",
        json=referral_body(participant_id, organisation="Randstad"),
    )

    assert response.status_code == 403
    assert response.json()["detail"]["code"] == "other_organisation"
    assert catalogued.get("/trajectories").json()["total"] == 0


# If-Match ---------------------------------------------------------------------------


def test_a_stale_if_match_gets_409_with_the_current_version_and_writes_nothing(
    catalogued: TestClient,
) -> None:
    trajectory_id = taken_in(catalogued)

    response = record(catalogued, trajectory_id, session(), headers={"If-Match": '"1"'})

    assert response.status_code == 409
    assert response.json()["detail"]["code"] == "version_conflict"
    assert response.json()["detail"]["current_version"] == 2
    assert response.headers["ETag"] == '"2"'
    assert len(history(catalogued, trajectory_id)) == 2
    assert catalogued.get(f"/trajectories/{trajectory_id}").json()["sessions_held"] == 0


@pytest.mark.parametrize("tag", ['"2"', 'W/"2"'])
def test_a_current_if_match_writes(catalogued: TestClient, tag: str) -> None:
    trajectory_id = taken_in(catalogued)

    response = record(catalogued, trajectory_id, session(), headers={"If-Match": tag})

    assert response.status_code == 201
    assert response.headers["ETag"] == '"3"'
    assert len(history(catalogued, trajectory_id)) == 3


@pytest.mark.parametrize("tag", ["two", '"0"', '"1", "2"'])
def test_a_malformed_if_match_is_refused_naming_the_header(
    catalogued: TestClient, tag: str
) -> None:
    trajectory_id = taken_in(catalogued)

    response = record(catalogued, trajectory_id, session(), headers={"If-Match": tag})

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "invalid_request"
    assert error_fields(response) == ["header.If-Match"]
    assert len(history(catalogued, trajectory_id)) == 2


def test_an_if_match_of_superscript_digits_is_refused_naming_the_header(
    catalogued: TestClient,
) -> None:
    trajectory_id = taken_in(catalogued)

    response = post_with_raw_headers(
        catalogued,
        f"/trajectories/{trajectory_id}/events",
        session(),
        [
            (b"Authorization", catalogued.headers["Authorization"].encode()),
            (b"If-Match", b'"\xb2"'),
        ],
    )

    assert response.status_code == 422
    assert error_fields(response) == ["header.If-Match"]


# GET /trajectories/{id} -------------------------------------------------------------


def test_the_current_state_is_read_with_its_version_as_etag(
    catalogued: TestClient,
) -> None:
    trajectory_id = taken_in(catalogued)

    response = catalogued.get(f"/trajectories/{trajectory_id}")

    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'
    expected = {
        "id": trajectory_id,
        "version": 2,
        "stage": "active",
        "intake_on": INTAKE_ON,
        "coach": "Hilde",
        "coach_id": coach_id("Hilde"),
        "rung_at_intake": 2,
        "postcode": "9300",
        "open_barriers": ["mobility"],
    }
    assert picked(response.json(), expected) == expected


def test_the_state_as_of_a_version_is_the_earlier_state(
    catalogued: TestClient,
) -> None:
    trajectory_id = taken_in(catalogued)
    recorded(catalogued, trajectory_id, placement())

    at_2 = catalogued.get(f"/trajectories/{trajectory_id}?as_of_version=2")
    at_1 = catalogued.get(f"/trajectories/{trajectory_id}?as_of_version=1")

    assert at_2.status_code == at_1.status_code == 200
    at_intake = {"version": 2, "stage": "active", "placements": []}
    at_referral = {"version": 1, "stage": "referred", "intake_on": None}
    assert picked(at_2.json(), at_intake) == at_intake
    assert picked(at_1.json(), at_referral) == at_referral


def test_the_state_as_of_a_date_counts_the_events_on_or_before_it(
    catalogued: TestClient,
) -> None:
    trajectory_id = taken_in(catalogued)
    recorded(catalogued, trajectory_id, placement(), dropout())

    before_intake = catalogued.get(f"/trajectories/{trajectory_id}?as_of=2024-02-11")
    on_placement = catalogued.get(f"/trajectories/{trajectory_id}?as_of=2024-04-02")

    assert before_intake.status_code == on_placement.status_code == 200
    referred = {"version": 1, "stage": "referred", "intake_on": None}
    placed = {"version": 3, "stage": "active", "exit_on": None}
    assert picked(before_intake.json(), referred) == referred
    assert picked(on_placement.json(), placed) == placed
    assert [p["employer"] for p in on_placement.json()["placements"]] == [
        "Bakkerij De Smet"
    ]


def test_as_of_a_version_and_a_date_together_is_refused(
    catalogued: TestClient,
) -> None:
    trajectory_id = taken_in(catalogued)

    response = catalogued.get(
        f"/trajectories/{trajectory_id}?as_of_version=1&as_of=2024-03-01"
    )

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "invalid_request"
    assert error_fields(response) == ["query.as_of"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("as_of_version=0", "query.as_of_version"),
        ("as_of_version=two", "query.as_of_version"),
        ("as_of=2024-02-30", "query.as_of"),
    ],
)
def test_a_malformed_as_of_is_refused_naming_the_parameter(
    catalogued: TestClient, query: str, field: str
) -> None:
    trajectory_id = refer(catalogued)

    response = catalogued.get(f"/trajectories/{trajectory_id}?{query}")

    assert response.status_code == 422
    assert error_fields(response) == [field]


def test_a_version_after_the_last_is_not_found(catalogued: TestClient) -> None:
    trajectory_id = taken_in(catalogued)

    response = catalogued.get(f"/trajectories/{trajectory_id}?as_of_version=3")

    assert response.status_code == 404
    assert response.json()["detail"]["code"] == "version_not_found"
    assert "no version 3; the last is 2" in response.json()["detail"]["message"]


def test_a_date_before_the_referral_is_not_found(catalogued: TestClient) -> None:
    trajectory_id = taken_in(catalogued)

    response = catalogued.get(f"/trajectories/{trajectory_id}?as_of=2024-01-31")

    assert response.status_code == 404
    assert response.json()["detail"]["code"] == "not_yet_referred"
    message = response.json()["detail"]["message"]
    assert "2024-01-31" in message and REFERRAL_ON in message


@pytest.mark.parametrize(
    "path", ["", "?as_of_version=1", "?as_of=2024-03-01", "/history"]
)
def test_an_unknown_trajectory_is_not_found(catalogued: TestClient, path: str) -> None:
    refer(catalogued)

    response = catalogued.get(f"/trajectories/{UNKNOWN_ID}{path}")

    assert response.status_code == 404
    assert response.json()["detail"]["code"] == "trajectory_not_found"


def test_a_malformed_trajectory_id_is_refused_naming_it(
    catalogued: TestClient,
) -> None:
    response = catalogued.get("/trajectories/42")

    assert response.status_code == 422
    assert error_fields(response) == ["path.trajectory_id"]


def test_the_history_of_a_participant_id_is_not_found(catalogued: TestClient) -> None:
    participant_id = register_participant(catalogued)

    response = catalogued.get(f"/trajectories/{participant_id}/history")

    assert response.status_code == 404
    assert "Lotte" not in response.text


def test_a_participant_id_as_of_a_date_is_not_found(catalogued: TestClient) -> None:
    participant_id = register_participant(catalogued)

    response = catalogued.get(f"/trajectories/{participant_id}?as_of=2024-03-01")

    assert response.status_code == 404


# GET /trajectories/{id}/history -----------------------------------------------------


def test_the_history_shows_each_event_in_order_with_who_when_and_what(
    catalogued: TestClient,
) -> None:
    trajectory_id = taken_in(catalogued)
    recorded(catalogued, trajectory_id, placement(), dropout())

    entries = history(catalogued, trajectory_id)

    assert [(e["version"], e["type"], e["business_date"]) for e in entries] == [
        (1, "ReferralReceived", "2024-02-01"),
        (2, "IntakeCompleted", "2024-02-12"),
        (3, "PlacementStarted", "2024-04-02"),
        (4, "DroppedOut", "2024-06-30"),
    ]
    assert {e["recorded_by"] for e in entries} == {"Hilde"}
    recorded_at = [datetime.fromisoformat(e["recorded_at"]) for e in entries]
    assert recorded_at == sorted(recorded_at)
    assert [(e["retracted"], e["retracted_by"]) for e in entries] == [(False, None)] * 4
    assert entries[0]["data"]["participant_id"] is not None
    assert entries[0]["data"]["referral_source"] == "school"
    assert entries[1]["data"]["postcode"] == "9300"
    assert entries[2]["data"]["employer"] == "Bakkerij De Smet"
    assert entries[3]["data"] == {"on": "2024-06-30", "reason": "lost_contact"}


def test_the_history_names_the_staff_member_of_each_write(
    catalogued: TestClient,
) -> None:
    trajectory_id = taken_in(catalogued)
    tokens = catalogued.app.state.service.tokens  # type: ignore[attr-defined]
    _, jef = tokens.create(role=Role.STAFF, name="Jef", organisation=ORGANISATION)

    record(catalogued, trajectory_id, session(), headers=bearer(jef))

    assert [e["recorded_by"] for e in history(catalogued, trajectory_id)] == [
        "Hilde",
        "Hilde",
        "Jef",
    ]


def test_a_retracted_event_stays_in_the_history_marked_and_counts_nowhere(
    catalogued: TestClient,
) -> None:
    trajectory_id = taken_in(catalogued)
    recorded(catalogued, trajectory_id, session())

    recorded(
        catalogued,
        trajectory_id,
        {"type": "EntryRetracted", "on": "2024-03-01", "version": 3, "reason": "typo"},
    )

    entries = history(catalogued, trajectory_id)
    assert [(e["type"], e["retracted"], e["retracted_by"]) for e in entries] == [
        ("ReferralReceived", False, None),
        ("IntakeCompleted", False, None),
        ("SessionHeld", True, 4),
        ("EntryRetracted", False, None),
    ]
    assert entries[3]["data"] == {"on": "2024-03-01", "version": 3, "reason": "typo"}
    state = catalogued.get(f"/trajectories/{trajectory_id}").json()
    as_if_never_held = {"sessions_held": 0, "retracted_versions": [3]}
    assert picked(state, as_if_never_held) == as_if_never_held


# Postcodes --------------------------------------------------------------------------


@pytest.mark.parametrize("postcode", ["²³¹⁴", "٩٣٠٠"], ids=["superscript", "arabic"])
def test_a_postcode_of_other_digits_than_0_to_9_is_refused(
    catalogued: TestClient, postcode: str
) -> None:
    trajectory_id = refer(catalogued)

    response = record(catalogued, trajectory_id, intake(postcode=postcode))

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "invalid_postcode"


# No 500 -----------------------------------------------------------------------------


def test_odd_referrals_never_get_a_server_error(catalogued: TestClient) -> None:
    participant_id = register_participant(catalogued)
    valid = referral_body(participant_id)
    odd: list[Any] = [
        {},
        [],
        [valid],
        None,
        participant_id,
        {**valid, "participant_id": 10**40},
        {**valid, "participant_id": None, "programme": None, "on": None},
        {**valid, "on": 20240201},
        {**valid, "on": "0001-01-01"},
        {**valid, "on": "9999-12-31"},
        {**valid, "programme": " "},
        {**valid, "programme": "x" * 100_000},
        {**valid, "organisation": ["Randstad"]},
    ]

    answers = [(body, catalogued.post("/trajectories", json=body)) for body in odd]

    assert [(body, r.status_code) for body, r in answers if r.status_code >= 500] == []


def test_odd_events_never_get_a_server_error(catalogued: TestClient) -> None:
    trajectory_id = taken_in(catalogued)
    odd: list[Any] = [
        {},
        [],
        [session()],
        None,
        "SessionHeld",
        {"type": None},
        {"type": 12},
        {"type": "SessionHeld"},
        session(minutes=10**40),
        session(minutes="sixty"),
        session(on=None, mode=None),
        placement(hours_per_week=1e308),
        placement(hours_per_week=10**400),
        placement(placement_id=12),
        {"type": "LadderAssessed", "on": "2024-03-01", "rung": 10**40},
        {"type": "LadderAssessed", "on": "2024-03-01", "rung": "3"},
        {
            "type": "EntryRetracted",
            "on": "2024-03-01",
            "version": 10**40,
            "reason": "x",
        },
        {"type": "EntryRetracted", "on": "2024-03-01", "version": -1, "reason": "x"},
        {"type": "FollowUpRecorded", "milestone": 10**40, "observed_on": "2024-07-01"},
        {
            "type": "EntryProfileCorrected",
            "on": "2024-03-01",
            "field": "barriers",
            "value": [{"nested": [1, 2]}],
            "reason": "x",
        },
        {
            "type": "EntryProfileCorrected",
            "on": "2024-03-01",
            "field": "rung",
            "value": 10**40,
            "reason": "x",
        },
        {
            "type": "EntryProfileCorrected",
            "on": "2024-03-01",
            "field": "postcode",
            "value": None,
            "reason": "x",
        },
        {
            "type": "PlacementEnded",
            "placement_id": PLACEMENT_ID,
            "on": "2024-03-01",
            "reason": "other",
        },
    ]

    answers = [(body, record(catalogued, trajectory_id, body)) for body in odd]

    assert [(body, r.status_code) for body, r in answers if r.status_code >= 500] == []
