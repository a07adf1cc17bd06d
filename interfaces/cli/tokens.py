"""Access tokens for the HTTP API."""

from typing import Annotated
from uuid import UUID

import typer

from application.access import Role
from application.access import TokenInfo
from domain.errors import DomainError
from interfaces.cli.common import err
from interfaces.cli.common import fail
from interfaces.cli.common import load_settings
from interfaces.cli.common import open_service

app = typer.Typer(help="Access tokens for the HTTP API.", no_args_is_help=True)


def print_tokens(tokens: list[TokenInfo]) -> None:
    """One line per token, never wrapped: id, role, created, revoked, name, org."""
    for info in tokens:
        revoked = (
            f"revoked {info.revoked_at:%Y-%m-%d %H:%M}" if info.revoked_at else "live"
        )
        where = f" ({info.organisation})" if info.organisation else ""
        print(
            f"{info.id}  {info.role.value:<9}  created {info.created_at:%Y-%m-%d %H:%M}"
            f"  {revoked:<24}  {info.name}{where}"
        )


@app.command("create")
def token_create(
    role: Annotated[Role, typer.Option(help="what the token may do")],
    name: Annotated[str, typer.Option(help="who holds it, as histories will show")],
    organisation: Annotated[
        str | None, typer.Option(help="a staff member's organisation (staff only)")
    ] = None,
) -> None:
    """Create a token and print its secret, once: only its hash is stored."""
    service = open_service(load_settings())
    try:
        info, secret = service.create_token(
            role=role, name=name, organisation=organisation, recorded_by="command line"
        )
    except DomainError as error:
        fail(error.message)
    finally:
        service.close()
    err.print(
        f"created {info.role.value} token {info.id} for {info.name}"
        + (f" ({info.organisation})" if info.organisation else "")
        + "; the secret below is shown this once:",
        highlight=False,
    )
    print(secret)


@app.command("list")
def token_list() -> None:
    """Every token with its role, revoked ones included; never a secret."""
    service = open_service(load_settings())
    try:
        print_tokens(service.tokens.list())
    finally:
        service.close()


@app.command("revoke")
def token_revoke(
    token_id: Annotated[UUID, typer.Argument(help="the token's id (token list)")],
) -> None:
    """Revoke a token; other processes refuse it within 5 seconds."""
    service = open_service(load_settings())
    try:
        info = service.tokens.revoke(token_id)
    except DomainError as error:
        fail(error.message)
    finally:
        service.close()
    err.print(f"revoked token {info.id} ({info.name})", highlight=False)
