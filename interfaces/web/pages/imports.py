"""An admin's import: a file checked (by default) or imported, its progress, and what
was stored and refused, row by row; after a clean check, the same file for real."""

from __future__ import annotations

from typing import Annotated
from typing import Literal
from uuid import UUID

from fastapi import APIRouter
from fastapi import Path
from fastapi.responses import HTMLResponse
from fastapi.responses import RedirectResponse
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from interfaces.http.routes.imports import jobs
from interfaces.http.routes.imports import template_file
from interfaces.records.files import IMPORT_MAX_BYTES
from interfaces.records.files import FileRefused
from interfaces.records.files import format_of
from interfaces.records.files import sniffed
from interfaces.records.report import counts
from interfaces.records.report import file_problem
from interfaces.web.forms import PROBLEMS
from interfaces.web.i18n import N_
from interfaces.web.pages.lists import organisations_of
from interfaces.web.posting import PostedForm
from interfaces.web.session import PAGES
from interfaces.web.visit import AdminVisit
from interfaces.web.visit import Visit

router = APIRouter(prefix=PAGES)
STATES = {
    "waiting": N_("waiting"),
    "running": N_("running"),
    "done": N_("done"),
    "failed": N_("failed"),
}
NO_FILE = N_("Choose a file: CSV, XLSX or JSON Lines.")
TOO_LARGE = N_(
    "The file is larger than 64 MiB: split it (trajectories do not span files)."
)


def page(
    visit: Visit, *, problem: str | None = None, status_code: int = 200
) -> Response:
    return visit.render(
        "import.html",
        status_code=status_code,
        here=visit.path_for("ui_import"),
        active="ui_import",
        organisations=organisations_of(visit.service.programmes()),
        problem=problem,
        recent=list(reversed(jobs(visit.request).jobs.values())),
        STATES=STATES,
    )


@router.get("/import/template.{format}", name="ui_import_template")
def import_template(
    format: Annotated[Literal["csv", "xlsx", "jsonl"], Path()], _: AdminVisit
) -> Response:
    return template_file(format)


@router.get("/import", name="ui_import", response_class=HTMLResponse)
def import_page(visit: AdminVisit) -> Response:
    return page(visit)


@router.post("/import", name="ui_start_import", response_class=HTMLResponse)
async def start_import(visit: AdminVisit, form: PostedForm) -> Response:
    request, texts, caller = visit.request, visit.texts, visit.caller

    def refused(problem: str, status_code: int) -> Response:
        return page(visit, problem=texts.gettext(problem), status_code=status_code)

    upload = form.get("file")
    known = [value for value, _ in organisations_of(visit.service.programmes())]
    organisation = str(form.get("organisation") or "").strip() or None
    if organisation is not None and organisation not in known:
        return refused(PROBLEMS["enum"], 422)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return refused(NO_FILE, 422)
    content = await upload.read(IMPORT_MAX_BYTES + 1)
    if len(content) > IMPORT_MAX_BYTES:
        return refused(TOO_LARGE, 413)
    format = format_of(upload.filename, upload.content_type) or sniffed(content, None)
    if format is None:
        return refused(NO_FILE, 415)
    try:
        job = await run_in_threadpool(  # reading a large file: off the event loop
            jobs(request).start,
            content,
            format,
            file_name=upload.filename,
            by=caller.name,
            dry_run=form.get("dry_run") == "true",
            organisation=organisation,
            language=texts.language,
        )
    except FileRefused as unreadable:
        problem = file_problem(unreadable, texts.language)
        return page(visit, problem=problem, status_code=422)
    return RedirectResponse(
        request.app.url_path_for("ui_import_job", import_id=str(job.id)), 303
    )


@router.get("/import/{import_id}", name="ui_import_job", response_class=HTMLResponse)
def import_job(import_id: Annotated[UUID, Path()], visit: AdminVisit) -> Response:
    job = jobs(visit.request).get(import_id)
    # The state first: the job's thread puts the summary in before it says "done",
    # so a page that reads "done" has the summary whole.
    state = job.state
    summary = job.summary
    return visit.render(
        "import_job.html",
        active="ui_import",
        job=job,
        state=state,
        summary=summary,
        lines=counts(summary, visit.texts.language) if summary else [],
    )


@router.post(
    "/import/{import_id}/real", name="ui_import_for_real", response_class=HTMLResponse
)
def import_for_real(
    import_id: Annotated[UUID, Path()], visit: AdminVisit, form: PostedForm
) -> Response:
    """The file of a dry run, imported for real."""
    request = visit.request
    checked = jobs(request).get(import_id)
    job = jobs(request).start(
        checked.content,
        checked.format,
        file_name=checked.file_name,
        by=visit.caller.name,
        dry_run=False,
        organisation=checked.organisation,
        language=visit.texts.language,
    )
    return RedirectResponse(
        request.app.url_path_for("ui_import_job", import_id=str(job.id)), 303
    )
