"""What a test reads of a page's HTML: its forms with their inputs, the refusal at
the top of a form, and any element's attributes and text by its id."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from html.parser import HTMLParser


@dataclass
class Input:
    """A form's input by name: radios and checkboxes of one name are one input
    with their ``options``, a select's options are its ``options``."""

    name: str
    kind: str  # the input's type, "select" or "textarea"
    value: str = ""
    attrs: dict[str, str] = field(default_factory=dict)
    options: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # a select's options' words


@dataclass
class Form:
    action: str
    method: str
    inputs: dict[str, Input] = field(default_factory=dict)

    @property
    def hidden(self) -> dict[str, str]:
        return {i.name: i.value for i in self.inputs.values() if i.kind == "hidden"}

    @property
    def fields(self) -> list[Input]:
        """The inputs a person fills in (not hidden, not disabled)."""
        return [
            i
            for i in self.inputs.values()
            if i.kind not in ("hidden", "submit") and "disabled" not in i.attrs
        ]


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)  # (href, words)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.elements: dict[str, Element] = {}
        self.links: list[str] = []  # every link's address
        self._form: Form | None = None
        self._select: Input | None = None
        self._textarea: Input | None = None
        self._open: list[tuple[str, Element]] = []  # elements with an id, open
        self._link: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if "id" in values:
            element = Element(tag, values)
            self.elements[values["id"]] = element
            if tag not in ("input", "br", "img"):
                self._open.append((tag, element))
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        if tag == "a" and self._open:
            self._link = [values.get("href", ""), ""]
        if tag == "form":
            self._form = Form(values.get("action", ""), values.get("method", "get"))
            self.forms.append(self._form)
        if self._form is None:
            return
        if tag == "input" and "name" in values:
            kind = values.get("type", "text")
            known = self._form.inputs.setdefault(
                values["name"], Input(values["name"], kind, attrs=values)
            )
            if kind in ("radio", "checkbox"):
                known.options.append(values.get("value", "on"))
                if "checked" in values:
                    known.checked.append(values.get("value", "on"))
            else:
                known.value = values.get("value", "")
        elif tag == "select" and "name" in values:
            self._select = Input(values["name"], "select", attrs=values)
            self._form.inputs[values["name"]] = self._select
        elif tag == "option" and self._select is not None:
            self._select.options.append(values.get("value", ""))
            self._select.words.append("")
            if "selected" in values:
                self._select.value = values.get("value", "")
        elif tag == "textarea" and "name" in values:
            self._textarea = Input(values["name"], "textarea", attrs=values)
            self._form.inputs[values["name"]] = self._textarea
        elif tag == "button" and values.get("name"):
            self._form.inputs.setdefault(
                values["name"], Input(values["name"], "submit", values.get("value", ""))
            )

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link is not None:
            href, words = self._link
            for _, element in self._open:
                element.links.append((href, " ".join(words.split())))
            self._link = None
        if self._open and self._open[-1][0] == tag:
            self._open.pop()
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        for _, element in self._open:
            element.text += data
        if self._link is not None:
            self._link[1] += data
        if self._textarea is not None:
            self._textarea.value += data
        if self._select is not None and self._select.words:
            self._select.words[-1] = words(self._select.words[-1] + " " + data)


def parsed(html: str) -> _Parser:
    parser = _Parser()
    parser.feed(html)
    return parser


def forms_of(html: str) -> list[Form]:
    return parsed(html).forms


def by_id(html: str, id: str) -> Element:
    element = parsed(html).elements.get(id)
    assert element is not None, f"no element #{id}"
    return element


def words(text: str) -> str:
    return " ".join(text.split())
