"""The document ``/openapi.json`` answers: FastAPI's, made once, then completed for
generated clients (the event bodies as one named union, every error code as one
enum, parameters and bodies described, examples with their nulls)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

from interfaces.http.openapi.refusals import error_codes
from interfaces.http.openapi.refusals import subclasses

REF = "#/components/schemas/"


def operation_id(route: APIRoute) -> str:
    """An operation's id: its route function's name (``record_event``), short and
    stable, which generated clients name their functions after."""
    return route.name


def install(app: FastAPI) -> None:
    """``app.openapi()`` answers ``document(app)``, made once."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


# What each parameter that does not describe itself names, by where and name.
PARAMETERS: dict[tuple[str, str], str] = {
    ("path", "trajectory_id"): "the trajectory's id (POST /trajectories answers it)",
    ("path", "participant_id"): "the participant's id (POST /participants answers it)",
    ("path", "coach_id"): "the coach's id (GET /coaches lists them)",
    ("path", "group_session_id"): "the group session's id",
    ("path", "token_id"): "the token's id (GET /tokens lists them; never its secret)",
    ("path", "code"): "the programme's code (BUSO-AALST)",
    ("path", "name"): "the view: caseload or outcomes",
    ("query", "coach"): "a coach's name, without regard to case, accents or spaces",
    ("query", "coach_id"): "a coach's id",
    ("query", "limit"): "at most this many on the page",
    ("query", "offset"): "skip this many first (the next page: offset + limit)",
    ("query", "organisation"): "only this organisation's (staff: their own always)",
    ("query", "programme"): "only this programme's, by its code",
    ("query", "stage"): "only the trajectories in this stage",
}
# What each request body is, by its schema's name.
BODIES: dict[str, str] = {
    "ProgrammeIn": "The programme to register",
    "PeriodIn": "The programme's new period, from a day on",
    "CoachIn": "The coach to register",
    "LeavingIn": "The day the coach left",
    "GroupSessionIn": "The group session, with each participant's trajectory",
    "ParticipantIn": "The participant's personal data",
    "ReferralIn": "The referral: who, into which programme and organisation, when",
    "EventIn": "The event to record; its type names it",
    "TokenIn": "The token's role, holder and organisation",
}


TAGS = [
    {"name": "trajectories", "description": "Referrals, events and histories"},
    {"name": "participants", "description": "Personal data, kept apart"},
    {"name": "programmes", "description": "The programme catalogue"},
    {"name": "coaches", "description": "The coaches of each organisation"},
    {"name": "views", "description": "Caseloads, to-do lists, outcome figures"},
    {"name": "reports", "description": "Spreadsheets and the funder's report"},
    {"name": "audit", "description": "Verification and the access log"},
    {"name": "tokens", "description": "Access tokens"},
    {"name": "imports", "description": "Existing records brought in from a file"},
    {"name": "operations", "description": "Health and metrics"},
]


def document(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of ``app``'s routes, completed for generated clients."""
    spec = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        description=app.description,
        routes=app.routes,
        tags=TAGS,
        servers=[{"url": "/", "description": "this server"}],
    )
    schemas: dict[str, Any] = spec["components"]["schemas"]
    for item in spec["paths"].values():
        for operation in item.values():
            _name_the_event_union(operation, schemas)
            _quote_if_match(operation)
            _describe_parameters_and_body(operation)
            _text_has_a_schema(operation)
    schemas["ErrorCode"] = {
        "type": "string",
        "enum": error_codes(),
        "title": "ErrorCode",
        "description": "Every code an error answer's detail.code can carry; a code "
        "is never reworded. See the integrators' documentation for each.",
    }
    for name in ("ErrorDetail", "ConflictDetail", "InvalidRequestDetail"):
        if name in schemas:  # an answer of one status has its own codes
            schemas[name]["properties"]["code"] = {"$ref": f"{REF}ErrorCode"}
    for name, schema in schemas.items():
        refusal = schema.get("properties", {}).get("refusal")
        if name.endswith("Detail") and refusal is not None:
            refusal["anyOf"][0] = {"$ref": f"{REF}UnprocessableCode"}
    _examples_with_their_nulls(schemas)
    for route in _api_routes(app.routes):
        for method in route.methods or ():
            operation = spec["paths"].get(route.path_format, {}).get(method.lower())
            if operation is not None:
                _answers_examples_with_their_nulls(route, operation)
    return spec


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # a router included whole
            yield from _api_routes(route.original_router.routes)


def _answers_examples_with_their_nulls(
    route: APIRoute, operation: dict[str, Any]
) -> None:
    """The examples of a route's declared answers as it declares them (FastAPI drops
    their nulls too)."""
    for status, answer in route.responses.items():
        declared = operation["responses"].get(str(status), {}).get("content", {})
        for media_type, media in answer.get("content", {}).items():
            if media_type in declared and "example" in media:
                declared[media_type]["example"] = media["example"]


def _examples_with_their_nulls(schemas: dict[str, Any]) -> None:
    """Each model's examples as it declares them: FastAPI drops every null from the
    document, and an example without its required nullable fields fails its own
    schema."""
    models: dict[str, list[type[BaseModel]]] = {}
    for model in subclasses(BaseModel):
        if model.__module__.startswith("interfaces.http"):
            models.setdefault(model.__name__, []).append(model)
    for name, schema in schemas.items():
        found = models.get(name, [])
        if len(found) == 1 and "examples" in schema:
            declared = found[0].model_json_schema(mode="serialization")
            schema["examples"] = declared.get("examples", schema["examples"])


def _name_the_event_union(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """The union of the event bodies, inline in the request body, as the named
    component EventIn, discriminated by ``type``."""
    media = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if media is None or "discriminator" not in media["schema"]:
        return
    union = media["schema"]
    union.pop("title", None)
    union["title"] = "EventIn"
    union["description"] = "One event to record; `type` names it."
    schemas["EventIn"] = union
    media["schema"] = {"$ref": f"{REF}EventIn"}


def _describe_parameters_and_body(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        described = PARAMETERS.get((parameter["in"], parameter["name"]))
        if not parameter.get("description") and described:
            parameter["description"] = described
    body = operation.get("requestBody")
    if body is not None and not body.get("description"):
        schema = body["content"]["application/json"].get("schema", {})
        name = schema.get("$ref", "").removeprefix(REF)
        if name in BODIES:
            body["description"] = BODIES[name]


def _quote_if_match(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        if parameter["name"].lower() == "if-match":
            parameter["description"] = (
                "The version you last read, as its ETag gave it: a quoted number "
                '(`If-Match: "3"`; `W/"3"` and a bare 3 are taken too). A stale '
                "version gets 409 `version_conflict` with the current version, and "
                "nothing is written."
            )
            parameter["schema"] = {
                "type": "string",
                "pattern": r'^(W/)?"?[1-9][0-9]{0,17}"?$',
                "examples": ['"3"'],
            }


def _text_has_a_schema(operation: dict[str, Any]) -> None:
    """A text answer (CSV, the metrics, NDJSON lines) is a string."""
    for answer in operation["responses"].values():
        for media_type, media in answer.get("content", {}).items():
            if not media_type.startswith("application/json"):
                media.setdefault("schema", {"type": "string"})
