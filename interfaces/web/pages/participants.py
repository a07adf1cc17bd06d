"""Finding a participant, their page with every trajectory (open and ended), and
registering a new one, refused for someone registered already unless the coach
confirms it is another person."""

from __future__ import annotations

import functools
import re
from datetime import date
from typing import Annotated
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter
from fastapi import Query
from fastapi.responses import HTMLResponse
from fastapi.responses import RedirectResponse
from fastapi.responses import Response

from application.access import Role
from application.search import MAX_CANDIDATES
from application.search import ParticipantQuery
from domain.commands import RegisterParticipant
from domain.errors import AlreadyRegistered
from domain.errors import DomainError
from domain.errors import InvalidValue
from domain.errors import LikelyDuplicate
from domain.participant import national_number_digits
from domain.vocabulary import Stage
from interfaces.http.deps import NO_NUL
from interfaces.http.schemas.commands import ParticipantIn
from interfaces.web.forms import form_of
from interfaces.web.i18n import N_
from interfaces.web.pages.lists import pages_of
from interfaces.web.posting import FRESH
from interfaces.web.posting import PostedForm
from interfaces.web.posting import Sent
from interfaces.web.posting import read_form
from interfaces.web.posting import submitted
from interfaces.web.posting import without
from interfaces.web.session import PAGES
from interfaces.web.visit import StaffVisit
from interfaces.web.visit import TrajectoryVisit
from interfaces.web.visit import Visit

router = APIRouter(prefix=PAGES)
PAGE_SIZE = 20
CONFIRM = "confirmed_new_person"
# The confirmation is asked only when the refusal shows who it may be.
REGISTER_FORM = without(form_of(RegisterParticipant, "RegisterParticipant"), CONFIRM)
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
BELGIAN_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
ENDED = {Stage.COMPLETED.value, Stage.DROPPED_OUT.value, Stage.DECLINED.value}
SAME_PERSON = N_(
    "Someone with the same name and birth date is registered already. Open them to "
    "see whether it is this person; if it is someone else, confirm that below."
)
SAME_NUMBER = N_(
    "Someone with this national register number is registered already: open them."
)


def query_of(text: str, page: int) -> ParticipantQuery:
    """What one search box asks: a whole national register number (with or without
    dots, dashes, spaces), a birth date (dd/mm/yyyy or yyyy-mm-dd) and words of
    the name, in any order."""
    offset = (page - 1) * PAGE_SIZE
    if re.fullmatch(r"[0-9]{11}", national_number_digits(text.strip())):
        return ParticipantQuery(national_number=text.strip(), offset=offset)
    words: list[str] = []
    born: date | None = None
    number: str | None = None
    for word in text.split():
        if re.fullmatch(r"[0-9]{11}", national_number_digits(word)):
            number = word
        elif match := ISO_DATE.fullmatch(word):
            born = _date(int(match[1]), int(match[2]), int(match[3]))
        elif match := BELGIAN_DATE.fullmatch(word):
            born = _date(int(match[3]), int(match[2]), int(match[1]))
        elif any(char.isdigit() for char in word):
            raise InvalidValue(
                "the search holds digits that are neither a birth date (dd/mm/yyyy) "
                "nor a whole national register number (11 digits)"
            )
        else:
            words.append(word)
    return ParticipantQuery(
        name=" ".join(words) or None,
        birth_date=born,
        national_number=number,
        limit=PAGE_SIZE,
        offset=offset,
    )


def _date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidValue(
            "the search holds digits that are neither a birth date (dd/mm/yyyy) "
            "nor a whole national register number (11 digits)"
        ) from None


