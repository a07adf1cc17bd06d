"""The headers an answer of the API carries, as the document describes them."""

from interfaces.http.errors import REPLAYED

VERSION_TAG = r'^(W/)?"[1-9][0-9]{0,17}"$'

ETAG = {
    "description": 'The version after the write or of the state read, quoted ("3"): '
    "send it back as If-Match to write only if nobody changed it meanwhile",
    "schema": {"type": "string", "pattern": VERSION_TAG, "examples": ['"3"']},
    "example": '"3"',
}
LOCATION = {
    "description": "Where the written record is read",
    "schema": {"type": "string", "examples": ["/trajectories/{id}/history"]},
    "example": "/trajectories/3f9c1e52-7a4b-4d2e-9b1a-5c8e2d7f6a10",
}
IDEMPOTENT_REPLAYED = {
    "description": "Sent (as true) when this is the first answer to an earlier "
    "request with the same Idempotency-Key, given again: nothing was recorded now",
    "schema": {"type": "string", "enum": ["true"]},
    "example": "true",
}
RETRY_AFTER = {
    "description": "Seconds to wait before trying again",
    "schema": {"type": "integer", "minimum": 1, "examples": [5]},
    "example": 5,
}
WWW_AUTHENTICATE = {
    "description": "The scheme to authenticate with",
    "schema": {"type": "string", "enum": ["Bearer"]},
    "example": "Bearer",
}
WRITTEN_HEADERS = {"ETag": ETAG, "Location": LOCATION, REPLAYED: IDEMPOTENT_REPLAYED}
