"""The request bodies of the writes, derived from the domain's commands.

Each body is built from its command class (``domain/commands.py``): the same fields,
types and defaults, with the command's field metadata turned into what pydantic
checks and the OpenAPI document shows. Whole numbers and true/false are strict: a
number is never taken from ``true`` or ``"60"``, nor true from ``1`` or ``"yes"``
(and hours never from ``true``).
A body's ``command()`` is the typed command the service takes. What is written here
is only what a reader of the API needs on top: each body's name and its examples.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING
from typing import Annotated
from typing import Any
from typing import ClassVar
from typing import Generic
from typing import Literal
from typing import TypeVar
from typing import cast

from pydantic import AfterValidator
from pydantic import BeforeValidator
from pydantic import Field
from pydantic import Strict
from pydantic.fields import FieldInfo

from domain.commands import TRAJECTORY_COMMANDS
from domain.commands import Bounds
from domain.commands import ChangeProgrammePeriod
from domain.commands import Checked
from domain.commands import CoachLeaves
from domain.commands import Doc
from domain.commands import HoldGroupSession
from domain.commands import Items
from domain.commands import Money
from domain.commands import Refer
from domain.commands import RegisterCoach
from domain.commands import RegisterParticipant
from domain.commands import RegisterProgramme
from domain.commands import Text
from domain.commands import TrajectoryCommand
from interfaces.http.schemas.base import COACH_ID
from interfaces.http.schemas.base import LINES
from interfaces.http.schemas.base import ONE_LINE
from interfaces.http.schemas.base import OTHER_COACH_ID
from interfaces.http.schemas.base import PARTICIPANT_ID
from interfaces.http.schemas.base import PLACEMENT_ID
from interfaces.http.schemas.base import TRAJECTORY_ID
from interfaces.http.schemas.base import Request
from interfaces.http.schemas.base import request_example

Command = TypeVar("Command")


class CommandIn(Request, Generic[Command]):
    """A request body that carries one command: ``command()`` is it, typed."""

    command_class: ClassVar[type[Any]]

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _names(self.command_class)}

    def command(self) -> Command:
        return cast(Command, self.command_class(**self.fields()))


_NAMES: dict[type[Any], tuple[str, ...]] = {}


def _names(command_class: type[Any]) -> tuple[str, ...]:
    """The command's fields' names (kept: asked for on every write)."""
    names = _NAMES.get(command_class)
    if names is None:
        names = tuple(field.name for field in dataclasses.fields(command_class))
        _NAMES[command_class] = names
    return names


class EventRequest(CommandIn[TrajectoryCommand]):
    """The body of ``POST /trajectories/{id}/events``: ``type`` names the event."""

    type: str  # each event's body narrows it to its own event type


# Deriving a body from a command -----------------------------------------------------


def _fixed_point(amount: Decimal) -> Decimal:
    """The amount written out in digits: "1e5" is kept (and shown) as 100000, not as
    1E+5."""
    return Decimal(f"{amount:f}")


def _constraints(metadata: object) -> Iterator[FieldInfo | AfterValidator]:
    """What pydantic checks and shows for one piece of a command's field metadata."""
    match metadata:
        case Text():
            yield Field(
                min_length=metadata.min_length or None,
                max_length=metadata.max_length,
                pattern=metadata.pattern or (LINES if metadata.long else ONE_LINE),
            )
        case Items():
            yield Field(
                min_length=metadata.min_length or None, max_length=metadata.max_length
            )
        case Bounds():
            yield Field(ge=metadata.ge, le=metadata.le)
        case Money():
            yield Field(
                max_digits=metadata.max_digits, decimal_places=metadata.decimal_places
            )
            yield AfterValidator(_fixed_point)
        case Doc():
            yield Field(description=metadata.text)
        case Checked():  # shown, and left to the aggregate's own refusal
            shown = {
                "minimum": metadata.ge,
                "maximum": metadata.le,
                "pattern": metadata.pattern,
            }
            yield Field(
                json_schema_extra={k: v for k, v in shown.items() if v is not None}
            )


