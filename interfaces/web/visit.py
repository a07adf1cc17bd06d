"""A visit to a page: what its route is given (the request, the caller's language,
the signed-in caller whose role may see it, and the service) in one, and what a page
makes of it: the page itself, or a page with a form and the key that records the
form once. Not ``from __future__ import annotations``: ``visit_by`` makes a
dependency whose annotations FastAPI reads when the route is added."""

import re
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated
from typing import Any
from urllib.parse import urlencode
from uuid import UUID
from uuid import uuid4

from fastapi import Depends
from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from application.access import Caller
from application.access import Role
from application.idempotency import IdempotencyKey
from application.service import Trajectories
from application.views import Views
from domain.calendar import today
from interfaces.http.deps import Service
from interfaces.web.forms import Choices
from interfaces.web.forms import EventForm
from interfaces.web.i18n import Texts
from interfaces.web.posting import FORM_KEY
from interfaces.web.posting import Sent
from interfaces.web.render import render
from interfaces.web.session import PAGES
from interfaces.web.session import PageTexts
from interfaces.web.session import allow


@dataclass(frozen=True)
class Visit:
    """One request of a page: the request, the caller's language, the caller and the
    service, which a page with a form is built from and records through."""

    request: Request
    texts: Texts
    caller: Caller
    service: Trajectories

    @property
    def views(self) -> Views:
        """The read models (``deps.ViewsDep``'s)."""
        views: Views = self.request.app.state.views
        return views

    def path_for(self, name: str, **params: Any) -> str:
        """The path of the page (route) ``name``."""
        path: str = self.request.app.url_path_for(name, **params)
        return path

    def record_read(
        self, participant_ids: Iterable[UUID], path: str, method: str = "GET"
    ) -> None:
        """Records in the access log that the caller read these participants'
        personal data on the page at ``path`` (a template below the pages')."""
        route = f"{method} {PAGES}{path}"
        self.service.access_log.record(self.caller, participant_ids, route=route)

    def render(self, template: str, **context: Any) -> Response:
        """The page ``template`` for the caller, in their language."""
        return render(self.request, template, self.texts, self.caller, **context)

    def form_page(
        self,
        template: str,
        sent: Sent,
        form: EventForm,
        choices: Mapping[str, Choices],
        *,
        here: str,
        **context: Any,
    ) -> Response:
        """A page with a form (``templates/fields.html``): its fields and the choices
        the page gives them, what was sent and why it was refused (answered with the
        sent status), today for a date field, and a new idempotency key; ``here`` is
        where the page opens again."""
        return self.render(
            template,
            status_code=sent.status_code,
            here=here,
            form=form,
            choices=choices,
            entered=sent.entered,
            problems=sent.problems,
            refusal=sent.refusal,
            today=today().isoformat(),
            idempotency_key=uuid4(),
            **context,
        )

    def key(
        self, form: FormData, carried: re.Pattern[str] = FORM_KEY
    ) -> IdempotencyKey:
        """The key the form carries (a new one if it carries none of the ``carried``
        kind), for what it asks: the same form sent twice (a double click, a
        reload) is recorded once."""
        entered = sorted(
            (name, str(value))
            for name, value in form.multi_items()
            if name not in ("csrf", "idempotency_key")
        )
        given = str(form.get("idempotency_key", ""))
        return IdempotencyKey(
            str(self.caller.token_id),
            given if carried.fullmatch(given) else str(uuid4()),
            self.service.keyring.fingerprint(
                "POST", self.request.url.path, "", urlencode(entered).encode()
            ),
        )


def visit_by(*roles: Role) -> object:
    """A dependency: the visit of a signed-in caller whose role is one of
    ``roles``."""

    async def visit(
        request: Request,
        texts: PageTexts,
        caller: Annotated[Caller, allow(*roles)],
        service: Service,
    ) -> Visit:
        return Visit(request, texts, caller, service)

    return Depends(visit)


StaffVisit = Annotated[Visit, visit_by(Role.STAFF)]
AdminVisit = Annotated[Visit, visit_by(Role.ADMIN)]
TrajectoryVisit = Annotated[Visit, visit_by(Role.STAFF, Role.AUDITOR)]
CoachVisit = Annotated[Visit, visit_by(Role.STAFF, Role.AUDITOR, Role.ADMIN)]
ProgrammeVisit = Annotated[Visit, visit_by(*Role)]
AuditVisit = Annotated[Visit, visit_by(Role.AUDITOR, Role.ADMIN)]
OutcomeVisit = Annotated[
    Visit, visit_by(Role.EVALUATOR, Role.AUDITOR, Role.ADMIN, Role.STAFF)
]
