"""A throwaway highly-available PostgreSQL cluster for tests: one etcd and two or
three PostgreSQL nodes, each run by its own Patroni, all in a fresh temporary folder
on free loopback ports.

The machine's own PostgreSQL server (and the default etcd ports 2379/2380) are never
used. Everything started here is stopped and the folder removed when the context
manager exits, also after a failed test or a `kill -9` of some of its processes.

Patroni's configuration is written as JSON, which is YAML too. The cluster uses
PostgreSQL's synchronous replication (Patroni's `synchronous_mode`): a commit is
acknowledged once it is flushed on the primary and on the synchronous standby, so a
failover to that standby (the only node Patroni promotes in this mode) loses no
acknowledged write.

Tests run as root here, and PostgreSQL refuses to; Patroni and etcd are then started
as the `postgres` OS user, and the folder belongs to it.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg

from tests.conftest import _free_port
from tests.conftest import _postgres_bin

# The ports of a default etcd (a packaged service may listen there) and of the
# machine's PostgreSQL: never handed out, even if the kernel offers them.
RESERVED_PORTS = frozenset({2379, 2380, 5432})


def ha_unavailable() -> str | None:
    """Why a Patroni cluster cannot be started here, or None when it can."""
    missing = [tool for tool in ("patroni", "etcd") if shutil.which(tool) is None]
    if missing:
        return f"{' and '.join(missing)} not installed (`make ha-deps` installs them)"
    return None


def _ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = _free_port()
        if port not in RESERVED_PORTS and port not in ports:
            ports.append(port)
    return ports


def _tail(path: Path, lines: int) -> str:
    """The last `lines` lines of a log, without Patroni's heartbeat ("no action.
    I am ..."), once a second, which would hide the lines that say what it did."""
    try:
        text = path.read_text(errors="replace")
    except OSError as error:
        return f"({error})"
    told = [line for line in text.splitlines() if "INFO: no action. " not in line]
    return "\n".join(told[-lines:])


class ClusterTimeout(TimeoutError):
    """The cluster did not reach a state in time; the message has its members and the
    tail of every process's log."""


@dataclass
class Node:
    """One PostgreSQL node and the Patroni process that runs it."""

    name: str
    folder: Path
    pg_port: int
    api_port: int
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    password: str = field(default="", repr=False)  # the superuser's, if it has one

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    @property
    def config_path(self) -> Path:
        return self.folder / "patroni.yml"

    @property
    def log_path(self) -> Path:
        """Patroni's log; the postmaster inherits Patroni's stderr, so PostgreSQL's
        own messages are in it too."""
        return self.folder / "patroni.log"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def dsn(self, dbname: str = "postgres") -> str:
        """A connection string to this node alone."""
        user = f"postgres:{self.password}" if self.password else "postgres"
        return f"postgresql://{user}@127.0.0.1:{self.pg_port}/{dbname}"

    def postmaster_pid(self) -> int | None:
        """The pid in the data folder's `postmaster.pid`, if that process lives and
        is this node's postmaster (after a kill the file stays, and the pid may
        have gone to another process since)."""
        try:
            first_line = (self.data_dir / "postmaster.pid").read_text().split("\n")[0]
            pid = int(first_line)
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return None
        if str(self.data_dir).encode() not in command or not _alive(pid):
            return None
        return pid

    def patroni_running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass(frozen=True)
class Member:
    """A node as Patroni's `GET /cluster` describes it."""

    name: str
    role: str  # "leader", "sync_standby" or "replica"
    state: str  # "running", "starting", "stopped", "crashed", ...
    port: int | None
    timeline: int | None
    lag: int | None  # bytes behind the leader's last reported position


