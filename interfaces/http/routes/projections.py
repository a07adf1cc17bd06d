from fastapi import APIRouter

from application.access import Forbidden
from application.access import Role
from interfaces.http.deps import Rebuilder
from interfaces.http.deps import ViewsDep
from interfaces.http.deps import ViewWatcher
from interfaces.http.openapi import READ
from interfaces.http.openapi import answers
from interfaces.http.schemas.views import RebuildStartedOut
from interfaces.http.schemas.views import ViewStatusOut

router = APIRouter(prefix="/projections", tags=["views"])

# What each role other than admin may rebuild: the outcome view holds no personal
# data, and evaluators rebuild it (after a definition changes, say).
REBUILT_BY = {Role.EVALUATOR: frozenset({"outcomes"})}


@router.get("", response_model=list[ViewStatusOut], responses=READ)
def projections(views: ViewsDep, _: ViewWatcher) -> list[ViewStatusOut]:
    """Each view's generation, position in the event log, the log's head, the lag,
    and the last rebuild this server started, with its progress."""
    return [
        ViewStatusOut.model_validate(status, from_attributes=True)
        for status in views.status()
    ]


@router.post(
    "/{name}/rebuild",
    status_code=202,
    response_model=RebuildStartedOut,
    responses=answers(404, 409),
)
def rebuild(name: str, views: ViewsDep, caller: Rebuilder) -> RebuildStartedOut:
    """Rebuild a view into fresh tables while the old ones keep serving, then
    switch; follow it in GET /projections. Admins rebuild any view, evaluators the
    outcome view; one rebuild of a view at a time."""
    projection = views.projection(name)
    allowed = REBUILT_BY.get(caller.role)
    if allowed is not None and projection.name not in allowed:
        raise Forbidden(
            f"{_article(caller.role.value)} {caller.role.value} token may rebuild "
            f"the {', '.join(sorted(allowed))} "
            f"view only; the {projection.name} view's rebuild is the admins'"
        )
    views.rebuild_in_background(name)
    return RebuildStartedOut(name=name, state="rebuilding")


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"
