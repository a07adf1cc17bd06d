"""What every page that records something from a form does alike: the form posted,
its values, and the page shown again with the refusal (every field's problem, or
the domain's reason). The page and the key that records a form sent twice once are
the visit's (``visit.Visit``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Annotated
from typing import Any
from typing import TypeVar

from fastapi import Depends
from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.datastructures import FormData

from domain.errors import DomainError
from domain.errors import NotFound
from interfaces.web.forms import EventForm
from interfaces.web.forms import FormProblems
from interfaces.web.forms import adapter_of
from interfaces.web.forms import read
from interfaces.web.i18n import Texts
from interfaces.web.refusals import pointed
from interfaces.web.session import CheckedForm

FORM_KEY = re.compile(r"[0-9a-f-]{36}")  # the key a form carries: a UUID
# The key the trajectory's and the programme's forms take: any printable word.
ANY_KEY = re.compile(r"[\x21-\x7e]{1,100}", re.ASCII)
Body = TypeVar("Body", bound=BaseModel)


async def posted_form(request: Request, _: CheckedForm) -> FormData:
    """The form of a page's POST, once it is known to be one of our pages'."""
    return await request.form()


# A page's form: a route that takes it may be a plain ``def``, which FastAPI runs off
# the event loop (the service blocks on the database).
PostedForm = Annotated[FormData, Depends(posted_form)]


@dataclass(frozen=True)
class Sent:
    """A form sent back to its page: what was entered, every field's problem and the
    refusal, with the status that answers it. ``FRESH``: a page opened anew."""

    entered: FormData | None = None
    problems: Mapping[str, str] = field(default_factory=dict)
    refusal: str | None = None
    status_code: int = 200


FRESH = Sent()


def values_of(form: FormData) -> dict[str, str]:
    """Each field's (last) value."""
    return {k: str(v) for k, v in form.items()}


def lists_of(form: FormData) -> dict[str, list[str]]:
    """Each field's values, for the fields with many (checked boxes)."""
    return {k: [str(v) for v in form.getlist(k)] for k in form}


def submitted(
    texts: Texts,
    attempt: Callable[[], Response],
    again: Callable[[Sent], Response],
    entered: FormData | None,
) -> Response:
    """``attempt`` (which records and answers, usually with a redirect), or the page
    ``again`` with what was ``entered`` and the refusal: every field's problem at
    once, else the domain's reason. Something not found is the error page's."""
    try:
        return attempt()
    except FormProblems as invalid:
        problems = {k: texts.gettext(v) for k, v in invalid.problems.items()}
        refusal = texts.gettext("Some fields need another value:")
        return again(Sent(entered, problems, refusal, 422))
    except NotFound:
        raise
    except DomainError as broken:
        words = texts.refusal(broken)
        return again(Sent(entered, pointed(broken, words), words, 422))


def read_form(
    form: EventForm, body: type[Body], posted: FormData, **given: Any
) -> Body:
    """The request body the posted form asks for, checked as ``forms.read`` does;
    ``given``, the fields the page fills in itself."""
    checked: Body = read(
        form, adapter_of(body), values_of(posted), lists_of(posted), **given
    )
    return checked


def without(form: Any, *names: str) -> Any:
    """The form without the fields the page fills in itself."""
    return type(form)(form.type, tuple(f for f in form.fields if f.name not in names))
