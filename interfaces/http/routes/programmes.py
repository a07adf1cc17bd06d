from fastapi import APIRouter

from domain.programme import Programme
from interfaces.http.deps import AdminWrite
from interfaces.http.deps import Anyone
from interfaces.http.deps import Service
from interfaces.http.openapi import READ
from interfaces.http.openapi import UPDATE
from interfaces.http.openapi import WRITE
from interfaces.http.schemas.commands import PeriodIn
from interfaces.http.schemas.commands import ProgrammeIn
from interfaces.http.schemas.programmes import ProgrammeOut

router = APIRouter(prefix="/programmes", tags=["programmes"])


def programme_out(programme: Programme) -> ProgrammeOut:
    return ProgrammeOut.model_validate(programme, from_attributes=True)


@router.post("", status_code=201, response_model=ProgrammeOut, responses=WRITE)
def register_programme(body: ProgrammeIn, write: AdminWrite) -> ProgrammeOut:
    """Register a programme in the catalogue; its code is its key (admin)."""
    registration = body.command()
    answer = write.service.register_programme(
        registration, recorded_by=write.caller.name, key=write.key
    )
    write.answered(answer, f"/programmes/{registration.code}")
    return programme_out(write.service.programme(registration.code))


@router.post("/{code}/period", response_model=ProgrammeOut, responses=UPDATE)
def change_period(code: str, body: PeriodIn, write: AdminWrite) -> ProgrammeOut:
    """Change a programme's period from a day on: extend it, close it, or leave it
    without an end; with a new total budget if one was granted (admin). Referrals
    are checked against the period as it stood on their date."""
    answer = write.service.change_programme_period(
        code, body.command(), recorded_by=write.caller.name, key=write.key
    )
    write.answered(answer, f"/programmes/{code}")
    return programme_out(write.service.programme(code))


@router.get("", response_model=list[ProgrammeOut], responses=READ)
def list_programmes(service: Service, _: Anyone) -> list[ProgrammeOut]:
    """The programme catalogue, in the order programmes were registered."""
    return [programme_out(p) for p in service.programmes()]


@router.get("/{code}", response_model=ProgrammeOut, responses=READ)
def get_programme(code: str, service: Service, _: Anyone) -> ProgrammeOut:
    """One programme by its code."""
    return programme_out(service.programme(code))
