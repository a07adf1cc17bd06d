"""The deployment files (Dockerfile, .dockerignore, docker-compose.yml, .env.example)
say what the README promises, checked without Docker.

``interpolate`` resolves ``${NAME}``, ``${NAME:-default}``, ``${NAME:?message}`` and
their kin as docker compose does, for tests that run the compose commands locally.
"""

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

APP_SERVICES = ("api", "projector")
SECRETS = ("TRAJECTORY_MASTER_KEY", "POSTGRES_PASSWORD")
# The database cluster's own: its nodes take them (tests/interfaces/test_compose_ha.py).
CLUSTER_SECRETS = ("PATRONI_SUPERUSER_PASSWORD", "PATRONI_REPLICATION_PASSWORD")
NODES = ("pg1", "pg2", "pg3")
FILLED = {
    "POSTGRES_PASSWORD": "pw",
    "PATRONI_SUPERUSER_PASSWORD": "su",
    "PATRONI_REPLICATION_PASSWORD": "rep",
}
A_MASTER_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = (":-", ":?", ":+", "-", "?", "+")


def interpolate(value: str, env: dict[str, str]) -> str:
    """``value`` with its variables replaced from ``env``, as docker compose does it:

    - ``$$`` is a literal ``$``; ``$NAME`` and ``${NAME}`` are the value, or "" unset;
    - ``${NAME:-default}``: the default when NAME is unset or empty
      (``${NAME-default}``: when unset only);
    - ``${NAME:?message}``: KeyError(message) when NAME is unset or empty
      (``${NAME?message}``: when unset only);
    - ``${NAME:+other}``: other when NAME is set and not empty, else ""
      (``${NAME+other}``: when set);
    - defaults and others may hold variables themselves: ``${A:-${B}}``.

    A ``$`` followed by anything else raises ValueError (compose: invalid template).
    """
    out: list[str] = []
    i = 0
    while i < len(value):
        dollar = value.find("$", i)
        if dollar < 0:
            out.append(value[i:])
            break
        out.append(value[i:dollar])
        following = value[dollar + 1 : dollar + 2]
        if following == "$":
            out.append("$")
            i = dollar + 2
        elif following == "{":
            end = _closing_brace(value, dollar + 2)
            out.append(_substitute(value[dollar + 2 : end], env))
            i = end + 1
        elif name := _NAME.match(value, dollar + 1):
            out.append(env.get(name.group(), ""))
            i = name.end()
        else:
            raise ValueError(f"invalid interpolation at {value[dollar:]!r}")
    return "".join(out)


