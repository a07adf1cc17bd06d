"""Which versions of the stored events and snapshots the code reads, and which the
store holds.

Every event class and snapshot class has a ``class_version`` (1 unless set): a class
whose shape changes gets the next version and an ``upcast_vN_vN+1`` that turns a
stored older shape into the next one (the eventsourcing library's mechanism; see
docs/developers/events.md). The store keeps the version in each event's stored state
(absent for version 1), so the two can be compared before an upgrade.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic
from eventsourcing.utils import resolve_topic

from application.coaches import CoachLogged
from application.programmes import ProgrammeLogged
from application.storage import SideTables
from domain.coach import Coach
from domain.enrolment import Enrolment
from domain.group_session import GroupSession
from domain.participant import Participant
from domain.programme import Programme
from domain.trajectory import Trajectory

AGGREGATES: tuple[type[Aggregate], ...] = (
    Trajectory,
    Participant,
    Programme,
    Enrolment,
    Coach,
    GroupSession,
)


def event_classes() -> Iterator[tuple[str, type[Any]]]:
    """Every event class the code can read, with its topic."""
    for aggregate in AGGREGATES:
        for value in vars(aggregate).values():
            topic = getattr(value, "TOPIC", None)
            if (
                isinstance(value, type)
                and issubclass(value, aggregate.Event)
                and isinstance(topic, str)
                and topic != vars(aggregate.Event)["TOPIC"]
                and resolve_topic(topic) is value
            ):
                yield topic, value
    yield ProgrammeLogged.TOPIC, ProgrammeLogged
    yield CoachLogged.TOPIC, CoachLogged


def snapshot_classes() -> Iterator[tuple[str, type[Any]]]:
    """Each aggregate, by the topic of its snapshots (whose state it versions)."""
    for aggregate in AGGREGATES:
        yield get_topic(aggregate.Snapshot), aggregate


def class_version(cls: type[Any]) -> int:
    version: int = getattr(cls, "class_version", 1)
    return version


@dataclass(frozen=True)
class StoredVersions:
    """How many stored events (or snapshots) of a topic are of each version, and
    the version the code reads."""

    topic: str
    counts: dict[int, int]
    code: int | None  # None: the code knows no such topic

    @property
    def newer_than_code(self) -> bool:
        return self.code is None or any(v > self.code for v in self.counts)


def stored_versions(
    tables: SideTables, table: str, *, snapshots: bool = False
) -> list[StoredVersions]:
    """The versions of what ``table`` (events, or snapshots) holds, per topic; a
    snapshot keeps its aggregate's version inside the state it holds."""
    path = ["state", "class_version"] if snapshots else ["class_version"]
    if tables.postgres:
        keys = ", ".join(f"'{key}'" for key in path)
        version = f"(convert_from(state, 'UTF8')::jsonb #>> ARRAY[{keys}])::int"
    else:
        field = "$." + ".".join(path)
        version = f"CAST(json_extract(CAST(state AS TEXT), '{field}') AS INTEGER)"
    rows = tables.run(
        (
            f"SELECT topic, COALESCE({version}, 1), count(*) "
            f"FROM {tables.name(table)} GROUP BY 1, 2 ORDER BY 1, 2",
            (),
        ),
        commit=False,
    )
    classes = snapshot_classes() if snapshots else event_classes()
    code = {topic: class_version(cls) for topic, cls in classes}
    found: dict[str, dict[int, int]] = {}
    for topic, stored, count in rows:
        found.setdefault(str(topic), {})[int(stored)] = int(count)
    return [
        StoredVersions(topic, counts, code.get(topic))
        for topic, counts in sorted(found.items())
    ]
