"""What an operation declares it answers (``responses=``): the error answers every
operation can give, those of its kind, and the headers of its success."""

from __future__ import annotations

from typing import Any

from interfaces.http.openapi.headers import ETAG
from interfaces.http.openapi.headers import WRITTEN_HEADERS
from interfaces.http.openapi.refusals import ERRORS

# What every operation of the API can answer: no token, a role that may not, an
# unknown query parameter or a malformed one, too many unknown tokens, the database
# down.
ALWAYS = (401, 403, 422, 429, 503)


def answers(
    *statuses: int,
    written: int | None = None,
    etag: int | None = None,
    **replaced: dict[str, Any],
) -> dict[int | str, dict[str, Any]]:
    """An operation's ``responses=``: the error answers of ALWAYS and ``statuses``;
    ``written``, the success status of a write whose answer carries ETag, Location
    and Idempotent-Replayed; ``etag``, that of a read whose answer carries ETag.
    ``replaced`` (``_409=...``) gives one status an answer of its own."""
    declared: dict[int | str, dict[str, Any]] = {
        status: ERRORS[status] for status in sorted({*ALWAYS, *statuses})
    }
    for name, answer in replaced.items():
        declared[int(name.removeprefix("_"))] = answer
    if written is not None:
        declared[written] = {"headers": WRITTEN_HEADERS}
    if etag is not None:
        declared[etag] = {"headers": {"ETag": ETAG}}
    return declared


# The answers of the kinds of operations.
READ = answers(404)
# A write: it may find its record missing or changed meanwhile, and has a body.
WRITE = answers(404, 409, 413, written=201)
# A write that changes a record and answers it (200).
UPDATE = answers(404, 409, 413, written=200)
# A write that records personal data of a participant, or adds to their records.
PERSONAL_WRITE = answers(404, 409, 410, 413, written=201)
