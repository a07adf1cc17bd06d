"""A trajectory: its timeline, its state as of any version or date, and the forms
that record the next event."""

from __future__ import annotations

import functools
from datetime import date
from typing import Annotated
from urllib.parse import urlencode
from uuid import UUID, uuid4

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from application.access import Caller, Role
from application.idempotency import IdempotencyKey
from application.trajectories import HistoryEntry, Trajectories, VersionConflict
from domain.errors import DomainError, NotFound
from domain.trajectory import OPEN_STAGES, Trajectory, today
from domain.vocabulary import Stage
from interfaces.http.deps import Service
from interfaces.http.errors import InvalidParameter
from interfaces.http.routes.trajectories import COMMANDS, trajectory_out
from interfaces.http.schemas import TrajectoryOut
from interfaces.web.forms import EventForm, FormProblems, event_forms, parse
from interfaces.web.i18n import Texts
from interfaces.web.render import render
from interfaces.web.session import (
    PAGES,
    CheckedForm,
    PageTexts,
    StaffPage,
    TrajectoryReader,
)

router = APIRouter(prefix=PAGES)

# The state's fields in the order a coach reads them; the ids are in the heading.
STATE_FIELDS = [
    name
    for name in TrajectoryOut.model_fields
    if name not in ("id", "participant_id", "version", "retracted_versions")
]
HIDDEN_DATA = frozenset({"participant_id", "placement_id"})


def default_event(trajectory: Trajectory) -> str:
    """The event a coach most likely records next."""
    if trajectory.stage is Stage.REFERRED:
        return "IntakeCompleted"
    if trajectory.stage is Stage.SUSPENDED:
        return "TrajectoryResumed"
    if trajectory.stage in OPEN_STAGES:
        return "SessionHeld"
    return (
        "ExitResultRecorded" if trajectory.exit_result is None else "FollowUpRecorded"
    )


def entry_fields(entry: HistoryEntry, texts: Texts) -> list[tuple[str, str]]:
    return [
        (texts.label(name), texts.value(value))
        for name, value in entry.data.items()
        if name not in HIDDEN_DATA and name != "on"
    ]


def state_fields(trajectory: Trajectory, texts: Texts) -> list[tuple[str, str]]:
    state = trajectory_out(trajectory)
    shown = []
    for name in STATE_FIELDS:
        value = getattr(state, name)
        if name == "placements":
            value = [
                f"{texts.label(p.placement_type)}, {p.employer} "
                f"({texts.date(p.started_on)} – {texts.date(p.ended_on)})"
                for p in value
            ]
        shown.append((texts.label(name), texts.value(value)))
    return shown


