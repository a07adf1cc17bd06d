"""The process's logs: one JSON object per line in production (plain text in
development), on standard error, each line with the id of the HTTP request it was
written for (``request_id``; null outside requests).

What is logged names routes, statuses, ids and errors, never personal data: request
bodies and query strings are not logged, routes are their templates
(``/trajectories/{trajectory_id}``), and participants' names and contact details are
sealed before they reach the store, so its errors cannot echo them.
"""

import logging
import sys
from contextvars import ContextVar

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from application.settings import Settings

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
FIELDS = ["levelname", "name", "message", "request_id", "process"]
RENAMED = {"levelname": "level", "name": "logger"}
# Not fields: the server's coloured copy of a message, the text format's tag.
LEFT_OUT = [*RESERVED_ATTRS, "color_message", "request_tag"]


class WithRequestId(logging.Filter):
    """Adds the current request's id to every record (threads started for the
    request carry it: the server copies the request's context into them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = REQUEST_ID.get()
        record.request_id = request_id
        record.request_tag = f" [{request_id}]" if request_id else ""
        return True


class StandardError(logging.StreamHandler):  # type: ignore[type-arg]
    """A handler on standard error that, should the stream it was set up with be
    closed by the time a record comes (a command run again in the same process, by
    a test runner say, replaced and closed it), writes to the one there is now."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self.stream, "closed", False):
            self.stream = sys.stderr  # not setStream: it flushes the closed one
        super().emit(record)


def configure_logging(settings: Settings) -> None:
    """Sends every logger's records (the server's too) to one handler on standard
    error, in the format and at the level the settings say."""
    handler = StandardError()
    handler.addFilter(WithRequestId())
    if settings.logs_json:
        handler.setFormatter(
            JsonFormatter(
                FIELDS,
                rename_fields=RENAMED,
                reserved_attrs=LEFT_OUT,
                timestamp="time",
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(levelname)-7s %(name)s: %(message)s%(request_tag)s")
        )
    logging.captureWarnings(True)  # warnings too, as log lines in the same format
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(settings.log_level)
    for name in ("uvicorn", "uvicorn.error"):
        server = logging.getLogger(name)
        server.handlers, server.propagate = [], True
    # The server's own access lines name the client's address and the path with
    # its query string: ours (observability.RequestIds) replace them.
    server_access = logging.getLogger("uvicorn.access")
    server_access.handlers, server_access.propagate = [], False
