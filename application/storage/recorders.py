"""The recorders: the library's, also writing in the events' transaction their
links in the hash chains, idempotency records, participants' data keys and the
sealed search index's rows; and their calls put under the store's patience."""

import contextlib
import functools
import threading
from collections.abc import Callable
from collections.abc import Sequence
from typing import Any
from typing import TypeVar

import psycopg
from eventsourcing.persistence import Recorder
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.sqlite import SQLiteCursor
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL
from psycopg.sql import Identifier

from application.audit.stores import PostgresChains
from application.audit.stores import SQLiteChains
from application.storage.patience import DEFAULT_PATIENCE
from application.storage.patience import RECONNECT_SECONDS
from application.storage.patience import DatabaseUnavailable
from application.storage.patience import Patience
from application.storage.patience import lost_connection
from application.storage.patience import ping_of

T = TypeVar("T")

IDEMPOTENCY_TABLE = "idempotency_records"
KEYS_TABLE = "participant_keys"
SEARCH_TABLE = "participant_search"  # the sealed search index (privacy/index.py)


def _idempotency_insert(table: str) -> str:
    return (
        f"INSERT INTO {table} (scope, key, fingerprint, aggregate_id, version) "
        "VALUES (%s, %s, %s, %s, %s)"
    )


def _side_writes(prefix: str, kwargs: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    """The statements a save adds to its events' transaction, each with its rows:
    ``idempotency=[IdempotencyRecord, ...]``; ``data_keys=[NewDataKey, ...]``, the
    data keys of the participants it registers; ``shred=[participant_id, ...]``, whose
    data keys (and rows in the search index) it deletes as it records their erasure;
    ``forget=[aggregate_id, ...]``, whose idempotency records it deletes with them;
    ``search_drop=[participant_id, ...]`` and ``search_rows=[(token, organisation,
    participant_id), ...]``, the search index's rows of the participants whose
    details it records, replaced."""
    writes: list[tuple[str, list[Any]]] = []
    if records := kwargs.get("idempotency"):
        table = prefix + IDEMPOTENCY_TABLE
        writes.append((_idempotency_insert(table), [r.row() for r in records]))
    if data_keys := kwargs.get("data_keys"):
        insert = (
            f"INSERT INTO {prefix}{KEYS_TABLE} (participant_id, wrapped, master_key) "
            "VALUES (%s, %s, %s) ON CONFLICT (participant_id) DO NOTHING"
        )
        writes.append((insert, [new_key.row() for new_key in data_keys]))
    if shred := kwargs.get("shred"):
        delete = f"DELETE FROM {prefix}{KEYS_TABLE} WHERE participant_id = %s"
        writes.append((delete, [(str(i),) for i in shred]))
    if forget := kwargs.get("forget"):
        delete = f"DELETE FROM {prefix}{IDEMPOTENCY_TABLE} WHERE aggregate_id = %s"
        writes.append((delete, [(str(i),) for i in forget]))
    if dropped := [*kwargs.get("shred", ()), *kwargs.get("search_drop", ())]:
        delete = f"DELETE FROM {prefix}{SEARCH_TABLE} WHERE participant_id = %s"
        writes.append((delete, [(str(i),) for i in dict.fromkeys(dropped)]))
    if search_rows := kwargs.get("search_rows"):
        insert = (
            f"INSERT INTO {prefix}{SEARCH_TABLE} (token, organisation, participant_id) "
            "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING"
        )
        writes.append((insert, search_rows))
    return writes


class PostgresEventRecorder(PostgresApplicationRecorder):
    """The library's recorder, also writing in the same transaction as the events
    their links in the hash chains, and what ``_side_writes`` lists: so an answer is
    stored if and only if the events it answers for are, a participant's data key if
    and only if their registration is, and an erasure with its key's deletion."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.datastore.enable_db_functions:  # that path skips _insert_events
            raise ValueError(
                "hash chains and idempotency records need "
                "POSTGRES_ENABLE_DB_FUNCTIONS off"
            )
        self.chains = PostgresChains(self)
        self.patience = Patience(DEFAULT_PATIENCE, ping_of(self.datastore))
        self._saving = threading.local()  # the heads cursor of this thread's save
        # The library's insert, with the events sent in binary: psycopg escapes a
        # text array of composites in Python, a third of a batch's cost to store.
        self.insert_events_statement = SQL(
            "INSERT INTO {schema}.{table} AS t ("
            "originator_id, originator_version, topic, state) "
            "SELECT originator_id, originator_version, topic, state "
            "FROM unnest(%b::{schema}.{stored_event_type}[]) "
            "RETURNING notification_id"
        ).format(
            schema=Identifier(self.datastore.schema),
            table=Identifier(self.events_table_name),
            stored_event_type=Identifier(self.stored_event_type_name),
        )

    def create_table(self) -> None:
        super().create_table()
        self.chains.set_up()

    # Reads and writes under the store's patience (see ``Patience``) -----------------

    def select_events(self, *args: Any, **kwargs: Any) -> Any:
        plain = PostgresAggregateRecorder.select_events.__wrapped__
        return self.patience.run(lambda: plain(self, *args, **kwargs))

    def select_notifications(self, *args: Any, **kwargs: Any) -> Any:
        plain = PostgresApplicationRecorder.select_notifications.__wrapped__
        return self.patience.run(lambda: plain(self, *args, **kwargs))

    def max_notification_id(self) -> int | None:
        plain = PostgresApplicationRecorder.max_notification_id.__wrapped__
        return self.patience.run(lambda: plain(self))  # type: ignore[no-any-return]

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Stores the events and what ``_side_writes`` lists in one transaction, or
        nothing: any exception before the commit rolls it back. A lost connection
        before the commit is retried under the store's patience (nothing of the
        attempt was stored); one during the commit is ``DatabaseUnavailable`` with
        ``committed_unknown``, never retried."""
        return self.patience.run(lambda: self._insert_once(stored_events, kwargs))

    def _insert_once(
        self, stored_events: Sequence[StoredEvent], kwargs: dict[str, Any]
    ) -> Sequence[int] | None:
        # The library's own insert commits after any exception in its block, counting
        # on a failed statement to have aborted the transaction: a Python error in
        # the linking then committed the events while the caller was told the save
        # failed. And when the server's answer to a failed statement was read
        # before the pipeline's sync, the statements queued after it came back as
        # "pipeline aborted" at the commit, an OperationalError that replaced the
        # conflict: a whole group commit was answered 503. Here the first failure is
        # the one raised, and it rolls the transaction back.
        failure: BaseException | None = None
        ids: Sequence[int] | None = None
        with self.datastore.get_connection() as conn:
            try:
                with conn.pipeline() as pipeline, conn.transaction():
                    try:
                        with conn.cursor() as curs:
                            self._insert_events(curs, stored_events, **kwargs)
                        if stored_events:
                            with conn.cursor() as curs:
                                ids = self._insert_and_link(
                                    pipeline, curs, stored_events, kwargs
                                )
                    except BaseException as error:
                        failure = error
                        self._forget_heads()
                        # Collect what the failure left in the pipeline, so that
                        # the rollback is answered cleanly.
                        with contextlib.suppress(psycopg.Error):
                            pipeline.sync()
                        raise
            except BaseException as raised:
                if failure is not None:
                    raise failure from None
                # The commit (or what travelled with it) failed. A statement the
                # server refused aborted the transaction: not stored. A lost
                # connection leaves it unknown.
                if lost_connection(raised):
                    raise DatabaseUnavailable(
                        "the database went away while the save committed: whether "
                        "it was stored is not known",
                        committed_unknown=True,
                    ) from raised
                raise
        return ids

    def _insert_and_link(
        self,
        pipeline: Any,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        kwargs: dict[str, Any],
    ) -> Sequence[int] | None:
        self._insert_stored_events(curs, stored_events, **kwargs)
        # Sync now, so a conflict is raised here, before the links are computed.
        pipeline.sync()
        return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    def _forget_heads(self) -> None:
        heads = getattr(self._saving, "heads", None)
        self._saving.heads = None
        if heads is not None:
            with contextlib.suppress(Exception):
                heads.close()

    def _insert_stored_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,
    ) -> None:
        super()._insert_stored_events(curs, stored_events, **kwargs)  # locks first
        self._forget_heads()  # of a save that failed
        self._saving.heads = self.chains.ask_heads(curs.connection, stored_events)

    def _fetch_ids_after_insert_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,
    ) -> Sequence[int] | None:
        """The events are inserted, under the table lock, without a conflict: link
        them to the heads read under that lock."""
        positions = super()._fetch_ids_after_insert_events(
            curs, stored_events, **kwargs
        )
        heads, self._saving.heads = self._saving.heads, None
        try:
            self.chains.link(heads, stored_events)
        finally:
            heads.close()
        return positions

    def _insert_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,
    ) -> None:
        schema = self.datastore.schema
        for sql, rows in _side_writes(f'"{schema}".' if schema else "", kwargs):
            curs.executemany(sql.encode(), rows)
        super()._insert_events(curs, stored_events, **kwargs)


