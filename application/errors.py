"""Errors the application adds to the domain's: what is not found, conflicts between
writers, and stores that need an operator."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.errors import DomainError
from domain.errors import NotFound


class TrajectoryNotFound(NotFound):
    code = "trajectory_not_found"
    template = "trajectory {trajectory_id} does not exist"

    trajectory_id: UUID


class ParticipantNotFound(NotFound):
    code = "participant_not_found"
    template = "participant {participant_id} does not exist"

    participant_id: UUID


class ProgrammeNotFound(NotFound):
    code = "programme_not_found"
    template = "programme {code} does not exist"

    def __init__(self, code: str) -> None:
        super().__init__(code=code)


class CoachNotFound(NotFound):
    code = "coach_not_found"
    template = "coach {coach_id} is not registered"

    coach_id: UUID


class GroupSessionNotFound(NotFound):
    code = "group_session_not_found"
    template = "group session {group_session_id} does not exist"

    group_session_id: UUID


class CoachAlreadyRegistered(DomainError):
    code = "coach_already_registered"
    template = "{name} is already a coach of {organisation}"

    name: str
    organisation: str


class VersionNotFound(NotFound):
    code = "version_not_found"
    template = "trajectory {trajectory_id} has no version {version}; the last is {last}"

    trajectory_id: UUID
    version: int
    last: int


class VersionsOutOfOrder(DomainError):
    code = "versions_out_of_order"
    template = (
        "from_version {from_version} is after to_version {to_version}: a diff "
        "runs from a version to the same or a later one"
    )

    from_version: int
    to_version: int


class NotYetReferred(NotFound):
    code = "not_yet_referred"
    template = (
        "trajectory {trajectory_id} did not exist on {on}: "
        "it was referred on {referred_on}"
    )

    trajectory_id: UUID
    on: date
    referred_on: date


class DataKeyMissing(Exception):
    """A participant who was not erased has no data key: the key table was damaged
    or restored apart from the events."""

    code = "data_key_missing"

    def __init__(self, participant_id: UUID) -> None:
        super().__init__(
            f"participant {participant_id} has no data key although they were not "
            "erased: their personal data cannot be opened or recorded (was the key "
            "table restored apart from the events, or the participant registered by "
            "a version that did not seal personal data?)"
        )


class StoredByNewerCode(Exception):
    """An event stored by a newer version of its class than this code's: read, it
    would be misread, so it is not (as after a rollback over newer events; the
    release that wrote it, or a later one, reads it)."""

    code = "stored_by_newer_code"

    def __init__(self, topic: str, stored: int, code: int) -> None:
        super().__init__(
            f"an event {topic} of version {stored} is stored, and this release reads "
            f"its versions up to {code}: run the release that wrote it, or a later "
            "one (`trajectory migrate` reports what the store holds)"
        )


class VerificationRunning(Exception):
    """A verification reads the whole store: one runs at a time."""

    code = "verification_running"

    def __init__(self) -> None:
        super().__init__("a verification of the store is running; retry when it ends")


class ProgrammeAlreadyRegistered(DomainError):
    code = "programme_already_registered"
    template = "programme {code} is already registered"

    def __init__(self, code: str) -> None:
        super().__init__(code=code)


class VersionConflict(Exception):
    """The caller's version is not the stored one: nothing was written."""

    def __init__(self, aggregate_id: UUID, expected: int | None, current: int) -> None:
        self.aggregate_id, self.expected, self.current = aggregate_id, expected, current
        expectation = "" if expected is None else f"expected version {expected}, "
        super().__init__(
            f"{aggregate_id} was changed meanwhile: {expectation}"
            f"the current version is {current}"
        )


class InvalidToken(DomainError):
    code = "invalid_token"


class TokenNotFound(NotFound):
    code = "token_not_found"
    template = "token {token_id} does not exist"

    token_id: UUID


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    template = (
        "Idempotency-Key {key!r} was used before for a different request; "
        "use a new key for a new request"
    )

    key: str
