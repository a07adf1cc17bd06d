"""Whether the service's database role can get past the append-only triggers
without disabling them: ``SET session_replication_role = replica`` stops every
ordinary trigger from firing in that session, while the triggers stay enabled (so a
check of ``pg_trigger.tgenabled`` still passes). Only a superuser, or (PostgreSQL
15 and later) a role granted SET on the parameter, can do it. The hash chains and a
kept seal still show any row changed that way; this is said at start-up so that an
operator runs the service as a role that cannot.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

Run = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]


def replica_role_bypass(run: Run) -> str | None:
    """A warning naming how the current role can bypass the triggers, or None.
    ``run(sql, params)`` runs a statement on PostgreSQL and gives its rows."""
    [(role, superuser, version)] = run(
        "SELECT current_user, rolsuper, current_setting('server_version_num')::int "
        "FROM pg_roles WHERE rolname = current_user",
        (),
    )
    granted = False
    if not superuser and version >= 150000:
        [(granted,)] = run(
            "SELECT has_parameter_privilege(current_user, "
            "'session_replication_role', 'SET')",
            (),
        )
    if not (superuser or granted):
        return None
    how = "is a superuser" if superuser else "may set session_replication_role"
    return (
        f"the database role {role} {how}: with SET session_replication_role = "
        "replica it can change or delete stored events and access log entries "
        "without the append-only triggers firing (verify still finds it by the hash "
        "chains); run the service as a role that owns nothing and is no superuser "
        "(trajectory migrate --grant-to ROLE)"
    )
