"""The ``trajectory`` command; it reads the same ``TRAJECTORY_*`` settings as the
server. Each group of commands is a module of its own."""

import typer

from interfaces.cli import audit
from interfaces.cli import demo
from interfaces.cli import keys
from interfaces.cli import records
from interfaces.cli import reports
from interfaces.cli import search
from interfaces.cli import serving
from interfaces.cli import tokens
from interfaces.cli import views

app = typer.Typer(
    help="Record and replay trajectories to work.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # The help's paragraphs rewrapped to the terminal, as Markdown does: "rich"
    # keeps the docstrings' line breaks, which then break lines mid-sentence.
    rich_markup_mode="markdown",
)
app.command()(serving.serve)
app.command()(serving.project)
app.command()(serving.migrate)
app.command()(audit.replay)
app.command()(audit.verify)
app.command()(views.rebuild)
app.command()(views.outcomes)
app.command()(demo.demo)
app.command()(keys.keygen)
app.command("rotate-master-key")(keys.rotate_master_key)
app.command()(keys.erase)
app.command()(search.reindex)
app.command("import")(records.import_)
app.command()(records.export)
app.add_typer(tokens.app, name="token")
app.add_typer(reports.app, name="report")


if __name__ == "__main__":
    app()
