"""The application service: a method per command, and the queries of staff and audit.

Every command loads the aggregates it needs, calls one domain method and saves. Several
aggregates changed by one command are saved in one transaction.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    EventSourcedLog,
)
from eventsourcing.domain import Aggregate, DomainEvent
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    Recording,
    Transcoding,
)
from eventsourcing.utils import Environment, EnvType, register_topic

from application.settings import Settings
from application.storage import install_append_only_guard
from domain.enrolment import Enrolment
from domain.errors import DomainError, NotFound
from domain.participant import Participant
from domain.programme import Programme
from domain.trajectory import Placement, Trajectory
from domain.vocabulary import ALL_ENUMS, Gender, ReferralSource

A = TypeVar("A", bound=Aggregate)


# Errors the application adds to the domain's ----------------------------------------


class TrajectoryNotFound(NotFound):
    code = "trajectory_not_found"

    def __init__(self, trajectory_id: UUID) -> None:
        super().__init__(f"trajectory {trajectory_id} does not exist")


class ParticipantNotFound(NotFound):
    code = "participant_not_found"

    def __init__(self, participant_id: UUID) -> None:
        super().__init__(f"participant {participant_id} does not exist")


class ProgrammeNotFound(NotFound):
    code = "programme_not_found"

    def __init__(self, code: str) -> None:
        super().__init__(f"programme {code} does not exist")


class VersionNotFound(NotFound):
    code = "version_not_found"

    def __init__(self, trajectory_id: UUID, version: int, last: int) -> None:
        super().__init__(
            f"trajectory {trajectory_id} has no version {version}; the last is {last}"
        )


class NotYetReferred(NotFound):
    code = "not_yet_referred"

    def __init__(self, trajectory_id: UUID, on: date, referred_on: date) -> None:
        super().__init__(
            f"trajectory {trajectory_id} did not exist on {on}: "
            f"it was referred on {referred_on}"
        )


class ProgrammeAlreadyRegistered(DomainError):
    code = "programme_already_registered"

    def __init__(self, code: str) -> None:
        super().__init__(f"programme {code} is already registered")


class VersionConflict(Exception):
    """The caller's version is not the stored one: nothing was written."""

    def __init__(self, aggregate_id: UUID, expected: int | None, current: int) -> None:
        self.aggregate_id, self.expected, self.current = aggregate_id, expected, current
        expectation = "" if expected is None else f"expected version {expected}, "
        super().__init__(
            f"{aggregate_id} was changed meanwhile: {expectation}"
            f"the current version is {current}"
        )


# Transcoding ------------------------------------------------------------------------


class DateAsISO(Transcoding):
    type = date
    name = "date"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class EnumAsValue(Transcoding):
    """One transcoding per enum class: the library looks them up by exact type."""

    def __init__(self, enum_class: type[Enum]) -> None:
        self.type = enum_class
        self.name = f"enum:{enum_class.__name__}"
        self.enum_class = enum_class

    def encode(self, obj: Enum) -> Any:
        return obj.value

    def decode(self, data: Any) -> Enum:
        return self.enum_class(data)


class PlacementAsDict(Transcoding):
    type = Placement
    name = "placement"

    def encode(self, obj: Placement) -> dict[str, Any]:
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}

    def decode(self, data: dict[str, Any]) -> Placement:
        return Placement(**data)


# Query results ------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    type: str
    business_date: date
    recorded_at: datetime
    recorded_by: str
    data: dict[str, Any]
    retracted_by: int | None


def business_date(domain_event: DomainEvent) -> date:
    fields = vars(domain_event)
    value = fields.get("on", fields.get("observed_on"))
    return value if isinstance(value, date) else domain_event.timestamp.date()


class ProgrammeLogged(DomainEvent):
    TOPIC = "trajectory:ProgrammeLogged"
    programme_id: UUID


# Aggregates register their explicit topics themselves; a plain event must be told,
# or a fresh process could not decode what an earlier one stored.
register_topic(ProgrammeLogged.TOPIC, ProgrammeLogged)


