"""The pages' forms, derived from the domain's commands as the API's request bodies
are: a form asks exactly what the API takes and is checked by the same body.

Making a form
    ``form_of(Command, name)`` gives the command's ``EventForm``: a ``FormField`` per
    field of the command, in its order, of a kind read from its type (a date, a
    number, a text, yes/no, one of an enum, several of an enum). An id the service
    makes (a ``UUID`` without ``Refers``) is not asked. ``templates/fields.html``
    renders any form: ``fields(form, choices, entered, problems, today)`` the inputs,
    ``summary(form, problems, refusal)`` the refusal at the top of the form. A page
    posts its form to an address ending in ``#refusal``: a refused form comes back
    opened at its refusal, which takes the focus. Nothing is written per form.

What the browser checks
    A field carries what its command's metadata says (``Text``: ``maxlength``;
    ``Bounds``: ``min`` and ``max``; ``Money``: ``step``; a whole number: ``step=1``)
    and what the domain checks in code and its metadata does not carry yet
    (``CHECKED_BY_THE_DOMAIN``, by field name: the ladder's rungs, the postcode's
    format, a session's minutes, the hours of a placement). The template turns them
    into the browser's own checks (``required``, ``min``, ``max``, ``step``,
    ``maxlength``, ``pattern``) and a hint under the label ("from 1 to 6",
    "4 digits"). ``read`` checks the same on the server, so a form posted without a
    browser is judged alike.

Choices given by the page
    A field may be given its choices by the page, at run time: ``choices`` maps a
    field's input name to ``Choices`` (each value with the words shown for it),
    rendered as a select, or as radio buttons with ``radios=True``; a required field
    with a single choice has it chosen. A field of an enum needs none (its members
    and their labels are the choices), a field that ``Refers`` to something that
    exists always needs them (a list of them shows its choices as check boxes). The
    trajectory page gives the running placements to end (by employer and start,
    never their id), the versions to retract ("version 5 · Placement started ·
    02/04/2024 · Regular job, Bakkerij De Smet") and the follow-up's milestones; a
    coach chosen from the organisation's staff is given the same way::

        choices = {"coach_id": Choices.of((str(c.id), c.name) for c in coaches)}

    Give the same choices to ``read(..., offered=choices)``: a value that is not one
    of them is a problem of its field ("Choose one of the list").

Fields typed by another field
    A correction names a field of the entry profile, then its new value: the value's
    type is the named field's (``TYPED_BY``). Such a field is a group of typed
    inputs, one per field it may name (``value.rung``, ``value.barriers``, ...), each
    derived like any field; ``read`` takes the one the naming field chose. Without
    the page's script every input of the group shows, and the chosen one counts;
    with it, only the chosen one shows.

Reading a posted form
    ``read(form, body, values, lists)`` builds the request body from the posted
    values, checks every field, and raises ``FormProblems`` with every field's
    problem at once (English texts, translated where shown); only a form without
    problems reaches the domain, whose refusal comes after.
"""

from interfaces.web.forms.fields import CHECKED_BY_THE_DOMAIN
from interfaces.web.forms.fields import TYPED_BY
from interfaces.web.forms.fields import Choices
from interfaces.web.forms.fields import EventForm
from interfaces.web.forms.fields import Format
from interfaces.web.forms.fields import FormField
from interfaces.web.forms.fields import Kind
from interfaces.web.forms.fields import TypedBy
from interfaces.web.forms.fields import event_forms
from interfaces.web.forms.fields import form_of
from interfaces.web.forms.reading import PROBLEMS
from interfaces.web.forms.reading import FormProblems
from interfaces.web.forms.reading import adapter_of
from interfaces.web.forms.reading import parse
from interfaces.web.forms.reading import read

__all__ = [
    "CHECKED_BY_THE_DOMAIN",
    "Choices",
    "EventForm",
    "FormField",
    "FormProblems",
    "Format",
    "Kind",
    "PROBLEMS",
    "TYPED_BY",
    "TypedBy",
    "adapter_of",
    "event_forms",
    "form_of",
    "parse",
    "read",
]
