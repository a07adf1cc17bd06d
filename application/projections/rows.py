"""What a view stores per trajectory, and how it is folded from the events.

A view row is a small record with one attribute per stored column. ``fold`` builds it
from a trajectory's events, leaving out retracted ones; ``apply`` adds one more event,
for the live path. Each view's row class lists its columns and handles only the event
types it needs; the rest pass it by.
"""

from __future__ import annotations

from abc import ABC
from abc import abstractmethod
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any
from typing import ClassVar
from typing import Literal
from typing import Self

from application.projections.events import EventRecord
from application.projections.events import plain
from domain.vocabulary import Stage

ColumnKind = Literal["text", "date", "int", "bool", "real", "json", "uuid"]

RETRACTION = "EntryRetracted"


class Stages:
    """The stages' codes as a fold stores them, read once: a member's ``value`` is
    a property, slow in the hot loop of a rebuild."""

    REFERRED = Stage.REFERRED.value
    ACTIVE = Stage.ACTIVE.value
    SUSPENDED = Stage.SUSPENDED.value
    COMPLETED = Stage.COMPLETED.value
    DROPPED_OUT = Stage.DROPPED_OUT.value
    DECLINED = Stage.DECLINED.value


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind
    derived: bool = False  # computed from the others when the row is written


class TrajectoryRow(ABC):
    """One trajectory's row in one view."""

    columns: ClassVar[tuple[Column, ...]]
    # Raise it when a fold changes what it stores: the view is rebuilt at start.
    revision: ClassVar[int] = 1
    # Columns the view's queries look rows up by, besides the trajectory's id.
    indexed: ClassVar[tuple[str, ...]] = ()
    handlers: ClassVar[dict[str, Callable[[Any, dict[str, Any]], None]]]
    trajectory_id: Any
    version: int

    @classmethod
    @abstractmethod
    def referred(cls, event: EventRecord) -> Self:
        """The row as the referral starts it."""

    @classmethod
    def _started(cls, event: EventRecord) -> Self:
        """A row with what every view keeps of the referral, before an intake."""
        data = event.data
        row = cls.__new__(cls)
        started: Any = row
        started.trajectory_id, started.version = event.trajectory_id, event.version
        started.programme = data["programme"]
        started.organisation = data["organisation"]
        started.age_band = plain(data["age_band"])
        started.referral_source = plain(data["referral_source"])
        started.referred_on = plain(data["on"])
        started.stage = Stages.REFERRED
        started.intake_on = started.exit_on = None
        started.rung_at_intake = started.assessed_rung = None
        return row

    @abstractmethod
    def derived(self) -> tuple[Any, ...]:
        """The values of the derived columns, in their order."""

    @classmethod
    def fold(cls, events: Iterable[EventRecord]) -> Self | None:
        """The row of a trajectory from its events, oldest first; retracted events
        and the retractions themselves count nowhere. None without a referral."""
        # A rebuild's hot loop: ``apply`` inlined.
        events = events if isinstance(events, list) else list(events)
        retracted = {e.data["version"] for e in events if e.type == RETRACTION}
        handlers = cls.handlers
        row: Self | None = None
        for event in events:
            kind = event.type
            if kind == RETRACTION or event.version in retracted:
                continue
            if row is None:
                if kind != "ReferralReceived":
                    continue
                row = cls.referred(event)
            else:  # as the live path, which sees only the types it handles
                handler = handlers.get(kind)
                if handler is not None:
                    handler(row, event.data)
                    row.version = event.version
        return row

    def apply(self, event: EventRecord) -> None:
        """Adds one event that counts (never a retraction: refold for those)."""
        handler = self.handlers.get(event.type)
        if handler is not None:
            handler(self, event.data)
        self.version = event.version

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names = [c.name for c in cls.columns if not c.derived]
        cls._stored = attrgetter(*names)  # type: ignore[attr-defined]

    def values(self) -> tuple[Any, ...]:
        """The row's values in ``stored_columns`` order (derived ones last)."""
        stored: tuple[Any, ...] = self._stored(self)  # type: ignore[attr-defined]
        return stored + self.derived()

    @classmethod
    def stored_columns(cls) -> tuple[Column, ...]:
        return tuple(c for c in cls.columns if not c.derived) + tuple(
            c for c in cls.columns if c.derived
        )

    @classmethod
    def from_values(cls, values: Sequence[Any]) -> Self:
        """The row as loaded from its table (columns in ``stored_columns`` order, as
        plain Python values)."""
        row = cls.__new__(cls)
        for column, value in zip(cls.stored_columns(), values, strict=False):
            if not column.derived:
                setattr(row, column.name, value)
        return row
