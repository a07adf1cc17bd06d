"""The store's own tables: append-only guards, side tables, and the recorders that
write hash-chain links and idempotency records with the events. The guards and
tables are installed idempotently each time the application starts.

- ``patience``: how long a request waits for the database, retrying a lost
  connection while the database answers;
- ``schema``: setting up the schema under a lock, or only checking it;
- ``side_tables``: the small plain tables beside the stored events, and the
  append-only guards;
- ``recorders``: the recorders that write the chain links, keys, idempotency
  records and search index in each save's transaction;
- ``statistics``: the query planner's statistics of the tables, kept up with a bulk
  load.
"""

from application.storage.patience import DEFAULT_PATIENCE
from application.storage.patience import DatabaseUnavailable
from application.storage.patience import Patience
from application.storage.patience import deadline
from application.storage.patience import lost_connection
from application.storage.recorders import IDEMPOTENCY_TABLE
from application.storage.recorders import KEYS_TABLE
from application.storage.recorders import SEARCH_TABLE
from application.storage.recorders import PostgresEventRecorder
from application.storage.recorders import SQLiteEventRecorder
from application.storage.recorders import bound_patience
from application.storage.schema import SchemaNotReady
from application.storage.schema import connect
from application.storage.schema import setting_up_schema
from application.storage.side_tables import APPEND_ONLY_MESSAGE
from application.storage.side_tables import SideTables
from application.storage.side_tables import install_append_only_guard
from application.storage.statistics import PlannerStatistics

__all__ = [
    "APPEND_ONLY_MESSAGE",
    "DEFAULT_PATIENCE",
    "IDEMPOTENCY_TABLE",
    "KEYS_TABLE",
    "SEARCH_TABLE",
    "DatabaseUnavailable",
    "Patience",
    "PlannerStatistics",
    "PostgresEventRecorder",
    "SQLiteEventRecorder",
    "SchemaNotReady",
    "SideTables",
    "bound_patience",
    "connect",
    "deadline",
    "install_append_only_guard",
    "lost_connection",
    "setting_up_schema",
]
