"""Bringing an organisation's existing records in: whole trajectories, each with its
participant, through the same commands and rules as the API.

An import is given ``Incoming`` trajectories: the participant's registration, the
referral, and the commands that follow it in order, each with the row of the file it
came from. Each trajectory is stored whole or not at all. A refused one is reported
with the row and the domain's refusal, and nothing of it is stored.

Where a trajectory already is
    A participant is the organisation's participant with the same national register
    number, or, without one, with the same name and birth date (as the registration's
    duplicate rules compare them); someone not found is registered, their personal
    data sealed as any registration's. A trajectory is the participant's trajectory
    in the same programme referred on the same day. Found, its stored events are
    compared with the rows in order: rows it holds already are not recorded again
    (importing a file twice records nothing twice), further rows are recorded after
    them, and a stored event that is not the row's event refuses the trajectory.

Batches
    Trajectories are recorded in batches of ``import_parts.BATCH`` (one transaction
    each, as the demo loads), all of whom the import may take for one person in the
    same batch (``import_parts``). When one is refused, the
    batch is abandoned, the trajectories before it are recorded again without it, and
    the rest go on: a refusal costs one batch at most. A dry run does all of this and
    then abandons every batch.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from enum import Enum
from uuid import UUID

from application.coaches import Coaches
from application.handlers import Handlers
from application.import_parts import batches
from application.participants import Participants
from application.privacy.index import Term
from application.privacy.index import birth_term
from application.privacy.index import indexable
from application.privacy.index import number_term
from application.search import Search
from application.writes import Writes
from domain.coach import Coach
from domain.commands import Refer
from domain.commands import RegisterCoach
from domain.commands import RegisterParticipant
from domain.commands import TrajectoryCommand
from domain.errors import DomainError
from domain.errors import NotFound
from domain.participant import ELEVEN_DIGITS
from domain.participant import Participant
from domain.participant import comparable
from domain.participant import national_number_digits
from domain.participant import same_name
from domain.trajectory import Trajectory


@dataclass(frozen=True)
class Step:
    """One command of a trajectory after its referral, from row ``row``; ``coach``
    is the coach's name where the command names one (registered if new)."""

    row: int
    command: TrajectoryCommand
    coach: str | None = None


@dataclass(frozen=True)
class Incoming:
    """A trajectory to import: ``reference`` is the file's name for it, and
    ``participant`` the file's name for its participant, if it gives one."""

    reference: str
    row: int  # the referral's row
    person: RegisterParticipant
    referral: Refer  # its participant_id is filled in by the import
    steps: Sequence[Step] = ()
    participant: str | None = None

    @property
    def alike_key(self) -> tuple[str, ...]:
        """Whom the participant may be, for matching: the number, or name and
        birth date."""
        number = self.person.national_register_number
        if number:
            return (self.referral.organisation, national_number_digits(number))
        names = sorted(
            n.casefold() for n in (self.person.given_name, self.person.family_name)
        )
        return (self.referral.organisation, *names, self.person.birth_date.isoformat())

    @property
    def may_be(self) -> list[tuple[str, ...]]:
        """Every key by which the import may take this participant and another for
        one person: the number, and (as ``same_name`` compares them) the names with
        the birth date, which a participant without a number is matched by."""
        person, organisation = self.person, self.referral.organisation
        names = sorted(comparable(n) for n in (person.given_name, person.family_name))
        keys = [(organisation, "born", *names, person.birth_date.isoformat())]
        number = person.national_register_number
        if number:
            keys.append((organisation, "number", national_number_digits(number)))
        return keys

    @property
    def person_key(self) -> tuple[str, ...]:
        """Who the participant is in the file: whom they may be, told apart by the
        file's reference for them where it gives one."""
        return (*self.alike_key, self.participant or "")

    @property
    def events(self) -> int:
        return 1 + len(self.steps)


