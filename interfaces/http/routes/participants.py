from uuid import UUID

from fastapi import APIRouter, Response

from domain.participant import Participant
from interfaces.http.deps import (
    Admin,
    Idempotency,
    Reader,
    RecordRead,
    Service,
    Staff,
)
from interfaces.http.errors import ERROR_RESPONSES, REPLAYED, ErrorBody
from interfaces.http.schemas import ErasureOut, ParticipantIn, ParticipantOut

router = APIRouter(prefix="/participants", tags=["participants"])


def participant_out(participant: Participant) -> ParticipantOut:
    return ParticipantOut(
        id=participant.id,
        version=participant.version,
        given_name=participant.given_name,
        family_name=participant.family_name,
        birth_date=participant.birth_date,
        gender=participant.gender,
        national_register_number=participant.national_register_number,
        email=participant.email,
        phone=participant.phone,
    )


@router.post(
    "", status_code=201, response_model=ParticipantOut, responses=ERROR_RESPONSES
)
def register_participant(
    body: ParticipantIn,
    service: Service,
    caller: Staff,
    key: Idempotency,
    response: Response,
) -> ParticipantOut:
    """Register a participant's personal data (kept here, never in trajectories),
    in the dossiers of the staff member's organisation: only its staff can read
    the participant and refer them (staff)."""
    answer = service.once(
        key,
        lambda: service.register_participant(
            **body.model_dump(), organisation=caller.within, recorded_by=caller.name
        ),
    )
    assert answer.aggregate_id is not None
    participant = service.participant(answer.aggregate_id, caller.within)
    if answer.replayed:
        response.headers[REPLAYED] = "true"
    response.headers["Location"] = f"/participants/{participant.id}"
    response.headers["ETag"] = f'"{participant.version}"'
    return participant_out(participant)


ERASED = {
    "model": ErrorBody,
    "description": "The participant was erased",
    "content": {
        "application/json": {
            "example": {
                "detail": {
                    "code": "participant_erased",
                    "message": "the participant's personal data was erased",
                }
            }
        }
    },
}


@router.get(
    "/{participant_id}",
    response_model=ParticipantOut,
    responses={**ERROR_RESPONSES, 410: ERASED},
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
    "/{participant_id}", response_model=ErasureOut, responses=ERROR_RESPONSES
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
