"""The generator: one trajectory at a time, from the referral through the intake;
its guidance to the exit is ``guidance.Guidance``."""

from __future__ import annotations

import random
import uuid
from datetime import date
from datetime import timedelta

from application.service import Trajectories
from domain.coach import Coach
from domain.commands import CompleteIntake
from domain.commands import DeclineReferral
from domain.commands import Refer
from domain.commands import RegisterParticipant
from domain.participant import age_on
from domain.vocabulary import Barrier
from domain.vocabulary import DeclineReason
from domain.vocabulary import Gender
from interfaces.demo.coaches import choose_coach
from interfaces.demo.coaches import staff
from interfaces.demo.draws import NationalNumbers
from interfaces.demo.draws import ascii_name
from interfaces.demo.draws import days
from interfaces.demo.draws import pick
from interfaces.demo.draws import workday
from interfaces.demo.draws import years_before
from interfaces.demo.guidance import Guidance
from interfaces.demo.plans import DemoProgramme
from interfaces.demo.plans import Person
from interfaces.demo.plans import Run
from interfaces.demo.plans import Situation
from interfaces.demo.plans import Target
from interfaces.demo.present import carried
from interfaces.demo.present import plan
from interfaces.demo.profiles import DEFAULT_PROFILE
from interfaces.demo.profiles import DEFAULT_SIZE
from interfaces.demo.profiles import PROFILES
from interfaces.demo.profiles import REFERRAL_STOP_DAYS
from interfaces.demo.profiles import RETURN_SHARE
from interfaces.demo.profiles import RUNNING_BOOST
from interfaces.demo.seeds import SEED_PROGRAMMES
from interfaces.demo.tables import BRUSSELS_POSTCODES
from interfaces.demo.tables import DECLINE_REASONS
from interfaces.demo.tables import FAMILY_NAMES
from interfaces.demo.tables import GIVEN_NAMES
from interfaces.demo.tables import WALLOON_POSTCODES


def demo_programmes(
    app: Trajectories, horizon: date, trajectories: int
) -> list[DemoProgramme]:
    """The seed programmes started by the horizon, each with its share of the
    trajectories and coaches enough to carry them: about 20 active trajectories each
    on the horizon, where the programme runs then."""
    programmes = []
    for seed in SEED_PROGRAMMES:
        stored = app.programme(seed.code)
        if stored.starts_on > horizon:
            continue
        ends_on = stored.ends_on_as_of(horizon)
        running = ends_on is None or ends_on >= horizon
        last_referral_on = (
            horizon
            if ends_on is None or running
            else ends_on - timedelta(days=REFERRAL_STOP_DAYS)
        )
        size = seed.expected_participants or DEFAULT_SIZE
        programmes.append(
            DemoProgramme(
                seed=seed,
                stored=stored,
                profile=PROFILES.get(seed.code, DEFAULT_PROFILE),
                weight=size**0.5 * (RUNNING_BOOST if running else 1.0),
                last_referral_on=max(stored.starts_on, last_referral_on),
                closes_on=None if running else ends_on,
                coaches=seed.coaches,
                holders=seed.holders
                or {organisation: 1.0 for organisation in stored.organisations},
            )
        )
    staff(programmes, carried(programmes, trajectories))
    return programmes


