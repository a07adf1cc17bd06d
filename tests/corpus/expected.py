"""What a store's corpus history reads as: each trajectory's state now, at every
version and as of a few dates, its history, each participant's details, the
verification, and the views. Computed by the release that writes a corpus and
kept beside it; every later release must read the same (``test_corpus``)."""

from __future__ import annotations

import dataclasses
from datetime import date
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from application.audit.replay import public_state
from application.service import Trajectories
from application.views import Views
from domain.participant import Participant

AS_OF_DATES = (date(2024, 1, 31), date(2024, 4, 1), date(2024, 7, 1), date(2025, 1, 1))
# Left out of the caseload: figures that count against today (its days since a
# contact, say), so that the corpus reads the same on any day; and a row's
# ``version``, the last event the view applied to it, which is the view's own
# bookkeeping: since the to-do list, a row follows an ended trajectory's exit result
# and follow-ups too, so an older release's row stops at a later version, with every
# column a reader sees the same.
CASELOAD_COLUMNS_LEFT_OUT = frozenset({"version"})


def plain(value: Any) -> Any:
    """A value as JSON: dates in ISO, codes as their values, records as dicts."""
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)
        }
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def trajectory_ids(service: Trajectories) -> list[UUID]:
    referrals = service.recorder.select_notifications(
        None, 1_000_000, topics=["trajectory:ReferralReceived"]
    )
    return [UUID(str(referral.originator_id)) for referral in referrals]


def participant_ids(service: Trajectories) -> list[UUID]:
    registrations = service.recorder.select_notifications(
        None, 1_000_000, topics=["trajectory:ParticipantRegistered"]
    )
    return [UUID(str(r.originator_id)) for r in registrations]


def group_session_ids(service: Trajectories) -> list[UUID]:
    held = service.recorder.select_notifications(
        None, 1_000_000, topics=["trajectory:GroupSessionHeld"]
    )
    return [UUID(str(g.originator_id)) for g in held]


def read(service: Trajectories) -> dict[str, Any]:
    """Everything the corpus test compares, as JSON."""
    trajectories = {}
    for trajectory_id in trajectory_ids(service):
        current = service.trajectory(trajectory_id)
        trajectories[str(trajectory_id)] = {
            "state": plain(public_state(current)),
            "versions": [
                plain(public_state(service.trajectory_at_version(trajectory_id, v)))
                for v in range(1, current.version + 1)
            ],
            "as_of": {
                day.isoformat(): plain(
                    public_state(service.trajectory_as_of(trajectory_id, day))
                )
                for day in AS_OF_DATES
                if day >= current.referred_on
            },
            "history": plain(service.history(trajectory_id)),
        }
    participants = {}
    for participant_id in participant_ids(service):
        participant: Participant = service.participant(participant_id)
        participants[str(participant_id)] = {
            name: plain(getattr(participant, name))
            for name in (
                "given_name",
                "family_name",
                "birth_date",
                "gender",
                "national_register_number",
                "email",
                "phone",
                "organisation",
                "erased",
            )
        }
    coaches = {
        str(coach.id): {
            "name": coach.name,
            "organisation": coach.organisation,
            "left_on": plain(coach.left_on),
        }
        for coach in service.coaches_of()
    }
    groups = {
        str(group_id): {
            name: plain(getattr(service.group_session(group_id), name))
            for name in ("on", "minutes", "mode", "setting", "organisation")
        }
        | {"trajectory_ids": plain(service.group_session(group_id).trajectory_ids)}
        for group_id in group_session_ids(service)
    }
    verification = service.verify()
    views = Views(service)
    try:
        views.rebuild_stale()
        views.catch_up()
        caseload = {
            str(row.trajectory_id): {
                k: plain(v)
                for k, v in vars(row).items()
                if k not in CASELOAD_COLUMNS_LEFT_OUT
            }
            for row in views.caseload.view.rows()
        }
        outcomes = {
            ",".join(group_by): plain(
                [
                    {"group": row.group, "figures": row.figures}
                    for row in views.outcome_table(group_by, suppress=False).rows
                ]
            )
            for group_by in ((), ("programme",), ("programme", "cohort"))
        }
    finally:
        views.stop()
    return {
        "trajectories": trajectories,
        "participants": participants,
        "verification": {
            "intact": verification.intact,
            "events": verification.events,
            "aggregates": verification.aggregates,
            "snapshotted": verification.snapshotted,
            "seal": str(verification.seal),
        },
        "caseload": caseload,
        "outcomes": outcomes,
        "coaches": coaches,
        "group_sessions": groups,
    }
