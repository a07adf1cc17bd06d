"""mypy strict sees a write from the route to the event: a command of the wrong shape,
or something that is not a command, is refused before anything runs."""

from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parents[2]

A_WRITE = """
from datetime import date
from uuid import UUID

from application.service import Trajectories
from domain.commands import CompleteIntake
from domain.vocabulary import EducationLevel, LabourStatus
from interfaces.http.schemas.commands import EventIn


def intake(service: Trajectories, trajectory_id: UUID, rung: {rung}) -> int:
    command = CompleteIntake(
        on=date(2024, 2, 12),
        coach_id=trajectory_id,
        rung=rung,
        labour_status=LabourStatus.UNEMPLOYED,
        education_level=EducationLevel.ISCED_0_2,
        disability=False,
        postcode="9300",
    )
    return service.record(trajectory_id, command, recorded_by="Hilde").version


def posted(service: Trajectories, trajectory_id: UUID, body: EventIn) -> int:
    return service.record(trajectory_id, {command}, recorded_by="Hilde").version
"""


def checked(tmp_path: Path, **parts: str) -> tuple[str, int]:
    module = tmp_path / "a_write.py"
    module.write_text(A_WRITE.format(**parts))
    config = str(ROOT / "pyproject.toml")
    report, _, status = api.run(["--config-file", config, "--strict", str(module)])
    return report, status


def test_a_well_typed_write_passes(tmp_path: Path) -> None:
    report, status = checked(tmp_path, rung="int", command="body.command()")

    assert status == 0, report


def test_a_field_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    report, status = checked(tmp_path, rung="str", command="body.command()")

    assert status == 1
    assert 'Argument "rung" to "CompleteIntake" has incompatible type "str"' in report


def test_something_that_is_not_a_command_is_refused(tmp_path: Path) -> None:
    report, status = checked(tmp_path, rung="int", command='"IntakeCompleted"')

    assert status == 1
    assert 'Argument 2 has incompatible type "str"' in report
