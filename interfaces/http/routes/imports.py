"""``/imports``: an organisation's existing records brought in from a file (admin),
checked first by default; ``/imports/template.{format}``: the file to fill in."""

from __future__ import annotations

from typing import Annotated
from typing import Any
from typing import Literal
from uuid import UUID

from fastapi import APIRouter
from fastapi import Path
from fastapi import Query
from fastapi import Request
from fastapi import Response
from starlette.concurrency import run_in_threadpool

from interfaces.http.deps import Admin
from interfaces.http.errors import problem
from interfaces.http.openapi import LOCATION
from interfaces.http.openapi import READ
from interfaces.http.openapi import answers
from interfaces.http.schemas.imports import ImportOut
from interfaces.records.files import MEDIA_TYPES
from interfaces.records.files import FileRefused
from interfaces.records.files import Format
from interfaces.records.files import format_of
from interfaces.records.files import sniffed
from interfaces.records.jobs import ImportJob
from interfaces.records.jobs import ImportJobs
from interfaces.records.report import file_problem
from interfaces.records.template import template
from interfaces.web.i18n import Language

router = APIRouter(prefix="/imports", tags=["imports"])

# Declared as bytes (what generated clients send); text/csv, the XLSX type and
# application/x-ndjson are taken too, and the bytes themselves tell the rest.
FILE_TYPES = {
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
}


def jobs(request: Request) -> ImportJobs:
    state = request.app.state
    if getattr(state, "imports", None) is None:
        state.imports = ImportJobs(state.service)
    found: ImportJobs = state.imports
    return found


def import_out(job: ImportJob) -> ImportOut:
    return ImportOut.model_validate(job)


@router.post(
    "",
    status_code=202,
    response_model=ImportOut,
    responses=answers(404, 413, 415, _202={"headers": {"Location": LOCATION}}),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The file: CSV (UTF-8), XLSX or JSON Lines, one row per "
            "event (see `/imports/template.csv`), as application/octet-stream, "
            "text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml"
            ".sheet or application/x-ndjson",
            "content": FILE_TYPES,
        }
    },
)
async def start_import(
    request: Request,
    admin: Admin,
    response: Response,
    dry_run: Annotated[
        bool, Query(description="check every row and store nothing (the default)")
    ] = True,
    organisation: Annotated[
        str | None,
        Query(max_length=200, description="for referral rows that name none"),
    ] = None,
    name: Annotated[
        str | None, Query(max_length=200, description="the file's name, if any")
    ] = None,
    lang: Annotated[Language, Query(description="the report's language")] = "en",
) -> Any:
    """Import trajectories from a file sent as the body: CSV, XLSX or JSON Lines,
    one row per event (``/imports/template.csv``; ``name``'s ending, the
    Content-Type or else the bytes tell the format). The file is read at once
    (422 ``file_refused`` if it cannot be); its trajectories are then checked, and
    stored unless ``dry_run``, in the background: follow ``Location`` (admin).
    Each trajectory is stored whole or not at all, and a file imported again
    records nothing twice."""
    content_type = request.headers.get("content-type")
    content = await request.body()
    format = format_of(name, content_type) or sniffed(content, content_type)
    if format is None:
        return problem(
            415,
            "unsupported_file_type",
            "send text/csv, application/vnd.openxmlformats-officedocument."
            "spreadsheetml.sheet or application/x-ndjson",
        )
    try:
        # Reading a large file takes a while: off the event loop.
        job = await run_in_threadpool(
            jobs(request).start,
            content,
            format,
            file_name=name or f"import.{format}",
            by=admin.name,
            dry_run=dry_run,
            organisation=organisation,
            language=lang,
        )
    except FileRefused as refused:
        return problem(422, "file_refused", file_problem(refused, lang))
    response.headers["Location"] = f"/imports/{job.id}"
    return import_out(job)


@router.get(
    "/template.{format}",
    response_class=Response,
    responses=answers(
        404,
        _200={
            "description": "The template file",
            "content": {
                media.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                for media in MEDIA_TYPES.values()
            },
        },
    ),
)
def import_template(
    format: Annotated[
        Literal["csv", "xlsx", "jsonl"], Path(description="the file's format")
    ],
    _: Admin,
) -> Response:
    """The file to fill in: every column, and one whole trajectory as an example."""
    return template_file(format)


def template_file(format: Format) -> Response:
    """The template as a download (the API's and the page's)."""
    return Response(
        template(format),
        media_type=MEDIA_TYPES[format],
        headers={
            "Content-Disposition": f'attachment; filename="trajectories.{format}"'
        },
    )


@router.get("/{import_id}", response_model=ImportOut, responses=READ)
def follow_import(
    import_id: Annotated[
        UUID, Path(description="the import's id, from the Location of its start")
    ],
    request: Request,
    _: Admin,
) -> ImportOut:
    """How an import goes: the trajectories done so far, and once done what was
    stored and what refused (admin). A server remembers its last 20 imports."""
    return import_out(jobs(request).get(import_id))
