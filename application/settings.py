"""One place for configuration: ``TRAJECTORY_*`` environment variables."""

from pathlib import Path
from typing import Literal
from urllib.parse import SplitResult
from urllib.parse import parse_qs
from urllib.parse import unquote
from urllib.parse import urlsplit

from pydantic import Field
from pydantic import SecretStr
from pydantic_settings import BaseSettings
from pydantic_settings import SettingsConfigDict

RECORDERS = "application.storage.recorders"  # the library's, writing idempotency too


class UnsupportedDatabaseURL(ValueError):
    pass


# The libpq parameters a PostgreSQL URL may carry in its query (besides ``schema``),
# as the keys of the library's env that carry them on (``application.cluster``).
LIBPQ_QUERY = {
    "target_session_attrs": "POSTGRES_TARGET_SESSION_ATTRS",
    "load_balance_hosts": "POSTGRES_LOAD_BALANCE_HOSTS",
    "sslmode": "POSTGRES_SSLMODE",
}
SESSION_ATTRS = (
    "any",
    "read-write",
    "read-only",
    "primary",
    "standby",
    "prefer-standby",
)
WRITABLE_ATTRS = ("read-write", "primary")
STANDBY_ATTRS = ("standby", "prefer-standby", "read-only", "any")


class SettingsProblems(ValueError):
    """Settings that cannot run together, each named with what to do about it."""

    def __init__(self, heading: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join([heading, *(f"  - {p}" for p in problems)]))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRAJECTORY_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/trajectory.db",
        description="sqlite:///PATH or postgresql://USER[:PASSWORD]@HOST[:PORT]/DB"
        "[?schema=SCHEMA]",
    )
    env: Literal["development", "production"] = Field(
        default="development",
        description="production: PostgreSQL, a configured master key, no demo data "
        "or development tokens, no docs page unless TRAJECTORY_DOCS, JSON logs",
    )
    allow_sqlite: bool = Field(
        default=False,
        description="let production run on SQLite (one machine, one writer)",
    )
    master_key: SecretStr | None = Field(
        default=None,
        description="the master key that wraps each participant's data key: 32 random "
        "bytes in base64 (`trajectory keygen` makes one)",
    )
    master_key_file: Path | None = Field(
        default=None,
        description="a file holding the master key instead (in development, "
        "var/master.key is made and used when neither is set)",
    )
    previous_master_key: SecretStr | None = Field(
        default=None,
        description="while rotating: the master key being replaced, so that data keys "
        "it wrapped still open until `trajectory rotate-master-key` re-wraps them",
    )
    previous_master_key_file: Path | None = Field(
        default=None, description="a file holding the previous master key instead"
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(
        default=1,
        ge=1,
        description="API processes (uvicorn workers); more than one needs the views "
        "fed by `trajectory project`",
    )
    shutdown_timeout: int = Field(
        default=30,
        ge=0,
        description="seconds a stopping server gives requests in flight to finish",
    )
    docs: bool | None = Field(
        default=None,
        description="serve the API docs at /docs and /openapi.json (default: in "
        "development only)",
    )
    log_format: Literal["json", "text"] | None = Field(
        default=None,
        description="json: one JSON object per line (default in production); text",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    demo: bool = Field(default=False, description="load demo data on first start")
    demo_trajectories: int = 300
    snapshot_interval: int = Field(default=50, ge=2)
    run_projections: bool = Field(
        default=True,
        description="feed the views inside `trajectory serve` (off when a separate "
        "`trajectory project` process does it)",
    )
    max_body_bytes: int = Field(
        default=256 * 1024, ge=1024, description="larger request bodies get 413"
    )
    group_commit: bool = Field(
        default=True,
        description="commit the writes of concurrent requests in shared transactions",
    )
    aggregate_cache_size: int = Field(
        default=10_000,
        ge=0,
        description="aggregates kept in memory between requests (0: none); a read "
        "fetches the events recorded since, and a command that starts from the "
        "copy this process saved last is refused by the store if another process "
        "wrote meanwhile, and runs again on what it holds",
    )
    database_timeout: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="seconds a request waits for a database it cannot reach before "
        "it is answered 503 with Retry-After (a lost connection is retried meanwhile "
        "while the database answers a ping)",
    )
    postgres_pool_size: int = 5
    postgres_max_overflow: int = 10
    standby_url: str | None = Field(
        default=None,
        description="read the heavy reads (outcomes, the caseload and trajectory "
        "lists, replays, verification) from a standby of the same database: "
        "postgresql://USER[:PASSWORD]@HOST:PORT[,HOST:PORT...]/DB"
        "?target_session_attrs=prefer-standby (or standby); unset: all on the primary",
    )
    standby_max_wait: float = Field(
        default=0.5,
        ge=0,
        le=30,
        description="seconds a read waits for the standby to have replayed every "
        "commit the primary had when the read began (the caller's own writes "
        "among them); longer, and it reads the primary",
    )
    standby_skip_for: float = Field(
        default=10.0,
        ge=0,
        le=3600,
        description="seconds a standby that fell behind, or could not be reached, "
        "is skipped (reads go to the primary meanwhile)",
    )

    def library_env(self) -> dict[str, str]:
        """The library's settings for this database, to pass as ``env=``."""
        url = urlsplit(self.database_url)
        if url.scheme == "sqlite":
            path = unquote(url.path[1:] if url.path.startswith("/") else url.path)
            if not path:
                raise UnsupportedDatabaseURL(
                    f"{self.database_url!r} names no SQLite file (sqlite:///var/x.db)"
                )
            if path == ":memory:":
                path = "file::memory:?mode=memory&cache=shared"
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "APPLICATION_RECORDER_TOPIC": f"{RECORDERS}:SQLiteEventRecorder",
                "SQLITE_DBNAME": path,
                "SQLITE_LOCK_TIMEOUT": "10",
            }
        if url.scheme in ("postgresql", "postgres"):
            schema = parse_qs(url.query).get("schema", [""])[0]
            connection = postgres_connection(url, "TRAJECTORY_DATABASE_URL")
            attrs = connection.get("POSTGRES_TARGET_SESSION_ATTRS", "")
            single = "," not in connection["POSTGRES_HOST"]
            if (
                attrs
                and attrs not in WRITABLE_ATTRS
                and not (single and attrs == "any")
            ):
                raise UnsupportedDatabaseURL(
                    f"TRAJECTORY_DATABASE_URL asks for target_session_attrs={attrs}, "
                    "which may find a standby: the store is written on the primary "
                    "(read-write); name a standby in TRAJECTORY_STANDBY_URL instead"
                )
            return {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "APPLICATION_RECORDER_TOPIC": f"{RECORDERS}:PostgresEventRecorder",
                **connection,
                "POSTGRES_SCHEMA": schema,
                "POSTGRES_POOL_SIZE": str(self.postgres_pool_size),
                "POSTGRES_MAX_OVERFLOW": str(self.postgres_max_overflow),
                "POSTGRES_CONNECT_TIMEOUT": "2",
                "POSTGRES_LOCK_TIMEOUT": "5",
            }
        raise UnsupportedDatabaseURL(
            f"TRAJECTORY_DATABASE_URL {self.database_url!r} is neither sqlite:/// "
            "nor postgresql://"
        )

    def standby_env(self) -> dict[str, str] | None:
        """The connection settings of the standby endpoint (as ``library_env``
        gives the primary's), or None when reads are not routed to a standby."""
        if not self.standby_url:
            return None
        url = urlsplit(self.standby_url)
        if url.scheme not in ("postgresql", "postgres"):
            raise UnsupportedDatabaseURL(
                f"TRAJECTORY_STANDBY_URL {self.safe_standby_url!r} is not postgresql://"
            )
        connection = postgres_connection(
            url, "TRAJECTORY_STANDBY_URL", cluster_attrs="prefer-standby"
        )
        attrs = connection.setdefault("POSTGRES_TARGET_SESSION_ATTRS", "prefer-standby")
        if attrs not in STANDBY_ATTRS:
            raise UnsupportedDatabaseURL(
                f"TRAJECTORY_STANDBY_URL asks for target_session_attrs={attrs}: a "
                f"standby endpoint takes one of {', '.join(STANDBY_ATTRS)} "
                "(prefer-standby reads the primary when no standby answers)"
            )
        return connection

    def create_folders(self) -> None:
        """Creates the folder of a SQLite file, so a fresh checkout just runs."""
        dbname = self.library_env().get("SQLITE_DBNAME", "")
        if dbname and not dbname.startswith("file:"):
            Path(dbname).parent.mkdir(parents=True, exist_ok=True)

    @property
    def safe_database_url(self) -> str:
        """The database URL with any password masked, for messages and logs."""
        return _masked(self.database_url)

    @property
    def safe_standby_url(self) -> str:
        """The standby URL with any password masked."""
        return _masked(self.standby_url or "")

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def serves_docs(self) -> bool:
        return self.docs if self.docs is not None else not self.production

    @property
    def logs_json(self) -> bool:
        if self.log_format is not None:
            return self.log_format == "json"
        return self.production

    def check(self, *, master_key: bool = True) -> None:
        """Raises SettingsProblems naming every setting production refuses (all at
        once, so one restart fixes them); ``master_key=False`` for work that opens
        nothing personal (setting up the schema)."""
        if not self.production:
            return
        problems = []
        if not self.is_postgres and not self.allow_sqlite:
            problems.append(
                "TRAJECTORY_DATABASE_URL: production stores events in PostgreSQL "
                f"(postgresql://USER:PASSWORD@HOST:PORT/DB), not {self.database_url}; "
                "set TRAJECTORY_ALLOW_SQLITE=true to run on SQLite all the same"
            )
        key = self.master_key.get_secret_value() if self.master_key else ""
        if master_key and not key.strip() and self.master_key_file is None:
            problems.append(
                "TRAJECTORY_MASTER_KEY (or TRAJECTORY_MASTER_KEY_FILE): production "
                "needs the master key that wraps participants' data keys; "
                "`trajectory keygen` makes one"
            )
        if self.demo:
            problems.append(
                "TRAJECTORY_DEMO: production loads no demo data and makes no "
                "development tokens; unset it (tokens come from `trajectory token "
                "create`)"
            )
        if problems:
            raise SettingsProblems(
                "TRAJECTORY_ENV=production refuses these settings:", problems
            )

    @property
    def is_postgres(self) -> bool:
        return self.library_env()["PERSISTENCE_MODULE"] == "eventsourcing.postgres"


