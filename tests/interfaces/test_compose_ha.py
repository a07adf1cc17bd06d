"""docker-compose.yml's highly available database, checked without Docker: three
etcd members that know each other, three Patroni nodes of one image built from
Debian's packages, configured alike (a synchronous standby, fast failover, replicas
copied at once), the service's role and database made once, and the api and the
projector reaching the primary (and the api a standby) through every node.

tests/ha/test_compose_cluster.py runs the same configuration on a throwaway
cluster; tests/interfaces/test_deployment_files.py checks the rest of the file.
"""

import re
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
import yaml

from application.settings import Settings
from tests.interfaces.test_deployment_files import compose
from tests.interfaces.test_deployment_files import environment
from tests.interfaces.test_deployment_files import interpolate
from tests.interfaces.test_deployment_files import service

ETCD = ("etcd1", "etcd2", "etcd3")
NODES = ("pg1", "pg2", "pg3")
DOT_ENV = {
    "POSTGRES_PASSWORD": "pw",
    "PATRONI_SUPERUSER_PASSWORD": "su",
    "PATRONI_REPLICATION_PASSWORD": "rep",
    "TRAJECTORY_MASTER_KEY": "key",
}


def patroni_config() -> dict[str, Any]:
    content = compose()["configs"]["patroni"]["content"]
    loaded = yaml.safe_load(interpolate(content, DOT_ENV))
    assert isinstance(loaded, dict)
    return loaded


def post_bootstrap() -> str:
    return interpolate(compose()["configs"]["post-bootstrap"]["content"], DOT_ENV)


def dockerfile() -> str:
    text = service("etcd1")["build"]["dockerfile_inline"]
    assert isinstance(text, str)
    return text


# --- the image ------------------------------------------------------------------------


def test_one_image_of_debian_s_packages_runs_every_etcd_member_and_node() -> None:
    assert re.search(r"^FROM debian:bookworm", dockerfile(), re.MULTILINE)
    for package in ("postgresql-15", "patroni", "etcd-server", "etcd-client"):
        assert re.search(rf"\b{package}\b", dockerfile()), package
    assert "create_main_cluster = false" in dockerfile()
    assert re.search(r"^USER postgres$", dockerfile(), re.MULTILINE)
    for name in (*ETCD, *NODES):
        assert service(name)["image"] == "trajectory-patroni:latest"
        assert ("build" in service(name)) == (name == "etcd1"), "built once"


def test_the_nodes_run_the_binaries_the_image_installs() -> None:
    bin_dir = patroni_config()["postgresql"]["bin_dir"]
    assert bin_dir == "/usr/lib/postgresql/15/bin"


# --- etcd -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ETCD)
def test_each_etcd_member_knows_the_others_and_keeps_its_data(name: str) -> None:
    env = environment(name)
    assert service(name)["command"] == ["etcd"]
    assert env["ETCD_NAME"] == name
    assert env["ETCD_ADVERTISE_CLIENT_URLS"] == f"http://{name}:2379"
    assert env["ETCD_INITIAL_ADVERTISE_PEER_URLS"] == f"http://{name}:2380"
    members = dict(m.split("=") for m in env["ETCD_INITIAL_CLUSTER"].split(","))
    assert members == {member: f"http://{member}:2380" for member in ETCD}
    assert service(name)["volumes"] == [f"{name}:{env['ETCD_DATA_DIR']}"]
    assert "ports" not in service(name)
    assert "endpoint" in service(name)["healthcheck"]["test"]


def test_patroni_reaches_every_etcd_member() -> None:
    hosts = patroni_config()["etcd3"]["hosts"].split(",")
    assert hosts == [f"{member}:2379" for member in ETCD]


# --- the PostgreSQL nodes -------------------------------------------------------------


@pytest.mark.parametrize("name", NODES)
def test_each_node_runs_patroni_with_the_shared_configuration_as_itself(
    name: str,
) -> None:
    node = service(name)
    env = environment(name)
    config_path = node["command"][-1]
    assert node["command"] == ["patroni", config_path]
    targets = {c["source"]: c["target"] for c in node["configs"]}
    assert targets["patroni"] == config_path
    assert targets["post-bootstrap"] == patroni_config()["bootstrap"]["post_bootstrap"]
    assert env["PATRONI_NAME"] == name
    assert env["PATRONI_RESTAPI_CONNECT_ADDRESS"] == f"{name}:8008"
    assert env["PATRONI_POSTGRESQL_CONNECT_ADDRESS"] == f"{name}:5432"
    for member in ETCD:
        assert node["depends_on"][member] == {"condition": "service_healthy"}


