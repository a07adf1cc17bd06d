"""Connections to a highly available PostgreSQL: a primary and its standbys, run by
Patroni, reached through one libpq multi-host URL.

``TRAJECTORY_DATABASE_URL`` may name every node of the cluster:

    postgresql://trajectory:PW@pg1:5432,pg2:5432,pg3:5432/trajectory

libpq tries the hosts in turn and keeps the first whose session is read-write (the
primary; ``target_session_attrs=read-write`` is the default for several hosts). A
connection lost in a failover is replaced by the pool with one to the node that is
primary then, so nothing in the service needs to know which node that is.

The library passes only host, port, database, user and password to libpq; the rest
is added to its pool here (``configure``), and to the few connections the service
opens outside the pool (``connection_options``):

- the URL's ``target_session_attrs``, ``load_balance_hosts`` and ``sslmode``;
- ``connect_timeout`` per host, so a host that does not answer (a machine that
  died) is given up after the store's connect timeout and the next one tried;
- TCP keepalives and a user timeout, so a connection to a machine that died is
  found broken within about 25 seconds, not the kernel's 15 minutes of retries.

What no connection setting catches: a primary cut off from the cluster whose
Patroni was killed keeps running as a primary, and a commit on it waits for a
synchronous standby that follows another primary now, for ever. A statement
timeout would not help (a cancelled wait for the standby reports the commit as
done, with a warning), so it is not used. Patroni's watchdog (a node that loses its
leader key is reset before the standby is promoted) is the answer in production;
see docs/operators/high-availability.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.postgres import PostgresFactory

from application.settings import LIBPQ_QUERY

KEEPALIVES: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,  # milliseconds
}


def connection_options(library_env: Mapping[str, str]) -> dict[str, Any]:
    """libpq's parameters beyond the five the library passes, for the database that
    ``library_env`` (``Settings.library_env`` or ``standby_env``) names."""
    options = dict(KEEPALIVES)
    options["connect_timeout"] = int(library_env.get("POSTGRES_CONNECT_TIMEOUT") or 2)
    for parameter, key in LIBPQ_QUERY.items():
        value = library_env.get(key)
        if value:
            options[parameter] = value
    return options


def configure(factory: InfrastructureFactory[Any], env: Mapping[str, str]) -> None:
    """Gives the connections of a PostgreSQL factory's pool ``connection_options``
    (before the pool opens: every connection it makes has them)."""
    if isinstance(factory, PostgresFactory):
        kwargs = factory.datastore.pool.kwargs
        assert isinstance(kwargs, dict), kwargs  # the library gives a dict
        kwargs.update(connection_options(env))
