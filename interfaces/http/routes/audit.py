"""What auditors ask: is every history intact, and who read whose personal data."""

import json
import queue
import threading
from collections.abc import Iterator
from typing import Annotated
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi import Query
from fastapi import Request
from fastapi import Response
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime

from application.audit.access_log import DEFAULT_LIMIT
from application.audit.access_log import MAX_LIMIT
from application.audit.access_log import AccessLogPage
from application.audit.findings import Verification
from application.audit.seal import InvalidSeal
from application.audit.seal import Seal
from application.service import Trajectories
from interfaces.http.deps import Auditor
from interfaces.http.deps import Operator
from interfaces.http.deps import Service
from interfaces.http.errors import InvalidParameter
from interfaces.http.openapi import READ
from interfaces.http.openapi import answers
from interfaces.http.schemas.access import AccessEntryOut
from interfaces.http.schemas.access import AccessLogOut
from interfaces.http.schemas.audit import VerificationOut

router = APIRouter(prefix="/audit", tags=["audit"])

NDJSON = "application/x-ndjson"
SealQuery = Annotated[
    str | None,
    Query(
        max_length=100,
        description="a seal an earlier verification reported (POSITION:DIGEST): "
        "check that the store as of that position still gives it",
    ),
]


@router.get("/access", response_model=AccessLogOut, responses=READ)
def access_log(
    service: Service,
    _: Auditor,
    participant: Annotated[
        UUID | None, Query(description="only the reads of this participant's data")
    ] = None,
    since: Annotated[
        AwareDatetime | None,
        Query(
            description="only the reads at or after this time, which must carry its "
            "zone (e.g. 2026-11-24T08:00:00Z)"
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    after: Annotated[
        int,
        Query(ge=0, le=2**63 - 1, description="the `next_after` of the previous page"),
    ] = 0,
) -> AccessLogOut:
    """Who read whose personal data, by which route and when, oldest first
    (auditors)."""
    page = service.access_log.entries(
        participant=participant, since=since, limit=limit, after=after
    )
    return access_log_out(page)


def access_log_out(page: AccessLogPage) -> AccessLogOut:
    return AccessLogOut(
        entries=[AccessEntryOut.model_validate(vars(e)) for e in page.entries],
        next_after=page.next_after,
    )


@router.get(
    "/verify",
    response_model=VerificationOut,
    responses={
        **answers(),
        200: {
            "description": "The report as JSON; with `Accept: application/x-ndjson`, "
            "progress lines and then the report as the last line",
            "content": {
                NDJSON: {
                    "schema": {"type": "string"},
                    "example": '{"checked": 10000, "total": 104233}\n'
                    '{"result": {"intact": true, "events": 104233, ...}}\n',
                }
            },
        },
    },
)
def verify(
    request: Request,
    service: Service,
    _: Operator,
    seal: SealQuery = None,
) -> Any:
    """Recompute every hash chain of the store and name the first broken link of
    each broken history (auditors, admins). A long verification can stream: send
    `Accept: application/x-ndjson` (or call GET /audit/verify/stream) to get a line
    `{"checked": n, "total": m}` every 10,000 events, then `{"result": {...}}` (or
    `{"error": {...}}`)."""
    kept_seal = parsed_seal(seal)
    if NDJSON in request.headers.get("accept", ""):
        return verification_stream(service, kept_seal)
    return verification_out(service.verify(kept_seal=kept_seal))


@router.get(
    "/verify/stream",
    response_class=StreamingResponse,
    responses={
        **answers(),
        200: {
            "description": "Progress lines, then the report as the last line",
            "content": {
                NDJSON: {
                    "schema": {"type": "string"},
                    "example": '{"checked": 10000, "total": 104233}\n'
                    '{"result": {"intact": true, "events": 104233, ...}}\n',
                }
            },
        },
    },
)
def verify_stream(service: Service, _: Operator, seal: SealQuery = None) -> Response:
    """The verification of GET /audit/verify as it goes, in NDJSON: a line
    `{"checked": n, "total": m}` every 10,000 events, then `{"result": {...}}` with
    the report (or `{"error": {...}}`) (auditors, admins)."""
    return verification_stream(service, parsed_seal(seal))


def parsed_seal(seal: str | None) -> Seal | None:
    try:
        return Seal.parse(seal) if seal is not None else None
    except InvalidSeal as invalid:
        raise InvalidParameter("query.seal", str(invalid)) from None


def verification_stream(service: Trajectories, kept_seal: Seal | None) -> Response:
    return StreamingResponse(verification_lines(service, kept_seal), media_type=NDJSON)


def verification_out(result: Verification) -> VerificationOut:
    return VerificationOut.model_validate(result.as_dict())


def verification_lines(
    service: Trajectories, kept_seal: Seal | None
) -> Iterator[bytes]:
    """Runs the verification in a thread of its own and yields its progress as it
    comes, then its report."""
    lines: queue.Queue[bytes | None] = queue.Queue()

    def line(value: dict[str, Any]) -> bytes:
        return json.dumps(value).encode() + b"\n"

    def run() -> None:
        try:
            result = service.verify(
                progress=lambda done, total: lines.put(
                    line({"checked": done, "total": total})
                ),
                kept_seal=kept_seal,
            )
            report = verification_out(result).model_dump(mode="json")
            lines.put(line({"result": report}))
        except Exception as error:  # the stream has begun: the error is its last line
            code = getattr(error, "code", "verification_failed")
            lines.put(line({"error": {"code": code, "message": str(error)}}))
        finally:
            lines.put(None)

    threading.Thread(target=run, name="verify", daemon=True).start()
    while (next_line := lines.get()) is not None:
        yield next_line
