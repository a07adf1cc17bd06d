"""The query planner's statistics of the tables a bulk load fills.

PostgreSQL plans a read of a few aggregates' events (``originator_id IN (...)``: a
search opening its candidates, an import opening whom a batch may be) by what its
statistics say of the events table. Of a table never analyzed it knows the size but
not how many rows an originator has, and takes it for half a percent of the table: a
dozen ids are then a tenth of it, and the server reads the whole table (in parallel,
with a sort after) instead of the key's index. Each such read grows with the store:
past 1.7 million events an import ran at under half its early rate, most of its time
in them. Autovacuum analyzes a table once a tenth of it changed, if it runs (it may
be off) and up to a minute late: an import writes tens of thousands of events in a
minute.

So a bulk load (a batch: the import, the demo) counts the events it stores, and every
``check_every`` of them asks the server which of the store's tables were never
analyzed, or hold ``GROWTH`` times the pages they held when last analyzed or
vacuumed, and analyzes those. A table under ``floor_pages`` is left alone: read whole,
it is read fast. One process at a time analyzes (a session's advisory lock; another
skips the check). Each table is analyzed in a transaction of its own, waiting at most
``LOCK_WAIT`` for its lock; writers of a table wait while it is analyzed. Only a role
with its owner's privileges may analyze a table: where the service runs as a role that
owns nothing (``trajectory migrate --grant-to``), it analyzes only the views' tables,
and autovacuum keeps the statistics of the stored events. A check that fails is
logged and the load goes on: what it stored is stored. SQLite needs none of it: it
takes a key's index for an equality whatever it knows of the table.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import field

import psycopg
from psycopg.rows import tuple_row

from application.storage.side_tables import SideTables

CHECK_EVERY = 20_000  # events a process stores in batches between two checks
FLOOR_PAGES = 128  # 1 MB: a smaller table is read whole fast, analyzed or not
GROWTH = 1.5  # analyzed again once it holds this many times the pages it had
LOCK_WAIT = "2s"  # the longest a table's ANALYZE waits for writers to let it in

_GROWN = (
    "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
    "WHERE s.schemaname = %s "
    "AND pg_has_role(c.relowner, 'USAGE') "  # the tables this role may analyze
    "AND pg_relation_size(c.oid) / current_setting('block_size')::int > %s "
    "AND (coalesce(s.last_analyze, s.last_autoanalyze) IS NULL "
    "OR pg_relation_size(c.oid) / current_setting('block_size')::int > "
    "c.relpages * %s) "
    "ORDER BY s.relname"
)

logger = logging.getLogger("trajectory")


@dataclass
class PlannerStatistics:
    """Keeps the statistics of the store's tables up with a bulk load."""

    tables: SideTables
    check_every: int = CHECK_EVERY
    floor_pages: int = FLOOR_PAGES
    _since_check: int = field(default=0, init=False)

    def stored(self, events: int) -> list[str]:
        """Counts events a batch stored; every ``check_every`` of them, analyzes the
        tables that outgrew their statistics. The tables it analyzed."""
        self._since_check += events
        if self._since_check < self.check_every:
            return []
        self._since_check = 0
        return self.refresh()

    def refresh(self) -> list[str]:
        """Analyzes the store's tables that outgrew their statistics (none on
        SQLite, none while another process analyzes); the tables it analyzed. A
        failure is logged, not raised."""
        if not self.tables.postgres:
            return []
        try:
            return self._refresh()
        except psycopg.Error as error:
            logger.warning("the planner's statistics were not refreshed: %s", error)
            return []

    def _refresh(self) -> list[str]:
        lock = "trajectory statistics " + self.tables.schema
        analyzed: list[str] = []
        with self.tables.connection() as connection:
            cursor = connection.cursor(row_factory=tuple_row)
            cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [lock])
            if not cursor.fetchone()[0]:
                return []
            try:
                cursor.execute(_GROWN, [self.tables.schema, self.floor_pages, GROWTH])
                for (name,) in cursor.fetchall():
                    quoted = self.tables.name('"' + str(name).replace('"', '""') + '"')
                    try:
                        with connection.transaction():
                            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
                            cursor.execute(f"ANALYZE {quoted}")
                    except psycopg.errors.LockNotAvailable:
                        continue  # busy: the next check tries again
                    analyzed.append(str(name))
            finally:
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [lock])
        return analyzed
