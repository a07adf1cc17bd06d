from fastapi import APIRouter, Response

from domain.programme import Programme
from interfaces.http.deps import Admin, Anyone, Idempotency, Service
from interfaces.http.errors import ERROR_RESPONSES, REPLAYED
from interfaces.http.schemas import ProgrammeIn, ProgrammeOut

router = APIRouter(prefix="/programmes", tags=["programmes"])


def programme_out(programme: Programme) -> ProgrammeOut:
    return ProgrammeOut(
        id=programme.id,
        code=programme.code,
        name=programme.name,
        funder=programme.funder,
        organisations=programme.organisations,
        starts_on=programme.starts_on,
        ends_on=programme.ends_on,
        budget=programme.budget,
        min_age=programme.min_age,
        max_age=programme.max_age,
        session_cap=programme.session_cap,
    )


@router.post(
    "", status_code=201, response_model=ProgrammeOut, responses=ERROR_RESPONSES
)
def register_programme(
    body: ProgrammeIn,
    service: Service,
    caller: Admin,
    key: Idempotency,
    response: Response,
) -> ProgrammeOut:
    """Register a programme in the catalogue; its code is its key (admin)."""
    answer = service.once(
        key,
        lambda: service.register_programme(
            **body.model_dump(), recorded_by=caller.name
        ),
    )
    if answer.replayed:
        response.headers[REPLAYED] = "true"
    response.headers["Location"] = f"/programmes/{body.code}"
    return programme_out(service.programme(body.code))


@router.get("", response_model=list[ProgrammeOut], responses=ERROR_RESPONSES)
def list_programmes(service: Service, _: Anyone) -> list[ProgrammeOut]:
    """The programme catalogue, in the order programmes were registered."""
    return [programme_out(p) for p in service.programmes()]


@router.get("/{code}", response_model=ProgrammeOut, responses=ERROR_RESPONSES)
def get_programme(code: str, service: Service, _: Anyone) -> ProgrammeOut:
    """One programme by its code."""
    return programme_out(service.programme(code))
