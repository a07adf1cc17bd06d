"""Personal data's keys: making a master key, rotating it, erasing a participant."""

import getpass
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer

from application.privacy.keys import MasterKeyError
from application.privacy.keys import new_key_text
from application.privacy.keys import write_key_file
from domain.errors import DomainError
from interfaces.cli.common import err
from interfaces.cli.common import fail
from interfaces.cli.common import load_settings
from interfaces.cli.common import open_service


def keygen(
    file: Annotated[
        Path | None,
        typer.Option(help="write it to this new file (readable by you only)"),
    ] = None,
) -> None:
    """Make a master key (32 random bytes, base64): for TRAJECTORY_MASTER_KEY, or a
    file for TRAJECTORY_MASTER_KEY_FILE. Printed, unless written to --file."""
    if file is None:
        print(new_key_text())
        return
    try:
        written = write_key_file(file)
    except OSError as error:
        fail(f"cannot write {file}: {error.strerror}")
    if not written:
        fail(f"{file} exists already; a key file is never overwritten")
    err.print(f"wrote a new master key to {file}", highlight=False)


def rotate_master_key() -> None:
    """Re-wrap every participant's data key with the configured master key, opening
    those wrapped by the previous one (TRAJECTORY_PREVIOUS_MASTER_KEY or _FILE), in
    one transaction, as the schema's owner. No event is touched. Afterwards the
    previous key can go."""
    settings = load_settings()
    service = open_service(settings)
    try:
        if not service.manages_schema:
            fail(
                "the service's database role may not change stored keys: run "
                "`trajectory rotate-master-key` as the schema's owner, like migrate"
            )
        rewrapped = service.keyring.rotate()
    except MasterKeyError as error:
        fail(str(error))
    finally:
        service.close()
    print(
        f"re-wrapped {rewrapped} data keys with master key {service.keyring.master.id}"
    )


def erase(
    participant_id: Annotated[UUID, typer.Argument(help="the participant's id")],
    by: Annotated[
        str | None,
        typer.Option(help="who erases, as the history will show (default: cli:USER)"),
    ] = None,
) -> None:
    """Erase a participant's personal data: destroy their data key and record
    ParticipantErased, in one transaction. Their history stays complete and
    verifiable; erasing again records nothing."""
    service = open_service(load_settings())
    try:
        answer = service.erase_participant(
            participant_id, recorded_by=by or f"cli:{getpass.getuser()}"
        )
    except DomainError as error:
        fail(error.message)
    finally:
        service.close()
    if answer.replayed:
        print(f"participant {participant_id} was erased already; nothing recorded")
    else:
        print(f"erased participant {participant_id} (version {answer.version})")
