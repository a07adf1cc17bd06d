"""The audit page: whether every history is intact, and who read whose personal
data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from application.access import Caller, Role
from application.audit.chain import Verification
from application.trajectories import VerificationRunning
from interfaces.http.deps import Service
from interfaces.web.i18n import Texts
from interfaces.web.render import render
from interfaces.web.session import PAGES, AuditPage, CheckedForm, PageTexts

router = APIRouter(prefix=PAGES)

ACCESS_LOG_PAGE = 100
MAX_POSITION = 2**63 - 1


def audit(
    request: Request,
    texts: Texts,
    caller: Caller,
    *,
    participant: UUID | None = None,
    after: int = 0,
    verification: Verification | None = None,
    problem: str | None = None,
) -> Response:
    service = request.app.state.service
    access = None
    if participant is not None and caller.role is Role.AUDITOR:
        access = service.access_log.entries(
            participant=participant, limit=ACCESS_LOG_PAGE, after=after
        )
    return render(
        request,
        "audit.html",
        texts,
        caller,
        # A verification answers a POST: its page is opened again at /ui/audit.
        here=None if request.method == "GET" else request.app.url_path_for("ui_audit"),
        active="ui_audit",
        verification=verification,
        verified_at=getattr(request.app.state, "verified_at", None),
        reads_access_log=caller.role is Role.AUDITOR,
        participant=participant,
        access=access,
        problem=problem,
    )


@router.get("/audit", name="ui_audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    texts: PageTexts,
    caller: AuditPage,
    participant: Annotated[UUID | None, Query()] = None,
    after: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
) -> Response:
    return audit(
        request,
        texts,
        caller,
        participant=participant,
        after=after,
        verification=getattr(request.app.state, "verification", None),
    )


@router.post("/audit/verify", name="ui_verify", response_class=HTMLResponse)
def verify(
    request: Request,
    texts: PageTexts,
    caller: AuditPage,
    service: Service,
    _: CheckedForm,
) -> Response:
    """Recomputes every hash chain now; the page shows the report until the next."""
    try:
        result = service.verify()
    except VerificationRunning:
        problem = texts.gettext(
            "A verification is running already; open this page again in a minute."
        )
        return audit(request, texts, caller, problem=problem)
    request.app.state.verification = result
    request.app.state.verified_at = datetime.now(UTC)
    return audit(request, texts, caller, verification=result)
