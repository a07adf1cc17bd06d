"""The OpenAPI document is complete: every model shows an example that the model
itself accepts, and every operation documents its error answers, each with an
example body."""

import json
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic import TypeAdapter

from application.settings import Settings
from interfaces.http import errors
from interfaces.http.app import create_app
from interfaces.http.openapi import refusals
from interfaces.http.routes import health
from interfaces.http.schemas import access
from interfaces.http.schemas import audit
from interfaces.http.schemas import base
from interfaces.http.schemas import coaches
from interfaces.http.schemas import commands
from interfaces.http.schemas import group_sessions
from interfaces.http.schemas import imports
from interfaces.http.schemas import participants
from interfaces.http.schemas import programmes
from interfaces.http.schemas import reports
from interfaces.http.schemas import todo
from interfaces.http.schemas import trajectories
from interfaces.http.schemas import views

# Building the app opens nothing: no database is needed for the document.
DATABASE = Path(tempfile.gettempdir()) / "trajectory-openapi-document.db"
DOCUMENT: dict[str, Any] = create_app(
    Settings(database_url=f"sqlite:///{DATABASE}")
).openapi()
SCHEMAS: dict[str, dict[str, Any]] = DOCUMENT["components"]["schemas"]

# The modules that declare the models of the document.
MODEL_MODULES: tuple[ModuleType, ...] = (
    base,
    commands,
    coaches,
    group_sessions,
    todo,
    programmes,
    reports,
    participants,
    trajectories,
    views,
    access,
    audit,
    errors,
    health,
    imports,
)
ANSWERS = list(refusals.ERRORS.values())  # each error status's answer
MODELS: dict[str, type[BaseModel]] = {
    value.__name__: value
    for module in MODEL_MODULES
    for value in vars(module).values()
    if isinstance(value, type)
    and issubclass(value, BaseModel)
    and value.__module__ == module.__name__
} | {
    model.__name__: model
    for model in (
        *commands.EVENT_BODIES.values(),
        *trajectories.HISTORY_ENTRIES.values(),
        *trajectories.EVENT_DATA.values(),
        *(answer["model"] for answer in ANSWERS),
        *(
            answer["model"].model_fields["detail"].annotation
            for answer in refusals.ERRORS.values()
        ),
    )
}

# The schemas of objects: not the enums, nor the union of the event bodies (EventIn).
OBJECT_SCHEMAS = sorted(
    n for n, schema in SCHEMAS.items() if "enum" not in schema and "oneOf" not in schema
)

UNDOCUMENTED = {"/health", "/metrics"}  # operations, not part of the API proper
WRITES = {"post", "put", "patch", "delete"}
EVENT_ROUTE = "/trajectories/{trajectory_id}/events"
OPERATIONS: list[tuple[str, str, dict[str, Any]]] = [
    (path, method, operation)
    for path, item in DOCUMENT["paths"].items()
    if path not in UNDOCUMENTED
    for method, operation in item.items()
]


OPERATION_IDS = [f"{method.upper()} {path}" for path, method, _ in OPERATIONS]


def is_request_model(model: type[BaseModel]) -> bool:
    return issubclass(model, base.Request)


def is_error_model(model: type[BaseModel]) -> bool:
    return model.__module__ in (errors.__name__, refusals.__name__)


def component_name(schema: dict[str, Any]) -> str:
    """The component a response or body schema refers to."""
    reference: str = schema["$ref"]
    return reference.removeprefix("#/components/schemas/")


def examples_of(media: dict[str, Any]) -> list[Any]:
    """A media type's examples, whether given as one ``example`` or as named
    ``examples``."""
    found = [media["example"]] if "example" in media else []
    found += [named["value"] for named in media.get("examples", {}).values()]
    return found


# (a) every object schema has examples -------------------------------------------------


def test_the_document_holds_the_models_of_the_api() -> None:
    assert {
        "ProgrammeIn",
        "IntakeCompletedIn",
        "TrajectoryOut",
        "NotFoundError",
    } <= set(OBJECT_SCHEMAS)


