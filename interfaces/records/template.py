"""The file to fill in for an import, in each format: every column, and one whole
trajectory as an example (BUSO-AALST of Werkburo Oost-Vlaanderen, from referral to
its follow-up after six months).

``python -m interfaces.records.template docs/import`` writes the three files the
documentation links to; a test keeps them as this module makes them.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

from interfaces.records.columns import columns
from interfaces.records.files import FORMATS
from interfaces.records.files import Format
from interfaces.records.files import write_table

DATED = date(2026, 12, 6)  # the template's own date, so that its bytes stay put
T = "BUSO-2024-017"
EXAMPLE: list[dict[str, Any]] = [
    {
        "event": "ReferralReceived",
        "given_name": "Lotte",
        "family_name": "Claes",
        "birth_date": "2005-03-14",
        "gender": "F",
        "national_register_number": "05.03.14-123.97",
        "email": "lotte.claes@example.org",
        "organisation": "Werkburo Oost-Vlaanderen",
        "programme": "BUSO-AALST",
        "referral_source": "school",
        "on": "2024-02-01",
    },
    {
        "event": "IntakeCompleted",
        "on": "2024-02-12",
        "coach": "Mieke Janssens",
        "rung": 3,
        "labour_status": "unemployed",
        "education_level": "isced_0_2",
        "barriers": ["mobility", "confidence_motivation"],
        "disability": True,
        "postcode": "9300",
    },
    {
        "event": "SessionHeld",
        "on": "2024-02-20",
        "minutes": 60,
        "mode": "individual",
        "setting": "office",
        "note": "Eerste gesprek: wil in de bakkerij werken.",
    },
    {"event": "BarrierResolved", "on": "2024-03-18", "barrier": "mobility"},
    {"event": "LadderAssessed", "on": "2024-04-02", "rung": 4},
    {
        "event": "PlacementStarted",
        "on": "2024-04-15",
        "placement": "1",
        "placement_type": "work_experience",
        "employer": "Bakkerij De Smet",
        "paid": False,
        "hours_per_week": 19.5,
    },
    {
        "event": "PlacementEnded",
        "on": "2024-07-12",
        "placement": "1",
        "reason": "converted_to_regular_contract",
    },
    {"event": "TrajectoryCompleted", "on": "2024-07-15", "destination": "employed"},
    {"event": "ExitResultRecorded", "observed_on": "2024-07-22", "status": "employed"},
    {
        "event": "FollowUpRecorded",
        "milestone": 6,
        "observed_on": "2025-01-20",
        "status": "employed",
    },
]


def rows() -> list[dict[str, Any]]:
    return [{"trajectory": T, **row} for row in EXAMPLE]


def template(format: Format, on: date = DATED) -> bytes:
    return write_table(columns(), rows(), format, on)


def main(folder: str) -> None:
    for format in FORMATS:
        (Path(folder) / f"trajectories.{format}").write_bytes(template(format))


if __name__ == "__main__":
    main(sys.argv[1])
