"""Finding participants by any part of a name, a birth date or a national register
number, within an organisation's dossiers (or in all of them), through the sealed
index (``privacy/index.py``); and the participants a registration is checked
against for duplicates.

The index gives *candidates*: participants with every hashed term of the search.
Each is opened with their own data key and kept only if their details match, so a
hash shared by chance never shows someone else, and an erased participant (no key,
no rows) is never found. At most ``MAX_CANDIDATES`` are opened per search; a search
that matches more says so (``SearchPage.complete``), asking for more of the name or
a birth date.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from typing import Any
from typing import cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent

from application.privacy.index import CHUNK
from application.privacy.index import SearchIndex
from application.privacy.index import Term
from application.privacy.index import birth_term
from application.privacy.index import indexable
from application.privacy.index import number_term
from application.privacy.index import word_terms
from application.privacy.keys import Keyring
from application.privacy.sealing import SealingMapper
from application.storage import SideTables
from domain.commands import RegisterParticipant
from domain.errors import InvalidValue
from domain.participant import ELEVEN_DIGITS
from domain.participant import KnownParticipant
from domain.participant import Participant
from domain.participant import comparable
from domain.participant import name_words
from domain.participant import national_number_digits

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_CANDIDATES = 100
REGISTERED = "trajectory:ParticipantRegistered"


@dataclass(frozen=True)
class ParticipantQuery:
    """Who to look for: every word of ``name`` in the given or family name (two
    letters: the start of a word; three or more: anywhere in one), and the birth
    date and the whole national register number if given. ``limit`` and
    ``offset`` page the participants found, ordered by name."""

    name: str | None = None
    birth_date: date | None = None
    national_number: str | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0

    def __post_init__(self) -> None:
        if (
            self.name is None
            and self.birth_date is None
            and self.national_number is None
        ):
            raise InvalidValue(
                "give a name, a birth date or a national register number to search for"
            )
        if self.name is not None:
            if not self.words:
                raise InvalidValue("a name to search for needs letters")
            if any(len(word) < 2 for word in self.words):
                raise InvalidValue(
                    "each word of a name to search for has at least 2 letters"
                )
        if self.national_number is not None and not ELEVEN_DIGITS.fullmatch(
            self.digits or ""
        ):
            raise InvalidValue(
                "search by the whole national register number: its 11 digits"
            )
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidValue(f"limit must be between 1 and {MAX_LIMIT}")
        if not 0 <= self.offset < MAX_CANDIDATES:
            raise InvalidValue(f"offset must be between 0 and {MAX_CANDIDATES - 1}")

    @property
    def words(self) -> list[str]:
        """The name's words, a one-letter word joined to the next ("D'Hondt" is
        dhondt, "O'Brien" obrien), as the index holds a name written as one
        word."""
        words: list[str] = []
        pending = ""
        for word in name_words(self.name or ""):
            if len(pending + word) == 1:
                pending = word
                continue
            words.append(pending + word)
            pending = ""
        return [*words, pending] if pending else words

    @property
    def digits(self) -> str | None:
        number = self.national_number
        return None if number is None else national_number_digits(number)

    def terms(self) -> set[Term]:
        terms: set[Term] = set()
        for word in self.words:
            terms |= word_terms(word)
        if self.birth_date is not None:
            terms.add(birth_term(self.birth_date))
        if self.digits is not None:
            terms.add(number_term(self.digits))
        return terms

    def matches(self, participant: Participant) -> bool:
        """Whether the participant's details (opened) are what is looked for."""
        if self.birth_date is not None and participant.birth_date != self.birth_date:
            return False
        number = participant.national_register_number
        if self.digits is not None and (
            number is None or national_number_digits(number) != self.digits
        ):
            return False
        words: set[str] = set()
        for name in (participant.given_name, participant.family_name):
            parts = name_words(name)
            words |= {*parts, "".join(parts)}
        return all(
            any(w.startswith(q) if len(q) == 2 else q in w for w in words)
            for q in self.words
        )


@dataclass(frozen=True)
class SearchPage:
    """One page of the participants found, ordered by family name, given name and
    birth date. ``total`` counts those found among the candidates opened;
    ``complete`` is false when more matched the index than a search opens."""

    total: int
    complete: bool
    participants: list[Participant]


def by_name(participant: Participant) -> tuple[Any, ...]:
    return (
        comparable(participant.family_name),
        comparable(participant.given_name),
        participant.birth_date,
        str(participant.id),
    )


