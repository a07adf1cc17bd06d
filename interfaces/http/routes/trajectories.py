import functools
from datetime import date
from typing import Annotated
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi import Body
from fastapi import Query
from fastapi import Response
from pydantic import TypeAdapter
from starlette.concurrency import run_in_threadpool

from application.access import Caller
from application.access import OtherOrganisation
from application.audit.replay import HistoryEntry
from application.audit.replay import TrajectoryDiff
from application.projections.caseload.queries import DEFAULT_LIMIT
from application.projections.caseload.queries import MAX_LIMIT
from application.projections.caseload.queries import MAX_OFFSET
from application.projections.caseload.queries import TrajectoryListQuery
from domain.trajectory import Placement
from domain.trajectory import Trajectory
from domain.vocabulary import Stage
from interfaces.http.deps import NO_NUL
from interfaces.http.deps import ExpectedVersion
from interfaces.http.deps import OrganisationFilter
from interfaces.http.deps import ProgrammeFilter
from interfaces.http.deps import Reader
from interfaces.http.deps import RecordRead
from interfaces.http.deps import Service
from interfaces.http.deps import StaffWrite
from interfaces.http.deps import ViewsDep
from interfaces.http.errors import InvalidParameter
from interfaces.http.openapi import PERSONAL_WRITE
from interfaces.http.openapi import READ
from interfaces.http.openapi import answers
from interfaces.http.schemas.base import answer_of
from interfaces.http.schemas.commands import EVENT_EXAMPLES
from interfaces.http.schemas.commands import EventIn
from interfaces.http.schemas.commands import ReferralIn
from interfaces.http.schemas.trajectories import Created
from interfaces.http.schemas.trajectories import EventRecorded
from interfaces.http.schemas.trajectories import FieldChangeOut
from interfaces.http.schemas.trajectories import HistoryEntryOut
from interfaces.http.schemas.trajectories import PlacementOut
from interfaces.http.schemas.trajectories import TrajectoryDiffOut
from interfaces.http.schemas.trajectories import TrajectoryListOut
from interfaces.http.schemas.trajectories import TrajectoryOut
from interfaces.http.schemas.trajectories import TrajectorySummaryOut

router = APIRouter(prefix="/trajectories", tags=["trajectories"])


def trajectory_out(trajectory: Trajectory) -> TrajectoryOut:
    return answer_of(
        TrajectoryOut,
        trajectory,
        placements=[placement_out(p) for p in trajectory.placements],
        retracted_versions=sorted(int(v) for v in trajectory.retracted),
    )


def placement_out(placement: Placement) -> PlacementOut:
    return PlacementOut.model_validate(placement, from_attributes=True)


@functools.cache
def _state_field(name: str) -> TypeAdapter[Any]:
    return TypeAdapter(TrajectoryOut.model_fields[name].rebuild_annotation())


def state_value(name: str, value: Any) -> Any:
    """A field of the state as JSON, exactly as ``trajectory_out`` renders it."""
    if name == "placements":
        value = [placement_out(p) for p in value]
    return _state_field(name).dump_python(value, mode="json")


def diff_out(diff: TrajectoryDiff) -> TrajectoryDiffOut:
    return TrajectoryDiffOut(
        from_version=diff.from_version,
        to_version=diff.to_version,
        changes=[
            FieldChangeOut(
                field=change.field,
                before=state_value(change.field, change.before),
                after=state_value(change.field, change.after),
            )
            for change in diff.changes
        ],
        events=[history_entry_out(e) for e in diff.events],
    )


def history_entry_out(entry: HistoryEntry) -> HistoryEntryOut:
    return HistoryEntryOut.of(entry)


@router.post("", status_code=201, response_model=Created, responses=PERSONAL_WRITE)
def refer(body: ReferralIn, write: StaffWrite) -> Created:
    """Receive a referral: creates the participant's trajectory in the programme
    (staff, into their own organisation)."""
    caller = write.caller
    answer = write.service.refer(
        body.command(), recorded_by=caller.name, within=caller.within, key=write.key
    )
    write.answered(answer, f"/trajectories/{answer.id}")
    return Created(id=answer.id, version=answer.version)


