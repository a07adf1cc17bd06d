"""Guidance from the intake (or a reopening) to the exit, and what is recorded after
it: suspensions, a change of coach, the exit, the exit result, the follow-ups, a
reopening. Its steps (sessions, placements, barriers, the ladder) are ``Steps``."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

from domain.coach import Coach
from domain.commands import AssignCoach
from domain.commands import Complete
from domain.commands import DropOut
from domain.commands import RecordExitResult
from domain.commands import RecordFollowUp
from domain.commands import Reopen
from domain.commands import Resume
from domain.commands import RetractEntry
from domain.commands import Suspend
from domain.errors import EXIT_RESULT_WINDOW_DAYS
from domain.errors import REOPEN_WINDOW_DAYS
from domain.trajectory import add_months
from domain.vocabulary import FOLLOW_UP_MILESTONES
from domain.vocabulary import Destination
from domain.vocabulary import DropoutReason
from domain.vocabulary import ExitStatus
from domain.vocabulary import PlacementEndReason
from domain.vocabulary import SuspensionReason
from interfaces.demo.coaches import choose_coach
from interfaces.demo.draws import days
from interfaces.demo.draws import pick
from interfaces.demo.draws import workday
from interfaces.demo.plans import EXIT_RESULT
from interfaces.demo.plans import Run
from interfaces.demo.plans import competitive
from interfaces.demo.plans import dropout_share
from interfaces.demo.steps import Steps
from interfaces.demo.tables import DESTINATION_OF
from interfaces.demo.tables import DROPOUT_EXIT_STATUS
from interfaces.demo.tables import DROPOUT_REASONS
from interfaces.demo.tables import DROPOUT_WHEN_SUSPENDED
from interfaces.demo.tables import EXIT_STATUS_OF
from interfaces.demo.tables import NEXT_STATUS
from interfaces.demo.tables import REOPEN_REASONS
from interfaces.demo.tables import RETRACT_REASONS
from interfaces.demo.tables import RUNG_OF
from interfaces.demo.tables import SUSPENSION_REASONS


class Guidance(Steps):
    """Writes one trajectory's guidance, through the application's commands."""

    # From intake (or reopening) to exit -----------------------------------------------

    def follow(self, run: Run, start: date, *, reopened: bool) -> date | None:
        """Guides the trajectory from ``start``; returns its exit date, or None when
        it is still open at the horizon. A trajectory of the present keeps to its
        target: its exit, its last contact, its suspension, its placement."""
        rng, seed, profile = self.rng, run.programme.seed, run.programme.profile
        target = run.target
        limit = run.programme.closes_on or self.horizon
        low, high = (1, 6) if reopened else profile.months
        planned_exit = workday(
            add_months(start, rng.randint(low, high)) + days(rng, 0, 27)
        )
        placed = rng.random() < seed.placement_rate
        if target is not None and target.placed is not None:
            placed = target.placed
        dropout = rng.random() < dropout_share(seed, placed)
        if target is not None:
            planned_exit = target.exit_on or workday(self.horizon + days(rng, 14, 180))
        elif dropout:
            share = rng.uniform(0.2, 0.9)
            planned_exit = workday(
                start + timedelta(days=round((planned_exit - start).days * share))
            )
        programme_ended = planned_exit > limit and run.programme.closes_on is not None
        if programme_ended:
            planned_exit = workday(max(start, limit - days(rng, 0, 14)), start, limit)
        stop = min(planned_exit, limit)
        last_seen = None if target is None else target.last_contact_on
        if last_seen is not None:
            stop = min(stop, last_seen)
        guided = (planned_exit - start).days if target is None else (stop - start).days
        next_placement = (
            start + timedelta(days=round(guided * rng.uniform(0.15, 0.6)))
            if placed
            else None
        )
        wanted_placements = pick(rng, {1: 6, 2: 3, 3: 1}) if placed else 0
        lasting = target is not None and target.placed is True
        if lasting:
            wanted_placements = 1
        suspension_on = (
            start + days(rng, 30, max(30, min(guided - 30, 365)))
            if rng.random() < profile.suspension
            else None
        )
        if target is not None:
            suspension_on = target.suspended_on
        coach_on = (
            start + days(rng, 30, max(30, guided))
            if len(run.programme.coaches) > 1 and rng.random() < 0.1
            else None
        )
        retract_on = (
            start + days(rng, 7, max(7, guided))
            if rng.random() < 0.04 and target is None
            else None
        )
        correct = not reopened and rng.random() < 0.06
        started = 0  # placements started in this stretch of guidance
        next_assessment = start + days(rng, 60, 150)
        day, first_step = start, True
        while True:
            if run.suspended is not None:
                assert run.resumes_on is not None
                if run.resumes_on > stop:
                    break
                day = run.resumes_on
                self._record(run, Resume(on=day, reason=run.suspended))
                run.suspended = run.resumes_on = None
            else:
                previous = day
                day = workday(day + days(rng, *profile.session_days))
                if day > stop:
                    if last_seen is None or previous >= last_seen:
                        break
                    day = last_seen  # the last time the participant was seen
            self._end_placements(run, day)
            session = self._session(run, day)
            if session is not None and retract_on is not None and day >= retract_on:
                self._record(
                    run,
                    RetractEntry(
                        on=day, version=session, reason=rng.choice(RETRACT_REASONS)
                    ),
                )
                run.sessions[day.year] -= 1
                retract_on = None
            if first_step and correct:
                self._correct(run, day)
            if day >= next_assessment:
                self._assess(run, day)
                next_assessment = day + days(rng, 90, 180)
            self._barriers(run, day)
            if coach_on is not None and day >= coach_on:
                coach = choose_coach(
                    run.programme, run.organisation, rng, besides=run.coach
                )
                coach_id = Coach.id_for(run.organisation, coach)
                self._record(run, AssignCoach(on=day, coach_id=coach_id))
                run.coach, coach_on = coach, None
            if (
                next_placement is not None
                and day >= next_placement
                and started < wanted_placements
            ):
                started += 1
                last = started == wanted_placements
                ends_on = self._start_placement(
                    run, day, keep=lasting or (not dropout and last), lasting=lasting
                )
                next_placement = (ends_on or day) + days(rng, 7, 60)
                if rng.random() < 0.1:  # a second placement alongside, now and then
                    next_placement = day + days(rng, 14, 60)
            if (
                suspension_on is not None
                and day >= suspension_on
                and not competitive(run.current)
                and day < stop
            ):
                run.suspended = pick(rng, SUSPENSION_REASONS)
                run.resumes_on = workday(day + days(rng, 21, 180))
                if target is not None:  # resumed after the horizon
                    run.resumes_on = workday(self.horizon + days(rng, 7, 90))
                self._record(run, Suspend(on=day, reason=run.suspended))
                suspension_on = None
            first_step = False
        if planned_exit > limit:
            return None  # still open at the horizon
        return self._exit(run, planned_exit, dropout, programme_ended, reopened)

    # Exit and after ------------------------------------------------------------------

    def _exit(
        self,
        run: Run,
        on: date,
        dropout: bool,
        programme_ended: bool,
        reopened: bool,
    ) -> date | None:
        rng = self.rng
        self._end_placements(run, on)
        current = run.current
        if programme_ended and not dropout and not run.placements:
            dropout = rng.random() < 0.4
        dropout = dropout or run.suspended is not None
        if competitive(current):
            dropout = False  # finding a job is a completion, never a dropout
        status: ExitStatus
        if dropout:
            if current:
                ended = (
                    PlacementEndReason.HEALTH
                    if run.suspended is SuspensionReason.HOSPITALISATION
                    else PlacementEndReason.PARTICIPANT_LEFT
                )
                self._end_placements(run, on, ended, everything=True)
            if run.suspended is not None:
                reason = DROPOUT_WHEN_SUSPENDED[run.suspended]
            elif programme_ended:
                reason = DropoutReason.PROGRAMME_ENDED
            else:
                reason = pick(rng, DROPOUT_REASONS)
            self._record(run, DropOut(on=on, reason=reason))
            status = pick(rng, DROPOUT_EXIT_STATUS)
        else:
            kinds = [p.placement_type for p in current] or [
                p.placement_type for p in run.placements[-1:]
            ]
            kinds.sort(key=lambda k: -RUNG_OF[k])
            destination = (
                DESTINATION_OF[kinds[0]]
                if kinds
                else pick(
                    rng, {Destination.OTHER: 2, Destination.EDUCATION_TRAINING: 1}
                )
            )
            if current:
                self._assess(run, on)
            self._record(run, Complete(on=on, destination=destination))
            status = pick(rng, EXIT_STATUS_OF[destination])
        run.suspended = run.resumes_on = None
        # Most exit results and follow-ups are recorded on time, some never; those
        # planned after the horizon are still due on it.
        pending = frozenset() if run.target is None else run.target.pending
        last = on + timedelta(days=EXIT_RESULT_WINDOW_DAYS)
        planned = workday(on + days(rng, 0, 14), on, last)
        observed_on = planned if rng.random() < 0.85 else None
        if observed_on is not None and observed_on > self.horizon:
            observed_on = None
        if observed_on is not None and EXIT_RESULT not in pending:
            self._record(run, RecordExitResult(observed_on=observed_on, status=status))
        limit = run.programme.closes_on or self.horizon
        if not reopened and rng.random() < 0.04 and run.target is None:
            reopen_on = workday((observed_on or on) + days(rng, 7, 60))
            if reopen_on <= min(on + timedelta(days=REOPEN_WINDOW_DAYS), limit):
                self._record(
                    run, Reopen(on=reopen_on, reason=rng.choice(REOPEN_REASONS))
                )
                for placement in run.current:
                    if placement.ends_on is None:
                        placement.ends_on = reopen_on + days(rng, 14, 120)
                return self.follow(run, reopen_on, reopened=True)
        for milestone, share in zip(FOLLOW_UP_MILESTONES, (0.8, 0.65), strict=True):
            observed_on = workday(
                add_months(on, milestone) + days(rng, -10, 20), latest=self.horizon
            )
            if observed_on > self.horizon:
                break
            status = pick(rng, NEXT_STATUS[status])
            if rng.random() < share and milestone not in pending:
                self._record(
                    run,
                    RecordFollowUp(
                        milestone=milestone, observed_on=observed_on, status=status
                    ),
                )
        return on
