from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from fastapi import Depends
from fastapi import Query

from application.access import Caller
from application.access import Role
from application.projections.caseload.queries import TrajectorySummary
from application.search import DEFAULT_LIMIT
from application.search import MAX_CANDIDATES
from application.search import MAX_LIMIT
from application.search import ParticipantQuery
from domain.participant import Participant
from interfaces.http.deps import NO_NUL
from interfaces.http.deps import Admin
from interfaces.http.deps import Reader
from interfaces.http.deps import RecordRead
from interfaces.http.deps import Service
from interfaces.http.deps import StaffWrite
from interfaces.http.deps import ViewsDep
from interfaces.http.deps import allow
from interfaces.http.openapi import READ
from interfaces.http.openapi import WRITE
from interfaces.http.openapi import answers
from interfaces.http.schemas.base import answer_of
from interfaces.http.schemas.commands import ParticipantIn
from interfaces.http.schemas.participants import ErasureOut
from interfaces.http.schemas.participants import ParticipantFoundOut
from interfaces.http.schemas.participants import ParticipantOut
from interfaces.http.schemas.participants import ParticipantSearchOut
from interfaces.http.schemas.participants import ParticipantTrajectoryOut

router = APIRouter(prefix="/participants", tags=["participants"])

# Who may look for a participant: staff in their organisation's dossiers; auditors,
# and admins (who erase), in all.
Finder = Annotated[Caller, Depends(allow(Role.STAFF, Role.AUDITOR, Role.ADMIN))]


def participant_out(participant: Participant) -> ParticipantOut:
    return ParticipantOut.model_validate(participant, from_attributes=True)


@router.post("", status_code=201, response_model=ParticipantOut, responses=WRITE)
def register_participant(body: ParticipantIn, write: StaffWrite) -> ParticipantOut:
    """Register a participant's personal data (kept here, never in trajectories),
    in the dossiers of the staff member's organisation: only its staff can read
    the participant and refer them (staff). Someone already in those dossiers is
    refused (422) naming them in `detail.participant_ids`: the same national
    register number as `national_number_registered`, the same name (case and
    accents aside) and birth date as `likely_duplicate`, unless the body confirms
    another person with `confirmed_new_person: true`."""
    caller = write.caller
    answer = write.service.register_participant(
        body.command(),
        organisation=caller.within,
        recorded_by=caller.name,
        key=write.key,
    )
    write.answered(answer, f"/participants/{answer.id}")
    return participant_out(write.service.participant(answer.id, caller.within))


@router.get("", response_model=ParticipantSearchOut, responses=READ)
def find_participants(
    service: Service,
    views: ViewsDep,
    caller: Finder,
    record_read: RecordRead,
    name: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=NO_NUL,
            description="words of the given or family name, any case, with or "
            "without accents; each word of 2 letters starts a word of the name, of "
            "3 or more is anywhere in one",
            examples=["claes", "lot cla"],
        ),
    ] = None,
    birth_date: Annotated[date | None, Query(description="the birth date")] = None,
    national_number: Annotated[
        str | None,
        Query(
            max_length=20,
            pattern=NO_NUL,
            description="the whole national register number, with or without "
            "dots, dashes or spaces",
            examples=["05.03.14-123.97"],
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, lt=MAX_CANDIDATES)] = 0,
) -> ParticipantSearchOut:
    """Find participants by name, birth date or national register number (given
    together: all must match), with every trajectory of each, open and ended
    (staff: in their organisation's dossiers; auditors and admins: in all). Never
    an erased participant. The read is recorded in the access log."""
    query = ParticipantQuery(
        name=name,
        birth_date=birth_date,
        national_number=national_number,
        limit=limit,
        offset=offset,
    )
    page = service.find_participants(query, caller.within)
    ids = [participant.id for participant in page.participants]
    record_read(ids)
    trajectories = views.trajectories_of(ids)
    return ParticipantSearchOut(
        total=page.total,
        complete=page.complete,
        participants=[
            found_out(participant, trajectories[participant.id], caller.within)
            for participant in page.participants
        ],
    )


def found_out(
    participant: Participant,
    trajectories: list[TrajectorySummary],
    within: str | None,
) -> ParticipantFoundOut:
    shown = [
        ParticipantTrajectoryOut.model_validate(
            {"id": t.trajectory_id, **vars(t)}, from_attributes=False
        )
        for t in trajectories
        if within is None or t.organisation == within
    ]
    return answer_of(ParticipantFoundOut, participant, trajectories=shown)


@router.get(
    "/{participant_id}",
    response_model=ParticipantOut,
    responses=answers(404, 410),
)
def get_participant(
    participant_id: UUID, service: Service, caller: Reader, record_read: RecordRead
) -> ParticipantOut:
    """A participant's personal data (staff of the participant's organisation,
    auditors); the read is recorded in the access log."""
    participant = service.participant(participant_id, caller.within)
    participant.check_readable()
    record_read([participant.id])
    return participant_out(participant)


@router.delete(
    "/{participant_id}", response_model=ErasureOut, responses=answers(404, 409)
)
def erase_participant(
    participant_id: UUID, service: Service, caller: Admin
) -> ErasureOut:
    """Erase a participant's personal data (admin), as the right to be forgotten
    asks: their data key is destroyed and ``ParticipantErased`` recorded, in one
    transaction. Their details and their sessions' notes can no longer be read by
    anyone (``GET`` answers 410; caseload rows and histories show "erased"), while
    every history stays complete and verifiable and the outcome figures, which hold
    no personal data, stay as they were. Erasing again is harmless: it records
    nothing and answers the same, with ``erased_now`` false."""
    answer = service.erase_participant(participant_id, recorded_by=caller.name)
    return ErasureOut(
        id=participant_id, version=answer.version, erased_now=not answer.replayed
    )