class PatroniCluster:
    """etcd plus `nodes` Patroni-run PostgreSQL nodes, started on entering and
    removed on leaving:

        with PatroniCluster(nodes=2) as cluster:
            psycopg.connect(cluster.dsn())  # whichever node is the primary

    `synchronous_mode_strict` makes the primary refuse to commit while no standby
    confirms (with two nodes: no writes at all from a failover until the old
    primary has rejoined); off, a primary without a standby commits alone.
    `primary_start_timeout=0` fails over as soon as the primary's postmaster is
    found dead instead of restarting it in place first (Patroni's default is 300
    s of trying to restart it).

    `config` runs another Patroni configuration instead (docker-compose.yml's): only
    what places a node here (names, addresses, folders, the etcd to use) is
    replaced, and `environment` is given to every Patroni (the passwords, as
    PATRONI_SUPERUSER_PASSWORD and its kin). Its `post_bootstrap` script is
    `post_bootstrap`'s text. The timing options above are then the config's.
    """

    def __init__(
        self,
        nodes: int = 2,
        *,
        synchronous_mode: bool = True,
        synchronous_mode_strict: bool = False,
        ttl: int = 10,
        loop_wait: int = 1,
        retry_timeout: int = 4,
        primary_start_timeout: int = 0,
        maximum_lag_on_failover: int = 1024 * 1024,
        parameters: Mapping[str, str | int] | None = None,
        startup_timeout: float = 90.0,
        config: Mapping[str, Any] | None = None,
        environment: Mapping[str, str] | None = None,
        post_bootstrap: str | None = None,
    ) -> None:
        if not 1 <= nodes <= 5:
            raise ValueError("between 1 and 5 nodes")
        if loop_wait + 2 * retry_timeout > ttl:
            raise ValueError("Patroni needs loop_wait + 2 * retry_timeout <= ttl")
        self.node_count = nodes
        self.synchronous_mode = synchronous_mode
        self.synchronous_mode_strict = synchronous_mode_strict
        self.ttl = ttl
        self.loop_wait = loop_wait
        self.retry_timeout = retry_timeout
        self.primary_start_timeout = primary_start_timeout
        self.maximum_lag_on_failover = maximum_lag_on_failover
        self.parameters = dict(parameters or {})
        self.startup_timeout = startup_timeout
        self.config = copy.deepcopy(dict(config)) if config is not None else None
        self.environment = dict(environment or {})
        self.post_bootstrap = post_bootstrap
        self.password = self.environment.get("PATRONI_SUPERUSER_PASSWORD", "")
        if self.config is not None:
            dcs = self.config["bootstrap"]["dcs"]
            self.synchronous_mode = bool(dcs.get("synchronous_mode"))
            self.ttl = int(dcs.get("ttl", 30))
        self.bin_dir = Path(_postgres_bin("postgres")).parent
        # Patroni's scope is also PostgreSQL's cluster_name, which every postgres
        # process shows in its title: how `close` finds the ones a kill orphaned.
        self.scope = f"trajectory-ha-{uuid.uuid4().hex[:10]}"
        self.folder = Path()
        self.nodes: list[Node] = []
        self.etcd_client_port = 0
        self.etcd_peer_port = 0
        self._etcd: subprocess.Popen[bytes] | None = None
        # Shared memory that the cluster's postgres processes have mapped: files
        # in /dev/shm and System V segments (key, id).
        self._shm_files: set[str] = set()
        self._sysv_segments: set[tuple[int, int]] = set()

    # -- lifecycle -------------------------------------------------------------

    def __enter__(self) -> PatroniCluster:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="trajectory-ha-"))
        ports = _ports(2 + 2 * self.node_count)
        self.etcd_client_port, self.etcd_peer_port = ports[:2]
        for index in range(self.node_count):
            name = f"pg{index}"
            node = Node(
                name=name,
                folder=self.folder / name,
                pg_port=ports[2 + 2 * index],
                api_port=ports[3 + 2 * index],
                password=self.password,
            )
            node.folder.mkdir()
            node.config_path.write_text(
                json.dumps(self._patroni_config(node), indent=2)
            )
            self.nodes.append(node)
        (self.folder / "etcd").mkdir()
        self._chown_to_postgres(self.folder)
        self._start_etcd()
        for node in self.nodes:
            self.start_patroni(node)
        self.wait_until_healthy(self.startup_timeout)

    def close(self) -> None:
        """Stops every process of the cluster and removes its folder.

        Nothing in a throwaway cluster is worth a clean stop: the Patroni processes
        are killed first (so that none restarts a postgres), then each postmaster
        gets an immediate shutdown (SIGQUIT, which still frees its shared memory),
        then etcd stops, and whatever is left is killed. Last, the shared memory
        of a postmaster that was killed (and not started again) is removed."""
        self._note_shared_memory()
        for node in self.nodes:
            if node.process is not None:
                _kill_group(node.process, signal.SIGKILL)
        postmasters = [pid for node in self.nodes if (pid := node.postmaster_pid())]
        for pid in postmasters:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGQUIT)
        _wait_until(lambda: not any(_alive(pid) for pid in postmasters), 10)
        if self._etcd is not None:
            _kill_group(self._etcd, signal.SIGTERM)
            try:
                self._etcd.wait(5)
            except subprocess.TimeoutExpired:
                _kill_group(self._etcd, signal.SIGKILL)
        for _ in range(50):
            if not self._kill_strays():
                break
            time.sleep(0.1)
        for process in [node.process for node in self.nodes] + [self._etcd]:
            if process is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(5)
        self._remove_shared_memory()
        if self.folder != Path():
            shutil.rmtree(self.folder, ignore_errors=True)

    def processes(self) -> list[int]:
        """The pids of every process of this cluster still alive: Patroni, etcd,
        postgres and their helpers (pg_basebackup, pg_rewind)."""
        return sorted(self._own_processes())

    # -- connection strings ----------------------------------------------------

    def dsn(self, target: str = "read-write", dbname: str = "postgres") -> str:
        """A libpq multi-host URL over every node; libpq (and psycopg) try them in
        turn and keep the first whose session matches `target_session_attrs`:
        "read-write" finds the primary, "any", "primary", "standby",
        "prefer-standby" or "read-only" the others."""
        hosts = ",".join(f"127.0.0.1:{node.pg_port}" for node in self.nodes)
        user = f"postgres:{self.password}" if self.password else "postgres"
        return f"postgresql://{user}@{hosts}/{dbname}?target_session_attrs={target}"

    def conninfo(self, target: str = "read-write", dbname: str = "postgres") -> str:
        """The same as `dsn`, in libpq's keyword/value form."""
        hosts = ",".join("127.0.0.1" for _ in self.nodes)
        ports = ",".join(str(node.pg_port) for node in self.nodes)
        password = f" password={self.password}" if self.password else ""
        return (
            f"host={hosts} port={ports} user=postgres{password} dbname={dbname} "
            f"target_session_attrs={target}"
        )

    # -- what the cluster looks like -------------------------------------------

    def node(self, name: str) -> Node:
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(name)

    def dcs_keys(self) -> dict[str, str]:
        """The cluster's keys in etcd, below Patroni's prefix `/service/<scope>/`:
        "leader" (the leader's name, on a lease of `ttl` seconds), "sync" (the
        leader and its synchronous standbys), "members/<name>", "config", ...
        Read from etcd itself, the one view that every Patroni acts on, rather
        than from a node's REST API, which a node being killed may not answer."""
        prefix = f"/service/{self.scope}/".encode()
        after = prefix[:-1] + bytes([prefix[-1] + 1])
        answer = json.loads(
            _post_json(
                f"http://127.0.0.1:{self.etcd_client_port}/v3/kv/range",
                {"key": _base64(prefix), "range_end": _base64(after)},
                timeout=2,
            )
        )
        keys: dict[str, str] = {}
        for kv in answer.get("kvs", []):
            key = base64.b64decode(kv["key"])[len(prefix) :].decode()
            keys[key] = base64.b64decode(kv.get("value", "")).decode()
        return keys

    def members(self) -> list[Member]:
        """Every node that has a member key in etcd (a Patroni that stopped
        drops out after `ttl`), with its role as `patronictl list` shows it."""
        try:
            keys = self.dcs_keys()
        except (OSError, ValueError):
            return []
        leader = keys.get("leader", "")
        sync = json.loads(keys.get("sync") or "{}") or {}
        # The sync key may still name the previous leader's standbys for a moment.
        sync_standbys: set[str] = set()
        if leader and sync.get("leader") == leader:
            sync_standbys = set((sync.get("sync_standby") or "").split(",")) - {""}
        optime = (json.loads(keys.get("status") or "{}") or {}).get("optime")
        members = []
        for key, value in sorted(keys.items()):
            if not key.startswith("members/"):
                continue
            name = key.removeprefix("members/")
            data = json.loads(value or "{}") or {}
            role = "replica"
            if name == leader:
                role = "leader"
            elif name in sync_standbys:
                role = "sync_standby"
            position = data.get("xlog_location")
            lag: int | None = None
            if (
                role != "leader"
                and isinstance(optime, int)
                and isinstance(position, int)
            ):
                lag = max(optime - position, 0)
            members.append(
                Member(
                    name=name,
                    role=role,
                    state=data.get("state", ""),
                    port=urllib.parse.urlsplit(data.get("conn_url", "")).port,
                    timeline=data.get("timeline"),
                    lag=lag,
                )
            )
        return members

    def leader(self) -> Node | None:
        for member in self.members():
            if member.role == "leader" and member.state == "running":
                return self.node(member.name)
        return None

    def primary(self) -> Node:
        """The current leader (whose postgres is running), per Patroni."""
        leader = self.leader()
        if leader is None:
            raise LookupError(f"no leader: {self.members()}")
        return leader

    def standbys(self) -> list[Node]:
        """The nodes that Patroni lists as running, other than the leader."""
        return [
            self.node(m.name)
            for m in self.members()
            if m.role != "leader" and m.state == "running"
        ]

    def sync_standbys(self) -> list[Node]:
        return [self.node(m.name) for m in self.members() if m.role == "sync_standby"]

    def summary(self) -> str:
        """One line per member, like `patronictl list`."""
        lines = [
            f"{m.name} port={m.port} {m.role} {m.state} timeline={m.timeline} "
            f"lag={m.lag}"
            for m in self.members()
        ]
        return "\n".join(lines) or "(no member answers)"

    def diagnostics(self, lines: int = 40) -> str:
        """The members and the tail of every log, for a failure's message."""
        parts = [f"cluster {self.scope} in {self.folder}:", self.summary()]
        for node in self.nodes:
            parts += [
                f"--- {node.log_path} (last {lines} lines)",
                _tail(node.log_path, lines),
            ]
        etcd_log = self.folder / "etcd" / "etcd.log"
        parts += [f"--- {etcd_log} (last {lines} lines)", _tail(etcd_log, lines)]
        return "\n".join(parts)

    # -- waiting ---------------------------------------------------------------

    def wait_for_leader(self, timeout: float = 45.0, *, other_than: str = "") -> Node:
        """The leader once there is one (not `other_than`) that accepts writes."""
        found: list[Node] = []

        def ready() -> bool:
            leader = self.leader()
            if leader is None or leader.name == other_than:
                return False
            if not _is_primary(leader):
                return False
            found.append(leader)
            return True

        self._wait(
            ready,
            timeout,
            "a leader" + (f" other than {other_than}" if other_than else ""),
        )
        return found[-1]

    def timeline(self) -> int:
        """The leader's timeline, as its Patroni last reported it."""
        for member in self.members():
            if member.role == "leader" and member.timeline is not None:
                return member.timeline
        raise LookupError(f"no leader reports a timeline: {self.summary()}")

    def wait_for_recovery(self, timeout: float, *, after_timeline: int) -> Node:
        """The leader once one accepts writes on a timeline later than
        `after_timeline`: the standby promoted, or the old primary itself, which its
        Patroni restarts and promotes again when it finds no standby fit to take over
        at that moment (with `primary_start_timeout=0` it prefers the standby; one
        whose REST API does not answer in time, or that lags, is not fit)."""
        found: list[Node] = []

        def ready() -> bool:
            leader = self.leader()
            if leader is None or not _is_primary(leader):
                return False
            member = {m.name: m for m in self.members()}.get(leader.name)
            if member is None or (member.timeline or 0) <= after_timeline:
                return False
            found.append(leader)
            return True

        self._wait(ready, timeout, f"a writable leader after timeline {after_timeline}")
        return found[-1]

    def wait_until_healthy(self, timeout: float = 60.0) -> Node:
        """Waits until every node runs: one leader accepting writes, every other
        node streaming from it, and (in synchronous mode) a synchronous standby
        chosen and in PostgreSQL's synchronous_standby_names. Returns the leader."""
        found: list[Node] = []

        def healthy() -> bool:
            members = self.members()
            if sorted(m.name for m in members) != sorted(n.name for n in self.nodes):
                return False
            if any(m.state != "running" for m in members):
                return False
            leaders = [m for m in members if m.role == "leader"]
            if len(leaders) != 1:
                return False
            if self.synchronous_mode and self.node_count > 1:
                if not any(m.role == "sync_standby" for m in members):
                    return False
            leader = self.node(leaders[0].name)
            try:
                with psycopg.connect(leader.dsn(), connect_timeout=2) as connection:
                    if connection.execute("SELECT pg_is_in_recovery()").fetchone() != (
                        False,
                    ):
                        return False
                    rows = connection.execute(
                        "SELECT application_name, sync_state FROM pg_stat_replication"
                        " WHERE state = 'streaming'"
                    ).fetchall()
                    names = connection.execute(
                        "SHOW synchronous_standby_names"
                    ).fetchone()
            except psycopg.Error:
                return False
            if len(rows) != self.node_count - 1:
                return False
            if self.synchronous_mode and self.node_count > 1:
                if not names or not names[0]:
                    return False
                if not any(sync_state == "sync" for _, sync_state in rows):
                    return False
            found.append(leader)
            return True

        self._wait(healthy, timeout, "a healthy cluster")
        return found[-1]

    def _wait(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        if not _wait_until(condition, timeout):
            raise ClusterTimeout(f"no {what} within {timeout} s\n{self.diagnostics()}")

    # -- faults and operations -------------------------------------------------

    def kill_postmaster(self, node: Node) -> int:
        """`kill -9` of the node's postmaster (its children notice and exit);
        returns the pid."""
        pid = node.postmaster_pid()
        if pid is None:
            raise LookupError(f"{node.name} has no running postmaster")
        self._note_shared_memory()
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_primary_postmaster(self) -> Node:
        """`kill -9` of the current primary's postmaster; returns that node."""
        primary = self.primary()
        self.kill_postmaster(primary)
        return primary

    def freeze_patroni(self, node: Node) -> None:
        """SIGSTOP of the node's Patroni alone: its PostgreSQL runs on, but its loop
        and its REST API hang, as a Patroni stuck would (`thaw_patroni` resumes it)."""
        if node.process is not None and node.process.poll() is None:
            os.kill(node.process.pid, signal.SIGSTOP)

    def thaw_patroni(self, node: Node) -> None:
        """SIGCONT of the node's Patroni (nothing if it is not frozen or is gone)."""
        if node.process is not None and node.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(node.process.pid, signal.SIGCONT)

    def stop_patroni(
        self, node: Node, sig: signal.Signals = signal.SIGTERM, timeout: float = 30.0
    ) -> None:
        """Stops the node's Patroni. SIGTERM is a clean stop: Patroni shuts its
        postgres down and, on the leader, hands the leader key back. SIGKILL
        leaves the postgres running, orphaned, until the node's Patroni starts
        again (or the cluster closes)."""
        if node.process is None:
            return
        _kill_group(node.process, sig)
        try:
            node.process.wait(timeout)
        except subprocess.TimeoutExpired:
            _kill_group(node.process, signal.SIGKILL)
            node.process.wait(5)

    def start_patroni(self, node: Node) -> None:
        """Starts (or restarts) the node's Patroni, appending to its log."""
        if node.patroni_running():
            raise RuntimeError(f"{node.name}'s Patroni already runs")
        node.process = self._spawn(
            ["patroni", str(node.config_path)], node.log_path, node.folder
        )

    def switchover(self, candidate: str = "", timeout: float = 45.0) -> Node:
        """A planned switchover through the leader's REST API (to the synchronous
        standby unless `candidate` names another); returns the new leader."""
        leader = self.primary()
        request: dict[str, str] = {"leader": leader.name}
        if candidate:
            request["candidate"] = candidate
        try:
            _post_json(f"{leader.api_url}/switchover", request, timeout=timeout)
        except urllib.error.HTTPError as error:
            body = error.read().decode(errors="replace")
            raise RuntimeError(f"switchover refused: {error.code} {body}") from error
        return self.wait_for_leader(timeout, other_than=leader.name)

    # -- internals -------------------------------------------------------------

    def _patroni_config(self, node: Node) -> dict[str, Any]:
        if self.config is not None:
            return self._placed(node, copy.deepcopy(self.config))
        parameters: dict[str, str | int] = {
            "wal_level": "replica",
            "hot_standby": "on",
            "wal_log_hints": "on",  # pg_rewind of a failed primary needs it
            "max_wal_senders": 10,
            "max_replication_slots": 10,
            "max_connections": 50,
            "shared_buffers": "32MB",
            "wal_keep_size": "64MB",
        }
        parameters.update(self.parameters)
        return {
            "scope": self.scope,
            "name": node.name,
            "log": {"level": "INFO"},
            "restapi": {
                "listen": f"127.0.0.1:{node.api_port}",
                "connect_address": f"127.0.0.1:{node.api_port}",
            },
            "etcd3": {"host": f"127.0.0.1:{self.etcd_client_port}"},
            "bootstrap": {
                "dcs": {
                    "ttl": self.ttl,
                    "loop_wait": self.loop_wait,
                    "retry_timeout": self.retry_timeout,
                    "maximum_lag_on_failover": self.maximum_lag_on_failover,
                    "primary_start_timeout": self.primary_start_timeout,
                    "synchronous_mode": self.synchronous_mode,
                    "synchronous_mode_strict": self.synchronous_mode_strict,
                    "postgresql": {
                        "use_pg_rewind": True,
                        "use_slots": True,
                        "parameters": parameters,
                    },
                },
                "initdb": [{"encoding": "UTF8"}, {"locale": "C.UTF-8"}, "no-sync"],
            },
            "postgresql": {
                "listen": f"127.0.0.1:{node.pg_port}",
                "connect_address": f"127.0.0.1:{node.pg_port}",
                "data_dir": str(node.data_dir),
                "bin_dir": str(self.bin_dir),
                "pgpass": str(node.folder / "pgpass"),
                "authentication": {
                    "superuser": {"username": "postgres"},
                    "replication": {"username": "postgres"},
                    "rewind": {"username": "postgres"},
                },
                "parameters": {"unix_socket_directories": str(node.folder)},
                "pg_hba": [
                    "local all all trust",
                    "host replication all 127.0.0.1/32 trust",
                    "host all all 127.0.0.1/32 trust",
                ],
                # Without it pg_basebackup waits for a spread checkpoint.
                "basebackup": [{"checkpoint": "fast"}],
                "remove_data_directory_on_rewind_failure": True,
                "remove_data_directory_on_diverged_timelines": True,
            },
            "watchdog": {"mode": "off"},
        }

    def _placed(self, node: Node, config: dict[str, Any]) -> dict[str, Any]:
        """Another configuration, with what places the node here replaced."""
        config |= {"scope": self.scope, "name": node.name}
        config["restapi"] = {
            "listen": f"127.0.0.1:{node.api_port}",
            "connect_address": f"127.0.0.1:{node.api_port}",
        }
        config.pop("etcd", None)
        config["etcd3"] = {"host": f"127.0.0.1:{self.etcd_client_port}"}
        postgresql = config["postgresql"]
        postgresql |= {
            "listen": f"127.0.0.1:{node.pg_port}",
            "connect_address": f"127.0.0.1:{node.pg_port}",
            "data_dir": str(node.data_dir),
            "bin_dir": str(self.bin_dir),
            "pgpass": str(node.folder / "pgpass"),
        }
        parameters = postgresql.setdefault("parameters", {})
        parameters["unix_socket_directories"] = str(node.folder)
        if self.post_bootstrap is not None:
            script = self.folder / "post-bootstrap.sh"
            script.write_text(self.post_bootstrap)
            script.chmod(0o755)
            config["bootstrap"]["post_bootstrap"] = str(script)
        return config

    def _start_etcd(self) -> None:
        folder = self.folder / "etcd"
        client = f"http://127.0.0.1:{self.etcd_client_port}"
        peer = f"http://127.0.0.1:{self.etcd_peer_port}"
        self._etcd = self._spawn(
            [
                "etcd",
                "--name=etcd0",
                f"--data-dir={folder / 'data'}",
                f"--listen-client-urls={client}",
                f"--advertise-client-urls={client}",
                f"--listen-peer-urls={peer}",
                f"--initial-advertise-peer-urls={peer}",
                f"--initial-cluster=etcd0={peer}",
                "--initial-cluster-state=new",
                f"--initial-cluster-token={self.scope}",
                # One member elects itself after one election timeout (1 s by
                # default): shorter, as no peer can be slow to answer.
                "--heartbeat-interval=50",
                "--election-timeout=300",
                "--logger=zap",
                "--log-outputs=stderr",
            ],
            folder / "etcd.log",
            folder,
        )

        def etcd_healthy() -> bool:
            try:
                return _get_json(f"{client}/health").get("health") == "true"
            except (OSError, ValueError):
                return False

        self._wait(etcd_healthy, 30, "etcd")

    def _spawn(
        self, argv: list[str], log_path: Path, cwd: Path
    ) -> subprocess.Popen[bytes]:
        """Starts a process in a session of its own (so that it and its children
        are killed together), as `postgres` if we are root, with a clean
        environment (no PG* or PATRONI_* or ETCD_* variables of ours)."""
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.folder),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            **self.environment,
        }
        as_root = os.geteuid() == 0
        with open(log_path, "ab") as log:
            return subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env=environment,
                start_new_session=True,
                user="postgres" if as_root else None,
                group="postgres" if as_root else None,
                extra_groups=[] if as_root else None,
            )

    @staticmethod
    def _chown_to_postgres(folder: Path) -> None:
        if os.geteuid() != 0:
            return
        folder.chmod(0o700)
        for path in [folder, *folder.rglob("*")]:
            shutil.chown(path, "postgres", "postgres")

    def _own_processes(self) -> set[int]:
        """Processes whose command line names the folder or the scope (postgres's
        titles carry the cluster name), and their descendants."""
        if self.folder == Path():
            return set()
        marks = (str(self.folder).encode(), self.scope.encode())
        parents: dict[int, int] = {}
        roots: set[int] = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            try:
                command = (entry / "cmdline").read_bytes()
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[-1].split()
            if fields and fields[0] == "Z":
                continue  # a zombie: already dead, waits for its parent
            parents[pid] = int(fields[1]) if len(fields) > 1 else 0
            if any(mark in command for mark in marks):
                roots.add(pid)
        found = set(roots)
        grew = True
        while grew:
            children = {pid for pid, parent in parents.items() if parent in found}
            grew = not children <= found
            found |= children
        found.discard(os.getpid())
        return found

    def _note_shared_memory(self) -> None:
        """Remembers the shared memory mapped by the cluster's processes. A
        postmaster killed with SIGKILL leaves its own behind (PostgreSQL removes
        it on any shutdown, even an immediate one, and when it starts again on the
        same data folder); `close` removes it."""
        for pid in self._own_processes():
            try:
                maps = Path(f"/proc/{pid}/maps").read_text()
            except OSError:
                continue
            for line in maps.splitlines():
                fields = line.split()
                if len(fields) < 6:
                    continue
                if fields[5].startswith("/dev/shm/PostgreSQL."):
                    self._shm_files.add(fields[5])
                elif fields[5].startswith("/SYSV"):
                    # A System V segment's inode in the maps is its id.
                    self._sysv_segments.add((int(fields[5][5:], 16), int(fields[4])))

    def _remove_shared_memory(self) -> None:
        """Removes the shared memory noted before, once no process uses it."""
        for path in self._shm_files:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
        try:
            table = Path("/proc/sysvipc/shm").read_text().splitlines()[1:]
        except OSError:
            return
        for line in table:
            key, segment, *_, attached = line.split()[:7]
            if (int(key), int(segment)) in self._sysv_segments and attached == "0":
                subprocess.run(["ipcrm", "-m", segment], capture_output=True)

    def _kill_strays(self) -> bool:
        """SIGKILLs what is left; True if there was something."""
        strays = self._own_processes()
        for pid in strays:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return bool(strays)