def _masked(database_url: str) -> str:
    url = urlsplit(database_url)
    if not url.password:
        return database_url
    netloc = url.netloc.replace(f":{url.password}@", ":***@", 1)
    return url._replace(netloc=netloc).geturl()


def postgres_connection(
    url: SplitResult, setting: str, *, cluster_attrs: str = "read-write"
) -> dict[str, str]:
    """The library's connection settings for a PostgreSQL URL: one host, or a
    cluster's hosts (``HOST:PORT,HOST:PORT``, which libpq tries in turn), and the
    libpq parameters of ``LIBPQ_QUERY`` given in its query. A cluster's sessions
    are ``cluster_attrs`` unless the URL says otherwise."""
    hosts, ports = [], []
    for part in url.netloc.rpartition("@")[2].split(","):
        host, port = _host_and_port(part, setting)
        hosts.append(host)
        ports.append(port)
    connection = {
        "POSTGRES_DBNAME": unquote(url.path.lstrip("/")) or "postgres",
        "POSTGRES_HOST": ",".join(hosts),
        "POSTGRES_PORT": ",".join(ports),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
    }
    query = parse_qs(url.query)
    for name, key in LIBPQ_QUERY.items():
        if name in query:
            connection[key] = query[name][-1]
    attrs = connection.get("POSTGRES_TARGET_SESSION_ATTRS")
    if attrs is not None and attrs not in SESSION_ATTRS:
        raise UnsupportedDatabaseURL(
            f"{setting}: target_session_attrs={attrs} is none of "
            f"{', '.join(SESSION_ATTRS)}"
        )
    if len(hosts) > 1:
        connection.setdefault("POSTGRES_TARGET_SESSION_ATTRS", cluster_attrs)
    return connection


def _host_and_port(part: str, setting: str) -> tuple[str, str]:
    if part.startswith("["):  # [IPv6]:PORT
        host, _, rest = part[1:].partition("]")
        port = rest.removeprefix(":")
    else:
        host, _, port = part.partition(":")
    if not port:
        port = "5432"
    if not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
        raise UnsupportedDatabaseURL(f"{setting}: {part!r} has no valid port")
    return host or "127.0.0.1", port