def _pydantic_type(annotation: Any) -> Any:
    """The command field's type, with its metadata as pydantic's."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        inner, *metadata = typing.get_args(annotation)
        checks = [info for m in metadata for info in _constraints(m)]
        inner = _pydantic_type(inner)
        if not checks:
            return inner
        return Annotated[(inner, *checks)]
    if origin in (typing.Union, types.UnionType):
        members = tuple(_pydantic_type(a) for a in typing.get_args(annotation))
        return typing.Union[members]  # noqa: UP007 (built from a tuple)
    if origin is list:
        (item,) = typing.get_args(annotation)
        return list[_pydantic_type(item)]  # type: ignore[misc]
    if annotation in (int, bool):  # "rung": true, "minutes": "60": refused
        return Annotated[annotation, Strict()]
    if annotation is float:  # "hours_per_week": true is not 1 hour
        return Annotated[float, BeforeValidator(_not_true_or_false)]
    return Any if annotation is object else annotation


def _not_true_or_false(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("true or false is not a number")
    return value


def _docstring(command_class: type[Any]) -> str | None:
    """The command's own docstring (not the signature a dataclass makes one of)."""
    doc = command_class.__doc__
    return None if doc is None or doc.startswith(f"{command_class.__name__}(") else doc


def derive(
    command_class: type[Any],
    name: str,
    base: type[CommandIn[Any]],
    example: dict[str, Any],
    *,
    event_type: str | None = None,
) -> type[CommandIn[Any]]:
    """A request body named ``name`` with ``command_class``'s fields (after a
    ``type`` field naming the event, for an event's body)."""
    hints = typing.get_type_hints(command_class, include_extras=True)
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {
        "__module__": __name__,
        "__qualname__": name,
        "__doc__": _docstring(command_class),
        "command_class": command_class,
        "model_config": request_example(example),
    }
    if event_type is not None:
        annotations["type"] = Literal[event_type]
    for field in dataclasses.fields(command_class):
        annotations[field.name] = _pydantic_type(hints[field.name])
        if field.default is not dataclasses.MISSING:
            namespace[field.name] = field.default
        elif field.default_factory is not dataclasses.MISSING:
            namespace[field.name] = field.default_factory()
    namespace["__annotations__"] = annotations
    return cast(type[CommandIn[Any]], type(name, (base,), namespace))


# The bodies and their examples ------------------------------------------------------

PROGRAMME_EXAMPLE: dict[str, Any] = {
    "code": "BUSO-AALST",
    "name": "Van BUSO naar begeleid werken",
    "funder": "Vlaamse overheid",
    "organisations": ["Werkburo Oost-Vlaanderen"],
    "starts_on": "2023-04-01",
    "ends_on": "2025-09-30",
    "budget": "120000.00",
    "min_age": 16,
    "max_age": 25,
    "session_cap": 36,
}
PARTICIPANT_EXAMPLE: dict[str, Any] = {
    "given_name": "Lotte",
    "family_name": "Claes",
    "birth_date": "2005-03-14",
    "gender": "F",
    "email": "lotte.claes@example.org",
}
GROUP_SESSION_EXAMPLE: dict[str, Any] = {
    "trajectory_ids": [TRAJECTORY_ID, "9a2d4b6f-0c1e-4f3a-b5d7-e8f9a0b1c2d3"],
    "on": "2024-03-05",
    "minutes": 120,
    "mode": "job_workshop",
    "setting": "office",
    "note": "jobatelier: een sollicitatiebrief schrijven",
}
COACH_EXAMPLE: dict[str, Any] = {
    "name": "Hilde Claes",
    "organisation": "Werkburo Oost-Vlaanderen",
}
PERIOD_EXAMPLE: dict[str, Any] = {
    "on": "2025-06-12",
    "ends_on": "2026-06-30",
    "reason": "the ESF+ project was extended by nine months",
    "budget": "160000.00",
}
REFERRAL_EXAMPLE: dict[str, Any] = {
    "participant_id": PARTICIPANT_ID,
    "programme": "BUSO-AALST",
    "organisation": "Werkburo Oost-Vlaanderen",
    "referral_source": "school",
    "on": "2024-02-01",
}