class ParticipantReader:
    """Participants opened many at a time: their events in one query, their data
    keys in another (a search opens up to ``MAX_CANDIDATES`` at once)."""

    def __init__(self, app: Application[UUID], keyring: Keyring) -> None:
        self.keyring = keyring
        self.tables = SideTables(app.recorder)
        recorder: Any = app.recorder
        self.events = self.tables.name(recorder.events_table_name)
        self.transcoder = cast(SealingMapper, app.mapper).transcoder

    def open(self, ids: Sequence[UUID]) -> dict[UUID, Participant]:
        """The participants of those ids that are participants, as they are now
        (an erased one with their details blank)."""
        opened: dict[UUID, Participant] = {}
        for start in range(0, len(ids), CHUNK):
            chunk = sorted(set(ids[start : start + CHUNK]))
            if not chunk:
                continue
            rows = self.tables.events_of(self.events, chunk)
            mapper = self._mapper(self.keyring.fetch(chunk))
            for raw_id, events in groupby(rows, key=lambda row: str(row[0])):
                participant = self._folded(mapper, UUID(raw_id), events)
                if participant is not None:
                    opened[participant.id] = participant
        return opened

    def _mapper(self, keys: dict[UUID, bytes]) -> SealingMapper:
        """The service's mapper, opening with these keys (fetched at once)."""
        return SealingMapper(
            self.transcoder, lambda ids: {i: keys[i] for i in ids if i in keys}
        )

    @staticmethod
    def _folded(
        mapper: SealingMapper, participant_id: UUID, rows: Iterator[tuple[Any, ...]]
    ) -> Participant | None:
        aggregate: Any = None
        for _, version, topic, state in rows:
            if not str(topic).startswith("trajectory:Participant"):
                return None
            stored = StoredEvent(participant_id, int(version), str(topic), bytes(state))
            aggregate = mapper.to_domain_event(stored).mutate(aggregate)  # type: ignore[attr-defined]
        return aggregate if isinstance(aggregate, Participant) else None

    def registered(self) -> list[UUID]:
        """Every participant ever registered in the store, erased ones too."""
        rows = self.tables.run(
            (
                f"SELECT originator_id FROM {self.events} WHERE topic = %s "
                "ORDER BY originator_id",
                (REGISTERED,),
            ),
            commit=False,
        )
        return [UUID(str(row[0])) for row in rows]


class Search:
    def __init__(self, index: SearchIndex, reader: ParticipantReader) -> None:
        self.index = index
        self.reader = reader

    def find(self, query: ParticipantQuery, within: str | None = None) -> SearchPage:
        """The participants the query describes, in the dossiers of ``within``
        (of every organisation, for None); never an erased one."""
        ids = self.index.candidates(query.terms(), within, MAX_CANDIDATES + 1)
        opened = self.reader.open(ids[:MAX_CANDIDATES])
        found = sorted(
            (p for p in opened.values() if indexable(p) and query.matches(p)),
            key=by_name,
        )
        page = found[query.offset : query.offset + query.limit]
        return SearchPage(len(found), len(ids) <= MAX_CANDIDATES, page)

    def known_like(
        self, registration: RegisterParticipant, organisation: str | None
    ) -> list[KnownParticipant]:
        """The participants in the dossiers of ``organisation`` (those without one,
        for None) with the registration's birth date or national register number:
        those it could be a duplicate of."""
        scope = organisation or ""
        ids = self.index.candidates(
            [birth_term(registration.birth_date)], scope, MAX_CANDIDATES
        )
        number = registration.national_register_number
        digits = None if number is None else national_number_digits(number)
        if digits is not None and ELEVEN_DIGITS.fullmatch(digits):
            ids += self.index.candidates([number_term(digits)], scope, MAX_CANDIDATES)
        return [
            KnownParticipant(
                p.id,
                p.given_name,
                p.family_name,
                p.birth_date,
                p.national_register_number,
            )
            for p in self.reader.open(sorted(set(ids))).values()
            if indexable(p)
        ]

    def fill(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Indexes every participant in the store (idempotently: their rows are
        replaced), opening them with their keys, and records that the index was
        filled; calls ``progress(done, total)`` as it goes. How many participants
        the index holds."""
        ids = self.reader.registered()
        indexed = 0
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            indexed += self.index.fill(self.reader.open(chunk))
            if progress is not None:
                progress(start + len(chunk), len(ids))
        self.index.record_filled(indexed)
        return indexed
