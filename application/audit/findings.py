"""What a verification of the hash chains found: the first broken link of each
broken history, by the kind of break, and the report of the whole store."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from enum import Enum
from typing import TYPE_CHECKING
from typing import Any
from uuid import UUID

if TYPE_CHECKING:
    from application.audit.access_chain import AccessLogCheck
    from application.audit.seal import Seal

MAX_LISTED = 1000  # broken aggregates listed in a verification; all are counted


class Break(Enum):
    ALTERED = "altered"
    DELETED = "deleted"
    UNCHAINED = "unchained"
    TRUNCATED = "truncated"
    REORDERED = "reordered"
    SNAPSHOT = "snapshot"


@dataclass(frozen=True)
class BrokenLink:
    """The first broken link of one aggregate's chain. ``expected`` is the link the
    chain recorded, ``found`` what the stored event hashes to now (hex; absent where
    there is nothing to hash or nothing recorded)."""

    aggregate_id: UUID
    version: int
    kind: Break
    message: str
    expected: str | None = None
    found: str | None = None


@dataclass
class Verification:
    """What a verification found: ``broken`` lists the first broken link of each
    broken aggregate (the first ``MAX_LISTED``), in aggregate id order; ``position``
    is the last log position it covered."""

    events: int = 0
    aggregates: int = 0
    broken_aggregates: int = 0
    broken: list[BrokenLink] = field(default_factory=list)
    position: int = 0
    seconds: float = 0.0
    snapshotted: int = 0  # histories whose snapshots were checked against a replay
    access_log: AccessLogCheck | None = None  # the access log's chain, if read
    seal: Seal | None = None  # of the store as read
    kept_seal: Seal | None = None  # given by the auditor, as of an earlier position
    kept_seal_holds: bool | None = None
    _broken_ids: set[UUID] = field(default_factory=set, repr=False)

    def is_broken(self, aggregate_id: UUID) -> bool:
        return aggregate_id in self._broken_ids

    def add(self, broken: BrokenLink) -> None:
        """Counts a broken history once, listing its first broken link found."""
        if broken.aggregate_id in self._broken_ids:
            return
        self._broken_ids.add(broken.aggregate_id)
        self.broken_aggregates += 1
        if len(self.broken) < MAX_LISTED:
            self.broken.append(broken)

    @property
    def intact(self) -> bool:
        return (
            self.broken_aggregates == 0
            and self.kept_seal_holds is not False
            and (self.access_log is None or self.access_log.broken is None)
        )

    @property
    def first_broken(self) -> BrokenLink | None:
        return self.broken[0] if self.broken else None

    def as_dict(self) -> dict[str, Any]:
        """The report as plain JSON values."""
        return {
            "intact": self.intact,
            "events": self.events,
            "aggregates": self.aggregates,
            "position": self.position,
            "snapshotted": self.snapshotted,
            "seconds": round(self.seconds, 3),
            "seal": str(self.seal) if self.seal else None,
            "kept_seal": str(self.kept_seal) if self.kept_seal else None,
            "kept_seal_holds": self.kept_seal_holds,
            "broken_aggregates": self.broken_aggregates,
            "first_broken": _link_dict(self.first_broken),
            "broken": [_link_dict(link) for link in self.broken],
            "access_log": self.access_log.as_dict() if self.access_log else None,
        }


def _link_dict(broken: BrokenLink | None) -> dict[str, Any] | None:
    if broken is None:
        return None
    return {
        "aggregate_id": str(broken.aggregate_id),
        "version": broken.version,
        "kind": broken.kind.value,
        "message": broken.message,
        "expected": broken.expected,
        "found": broken.found,
    }
