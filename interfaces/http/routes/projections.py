from fastapi import APIRouter

from interfaces.http.deps import Admin, Operator, ViewsDep
from interfaces.http.errors import ERROR_RESPONSES, ErrorBody
from interfaces.http.schemas import RebuildStartedOut, ViewStatusOut

router = APIRouter(prefix="/projections", tags=["views"])


@router.get("", response_model=list[ViewStatusOut], responses=ERROR_RESPONSES)
def projections(views: ViewsDep, _: Operator) -> list[ViewStatusOut]:
    """Each view's position in the event log, the log's head, and the lag."""
    return [
        ViewStatusOut(
            name=status.name,
            generation=status.generation,
            position=status.position,
            head=status.head,
            lag=status.lag,
            rebuild=(
                views.rebuilds[status.name].summary()
                if status.name in views.rebuilds
                else None
            ),
        )
        for status in views.status()
    ]


@router.post(
    "/{name}/rebuild",
    status_code=202,
    response_model=RebuildStartedOut,
    responses={
        **ERROR_RESPONSES,
        409: {
            "model": ErrorBody,
            "description": "A rebuild of the view is running",
            "content": {
                "application/json": {
                    "example": {
                        "detail": {
                            "code": "rebuild_in_progress",
                            "message": "the caseload view is being rebuilt already",
                        }
                    }
                }
            },
        },
    },
)
def rebuild(name: str, views: ViewsDep, _: Admin) -> RebuildStartedOut:
    """Rebuild a view into fresh tables while the old ones keep serving, then
    switch; follow it in GET /projections."""
    views.rebuild_in_background(name)
    return RebuildStartedOut(name=name, state="rebuilding")