class SQLiteEventRecorder(SQLiteApplicationRecorder):
    """As ``PostgresEventRecorder``, on SQLite."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chains = SQLiteChains(self)

    def create_table(self) -> None:
        super().create_table()
        self.chains.set_up()

    def _insert_events(
        self,
        c: SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,
    ) -> Sequence[int] | None:
        if kwargs.get("shred"):
            # Deleted rows are overwritten with zeros, not left in free pages.
            c.execute("PRAGMA secure_delete = ON")
        for sql, rows in _side_writes("", kwargs):
            c.executemany(sql.replace("%s", "?"), rows)
        positions = super()._insert_events(c, stored_events, **kwargs)
        self.chains.write(c, stored_events)
        return positions


# The library's reading methods that retry for long; bounded here.
READS = ("select_events", "select_notifications", "max_notification_id")


def bound_patience(*recorders: Recorder, seconds: float = DEFAULT_PATIENCE) -> None:
    """Puts the recorders' calls on the request path under a ``Patience`` of
    ``seconds``: the project's recorders take it as theirs; the library's (the
    snapshots') get their reading and writing methods wrapped. On PostgreSQL, the
    pool gives a lost connection up after ``RECONNECT_SECONDS``."""
    for recorder in recorders:
        if not isinstance(recorder, PostgresAggregateRecorder):
            continue  # SQLite: a file, never unreachable
        patience = Patience(seconds, ping_of(recorder.datastore))
        pool: Any = recorder.datastore.pool
        pool.reconnect_timeout = RECONNECT_SECONDS
        if isinstance(recorder, PostgresEventRecorder):
            recorder.patience = patience
            continue
        for name in (*READS, "insert_events"):
            method = getattr(type(recorder), name, None)
            plain = getattr(method, "__wrapped__", None)  # under the library's retry
            if plain is not None:
                bound = functools.partial(plain, recorder)
                setattr(recorder, name, _patient(patience, bound))


def _patient(patience: Patience, call: Callable[..., T]) -> Callable[..., T]:
    def patient(*args: Any, **kwargs: Any) -> T:
        return patience.run(lambda: call(*args, **kwargs))

    return patient
