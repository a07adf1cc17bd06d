"""Personal data sealed in the stored events, each participant's under their own key.

The mapper seals, before an event is stored:
- the personal fields of a participant's events (names, birth date, gender, national
  register number, email, phone; the changes of ``ParticipantDetailsChanged``) into
  one ``personal`` value, leaving in clear who recorded it and for which organisation;
- the free text of a trajectory's events (a session's note, the reason given for a
  correction, a reopening or a retraction), under the key of the trajectory's
  participant; the codes and dates stay in clear for the views.

Each seal is AES-256-GCM with a fresh nonce, bound to its event (aggregate id and
version): a sealed value copied into another event does not open. A participant's
events are opened as they are read; once the key is destroyed their personal fields
read as absent, and the ``ParticipantErased`` that destroyed it marks the aggregate.
Free text is opened only where it is shown (``Trajectories.history``): views, replays
and snapshots never need a key (the trajectory leaves it out of its journal).
"""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import replace
from typing import Any
from typing import cast
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper
from eventsourcing.persistence import MapperDeserialisationError
from eventsourcing.persistence import StoredEvent
from eventsourcing.persistence import Transcoder
from eventsourcing.persistence import Transcoding
from eventsourcing.utils import get_topic
from eventsourcing.utils import resolve_topic

from application.errors import StoredByNewerCode
from domain.errors import ParticipantErasedError

NONCE_BYTES = 12
ERASED = "erased"  # what free text reads as once its participant's key is destroyed

# The personal fields of each participant event, and what they read as once erased.
PERSONAL: dict[str, dict[str, Any]] = {
    "trajectory:ParticipantRegistered": {
        "given_name": "",
        "family_name": "",
        "birth_date": None,
        "gender": None,
        "national_register_number": None,
        "email": None,
        "phone": None,
    },
    "trajectory:ParticipantDetailsChanged": {"changes": {}},
}
# Free text a trajectory's events carry, which may name the person or tell about them:
# sealed under the key of the trajectory's participant, opened where it is shown.
FREE_TEXT: dict[str, tuple[str, ...]] = {
    "trajectory:SessionHeld": ("note",),
    "trajectory:EntryProfileCorrected": ("reason",),
    "trajectory:TrajectoryReopened": ("reason",),
    "trajectory:EntryRetracted": ("reason",),
}
NEVER_STORED = {
    "trajectory:Participant.Snapshot": "a participant is never snapshotted: the "
    "snapshot would hold their personal data outside the sealed events"
}


class SealBroken(RuntimeError):
    """A sealed value does not open with its participant's key: it was altered."""

    code = "seal_broken"


@dataclass(frozen=True)
class Sealed:
    """Personal data sealed under ``participant_id``'s key; ``bound_to`` is the
    event it belongs to, set when read."""

    participant_id: UUID
    data: bytes
    bound_to: bytes = b""


class SealedAsDict(Transcoding):
    type = Sealed
    name = "sealed"

    def encode(self, obj: Sealed) -> dict[str, str]:
        return {
            "participant": str(obj.participant_id),
            "data": base64.b64encode(obj.data).decode(),
        }

    def decode(self, data: dict[str, str]) -> Sealed:
        return Sealed(UUID(data["participant"]), base64.b64decode(data["data"]))


def bound(originator_id: UUID, version: int) -> bytes:
    return b"trajectory event\x00" + originator_id.bytes + version.to_bytes(8, "big")


def seal(participant_id: UUID, key: bytes, plain: bytes, bound_to: bytes) -> Sealed:
    nonce = os.urandom(NONCE_BYTES)
    data = nonce + AESGCM(key).encrypt(nonce, plain, bound_to)
    return Sealed(participant_id, data)