PROGRAMME_LOG_ID = uuid5(NAMESPACE_URL, "trajectory:programme-log")
HIDDEN_FIELDS = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic"}
)


# The service --------------------------------------------------------------------------


class Trajectories(Application[UUID]):
    """Trajectories, participants and programmes in one event store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        interval = settings.snapshot_interval
        self.snapshotting_intervals = {Trajectory: interval}  # type: ignore[misc]
        settings.create_folders()
        self._unit_of_work = threading.local()
        self._saved_listeners: list[Callable[[list[str]], None]] = []
        super().__init__(env=settings.library_env())
        assert self.snapshots is not None
        install_append_only_guard(self.recorder, self.snapshots.recorder)
        self.programme_log: EventSourcedLog[ProgrammeLogged] = EventSourcedLog(
            self.events, PROGRAMME_LOG_ID, ProgrammeLogged
        )

    def on_saved(self, listener: Callable[[list[str]], None]) -> None:
        """Calls ``listener`` after each save with the type names of the events it
        recorded (the views' runner wakes on it; metrics count them)."""
        self._saved_listeners.append(listener)

    def _notify(self, recordings: list[Recording[UUID]]) -> None:
        types = [type(r.domain_event).__name__ for r in recordings]
        for listener in self._saved_listeners:
            listener(types)

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        """Only our settings configure the library: the process environment is not
        read, so a stray variable (``TRAJECTORIES_PERSISTENCE_MODULE``, say) cannot
        switch the store."""
        return Environment(name, {"IS_SNAPSHOTTING_ENABLED": "y", **(env or {})})

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        transcoder.register(PlacementAsDict())
        for enum_class in ALL_ENUMS:
            transcoder.register(EnumAsValue(enum_class))

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Records many commands as one transaction: the aggregates they load and
        change stay in memory and are saved together when the block ends, all or
        nothing. For imports and the demo; commands in the block see each other's
        changes, queries of the stored history see them once the block ends."""
        if self._batched() is not None:
            raise RuntimeError("batches do not nest")
        self._unit_of_work.aggregates = {}
        try:
            yield
            changed = list(self._unit_of_work.aggregates.values())
        finally:
            self._unit_of_work.aggregates = None
        self.save(*changed)

    def _batched(self) -> dict[UUID, Aggregate] | None:
        aggregates: dict[UUID, Aggregate] | None = getattr(
            self._unit_of_work, "aggregates", None
        )
        return aggregates

    # Programmes ---------------------------------------------------------------------

    def register_programme(
        self,
        *,
        code: str,
        name: str,
        funder: str,
        organisations: list[str],
        starts_on: date,
        ends_on: date,
        budget: Decimal | None,
        min_age: int,
        max_age: int,
        session_cap: int | None = None,
        recorded_by: str,
    ) -> Programme:
        programme = Programme.register(
            code=code,
            name=name,
            funder=funder,
            organisations=organisations,
            starts_on=starts_on,
            ends_on=ends_on,
            budget=budget,
            min_age=min_age,
            max_age=max_age,
            session_cap=session_cap,
            recorded_by=recorded_by,
        )
        for _ in range(5):
            if programme.id in self.repository:
                raise ProgrammeAlreadyRegistered(code)
            logged = self.programme_log.trigger_event(programme_id=programme.id)
            try:
                self.save(programme, logged)
            except IntegrityError:
                continue  # another registration took the log's next position
            return programme
        current = self._version_of(PROGRAMME_LOG_ID)
        raise VersionConflict(PROGRAMME_LOG_ID, None, current)

    def programme(self, code: str) -> Programme:
        try:
            return self._get(Programme.id_for(code), Programme)
        except AggregateNotFoundError:
            raise ProgrammeNotFound(code) from None

    def programmes(self) -> list[Programme]:
        return [
            self._get(logged.programme_id, Programme)
            for logged in self.programme_log.get()
        ]

    # Participants -------------------------------------------------------------------

    def register_participant(
        self,
        *,
        given_name: str,
        family_name: str,
        birth_date: date,
        gender: Gender,
        national_register_number: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        recorded_by: str,
    ) -> Participant:
        participant = Participant.register(
            given_name=given_name,
            family_name=family_name,
            birth_date=birth_date,
            gender=gender,
            national_register_number=national_register_number,
            email=email,
            phone=phone,
            recorded_by=recorded_by,
        )
        self._save_or_conflict(participant.id, None, participant)
        return participant

    def participant(self, participant_id: UUID) -> Participant:
        try:
            return self._get(participant_id, Participant)
        except AggregateNotFoundError:
            raise ParticipantNotFound(participant_id) from None

    # Trajectory commands -------------------------------------------------------------

    def refer(
        self,
        *,
        participant_id: UUID,
        programme: str,
        organisation: str,
        referral_source: ReferralSource,
        on: date,
        recorded_by: str,
    ) -> Trajectory:
        """Receives a referral: a new trajectory for the participant in the programme.
        Of two racing referrals for the same participant and programme, the loser is
        told about the winner's open trajectory."""
        participant = self.participant(participant_id)
        catalogued = self.programme(programme)
        catalogued.check_referral(
            on=on, age=participant.age_on(on), organisation=organisation
        )
        trajectory = Trajectory.refer(
            participant_id=participant_id,
            programme=programme,
            organisation=organisation,
            referral_source=referral_source,
            on=on,
            age_band=participant.age_band_on(on),
            gender=participant.gender,
            recorded_by=recorded_by,
        )
        enrolment = self._enrolment(participant_id, programme)
        enrolment.add(trajectory.id, latest_is_open=self._latest_is_open(enrolment))
        try:
            self._save_or_conflict(enrolment.id, None, trajectory, enrolment)
        except VersionConflict:
            winner = self._enrolment(participant_id, programme)
            winner.add(trajectory.id, latest_is_open=self._latest_is_open(winner))
            raise
        return trajectory

    def _latest_is_open(self, enrolment: Enrolment) -> bool:
        latest = enrolment.latest
        return latest is not None and not self.trajectory(latest).has_ended

    def decline_referral(
        self, trajectory_id: UUID, expected_version: int | None = None, **fields: Any
    ) -> int:
        return self._change(
            trajectory_id, expected_version, lambda t: t.decline_referral(**fields)
        )

    def complete_intake(
        self, trajectory_id: UUID, expected_version: int | None = None, **fields: Any
    ) -> int:
        return self._change(
            trajectory_id, expected_version, lambda t: t.complete_intake(**fields)
        )

    def correct_entry_profile(
        self, trajectory_id: UUID, expected_version: int | None = None, **fields: Any
    ) -> int:
        return self._change(
            trajectory_id, expected_version, lambda t: t.correct_entry_profile(**fields)
        )

    def assign_coach(
        self, trajectory_id: UUID, expected_version: int | None = None, **fields: Any
    ) -> int:
        return self._change(
            trajectory_id, expected_version, lambda t: t.assign_coach(**fields)
        )

    def assess_ladder(
        self, trajectory_id: UUID, expected_version: int | None = None, **fields: Any
    ) -> int:
        return self._change(
            trajectory_id, expected_version, lambda t: t.assess_ladder(**fields)
        )

    def identify_barrier(
        self, trajectory_id: UUID, expected_version: int | None = None, **fields: Any
    ) -> int:
        return self._change(
            trajectory_id, expected_version, lambda t: t.identify_barrier(**fields)
        )

    def resolve_barrier(
        self, trajectory_id: UUID, expected_version: int | None = None, **fields: Any
    ) -> int:
        return self._change(
            trajectory_id, expected_version, lambda t: t.resolve_barrier(**fields)
        )

    def hold_session(
        self, trajectory_id: UUID, expected_version: int | None = None, **fields: Any
    ) -> int:
        """Records a session within the programme's yearly session cap, if any."""

        def hold(trajectory: Trajectory) -> None:
            cap = self.programme(trajectory.programme).session_cap
            trajectory.hold_session(**fields, session_cap=cap)

        return self._change(trajectory_id, expected_version, hold)

    def start_placement(
        self,
        trajectory_id: UUID,
        expected_version: int | None = None,
        *,
        placement_id: UUID | None = None,
        **fields: Any,
    ) -> int:
        new_id = placement_id or uuid4()
        return self._change(
            trajectory_id,
            expected_version,
            lambda t: t.start_placement(placement_id=new_id, **fields),
        )

    def end_placement(
        self, trajectory_id: UUID, expected_version: int | None = None, **fields: Any
    ) -> int:
        return self._change(
            trajectory_id, expected_version, lambda t: t.end_placement(**fields)
        )

    def suspend(
        self, trajectory_id: UUID, expected_version: int | None = None, **fields: Any
    ) -> int:
        return self._change(
            trajectory_id, expected_version, lambda t: t.suspend(**fields)
        )

    def resume(
        self, trajectory_id: UUID, expected_version: int | None = None, **fields: Any
    ) -> int:
        return self._change(
            trajectory_id, expected_version, lambda t: t.resume(**fields)
        )

    def complete(
        self, trajectory_id: UUID, expected_version: int | None = None, **fields: Any
    ) -> int:
        return self._change(
            trajectory_id, expected_version, lambda t: t.complete(**fields)
        )

    def drop_out(
        self, trajectory_id: UUID, expected_version: int | None = None, **fields: Any
    ) -> int:
        return self._change(
            trajectory_id, expected_version, lambda t: t.drop_out(**fields)
        )

    def record_exit_result(
        self, trajectory_id: UUID, expected_version: int | None = None, **fields: Any
    ) -> int:
        return self._change(
            trajectory_id, expected_version, lambda t: t.record_exit_result(**fields)
        )

    def record_follow_up(
        self, trajectory_id: UUID, expected_version: int | None = None, **fields: Any
    ) -> int:
        return self._change(
            trajectory_id, expected_version, lambda t: t.record_follow_up(**fields)
        )

    def reopen(
        self, trajectory_id: UUID, expected_version: int | None = None, **fields: Any
    ) -> int:
        """Reopens an exited trajectory, unless the participant has a newer one."""
        trajectory = self._trajectory_at(trajectory_id, expected_version)
        enrolment = self._enrolment(trajectory.participant_id, trajectory.programme)
        trajectory.reopen(**fields)
        enrolment.reopen(trajectory.id)
        self._save_or_conflict(trajectory.id, expected_version, trajectory, enrolment)
        return trajectory.version

    def retract_entry(
        self, trajectory_id: UUID, expected_version: int | None = None, **fields: Any
    ) -> int:
        """Retracts an event entered in error. Retracting an exit or a decline opens
        the trajectory again, which the enrolment must allow, as for a reopening."""
        trajectory = self._trajectory_at(trajectory_id, expected_version)
        had_ended = trajectory.has_ended
        trajectory.retract_entry(**fields)
        if not had_ended or trajectory.has_ended:
            self._save_or_conflict(trajectory.id, expected_version, trajectory)
            return trajectory.version
        enrolment = self._enrolment(trajectory.participant_id, trajectory.programme)
        enrolment.reopen(trajectory.id)
        self._save_or_conflict(trajectory.id, expected_version, trajectory, enrolment)
        return trajectory.version

    # Trajectory queries ---------------------------------------------------------------

    def trajectory(self, trajectory_id: UUID) -> Trajectory:
        try:
            return self._get(trajectory_id, Trajectory)
        except AggregateNotFoundError:
            raise TrajectoryNotFound(trajectory_id) from None

    def trajectory_at_version(self, trajectory_id: UUID, version: int) -> Trajectory:
        current = self.trajectory(trajectory_id)
        if not 1 <= version <= current.version:
            raise VersionNotFound(trajectory_id, version, current.version)
        if version == current.version:
            return current
        return self._get(trajectory_id, Trajectory, version=version)

    def trajectory_as_of(self, trajectory_id: UUID, on: date) -> Trajectory:
        """The trajectory as it stood on a business date: every event whose business
        date is on or before it counts, in the order they were recorded. An event
        retracted as entered in error never counts, whenever it was retracted."""
        events = list(self._trajectory_events(trajectory_id))
        retracted = {
            vars(e)["version"] for e in events if type(e).__name__ == "EntryRetracted"
        }
        trajectory: Trajectory = events[0].mutate(None)
        if trajectory.referred_on > on:
            raise NotYetReferred(trajectory_id, on, trajectory.referred_on)
        for domain_event in events[1:]:
            counts = domain_event.originator_version not in retracted
            if counts and business_date(domain_event) <= on:
                trajectory.version = domain_event.originator_version - 1
                domain_event.apply(trajectory)
                trajectory.version = domain_event.originator_version
        return trajectory

    def history(self, trajectory_id: UUID) -> list[HistoryEntry]:
        """Every stored event of the trajectory, retracted ones included and marked."""
        stored = list(self._trajectory_events(trajectory_id))
        retracted_by = {
            vars(e)["version"]: e.originator_version
            for e in stored
            if type(e).__name__ == "EntryRetracted"
        }
        return [
            HistoryEntry(
                version=e.originator_version,
                type=type(e).__name__,
                business_date=business_date(e),
                recorded_at=e.timestamp,
                recorded_by=vars(e).get("recorded_by", ""),
                data={
                    k: v
                    for k, v in vars(e).items()
                    if k not in HIDDEN_FIELDS and k != "recorded_by"
                },
                retracted_by=retracted_by.get(e.originator_version),
            )
            for e in stored
        ]

    # Helpers -------------------------------------------------------------------------

    def _trajectory_events(self, trajectory_id: UUID) -> Iterator[Any]:
        """The trajectory's stored events, oldest first; another aggregate's id, or
        an unknown one, is not found."""
        events = iter(self.repository.event_store.get(trajectory_id))
        first = next(events, None)
        if not (isinstance(first, Trajectory.Event) and first.originator_version == 1):
            raise TrajectoryNotFound(trajectory_id)
        return itertools.chain([first], events)

    def _get(self, aggregate_id: UUID, kind: type[A], version: int | None = None) -> A:
        if aggregate_id == PROGRAMME_LOG_ID:  # a log of events, not an aggregate
            raise AggregateNotFoundError(aggregate_id)
        batched = self._batched() if version is None else None
        aggregate: Any = (batched or {}).get(aggregate_id)
        if aggregate is None:
            aggregate = self.repository.get(aggregate_id, version=version)
        if not isinstance(aggregate, kind):
            raise AggregateNotFoundError(aggregate_id)
        if batched is not None:
            batched[aggregate_id] = aggregate
        return aggregate

    def _enrolment(self, participant_id: UUID, programme: str) -> Enrolment:
        try:
            return self._get(Enrolment.id_for(participant_id, programme), Enrolment)
        except AggregateNotFoundError:
            return Enrolment(participant_id=participant_id, programme=programme)

    def _trajectory_at(
        self, trajectory_id: UUID, expected_version: int | None
    ) -> Trajectory:
        trajectory = self.trajectory(trajectory_id)
        if expected_version is not None and trajectory.version != expected_version:
            raise VersionConflict(trajectory_id, expected_version, trajectory.version)
        return trajectory

    def _change(
        self,
        trajectory_id: UUID,
        expected_version: int | None,
        command: Callable[[Trajectory], None],
    ) -> int:
        trajectory = self._trajectory_at(trajectory_id, expected_version)
        command(trajectory)
        self._save_or_conflict(trajectory_id, expected_version, trajectory)
        return trajectory.version

    def _save_or_conflict(
        self, aggregate_id: UUID, expected_version: int | None, *aggregates: Aggregate
    ) -> None:
        batched = self._batched()
        if batched is not None:
            batched.update((aggregate.id, aggregate) for aggregate in aggregates)
            return
        try:
            self.save(*aggregates)
        except IntegrityError:
            current = self._version_of(aggregate_id)
            raise VersionConflict(aggregate_id, expected_version, current) from None

    def _version_of(self, aggregate_id: UUID) -> int:
        last = list(self.repository.event_store.get(aggregate_id, desc=True, limit=1))
        return last[0].originator_version if last else 0
