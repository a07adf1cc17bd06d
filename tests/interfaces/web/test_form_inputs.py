"""No input breaks a page: every form the pages show (found by following the pages'
links as each role, and by choosing each event of the trajectory's picker), sent with
random and awkward values in its fields, is answered with a page, never a server
error; a refused form shows its refusal and stores nothing.

``make test`` tries a few examples; ``TRAJECTORY_FORM_FUZZ_EXAMPLES`` asks for more.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck
from hypothesis import assume
from hypothesis import event
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from application.access import Role
from tests.interfaces.helpers import dropout
from tests.interfaces.helpers import intake
from tests.interfaces.helpers import placement
from tests.interfaces.web.conftest import Pages
from tests.interfaces.web.html import Form
from tests.interfaces.web.html import Input
from tests.interfaces.web.html import forms_of
from tests.interfaces.web.html import parsed

EXAMPLES = int(os.environ.get("TRAJECTORY_FORM_FUZZ_EXAMPLES", "40"))

# Values people and machines send that a form must refuse in words, not break on.
AWKWARD = [
    "",
    " ",
    "²",
    "١٢",
    "𝟗",
    "½",
    "1e308",
    "-1e308",
    "1e-400",
    "inf",
    "NaN",
    "9" * 400,
    "-0",
    "0",
    "-1",
    "1,5",
    "0x1F",
    "\x00",
    "a\x00b",
    "x" * 20_000,
    "2024-02-30",
    "0000-00-00",
    "9999-12-31",
    "2024-02-01T10:00",
    "true",
    "on",
    "00000000-0000-4000-8000-000000000000",
    "<script>alert(1)</script>",
    "'; DROP TABLE stored_events; --",
    "\u202eevil",
    "é" * 300,
]
VALUES = st.one_of(
    st.sampled_from(AWKWARD),
    st.text(max_size=40),
    st.integers().map(str),
    st.floats().map(str),
)


@dataclass(frozen=True)
class FoundForm:
    """A form and where it was found: the page, as which role (None: signed out)."""

    role: Role | None
    page: str
    method: str
    action: str
    names: tuple[str, ...]
    hidden: tuple[str, ...]  # but the form token: without it, all is refused

    def __str__(self) -> str:
        role = self.role.value if self.role else "signed out"
        return f"{role} {self.method.upper()} {self.action} on {self.page}"


def same_site(path: str) -> str | None:
    """The page a link opens, if it is one of ours worth opening."""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not parts.path.startswith("/ui"):
        return None
    if parts.path.startswith("/ui/static") or parts.path.endswith(".csv"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def chosen_pages(page: str, form: Form) -> list[str]:
    """A GET form of a single choice (the trajectory's event picker): a page for
    each of its choices."""
    fields = form.fields
    if form.method.lower() != "get" or len(fields) != 1 or fields[0].kind != "select":
        return []
    action = form.action.split("#")[0] or page.split("?")[0]
    return [
        f"{action}?{urlencode({fields[0].name: option})}"
        for option in fields[0].options
        if option
    ]


def as_role(pages: Pages, role: Role | None) -> None:
    if role is None:
        pages.cookies.clear()
    else:
        pages.sign_in(role)


def find_forms(pages: Pages, role: Role | None, start: list[str]) -> list[FoundForm]:
    """The forms with fields on the pages that ``role`` reaches from ``start``."""
    as_role(pages, role)
    queue, seen, found = list(start), set[str](), dict[tuple[Any, ...], FoundForm]()
    while queue and len(seen) < 80:
        page = queue.pop(0)
        if page in seen:
            continue
        seen.add(page)
        answer = pages.get(page)
        if answer.status_code != 200 or "html" not in answer.headers["content-type"]:
            continue
        for link in parsed(answer.text).links:
            target = same_site(link)
            if target is not None and target not in seen:
                queue.append(target)
        for form in forms_of(answer.text):
            queue += chosen_pages(page, form)
            if not form.fields:
                continue  # a button: sign out, verify, the language
            names = tuple(sorted(i.name for i in form.fields))
            key = (form.method.lower(), form.action.split("#")[0].split("?")[0], names)
            hidden = tuple(sorted(n for n in form.hidden if n != "csrf"))
            found.setdefault(
                key,
                FoundForm(role, page, form.method.lower(), form.action, names, hidden),
            )
    return list(found.values())


@pytest.fixture
def forms(pages: Pages) -> list[FoundForm]:
    """Every form of the pages, on a trajectory with an intake, a running placement
    and a dropout (so that every event's form has its choices)."""
    staff = {"Authorization": f"Bearer {pages.tokens[Role.STAFF]}"}
    for recorded in (intake(), placement(), dropout()):
        answer = pages.post(
            f"/trajectories/{pages.trajectory_id}/events", json=recorded, headers=staff
        )
        assert answer.status_code == 201, answer.text
    trajectory = f"/ui/trajectories/{pages.trajectory_id}"
    found = [
        *find_forms(pages, Role.STAFF, ["/ui", trajectory]),
        *find_forms(pages, Role.ADMIN, ["/ui"]),
        *find_forms(pages, Role.AUDITOR, ["/ui"]),
        *find_forms(pages, Role.EVALUATOR, ["/ui"]),
        *find_forms(pages, None, ["/ui/sign-in"]),
    ]
    every = {f.action.split("?")[0].split("#")[0] for f in found}
    assert f"{trajectory}/events" in every  # the finding can fail
    assert any(a.endswith("/period") for a in every)
    return found


def the_form(pages: Pages, found: FoundForm) -> Form | None:
    """The form as the page shows it now (its token, the trajectory's version);
    None if what was recorded meanwhile took it away."""
    as_role(pages, found.role)
    html = pages.get(found.page).text
    for form in forms_of(html):
        names = tuple(sorted(i.name for i in form.fields))
        if form.method.lower() == found.method and names == found.names:
            if form.action.split("?")[0] == found.action.split("?")[0]:
                return form
    return None


def sensible(field: Input) -> Any:
    """A value the field would take from a person: one of its choices, its value."""
    if field.kind in ("radio", "select"):
        options = [o for o in field.options if o]
        return options[0] if options else field.value
    if field.kind == "checkbox":
        return field.options[:1]
    return field.value or "1"


def stored(pages: Pages) -> int:
    service = pages.app.state.service  # type: ignore[attr-defined]
    last: int | None = service.recorder.max_notification_id()
    return last or 0


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_form_input_gets_a_server_error(
    pages: Pages, forms: list[FoundForm], data: st.DataObject
) -> None:
    found = data.draw(st.sampled_from(forms), label="form")
    # Mostly one or two awkward values among sensible ones, to reach past the
    # fields' checks to the domain's; hidden fields less often.
    awkward = {
        name: data.draw(st.one_of(st.none(), st.none(), VALUES), label=name)
        for name in found.names
    } | {
        name: data.draw(st.one_of(*[st.none()] * 5, VALUES), label=name)
        for name in found.hidden
    }
    form = the_form(pages, found)
    assume(form is not None)
    assert form is not None
    values: dict[str, Any] = dict(form.hidden)
    for field in form.fields:
        value = awkward[field.name]
        values[field.name] = sensible(field) if value is None else value
    for name in found.hidden:
        if awkward[name] is not None:
            values[name] = awkward[name]
    before = stored(pages)

    if found.method == "post":
        answer = pages.post(
            form.action.split("#")[0], data=values, follow_redirects=False
        )
    else:
        action = form.action.split("#")[0] or found.page.split("?")[0]
        answer = pages.get(action, params=values, follow_redirects=False)

    event(f"{found.method} {found.action.split('?')[0]} {answer.status_code}")
    assert answer.status_code < 500, (str(found), values, answer.text[-2000:])
    if found.method == "post" and answer.status_code != 303:
        assert 'role="alert"' in answer.text, (str(found), values)
        assert stored(pages) == before, (str(found), values)