@router.post(
    "/{trajectory_id}/events",
    status_code=201,
    response_model=EventRecorded,
    responses=PERSONAL_WRITE,
)
async def record_event(
    trajectory_id: UUID,
    body: Annotated[EventIn, Body(openapi_examples=EVENT_EXAMPLES)],
    write: StaffWrite,
    expected_version: ExpectedVersion,
) -> EventRecorded:
    """Record one event in the trajectory; `type` says which (staff of the
    trajectory's organisation)."""
    # Async, with the write in a worker thread: a sync route would have FastAPI
    # hand its answer to a worker thread again to check it against the response
    # model, a second hand-off on the busiest route.
    command = body.command()
    record = functools.partial(
        write.service.record,
        trajectory_id,
        command,
        recorded_by=write.caller.name,
        within=write.caller.within,
        expected_version=expected_version,
        key=write.key,
    )
    answer = await run_in_threadpool(record)
    write.answered(answer, f"/trajectories/{trajectory_id}/history")
    return EventRecorded(
        trajectory_id=trajectory_id, version=answer.version, type=command.event_type
    )


@router.get("", response_model=TrajectoryListOut, responses=READ)
def list_trajectories(
    views: ViewsDep,
    caller: Reader,
    programme: ProgrammeFilter = None,
    organisation: OrganisationFilter = None,
    stage: Annotated[Stage | None, Query()] = None,
    coach: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
    participant_id: Annotated[
        UUID | None, Query(description="the participant's trajectories only")
    ] = None,
    referred_from: Annotated[
        date | None, Query(description="referred on or after this date")
    ] = None,
    referred_to: Annotated[
        date | None, Query(description="referred on or before this date")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> TrajectoryListOut:
    """Trajectories in any stage, oldest referral first, from the caseload view
    (staff see their own organisation's)."""
    total, page = views.trajectory_page(
        TrajectoryListQuery(
            programme=programme,
            organisation=scoped(caller, organisation),
            stage=stage.value if stage else None,
            coach=coach,
            participant_id=participant_id,
            referred_from=referred_from,
            referred_to=referred_to,
            limit=limit,
            offset=offset,
        )
    )
    return TrajectoryListOut(
        total=total,
        trajectories=[
            TrajectorySummaryOut(
                id=t.trajectory_id,
                **{k: v for k, v in vars(t).items() if k != "trajectory_id"},
            )
            for t in page
        ],
    )


@router.get(
    "/{trajectory_id}", response_model=TrajectoryOut, responses=answers(404, etag=200)
)
def get_trajectory(
    trajectory_id: UUID,
    service: Service,
    caller: Reader,
    record_read: RecordRead,
    response: Response,
    as_of_version: Annotated[
        int | None, Query(ge=1, description="replay up to this version")
    ] = None,
    as_of: Annotated[
        date | None,
        Query(description="replay the events whose business date is on or before it"),
    ] = None,
) -> TrajectoryOut:
    """The trajectory's current state, or its state at a version or a date. It
    holds personal data (disability, postcode): the read is recorded in the access
    log."""
    if as_of_version is not None and as_of is not None:
        raise InvalidParameter("query.as_of", "give as_of_version or as_of, not both")
    if as_of_version is not None:
        trajectory = service.trajectory_at_version(
            trajectory_id, as_of_version, caller.within
        )
    elif as_of is not None:
        trajectory = service.trajectory_as_of(trajectory_id, as_of, caller.within)
    else:
        trajectory = service.trajectory(trajectory_id, caller.within)
    record_read([trajectory.participant_id])
    response.headers["ETag"] = f'"{trajectory.version}"'
    return trajectory_out(trajectory)


@router.get(
    "/{trajectory_id}/history",
    response_model=list[HistoryEntryOut],
    responses=READ,
)
def get_history(
    trajectory_id: UUID, service: Service, caller: Reader, record_read: RecordRead
) -> list[HistoryEntryOut]:
    """Every stored event, oldest first; retracted ones are marked, never removed.
    The read is recorded in the access log."""
    entries = service.history(trajectory_id, caller.within)
    record_read([service.trajectory(trajectory_id).participant_id])
    return [history_entry_out(e) for e in entries]


@router.get(
    "/{trajectory_id}/diff",
    response_model=TrajectoryDiffOut,
    responses=READ,
)
def get_diff(
    trajectory_id: UUID,
    service: Service,
    caller: Reader,
    record_read: RecordRead,
    from_version: Annotated[int, Query(ge=1, description="the earlier version")],
    to_version: Annotated[
        int, Query(ge=1, description="the later version, or the same one")
    ],
) -> TrajectoryDiffOut:
    """The state's fields that changed from one version to another, and the events
    recorded in between. The read is recorded in the access log."""
    diff = service.diff(trajectory_id, from_version, to_version, caller.within)
    record_read([service.trajectory(trajectory_id).participant_id])
    return diff_out(diff)


def scoped(caller: Caller, organisation: str | None) -> str | None:
    """The organisation filter of a view query: staff see their own only."""
    if caller.within is None:
        return organisation
    if organisation is not None and organisation != caller.within:
        raise OtherOrganisation(caller.within, organisation)
    return caller.within