class Result(Enum):
    STORED = "stored"  # a new trajectory
    EXTENDED = "extended"  # rows recorded after those stored before
    UNCHANGED = "unchanged"  # every row was stored before
    REFUSED = "refused"


@dataclass(frozen=True)
class Outcome:
    """What became of one trajectory: the events recorded (or, in a dry run, to be
    recorded); for a refused one, the row and the refusal."""

    reference: str
    result: Result
    recorded: int = 0
    registered: bool = False  # its participant was registered by the import
    row: int | None = None
    refusal: DomainError | None = None


@dataclass
class Report:
    dry_run: bool
    outcomes: list[Outcome] = field(default_factory=list)
    coaches: set[str] = field(default_factory=set)  # registered (or to be)

    def count(self, result: Result) -> int:
        return sum(1 for o in self.outcomes if o.result is result)

    @property
    def events(self) -> int:
        return sum(o.recorded for o in self.outcomes)

    @property
    def refused(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.result is Result.REFUSED]


class DiffersFromStored(DomainError):
    code = "import_differs_from_stored"
    template = (
        "the trajectory is stored already, and its event {version} is {stored}, "
        "not the row's {row_event}"
    )
    version: int
    stored: str
    row_event: str


class ImportNotFound(NotFound):
    code = "import_not_found"
    template = "import {import_id} is not one of this server's last imports"
    import_id: UUID


class _Abandon(Exception):
    """Leaves a batch without saving it."""


@dataclass
class _Refusal(Exception):
    incoming: Incoming
    row: int
    refusal: DomainError


