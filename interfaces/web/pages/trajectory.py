"""A trajectory: its timeline, its state as of any version or date, and the forms
that record the next event."""

from __future__ import annotations

import functools
import re
from datetime import date
from enum import Enum
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from fastapi import Query
from fastapi.responses import HTMLResponse
from fastapi.responses import RedirectResponse
from fastapi.responses import Response

from application.access import Role
from application.audit.replay import HistoryEntry
from application.errors import VersionConflict
from application.service import Trajectories
from domain.trajectory import OPEN_STAGES
from domain.trajectory import Placement
from domain.trajectory import Trajectory
from domain.vocabulary import FOLLOW_UP_MILESTONES
from domain.vocabulary import Stage
from interfaces.http.errors import InvalidParameter
from interfaces.http.routes.trajectories import trajectory_out
from interfaces.http.schemas.trajectories import TrajectoryOut
from interfaces.web.forms import Choices
from interfaces.web.forms import EventForm
from interfaces.web.forms import event_forms
from interfaces.web.forms import parse
from interfaces.web.i18n import N_
from interfaces.web.i18n import Texts
from interfaces.web.posting import ANY_KEY
from interfaces.web.posting import FRESH
from interfaces.web.posting import PostedForm
from interfaces.web.posting import Sent
from interfaces.web.posting import lists_of
from interfaces.web.posting import submitted
from interfaces.web.posting import values_of
from interfaces.web.session import PAGES
from interfaces.web.visit import StaffVisit
from interfaces.web.visit import TrajectoryVisit
from interfaces.web.visit import Visit

router = APIRouter(prefix=PAGES)

# The state's fields in the order a coach reads them; no ids (the trajectory's is in
# the address, a coach's or a placement's is shown by its name).
STATE_FIELDS = [
    name
    for name in TrajectoryOut.model_fields
    if name not in ("id", "version", "retracted_versions") and not name.endswith("_id")
]
# Ids are for machines: the timeline names what they stand for instead.
HIDDEN_DATA = frozenset({"participant_id", "placement_id"})
EXITED = (Stage.COMPLETED, Stage.DROPPED_OUT)
EXPECTED_VERSION = re.compile(r"[0-9]{1,9}", re.ASCII)
# A number in the short detail of an event (the retraction's choices), in words.
NUMBER_DETAILS = {
    "rung": N_("rung %(value)s"),
    "minutes": N_("%(value)s minutes"),
    "milestone": N_("%(value)s months"),
}


def default_event(trajectory: Trajectory, possible: list[str]) -> str:
    """The event a coach most likely records next: one of those ``possible`` (the
    trajectory leaves room for them), where there is one."""
    if trajectory.stage is Stage.REFERRED:
        likely = "IntakeCompleted"
    elif trajectory.stage is Stage.SUSPENDED:
        likely = "TrajectoryResumed"
    elif trajectory.stage in OPEN_STAGES:
        likely = "SessionHeld"
    else:
        likely = (
            "ExitResultRecorded"
            if trajectory.exit_result is None
            else "FollowUpRecorded"
        )
    return likely if likely in possible or not possible else possible[0]


def shown_data(name: str, value: object) -> bool:
    """Whether the timeline shows an event's field: not an id, not an empty text
    (a session without a note), not the date its heading shows."""
    return not (
        name in HIDDEN_DATA or name.endswith("_id") or name == "on" or value == ""
    )


# Free text that staff typed (a session's note): in Dutch, the language they work
# in; a page in another language marks it as Dutch, so that it is read out as Dutch.
STAFF_TEXTS = frozenset({"note"})
STAFF_LANGUAGE = "nl"


def entry_fields(
    entry: HistoryEntry, texts: Texts
) -> list[tuple[str, str, str | None]]:
    """Each shown field of an entry: its label, its value, and the value's language
    where it differs from the page's."""
    return [
        (
            texts.label(name),
            texts.value(value),
            STAFF_LANGUAGE
            if name in STAFF_TEXTS and texts.language != STAFF_LANGUAGE
            else None,
        )
        for name, value in entry.data.items()
        if shown_data(name, value)
    ]


