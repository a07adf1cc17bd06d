"""One place for configuration: ``TRAJECTORY_*`` environment variables."""

from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

RECORDERS = "application.storage"  # the library's recorders, writing idempotency too


class UnsupportedDatabaseURL(ValueError):
    pass


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
        description="aggregates kept in memory between requests (0: none); each read "
        "still fetches the events recorded since, so other processes' writes count",
    )
    postgres_pool_size: int = 5
    postgres_max_overflow: int = 10

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
            return {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "APPLICATION_RECORDER_TOPIC": f"{RECORDERS}:PostgresEventRecorder",
                "POSTGRES_DBNAME": unquote(url.path.lstrip("/")) or "postgres",
                "POSTGRES_HOST": url.hostname or "127.0.0.1",
                "POSTGRES_PORT": str(url.port or 5432),
                "POSTGRES_USER": unquote(url.username or "postgres"),
                "POSTGRES_PASSWORD": unquote(url.password or ""),
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

    def create_folders(self) -> None:
        """Creates the folder of a SQLite file, so a fresh checkout just runs."""
        dbname = self.library_env().get("SQLITE_DBNAME", "")
        if dbname and not dbname.startswith("file:"):
            Path(dbname).parent.mkdir(parents=True, exist_ok=True)

    @property
    def safe_database_url(self) -> str:
        """The database URL with any password masked, for messages and logs."""
        url = urlsplit(self.database_url)
        if not url.password:
            return self.database_url
        netloc = url.netloc.replace(f":{url.password}@", ":***@", 1)
        return url._replace(netloc=netloc).geturl()

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
