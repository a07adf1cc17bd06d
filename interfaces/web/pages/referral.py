"""Start a trajectory from the pages: the referral of a participant of the coach's
organisation into one of its programmes, then straight on to the intake."""

from __future__ import annotations

import functools
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from fastapi.responses import RedirectResponse
from fastapi.responses import Response

from application.access import Caller
from application.service import Trajectories
from domain.calendar import today
from domain.commands import Refer
from domain.errors import ParticipantErasedError
from domain.programme import Programme
from interfaces.http.schemas.commands import ReferralIn
from interfaces.web.forms import Choices
from interfaces.web.forms import form_of
from interfaces.web.posting import FRESH
from interfaces.web.posting import PostedForm
from interfaces.web.posting import Sent
from interfaces.web.posting import read_form
from interfaces.web.posting import submitted
from interfaces.web.posting import without
from interfaces.web.session import PAGES
from interfaces.web.visit import StaffVisit
from interfaces.web.visit import Visit

router = APIRouter(prefix=PAGES)
# The participant is the page's, the organisation the coach's own.
REFERRAL_FORM = without(form_of(Refer, "Refer"), "organisation")


def running(programme: Programme, organisation: str) -> bool:
    """Whether the organisation runs the programme today."""
    ends_on = programme.ends_on_as_of(today())
    return (
        organisation in programme.organisations
        and programme.starts_on <= today()
        and (ends_on is None or today() <= ends_on)
    )


def programme_choices(service: Trajectories, caller: Caller) -> Choices:
    """The programmes the coach's organisation runs today, by name."""
    organisation = caller.within or ""
    return Choices.of(
        (p.code, f"{p.name} ({p.code})")
        for p in service.programmes()
        if running(p, organisation)
    )


def referral(visit: Visit, participant_id: UUID, sent: Sent = FRESH) -> Response:
    caller, service = visit.caller, visit.service
    participant = service.participant(participant_id, caller.within)
    if participant.erased:
        raise ParticipantErasedError()
    visit.record_read([participant_id], "/participants/{id}/refer")
    return visit.form_page(
        "referral.html",
        sent,
        REFERRAL_FORM,
        {"programme": programme_choices(service, caller)},
        here=visit.path_for("ui_refer", participant_id=participant_id),
        participant=participant,
        active="ui_find",
    )


@router.get(
    "/participants/{participant_id}/refer",
    name="ui_refer",
    response_class=HTMLResponse,
)
def referral_page(participant_id: UUID, visit: StaffVisit) -> Response:
    return referral(visit, participant_id)


@router.post(
    "/participants/{participant_id}/refer",
    name="ui_record_referral",
    response_class=HTMLResponse,
)
def record_referral(
    participant_id: UUID, visit: StaffVisit, form: PostedForm
) -> Response:
    caller, service = visit.caller, visit.service

    def attempt() -> Response:
        body = read_form(
            REFERRAL_FORM,
            ReferralIn,
            form,
            offered={"programme": programme_choices(service, caller)},
            participant_id=participant_id,
            organisation=caller.within,
        )
        answer = service.refer(
            body.command(),
            recorded_by=caller.name,
            within=caller.within,
            key=visit.key(form),
        )
        # Straight on to the intake.
        target = visit.path_for("ui_trajectory", trajectory_id=answer.id)
        return RedirectResponse(
            f"{target}?record=IntakeCompleted&recorded=1#record", status_code=303
        )

    again = functools.partial(referral, visit, participant_id)
    return submitted(visit.texts, attempt, again, entered=form)