def placement_words(placement: Placement, trajectory: Trajectory, texts: Texts) -> str:
    """A placement in words: what, where, from when to when; a placement still
    running when the trajectory ended says so (the job may go on, the trajectory no
    longer follows it)."""
    what = f"{texts.label(placement.placement_type)}, {placement.employer}"
    start = texts.date(placement.started_on)
    if placement.ended_on is not None:
        return f"{what}, {start} – {texts.date(placement.ended_on)}"
    if trajectory.stage in EXITED and trajectory.exit_on is not None:
        return texts.gettext(
            "%(placement)s, from %(start)s, still running when the trajectory ended "
            "on %(exit)s"
        ) % {"placement": what, "start": start, "exit": texts.date(trajectory.exit_on)}
    return texts.gettext("%(placement)s, from %(start)s") % {
        "placement": what,
        "start": start,
    }


def state_fields(trajectory: Trajectory, texts: Texts) -> list[tuple[str, str]]:
    state = trajectory_out(trajectory)
    shown = []
    for name in STATE_FIELDS:
        value = getattr(state, name)
        if name == "placements":
            value = [
                placement_words(p, trajectory, texts) for p in trajectory.placements
            ]
        shown.append((texts.label(name), texts.value(value)))
    return shown


def page(
    visit: Visit,
    trajectory_id: UUID,
    sent: Sent = FRESH,
    *,
    version: int | None = None,
    as_of: date | None = None,
    record: str | None = None,
    recorded: int | None = None,
) -> Response:
    texts, caller, service = visit.texts, visit.caller, visit.service
    current = service.trajectory(trajectory_id, caller.within)
    history = service.history(trajectory_id, caller.within)
    if as_of is not None:
        shown = service.trajectory_as_of(trajectory_id, as_of, caller.within)
    elif version is not None:
        shown = service.trajectory_at_version(trajectory_id, version, caller.within)
    else:
        shown = current
    name = visit.views.participant_name(current.participant_id)
    visit.record_read([current.participant_id], "/trajectories/{id}")
    forms = event_forms()
    possible = [t for t in forms if current.may_record(t)]
    form = forms[record if record in forms else default_event(current, possible)]
    return visit.form_page(
        "trajectory.html",
        sent,
        form,
        choices(form, current, history, texts, coaches=coaches_of(service, current)),
        here=visit.path_for("ui_trajectory", trajectory_id=trajectory_id),
        active="ui_trajectories",
        trajectory=current,
        name=name,
        history=history,
        entry_fields=lambda entry: entry_fields(entry, texts),
        shown=shown,
        state=state_fields(shown, texts),
        as_of=as_of,
        may_record=caller.role is Role.STAFF,
        # What the trajectory leaves room for first; the rest, which its rules
        # would refuse as it stands, apart.
        event_types=possible,
        other_event_types=[t for t in forms if t not in possible],
        recorded=recorded,
    )


def coaches_of(service: Trajectories, trajectory: Trajectory) -> list[tuple[str, str]]:
    """The (id, name) of the trajectory's organisation's active coaches."""
    return [
        (str(c.id), c.name)
        for c in service.coaches_of(trajectory.organisation, active=True)
    ]


def choices(
    form: EventForm,
    trajectory: Trajectory,
    history: list[HistoryEntry],
    texts: Texts,
    coaches: list[tuple[str, str]] | None = None,
) -> dict[str, Choices]:
    """The choices this page gives the form's fields (a field of an enum needs
    none): the running placements to end, the versions to retract, the follow-up's
    milestones; ``coaches``, the (id, name) of the organisation's coaches."""
    given: dict[str, Choices] = {}
    for field in form.fields:
        if field.refers == "coach":
            given[field.name] = Choices.of(coaches or [])
        elif field.refers == "placement":
            given[field.name] = Choices.of(
                (str(p.placement_id), placement_choice(p, texts))
                for p in trajectory.current_placements
            )
        elif field.refers == "version":
            given[field.name] = Choices.of(retractable(trajectory, history, texts))
        elif field.name == "milestone":
            given[field.name] = Choices.of(
                (
                    (str(months), texts.gettext("%(value)s months") % {"value": months})
                    for months in FOLLOW_UP_MILESTONES
                ),
                radios=True,
            )
    return given


def placement_choice(placement: Placement, texts: Texts) -> str:
    """A running placement by its employer, start and type: never its id."""
    return (
        texts.gettext("%(placement)s, from %(start)s")
        % {
            "placement": placement.employer,
            "start": texts.date(placement.started_on),
        }
        + f" ({texts.label(placement.placement_type)})"
    )


