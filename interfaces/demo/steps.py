"""The steps of a trajectory's guidance, each through the application's commands:
sessions, corrections of the entry profile, the ladder, barriers, placements."""

from __future__ import annotations

import random
import uuid
from datetime import date

from application.service import Trajectories
from domain.commands import AssessLadder
from domain.commands import CorrectEntryProfile
from domain.commands import EndPlacement
from domain.commands import HoldSession
from domain.commands import IdentifyBarrier
from domain.commands import ResolveBarrier
from domain.commands import StartPlacement
from domain.commands import TrajectoryCommand
from domain.vocabulary import EducationLevel
from domain.vocabulary import LabourStatus
from domain.vocabulary import PlacementEndReason
from domain.vocabulary import ProfileField
from domain.vocabulary import SessionMode
from domain.vocabulary import SessionSetting
from interfaces.demo.draws import days
from interfaces.demo.draws import pick
from interfaces.demo.plans import PlannedPlacement
from interfaces.demo.plans import Run
from interfaces.demo.tables import EMPLOYERS
from interfaces.demo.tables import HOURS
from interfaces.demo.tables import NOTES
from interfaces.demo.tables import PAID
from interfaces.demo.tables import PLACEMENT_END_REASONS
from interfaces.demo.tables import RUNG_OF
from interfaces.demo.tables import SETTINGS
from interfaces.demo.tables import WORKPLACE_NOTE


class Steps:
    """Records one step of a trajectory at a time; ``Guidance`` strings them."""

    def __init__(
        self, app: Trajectories, rng: random.Random, horizon: date, recorded_by: str
    ) -> None:
        self.app, self.rng, self.horizon, self.by = app, rng, horizon, recorded_by

    def _record(self, run: Run, command: TrajectoryCommand) -> int:
        run.version = self.app.record(
            run.trajectory_id, command, recorded_by=self.by
        ).version
        return run.version

    def _session(self, run: Run, day: date) -> int | None:
        rng = self.rng
        cap = run.programme.stored.session_cap
        if cap is not None and run.sessions.get(day.year, 0) >= cap:
            return None
        mode = pick(rng, run.programme.profile.modes)
        if mode is SessionMode.INDIVIDUAL:
            settings = dict(SETTINGS)
            if run.current:
                settings[SessionSetting.WORKPLACE] = 40
            setting = pick(rng, settings)
            minutes = rng.choice((30, 45, 60, 60, 60, 90))
        else:
            setting = rng.choice((SessionSetting.OFFICE, SessionSetting.OUTREACH))
            minutes = rng.choice((90, 120, 120, 150, 180))
        note = (
            WORKPLACE_NOTE
            if setting is SessionSetting.WORKPLACE
            else rng.choice(NOTES[mode])
        )
        self._record(
            run,
            HoldSession(on=day, minutes=minutes, mode=mode, setting=setting, note=note),
        )
        run.sessions[day.year] = run.sessions.get(day.year, 0) + 1
        return run.version

    def _correct(self, run: Run, day: date) -> None:
        rng = self.rng
        choice = rng.choice(list(ProfileField)[:3] + [ProfileField.DISABILITY])
        value: object
        if choice is ProfileField.RUNG:
            run.rung = value = run.rung + 1 if run.rung < 4 else run.rung - 1
            reason = "Inschaling op de participatieladder herbekeken in het team."
        elif choice is ProfileField.LABOUR_STATUS:
            labour = [s for s in LabourStatus if s is not run.labour]
            run.labour = value = rng.choice(labour)
            reason = "Arbeidsmarktstatus nagekeken bij VDAB."
        elif choice is ProfileField.EDUCATION_LEVEL:
            levels = [e for e in EducationLevel if e is not run.education]
            run.education = value = rng.choice(levels)
            reason = "Diploma alsnog voorgelegd."
        else:
            run.disability = value = not run.disability
            reason = (
                "Attest ontvangen." if run.disability else "Attest niet meer geldig."
            )
        self._record(
            run, CorrectEntryProfile(on=day, field=choice, value=value, reason=reason)
        )

    def _assess(self, run: Run, day: date) -> None:
        rng = self.rng
        target = max((RUNG_OF[p.placement_type] for p in run.current), default=0)
        if target > run.rung:
            run.rung = min(target, run.rung + rng.choice((1, 1, 2)))
        else:
            draw = rng.random()
            if draw < 0.35 and run.rung < 4:
                run.rung += 1
            elif draw > 0.9 and run.rung > 1 and not run.current:
                run.rung -= 1
        self._record(run, AssessLadder(on=day, rung=run.rung))

    def _barriers(self, run: Run, day: date) -> None:
        rng = self.rng
        for barrier in list(run.open_barriers):
            if rng.random() < 0.05:
                self._record(run, ResolveBarrier(on=day, barrier=barrier))
                run.open_barriers.remove(barrier)
        if rng.random() < 0.02:
            barrier = pick(rng, run.programme.profile.barriers)
            if barrier not in run.open_barriers:
                self._record(run, IdentifyBarrier(on=day, barrier=barrier))
                run.open_barriers.append(barrier)

    def _start_placement(
        self, run: Run, day: date, *, keep: bool, lasting: bool = False
    ) -> date | None:
        """Starts a placement; it may run on past the exit if ``keep``, and does if
        ``lasting``. Returns its planned end, if it has one."""
        rng = self.rng
        kind = pick(rng, run.programme.profile.placements)
        placement_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        ends_on = None if keep and rng.random() < 0.7 else day + days(rng, 30, 270)
        if lasting:
            ends_on = None
        self._record(
            run,
            StartPlacement(
                placement_id=placement_id,
                on=day,
                placement_type=kind,
                employer=rng.choice(EMPLOYERS[kind]),
                paid=kind in PAID,
                hours_per_week=rng.choice(HOURS[kind]),
            ),
        )
        run.placements.append(PlannedPlacement(placement_id, kind, ends_on))
        return ends_on

    def _end_placements(
        self,
        run: Run,
        day: date,
        reason: PlacementEndReason | None = None,
        *,
        everything: bool = False,
    ) -> None:
        for placement in run.current:
            if everything or (
                placement.ends_on is not None and placement.ends_on <= day
            ):
                on = (
                    day
                    if everything or placement.ends_on is None
                    else placement.ends_on
                )
                self._record(
                    run,
                    EndPlacement(
                        placement_id=placement.placement_id,
                        on=on,
                        reason=reason or pick(self.rng, PLACEMENT_END_REASONS),
                    ),
                )
                placement.ended = True
