"""A group session on the pages: one form for a job workshop or a dialogue table
with several participants; each gets their session, or none does."""

from __future__ import annotations

import functools
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from fastapi.responses import RedirectResponse
from fastapi.responses import Response

from application.access import Caller
from application.projections.caseload.queries import CaseloadQuery
from application.views import Views
from domain.commands import GROUP_MODES
from domain.commands import HoldGroupSession
from domain.errors import GroupMemberRefused
from domain.errors import NotFound
from interfaces.http.schemas.commands import GroupSessionIn
from interfaces.web.forms import Choices
from interfaces.web.forms import form_of
from interfaces.web.i18n import Texts
from interfaces.web.posting import FRESH
from interfaces.web.posting import PostedForm
from interfaces.web.posting import Sent
from interfaces.web.posting import read_form
from interfaces.web.posting import submitted
from interfaces.web.session import PAGES
from interfaces.web.visit import StaffVisit
from interfaces.web.visit import TrajectoryVisit
from interfaces.web.visit import Visit

router = APIRouter(prefix=PAGES)
GROUP_FORM = form_of(HoldGroupSession, "HoldGroupSession")


def offered(views: Views, caller: Caller, texts: Texts) -> dict[str, Choices]:
    """Who may take part (the organisation's taken-in trajectories, by name and
    programme; a suspended one is offered, and refused by its trajectory), and the
    group modes."""
    page = views.caseload_page(CaseloadQuery(organisation=caller.within, limit=1_000))
    suspended = texts.gettext("suspended")
    people = [
        (
            str(e.trajectory_id),
            f"{e.participant_name} · {e.programme}"
            + (f" · {e.coach}" if e.coach else "")
            + (f" ({suspended})" if e.stage == "suspended" else ""),
        )
        for e in page.entries
        if e.intake_on is not None
    ]
    return {
        "trajectory_ids": Choices.of(sorted(people, key=lambda p: p[1].casefold())),
        "mode": Choices.of((m.value, texts.label(m)) for m in GROUP_MODES),
    }


def group_form(visit: Visit, sent: Sent = FRESH) -> Response:
    return visit.form_page(
        "group_session_new.html",
        sent,
        GROUP_FORM,
        offered(visit.views, visit.caller, visit.texts),
        here=visit.path_for("ui_new_group_session"),
        active="ui_caseload",
    )


@router.get(
    "/group-sessions/new", name="ui_new_group_session", response_class=HTMLResponse
)
def new_group_session(visit: StaffVisit) -> Response:
    return group_form(visit)


@router.post(
    "/group-sessions", name="ui_hold_group_session", response_class=HTMLResponse
)
def hold_group_session(visit: StaffVisit, form: PostedForm) -> Response:
    texts, caller, service = visit.texts, visit.caller, visit.service
    views = visit.views
    again = functools.partial(group_form, visit)

    def attempt() -> Response:
        body = read_form(
            GROUP_FORM, GroupSessionIn, form, offered=offered(views, caller, texts)
        )
        try:
            answer = service.hold_group_session(
                body.command(),
                recorded_by=caller.name,
                within=caller.within,
                key=visit.key(form),
            )
        except GroupMemberRefused as refused:
            # The person by name, with their own reason.
            try:
                who = views.participant_name(
                    service.trajectory(
                        refused.trajectory_id, caller.within
                    ).participant_id
                )
            except NotFound:  # another organisation's: not named
                who = texts.gettext("Participant %(n)s") % {"n": refused.position}
            reason = texts.refusal(refused.why)
            message = texts.gettext("%(name)s cannot take part: %(reason)s") % {
                "name": who,
                "reason": reason,
            }
            return again(Sent(form, refusal=message, status_code=422))
        target = visit.path_for("ui_group_session", group_session_id=answer.id)
        return RedirectResponse(f"{target}?recorded=1", status_code=303)

    return submitted(texts, attempt, again, entered=form)


@router.get(
    "/group-sessions/{group_session_id}",
    name="ui_group_session",
    response_class=HTMLResponse,
)
def group_session_page(group_session_id: UUID, visit: TrajectoryVisit) -> Response:
    caller, service = visit.caller, visit.service
    group = service.group_session(group_session_id, caller.within)
    members = [
        (t, visit.views.participant_name(service.trajectory(t).participant_id))
        for t in group.trajectory_ids
    ]
    visit.record_read(
        (service.trajectory(t).participant_id for t in group.trajectory_ids),
        "/group-sessions/{id}",
    )
    return visit.render(
        "group_session.html",
        active="ui_caseload",
        group=group,
        members=members,
        recorded="recorded" in visit.request.query_params,
    )
