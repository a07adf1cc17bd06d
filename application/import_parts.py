"""The parts an import is stored in: each participant's trajectories together, in
the order they were referred, so that one transaction (a batch) or one process (a
part) holds all of whom the import may take for one person."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from application.imports import Incoming

BATCH = 50  # trajectories a transaction, as the demo loads them


def batches(
    incoming: Iterable[Incoming], size: int = BATCH
) -> Iterator[list[Incoming]]:
    """Batches of about ``size`` trajectories; a participant's trajectories
    (adjacent in the file or not) in the same batch."""
    alike = Alike()
    trajectories = [(alike.join(one.may_be), one) for one in incoming]
    by_person: dict[tuple[str, ...], list[Incoming]] = {}
    for key, one in trajectories:  # all who may be the same person in one batch
        by_person.setdefault(alike.find(key), []).append(one)
    return in_parts(by_person.values(), size)


class Alike:
    """Keys of participants the import may take for one person (``may_be``), joined
    when one participant has several: each key leads to the first key of its
    people."""

    def __init__(self) -> None:
        self._joined: dict[tuple[str, ...], tuple[str, ...]] = {}

    def find(self, key: tuple[str, ...]) -> tuple[str, ...]:
        first = self._joined.setdefault(key, key)
        while first != key:
            key, first = first, self._joined[first]
        return first

    def join(self, keys: Sequence[tuple[str, ...]]) -> tuple[str, ...]:
        """Joins the keys; the first of them."""
        root = self.find(keys[0])
        for key in keys[1:]:
            other = self.find(key)
            if other != root:
                self._joined[other] = root
        return keys[0]


def in_parts(
    groups: Iterable[list[Incoming]], size: int = BATCH
) -> Iterator[list[Incoming]]:
    """Parts of about ``size`` trajectories, each group (a participant's
    trajectories, in the order they were referred) whole in one."""
    part: list[Incoming] = []
    for group in groups:
        part += sorted(group, key=lambda t: (t.referral.on, t.row))
        if len(part) >= size:
            yield part
            part = []
    if part:
        yield part