class ContinuousWriter:
    """Calls `attempt(n)` for n = 0, 1, 2, ... in a thread, as fast as it returns,
    until stopped. A call that returns is an acknowledged write; one that raises is
    a failed one (the attempt reconnects as it sees fit). Records the acknowledged
    numbers and the outage: from the first failure to the first success after it.
    """

    def __init__(self, attempt: Callable[[int], None], pause: float = 0.0) -> None:
        self.attempt = attempt
        self.pause = pause
        self.acknowledged: list[int] = []
        self.failures = 0
        self.last_error: BaseException | None = None
        self.first_failure_at: float | None = None
        self.recovered_at: float | None = None
        self._next = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="writer", daemon=True)

    def __enter__(self) -> ContinuousWriter:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.stop()
        else:  # the first error tells more than a writer hanging because of it
            self._stop.set()
            self._thread.join(5)

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"the writer hangs in attempt {self._next}")

    @property
    def outage(self) -> float | None:
        """Seconds from the first failed write to the first acknowledged one after
        it, once there was both."""
        if self.first_failure_at is None or self.recovered_at is None:
            return None
        return self.recovered_at - self.first_failure_at

    def wait_for(
        self, condition: Callable[[], bool], timeout: float, what: str
    ) -> None:
        if not _wait_until(condition, timeout, interval=0.02):
            raise TimeoutError(
                f"no {what} within {timeout} s: {len(self.acknowledged)} "
                f"acknowledged, {self.failures} failed, last error {self.last_error!r}"
            )

    def wait_for_acknowledged(self, count: int, timeout: float = 30.0) -> None:
        self.wait_for(
            lambda: len(self.acknowledged) >= count, timeout, f"{count} acknowledged"
        )

    def wait_for_recovery(self, timeout: float = 45.0) -> None:
        self.wait_for(lambda: self.recovered_at is not None, timeout, "recovery")

    def _run(self) -> None:
        while not self._stop.is_set():
            n = self._next
            self._next += 1
            try:
                self.attempt(n)
            except Exception as error:  # any failure is one of the outage
                self.failures += 1
                self.last_error = error
                if self.first_failure_at is None:
                    self.first_failure_at = time.monotonic()
                time.sleep(0.05)
                continue
            self.acknowledged.append(n)
            if self.first_failure_at is not None and self.recovered_at is None:
                self.recovered_at = time.monotonic()
            if self.pause:
                time.sleep(self.pause)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    fields = stat.rsplit(")", 1)[-1].split()
    return bool(fields) and fields[0] != "Z"


def _kill_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    """Signals the process's group, unless the process has been reaped (its pid,
    and group id, may belong to another process by now)."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)


def _wait_until(
    condition: Callable[[], bool], timeout: float, interval: float = 0.1
) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def _is_primary(node: Node) -> bool:
    try:
        with psycopg.connect(node.dsn(), connect_timeout=2) as connection:
            row = connection.execute("SELECT pg_is_in_recovery()").fetchone()
    except psycopg.Error:
        return False
    return row == (False,)


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _get_json(url: str, timeout: float = 2.0) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        answer: dict[str, Any] = json.load(response)
        return answer


def _post_json(url: str, body: Mapping[str, str], timeout: float) -> str:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        text: str = response.read().decode(errors="replace")
        return text
