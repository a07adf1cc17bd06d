"""Keeps the stored events append-only, whatever the code above the database does.

Installed idempotently each time the application starts.
"""

from eventsourcing.persistence import Recorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

APPEND_ONLY_MESSAGE = "stored events are append-only"


def install_append_only_guard(recorder: Recorder) -> None:
    if isinstance(recorder, PostgresApplicationRecorder):
        _guard_postgres(recorder)
    elif isinstance(recorder, SQLiteApplicationRecorder):
        _guard_sqlite(recorder)


def _guard_postgres(recorder: PostgresApplicationRecorder) -> None:
    schema = recorder.datastore.schema
    table = f'"{schema}"."{recorder.events_table_name}"'
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
        CREATE OR REPLACE TRIGGER stored_events_refuse_update_delete
        BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {function}()
        """,
        f"""
        CREATE OR REPLACE TRIGGER stored_events_refuse_truncate
        BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION {function}()
        """,
    ]
    with recorder.datastore.transaction(commit=True) as cursor:
        for statement in statements:
            cursor.execute(statement.encode())


def _guard_sqlite(recorder: SQLiteApplicationRecorder) -> None:
    table = recorder.events_table_name
    with recorder.datastore.transaction(commit=True) as cursor:
        for operation in ("UPDATE", "DELETE"):
            cursor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_refuse_{operation.lower()} "
                f"BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}: "
                f"{operation} refused'); END"
            )
