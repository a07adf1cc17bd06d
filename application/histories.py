"""An organisation's stored histories, trajectory by trajectory, for an export: each
trajectory's events in order (read as the aggregate reads them: upcast, unsealed
where the participant's key is still there), with its participant."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from application.privacy.keys import Keyring
from application.privacy.sealing import Sealed
from domain.participant import Participant

REFERRAL_TOPIC = "trajectory:ReferralReceived"
PAGE = 1_000


@dataclass(frozen=True)
class History:
    trajectory_id: UUID
    participant_id: UUID
    events: list[Any]  # free text (notes) only with the personal data
    participant: Participant | None  # with its personal data, when asked for


class Histories:
    def __init__(
        self, app: Application[UUID], keyring: Keyring, participant: Any
    ) -> None:
        self.app = app
        self.keyring = keyring
        self.participant = participant  # (id) -> Participant

    def referred(self, organisation: str | None) -> Iterator[tuple[UUID, UUID]]:
        """(trajectory, participant) of every referral of ``organisation`` (of
        every organisation: None), in the order they were recorded."""
        recorder: Any = self.app.recorder
        start: int | None = None
        while True:
            page = recorder.select_notifications(
                start, PAGE, topics=[REFERRAL_TOPIC], inclusive_of_start=False
            )
            for notification in page:
                event: Any = self.app.mapper.to_domain_event(notification)
                if organisation is None or event.organisation == organisation:
                    yield event.originator_id, event.participant_id
            if len(page) < PAGE:
                return
            start = page[-1].id

    def of(
        self,
        organisation: str | None,
        *,
        personal_data: bool,
        participant: UUID | None = None,
    ) -> Iterator[History]:
        """Each trajectory of ``organisation`` (only those of ``participant``, if
        given) with its events; its participant (personal data and all) only when
        ``personal_data`` asks for it."""
        mapper: Any = self.app.mapper
        for trajectory_id, participant_id in self.referred(organisation):
            if participant is not None and participant_id != participant:
                continue
            events = list(self.app.repository.event_store.get(trajectory_id))
            person = None
            key = None
            if personal_data:
                person = self.participant(participant_id)
                key = self.keyring.fetch([participant_id]).get(participant_id)
            for event in events:
                for name, value in vars(event).items():
                    if isinstance(value, Sealed):
                        opened = mapper.open_text(value, key, False) if key else None
                        object.__setattr__(event, name, opened)
            yield History(trajectory_id, participant_id, events, person)
