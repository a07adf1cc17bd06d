"""What auditors ask: is every history intact, and who read whose personal data."""

import json
import queue
import threading
from collections.abc import Iterator
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime

from application.audit.access_log import DEFAULT_LIMIT, MAX_LIMIT, AccessLogPage
from application.audit.chain import InvalidSeal, Seal, Verification
from application.trajectories import Trajectories
from interfaces.http.deps import Auditor, Operator, Service
from interfaces.http.errors import ERROR_RESPONSES, InvalidParameter
from interfaces.http.schemas import AccessEntryOut, AccessLogOut, VerificationOut

router = APIRouter(prefix="/audit", tags=["audit"])

NDJSON = "application/x-ndjson"


@router.get("/access", response_model=AccessLogOut, responses=ERROR_RESPONSES)
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
        **ERROR_RESPONSES,
        200: {
            "description": "The report; with `Accept: application/x-ndjson`, "
            "progress lines and then the report as the last line",
            "content": {
                NDJSON: {
                    "example": '{"checked": 10000, "total": 104233}\n'
                    '{"result": {"intact": true, "events": 104233, ...}}\n'
                }
            },
        },
    },
)
def verify(
    service: Service,
    _: Operator,
    accept: Annotated[str | None, Header()] = None,
    seal: Annotated[
        str | None,
        Query(
            max_length=100,
            description="a seal an earlier verification reported (POSITION:DIGEST): "
            "check that the store as of that position still gives it",
        ),
    ] = None,
) -> Any:
    """Recompute every hash chain of the store and name the first broken link of
    each broken history (auditors, admins). A long verification can stream: send
    `Accept: application/x-ndjson` to get a line `{"checked": n, "total": m}` every
    10,000 events, then `{"result": {...}}` (or `{"error": {...}}`)."""
    try:
        kept_seal = Seal.parse(seal) if seal is not None else None
    except InvalidSeal as invalid:
        raise InvalidParameter("query.seal", str(invalid)) from None
    if accept is not None and NDJSON in accept:
        lines = verification_lines(service, kept_seal)
        return StreamingResponse(lines, media_type=NDJSON)
    return verification_out(service.verify(kept_seal=kept_seal))


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
