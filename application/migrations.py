"""The schema's versions. Version 1 is what the service's parts create for themselves
when it opens the store (each idempotently: events, snapshots, hash chains, data
keys, tokens, idempotency records, the access log and their append-only guards).
Every later change is a numbered migration, applied once and in order, and recorded
with the time it was applied in ``schema_versions`` (append-only) in the same
transaction: a store knows its version, and a release refuses a store newer than it.
The service applies what is pending each time it opens the store, under the schema
lock of ``storage.setting_up_schema``, so processes starting at once apply each
migration once; ``trajectory migrate`` does the same and reports it.
"""

from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass

from eventsourcing.persistence import IntegrityError

from application.audit.access_log import links_table
from application.storage import SEARCH_TABLE
from application.storage import SchemaNotReady
from application.storage import SideTables

VERSIONS_TABLE = "schema_versions"


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    # The statements for this store (``tables.postgres`` tells which database).
    statements: Callable[[SideTables], Sequence[str]]


def participant_search(tables: SideTables) -> list[str]:
    """The sealed search index of participants (``privacy/index.py``): keyed hashes
    by participant, with the organisation whose dossiers hold them ('' for none),
    and the record of each time the index was filled from the store."""
    table = tables.name(SEARCH_TABLE)
    if tables.postgres:
        token, participant, at = "bytea", "uuid", "timestamptz"
        now, rows_only = "now()", ""
    else:
        token, participant, at = "BLOB", "TEXT", "TEXT"
        now, rows_only = "CURRENT_TIMESTAMP", " WITHOUT ROWID"
    return [
        f"CREATE TABLE {table} (token {token} NOT NULL, "
        f"organisation text NOT NULL, participant_id {participant} NOT NULL, "
        f"PRIMARY KEY (token, organisation, participant_id)){rows_only}",
        f"CREATE INDEX {SEARCH_TABLE}_by_participant ON {table} (participant_id)",
        f"CREATE TABLE {tables.name(SEARCH_TABLE + '_filled')} ("
        f"filled_at {at} NOT NULL DEFAULT {now}, participants integer NOT NULL)",
    ]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "events, snapshots, hash chains, data keys, tokens, idempotency records "
        "and the access log, with their append-only guards",
        lambda _tables: (),  # the parts create these themselves, idempotently
    ),
    Migration(
        2,
        "the sealed search index of participants (filled from the store at the "
        "next start with the master key, or by `trajectory reindex`)",
        participant_search,
    ),
    Migration(
        3,
        "the access log's hash chain (the entries written before it are linked "
        "at the next start)",
        links_table,
    ),
)


class SchemaTooNew(RuntimeError):
    """The store was migrated by a newer release than this one."""


def latest(migrations: Sequence[Migration] | None = None) -> int:
    return max(m.version for m in migrations or MIGRATIONS)


def set_up_versions(tables: SideTables) -> None:
    """The table of applied versions; without ``manage_schema``, checks it exists."""
    timestamp = "timestamptz" if tables.postgres else "TEXT"
    now = "now()" if tables.postgres else "CURRENT_TIMESTAMP"
    tables.create(
        VERSIONS_TABLE,
        f"CREATE TABLE IF NOT EXISTS {tables.name(VERSIONS_TABLE)} ("
        "version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
        f"applied_at {timestamp} NOT NULL DEFAULT {now})",
    )
    tables.append_only(VERSIONS_TABLE)


def applied(tables: SideTables) -> list[int]:
    rows = tables.run(
        (f"SELECT version FROM {tables.name(VERSIONS_TABLE)} ORDER BY version", ()),
        commit=False,
    )
    return [int(row[0]) for row in rows]


def migrate(
    tables: SideTables, migrations: Sequence[Migration] | None = None
) -> list[Migration]:
    """Applies the pending migrations (this release's unless given) in order, each
    in one transaction with the record of it; returns those this call applied.
    Refuses a store that knows a version this release does not."""
    migrations = migrations or MIGRATIONS
    set_up_versions(tables)
    refuse_newer(tables, migrations)
    done = set(applied(tables))
    applied_now = []
    for migration in sorted(migrations, key=lambda m: m.version):
        if migration.version in done:
            continue
        try:
            with tables.transaction() as run:
                # The record first: it takes the write lock (SQLite has no
                # advisory lock), and a second process applying the same
                # migration fails here, before any of its statements.
                run(
                    f"INSERT INTO {tables.name(VERSIONS_TABLE)} "
                    "(version, description) VALUES (%s, %s)",
                    (migration.version, migration.description),
                )
                for statement in migration.statements(tables):
                    run(statement, ())
        except IntegrityError:
            if migration.version in applied(tables):
                continue  # another process applied it meanwhile
            raise  # its own statements broke a constraint: nothing was applied
        applied_now.append(migration)
    return applied_now


def check(tables: SideTables, migrations: Sequence[Migration] | None = None) -> None:
    """For a role that may not migrate: the store must be at this release's version."""
    migrations = migrations or MIGRATIONS
    set_up_versions(tables)
    refuse_newer(tables, migrations)
    missing = sorted({m.version for m in migrations} - set(applied(tables)))
    if missing:
        raise SchemaNotReady(
            f"the store lacks schema version(s) {', '.join(map(str, missing))} and "
            "this database role may not apply them: run `trajectory migrate` as the "
            "schema's owner"
        )


def refuse_newer(tables: SideTables, migrations: Sequence[Migration]) -> None:
    known = {m.version for m in migrations}
    unknown = sorted(set(applied(tables)) - known)
    if unknown:
        raise SchemaTooNew(
            f"the store's schema has version(s) {', '.join(map(str, unknown))}, which "
            f"this release does not know (it knows up to {latest(migrations)}): a "
            "newer release migrated it; run that release, or restore the backup "
            "taken before the upgrade"
        )
