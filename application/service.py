"""The service: one event store of trajectories, participants and programmes, and the
parts that work on it.

``Trajectories`` sets up the store (schema, guards, migrations), opens the keys, and
composes the parts, each in a module of its own:

- ``writes``: how every write is loaded, saved (through the group commit) and
  answered once per idempotency key;
- ``handlers``: the path of every trajectory command (referral and events);
- ``catalogue``, ``participants``: the programmes, and personal data with its keys;
- ``replays``: states at a version or a date, histories, diffs;
- ``verifier``: the hash chains, seals and snapshots;
- ``reads``: where the heavy reads go (a standby, with read-your-writes, when one
  is configured: ``routing``; replays and verification are routed here);
- ``tokens``, ``access_log``, ``keyring``, ``idempotency``: access, reads of personal
  data, data keys, stored answers.

The use cases the interfaces call are the parts' methods, named on the service
(``service.record`` is ``handlers.record``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.application import ProcessingEvent
from eventsourcing.application import Repository
from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.persistence import JSONTranscoder
from eventsourcing.persistence import Mapper
from eventsourcing.persistence import Recording
from eventsourcing.utils import Environment
from eventsourcing.utils import EnvType
from eventsourcing.utils import get_topic

from application import cluster
from application import migrations
from application.access import TOKENS_TABLE
from application.access import Role
from application.access import TokenInfo
from application.access import Tokens
from application.audit.access_chain import ACCESS_LINKS_TABLE
from application.audit.access_chain import ACCESS_LOG_TABLE
from application.audit.access_log import AccessLog
from application.audit.bypass import replica_role_bypass
from application.audit.chain import HEADS_TABLE
from application.audit.chain import LINKS_TABLE
from application.audit.replay import Replays
from application.audit.verification import Verifier
from application.coaches import COACH_LOG_ID
from application.coaches import Coaches
from application.group_commit import GroupCommit
from application.group_sessions import GroupSessions
from application.handlers import Handlers
from application.histories import Histories
from application.idempotency import IdempotencyRecords
from application.imports import Importer
from application.participants import Participants
from application.privacy.index import FILLED_TABLE
from application.privacy.index import SearchIndex
from application.privacy.keys import Keyring
from application.privacy.keys import master_keys
from application.privacy.sealing import FREE_TEXT
from application.privacy.sealing import PERSONAL
from application.privacy.sealing import SealingMapper
from application.programmes import PROGRAMME_LOG_ID
from application.programmes import Programmes
from application.repository import VersionedRepository
from application.routing import reads_for
from application.search import ParticipantReader
from application.search import Search
from application.settings import Settings
from application.storage import IDEMPOTENCY_TABLE
from application.storage import KEYS_TABLE
from application.storage import SEARCH_TABLE
from application.storage import PlannerStatistics
from application.storage import SideTables
from application.storage import bound_patience
from application.storage import install_append_only_guard
from application.storage import setting_up_schema
from application.transcoding import register_domain_transcodings
from application.writes import Writes
from domain.participant import Participant
from domain.trajectory import Trajectory

PARTICIPANT_EVENTS = {*PERSONAL, "trajectory:ParticipantErased"}
log = logging.getLogger("trajectory.search")


class Trajectories(Application[UUID]):
    """Trajectories, participants and programmes in one event store."""

    def __init__(self, settings: Settings, *, keys: bool = True) -> None:
        """``keys=False`` opens the store without a master key (to set up the
        schema): nothing personal can then be read or recorded."""
        settings.check(master_key=keys)
        self.settings = settings
        self.snapshotting_intervals = {Trajectory: settings.snapshot_interval}  # type: ignore[misc]
        settings.create_folders()
        self._saved_listeners: list[Callable[[list[str]], None]] = []
        library_env = settings.library_env()
        master, previous = master_keys(settings) if keys else (None, None)
        with setting_up_schema(library_env) as self.manages_schema:
            super().__init__(env=library_env)
            assert self.snapshots is not None
            bound_patience(
                self.recorder,
                self.snapshots.recorder,
                seconds=settings.database_timeout,
            )
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
            tables.append_only(ACCESS_LINKS_TABLE)
            if self.manages_schema:
                self.access_log.link_existing()
        self.append_only_bypass = (
            replica_role_bypass(
                lambda sql, params: tables.run((sql, params), commit=False)
            )
            if tables.postgres
            else None
        )
        if self.append_only_bypass:
            logging.getLogger("trajectory").warning(self.append_only_bypass)
        self.reads = reads_for(self.recorder, settings)
        self.group_commit = (
            GroupCommit(self, timeout=settings.database_timeout)
            if settings.group_commit
            else None
        )
        self.writes = Writes(
            self,
            self.idempotency,
            self.group_commit,
            not_aggregates=frozenset({PROGRAMME_LOG_ID, COACH_LOG_ID}),
            statistics=PlannerStatistics(SideTables(self.recorder)),
        )
        self.catalogue = Programmes(self, self.writes)
        self.coaches = Coaches(self, self.writes)
        self.search_index = SearchIndex(
            SideTables(self.recorder, manage_schema=self.manages_schema),
            self.keyring,
            self.recorder.events_table_name,  # type: ignore[attr-defined]
        )
        self.search = Search(self.search_index, ParticipantReader(self, self.keyring))
        self.participants = Participants(
            self.writes,
            self.keyring,
            lambda: [programme.code for programme in self.catalogue.all()],
            self.search,
        )
        self.handlers = Handlers(
            self.writes, self.catalogue, self.participants, self.coaches
        )
        self.group_sessions = GroupSessions(self.writes, self.handlers)
        self.importer = Importer(
            self.writes, self.handlers, self.participants, self.coaches, self.search
        )
        self.replays = Replays(self, self.handlers, self.keyring, self.participants.get)
        self.verifier = Verifier(self)
        # The use cases, as the interfaces call them: each is the method of the
        # part that does it, with its signature and its docstring.
        self.record = self.handlers.record
        self.refer = self.handlers.refer
        self.trajectory = self.handlers.trajectory
        self.batch = self.writes.batch
        self.import_trajectories = self.importer.run
        self.histories = Histories(self, self.keyring, self.participants.get)
        self.histories_of = self.histories.of
        self.register_participant = self.participants.register
        self.participant = self.participants.get
        self.erase_participant = self.participants.erase
        self.find_participants = self.participants.find
        self.reindex = self.search.fill
        self.register_programme = self.catalogue.register
        self.change_programme_period = self.catalogue.change_period
        self.programme = self.catalogue.get
        self.programmes = self.catalogue.all
        self.hold_group_session = self.group_sessions.hold
        self.group_session = self.group_sessions.get
        self.register_coach = self.coaches.register
        self.coach = self.coaches.get
        self.coaches_of = self.coaches.all
        self.coach_leaves = self.coaches.leave
        routed = self.reads.routed
        self.trajectory_at_version = routed(self.replays.at_version)
        self.trajectory_as_of = routed(self.replays.as_of)
        self.history = routed(self.replays.history)
        self.diff = routed(self.replays.diff)
        self.verify = routed(self.verifier.verify)
        if keys:
            self.fill_search_index()

    def create_token(
        self, *, role: Role, name: str, organisation: str | None, recorded_by: str
    ) -> tuple[TokenInfo, str]:
        """A new token and its secret; a staff member given one is one of their
        organisation's coaches (registered now if they were not)."""
        info, secret = self.tokens.create(
            role=role, name=name, organisation=organisation
        )
        if info.role is Role.STAFF and info.organisation is not None:
            self.coaches.ensure(info.name, info.organisation, recorded_by=recorded_by)
        return info, secret

    def close(self) -> None:
        if self.group_commit is not None:
            self.group_commit.close()
        self.keyring.after_write()
        super().close()

    # Set-up and the library's hooks ---------------------------------------------------

    def grant_service_role(self, role: str) -> None:
        """Lets ``role`` run the service on PostgreSQL without owning anything:
        stored events can be read and added but not deleted or truncated (UPDATE
        only because the library's table lock needs it; the trigger refuses every
        update), and the same for the links and the access log."""
        assert self.snapshots is not None
        events: Any = self.recorder
        snapshots: Any = self.snapshots.recorder
        SideTables(self.recorder).grant(
            role,
            {
                events.events_table_name: "SELECT, INSERT, UPDATE",
                snapshots.events_table_name: "SELECT, INSERT",
                LINKS_TABLE: "SELECT, INSERT",
                HEADS_TABLE: "SELECT, INSERT, UPDATE",
                ACCESS_LOG_TABLE: "SELECT, INSERT",
                ACCESS_LINKS_TABLE: "SELECT, INSERT",
                # Keys are made at registration and deleted by erasure.
                KEYS_TABLE: "SELECT, INSERT, DELETE",
                # Its rows are written and deleted with the participants' events.
                SEARCH_TABLE: "SELECT, INSERT, DELETE",
                FILLED_TABLE: "SELECT, INSERT",
                TOKENS_TABLE: "SELECT, INSERT, UPDATE",
                IDEMPOTENCY_TABLE: "SELECT, INSERT, DELETE",
                migrations.VERSIONS_TABLE: "SELECT",
            },
        )

    def on_saved(self, listener: Callable[[list[str]], None]) -> None:
        """Calls ``listener`` after each save with the type names of the events it
        recorded (the views' runner wakes on it; metrics count them)."""
        self._saved_listeners.append(listener)

    def _notify(self, recordings: list[Recording[UUID]]) -> None:
        types = [type(r.domain_event).__name__ for r in recordings]
        for listener in self._saved_listeners:
            listener(types)

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """As the library's, but of the aggregate the save had in hand (its state
        as saved, which is its history replayed: tested), not of a replay of its
        events since the last snapshot, which decoded each of them once more. A
        save that went past the version a snapshot was due at (a batch of many
        events) takes one snapshot, at the version it brought the aggregate to: as
        good a start for a load, without a replay."""
        if not self.snapshots or not self.snapshotting_intervals:
            return
        taken: set[UUID] = set()
        for domain_event in processing_event.events:
            aggregate: Any = processing_event.aggregates.get(domain_event.originator_id)
            interval = self.snapshotting_intervals.get(type(aggregate))
            version = domain_event.originator_version
            if aggregate is None or not interval or version % interval:
                continue
            if aggregate.id not in taken:
                self.snapshots.put([type(aggregate).Snapshot.take(aggregate)])
                taken.add(aggregate.id)

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        """Records the events, each participant's personal data and free text sealed
        under their own key: the key a registration made (stored by this save, in
        its transaction) or the stored one; and, in the same transaction, the
        search index's rows of the participants it records."""
        self._index(processing_event)
        owners = _owners(processing_event)
        if not owners:
            recordings = super()._record(processing_event)
            self.keyring.after_write()
            return recordings
        made = processing_event.saved_kwargs.get("data_keys") or ()
        keys = {new.participant_id: new.key for new in made}
        keys.update(self.keyring.fetch(set(owners.values()) - set(keys)))
        for participant_id in set(owners.values()) - set(keys):
            self.participants.check_erased(participant_id)  # else: 410
        mapper: Any = self.mapper
        with mapper.sealing({a: (p, keys.get(p)) for a, p in owners.items()}):
            recordings = super()._record(processing_event)
        self.keyring.after_write()
        return recordings

    def _index(self, processing_event: ProcessingEvent[UUID]) -> None:
        """Adds to the save the search index's rows of each participant whose
        registration, details or erasure it records (``privacy/index.py``)."""
        changed: dict[UUID, Participant] = {}
        registered: set[UUID] = set()
        for domain_event in processing_event.events:
            if get_topic(type(domain_event)) not in PARTICIPANT_EVENTS:
                continue
            participant_id = domain_event.originator_id
            aggregate = processing_event.aggregates.get(participant_id)
            if isinstance(aggregate, Participant):
                changed[participant_id] = aggregate
            if domain_event.originator_version == 1:
                registered.add(participant_id)
        if not changed:
            return
        writes = self.search_index.save_writes(changed.values(), registered)
        for name, rows in writes.items():
            processing_event.saved_kwargs.setdefault(name, []).extend(rows)

    def fill_search_index(self) -> None:
        """Fills the search index from the store if it never was (the first start
        after the upgrade that added it: every participant is opened)."""
        if self.search_index.filled():
            return
        log.info("filling the participants' search index from the store")
        indexed = self.search.fill()
        log.info("the search index holds %d participants", indexed)

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        """Only our settings configure the library: the process environment is not
        read, so a stray variable (``TRAJECTORIES_PERSISTENCE_MODULE``, say) cannot
        switch the store."""
        # A role that may not set up the schema finds it set up (or fails, saying so).
        create = "y" if self.manages_schema else "n"
        ours = {"IS_SNAPSHOTTING_ENABLED": "y", "CREATE_TABLE": create}
        if self.settings.aggregate_cache_size > 0:
            # A cached aggregate is fast-forwarded by the events recorded since it
            # was cached, and copied before a command changes it (a command may
            # skip the fast-forward: Writes.optimistic).
            ours["AGGREGATE_CACHE_MAXSIZE"] = str(self.settings.aggregate_cache_size)
            ours["AGGREGATE_CACHE_FASTFORWARD"] = "y"
        return Environment(name, {**ours, **(env or {})})

    def construct_factory(self, env: Environment) -> InfrastructureFactory[Any]:
        """The library's factory; on PostgreSQL its connections also carry libpq's
        parameters for a cluster of nodes (``application.cluster``)."""
        factory = super().construct_factory(env)
        cluster.configure(factory, env)
        return factory

    def construct_repository(self) -> Repository[UUID]:
        """Reads a snapshot only where the code can (``application.repository``)."""
        cache = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        return VersionedRepository(
            event_store=self.events,
            snapshot_store=self.snapshots,
            cache_maxsize=int(cache) if cache else None,
            fastforward=self.env.get(self.AGGREGATE_CACHE_FASTFORWARD, "y") == "y",
        )

    def construct_mapper(self) -> Mapper[UUID]:
        """Seals personal data before it is stored (``application.privacy``)."""
        return SealingMapper(
            self.construct_transcoder(), lambda ids: self.keyring.fetch(ids)
        )

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_domain_transcodings(transcoder)


def _owners(processing_event: ProcessingEvent[UUID]) -> dict[UUID, UUID]:
    """Whose key seals each aggregate's events in the save: a participant's own, a
    trajectory's participant's for its free text."""
    owners: dict[UUID, UUID] = {}
    for domain_event in processing_event.events:
        topic = get_topic(type(domain_event))
        if topic in PERSONAL:
            owners[domain_event.originator_id] = domain_event.originator_id
        elif topic in FREE_TEXT:
            trajectory: Any = processing_event.aggregates[domain_event.originator_id]
            owners[domain_event.originator_id] = trajectory.participant_id
    return owners
