"""The sealed search index of participants: how someone is found by name, birth date
or national register number while their details stay sealed.

The index holds, for each participant who is not erased, keyed hashes of *terms* of
their details: every three letters in a row of each word of their given and family
names (and of each name written as one word, "vandenbroeck"), the first two letters
of each, their birth date, and their national register number as its 11 digits.
Names are taken in lower case without accents. A row is ``(token, organisation,
participant_id)``: the token is HMAC-SHA-256 of the term, cut to 16 bytes, under the
*index key*; the organisation is the one whose dossiers hold the participant (as
their registration says in clear). Nothing in it is readable: without the key a
token cannot be told from a random one, nor computed from a guessed name.

The index key is derived (HKDF-SHA-256) from the store's own secret: the random key
of the row that tells whether the master key is the store's (``keys.CHECK_ID``),
which is stored only wrapped by the master key. It is never stored itself. A master
key rotation re-wraps that secret without changing it, so the index stays as it is
and keeps working; a store restored with its key table keeps its index too.

A search turns its words, date or number into tokens the same way and asks for the
participants that have all of them (within the caller's organisation, or in all);
those *candidates* are then opened with their own data keys and kept only if their
details match (``application.search``): the index narrows, the sealed data decides.

Rows are written with the participant's events, in their transaction (see
``storage.recorders._side_writes``): a registration adds its participant's rows, a
change of details replaces them, and an erasure deletes them with the data key.
Participants registered before the index existed are added by ``fill`` (at the first
start after the upgrade, or by `trajectory reindex`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from application.privacy.keys import CHECK_ID
from application.privacy.keys import Keyring
from application.storage import KEYS_TABLE
from application.storage import SEARCH_TABLE
from application.storage import SideTables
from domain.participant import ELEVEN_DIGITS
from domain.participant import Participant
from domain.participant import name_words
from domain.participant import national_number_digits

TOKEN_BYTES = 16
FILLED_TABLE = SEARCH_TABLE + "_filled"
INDEX_KEY_INFO = b"trajectory participant search index"
CHUNK = 500  # ids in one IN (...) list

Term = tuple[str, str]  # (kind, value)
Row = tuple[bytes, str, str]  # (token, organisation, participant_id)


# Terms -------------------------------------------------------------------------------


def trigrams(word: str) -> set[Term]:
    return {("trigram", word[i : i + 3]) for i in range(len(word) - 2)}


def name_terms(*names: str) -> set[Term]:
    """Every three letters in a row of each word of the names and of each name as
    one word, and the first two letters of each."""
    terms: set[Term] = set()
    for name in names:
        words = name_words(name)
        for word in {*words, "".join(words)}:
            if len(word) >= 2:
                terms.add(("start", word[:2]))
            terms |= trigrams(word)
    return terms


def word_terms(word: str) -> set[Term]:
    """What a searched word needs: two letters are the start of a word; three or
    more are anywhere in one."""
    return {("start", word)} if len(word) == 2 else trigrams(word)


def birth_term(born: date) -> Term:
    return ("birth", born.isoformat())


def number_term(digits: str) -> Term:
    return ("number", digits)


def terms_of(participant: Participant) -> set[Term]:
    """The terms of a participant's details as they read now (a number stored as it
    was typed, before numbers were kept as digits, is taken as its digits)."""
    terms = name_terms(participant.given_name, participant.family_name)
    terms.add(birth_term(participant.birth_date))
    number = participant.national_register_number
    if number is not None and ELEVEN_DIGITS.fullmatch(national_number_digits(number)):
        terms.add(number_term(national_number_digits(number)))
    return terms


def stored_id(tables: SideTables, aggregate_id: UUID) -> str:
    """An aggregate's id as the stored events' table holds it (SQLite: its hex)."""
    return tables.stored_id(aggregate_id)


def indexable(participant: Participant) -> bool:
    """Not erased, and opened (a participant whose key is lost reads as blank)."""
    return not participant.erased and participant.birth_date is not None


# The index ---------------------------------------------------------------------------


class SearchIndex:
    def __init__(self, tables: SideTables, keyring: Keyring, events_table: str) -> None:
        """``events_table``: the stored events' table, for the participants'
        versions."""
        self.tables = tables
        self.keyring = keyring
        self.table = tables.name(SEARCH_TABLE)
        self.events_table = tables.name(events_table)
        self._key: bytes | None = None

    def key(self, *, make: bool = True) -> bytes | None:
        """The index key, derived from the store's own secret; that secret is
        stored first if it is not yet (with ``make``: else None, as a store without
        participants has no index to read)."""
        if self._key is not None:
            return self._key
        secret = self.keyring.fetch([CHECK_ID]).get(CHECK_ID)
        if secret is None and not make:
            return None
        if secret is None:
            # Stored now, not with the save about to use it: two processes
            # registering their first participants at once use the same secret.
            check = self.keyring.check
            self.tables.run(
                (
                    f"INSERT INTO {self.tables.name(KEYS_TABLE)} "
                    "(participant_id, wrapped, master_key) VALUES (%s, %s, %s) "
                    "ON CONFLICT (participant_id) DO NOTHING",
                    check.row(),
                )
            )
            secret = self.keyring.fetch([CHECK_ID])[CHECK_ID]
        derive = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=INDEX_KEY_INFO
        )
        self._key = derive.derive(secret)
        return self._key

    def tokens(self, terms: Iterable[Term], key: bytes) -> list[bytes]:
        return sorted(
            {
                hmac.new(key, f"{kind}\x00{value}".encode(), hashlib.sha256).digest()[
                    :TOKEN_BYTES
                ]
                for kind, value in terms
            }
        )

    def rows_of(self, participant: Participant) -> list[Row]:
        if not indexable(participant):
            return []
        key = self.key()
        assert key is not None
        organisation = participant.organisation or ""
        return [
            (token, organisation, str(participant.id))
            for token in self.tokens(terms_of(participant), key)
        ]

    # Read ----------------------------------------------------------------------------

    def candidates(
        self, terms: Collection[Term], organisation: str | None, limit: int
    ) -> list[UUID]:
        """Up to ``limit`` participants (by id) with every term, of the organisation
        (of any, for None)."""
        key = self.key(make=False)
        if key is None or not terms:
            return []
        tokens = self.tokens(terms, key)
        marks = ", ".join(["%s"] * len(tokens))
        params: list[Any] = list(tokens)
        scope = ""
        if organisation is not None:
            scope, params = " AND organisation = %s", [*params, organisation]
        rows = self.tables.run(
            (
                f"SELECT participant_id FROM {self.table} "
                f"WHERE token IN ({marks}){scope} "
                "GROUP BY participant_id HAVING count(*) = %s "
                "ORDER BY participant_id LIMIT %s",
                [*params, len(tokens), limit],
            ),
            commit=False,
        )
        return [UUID(str(row[0])) for row in rows]

    def with_any(self, terms: Collection[Term], organisation: str) -> list[UUID]:
        """The organisation's participants (by id) with any of the terms: those a
        batch of registrations could be, in one look-up."""
        key = self.key(make=False)
        if key is None or not terms:
            return []
        tokens = self.tokens(terms, key)
        marks = ", ".join(["%s"] * len(tokens))
        rows = self.tables.run(
            (
                f"SELECT DISTINCT participant_id FROM {self.table} "
                f"WHERE token IN ({marks}) AND organisation = %s "
                "ORDER BY participant_id",
                [*tokens, organisation],
            ),
            commit=False,
        )
        return [UUID(str(row[0])) for row in rows]

    def indexed(self) -> int:
        """How many participants have rows."""
        rows = self.tables.run(
            (f"SELECT count(DISTINCT participant_id) FROM {self.table}", ()),
            commit=False,
        )
        return int(rows[0][0])

    # Write ---------------------------------------------------------------------------

    def save_writes(
        self, changed: Iterable[Participant], registered: Collection[UUID]
    ) -> dict[str, list[Any]]:
        """What a save of these participants adds to its transaction: the rows of
        each, replacing those it had (none for one it ``registered``)."""
        drop: list[UUID] = []
        rows: list[Row] = []
        for participant in changed:
            if participant.id not in registered:
                drop.append(participant.id)
            rows += self.rows_of(participant)
        writes: dict[str, list[Any]] = {}
        if drop:
            writes["search_drop"] = drop
        if rows:
            writes["search_rows"] = rows
        return writes

    def fill(self, opened: Mapping[UUID, Participant]) -> int:
        """Replaces the rows of the participants opened, in one transaction, unless
        they changed since they were opened (their own save wrote their rows) or
        were erased meanwhile (on PostgreSQL their key rows are locked until the
        end, so an erasure waits for it); rows of participants erased before are
        deleted. How many participants have rows now."""
        ids = sorted(opened)
        if not ids:
            return 0
        keys = self.tables.name(KEYS_TABLE)
        marks = ", ".join(["%s"] * len(ids))
        texts = [str(i) for i in ids]
        lock = " FOR SHARE" if self.tables.postgres else ""
        with self.tables.transaction() as run:
            keyed = {
                UUID(str(row[0]))
                for row in run(
                    f"SELECT participant_id FROM {keys} "
                    f"WHERE participant_id IN ({marks}){lock}",
                    texts,
                )
            }
            versions = self._versions(run, ids)
            current = [
                i for i in ids if i not in keyed or versions.get(i) == opened[i].version
            ]
            for start in range(0, len(current), CHUNK):
                chunk = [str(i) for i in current[start : start + CHUNK]]
                run(
                    f"DELETE FROM {self.table} WHERE participant_id IN "
                    f"({', '.join(['%s'] * len(chunk))})",
                    chunk,
                )
            rows = [
                row for i in current if i in keyed for row in self.rows_of(opened[i])
            ]
            for start in range(0, len(rows), CHUNK):
                chunk_rows = rows[start : start + CHUNK]
                values = ", ".join(["(%s, %s, %s)"] * len(chunk_rows))
                run(
                    f"INSERT INTO {self.table} (token, organisation, participant_id) "
                    f"VALUES {values} ON CONFLICT DO NOTHING",
                    [value for row in chunk_rows for value in row],
                )
        return sum(1 for i in current if i in keyed and indexable(opened[i]))

    def _versions(self, run: Any, ids: Sequence[UUID]) -> dict[UUID, int]:
        marks = ", ".join(["%s"] * len(ids))
        rows = run(
            f"SELECT originator_id, max(originator_version) FROM {self.events_table} "
            f"WHERE originator_id IN ({marks}) GROUP BY originator_id",
            [stored_id(self.tables, i) for i in ids],
        )
        return {UUID(str(row[0])): int(row[1]) for row in rows}

    def filled(self) -> bool:
        """Whether the index was ever filled from the store (after which every
        registration, change and erasure keeps it)."""
        rows = self.tables.run(
            (f"SELECT count(*) FROM {self.tables.name(FILLED_TABLE)}", ()),
            commit=False,
        )
        return bool(rows[0][0])

    def record_filled(self, participants: int) -> None:
        self.tables.run(
            (
                f"INSERT INTO {self.tables.name(FILLED_TABLE)} (participants) "
                "VALUES (%s)",
                (participants,),
            )
        )