def open_sealed(sealed: Sealed, key: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(
            sealed.data[:NONCE_BYTES], sealed.data[NONCE_BYTES:], sealed.bound_to
        )
    except InvalidTag:
        raise SealBroken(
            f"personal data of participant {sealed.participant_id} does not open "
            "with their key: the stored event was altered"
        ) from None


class SealingMapper(Mapper[UUID]):
    """The library's mapper, sealing and opening personal data (see the module).

    ``keys(participant_ids)`` gives the data keys of those participants that still
    have one. To seal a trajectory's free text the mapper must know its participant:
    the application says so for each save with ``sealing(owners)``, a map from the
    id of each aggregate whose events are sealed to its participant's id and key."""

    def __init__(
        self,
        transcoder: Transcoder,
        keys: Callable[[list[UUID]], dict[UUID, bytes]],
    ) -> None:
        super().__init__(transcoder)
        self.keys = keys
        self._saving = threading.local()

    @contextmanager
    def sealing(self, owners: dict[UUID, tuple[UUID, bytes | None]]) -> Iterator[None]:
        self._saving.owners = owners
        try:
            yield
        finally:
            self._saving.owners = None

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        topic = get_topic(type(domain_event))
        if topic in NEVER_STORED:
            raise TypeError(NEVER_STORED[topic])
        if topic not in PERSONAL and topic not in FREE_TEXT:
            return super().to_stored_event(domain_event)
        state = dict(vars(domain_event))
        bound_to = bound(domain_event.originator_id, domain_event.originator_version)
        if topic in PERSONAL:
            participant_id, key = self._owner(domain_event.originator_id, True)
            plain = {name: state.pop(name) for name in PERSONAL[topic] if name in state}
            state["personal"] = seal(
                participant_id, key, self.transcoder.encode(plain), bound_to
            )
        else:
            texts = [n for n in FREE_TEXT[topic] if not isinstance(state[n], Sealed)]
            if texts:
                participant_id, key = self._owner(domain_event.originator_id, False)
            for name in texts:
                state[name] = seal(
                    participant_id,
                    key,
                    self.transcoder.encode(state[name]),
                    bound_to + name.encode(),
                )
        sealed = object.__new__(type(domain_event))
        object.__setattr__(sealed, "__dict__", state)
        return super().to_stored_event(sealed)

    def _owner(self, originator_id: UUID, is_participant: bool) -> tuple[UUID, bytes]:
        owners = getattr(self._saving, "owners", None) or {}
        if originator_id in owners:
            participant_id, key = owners[originator_id]
        elif is_participant:
            participant_id = originator_id
            key = self.keys([participant_id]).get(participant_id)
        else:
            raise RuntimeError(
                f"the free text of {originator_id} cannot be sealed: its participant "
                "is not known to this save"
            )
        if key is None:  # erased: nothing more is recorded about them
            raise ParticipantErasedError()
        return participant_id, key

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        """The stored event as a domain event, its state decoded once: a
        participant's personal fields opened (or, once erased, read as absent)
        before it is upcast, so that an upcaster sees the event whole, as it was
        recorded; a trajectory's free text bound to its event, to be opened where
        it is shown."""
        assert self.cipher is None and self.compressor is None
        topic = stored_event.topic
        cls = resolve_topic(topic)
        try:
            state: dict[str, Any] = self.transcoder.decode(stored_event.state)
        except Exception as error:
            raise MapperDeserialisationError(
                f"the state of the stored event {stored_event.originator_id} "
                f"v{stored_event.originator_version} ({topic}) does not decode: {error}"
            ) from error
        stored_id = stored_event.originator_id
        originator_id = stored_id if isinstance(stored_id, UUID) else UUID(stored_id)
        version = stored_event.originator_version
        if topic in PERSONAL:
            self._open_personal(topic, state, bound(originator_id, version))
        state["originator_id"], state["originator_version"] = originator_id, version
        stored_version = state.pop("class_version", 1)
        code_version = getattr(cls, "class_version", 1)
        if stored_version > code_version:
            raise StoredByNewerCode(topic, stored_version, code_version)
        for old in range(stored_version, code_version):
            getattr(cls, f"upcast_v{old}_v{old + 1}")(state)
        if topic in FREE_TEXT:  # opened where shown: see ``open_text``
            bound_to = bound(originator_id, version)
            for name in FREE_TEXT[topic]:
                if isinstance(state.get(name), Sealed):
                    state[name] = replace(
                        state[name], bound_to=bound_to + name.encode()
                    )
        domain_event = object.__new__(cls)
        object.__setattr__(domain_event, "__dict__", state)
        return cast(DomainEventProtocol[UUID], domain_event)

    def _open_personal(
        self, topic: str, state: dict[str, Any], bound_to: bytes
    ) -> None:
        """Replaces a participant event's sealed ``personal`` value with the fields
        it holds, or with what they read as once the participant is erased."""
        sealed = state.pop("personal", None)
        if not isinstance(sealed, Sealed):  # stored in clear, before sealing was
            return
        key = self.keys([sealed.participant_id]).get(sealed.participant_id)
        if key is None:  # erased
            state.update(PERSONAL[topic])
        else:
            plain = open_sealed(replace(sealed, bound_to=bound_to), key)
            state.update(self.transcoder.decode(plain))

    def open_text(self, value: Any, key: bytes | None, erased: bool) -> Any:
        """Free text as it reads: opened with its participant's ``key``, or
        ``ERASED`` once that is destroyed (also text stored in clear before sealing
        was, once the participant is ``erased``); any other value as it is."""
        if isinstance(value, Sealed):
            return (
                ERASED
                if key is None
                else self.transcoder.decode(open_sealed(value, key))
            )
        return ERASED if erased and isinstance(value, str) else value