def page(
    request: Request,
    texts: Texts,
    caller: Caller,
    service: Trajectories,
    trajectory_id: UUID,
    *,
    version: int | None = None,
    as_of: date | None = None,
    record: str | None = None,
    recorded: int | None = None,
    entered: FormData | None = None,
    problems: dict[str, str] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    current = service.trajectory(trajectory_id, caller.within)
    history = service.history(trajectory_id, caller.within)
    if as_of is not None:
        shown = service.trajectory_as_of(trajectory_id, as_of, caller.within)
    elif version is not None:
        shown = service.trajectory_at_version(trajectory_id, version, caller.within)
    else:
        shown = current
    name = request.app.state.views.participant_name(current.participant_id)
    service.access_log.record(
        caller, [current.participant_id], route=f"GET {PAGES}/trajectories/{{id}}"
    )
    forms = event_forms()
    chosen = record if record in forms else default_event(current)
    return render(
        request,
        "trajectory.html",
        texts,
        caller,
        status_code=status_code,
        here=request.app.url_path_for("ui_trajectory", trajectory_id=trajectory_id),
        active="ui_caseload",
        trajectory=current,
        name=name,
        history=history,
        entry_fields=lambda entry: entry_fields(entry, texts),
        shown=shown,
        state=state_fields(shown, texts),
        as_of=as_of,
        may_record=caller.role is Role.STAFF,
        event_types=list(forms),
        form=forms[chosen],
        choices=choices(forms[chosen], current, texts),
        entered=entered,
        problems=problems or {},
        refusal=refusal,
        recorded=recorded,
        today=today().isoformat(),
        idempotency_key=uuid4(),
    )


def choices(
    form: EventForm, trajectory: Trajectory, texts: Texts
) -> dict[str, list[tuple[str, str]]]:
    """(value, words) for each field of the form that is a choice."""
    options: dict[str, list[tuple[str, str]]] = {}
    for field in form.fields:
        if field.enum is not None:
            options[field.name] = [(m.value, texts.label(m)) for m in field.enum]
        elif field.from_state == "placement":
            options[field.name] = [
                (
                    str(p.placement_id),
                    f"{texts.label(p.placement_type)}, {p.employer} "
                    f"({texts.date(p.started_on)})",
                )
                for p in trajectory.current_placements
            ]
        elif field.from_state == "version":
            # Neither a retracted event nor a retraction can be retracted.
            done = {int(v) for v in trajectory.retracted}
            done |= set(trajectory.retracted.values())
            options[field.name] = [
                (str(v), f"{texts.gettext('version')} {v}")
                for v in range(2, trajectory.version + 1)
                if v not in done
            ]
    return options


@router.get(
    "/trajectories/{trajectory_id}", name="ui_trajectory", response_class=HTMLResponse
)
def trajectory_page(
    request: Request,
    trajectory_id: UUID,
    texts: PageTexts,
    caller: TrajectoryReader,
    service: Service,
    version: Annotated[int | None, Query(ge=1)] = None,
    as_of: Annotated[date | None, Query()] = None,
    record: Annotated[str | None, Query(max_length=50)] = None,
    recorded: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    if version is not None and as_of is not None:
        raise InvalidParameter("query.as_of", "give a version or a date, not both")
    return page(
        request,
        texts,
        caller,
        service,
        trajectory_id,
        version=version,
        as_of=as_of,
        record=record,
        recorded=recorded,
    )


@router.post(
    "/trajectories/{trajectory_id}/events",
    name="ui_record_event",
    response_class=HTMLResponse,
)
async def record_event(
    request: Request,
    trajectory_id: UUID,
    texts: PageTexts,
    caller: StaffPage,
    service: Service,
    _: CheckedForm,
) -> Response:
    form = await request.form()
    # The service blocks on the database: off the event loop.
    return await run_in_threadpool(
        _record, request, texts, caller, service, trajectory_id, form
    )


def _record(
    request: Request,
    texts: Texts,
    caller: Caller,
    service: Trajectories,
    trajectory_id: UUID,
    form: FormData,
) -> Response:
    event_type = str(form.get("type", ""))
    # The page again, with what was entered and why it was refused.
    again = functools.partial(
        page,
        request,
        texts,
        caller,
        service,
        trajectory_id,
        record=event_type,
        entered=form,
    )
    expected = str(form.get("expected_version", ""))
    if not expected.isdigit():
        refusal = texts.gettext("The form is incomplete: open the page again.")
        return again(status_code=422, refusal=refusal)
    try:
        event = parse(
            event_type,
            {k: str(v) for k, v in form.items()},
            {k: [str(v) for v in form.getlist(k)] for k in form},
        )
        fields = event.model_dump(exclude={"type"})
        entered = [
            (name, str(value))
            for name, value in form.multi_items()
            if name not in ("csrf", "idempotency_key")
        ]
        command = getattr(service, COMMANDS[event_type])
        # A form sent twice (a double click, a reload) records its event once.
        key = IdempotencyKey(
            str(caller.token_id),
            str(form.get("idempotency_key", ""))[:100] or str(uuid4()),
            service.keyring.fingerprint(
                "POST", request.url.path, "", urlencode(sorted(entered)).encode()
            ),
        )
        answer = service.once(
            key,
            lambda: command(
                trajectory_id,
                int(expected),
                within=caller.within,
                recorded_by=caller.name,
                **fields,
            ),
        )
    except FormProblems as invalid:
        problems = {k: texts.gettext(v) for k, v in invalid.problems.items()}
        refusal = texts.gettext("Some fields need another value; see below.")
        return again(
            status_code=422,
            problems=problems,
            refusal=refusal,
        )
    except VersionConflict:
        refusal = texts.gettext(
            "Someone recorded an event in this trajectory meanwhile. The page now "
            "shows it; check your entry and send it again."
        )
        return again(status_code=409, refusal=refusal)
    except NotFound:
        raise
    except DomainError as broken:
        return again(
            status_code=422,
            refusal=texts.refusal(broken),
        )
    target = request.app.url_path_for("ui_trajectory", trajectory_id=trajectory_id)
    return RedirectResponse(
        f"{target}?recorded={answer.version}#v{answer.version}", status_code=303
    )
