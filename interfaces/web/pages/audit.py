"""The audit page: whether every history is intact, and who read whose personal
data."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from fastapi import Query
from fastapi.responses import HTMLResponse
from fastapi.responses import Response

from application.access import Role
from application.audit.findings import Break
from application.audit.findings import Verification
from application.errors import VerificationRunning
from interfaces.web.i18n import N_
from interfaces.web.session import PAGES
from interfaces.web.session import CheckedForm
from interfaces.web.visit import AuditVisit
from interfaces.web.visit import Visit

router = APIRouter(prefix=PAGES)

ACCESS_LOG_PAGE = 100
# What is wrong with a broken link, in the page's words (the report's message is
# English, for the log and the command line); the table gives its version or entry.
BREAKS = {
    Break.ALTERED: N_(
        "It does not match its link: the stored record, or one before it, was changed."
    ),
    Break.DELETED: N_("It is missing: a link was recorded for it."),
    Break.UNCHAINED: N_(
        "It belongs to no chain: no link was recorded for it when it was written."
    ),
    Break.TRUNCATED: N_("The records end before it: those after it were removed."),
    Break.REORDERED: N_("It stands in the log before the record before it."),
    Break.SNAPSHOT: N_("The snapshot at it differs from a replay of the events."),
}
MAX_POSITION = 2**63 - 1


def audit(
    visit: Visit,
    *,
    participant: UUID | None = None,
    after: int = 0,
    verification: Verification | None = None,
    problem: str | None = None,
) -> Response:
    request, caller = visit.request, visit.caller
    access = None
    if participant is not None and caller.role is Role.AUDITOR:
        access = visit.service.access_log.entries(
            participant=participant, limit=ACCESS_LOG_PAGE, after=after
        )
    return visit.render(
        "audit.html",
        # A verification answers a POST: its page is opened again at /ui/audit.
        here=None if request.method == "GET" else request.app.url_path_for("ui_audit"),
        active="ui_audit",
        verification=verification,
        verified_at=getattr(request.app.state, "verified_at", None),
        reads_access_log=caller.role is Role.AUDITOR,
        participant=participant,
        access=access,
        problem=problem,
        breaks=BREAKS,
    )


@router.get("/audit", name="ui_audit", response_class=HTMLResponse)
def audit_page(
    visit: AuditVisit,
    participant: Annotated[UUID | None, Query()] = None,
    after: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
) -> Response:
    return audit(
        visit,
        participant=participant,
        after=after,
        verification=getattr(visit.request.app.state, "verification", None),
    )


@router.post("/audit/verify", name="ui_verify", response_class=HTMLResponse)
def verify(visit: AuditVisit, _: CheckedForm) -> Response:
    """Recomputes every hash chain now; the page shows the report until the next."""
    try:
        result = visit.service.verify()
    except VerificationRunning:
        problem = visit.texts.gettext(
            "A verification is running already; open this page again in a minute."
        )
        return audit(visit, problem=problem)
    visit.request.app.state.verification = result
    visit.request.app.state.verified_at = datetime.now(UTC)
    return audit(visit, verification=result)