@router.get("/participants", name="ui_find", response_class=HTMLResponse)
def find_page(
    visit: TrajectoryVisit,
    q: Annotated[str, Query(max_length=200, pattern=NO_NUL)] = "",
    page: Annotated[int, Query(ge=1, le=MAX_CANDIDATES // PAGE_SIZE)] = 1,
) -> Response:
    texts, caller, service = visit.texts, visit.caller, visit.service
    found, refusal, trajectories = None, None, {}
    if q.strip():
        try:
            found = service.find_participants(query_of(q, page), caller.within)
        except DomainError as refused:
            refusal = texts.refusal(refused)
    if found is not None:
        ids = [participant.id for participant in found.participants]
        visit.record_read(ids, "/participants")
        trajectories = visit.views.trajectories_of(ids)
    pages = 1 if found is None else pages_of(found.total, PAGE_SIZE)
    return visit.render(
        "find.html",
        status_code=422 if refusal else 200,
        active="ui_find",
        q=q,
        found=found,
        refusal=refusal,
        trajectories=trajectories,
        page=page,
        pages=pages,
        may_register=caller.role is Role.STAFF,
        page_link=lambda n: "?" + urlencode({"q": q, "page": n}),
    )


# Registering --------------------------------------------------------------------------


def registration(
    visit: Visit, sent: Sent = FRESH, *, known: AlreadyRegistered | None = None
) -> Response:
    """The form; after a refusal for someone registered already, who they are (each
    a link to their page) and, for a likely duplicate, the box that confirms that
    this is another person."""
    caller, service = visit.caller, visit.service
    candidates = []
    if known is not None:
        candidates = [
            service.participant(i, caller.within) for i in known.participant_ids
        ]
        visit.record_read(known.participant_ids, "/participants", method="POST")
    return visit.form_page(
        "register.html",
        sent,
        REGISTER_FORM,
        {},
        here=visit.path_for("ui_new_participant"),
        active="ui_find",
        candidates=candidates,
        may_confirm=isinstance(known, LikelyDuplicate),
        confirm=CONFIRM,
    )


@router.get("/participants/new", name="ui_new_participant", response_class=HTMLResponse)
def new_participant_page(visit: StaffVisit) -> Response:
    return registration(visit)


@router.post(
    "/participants", name="ui_register_participant", response_class=HTMLResponse
)
def register_participant(visit: StaffVisit, form: PostedForm) -> Response:
    again = functools.partial(registration, visit)

    def attempt() -> Response:
        body = read_form(
            REGISTER_FORM,
            ParticipantIn,
            form,
            confirmed_new_person=form.get(CONFIRM) == "true",
        )
        try:
            answer = visit.service.register_participant(
                body.command(),
                organisation=visit.caller.within,
                recorded_by=visit.caller.name,
                key=visit.key(form),
            )
        except AlreadyRegistered as known:
            words = SAME_PERSON if isinstance(known, LikelyDuplicate) else SAME_NUMBER
            refused = Sent(form, refusal=visit.texts.gettext(words), status_code=422)
            return again(refused, known=known)
        target = visit.path_for("ui_participant", participant_id=answer.id)
        return RedirectResponse(f"{target}?registered=1", status_code=303)

    return submitted(visit.texts, attempt, again, entered=form)


# A participant ------------------------------------------------------------------------


@router.get(
    "/participants/{participant_id}",
    name="ui_participant",
    response_class=HTMLResponse,
)
def participant_page(
    participant_id: UUID,
    visit: TrajectoryVisit,
    registered: Annotated[bool, Query()] = False,
) -> Response:
    caller, service = visit.caller, visit.service
    participant = service.participant(participant_id, caller.within)
    if not participant.erased:
        visit.record_read([participant_id], "/participants/{id}")
    trajectories = [
        t
        for t in visit.views.trajectories_of([participant_id])[participant_id]
        if caller.within is None or t.organisation == caller.within
    ]
    return visit.render(
        "participant.html",
        active="ui_find",
        participant=participant,
        trajectories=trajectories,
        registered=registered,
        may_refer=caller.role is Role.STAFF and not participant.erased,
        reads_access_log=caller.role is Role.AUDITOR,
        ended=ENDED,
    )
