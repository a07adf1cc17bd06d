"""A whole trajectory through a client that openapi-python-client generated from the
service's /openapi.json, as a partner's system would drive it: only the generated
client and its types are used, and every answer, errors included, is parsed into
the type the document declares for its status.

``tests/interfaces/test_openapi_client.py`` generates the package ``trajectory_client``
and runs ``whole_trajectory`` against a live server; this module imports it, so it
is imported only after the package was generated.
"""

from __future__ import annotations

import datetime
import json
from typing import Any
from uuid import UUID

from trajectory_client import AuthenticatedClient
from trajectory_client.api.audit import verify_stream
from trajectory_client.api.coaches import register_coach
from trajectory_client.api.participants import erase_participant
from trajectory_client.api.participants import get_participant
from trajectory_client.api.participants import register_participant
from trajectory_client.api.programmes import register_programme
from trajectory_client.api.tokens import create_token
from trajectory_client.api.trajectories import get_history
from trajectory_client.api.trajectories import get_trajectory
from trajectory_client.api.trajectories import hold_group_session
from trajectory_client.api.trajectories import record_event
from trajectory_client.api.trajectories import refer
from trajectory_client.api.views import outcomes_csv
from trajectory_client.models import CoachIn
from trajectory_client.models import CoachOut
from trajectory_client.models import ConflictError
from trajectory_client.models import Created
from trajectory_client.models import Destination
from trajectory_client.models import EducationLevel
from trajectory_client.models import ErasedError
from trajectory_client.models import ErasureOut
from trajectory_client.models import EventRecorded
from trajectory_client.models import ExitResultRecordedIn
from trajectory_client.models import ExitStatus
from trajectory_client.models import ForbiddenError
from trajectory_client.models import Gender
from trajectory_client.models import GroupSessionIn
from trajectory_client.models import IntakeCompletedEntry
from trajectory_client.models import IntakeCompletedIn
from trajectory_client.models import LabourStatus
from trajectory_client.models import NotFoundError
from trajectory_client.models import ParticipantIn
from trajectory_client.models import ParticipantOut
from trajectory_client.models import PlacementStartedIn
from trajectory_client.models import PlacementType
from trajectory_client.models import ProgrammeIn
from trajectory_client.models import ProgrammeOut
from trajectory_client.models import ReferralIn
from trajectory_client.models import ReferralSource
from trajectory_client.models import Role
from trajectory_client.models import SessionHeldEntry
from trajectory_client.models import SessionHeldIn
from trajectory_client.models import SessionMode
from trajectory_client.models import SessionSetting
from trajectory_client.models import TokenCreatedOut
from trajectory_client.models import TokenIn
from trajectory_client.models import TooLargeError
from trajectory_client.models import TrajectoryCompletedIn
from trajectory_client.models import TrajectoryOut
from trajectory_client.models import UnauthenticatedError
from trajectory_client.models import UnprocessableError
from trajectory_client.types import Response

