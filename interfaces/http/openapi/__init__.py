"""The API's contract as ``/openapi.json`` states it, for partners who generate a
client from it: each operation's answers (status, body and headers), every error
code as one enum, the event bodies as one named union, short operation ids.

The routes declare their answers with ``answers(...)`` (``answers``), the error
answers and their codes are in ``refusals``, the headers in ``headers``;
``install(app)`` (``document``) makes the document from the routes, then names what
FastAPI leaves inline or untyped.
"""

from interfaces.http.openapi.answers import ALWAYS
from interfaces.http.openapi.answers import PERSONAL_WRITE
from interfaces.http.openapi.answers import READ
from interfaces.http.openapi.answers import UPDATE
from interfaces.http.openapi.answers import WRITE
from interfaces.http.openapi.answers import answers
from interfaces.http.openapi.document import BODIES
from interfaces.http.openapi.document import PARAMETERS
from interfaces.http.openapi.document import REF
from interfaces.http.openapi.document import TAGS
from interfaces.http.openapi.document import document
from interfaces.http.openapi.document import install
from interfaces.http.openapi.document import operation_id
from interfaces.http.openapi.headers import ETAG
from interfaces.http.openapi.headers import IDEMPOTENT_REPLAYED
from interfaces.http.openapi.headers import LOCATION
from interfaces.http.openapi.headers import RETRY_AFTER
from interfaces.http.openapi.headers import VERSION_TAG
from interfaces.http.openapi.headers import WRITTEN_HEADERS
from interfaces.http.openapi.headers import WWW_AUTHENTICATE
from interfaces.http.openapi.refusals import CODES_BY_STATUS
from interfaces.http.openapi.refusals import ERROR_STATUS
from interfaces.http.openapi.refusals import ERRORS
from interfaces.http.openapi.refusals import HTTP_CODE_STATUS
from interfaces.http.openapi.refusals import HTTP_CODES
from interfaces.http.openapi.refusals import STATUS_NAMES
from interfaces.http.openapi.refusals import codes_by_status
from interfaces.http.openapi.refusals import error_classes
from interfaces.http.openapi.refusals import error_codes

__all__ = [
    "ALWAYS",
    "BODIES",
    "CODES_BY_STATUS",
    "ERRORS",
    "ERROR_STATUS",
    "ETAG",
    "HTTP_CODES",
    "HTTP_CODE_STATUS",
    "IDEMPOTENT_REPLAYED",
    "LOCATION",
    "PARAMETERS",
    "PERSONAL_WRITE",
    "READ",
    "REF",
    "RETRY_AFTER",
    "STATUS_NAMES",
    "TAGS",
    "UPDATE",
    "VERSION_TAG",
    "WRITE",
    "WRITTEN_HEADERS",
    "WWW_AUTHENTICATE",
    "answers",
    "codes_by_status",
    "document",
    "error_classes",
    "error_codes",
    "install",
    "operation_id",
]