# The examples the event endpoint shows by name, and each event body's own.
EVENT_EXAMPLES: dict[str, dict[str, Any]] = {
    "IntakeCompleted": {
        "value": {
            "type": "IntakeCompleted",
            "on": "2024-02-12",
            "coach_id": COACH_ID,
            "rung": 2,
            "labour_status": "unemployed",
            "education_level": "isced_0_2",
            "barriers": ["mobility", "confidence_motivation"],
            "disability": True,
            "postcode": "9300",
        }
    },
    "SessionHeld": {
        "value": {
            "type": "SessionHeld",
            "on": "2024-02-20",
            "minutes": 60,
            "mode": "individual",
            "setting": "workplace",
            "note": "visited the bakery together",
        }
    },
    "PlacementStarted": {
        "value": {
            "type": "PlacementStarted",
            "on": "2024-04-02",
            "placement_type": "regular_job_with_support",
            "employer": "Bakkerij De Smet",
            "paid": True,
            "hours_per_week": 19,
        }
    },
    "DroppedOut": {
        "value": {"type": "DroppedOut", "on": "2024-06-30", "reason": "lost_contact"}
    },
}
EVENT_BODY_EXAMPLES: dict[str, dict[str, Any]] = {
    **{name: example["value"] for name, example in EVENT_EXAMPLES.items()},
    "ReferralDeclined": {"on": "2024-02-08", "reason": "no_capacity"},
    "EntryProfileCorrected": {
        "on": "2024-02-26",
        "field": "postcode",
        "value": "9320",
        "reason": "lives in Erembodegem: the intake form had the Aalst postcode",
    },
    "CoachAssigned": {"on": "2024-03-04", "coach_id": OTHER_COACH_ID},
    "LadderAssessed": {"on": "2024-05-13", "rung": 4},
    "BarrierIdentified": {"on": "2024-03-05", "barrier": "debt_income"},
    "BarrierResolved": {"on": "2024-04-15", "barrier": "mobility"},
    "PlacementEnded": {
        "placement_id": PLACEMENT_ID,
        "on": "2024-09-30",
        "reason": "converted_to_regular_contract",
    },
    "TrajectorySuspended": {"on": "2024-05-21", "reason": "hospitalisation"},
    "TrajectoryResumed": {"on": "2024-06-17", "reason": "hospitalisation"},
    "TrajectoryCompleted": {"on": "2024-09-30", "destination": "employed"},
    "ExitResultRecorded": {"observed_on": "2024-10-07", "status": "employed"},
    "FollowUpRecorded": {
        "milestone": 6,
        "observed_on": "2025-04-01",
        "status": "employed",
    },
    "TrajectoryReopened": {
        "on": "2024-11-18",
        "reason": "lost her job at the bakery and asked for support again",
    },
    "EntryRetracted": {
        "on": "2024-02-21",
        "version": 3,
        "reason": "the session was recorded on the wrong participant's trajectory",
    },
}

# One body per event type, in the order of the event union.
EVENT_BODIES: dict[str, type[CommandIn[Any]]] = {
    command.event_type: derive(
        command,
        f"{command.event_type}In",
        EventRequest,
        {"type": command.event_type, **EVENT_BODY_EXAMPLES[command.event_type]},
        event_type=command.event_type,
    )
    for command in TRAJECTORY_COMMANDS
}

if TYPE_CHECKING:  # what a type checker sees of each body: its typed command()
    ProgrammeIn = CommandIn[RegisterProgramme]
    PeriodIn = CommandIn[ChangeProgrammePeriod]
    CoachIn = CommandIn[RegisterCoach]
    LeavingIn = CommandIn[CoachLeaves]
    GroupSessionIn = CommandIn[HoldGroupSession]
    ParticipantIn = CommandIn[RegisterParticipant]
    ReferralIn = CommandIn[Refer]
    EventIn = EventRequest
else:
    ProgrammeIn = derive(RegisterProgramme, "ProgrammeIn", CommandIn, PROGRAMME_EXAMPLE)
    PeriodIn = derive(ChangeProgrammePeriod, "PeriodIn", CommandIn, PERIOD_EXAMPLE)
    CoachIn = derive(RegisterCoach, "CoachIn", CommandIn, COACH_EXAMPLE)
    LeavingIn = derive(CoachLeaves, "LeavingIn", CommandIn, {"on": "2025-08-31"})
    GroupSessionIn = derive(
        HoldGroupSession, "GroupSessionIn", CommandIn, GROUP_SESSION_EXAMPLE
    )
    ParticipantIn = derive(
        RegisterParticipant, "ParticipantIn", CommandIn, PARTICIPANT_EXAMPLE
    )
    ReferralIn = derive(Refer, "ReferralIn", CommandIn, REFERRAL_EXAMPLE)
    EventIn = Annotated[
        typing.Union[tuple(EVENT_BODIES.values())],  # noqa: UP007
        Field(discriminator="type"),
    ]
