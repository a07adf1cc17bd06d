"""The query planner's statistics of the tables a bulk load fills.

PostgreSQL plans a read of a few aggregates' events (``originator_id IN (...)``: a
search opening its candidates, an import opening whom a batch may be) by what its
statistics say of the events table. Of a table never analyzed it knows the size but
not how many rows an originator has, and takes it for half a percent of the table: a
dozen ids are then a tenth of it, and the server reads the whole table (in parallel,
with a sort after) instead of the key's index. Each such read grows with the store:
at 2 million events an import spent most of its time in them, at a third of its
early rate. Autovacuum analyzes a table once a tenth of it changed, if it runs (it may
be off) and up to a minute late: an import writes tens of thousands of events in a
minute.

So a bulk load (a batch: the import, the demo) counts the events it stores, and every
``check_every`` of them asks the server which of the store's tables outgrew what
their statistics say by half, or were never analyzed, and analyzes those. A table
under ``floor_pages`` is left alone: read whole, it is read fast. One process at a
time analyzes (an advisory lock; another skips). Only a table's owner may analyze it:
where the service runs as a role that owns nothing (``trajectory migrate
--grant-to``), it analyzes only the views' tables, and autovacuum keeps the
statistics of the stored events. SQLite needs none of it: it takes a key's index for
an equality whatever it knows of the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from application.storage.side_tables import SideTables

CHECK_EVERY = 20_000  # events a process stores in batches between two checks
FLOOR_PAGES = 128  # 1 MB: a smaller table is read whole fast, analyzed or not
GROWTH = 1.5  # analyzed again once it holds this many times the pages it had

_GROWN = (
    "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
    "WHERE s.schemaname = coalesce(nullif(%s, ''), current_schema()) "
    "AND pg_has_role(c.relowner, 'MEMBER') "  # the tables this role may analyze
    "AND pg_relation_size(c.oid) / current_setting('block_size')::int > %s "
    "AND (coalesce(s.last_analyze, s.last_autoanalyze) IS NULL "
    "OR pg_relation_size(c.oid) / current_setting('block_size')::int > "
    "c.relpages * %s) "
    "ORDER BY s.relname"
)


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
        SQLite, none while another process analyzes); the tables it analyzed."""
        if not self.tables.postgres:
            return []
        with self.tables.transaction() as run:
            lock = "trajectory statistics " + self.tables.schema
            ((ours,),) = run("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [lock])
            if not ours:
                return []
            grown = [
                str(name)
                for (name,) in run(
                    _GROWN, [self.tables.schema, self.floor_pages, GROWTH]
                )
            ]
            for name in grown:
                quoted = '"' + name.replace('"', '""') + '"'
                run(f"ANALYZE {self.tables.name(quoted)}", [])
        return grown
