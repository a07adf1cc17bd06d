"""Keeps stored events and snapshots append-only, whatever the code above does.

Installed idempotently each time the application starts.
"""

from eventsourcing.persistence import Recorder
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder

APPEND_ONLY_MESSAGE = "stored events are append-only"


def install_append_only_guard(*recorders: Recorder) -> None:
    for recorder in recorders:
        if isinstance(recorder, PostgresAggregateRecorder):
            _guard_postgres(recorder)
        elif isinstance(recorder, SQLiteAggregateRecorder):
            _guard_sqlite(recorder)


def _guard_postgres(recorder: PostgresAggregateRecorder) -> None:
    schema = recorder.datastore.schema
    name = recorder.events_table_name
    table = f'"{schema}"."{name}"'
    function = f'"{schema}"."refuse_change_to_stored_events"'
    statements = [
        # Serialises concurrent start-ups installing the same trigger.
        "SELECT pg_advisory_xact_lock(hashtext('trajectory append-only guard'))",
        f"""
        CREATE OR REPLACE FUNCTION {function}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}: % refused on %',
                TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """,
        f"""
        CREATE OR REPLACE TRIGGER {name}_refuse_update_delete
        BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {function}()
        """,
        f"""
        CREATE OR REPLACE TRIGGER {name}_refuse_truncate
        BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION {function}()
        """,
    ]
    with recorder.datastore.transaction(commit=True) as cursor:
        for statement in statements:
            cursor.execute(statement.encode())


def _guard_sqlite(recorder: SQLiteAggregateRecorder) -> None:
    table = recorder.events_table_name
    with recorder.datastore.transaction(commit=True) as cursor:
        for operation in ("UPDATE", "DELETE"):
            cursor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_refuse_{operation.lower()} "
                f"BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}: "
                f"{operation} refused'); END"
            )
