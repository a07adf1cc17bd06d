import functools
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Query, Response
from pydantic import TypeAdapter

from application.access import Caller, OtherOrganisation
from application.projections.caseload.queries import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_OFFSET,
    TrajectoryListQuery,
)
from application.trajectories import HistoryEntry, TrajectoryDiff
from domain.trajectory import Placement, Trajectory
from domain.vocabulary import Stage
from interfaces.http.deps import (
    NO_NUL,
    ExpectedVersion,
    Idempotency,
    Reader,
    RecordRead,
    Service,
    Staff,
    ViewsDep,
)
from interfaces.http.errors import (
    ERROR_RESPONSES,
    REPLAYED,
    WRITE_RESPONSES,
    InvalidParameter,
)
from interfaces.http.schemas import (
    EVENT_EXAMPLES,
    Created,
    EventIn,
    EventRecorded,
    FieldChangeOut,
    HistoryEntryOut,
    PlacementOut,
    ReferralIn,
    TrajectoryDiffOut,
    TrajectoryListOut,
    TrajectoryOut,
    TrajectorySummaryOut,
)

router = APIRouter(prefix="/trajectories", tags=["trajectories"])

# The application method that records each type of event.
COMMANDS = {**Trajectory.COMMANDS, "EntryRetracted": "retract_entry"}


def trajectory_out(trajectory: Trajectory) -> TrajectoryOut:
    return TrajectoryOut(
        **{
            name: getattr(trajectory, name)
            for name in TrajectoryOut.model_fields
            if name not in ("id", "placements", "retracted_versions")
        },
        id=trajectory.id,
        placements=[placement_out(p) for p in trajectory.placements],
        retracted_versions=sorted(int(v) for v in trajectory.retracted),
    )


def placement_out(placement: Placement) -> PlacementOut:
    return PlacementOut(**vars(placement), competitive=placement.competitive)


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
    return HistoryEntryOut(
        version=entry.version,
        type=entry.type,
        business_date=entry.business_date,
        recorded_at=entry.recorded_at,
        recorded_by=entry.recorded_by,
        data=entry.data,
        retracted=entry.retracted_by is not None,
        retracted_by=entry.retracted_by,
    )


@router.post("", status_code=201, response_model=Created, responses=ERROR_RESPONSES)
def refer(
    body: ReferralIn,
    service: Service,
    caller: Staff,
    key: Idempotency,
    response: Response,
) -> Created:
    """Receive a referral: creates the participant's trajectory in the programme
    (staff, into their own organisation)."""
    answer = service.once(
        key,
        lambda: service.refer(
            **body.model_dump(), recorded_by=caller.name, within=caller.within
        ),
    )
    assert answer.aggregate_id is not None
    if answer.replayed:
        response.headers[REPLAYED] = "true"
    response.headers["Location"] = f"/trajectories/{answer.aggregate_id}"
    response.headers["ETag"] = f'"{answer.version}"'
    return Created(id=answer.aggregate_id, version=answer.version)


@router.post(
    "/{trajectory_id}/events",
    status_code=201,
    response_model=EventRecorded,
    responses=WRITE_RESPONSES,
)
def record_event(
    trajectory_id: UUID,
    body: Annotated[EventIn, Body(openapi_examples=EVENT_EXAMPLES)],
    service: Service,
    caller: Staff,
    expected_version: ExpectedVersion,
    key: Idempotency,
    response: Response,
) -> EventRecorded:
    """Record one event in the trajectory; `type` says which (staff of the
    trajectory's organisation)."""
    fields: dict[str, Any] = body.model_dump(exclude={"type"})
    command = getattr(service, COMMANDS[body.type])
    answer = service.once(
        key,
        lambda: command(
            trajectory_id,
            expected_version,
            within=caller.within,
            recorded_by=caller.name,
            **fields,
        ),
    )
    if answer.replayed:
        response.headers[REPLAYED] = "true"
    response.headers["Location"] = f"/trajectories/{trajectory_id}/history"
    response.headers["ETag"] = f'"{answer.version}"'
    return EventRecorded(
        trajectory_id=trajectory_id, version=answer.version, type=body.type
    )


@router.get("", response_model=TrajectoryListOut, responses=ERROR_RESPONSES)
def list_trajectories(
    views: ViewsDep,
    caller: Reader,
    programme: Annotated[str | None, Query(max_length=50, pattern=NO_NUL)] = None,
    organisation: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
    stage: Annotated[Stage | None, Query()] = None,
    coach: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
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


@router.get("/{trajectory_id}", response_model=TrajectoryOut, responses=ERROR_RESPONSES)
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
    responses=ERROR_RESPONSES,
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
    responses=ERROR_RESPONSES,
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
