"""The one path every trajectory command takes: load, call, save, answer.

A referral creates a trajectory; every other command records one event in an existing
one. Each runs within the caller's organisation (another's trajectory is not found),
against the version the caller last read (a stale one is a ``VersionConflict``), and
at most once per idempotency key.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from application.access import OtherOrganisation
from application.aggregates import owned
from application.coaches import Coaches
from application.errors import TrajectoryNotFound
from application.errors import VersionConflict
from application.idempotency import IdempotencyKey
from application.participants import Participants
from application.programmes import Programmes
from application.writes import Answer
from application.writes import Writes
from domain.commands import AssignCoach
from domain.commands import CompleteIntake
from domain.commands import HoldSession
from domain.commands import Refer
from domain.commands import TrajectoryCommand
from domain.enrolment import Enrolment
from domain.trajectory import Trajectory


@dataclass(eq=False)
class Handlers:
    writes: Writes
    programmes: Programmes
    participants: Participants
    coaches: Coaches

    def refer(
        self,
        referral: Refer,
        *,
        recorded_by: str,
        within: str | None = None,
        key: IdempotencyKey | None = None,
    ) -> Answer:
        """Receives a referral: a new trajectory for the participant in the programme.
        Of two racing referrals for the same participant and programme, the loser is
        told about the winner's open trajectory. Staff (``within`` an organisation)
        refer their own organisation's participants into it."""
        return self.writes.answer(
            key, lambda: self._refer(referral, recorded_by, within)
        )

    def _refer(
        self, referral: Refer, recorded_by: str, within: str | None
    ) -> Trajectory:
        participant = self.participants.get(referral.participant_id, within)
        if within is not None and referral.organisation != within:
            raise OtherOrganisation(within, referral.organisation)
        programme = self.programmes.get(referral.programme)
        on = referral.on
        programme.check_referral(
            on=on, age=participant.age_on(on), organisation=referral.organisation
        )
        trajectory = Trajectory.refer(
            referral,
            age_band=participant.age_band_on(on),
            gender=participant.gender,
            recorded_by=recorded_by,
        )
        # A participant registered in the batch in hand has no enrolment stored.
        new = self.writes.unsaved(participant)
        enrolment = self.enrolment(participant.id, programme.code, stored=not new)
        enrolment.add(trajectory.id, latest_is_open=self._latest_is_open(enrolment))
        try:
            self.writes.save(enrolment.id, None, trajectory, enrolment)
        except VersionConflict:
            winner = self.enrolment(participant.id, programme.code)
            winner.add(trajectory.id, latest_is_open=self._latest_is_open(winner))
            raise
        return trajectory

    def record(
        self,
        trajectory_id: UUID,
        command: TrajectoryCommand,
        *,
        recorded_by: str,
        within: str | None = None,
        expected_version: int | None = None,
        key: IdempotencyKey | None = None,
    ) -> Answer:
        """Records the event ``command`` asks for in the trajectory. A command that
        opens an ended trajectory again (a reopening, or the retraction of its exit
        or decline) changes the participant's enrolment in the programme too, which
        must allow it."""
        return self.writes.answer(
            key,
            lambda: self.writes.optimistic(
                lambda trusting: self._record(
                    trajectory_id,
                    command,
                    recorded_by,
                    within,
                    expected_version,
                    trusting=trusting,
                )
            ),
            keep=True,
        )

    def _record(
        self,
        trajectory_id: UUID,
        command: TrajectoryCommand,
        recorded_by: str,
        within: str | None,
        expected_version: int | None,
        *,
        trusting: bool = False,
    ) -> Trajectory:
        trajectory = self.trajectory(trajectory_id, within, trusting=trusting)
        if expected_version is not None and trajectory.version != expected_version:
            raise VersionConflict(trajectory_id, expected_version, trajectory.version)
        had_ended = trajectory.has_ended
        cap = coach = None
        if isinstance(command, HoldSession):
            cap = self.programmes.session_cap(trajectory.programme)
        if isinstance(command, CompleteIntake | AssignCoach):
            coach = self.coaches.chosen(command.coach_id)
        trajectory.record(command, recorded_by, session_cap=cap, coach=coach)
        if trusting and not trajectory.pending_events:
            # The store checks a kept copy's version only when an event is saved:
            # a command that records nothing is answered from the stored history.
            return self._record(
                trajectory_id, command, recorded_by, within, expected_version
            )
        if had_ended and not trajectory.has_ended:
            enrolment = self.enrolment(trajectory.participant_id, trajectory.programme)
            enrolment.reopen(trajectory.id)
            self.writes.save(trajectory.id, expected_version, trajectory, enrolment)
        else:
            self.writes.save(trajectory.id, expected_version, trajectory)
        return trajectory

    def trajectory(
        self, trajectory_id: UUID, within: str | None = None, *, trusting: bool = False
    ) -> Trajectory:
        """The trajectory; ``within`` an organisation, another's is not found;
        ``trusting`` as ``Writes.get`` takes it."""
        return owned(
            self.writes,
            trajectory_id,
            Trajectory,
            within,
            TrajectoryNotFound,
            trusting=trusting,
        )

    def enrolment(
        self, participant_id: UUID, programme: str, *, stored: bool = True
    ) -> Enrolment:
        """The participant's enrolment in the programme, or a new one; ``stored``
        as ``Writes.get`` takes it."""
        try:
            return self.writes.get(
                Enrolment.id_for(participant_id, programme), Enrolment, stored=stored
            )
        except AggregateNotFoundError:
            return Enrolment(participant_id=participant_id, programme=programme)

    def _latest_is_open(self, enrolment: Enrolment) -> bool:
        latest = enrolment.latest
        return latest is not None and not self.trajectory(latest).has_ended
