"""What the generator plans and knows of each programme, participant, placement and
trajectory while writing them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from enum import Enum

from domain.participant import age_on
from domain.programme import Programme
from domain.vocabulary import COMPETITIVE_PLACEMENT_TYPES
from domain.vocabulary import Barrier
from domain.vocabulary import EducationLevel
from domain.vocabulary import LabourStatus
from domain.vocabulary import PlacementType
from domain.vocabulary import SuspensionReason
from interfaces.demo.profiles import Profile
from interfaces.demo.seeds import SeedProgramme


@dataclass
class DemoProgramme:
    seed: SeedProgramme
    stored: Programme
    profile: Profile
    weight: float
    last_referral_on: date  # no later referrals: the horizon, or before the end
    closes_on: date | None  # when trajectories must have ended, if before the horizon
    coaches: tuple[str, ...]  # the article's, and invented ones for a bigger programme
    holders: Mapping[str, float]  # the organisations keeping dossiers, by share

    @property
    def code(self) -> str:
        return self.seed.code

    @property
    def running(self) -> bool:
        """Still running on the horizon (and so with a present to show)."""
        return self.closes_on is None

    def runs_on(self, day: date) -> bool:
        """Takes a referral on ``day``, by its period as it stood then."""
        ends_on = self.stored.ends_on_as_of(day)
        return self.stored.starts_on <= day and (ends_on is None or day <= ends_on)

    def age_fits(self, birth: date, on: date) -> bool:
        return self.stored.min_age <= age_on(birth, on) <= self.stored.max_age


@dataclass
class Person:
    participant_id: uuid.UUID
    birth_date: date
    available_from: date  # a later referral comes after the earlier trajectory
    organisation: str  # whose dossiers hold the participant


@dataclass
class PlannedPlacement:
    placement_id: uuid.UUID
    placement_type: PlacementType
    ends_on: date | None  # planned end; None runs on past the exit
    ended: bool = False


class Situation(Enum):
    """Where a trajectory of the demo's present stands on the horizon."""

    WAITING = "waiting for the intake"
    SEEN = "active, seen in the last weeks"
    PLACED = "active, in a placement that runs on"
    AMBER = "active, last contact 31 to 60 days ago"
    RED = "active, last contact 61 to 89 days ago"
    EXIT_CANDIDATE = "active, last contact 90 days ago or more"
    SUSPENDED = "suspended"
    EXIT_RESULT_DUE = "exited in the last 28 days, the exit result not recorded yet"
    FOLLOW_UP_6_DUE = "exited about 6 months ago, the follow-up not recorded yet"
    FOLLOW_UP_12_DUE = "exited about 12 months ago, the follow-up not recorded yet"


EXIT_RESULT = 0  # in ``Target.pending``: the exit result (beside the milestones)


@dataclass(frozen=True)
class Target:
    """A trajectory of the demo's present: its situation on the horizon and the
    dates, planned back from the horizon, that put it there."""

    situation: Situation
    referral_on: date
    intake_on: date | None = None  # None: still waiting on the horizon
    exit_on: date | None = None  # None: still open on the horizon
    last_contact_on: date | None = None  # nobody seen after it (contact overdue)
    suspended_on: date | None = None  # suspended then, resumed after the horizon
    placed: bool | None = None  # in a placement running on (None: as drawn)
    pending: frozenset[int] = frozenset()  # EXIT_RESULT and milestones not recorded


@dataclass
class Run:
    """What the generator knows of one trajectory while writing it."""

    trajectory_id: uuid.UUID
    programme: DemoProgramme
    organisation: str
    coach: str
    rung: int
    labour: LabourStatus
    education: EducationLevel
    disability: bool
    version: int = 1
    open_barriers: list[Barrier] = field(default_factory=list)
    placements: list[PlannedPlacement] = field(default_factory=list)
    sessions: dict[int, int] = field(default_factory=dict)  # per calendar year
    suspended: SuspensionReason | None = None
    resumes_on: date | None = None
    target: Target | None = None  # for a trajectory of the demo's present

    @property
    def current(self) -> list[PlannedPlacement]:
        return [p for p in self.placements if not p.ended]


def competitive(placements: list[PlannedPlacement]) -> bool:
    return any(p.placement_type in COMPETITIVE_PLACEMENT_TYPES for p in placements)


def dropout_share(seed: SeedProgramme, placed: bool) -> float:
    """Dropout is half as likely once placed; the overall share stays the seed's."""
    if placed:
        return seed.dropout_rate / 2
    unplaced = 1 - seed.placement_rate
    if unplaced <= 0:
        return 0.0
    share = seed.dropout_rate * (1 - seed.placement_rate / 2) / unplaced
    return min(0.95, share)