def retractable(
    trajectory: Trajectory, history: list[HistoryEntry], texts: Texts
) -> list[tuple[str, str]]:
    """The versions a retraction may name, newest first, each in words: "version 5 ·
    Placement started · 02/04/2024 · Regular job, Bakkerij De Smet". Neither the
    referral, nor a retracted event, nor a retraction can be retracted."""
    done = {int(v) for v in trajectory.retracted}
    done |= set(trajectory.retracted.values())
    entries = {entry.version: entry for entry in history}
    return [
        (str(version), version_words(version, entries.get(version), trajectory, texts))
        for version in range(trajectory.version, 1, -1)
        if version not in done
    ]


def version_words(
    version: int, entry: HistoryEntry | None, trajectory: Trajectory, texts: Texts
) -> str:
    words = [f"{texts.gettext('version')} {version}"]
    if entry is not None:
        words += [texts.label(entry.type), texts.date(entry.business_date)]
        words.append(detail(entry, trajectory, texts))
    return " · ".join(word for word in words if word)


def detail(entry: HistoryEntry, trajectory: Trajectory, texts: Texts) -> str:
    """A short detail of an event, in words: its codes, the employer or coach it
    names, a few numbers; never its free text (notes, reasons written out)."""
    parts: list[str] = []
    for name, value in entry.data.items():
        if name == "placement_id" and entry.type != "PlacementStarted":
            parts += [
                p.employer for p in trajectory.placements if p.placement_id == value
            ]
        elif isinstance(value, Enum):
            parts.append(texts.label(value))
        elif name in ("employer", "coach") and isinstance(value, str):
            parts.append(value)
        elif name in NUMBER_DETAILS and isinstance(value, int):
            parts.append(texts.gettext(NUMBER_DETAILS[name]) % {"value": value})
    return ", ".join(parts[:3])


@router.get(
    "/trajectories/{trajectory_id}", name="ui_trajectory", response_class=HTMLResponse
)
def trajectory_page(
    trajectory_id: UUID,
    visit: TrajectoryVisit,
    version: Annotated[int | None, Query(ge=1)] = None,
    as_of: Annotated[date | None, Query()] = None,
    record: Annotated[str | None, Query(max_length=50)] = None,
    recorded: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    if version is not None and as_of is not None:
        raise InvalidParameter("query.as_of", "give a version or a date, not both")
    return page(
        visit,
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
def record_event(trajectory_id: UUID, visit: StaffVisit, form: PostedForm) -> Response:
    texts, caller, service = visit.texts, visit.caller, visit.service
    event_type = str(form.get("type", ""))
    # The page again, with what was entered and why it was refused.
    again = functools.partial(page, visit, trajectory_id, record=event_type)
    expected = str(form.get("expected_version", ""))
    if not EXPECTED_VERSION.fullmatch(expected):
        refusal = texts.gettext("The form is incomplete: open the page again.")
        return again(Sent(form, refusal=refusal, status_code=422))
    current = service.trajectory(trajectory_id, caller.within)
    # The page's choices are the trajectory's as it stands: a form of an older
    # version is the service's to judge (a retry, or a conflict).
    offered = None
    if int(expected) == current.version and event_type in event_forms():
        offered = choices(
            event_forms()[event_type],
            current,
            [],
            texts,
            coaches=coaches_of(service, current),
        )

    def attempt() -> Response:
        event = parse(event_type, values_of(form), lists_of(form), offered)
        try:
            answer = service.record(
                trajectory_id,
                event.command(),
                recorded_by=caller.name,
                within=caller.within,
                expected_version=int(expected),
                key=visit.key(form, ANY_KEY),
            )
        except VersionConflict:
            refusal = texts.gettext(
                "Someone recorded an event in this trajectory meanwhile. The page "
                "now shows it; check your entry and send it again."
            )
            return again(Sent(form, refusal=refusal, status_code=409))
        target = visit.path_for("ui_trajectory", trajectory_id=trajectory_id)
        return RedirectResponse(
            f"{target}?recorded={answer.version}#v{answer.version}", status_code=303
        )

    return submitted(texts, attempt, again, entered=form)
