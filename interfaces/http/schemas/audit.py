"""A verification's report."""

from typing import Literal
from uuid import UUID

from pydantic import BaseModel
from pydantic import Field

from interfaces.http.schemas.base import TRAJECTORY_ID
from interfaces.http.schemas.base import response_example

SEAL_EXAMPLE = (
    "104233:5120:5d0c2b7e9a41f3c68e2d7b5a9c1f0e3d4b6a8c2e7f9d1b3a5c7e9f0a2b4d6c8e"
)
BROKEN_LINK_EXAMPLE = {
    "aggregate_id": TRAJECTORY_ID,
    "version": 4,
    "kind": "altered",
    "message": "version 4 does not match its link: the stored event, or one before "
    "it, was changed",
    "expected": "9f2c4e51d0b7a3c8e6f1d2b4a5c7e9f0a1b3c5d7e9f1a2b4c6d8e0f2a4b6c8d0",
    "found": "3a1c5e7f9b2d4f6a8c0e2b4d6f8a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a",
}


class BrokenLinkOut(BaseModel):
    aggregate_id: UUID = Field(description="the history (aggregate) that is broken")
    version: int = Field(description="the first version whose link does not hold")
    kind: Literal[
        "altered", "deleted", "unchained", "truncated", "reordered", "snapshot"
    ] = Field(
        description="altered: the event differs from its link; deleted: a version "
        "is missing; unchained: an event no link or head covers; truncated: the "
        "chain's head is beyond the last stored event; reordered: the log has the "
        "versions out of order; snapshot: a snapshot differs from the state "
        "replayed from the events"
    )
    message: str
    expected: str | None = Field(
        description="the hash the chain recorded (hex), where there is one"
    )
    found: str | None = Field(
        description="the hash of the event as stored now (hex), where there is one"
    )

    model_config = response_example(BROKEN_LINK_EXAMPLE)


class BrokenEntryOut(BaseModel):
    entry: int = Field(description="the access log entry (its id) whose link fails")
    kind: Literal["altered", "deleted", "unchained"] = Field(
        description="altered: the entry, or one before it, differs from its link; "
        "deleted: an entry with a recorded link is gone; unchained: an entry no "
        "link covers (added behind the service's back)"
    )
    message: str
    expected: str | None = Field(description="the link recorded (hex), if any")
    found: str | None = Field(description="the entry's link as stored now (hex)")

    model_config = response_example(
        {
            "entry": 5120,
            "kind": "deleted",
            "message": "access log entry 5120 is missing: a link was recorded for "
            "it, but the entry is gone",
            "expected": BROKEN_LINK_EXAMPLE["expected"],
            "found": None,
        }
    )


class AccessLogCheckOut(BaseModel):
    entries: int = Field(description="access log entries checked")
    last_entry: int = Field(description="the last entry covered (0: none)")
    intact: bool = Field(description="the access log's chain holds")
    broken: BrokenEntryOut | None = Field(description="its first broken entry")

    model_config = response_example(
        {"entries": 5120, "last_entry": 5120, "intact": True, "broken": None}
    )


class VerificationOut(BaseModel):
    intact: bool = Field(description="every chain holds")
    events: int = Field(description="stored events checked")
    aggregates: int = Field(description="histories (aggregates) checked")
    position: int = Field(description="the last log position covered")
    snapshotted: int = Field(
        description="histories whose snapshots were checked against a replay"
    )
    seal: str = Field(
        description="POSITION:ENTRY:DIGEST (POSITION:DIGEST while the access log "
        "is empty) of the store as read, its events up to the log position and its "
        "access log up to the entry: keep it with the audit report, and pass it as "
        "`seal` later to check that moment still holds"
    )
    kept_seal: str | None = Field(description="the seal given as `seal`, if any")
    kept_seal_holds: bool | None = Field(
        description="whether the store as of the kept seal's position still gives it"
    )
    seconds: float
    broken_aggregates: int = Field(description="histories with a broken chain")
    first_broken: BrokenLinkOut | None = Field(
        description="the first broken link of the first broken history"
    )
    broken: list[BrokenLinkOut] = Field(
        description="the first broken link of each broken history (up to 1,000)"
    )
    access_log: AccessLogCheckOut | None = Field(
        description="the access log's hash chain"
    )

    model_config = response_example(
        {
            "intact": True,
            "events": 104_233,
            "aggregates": 10_412,
            "position": 104_233,
            "snapshotted": 212,
            "seal": SEAL_EXAMPLE,
            "kept_seal": None,
            "kept_seal_holds": None,
            "seconds": 1.42,
            "broken_aggregates": 0,
            "first_broken": None,
            "broken": [],
            "access_log": {
                "entries": 5120,
                "last_entry": 5120,
                "intact": True,
                "broken": None,
            },
        },
        {
            "intact": False,
            "events": 104_232,
            "aggregates": 10_412,
            "position": 104_233,
            "snapshotted": 212,
            "seal": SEAL_EXAMPLE,
            "kept_seal": "98012:0a1b2c3d4e5f60718293a4b5c6d7e8f9"
            "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
            "kept_seal_holds": False,
            "seconds": 1.40,
            "broken_aggregates": 1,
            "first_broken": BROKEN_LINK_EXAMPLE,
            "broken": [BROKEN_LINK_EXAMPLE],
            "access_log": {
                "entries": 5120,
                "last_entry": 5120,
                "intact": True,
                "broken": None,
            },
        },
    )