def _closing_brace(value: str, start: int) -> int:
    depth = 1
    i = start
    while i < len(value):
        if value.startswith("$$", i):
            i += 2
            continue
        if value.startswith("${", i):
            depth += 1
            i += 2
            continue
        if value[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(f"unclosed ${{ in {value!r}")


def _substitute(body: str, env: dict[str, str]) -> str:
    name_match = _NAME.match(body)
    if name_match is None:
        raise ValueError(f"invalid interpolation ${{{body}}}")
    name, rest = name_match.group(), body[name_match.end() :]
    if not rest:
        return env.get(name, "")
    operator = next((op for op in _OPERATORS if rest.startswith(op)), None)
    if operator is None:
        raise ValueError(f"invalid interpolation ${{{body}}}")
    argument = rest[len(operator) :]
    value = env.get(name)
    if operator.startswith(":") and value == "":
        value = None  # the colon forms treat empty as unset
    if operator in (":-", "-"):
        return value if value is not None else interpolate(argument, env)
    if operator in (":?", "?"):
        if value is None:
            raise KeyError(argument or f"required variable {name} is missing a value")
        return value
    return interpolate(argument, env) if value is not None else ""


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def service(name: str) -> dict[str, Any]:
    found = compose()["services"][name]
    assert isinstance(found, dict)
    return found


def strings_in(node: object) -> Iterator[str]:
    """Every string in a loaded YAML document, keys and values: compose interpolates
    them all."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings_in(key)
            yield from strings_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings_in(item)


def variables_used(node: object) -> set[str]:
    pattern = re.compile(r"(?<!\$)\$\{?([A-Za-z_][A-Za-z0-9_]*)")
    return {name for text in strings_in(node) for name in pattern.findall(text)}


def env_example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}


def environment(name: str) -> dict[str, str]:
    found = service(name).get("environment", {})
    assert isinstance(found, dict), f"{name}'s environment is a mapping"
    return {key: str(value) for key, value in found.items()}


def healthcheck_code(name: str) -> str:
    test = service(name)["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"], test
    assert len(test) == 4, test
    return str(test[3])


def seconds(duration: str) -> int:
    match = re.fullmatch(r"(\d+)s", duration)
    assert match, f"{duration!r} is not in seconds"
    return int(match.group(1))


# --- interpolate ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "env", "expected"),
    [
        ("${A}", {"A": "x"}, "x"),
        ("${A}", {}, ""),
        ("$A/$$A", {"A": "x"}, "x/$A"),
        ("${A:-d}", {}, "d"),
        ("${A:-d}", {"A": ""}, "d"),
        ("${A-d}", {"A": ""}, ""),
        ("${A:-d}", {"A": "x"}, "x"),
        ("${A:-${B:-b}}", {}, "b"),
        ("${A:?need A}", {"A": "x"}, "x"),
        ("${A:+on}|${B:+on}", {"A": "x"}, "on|"),
        ("pg://u:${P:?p}@h:${PORT:-5432}/db", {"P": "s"}, "pg://u:s@h:5432/db"),
    ],
)
def test_interpolate_resolves_like_docker_compose(
    template: str, env: dict[str, str], expected: str
) -> None:
    assert interpolate(template, env) == expected


@pytest.mark.parametrize("env", [{}, {"A": ""}])
def test_interpolate_raises_key_error_with_the_message_for_a_missing_required_variable(
    env: dict[str, str],
) -> None:
    with pytest.raises(KeyError) as raised:
        interpolate("x ${A:?set A in .env} y", env)
    assert raised.value.args == ("set A in .env",)


@pytest.mark.parametrize("template", ["${A", "${A!x}", "$ x", "${}"])
def test_interpolate_refuses_an_invalid_template(template: str) -> None:
    with pytest.raises(ValueError):
        interpolate(template, {"A": "x"})


# --- docker-compose.yml ---------------------------------------------------------------


def test_compose_has_the_cluster_api_and_projector_and_no_other_service() -> None:
    etcd = {"etcd1", "etcd2", "etcd3"}
    assert set(compose()["services"]) == etcd | set(NODES) | {"api", "projector"}


def test_compose_has_no_obsolete_version_key() -> None:
    assert "version" not in compose()


@pytest.mark.parametrize("name", NODES)
def test_each_node_keeps_its_data_in_a_named_volume_declared_at_top_level(
    name: str,
) -> None:
    assert service(name)["volumes"] == [f"{name}:/var/lib/postgresql/data"]
    assert name in compose()["volumes"]


@pytest.mark.parametrize("name", NODES)
def test_each_node_is_healthy_when_patroni_says_so_and_publishes_no_port(
    name: str,
) -> None:
    node = service(name)
    test = node["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python3", "-c"]
    assert "127.0.0.1:8008/health" in test[3]
    assert "ports" not in node


def test_api_serves_without_feeding_the_views() -> None:
    assert service("api")["command"] == ["trajectory", "serve", "--no-projections"]


def test_api_builds_the_image_that_the_projector_runs() -> None:
    api, projector = service("api"), service("projector")
    assert api["build"] == "."
    assert projector["image"] == api["image"] == "trajectory:latest"
    assert "build" not in projector


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_waits_for_every_database_node_to_be_healthy(name: str) -> None:
    for node in NODES:
        assert service(name)["depends_on"][node] == {"condition": "service_healthy"}


def test_api_healthcheck_asks_for_health_as_the_image_does() -> None:
    code = healthcheck_code("api")
    assert "/health" in code and "TRAJECTORY_PORT" in code
    assert service("api")["healthcheck"]["test"] == dockerfile_healthcheck()


def test_api_stop_grace_period_outlasts_its_shutdown_timeout() -> None:
    api = service("api")
    timeout = interpolate(api["environment"]["TRAJECTORY_SHUTDOWN_TIMEOUT"], {})
    assert seconds(api["stop_grace_period"]) > int(timeout)


def test_projector_runs_trajectory_project_with_a_heartbeat_file() -> None:
    command = service("projector")["command"]
    assert command[:2] == ["trajectory", "project"]
    assert "--heartbeat" in command
    assert command.index("--heartbeat") + 1 < len(command), "--heartbeat needs a PATH"


def test_projector_healthcheck_checks_the_heartbeat_file_it_writes() -> None:
    command = service("projector")["command"]
    path = command[command.index("--heartbeat") + 1]
    code = healthcheck_code("projector")
    assert f"'{path}'" in code or f'"{path}"' in code
    assert "/health" not in code


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_runs_in_production(name: str) -> None:
    assert environment(name)["TRAJECTORY_ENV"] == "production"


@pytest.mark.parametrize("name", APP_SERVICES)
@pytest.mark.parametrize("secret", SECRETS)
def test_app_service_takes_each_secret_from_the_environment_as_required(
    name: str, secret: str
) -> None:
    values = environment(name).values()
    required = re.compile(r"\$\{" + secret + r":\?[^}]+\}")
    assert any(required.search(value) for value in values), (
        f"{name} takes {secret} as ${{{secret}:?...}}"
    )
    unset = {"POSTGRES_PASSWORD": "pw", "TRAJECTORY_MASTER_KEY": "key"}
    del unset[secret]
    with pytest.raises(KeyError):
        for value in values:
            interpolate(value, unset)


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_writes_no_secret_value_in_the_compose_file(name: str) -> None:
    env = environment(name)
    assert env["TRAJECTORY_MASTER_KEY"].startswith("${TRAJECTORY_MASTER_KEY:?")
    # Not urlsplit: the "?" of ":?" would end the URL's netloc.
    user_info = env["TRAJECTORY_DATABASE_URL"].partition("://")[2].rpartition("@")[0]
    password = user_info.partition(":")[2]
    assert re.fullmatch(r"\$\{POSTGRES_PASSWORD:\?[^}]+\}", password), password


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_database_url_points_at_every_node_for_the_primary(
    name: str,
) -> None:
    env = {"POSTGRES_PASSWORD": "pw", "TRAJECTORY_MASTER_KEY": A_MASTER_KEY}
    url = urlsplit(interpolate(environment(name)["TRAJECTORY_DATABASE_URL"], env))
    assert url.scheme == "postgresql"
    assert url.netloc == "trajectory:pw@" + ",".join(f"{n}:5432" for n in NODES)
    assert (url.username, url.password) == ("trajectory", "pw")
    assert url.path == "/trajectory"  # the database the cluster's set-up creates
    assert url.query == "target_session_attrs=read-write"


def test_every_variable_the_compose_file_uses_is_in_env_example() -> None:
    used = variables_used(compose())
    assert used, "the compose file uses variables"
    assert used <= set(env_example()), used - set(env_example())


@pytest.mark.parametrize("secret", SECRETS + CLUSTER_SECRETS)
def test_compose_refuses_to_load_until_each_secret_is_filled_in(secret: str) -> None:
    env = env_example() | {"TRAJECTORY_MASTER_KEY": A_MASTER_KEY}
    env |= FILLED | {secret: ""}
    with pytest.raises(KeyError) as raised:
        for text in strings_in(compose()):
            interpolate(text, env)
    assert secret in str(raised.value)


def test_compose_resolves_with_env_example_once_the_secrets_are_filled_in() -> None:
    env = env_example() | {"TRAJECTORY_MASTER_KEY": A_MASTER_KEY}
    env |= FILLED
    resolved = [interpolate(text, env) for text in strings_in(compose())]
    assert "8000:8000" in resolved
    assert A_MASTER_KEY in resolved


# --- .env.example ---------------------------------------------------------------------


@pytest.mark.parametrize("secret", SECRETS + CLUSTER_SECRETS)
def test_env_example_leaves_each_secret_empty(secret: str) -> None:
    assert env_example()[secret] == ""


# --- Dockerfile -----------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined and
    comments left out."""
    joined = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    instructions = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, arguments = stripped.partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for keyword, arguments in dockerfile_instructions():
        if keyword == "FROM":
            stages.append([])
        assert stages, "the Dockerfile starts with FROM"
        stages[-1].append((keyword, arguments))
    return stages


def final_stage() -> list[tuple[str, str]]:
    return dockerfile_stages()[-1]


def arguments_of(keyword: str, stage: list[tuple[str, str]]) -> list[str]:
    return [arguments for found, arguments in stage if found == keyword]


def dockerfile_healthcheck() -> list[str]:
    (healthcheck,) = arguments_of("HEALTHCHECK", final_stage())
    _, _, command = healthcheck.partition(" CMD ")
    parsed = json.loads(command)
    assert isinstance(parsed, list)
    return ["CMD", *parsed]


def test_dockerfile_has_a_build_stage_and_a_final_stage() -> None:
    assert len(dockerfile_stages()) == 2


def test_dockerfile_final_stage_is_a_slim_python_image() -> None:
    (base,) = arguments_of("FROM", final_stage())
    assert re.fullmatch(r"python:3\.\d+-slim", base), base


def test_dockerfile_final_stage_copies_only_the_venv_from_the_build_stage() -> None:
    assert arguments_of("COPY", final_stage()) == ["--from=build /opt/venv /opt/venv"]


def test_dockerfile_build_stage_copies_only_the_package_sources() -> None:
    copied: set[str] = set()
    for arguments in arguments_of("COPY", dockerfile_stages()[0]):
        copied |= set(arguments.split()[:-1])
    wanted = {"pyproject.toml", "README.md", "domain", "application", "interfaces"}
    assert copied == wanted


def test_dockerfile_final_stage_runs_as_a_user_that_is_not_root() -> None:
    users = arguments_of("USER", final_stage())
    assert users, "the final stage sets USER"
    user = users[-1].split(":")[0]
    assert user.isdigit() and user != "0"  # numeric: runAsNonRoot can check it


def test_dockerfile_final_stage_has_a_healthcheck_on_health() -> None:
    test = dockerfile_healthcheck()
    assert test[:3] == ["CMD", "python", "-c"]
    assert "/health" in test[3]


def test_dockerfile_final_stage_installs_no_build_tools() -> None:
    final = " ".join(arguments_of("RUN", final_stage()))
    tools = r"build-essential|gcc|g\+\+|libpq-dev|python3-dev"
    assert not re.search(rf"apt-get\s+install[^;&|]*\b({tools})", final)


def test_dockerfile_command_is_trajectory_serve() -> None:
    (command,) = arguments_of("CMD", final_stage())
    assert json.loads(command) == ["trajectory", "serve"]


# --- .dockerignore --------------------------------------------------------------------


@pytest.mark.parametrize("entry", [".env", ".venv", "var"])
def test_dockerignore_keeps_local_state_and_secrets_out_of_the_build(
    entry: str,
) -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    assert entry in {line.strip() for line in lines}


# --- the healthcheck commands, run ----------------------------------------------------


@pytest.fixture
def health_server() -> Iterator[tuple[ThreadingHTTPServer, list[int]]]:
    """A server on a free port that answers /health with the status in the list."""
    status = [200]

    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            self.send_response(status[0] if self.path == "/health" else 404)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, status
    finally:
        server.shutdown()
        server.server_close()


def run_python(code: str, **env: str) -> int:
    completed = subprocess.run(
        [sys.executable, "-c", code],
        env=os.environ | env,
        capture_output=True,
        timeout=30,
    )
    return completed.returncode


@pytest.mark.parametrize(("status", "exit_code"), [(200, 0), (503, 1), (404, 1)])
def test_api_healthcheck_exits_1_unless_health_answers_2xx(
    health_server: tuple[ThreadingHTTPServer, list[int]], status: int, exit_code: int
) -> None:
    server, answer = health_server
    answer[0] = status
    port = str(server.server_address[1])
    assert run_python(healthcheck_code("api"), TRAJECTORY_PORT=port) == exit_code


@pytest.mark.parametrize(
    ("age_seconds", "exit_code"), [(1, 0), (120, 1), (None, 1)], ids=str
)
def test_projector_healthcheck_exits_1_when_the_heartbeat_is_old_or_missing(
    tmp_path: Path, age_seconds: int | None, exit_code: int
) -> None:
    command = service("projector")["command"]
    path = command[command.index("--heartbeat") + 1]
    heartbeat = tmp_path / "heartbeat"
    if age_seconds is not None:
        heartbeat.touch()
        then = time.time() - age_seconds
        os.utime(heartbeat, (then, then))
    code = healthcheck_code("projector").replace(path, str(heartbeat))
    assert run_python(code) == exit_code
