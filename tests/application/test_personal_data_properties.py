"""What holds for every history of registrations, changes, erasures and restarts:
each participant reads as last recorded until erased and never after, no value is
ever in the database file or its write-ahead log in clear, an erased participant's
key is in neither once the erasure returns, and every chain holds."""

import shutil
import string
import tempfile
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle
from hypothesis.stateful import RuleBasedStateMachine
from hypothesis.stateful import invariant
from hypothesis.stateful import rule

from application.service import Trajectories
from application.settings import Settings
from application.storage import KEYS_TABLE
from domain.commands import RegisterParticipant
from domain.errors import ParticipantErasedError
from domain.vocabulary import Gender

# Long enough that a value found in the file can only be the value itself.
# Marked so that a value cannot be a word the store holds anyway: hypothesis once
# found "Participan", which is in every participant event's topic.
words = st.text(string.ascii_letters, min_size=10, max_size=16).map(lambda w: f"Zq{w}")


class PersonalDataMachine(RuleBasedStateMachine):
    participants = Bundle("participants")

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="personal-"))
        self.path = self.folder / "store.db"
        self.service = self._open()
        self.expected: dict[UUID, dict[str, str]] = {}
        self.erased: set[UUID] = set()
        self.values: set[str] = set()
        self.wrapped: dict[UUID, bytes] = {}

    def _open(self) -> Trajectories:
        return Trajectories(Settings(database_url=f"sqlite:///{self.path}"))

    @rule(target=participants, given=words, family=words)
    def register(self, given: str, family: str) -> UUID:
        email = f"{given}@{family}.example".lower()
        participant = self.service.register_participant(
            RegisterParticipant(
                given_name=given,
                family_name=family,
                birth_date=date(2001, 2, 3),
                gender=Gender.X,
                email=email,
                confirmed_new_person=True,  # names drawn may repeat: new people
            ),
            recorded_by="Hilde",
        )
        self.expected[participant.id] = {
            "given_name": given,
            "family_name": family,
            "email": email,
        }
        self.values |= {given, family, email}
        [(wrapped,)] = self.service.keyring.tables.run(
            (
                f"SELECT wrapped FROM {KEYS_TABLE} WHERE participant_id = %s",
                (str(participant.id),),
            ),
            commit=False,
        )
        self.wrapped[participant.id] = bytes(wrapped)
        return participant.id

    @rule(participant_id=participants, family=words)
    def change_family_name(self, participant_id: UUID, family: str) -> None:
        participant = self.service.participant(participant_id)
        if participant_id in self.erased:
            with pytest.raises(ParticipantErasedError):
                participant.change_details(recorded_by="Hilde", family_name=family)
            return
        if family == self.expected[participant_id]["family_name"]:
            return  # no change: refused, as the domain's own tests show
        participant.change_details(recorded_by="Hilde", family_name=family)
        self.service.save(participant)
        self.expected[participant_id]["family_name"] = family
        self.values.add(family)

    @rule(participant_id=participants)
    def erase(self, participant_id: UUID) -> None:
        version = self.service.participant(participant_id).version
        answer = self.service.erase_participant(participant_id, recorded_by="admin")
        again = participant_id in self.erased
        assert answer.version == (version if again else version + 1)  # once only
        self.erased.add(participant_id)

    @rule()
    def restart(self) -> None:
        self.service.close()
        self.service = self._open()

    @invariant()
    def each_reads_as_last_recorded_until_erased(self) -> None:
        for participant_id, details in self.expected.items():
            participant = self.service.participant(participant_id)
            if participant_id in self.erased:
                assert participant.erased
                assert participant.given_name == "" and participant.email is None
            else:
                assert {name: getattr(participant, name) for name in details} == (
                    details
                )

    @invariant()
    def no_value_is_in_the_files_in_clear_nor_an_erased_key_at_all(self) -> None:
        files = [self.path, Path(f"{self.path}-wal")]
        stored = b"".join(f.read_bytes() for f in files if f.exists())
        for value in self.values:
            assert value.encode() not in stored, value
        for participant_id, wrapped in self.wrapped.items():
            assert (wrapped in stored) is (participant_id not in self.erased)

    def teardown(self) -> None:
        try:
            assert self.service.verify().intact
        finally:
            self.service.close()
            shutil.rmtree(self.folder, ignore_errors=True)


PersonalDataMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_personal_data_holds_for_every_history = PersonalDataMachine.TestCase
