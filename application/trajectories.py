"""The application service: a method per command, and the queries of staff and audit.

Every command loads the aggregates it needs, calls one domain method and saves. Several
aggregates changed by one command are saved in one transaction.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
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
    ProcessingEvent,
)
from eventsourcing.domain import Aggregate, DomainEvent
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    Mapper,
    Recording,
    Transcoding,
)
from eventsourcing.utils import Environment, EnvType, get_topic, register_topic

from application import migrations
from application.access import TOKENS_TABLE, OtherOrganisation, Tokens
from application.audit.access_log import ACCESS_LOG_TABLE, AccessLog
from application.audit.chain import (
    HEADS_TABLE,
    LINKS_TABLE,
    Progress,
    Seal,
    Verification,
    verify,
)
from application.audit.snapshots import check_snapshots
from application.group_commit import GroupCommit
from application.idempotency import (
    AlreadyAnswered,
    IdempotencyKey,
    IdempotencyRecords,
)
from application.privacy.keys import Keyring, master_keys
from application.privacy.sealing import (
    FREE_TEXT,
    PERSONAL,
    SealedAsDict,
    SealingMapper,
)
from application.settings import Settings
from application.storage import (
    IDEMPOTENCY_TABLE,
    KEYS_TABLE,
    SideTables,
    install_append_only_guard,
    setting_up_schema,
)
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
    template = "trajectory {trajectory_id} does not exist"

    def __init__(self, trajectory_id: UUID) -> None:
        super().__init__(trajectory_id=trajectory_id)


class ParticipantNotFound(NotFound):
    code = "participant_not_found"
    template = "participant {participant_id} does not exist"

    def __init__(self, participant_id: UUID) -> None:
        super().__init__(participant_id=participant_id)


class ProgrammeNotFound(NotFound):
    code = "programme_not_found"
    template = "programme {code} does not exist"

    def __init__(self, code: str) -> None:
        super().__init__(code=code)


class VersionNotFound(NotFound):
    code = "version_not_found"
    template = "trajectory {trajectory_id} has no version {version}; the last is {last}"

    def __init__(self, trajectory_id: UUID, version: int, last: int) -> None:
        super().__init__(trajectory_id=trajectory_id, version=version, last=last)


class VersionsOutOfOrder(DomainError):
    code = "versions_out_of_order"
    template = (
        "from_version {from_version} is after to_version {to_version}: a diff "
        "runs from a version to the same or a later one"
    )

    def __init__(self, from_version: int, to_version: int) -> None:
        super().__init__(from_version=from_version, to_version=to_version)


class NotYetReferred(NotFound):
    code = "not_yet_referred"
    template = (
        "trajectory {trajectory_id} did not exist on {on}: "
        "it was referred on {referred_on}"
    )

    def __init__(self, trajectory_id: UUID, on: date, referred_on: date) -> None:
        super().__init__(trajectory_id=trajectory_id, on=on, referred_on=referred_on)


class DataKeyMissing(Exception):
    """A participant who was not erased has no data key: the key table was damaged
    or restored apart from the events."""

    code = "data_key_missing"

    def __init__(self, participant_id: UUID) -> None:
        super().__init__(
            f"participant {participant_id} has no data key although they were not "
            "erased: their personal data cannot be opened or recorded (was the key "
            "table restored apart from the events, or the participant registered by "
            "a version that did not seal personal data?)"
        )


class VerificationRunning(Exception):
    """A verification reads the whole store: one runs at a time."""

    code = "verification_running"

    def __init__(self) -> None:
        super().__init__("a verification of the store is running; retry when it ends")


class ProgrammeAlreadyRegistered(DomainError):
    code = "programme_already_registered"
    template = "programme {code} is already registered"

    def __init__(self, code: str) -> None:
        super().__init__(code=code)


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


# The state as its readers see it (GET /trajectories/{id} shows it, with the id and the
# version): a diff compares it field by field, lists and placements as whole values.
STATE_ATTRIBUTES = (
    "participant_id",
    "programme",
    "organisation",
    "referral_source",
    "referred_on",
    "age_band",
    "gender",
    "stage",
    "declined_on",
    "decline_reason",
    "intake_on",
    "coach",
    "rung_at_intake",
    "latest_rung",
    "labour_status",
    "education_level",
    "entry_barriers",
    "disability",
    "postcode",
    "open_barriers",
    "sessions_held",
    "session_minutes",
    "last_contact_on",
    "placements",
    "suspended_on",
    "suspension_reason",
    "exit_on",
    "destination",
    "dropout_reason",
    "exit_result",
    "exit_result_on",
    "follow_ups",
    "reopenings",
)


def public_state(trajectory: Trajectory) -> dict[str, Any]:
    return {
        **{name: getattr(trajectory, name) for name in STATE_ATTRIBUTES},
        "retracted_versions": sorted(int(v) for v in trajectory.retracted),
    }


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class TrajectoryDiff:
    """What changed in the state from one version to another, and the events recorded
    in between (after ``from_version``, up to and including ``to_version``)."""

    from_version: int
    to_version: int
    changes: list[FieldChange]
    events: list[HistoryEntry]


@dataclass(frozen=True)
class Answer:
    """What a write created or changed, and the version it reached; ``replayed``
    when it is the stored answer to an earlier request with the same key."""

    aggregate_id: UUID | None
    version: int
    replayed: bool


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

    def __init__(self, settings: Settings, *, keys: bool = True) -> None:
        """``keys=False`` opens the store without a master key (to set up the
        schema): nothing personal can then be read or recorded."""
        settings.check(master_key=keys)
        self.settings = settings
        interval = settings.snapshot_interval
        self.snapshotting_intervals = {Trajectory: interval}  # type: ignore[misc]
        settings.create_folders()
        self._unit_of_work = threading.local()
        self._saved_listeners: list[Callable[[list[str]], None]] = []
        self._programmes: dict[str, Programme] = {}
        self._reading = [threading.Lock() for _ in range(64)]
        self._verifying = threading.Lock()
        library_env = settings.library_env()
        master, previous = master_keys(settings) if keys else (None, None)
        with setting_up_schema(library_env) as self.manages_schema:
            super().__init__(env=library_env)
            assert self.snapshots is not None
            install_append_only_guard(
                self.recorder,
                self.snapshots.recorder,
                manage_schema=self.manages_schema,
            )
            tables = SideTables(self.recorder, manage_schema=self.manages_schema)
            tables.append_only(LINKS_TABLE)
            tables.create(HEADS_TABLE)
            self.keyring = Keyring(master, tables, previous=previous)
            self.tokens = Tokens(tables)
            self.idempotency = IdempotencyRecords(tables)
            self.access_log = AccessLog(tables)
            # The versioned changes since, or (a service role) the check for them.
            self.migrated_now = (
                migrations.migrate(tables) if self.manages_schema else []
            )
            if not self.manages_schema:
                migrations.check(tables)
        self.idempotency.forget_old()
        self._forgotten_at = time.monotonic()
        self.group_commit = GroupCommit(self) if settings.group_commit else None
        self.programme_log: EventSourcedLog[ProgrammeLogged] = EventSourcedLog(
            self.events, PROGRAMME_LOG_ID, ProgrammeLogged
        )

    def close(self) -> None:
        if self.group_commit is not None:
            self.group_commit.close()
        self.keyring.after_write()
        super().close()

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        """Records the events, each participant's personal data and free text sealed
        under their own key: the key a registration made (stored by this save, in
        its transaction) or the stored one."""
        owners: dict[UUID, UUID] = {}
        for domain_event in processing_event.events:
            topic = get_topic(type(domain_event))
            if topic in PERSONAL:
                owners[domain_event.originator_id] = domain_event.originator_id
            elif topic in FREE_TEXT:
                trajectory: Any = processing_event.aggregates[
                    domain_event.originator_id
                ]
                owners[domain_event.originator_id] = trajectory.participant_id
        if not owners:
            recordings = super()._record(processing_event)
            self.keyring.after_write()
            return recordings
        made = processing_event.saved_kwargs.get("data_keys") or ()
        keys = {new.participant_id: new.key for new in made}
        keys.update(self.keyring.fetch(set(owners.values()) - set(keys)))
        for participant_id in set(owners.values()) - set(keys):
            self._check_erased(participant_id)  # then the mapper refuses: 410
        mapper: Any = self.mapper
        with mapper.sealing({a: (p, keys.get(p)) for a, p in owners.items()}):
            recordings = super()._record(processing_event)
        self.keyring.after_write()
        return recordings

    def _check_erased(self, participant_id: UUID) -> None:
        """A participant without a data key must have been erased; one who was not
        lost their key (or was registered before personal data was sealed, in a
        store from an earlier version): nothing more is recorded about them."""
        try:
            participant = self._get(participant_id, Participant)
        except AggregateNotFoundError:
            return
        if not participant.erased:
            raise DataKeyMissing(participant_id)

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
        # A role that may not set up the schema finds it set up (or fails, saying so).
        create = "y" if self.manages_schema else "n"
        ours = {"IS_SNAPSHOTTING_ENABLED": "y", "CREATE_TABLE": create}
        if self.settings.aggregate_cache_size > 0:
            # A cached aggregate is fast-forwarded by the events recorded since it
            # was cached, and copied before a command changes it.
            ours["AGGREGATE_CACHE_MAXSIZE"] = str(self.settings.aggregate_cache_size)
            ours["AGGREGATE_CACHE_FASTFORWARD"] = "y"
        return Environment(name, {**ours, **(env or {})})

    def construct_mapper(self) -> Mapper[UUID]:
        """Seals personal data before it is stored (``application.privacy``)."""
        return SealingMapper(
            self.construct_transcoder(), lambda ids: self.keyring.fetch(ids)
        )

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(SealedAsDict())
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
        self._unit_of_work.writes = {}
        try:
            yield
            changed = list(self._unit_of_work.aggregates.values())
            writes = self._unit_of_work.writes
        finally:
            self._unit_of_work.aggregates = self._unit_of_work.writes = None
        self.save(*changed, **writes)

    def once(
        self, key: IdempotencyKey | None, command: Callable[[], Aggregate | int]
    ) -> Answer:
        """Runs the command (which returns the aggregate it created, or the version
        it reached) at most once per caller's key: its answer is stored with its
        events, in their transaction, and a retry with the key gets that answer and
        records nothing. The same key with a different request is refused with
        ``IdempotencyKeyReused``. Without a key, the command just runs."""
        if key is not None and time.monotonic() - self._forgotten_at > 3600:
            self._forgotten_at = time.monotonic()
            self.idempotency.forget_old()  # hourly, besides at start-up
        if key is not None and (stored := self.idempotency.find(key)) is not None:
            return Answer(stored.aggregate_id, stored.version, replayed=True)
        self._unit_of_work.idempotency_key = key
        try:
            result = command()
        except AlreadyAnswered as already:
            record = already.record
            return Answer(record.aggregate_id, record.version, replayed=True)
        except (DomainError, VersionConflict):
            # A request with the same key may have committed after the look-up
            # above; its answer, not this attempt's refusal, is the answer.
            if key is None or (stored := self.idempotency.find(key)) is None:
                raise
            return Answer(stored.aggregate_id, stored.version, replayed=True)
        finally:
            self._unit_of_work.idempotency_key = None
        if isinstance(result, Aggregate):
            return Answer(result.id, result.version, replayed=False)
        return Answer(None, result, replayed=False)

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
                self._store(programme, logged)
            except IntegrityError:
                continue  # another registration took the log's next position
            return programme
        current = self._version_of(PROGRAMME_LOG_ID)
        raise VersionConflict(PROGRAMME_LOG_ID, None, current)

    def programme(self, code: str) -> Programme:
        """The programme; kept in memory once read, as nothing changes a programme
        after its registration."""
        programme = self._programmes.get(code)
        if programme is None:
            try:
                programme = self._get(Programme.id_for(code), Programme)
            except AggregateNotFoundError:
                raise ProgrammeNotFound(code) from None
            self._programmes[code] = programme
        return programme

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
        organisation: str | None = None,
        recorded_by: str,
    ) -> Participant:
        """Registers a participant in the dossiers of ``organisation``, the only
        organisation whose staff can then read the participant and refer them."""
        participant = Participant.register(
            given_name=given_name,
            family_name=family_name,
            birth_date=birth_date,
            gender=gender,
            national_register_number=national_register_number,
            email=email,
            phone=phone,
            organisation=organisation,
            recorded_by=recorded_by,
        )
        # The participant's data key is stored with the registration, in its
        # transaction, with the row that tells which master key wraps the keys.
        data_keys = [self.keyring.check, self.keyring.new_key(participant.id)]
        self._save_or_conflict(participant.id, None, participant, data_keys=data_keys)
        return participant

    def participant(
        self, participant_id: UUID, within: str | None = None
    ) -> Participant:
        """The participant; ``within`` an organisation, another's is not found."""
        for _ in range(2):
            try:
                participant = self._get(participant_id, Participant)
            except AggregateNotFoundError:
                raise ParticipantNotFound(participant_id) from None
            if within is not None and participant.organisation != within:
                raise ParticipantNotFound(participant_id)
            if participant.erased or participant.birth_date is not None:
                return participant
            # The key was gone when the events were opened: an erasure committed
            # between reading them and opening them. Read again, with its event.
        raise DataKeyMissing(participant_id)

    def erase_participant(self, participant_id: UUID, *, recorded_by: str) -> Answer:
        """Erases the participant's personal data: records ``ParticipantErased`` and,
        in the same transaction, destroys their data key (after which nothing sealed
        for them, their details or the free text of their trajectories, can be
        opened) and forgets the answers kept for retries of writes about them. Their
        events stay as they were stored, so every history stays complete and
        verifiable, and the views, which hold no personal data, stay as they were.
        Erasing again records nothing."""
        if self._batched() is not None:
            raise RuntimeError(
                "an erasure is not recorded in a batch: it destroys a key"
            )
        for _ in range(5):
            try:  # not ``participant()``: a participant whose key is lost is erased too
                participant = self._get(participant_id, Participant)
            except AggregateNotFoundError:
                raise ParticipantNotFound(participant_id) from None
            if participant.erased:
                # A no-op unless a key was left behind (by a store from before
                # erasures destroyed the key in their own transaction).
                self.keyring.destroy(participant_id)
                return Answer(participant_id, participant.version, replayed=True)
            participant.erase(recorded_by=recorded_by)
            answered_for = [participant_id, *self._trajectory_ids_of(participant_id)]
            try:
                self._save_or_conflict(
                    participant_id,
                    None,
                    participant,
                    shred=[participant_id],
                    forget=answered_for,
                )
            except VersionConflict:
                continue  # changed meanwhile (erased by another request?): look again
            self.keyring.after_shredding()
            return Answer(participant_id, participant.version, replayed=False)
        raise VersionConflict(participant_id, None, self._version_of(participant_id))

    def _trajectory_ids_of(self, participant_id: UUID) -> list[UUID]:
        ids: list[UUID] = []
        for programme in self.programmes():
            try:
                enrolment = self._get(
                    Enrolment.id_for(participant_id, programme.code), Enrolment
                )
            except AggregateNotFoundError:
                continue
            ids += enrolment.trajectory_ids
        return ids

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
        within: str | None = None,
    ) -> Trajectory:
        """Receives a referral: a new trajectory for the participant in the programme.
        Of two racing referrals for the same participant and programme, the loser is
        told about the winner's open trajectory. Staff (``within`` an organisation)
        refer their own organisation's participants into it."""
        participant = self.participant(participant_id, within)
        if within is not None and organisation != within:
            raise OtherOrganisation(within, organisation)
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
        self,
        trajectory_id: UUID,
        expected_version: int | None = None,
        *,
        within: str | None = None,
        **fields: Any,
    ) -> int:
        return self._change(
            trajectory_id,
            expected_version,
            lambda t: t.decline_referral(**fields),
            within,
        )

    def complete_intake(
        self,
        trajectory_id: UUID,
        expected_version: int | None = None,
        *,
        within: str | None = None,
        **fields: Any,
    ) -> int:
        return self._change(
            trajectory_id,
            expected_version,
            lambda t: t.complete_intake(**fields),
            within,
        )

    def correct_entry_profile(
        self,
        trajectory_id: UUID,
        expected_version: int | None = None,
        *,
        within: str | None = None,
        **fields: Any,
    ) -> int:
        return self._change(
            trajectory_id,
            expected_version,
            lambda t: t.correct_entry_profile(**fields),
            within,
        )

    def assign_coach(
        self,
        trajectory_id: UUID,
        expected_version: int | None = None,
        *,
        within: str | None = None,
        **fields: Any,
    ) -> int:
        return self._change(
            trajectory_id, expected_version, lambda t: t.assign_coach(**fields), within
        )

    def assess_ladder(
        self,
        trajectory_id: UUID,
        expected_version: int | None = None,
        *,
        within: str | None = None,
        **fields: Any,
    ) -> int:
        return self._change(
            trajectory_id, expected_version, lambda t: t.assess_ladder(**fields), within
        )

    def identify_barrier(
        self,
        trajectory_id: UUID,
        expected_version: int | None = None,
        *,
        within: str | None = None,
        **fields: Any,
    ) -> int:
        return self._change(
            trajectory_id,
            expected_version,
            lambda t: t.identify_barrier(**fields),
            within,
        )

    def resolve_barrier(
        self,
        trajectory_id: UUID,
        expected_version: int | None = None,
        *,
        within: str | None = None,
        **fields: Any,
    ) -> int:
        return self._change(
            trajectory_id,
            expected_version,
            lambda t: t.resolve_barrier(**fields),
            within,
        )

    def hold_session(
        self,
        trajectory_id: UUID,
        expected_version: int | None = None,
        *,
        within: str | None = None,
        **fields: Any,
    ) -> int:
        """Records a session within the programme's yearly session cap, if any."""

        def hold(trajectory: Trajectory) -> None:
            cap = self.programme(trajectory.programme).session_cap
            trajectory.hold_session(**fields, session_cap=cap)

        return self._change(trajectory_id, expected_version, hold, within)

    def start_placement(
        self,
        trajectory_id: UUID,
        expected_version: int | None = None,
        *,
        within: str | None = None,
        placement_id: UUID | None = None,
        **fields: Any,
    ) -> int:
        new_id = placement_id or uuid4()
        return self._change(
            trajectory_id,
            expected_version,
            lambda t: t.start_placement(placement_id=new_id, **fields),
            within,
        )

    def end_placement(
        self,
        trajectory_id: UUID,
        expected_version: int | None = None,
        *,
        within: str | None = None,
        **fields: Any,
    ) -> int:
        return self._change(
            trajectory_id, expected_version, lambda t: t.end_placement(**fields), within
        )

    def suspend(
        self,
        trajectory_id: UUID,
        expected_version: int | None = None,
        *,
        within: str | None = None,
        **fields: Any,
    ) -> int:
        return self._change(
            trajectory_id, expected_version, lambda t: t.suspend(**fields), within
        )

    def resume(
        self,
        trajectory_id: UUID,
        expected_version: int | None = None,
        *,
        within: str | None = None,
        **fields: Any,
    ) -> int:
        return self._change(
            trajectory_id, expected_version, lambda t: t.resume(**fields), within
        )

    def complete(
        self,
        trajectory_id: UUID,
        expected_version: int | None = None,
        *,
        within: str | None = None,
        **fields: Any,
    ) -> int:
        return self._change(
            trajectory_id, expected_version, lambda t: t.complete(**fields), within
        )

    def drop_out(
        self,
        trajectory_id: UUID,
        expected_version: int | None = None,
        *,
        within: str | None = None,
        **fields: Any,
    ) -> int:
        return self._change(
            trajectory_id, expected_version, lambda t: t.drop_out(**fields), within
        )

    def record_exit_result(
        self,
        trajectory_id: UUID,
        expected_version: int | None = None,
        *,
        within: str | None = None,
        **fields: Any,
    ) -> int:
        return self._change(
            trajectory_id,
            expected_version,
            lambda t: t.record_exit_result(**fields),
            within,
        )

    def record_follow_up(
        self,
        trajectory_id: UUID,
        expected_version: int | None = None,
        *,
        within: str | None = None,
        **fields: Any,
    ) -> int:
        return self._change(
            trajectory_id,
            expected_version,
            lambda t: t.record_follow_up(**fields),
            within,
        )

    def reopen(
        self,
        trajectory_id: UUID,
        expected_version: int | None = None,
        *,
        within: str | None = None,
        **fields: Any,
    ) -> int:
        """Reopens an exited trajectory, unless the participant has a newer one."""
        trajectory = self._trajectory_at(trajectory_id, expected_version, within)
        enrolment = self._enrolment(trajectory.participant_id, trajectory.programme)
        trajectory.reopen(**fields)
        enrolment.reopen(trajectory.id)
        self._save_or_conflict(trajectory.id, expected_version, trajectory, enrolment)
        return trajectory.version

    def retract_entry(
        self,
        trajectory_id: UUID,
        expected_version: int | None = None,
        *,
        within: str | None = None,
        **fields: Any,
    ) -> int:
        """Retracts an event entered in error. Retracting an exit or a decline opens
        the trajectory again, which the enrolment must allow, as for a reopening."""
        trajectory = self._trajectory_at(trajectory_id, expected_version, within)
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

    def trajectory(self, trajectory_id: UUID, within: str | None = None) -> Trajectory:
        """The trajectory; ``within`` an organisation, another's is not found."""
        try:
            trajectory = self._get(trajectory_id, Trajectory)
        except AggregateNotFoundError:
            raise TrajectoryNotFound(trajectory_id) from None
        if within is not None and trajectory.organisation != within:
            raise TrajectoryNotFound(trajectory_id)
        return trajectory

    def trajectory_at_version(
        self, trajectory_id: UUID, version: int, within: str | None = None
    ) -> Trajectory:
        current = self.trajectory(trajectory_id, within)
        if not 1 <= version <= current.version:
            raise VersionNotFound(trajectory_id, version, current.version)
        if version == current.version:
            return current
        return self._get(trajectory_id, Trajectory, version=version)

    def trajectory_as_of(
        self, trajectory_id: UUID, on: date, within: str | None = None
    ) -> Trajectory:
        """The trajectory as it stood on a business date: every event whose business
        date is on or before it counts, in the order they were recorded. An event
        retracted as entered in error never counts, whenever it was retracted."""
        events = list(self._trajectory_events(trajectory_id, within))
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

    def history(
        self, trajectory_id: UUID, within: str | None = None
    ) -> list[HistoryEntry]:
        """Every stored event of the trajectory, retracted ones included and marked."""
        stored = list(self._trajectory_events(trajectory_id, within))
        retracted_by = {
            vars(e)["version"]: e.originator_version
            for e in stored
            if type(e).__name__ == "EntryRetracted"
        }
        # Free text is opened here, where it is shown, with the participant's key;
        # "erased" once it is destroyed.
        mapper: Any = self.mapper
        participant_id: UUID = vars(stored[0])["participant_id"]
        key = self.keyring.fetch([participant_id]).get(participant_id)
        erased = key is None and self.participant(participant_id).erased
        return [
            HistoryEntry(
                version=e.originator_version,
                type=type(e).__name__,
                business_date=business_date(e),
                recorded_at=e.timestamp,
                recorded_by=vars(e).get("recorded_by", ""),
                data={
                    k: mapper.open_text(v, key, erased)
                    for k, v in vars(e).items()
                    if k not in HIDDEN_FIELDS and k != "recorded_by"
                },
                retracted_by=retracted_by.get(e.originator_version),
            )
            for e in stored
        ]

    def diff(
        self,
        trajectory_id: UUID,
        from_version: int,
        to_version: int,
        within: str | None = None,
    ) -> TrajectoryDiff:
        """The fields whose value differs between the two versions' states, and the
        events that led from one to the other, retracted ones marked as in the
        history."""
        self.trajectory(trajectory_id, within)  # another organisation's: not found
        if from_version > to_version:
            raise VersionsOutOfOrder(from_version, to_version)
        before, after = (
            public_state(self.trajectory_at_version(trajectory_id, version, within))
            for version in (from_version, to_version)
        )
        return TrajectoryDiff(
            from_version=from_version,
            to_version=to_version,
            changes=[
                FieldChange(name, before[name], after[name])
                for name in before
                if before[name] != after[name]
            ],
            events=[
                entry
                for entry in self.history(trajectory_id, within)
                if from_version < entry.version <= to_version
            ],
        )

    # Audit ---------------------------------------------------------------------------

    def verify(
        self, progress: Progress | None = None, kept_seal: Seal | None = None
    ) -> Verification:
        """Recomputes every hash chain in one consistent read of the store, and names
        the first broken link of each aggregate; seals what it read, and checks a
        seal kept from an earlier verification. One verification at a time: it reads
        the whole store."""
        if not self._verifying.acquire(blocking=False):
            raise VerificationRunning()
        try:
            recorder: Any = self.recorder
            with recorder.chains.reading() as source:
                result = verify(source, progress, kept_seal)
            started = time.perf_counter()
            self._verify_snapshots(result)
            result.seconds += time.perf_counter() - started
            return result
        finally:
            self._verifying.release()

    def _verify_snapshots(self, result: Verification) -> None:
        """Each snapshot must equal the state replayed from the events up to it."""
        assert self.snapshots is not None
        snapshots = self.snapshots
        tables = SideTables(snapshots.recorder)
        table = tables.name(snapshots.recorder.events_table_name)  # type: ignore[attr-defined]
        rows = tables.run(
            (f"SELECT DISTINCT originator_id FROM {table} ORDER BY 1", ()),
            commit=False,
        )
        # A history whose chain is broken is named already, and may not decode.
        ids = [UUID(str(row[0])) for row in rows]
        ids = [i for i in ids if not result.is_broken(i)]
        result.snapshotted = len(ids)
        for broken in check_snapshots(
            ids,
            lambda aggregate_id: iter(snapshots.get(aggregate_id)),
            lambda aggregate_id, last: iter(
                self.repository.event_store.get(aggregate_id, lte=last)
            ),
        ):
            result.add(broken)

    def grant_service_role(self, role: str) -> None:
        """Lets ``role`` run the service on PostgreSQL without owning anything:
        stored events can be read and added but not deleted or truncated (UPDATE
        only because the library's table lock needs it; the trigger refuses every
        update), and the same for the links and the access log."""
        assert self.snapshots is not None
        tables = SideTables(self.recorder)
        tables.grant(
            role,
            {
                self.recorder.events_table_name: "SELECT, INSERT, UPDATE",  # type: ignore[attr-defined]
                self.snapshots.recorder.events_table_name: "SELECT, INSERT",  # type: ignore[attr-defined]
                LINKS_TABLE: "SELECT, INSERT",
                HEADS_TABLE: "SELECT, INSERT, UPDATE",
                ACCESS_LOG_TABLE: "SELECT, INSERT",
                # Keys are made at registration and deleted by erasure.
                KEYS_TABLE: "SELECT, INSERT, DELETE",
                TOKENS_TABLE: "SELECT, INSERT, UPDATE",
                IDEMPOTENCY_TABLE: "SELECT, INSERT, DELETE",
                migrations.VERSIONS_TABLE: "SELECT",
            },
        )

    # Helpers -------------------------------------------------------------------------

    def _trajectory_events(
        self, trajectory_id: UUID, within: str | None
    ) -> Iterator[Any]:
        """The trajectory's stored events, oldest first; another aggregate's id, an
        unknown one, or one of another organisation than ``within``, is not found."""
        events = iter(self.repository.event_store.get(trajectory_id))
        first = next(events, None)
        if not (isinstance(first, Trajectory.Event) and first.originator_version == 1):
            raise TrajectoryNotFound(trajectory_id)
        if within is not None and vars(first).get("organisation") != within:
            raise TrajectoryNotFound(trajectory_id)
        return itertools.chain([first], events)

    def _get(self, aggregate_id: UUID, kind: type[A], version: int | None = None) -> A:
        if aggregate_id == PROGRAMME_LOG_ID:  # a log of events, not an aggregate
            raise AggregateNotFoundError(aggregate_id)
        batched = self._batched() if version is None else None
        aggregate: Any = (batched or {}).get(aggregate_id)
        if aggregate is None and version is None:
            # The library fast-forwards a cached aggregate under its own lock but
            # copies it after releasing it; one reader at a time per aggregate here
            # keeps a copy from being taken while another read moves it forward.
            with self._reading[hash(aggregate_id) % len(self._reading)]:
                aggregate = self.repository.get(aggregate_id)
        elif aggregate is None:
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
        self, trajectory_id: UUID, expected_version: int | None, within: str | None
    ) -> Trajectory:
        trajectory = self.trajectory(trajectory_id, within)
        if expected_version is not None and trajectory.version != expected_version:
            raise VersionConflict(trajectory_id, expected_version, trajectory.version)
        return trajectory

    def _change(
        self,
        trajectory_id: UUID,
        expected_version: int | None,
        command: Callable[[Trajectory], None],
        within: str | None,
    ) -> int:
        trajectory = self._trajectory_at(trajectory_id, expected_version, within)
        command(trajectory)
        self._save_or_conflict(trajectory_id, expected_version, trajectory)
        return trajectory.version

    def _save_or_conflict(
        self,
        aggregate_id: UUID,
        expected_version: int | None,
        *aggregates: Aggregate,
        **writes: list[Any],
    ) -> None:
        """Saves the aggregates, with ``writes`` for the recorder (``shred=[...]``);
        a conflict on ``aggregate_id`` is a ``VersionConflict``."""
        batched = self._batched()
        if batched is not None:
            batched.update((aggregate.id, aggregate) for aggregate in aggregates)
            for name, rows in writes.items():
                self._unit_of_work.writes.setdefault(name, []).extend(rows)
            return
        try:
            self._store(aggregates[0], *aggregates[1:], **writes)
        except IntegrityError:
            current = self._version_of(aggregate_id)
            raise VersionConflict(aggregate_id, expected_version, current) from None

    def _store(
        self, first: Aggregate, *others: Aggregate | DomainEvent, **writes: list[Any]
    ) -> None:
        """Saves, with the idempotency record answering for ``first`` if the block
        runs under a key, through the group commit when it is on."""
        key: IdempotencyKey | None = getattr(
            self._unit_of_work, "idempotency_key", None
        )
        records = [key.answered(first.id, first.version)] if key else []
        save = self.group_commit.save if self.group_commit else self.save
        try:
            save(first, *others, idempotency=records, **writes)
        except IntegrityError:
            answer = self.idempotency.find(key) if key else None
            if answer is not None:
                raise AlreadyAnswered(answer) from None
            raise

    def _version_of(self, aggregate_id: UUID) -> int:
        last = list(self.repository.event_store.get(aggregate_id, desc=True, limit=1))
        return last[0].originator_version if last else 0
