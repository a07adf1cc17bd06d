"""How long a request waits for the database.

The library retries a lost connection ten times, each time waiting up to the pool's
timeout for a connection: through an outage a request hung for tens of seconds.
Here every call on the store's request path runs under a ``Patience``: a failure
to reach the database is retried only while the database answers a ping of its
own (a restarted server leaves dead connections in the pool: each fails at once)
and only until the request's deadline; then it is ``DatabaseUnavailable`` (503).
The connections themselves are the library's pool's, configured by the library's
settings (``Settings.library_env``); ``recorders.bound_patience`` changes only how
long the pool keeps retrying a lost connection in the background.
"""

import logging
import math
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from typing import TypeVar

import psycopg
from eventsourcing.persistence import InterfaceError
from eventsourcing.persistence import OperationalError
from eventsourcing.postgres import PostgresDatastore

log = logging.getLogger("trajectory.storage")
T = TypeVar("T")

DEFAULT_PATIENCE = 5.0  # seconds: Settings.database_timeout
PING_TIMEOUT = 2  # seconds a ping waits to connect (libpq's least)
FIRST_PAUSE, LONGEST_PAUSE = 0.05, 0.5  # between attempts while the server answers
# How long the pool keeps retrying, in the background, a connection it lost, before
# it gives the slot up and opens a new connection when one is next asked for. The
# library leaves psycopg_pool's 5 minutes, whose backoff doubles up to 2.5 minutes
# between attempts: after a long outage the first connection came long after the
# server was back. With 2 s the next request finds the server within 2 s.
RECONNECT_SECONDS = 2.0

_deadline = threading.local()


class DatabaseUnavailable(OperationalError):
    """The database could not be reached in the time a request waits for it, or
    went away while a save committed (``committed_unknown``: whether it was stored
    is not known; a retry with the same idempotency key is answered truthfully)."""

    def __init__(self, message: str, *, committed_unknown: bool = False) -> None:
        super().__init__(message)
        self.committed_unknown = committed_unknown


@contextmanager
def deadline(at: float) -> Iterator[None]:
    """Calls under ``Patience`` in this block give up at ``at`` (monotonic time)
    if their own patience runs out later: the group commit passes on the earliest
    deadline of the saves it writes together."""
    outer = getattr(_deadline, "at", math.inf)
    _deadline.at = min(outer, at)
    try:
        yield
    finally:
        _deadline.at = outer


def lost_connection(error: BaseException) -> bool:
    """Whether the database could not be talked to (a refused or lost connection, no
    connection from the pool in time), as opposed to an answer it gave (a lock
    timeout, a deadlock, a constraint): only the first is worth a retry."""
    if isinstance(error, DatabaseUnavailable):
        return False
    cause = error.__cause__ if error.__cause__ is not None else error
    if isinstance(cause, psycopg.Error):
        # No code: the client's own (refused, lost, pool timeout); class 08 and
        # 57P0x: the connection failed, or the server is stopping or starting.
        code = cause.sqlstate
        return code is None or code.startswith(("08", "57P0"))
    return isinstance(error, InterfaceError | OperationalError)


class Patience:
    """Runs a call on the database, retrying a lost connection while the database
    answers a ping, for at most ``seconds`` (or the ``deadline`` in force)."""

    def __init__(self, seconds: float, ping: Callable[[], None] | None) -> None:
        self.seconds = seconds
        self.ping = ping

    def reachable(self) -> bool:
        if self.ping is None:
            return True
        try:
            self.ping()
        except Exception:  # any failure to reach the database
            return False
        return True

    def run(self, call: Callable[[], T]) -> T:
        started = time.monotonic()
        give_up = min(started + self.seconds, getattr(_deadline, "at", math.inf))
        pause = FIRST_PAUSE
        while True:
            try:
                return call()
            except (InterfaceError, OperationalError) as error:
                if not lost_connection(error):
                    raise
                if time.monotonic() + pause >= give_up:
                    raise DatabaseUnavailable(
                        f"the database did not answer within {self.seconds:g} s: "
                        f"{error}"
                    ) from error
                if not self.reachable():
                    raise DatabaseUnavailable(
                        f"the database cannot be reached: {error}"
                    ) from error
                log.info("retrying after a lost connection: %s", error)
                time.sleep(pause)
                pause = min(pause * 2, LONGEST_PAUSE)


def ping_of(datastore: PostgresDatastore) -> Callable[[], None]:
    """A ping on a connection of its own, outside the pool: a refused connection
    fails at once, where the pool would wait for its timeout."""
    pool: Any = datastore.pool

    def ping() -> None:
        settings = pool.kwargs if isinstance(pool.kwargs, dict) else {}
        options = {k: v for k, v in settings.items() if k != "row_factory"}
        with psycopg.connect(
            pool.conninfo or "",
            **{**options, "connect_timeout": PING_TIMEOUT, "autocommit": True},
        ) as connection:
            connection.execute(b"SELECT 1")

    return ping
