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
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.responses import RedirectResponse
from fastapi.responses import Response

from application.access import Caller
from application.access import Role
from application.search import MAX_CANDIDATES
from application.search import ParticipantQuery
from application.service import Trajectories
from domain.commands import RegisterParticipant
from domain.errors import AlreadyRegistered
from domain.errors import DomainError
from domain.errors import InvalidValue
from domain.errors import LikelyDuplicate
from domain.participant import national_number_digits
from domain.vocabulary import Stage
from interfaces.http.deps import NO_NUL
from interfaces.http.deps import Service
from interfaces.http.deps import ViewsDep
from interfaces.http.schemas.commands import ParticipantIn
from interfaces.web.forms import form_of
from interfaces.web.i18n import N_
from interfaces.web.i18n import Texts
from interfaces.web.pages.lists import pages_of
from interfaces.web.posting import FRESH
from interfaces.web.posting import PostedForm
from interfaces.web.posting import Sent
from interfaces.web.posting import form_key
from interfaces.web.posting import form_page
from interfaces.web.posting import read_form
from interfaces.web.posting import submitted
from interfaces.web.posting import without
from interfaces.web.render import render
from interfaces.web.session import PAGES
from interfaces.web.session import PageTexts
from interfaces.web.session import StaffPage
from interfaces.web.session import TrajectoryReader

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
    request: Request,
    texts: PageTexts,
    caller: TrajectoryReader,
    service: Service,
    views: ViewsDep,
    q: Annotated[str, Query(max_length=200, pattern=NO_NUL)] = "",
    page: Annotated[int, Query(ge=1, le=MAX_CANDIDATES // PAGE_SIZE)] = 1,
) -> Response:
    found, refusal, trajectories = None, None, {}
    if q.strip():
        try:
            found = service.find_participants(query_of(q, page), caller.within)
        except DomainError as refused:
            refusal = texts.refusal(refused)
    if found is not None:
        ids = [participant.id for participant in found.participants]
        service.access_log.record(caller, ids, route=f"GET {PAGES}/participants")
        trajectories = views.trajectories_of(ids)
    pages = 1 if found is None else pages_of(found.total, PAGE_SIZE)
    return render(
        request,
        "find.html",
        texts,
        caller,
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
    request: Request,
    texts: Texts,
    caller: Caller,
    service: Trajectories,
    sent: Sent = FRESH,
    *,
    known: AlreadyRegistered | None = None,
) -> Response:
    """The form; after a refusal for someone registered already, who they are (each
    a link to their page) and, for a likely duplicate, the box that confirms that
    this is another person."""
    candidates = []
    if known is not None:
        candidates = [
            service.participant(i, caller.within) for i in known.participant_ids
        ]
        service.access_log.record(
            caller, known.participant_ids, route=f"POST {PAGES}/participants"
        )
    return form_page(
        request,
        "register.html",
        texts,
        caller,
        sent,
        REGISTER_FORM,
        {},
        here=request.app.url_path_for("ui_new_participant"),
        active="ui_find",
        candidates=candidates,
        may_confirm=isinstance(known, LikelyDuplicate),
        confirm=CONFIRM,
    )


@router.get("/participants/new", name="ui_new_participant", response_class=HTMLResponse)
def new_participant_page(
    request: Request, texts: PageTexts, caller: StaffPage, service: Service
) -> Response:
    return registration(request, texts, caller, service)


@router.post(
    "/participants", name="ui_register_participant", response_class=HTMLResponse
)
def register_participant(
    request: Request,
    texts: PageTexts,
    caller: StaffPage,
    service: Service,
    form: PostedForm,
) -> Response:
    again = functools.partial(registration, request, texts, caller, service)

    def attempt() -> Response:
        body = read_form(
            REGISTER_FORM,
            ParticipantIn,
            form,
            confirmed_new_person=form.get(CONFIRM) == "true",
        )
        try:
            answer = service.register_participant(
                body.command(),
                organisation=caller.within,
                recorded_by=caller.name,
                key=form_key(request, caller, service, form),
            )
        except AlreadyRegistered as known:
            words = SAME_PERSON if isinstance(known, LikelyDuplicate) else SAME_NUMBER
            refused = Sent(form, refusal=texts.gettext(words), status_code=422)
            return again(refused, known=known)
        target = request.app.url_path_for("ui_participant", participant_id=answer.id)
        return RedirectResponse(f"{target}?registered=1", status_code=303)

    return submitted(texts, attempt, again, entered=form)


# A participant ------------------------------------------------------------------------


@router.get(
    "/participants/{participant_id}",
    name="ui_participant",
    response_class=HTMLResponse,
)
def participant_page(
    request: Request,
    participant_id: UUID,
    texts: PageTexts,
    caller: TrajectoryReader,
    service: Service,
    views: ViewsDep,
    registered: Annotated[bool, Query()] = False,
) -> Response:
    participant = service.participant(participant_id, caller.within)
    if not participant.erased:
        service.access_log.record(
            caller, [participant_id], route=f"GET {PAGES}/participants/{{id}}"
        )
    trajectories = [
        t
        for t in views.trajectories_of([participant_id])[participant_id]
        if caller.within is None or t.organisation == caller.within
    ]
    return render(
        request,
        "participant.html",
        texts,
        caller,
        active="ui_find",
        participant=participant,
        trajectories=trajectories,
        registered=registered,
        may_refer=caller.role is Role.STAFF and not participant.erased,
        ended=ENDED,
    )