@pytest.mark.parametrize("name", NODES)
def test_each_node_keeps_its_data_inside_its_volume(name: str) -> None:
    (volume,) = service(name)["volumes"]
    mounted = volume.split(":")[1]
    assert patroni_config()["postgresql"]["data_dir"].startswith(mounted + "/")


@pytest.mark.parametrize("name", NODES)
@pytest.mark.parametrize(
    ("variable", "secret"),
    [
        ("PATRONI_SUPERUSER_PASSWORD", "PATRONI_SUPERUSER_PASSWORD"),
        ("PATRONI_REPLICATION_PASSWORD", "PATRONI_REPLICATION_PASSWORD"),
        ("PATRONI_REWIND_PASSWORD", "PATRONI_SUPERUSER_PASSWORD"),
        ("TRAJECTORY_DB_PASSWORD", "POSTGRES_PASSWORD"),
    ],
)
def test_each_node_takes_its_passwords_from_the_environment_as_required(
    name: str, variable: str, secret: str
) -> None:
    value = environment(name)[variable]
    assert re.fullmatch(r"\$\{" + secret + r":\?[^}]+\}", value), value


def test_a_commit_waits_for_the_synchronous_standby_and_a_dead_primary_fails_over() -> (
    None
):
    dcs = patroni_config()["bootstrap"]["dcs"]
    assert dcs["synchronous_mode"] is True
    assert dcs["primary_start_timeout"] == 0
    assert dcs["loop_wait"] + 2 * dcs["retry_timeout"] <= dcs["ttl"]
    parameters = dcs["postgresql"]["parameters"]
    assert parameters["hot_standby"] == "on"
    assert parameters["hot_standby_feedback"] == "on"
    assert dcs["postgresql"]["use_pg_rewind"] and parameters["wal_log_hints"] == "on"


def test_a_new_node_copies_the_primary_at_once_and_replicas_may_connect() -> None:
    postgresql = patroni_config()["postgresql"]
    assert {"checkpoint": "fast"} in postgresql["basebackup"]
    rules = [rule.split() for rule in postgresql["pg_hba"]]
    assert ["host", "replication", "replicator", "all", "scram-sha-256"] in rules
    assert all(rule[-1] != "trust" for rule in rules if rule[0] == "host")


def test_the_cluster_s_set_up_makes_the_service_s_role_and_database() -> None:
    script = post_bootstrap()
    assert script.startswith("#!/bin/sh\n")
    assert 'psql "$1"' in script  # Patroni passes the superuser's URL
    assert "CREATE ROLE trajectory LOGIN PASSWORD :'password'" in script
    assert "CREATE DATABASE trajectory OWNER trajectory" in script
    assert '-v password="$TRAJECTORY_DB_PASSWORD"' in script


# --- the service ----------------------------------------------------------------------


def _url(name: str, variable: str) -> str:
    return interpolate(environment(name)[variable], DOT_ENV)


@pytest.mark.parametrize("name", ["api", "projector"])
def test_the_service_s_url_names_every_node_and_parses_to_the_primary(
    name: str,
) -> None:
    env = Settings(database_url=_url(name, "TRAJECTORY_DATABASE_URL")).library_env()
    assert env["POSTGRES_HOST"] == ",".join(NODES)
    assert env["POSTGRES_PORT"] == "5432,5432,5432"
    assert env["POSTGRES_TARGET_SESSION_ATTRS"] == "read-write"
    assert (env["POSTGRES_USER"], env["POSTGRES_DBNAME"]) == (
        "trajectory",
        "trajectory",
    )


def test_the_api_reads_from_a_standby_of_the_same_database_and_the_projector_not() -> (
    None
):
    standby = Settings(standby_url=_url("api", "TRAJECTORY_STANDBY_URL")).standby_env()
    primary = urlsplit(_url("api", "TRAJECTORY_DATABASE_URL"))
    assert standby is not None
    assert standby["POSTGRES_HOST"] == ",".join(NODES)
    assert standby["POSTGRES_TARGET_SESSION_ATTRS"] == "prefer-standby"
    assert standby["POSTGRES_LOAD_BALANCE_HOSTS"] == "random"
    assert standby["POSTGRES_DBNAME"] == primary.path.lstrip("/")
    assert "TRAJECTORY_STANDBY_URL" not in environment("projector")
    assert parse_qs(primary.query) == {"target_session_attrs": ["read-write"]}