@dataclass(eq=False)
class Importer:
    writes: Writes
    handlers: Handlers
    participants: Participants
    coaches: Coaches
    search: Search
    _registered: dict[tuple[str, ...], UUID] = field(default_factory=dict, init=False)
    _created: dict[tuple[UUID, str, date], UUID] = field(
        default_factory=dict, init=False
    )
    _known: dict[str, list[Participant]] = field(default_factory=dict, init=False)
    # a participant -> the file's reference
    _claimed: dict[UUID, str] = field(default_factory=dict, init=False)

    def run(
        self,
        incoming: Iterable[Incoming],
        *,
        recorded_by: str,
        dry_run: bool,
        progress: Callable[[int], None] | None = None,
    ) -> Report:
        """Imports the trajectories (in a dry run, checks them all and stores
        nothing), calling ``progress`` with each one done."""
        report = Report(dry_run=dry_run)
        self._claimed = {}
        for batch in batches(incoming):
            self._batch(batch, recorded_by, report)
            if progress is not None:
                progress(len(batch))
        return report

    def _batch(self, batch: list[Incoming], recorded_by: str, report: Report) -> None:
        pending = batch
        while pending:
            done: list[Outcome] = []
            self._registered = {}  # registered in this batch, by person_key
            self._created = {}  # referred in this batch: (participant, programme, on)
            self._known = self._known_like(pending)
            stored_coaches, new_coaches = self._coaches_named(pending)
            if not report.dry_run:
                stored_coaches |= self._register_coaches(new_coaches, recorded_by)
            report.coaches |= {name for _, name in new_coaches}
            try:
                with self.writes.batch():
                    in_hand = self.writes.batched()
                    assert in_hand is not None  # within the batch
                    in_hand.update(stored_coaches)  # read once, not each per row
                    if report.dry_run:  # as if registered, for this batch only
                        self._register_coaches(new_coaches, recorded_by, batched=True)
                    for incoming in pending:
                        done.append(self._one(incoming, recorded_by))
                    if report.dry_run:
                        raise _Abandon
            except _Abandon:
                pass
            except _Refusal as refused:
                # What came before the refused trajectory is recorded again without
                # it (it succeeded once: it will again); the rest goes on after it.
                at = pending.index(refused.incoming)
                report.outcomes.append(
                    Outcome(
                        refused.incoming.reference,
                        Result.REFUSED,
                        row=refused.row,
                        refusal=refused.refusal,
                    )
                )
                if at:
                    self._batch(pending[:at], recorded_by, report)
                pending = pending[at + 1 :]
                continue
            report.outcomes.extend(done)
            return

    def _one(self, incoming: Incoming, recorded_by: str) -> Outcome:
        organisation = incoming.referral.organisation
        row = incoming.row
        try:
            new_here = incoming.person_key in self._registered
            participant_id, trajectory = self._stored(incoming)
            registered = participant_id is None
            if participant_id is None:
                participant_id = self.participants.register(
                    incoming.person,
                    recorded_by=recorded_by,
                    organisation=organisation,
                ).id
                self._registered[incoming.person_key] = participant_id
            if incoming.participant is not None:
                self._claimed[participant_id] = incoming.participant
            referral = _with_participant(incoming.referral, participant_id)
            key = (participant_id, referral.programme, referral.on)
            if registered or new_here:  # only this batch can hold their trajectories
                made = self._created.get(key)
                trajectory = None if made is None else self.handlers.trajectory(made)
            if trajectory is None:
                # (a participant registered in this batch: the referral looks for
                # an enrolment in the batch only, Handlers._refer)
                trajectory_id = self.handlers.refer(
                    referral, recorded_by=recorded_by, within=organisation
                ).id
                self._created[key] = trajectory_id
                start, result = 0, Result.STORED
            else:
                trajectory_id = trajectory.id
                start = self._stored_rows(trajectory, incoming)
                unchanged = start == incoming.events
                result = Result.UNCHANGED if unchanged else Result.EXTENDED
                start -= 1  # the referral is not a step
            for step in incoming.steps[start:]:
                row = step.row
                self.handlers.record(
                    trajectory_id,
                    step.command,
                    recorded_by=recorded_by,
                    within=organisation,
                )
        except DomainError as refusal:
            raise _Refusal(incoming, row, refusal) from None
        recorded = len(incoming.steps) - start + (result is Result.STORED)
        return Outcome(
            incoming.reference,
            result,
            recorded=recorded,
            registered=registered,
        )

    def _stored(self, incoming: Incoming) -> tuple[UUID | None, Trajectory | None]:
        """The organisation's participant the incoming one is, if any (registered
        before, or by this batch), with their stored trajectory in the programme
        referred on the same day, if any. Of several alike, the one with that
        trajectory; else the only one not taken by another of the file's
        references; else none (someone new)."""
        if (registered := self._registered.get(incoming.person_key)) is not None:
            return registered, None  # this batch's: only the batch holds theirs
        candidates = self._candidates(incoming)
        for candidate in candidates:
            referral = _with_participant(incoming.referral, candidate)
            trajectory = self._stored_trajectory(referral)
            if trajectory is not None:
                self._claim(candidate, incoming)
                return candidate, trajectory
        reference = incoming.participant
        free = [c for c in candidates if self._claimed.get(c, reference) == reference]
        if incoming.person.national_register_number and candidates:
            free = candidates[:1]  # the number decides
        if len(free) != 1:
            return None, None
        self._claim(free[0], incoming)
        return free[0], None

    def _claim(self, participant_id: UUID, incoming: Incoming) -> None:
        if incoming.participant is not None:
            self._claimed[participant_id] = incoming.participant

    def _candidates(self, incoming: Incoming) -> list[UUID]:
        """The stored participants the incoming one may be: by number, else by
        name and birth date."""
        person = incoming.person
        number = person.national_register_number
        digits = national_number_digits(number) if number else None
        known = self._known.get(incoming.referral.organisation, [])
        if digits:
            return [
                k.id
                for k in known
                if k.national_register_number
                and national_number_digits(k.national_register_number) == digits
            ]
        return sorted(
            {
                k.id
                for k in known
                if k.birth_date == person.birth_date
                and same_name(
                    (person.given_name, person.family_name),
                    (k.given_name, k.family_name),
                )
            }
        )

    def _known_like(self, batch: list[Incoming]) -> dict[str, list[Participant]]:
        """By organisation, the participants registered before whom the batch's
        participants could be (as ``_candidates`` compares them: the same number,
        or for one without a number the same birth date): one look-up."""
        terms: dict[str, set[Term]] = {}
        for incoming in batch:
            person = incoming.person
            wanted = terms.setdefault(incoming.referral.organisation, set())
            number = person.national_register_number
            digits = national_number_digits(number) if number else ""
            if not digits:  # matched by name and birth date
                wanted.add(birth_term(person.birth_date))
            elif ELEVEN_DIGITS.fullmatch(digits):  # by the number alone
                wanted.add(number_term(digits))
        known: dict[str, list[Participant]] = {}
        for organisation, wanted in terms.items():
            ids = self.search.index.with_any(wanted, organisation)
            opened = self.search.reader.open(ids) if ids else {}
            known[organisation] = [p for p in opened.values() if indexable(p)]
        return known

    def _stored_trajectory(self, referral: Refer) -> Trajectory | None:
        for trajectory_id in self.participants.trajectory_ids_of(
            referral.participant_id
        ):
            trajectory = self.handlers.trajectory(trajectory_id)
            if (
                trajectory.programme == referral.programme
                and trajectory.referred_on == referral.on
            ):
                return trajectory
        return None

    def _stored_rows(self, trajectory: Trajectory, incoming: Incoming) -> int:
        """How many of the incoming rows the trajectory holds already (its first
        events, one a row); refused if one of them is not the row's event."""
        expected = ["ReferralReceived"]
        expected += [step.command.event_type for step in incoming.steps]
        stored = self.writes.app.repository.event_store.get(trajectory.id)
        for version, event in enumerate(stored, start=1):
            if version > len(expected):
                break
            name = type(event).__name__
            if name != expected[version - 1]:
                raise _Refusal(
                    incoming,
                    incoming.steps[version - 2].row if version > 1 else incoming.row,
                    DiffersFromStored(version, name, expected[version - 1]),
                )
        return min(trajectory.version, len(expected))

    def _coaches_named(
        self, batch: list[Incoming]
    ) -> tuple[dict[UUID, Coach], set[tuple[str, str]]]:
        """The coaches the batch names: those registered, by id, read in one query;
        and those not registered yet, as (organisation, name). A coach is a person
        of the organisation, not a part of a trajectory: one named by a refused
        trajectory stays registered."""
        named: dict[UUID, tuple[str, str]] = {}
        for incoming in batch:  # of one coach's spellings, the batch's first
            organisation = incoming.referral.organisation
            for step in incoming.steps:
                if step.coach is not None:
                    coach = Coach.id_for(organisation, step.coach)
                    named.setdefault(coach, (organisation, step.coach))
        stored = self.writes.read_many(named, Coach)
        return stored, {who for id_, who in named.items() if id_ not in stored}

    def _register_coaches(
        self, coaches: set[tuple[str, str]], recorded_by: str, batched: bool = False
    ) -> dict[UUID, Coach]:
        """Registers the coaches (``batched``: in the batch in hand only, for a dry
        run); the coaches, by id."""
        registered = {}
        for organisation, name in sorted(coaches):
            if batched:
                registration = RegisterCoach(name=name, organisation=organisation)
                coach = Coach.register(registration, recorded_by)
                in_hand = self.writes.batched()
                assert in_hand is not None  # within the batch
                in_hand[coach.id] = coach
            else:
                coach = self.coaches.ensure(name, organisation, recorded_by=recorded_by)
            registered[coach.id] = coach
        return registered


def coach_id(organisation: str, name: str) -> UUID:
    """The id of the organisation's coach of that name, as the import names one."""
    return Coach.id_for(organisation, name)


def _with_participant(referral: Refer, participant_id: UUID) -> Refer:
    return Refer(
        participant_id=participant_id,
        programme=referral.programme,
        organisation=referral.organisation,
        referral_source=referral.referral_source,
        on=referral.on,
    )
