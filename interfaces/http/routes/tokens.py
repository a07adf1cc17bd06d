from uuid import UUID

from fastapi import APIRouter
from fastapi import Response

from application.access import TokenInfo
from interfaces.http.deps import Admin
from interfaces.http.deps import Service
from interfaces.http.openapi import LOCATION
from interfaces.http.openapi import READ
from interfaces.http.openapi import answers
from interfaces.http.schemas.access import TokenCreatedOut
from interfaces.http.schemas.access import TokenIn
from interfaces.http.schemas.access import TokenOut

router = APIRouter(prefix="/tokens", tags=["tokens"])


def token_out(info: TokenInfo) -> TokenOut:
    return TokenOut(**vars(info))


@router.post(
    "",
    status_code=201,
    response_model=TokenCreatedOut,
    responses=answers(413, _201={"headers": {"Location": LOCATION}}),
)
def create_token(
    body: TokenIn, service: Service, admin: Admin, response: Response
) -> TokenCreatedOut:
    """Create an access token (admin). The secret is in this answer only: the
    service keeps its hash. A staff token names the staff member's organisation,
    whose coaches they join (see ``/coaches``)."""
    info, secret = service.create_token(
        role=body.role,
        name=body.name,
        organisation=body.organisation,
        recorded_by=admin.name,
    )
    response.headers["Location"] = f"/tokens/{info.id}"
    response.headers["Cache-Control"] = "no-store"
    return TokenCreatedOut(**vars(info), token=secret)


@router.get("", response_model=list[TokenOut], responses=READ)
def list_tokens(service: Service, _: Admin) -> list[TokenOut]:
    """Every token, revoked ones included; never a secret (admin)."""
    return [token_out(info) for info in service.tokens.list()]


@router.delete("/{token_id}", response_model=TokenOut, responses=READ)
def revoke_token(token_id: UUID, service: Service, _: Admin) -> TokenOut:
    """Revoke a token: it is refused from then on (within 5 seconds in other
    processes); revoking it again changes nothing (admin)."""
    return token_out(service.tokens.revoke(token_id))