class Generator:
    def __init__(
        self,
        app: Trajectories,
        rng: random.Random,
        horizon: date,
        recorded_by: str,
        programmes: list[DemoProgramme],
        block: int = 0,
        blocks: int = 1,
    ) -> None:
        """The generator of block ``block`` of a load of ``blocks``: the block's
        national register numbers are none of another block's (``NationalNumbers``)."""
        self.app, self.rng, self.horizon, self.by = app, rng, horizon, recorded_by
        self.numbers = NationalNumbers(block, blocks)
        self.participants = 0
        self.events = 0
        self.returning: list[Person] = []
        self.programmes = programmes
        self.guidance = Guidance(app, rng, horizon, recorded_by)

    # One trajectory ------------------------------------------------------------------

    def trajectory(
        self, present: tuple[DemoProgramme, Situation] | None = None
    ) -> None:
        """One trajectory: of the present (in that programme and situation on the
        horizon) when it fits the programme's period, else of its history."""
        if not self.programmes:
            raise ValueError(f"no seed programme has started by {self.horizon}")
        rng = self.rng
        target = None if present is None else plan(*present, self.horizon, rng)
        if present is not None and target is not None:
            programme = present[0]
            first = last = referral_on = target.referral_on
            person = None
        else:
            programme = rng.choices(
                self.programmes, weights=[p.weight for p in self.programmes]
            )[0]
            first = programme.stored.starts_on
            span = (programme.last_referral_on - first).days
            last = programme.last_referral_on
            referral_on = workday(first + days(rng, 0, span), first, last)
            person = self._returning(programme) if rng.random() < RETURN_SHARE else None
        if person is not None:
            earliest = max(first, person.available_from)
            referral_on = workday(
                earliest + days(rng, 0, (last - earliest).days), earliest, last
            )
        if (
            person is None
            or not programme.age_fits(person.birth_date, referral_on)
            or person.organisation not in programme.holders
        ):
            person = self._new_participant(programme, referral_on)
        trajectory = self.app.refer(
            Refer(
                participant_id=person.participant_id,
                programme=programme.code,
                organisation=person.organisation,
                referral_source=pick(rng, programme.seed.referral_sources),
                on=referral_on,
            ),
            recorded_by=self.by,
        )
        ended_on = self._follow(
            trajectory.id, programme, referral_on, person.organisation, target
        )
        self.events += self.app.trajectory(trajectory.id).version
        if ended_on is not None and rng.random() < 0.2:
            person.available_from = ended_on + days(rng, 60, 400)
            self.returning.append(person)

    def _returning(self, programme: DemoProgramme) -> Person | None:
        for index, person in enumerate(self.returning):
            if person.available_from <= programme.last_referral_on:
                return self.returning.pop(index)
        return None

    def _new_participant(self, programme: DemoProgramme, referral_on: date) -> Person:
        rng = self.rng
        low, high = programme.stored.min_age, programme.stored.max_age
        mode = min(max(programme.profile.age_mode, low), high)
        age = min(high, int(rng.triangular(low, high + 1, mode)))
        latest = years_before(referral_on, age)  # the birthday on the referral date
        earliest = years_before(referral_on, age + 1) + timedelta(days=1)
        birth = earliest + timedelta(days=rng.randint(0, (latest - earliest).days))
        assert age_on(birth, referral_on) == age
        gender = pick(rng, {Gender.F: 46, Gender.M: 52, Gender.X: 1, Gender.UNKNOWN: 1})
        names = GIVEN_NAMES.get(gender) or GIVEN_NAMES[rng.choice((Gender.F, Gender.M))]
        given, family = rng.choice(names), rng.choice(FAMILY_NAMES)
        number = self.numbers.draw(rng, birth, gender) if rng.random() < 0.6 else None
        email = (
            f"{ascii_name(given)}.{ascii_name(family)}{rng.randint(1, 99)}@example.org"
            if rng.random() < 0.5
            else None
        )
        phone = (
            f"+32 4{rng.randint(60, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
            f" {rng.randint(10, 99)}"
            if rng.random() < 0.6
            else None
        )
        organisation = pick(rng, programme.holders)
        participant = self.app.register_participant(
            RegisterParticipant(
                given_name=given,
                family_name=family,
                birth_date=birth,
                gender=gender,
                national_register_number=number,
                email=email,
                phone=phone,
            ),
            organisation=organisation,
            recorded_by=self.by,
        )
        self.participants += 1
        return Person(participant.id, birth, referral_on, organisation)

    def _follow(
        self,
        trajectory_id: uuid.UUID,
        programme: DemoProgramme,
        referral_on: date,
        organisation: str,
        target: Target | None,
    ) -> date | None:
        """Writes what follows the referral; returns the date it ended, if it did."""
        rng, profile = self.rng, programme.profile
        if target is not None:
            if target.intake_on is None:
                return None  # still waiting for the intake
            run = self._intake(trajectory_id, programme, organisation, target.intake_on)
            run.target = target
            return self.guidance.follow(run, target.intake_on, reopened=False)
        limit = programme.closes_on or self.horizon  # last date inside the programme
        if rng.random() < profile.decline:
            declined_on = workday(referral_on + days(rng, 1, 40))
            if declined_on > limit:
                if programme.closes_on is None:
                    return None  # not declined yet
                declined_on = limit
            self.app.record(
                trajectory_id,
                DeclineReferral(on=declined_on, reason=pick(rng, DECLINE_REASONS)),
                recorded_by=self.by,
            )
            return declined_on
        low, high, mode = profile.intake_days
        wait = timedelta(days=round(rng.triangular(low, high, mode)))
        intake_on = workday(referral_on + wait)
        if intake_on > limit:
            if programme.closes_on is None:
                return None  # still waiting for the intake
            declined_on = workday(
                referral_on + days(rng, 0, (limit - referral_on).days),
                referral_on,
                limit,
            )
            self.app.record(
                trajectory_id,
                DeclineReferral(on=declined_on, reason=DeclineReason.NO_CAPACITY),
                recorded_by=self.by,
            )
            return declined_on
        run = self._intake(trajectory_id, programme, organisation, intake_on)
        return self.guidance.follow(run, intake_on, reopened=False)

    def _intake(
        self,
        trajectory_id: uuid.UUID,
        programme: DemoProgramme,
        organisation: str,
        on: date,
    ) -> Run:
        rng, profile = self.rng, programme.profile
        barriers: list[Barrier] = []
        candidates = dict(profile.barriers)
        for _ in range(pick(rng, {0: 2, 1: 4, 2: 4, 3: 2, 4: 1})):
            barrier = pick(rng, candidates)
            barriers.append(barrier)
            del candidates[barrier]
        if rng.random() < 0.95:
            postcode = rng.choice(profile.postcodes)
        elif rng.random() < 0.8:
            postcode = rng.choice(BRUSSELS_POSTCODES)
        else:
            postcode = rng.choice(WALLOON_POSTCODES)
        run = Run(
            trajectory_id=trajectory_id,
            programme=programme,
            organisation=organisation,
            coach=choose_coach(programme, organisation, rng),
            rung=pick(rng, profile.rungs),
            labour=pick(rng, profile.labour),
            education=pick(rng, profile.education),
            disability=rng.random() < profile.disability,
            open_barriers=list(barriers),
        )
        run.version = self.app.record(
            trajectory_id,
            CompleteIntake(
                on=on,
                coach_id=Coach.id_for(organisation, run.coach),
                rung=run.rung,
                labour_status=run.labour,
                education_level=run.education,
                barriers=barriers,
                disability=run.disability,
                postcode=postcode,
            ),
            recorded_by=self.by,
        ).version
        return run