@pytest.mark.parametrize("name", OBJECT_SCHEMAS)
def test_every_object_schema_has_an_example(name: str) -> None:
    schema = SCHEMAS[name]

    assert schema.get("type") == "object", name
    examples = schema.get("examples")
    assert isinstance(examples, list) and examples, f"{name} has no examples"
    assert all(isinstance(example, dict) and example for example in examples), name


# (b) every example is one its model accepts ---------------------------------------


@pytest.mark.parametrize("name", OBJECT_SCHEMAS)
def test_every_object_schema_is_a_model_of_the_interface(name: str) -> None:
    """So that the examples of each one are checked below."""
    assert name in MODELS, f"add the module declaring {name} to MODEL_MODULES"


@pytest.mark.parametrize("name", OBJECT_SCHEMAS)
def test_every_example_validates_against_its_model(name: str) -> None:
    """The examples as the model declares them: FastAPI drops every null from the
    document, examples included."""
    model = MODELS[name]
    examples = model.model_json_schema().get("examples", [])

    assert examples, f"{name} declares no examples"
    for example in examples:
        # as a client sends it, or receives it: JSON text
        validated = model.model_validate_json(json.dumps(example))

        if not is_request_model(model) and not is_error_model(model):
            # an answer always holds every field
            assert validated.model_fields_set == set(model.model_fields), example


@pytest.mark.parametrize(
    "name", [n for n in OBJECT_SCHEMAS if n in MODELS and is_request_model(MODELS[n])]
)
def test_request_models_refuse_unknown_fields(name: str) -> None:
    assert SCHEMAS[name].get("additionalProperties") is False, name
    assert MODELS[name].model_config.get("extra") == "forbid", name


def test_the_event_examples_are_events() -> None:
    body = DOCUMENT["paths"][EVENT_ROUTE]["post"]["requestBody"]
    examples = examples_of(body["content"]["application/json"])
    event = TypeAdapter(commands.EventIn)

    assert examples
    for example in examples:
        recorded = event.validate_json(json.dumps(example))
        assert recorded.type == example["type"]


def test_every_event_type_has_an_example_model() -> None:
    """Each event's own model shows an example of that very type."""
    events = [
        name
        for name in OBJECT_SCHEMAS
        if name.endswith("In")  # the bodies, not the history's entries
        and "type" in SCHEMAS[name].get("properties", {})
        and "const" in SCHEMAS[name]["properties"]["type"]
    ]

    assert len(events) >= len(commands.EVENT_EXAMPLES)
    for name in events:
        kind = SCHEMAS[name]["properties"]["type"]["const"]
        assert {e["type"] for e in SCHEMAS[name]["examples"]} == {kind}, name
        if kind in commands.EVENT_EXAMPLES:
            assert (
                SCHEMAS[name]["examples"][0] == (commands.EVENT_EXAMPLES[kind]["value"])
            ), name


# (c) every operation documents its errors -------------------------------------------


def test_the_operations_are_in_the_document() -> None:
    assert "post" in DOCUMENT["paths"][EVENT_ROUTE]
    assert "get" in DOCUMENT["paths"]["/programmes"]
    assert "get" in DOCUMENT["paths"]["/outcomes/definitions"]


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=OPERATION_IDS)
def test_every_operation_declares_its_errors(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    expected = {"401", "403", "422", "503"}
    if method in WRITES and path != "/tokens":  # a token is created from nothing
        expected.add("404")
    if path == EVENT_ROUTE:
        expected.add("409")

    declared = set(operation["responses"])

    assert expected <= declared, f"missing {sorted(expected - declared)}"


# (d) each error answer shows an example body --------------------------------------


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=OPERATION_IDS)
def test_every_error_response_has_an_example(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    failures = {
        status: response
        for status, response in operation["responses"].items()
        if int(status) >= 400
    }

    assert failures
    for status, response in failures.items():
        media = response.get("content", {}).get("application/json", {})
        examples = examples_of(media)
        assert examples, f"{status} has no JSON example"
        model = MODELS[component_name(media["schema"])]
        for example in examples:
            assert isinstance(example["detail"]["code"], str), (status, example)
            assert example["detail"]["code"], (status, example)
            model.model_validate_json(json.dumps(example))