PROGRAMME = "BUSO-AALST"
ORGANISATION = "Werkburo Oost-Vlaanderen"
REFERRED_ON = datetime.date(2024, 2, 1)
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def whole_trajectory(base_url: str, admin_token: str, **httpx_args: Any) -> None:
    """Register, refer, intake, session, placement, completion, exit result; an
    idempotent retry; a stale If-Match; a domain refusal; 401, 403 and 413; a 410
    after erasure; the outcomes CSV and the streamed verification."""

    def client(token: str) -> AuthenticatedClient:
        # An undeclared status raises: every answer must be one the document lists.
        return AuthenticatedClient(
            base_url=base_url,
            token=token,
            raise_on_unexpected_status=True,
            httpx_args=httpx_args,
        )

    admin = client(admin_token)
    staff = client(token_for(admin, Role.STAFF, "Hilde", ORGANISATION))
    auditor = client(token_for(admin, Role.AUDITOR, "Inge", None))
    evaluator = client(token_for(admin, Role.EVALUATOR, "Eva", None))

    programme = register_programme.sync(
        client=admin,
        body=ProgrammeIn(
            code=PROGRAMME,
            name="Van BUSO naar begeleid werken",
            funder="Vlaamse overheid",
            organisations=[ORGANISATION],
            starts_on=datetime.date(2023, 4, 1),
            min_age=16,
            max_age=64,
        ),
    )
    assert isinstance(programme, ProgrammeOut), programme
    coach = register_coach.sync(
        client=admin, body=CoachIn(name="Hilde Claes", organisation=ORGANISATION)
    )
    assert isinstance(coach, CoachOut), coach

    participant = register_participant.sync(
        client=staff,
        body=ParticipantIn(
            given_name="Lotte",
            family_name="Claes",
            birth_date=datetime.date(2005, 3, 14),
            gender=Gender.F,
            confirmed_new_person=True,
        ),
    )
    assert isinstance(participant, ParticipantOut), participant
    referral = ReferralIn(
        participant_id=participant.id,
        programme=PROGRAMME,
        organisation=ORGANISATION,
        referral_source=ReferralSource.SCHOOL,
        on=REFERRED_ON,
    )
    answer = refer.sync_detailed(client=staff, body=referral)
    assert isinstance(answer.parsed, Created), answer
    assert answer.headers["ETag"] == '"1"'
    assert answer.headers["Location"] == f"/trajectories/{answer.parsed.id}"
    trajectory_id = answer.parsed.id

    # A domain refusal, read through the typed error.
    intake = IntakeCompletedIn(
        type_="IntakeCompleted",
        on=datetime.date(2024, 1, 29),
        coach_id=coach.id,
        rung=2,
        labour_status=LabourStatus.UNEMPLOYED,
        education_level=EducationLevel.ISCED_0_2,
        disability=True,
        postcode="9300",
    )
    refused = record_event.sync(trajectory_id, client=staff, body=intake)
    assert isinstance(refused, UnprocessableError), refused
    assert refused.detail.code.value == "date_before_referral"

    # A malformed field: the typed field errors name it.
    nameless = PlacementStartedIn(
        type_="PlacementStarted",
        on=datetime.date(2024, 4, 2),
        placement_type=PlacementType.REGULAR_JOB_WITH_SUPPORT,
        employer="",
        paid=True,
        hours_per_week=19,
    )
    malformed = record_event.sync(trajectory_id, client=staff, body=nameless)
    assert isinstance(malformed, UnprocessableError), malformed
    assert malformed.detail.code.value == "invalid_request", malformed
    assert isinstance(malformed.detail.errors, list), malformed
    assert [e.field for e in malformed.detail.errors] == [
        "body.PlacementStarted.employer"
    ]

    # The intake, sent twice with one Idempotency-Key: recorded once.
    intake.on = datetime.date(2024, 2, 12)
    first = record_event.sync_detailed(
        trajectory_id, client=staff, body=intake, idempotency_key="intake-lotte"
    )
    again = record_event.sync_detailed(
        trajectory_id, client=staff, body=intake, idempotency_key="intake-lotte"
    )
    assert isinstance(first.parsed, EventRecorded), first
    assert isinstance(again.parsed, EventRecorded), again
    assert again.parsed.version == first.parsed.version == 2
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers

    version = recorded(
        staff,
        trajectory_id,
        SessionHeldIn(
            type_="SessionHeld",
            on=datetime.date(2024, 2, 20),
            minutes=60,
            mode=SessionMode.INDIVIDUAL,
            setting=SessionSetting.WORKPLACE,
            note="visited the bakery together",
        ),
        PlacementStartedIn(
            type_="PlacementStarted",
            on=datetime.date(2024, 4, 2),
            placement_type=PlacementType.REGULAR_JOB_WITH_SUPPORT,
            employer="Bakkerij De Smet",
            paid=True,
            hours_per_week=19,
        ),
    )

    # A stale If-Match: 409 with the current version; nothing written.
    stale = record_event.sync_detailed(
        trajectory_id,
        client=staff,
        body=TrajectoryCompletedIn(
            type_="TrajectoryCompleted",
            on=datetime.date(2024, 9, 30),
            destination=Destination.EMPLOYED,
        ),
        if_match='"2"',
    )
    assert isinstance(stale.parsed, ConflictError), stale
    assert stale.parsed.detail.code.value == "version_conflict"
    assert stale.parsed.detail.current_version == version
    assert stale.headers["ETag"] == f'"{version}"'

    state = get_trajectory.sync_detailed(trajectory_id, client=staff)
    assert isinstance(state.parsed, TrajectoryOut), state
    version = recorded(
        staff,
        trajectory_id,
        TrajectoryCompletedIn(
            type_="TrajectoryCompleted",
            on=datetime.date(2024, 9, 30),
            destination=Destination.EMPLOYED,
        ),
        ExitResultRecordedIn(
            type_="ExitResultRecorded",
            observed_on=datetime.date(2024, 10, 7),
            status=ExitStatus.EMPLOYED,
        ),
        if_match=state.headers["ETag"],
    )
    assert version == 6

    history = get_history.sync(trajectory_id, client=staff)
    assert isinstance(history, list), history
    intake_entry = history[1]
    assert isinstance(intake_entry, IntakeCompletedEntry), intake_entry
    assert intake_entry.data.coach_id == coach.id
    assert intake_entry.data.labour_status is LabourStatus.UNEMPLOYED
    session_entry = history[2]
    assert isinstance(session_entry, SessionHeldEntry), session_entry
    assert session_entry.data.note == "visited the bakery together"
    assert [entry.type_ for entry in history] == [
        "ReferralReceived",
        "IntakeCompleted",
        "SessionHeld",
        "PlacementStarted",
        "TrajectoryCompleted",
        "ExitResultRecorded",
    ]

    # 401, 403, 413: each parsed into its error body.
    stranger = client("not-a-token")
    unauthenticated = get_trajectory.sync_detailed(trajectory_id, client=stranger)
    assert isinstance(unauthenticated.parsed, UnauthenticatedError), unauthenticated
    assert unauthenticated.parsed.detail.code.value == "unauthenticated"
    assert unauthenticated.headers["WWW-Authenticate"] == "Bearer"
    forbidden = record_event.sync(trajectory_id, client=evaluator, body=intake)
    assert isinstance(forbidden, ForbiddenError), forbidden
    assert forbidden.detail.code.value == "forbidden"
    too_large = hold_group_session.sync(
        client=staff,
        body=GroupSessionIn(
            trajectory_ids=[UUID(UNKNOWN)] * 2000,
            on=datetime.date(2024, 3, 5),
            minutes=120,
            mode=SessionMode.JOB_WORKSHOP,
            setting=SessionSetting.OFFICE,
        ),
    )
    assert isinstance(too_large, TooLargeError), too_large
    assert too_large.detail.code.value == "body_too_large"
    missing = get_trajectory.sync(UUID(UNKNOWN), client=staff)
    assert isinstance(missing, NotFoundError), missing
    assert missing.detail.code.value == "trajectory_not_found"

    # The outcome figures as CSV, and a verification streamed line by line.
    csv = outcomes_csv.sync(client=auditor, group_by="programme")
    assert isinstance(csv, str), csv
    assert csv.splitlines()[0].startswith("programme,"), csv
    lines = verify_stream.sync(client=auditor)
    assert isinstance(lines, str), lines
    assert json.loads(lines.splitlines()[-1])["result"]["intact"] is True, lines

    # Erased: the participant's data can no longer be read nor referred.
    erased = erase_participant.sync(participant.id, client=admin)
    assert isinstance(erased, ErasureOut), erased
    gone = get_participant.sync(participant.id, client=staff)
    assert isinstance(gone, ErasedError), gone
    assert gone.detail.code.value == "participant_erased"
    referred_again = refer.sync(client=staff, body=referral)
    assert isinstance(referred_again, ErasedError), referred_again
    assert referred_again.detail.code.value == "participant_erased"


def token_for(
    admin: AuthenticatedClient, role: Role, name: str, organisation: str | None
) -> str:
    body = TokenIn(role=role, name=name)
    if organisation is not None:
        body.organisation = organisation
    created = create_token.sync(client=admin, body=body)
    assert isinstance(created, TokenCreatedOut), created
    secret: str = created.token
    return secret


def recorded(
    staff: AuthenticatedClient,
    trajectory_id: UUID,
    *events: SessionHeldIn
    | PlacementStartedIn
    | TrajectoryCompletedIn
    | ExitResultRecordedIn,
    if_match: str | None = None,
) -> int:
    """Records each event in turn, each If-Match the ETag of the one before (the
    first's ``if_match``, if given); returns the last version."""
    version = 0
    for event in events:
        answer: Response[Any] = (
            record_event.sync_detailed(
                trajectory_id, client=staff, body=event, if_match=if_match
            )
            if if_match is not None
            else record_event.sync_detailed(trajectory_id, client=staff, body=event)
        )
        assert isinstance(answer.parsed, EventRecorded), answer
        version, if_match = answer.parsed.version, answer.headers["ETag"]
    return version
