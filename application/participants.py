"""Participants: their registration with a data key of their own (refused for
someone registered already), reading their personal data within an organisation,
finding them, and erasing it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from application.aggregates import owned
from application.errors import DataKeyMissing
from application.errors import ParticipantNotFound
from application.errors import VersionConflict
from application.idempotency import IdempotencyKey
from application.privacy.keys import Keyring
from application.search import ParticipantQuery
from application.search import Search
from application.search import SearchPage
from application.writes import Answer
from application.writes import Writes
from domain.commands import RegisterParticipant
from domain.enrolment import Enrolment
from domain.participant import Participant

ATTEMPTS = 5  # erasures racing with other writes about the participant


@dataclass(eq=False)
class Participants:
    writes: Writes
    keyring: Keyring
    programme_codes: Callable[[], list[str]]
    search: Search

    def register(
        self,
        registration: RegisterParticipant,
        *,
        recorded_by: str,
        organisation: str | None = None,
        key: IdempotencyKey | None = None,
    ) -> Answer:
        """Registers a participant in the dossiers of ``organisation``, the only
        organisation whose staff can then read the participant and refer them.
        Someone in those dossiers already (not erased) is refused: the same national
        register number always, the same name and birth date unless the registration
        confirms it is another person. A batch (the demo, a bulk load) records what
        it is given without that look-up, which could not see the registrations the
        batch itself holds."""
        return self.writes.answer(
            key, lambda: self._register(registration, recorded_by, organisation)
        )

    def _register(
        self,
        registration: RegisterParticipant,
        recorded_by: str,
        organisation: str | None,
    ) -> Participant:
        known = (
            []
            if self.writes.batched() is not None
            else self.search.known_like(registration, organisation)
        )
        participant = Participant.register(
            registration,
            organisation=organisation,
            recorded_by=recorded_by,
            known=known,
        )
        # The participant's data key is stored with the registration, in its
        # transaction, with the row that tells which master key wraps the keys.
        data_keys = [self.keyring.check, self.keyring.new_key(participant.id)]
        self.writes.save(participant.id, None, participant, data_keys=data_keys)
        return participant

    def get(self, participant_id: UUID, within: str | None = None) -> Participant:
        """The participant; ``within`` an organisation, another's is not found."""
        for _ in range(2):
            participant = owned(
                self.writes, participant_id, Participant, within, ParticipantNotFound
            )
            if participant.erased or participant.birth_date is not None:
                return participant
            # The key was gone when the events were opened: an erasure committed
            # between reading them and opening them. Read again, with its event.
        raise DataKeyMissing(participant_id)

    def find(self, query: ParticipantQuery, within: str | None = None) -> SearchPage:
        """Participants by name, birth date or national register number, in the
        dossiers of ``within`` (of every organisation, for None); never an erased
        one (see ``application.search``)."""
        return self.search.find(query, within)

    def check_erased(self, participant_id: UUID) -> None:
        """A participant without a data key must have been erased; one who was not
        lost their key (or was registered before personal data was sealed, in a
        store from an earlier version): nothing more is recorded about them."""
        try:
            participant = self.writes.get(participant_id, Participant)
        except AggregateNotFoundError:
            return
        if not participant.erased:
            raise DataKeyMissing(participant_id)

    def erase(self, participant_id: UUID, *, recorded_by: str) -> Answer:
        """Erases the participant's personal data: records ``ParticipantErased`` and,
        in the same transaction, destroys their data key (after which nothing sealed
        for them, their details or the free text of their trajectories, can be
        opened) and forgets the answers kept for retries of writes about them. Their
        events stay as they were stored, so every history stays complete and
        verifiable, and the views, which hold no personal data, stay as they were.
        Erasing again records nothing."""
        if self.writes.batched() is not None:
            raise RuntimeError(
                "an erasure is not recorded in a batch: it destroys a key"
            )
        for _ in range(ATTEMPTS):
            try:  # not ``get()``: a participant whose key is lost is erased too
                participant = self.writes.get(participant_id, Participant)
            except AggregateNotFoundError:
                raise ParticipantNotFound(participant_id) from None
            if participant.erased:
                # A no-op unless a key was left behind (by a store from before
                # erasures destroyed the key in their own transaction).
                self.keyring.destroy(participant_id)
                return Answer(participant_id, participant.version, replayed=True)
            participant.erase(recorded_by=recorded_by)
            answered_for = [participant_id, *self.trajectory_ids_of(participant_id)]
            try:
                self.writes.save(
                    participant_id,
                    None,
                    participant,
                    shred=[participant_id],
                    forget=answered_for,
                )
            except VersionConflict:
                continue  # changed meanwhile (erased by another request?): look again
            self.keyring.after_shredding()
            return Answer(participant_id, participant.version)
        current = self.writes.version_of(participant_id)
        raise VersionConflict(participant_id, None, current)

    def trajectory_ids_of(self, participant_id: UUID) -> list[UUID]:
        ids: list[UUID] = []
        for code in self.programme_codes():
            try:
                enrolment = self.writes.get(
                    Enrolment.id_for(participant_id, code), Enrolment
                )
            except AggregateNotFoundError:
                continue
            ids += enrolment.trajectory_ids
        return ids
