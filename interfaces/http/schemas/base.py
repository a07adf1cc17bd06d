"""What every request and response body shares: unknown fields refused in requests
(a typo is never ignored), examples in the OpenAPI document, and the ids the examples
share, so that they tell one story."""

from typing import Annotated
from typing import Any
from typing import TypeVar

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import model_validator

# No NUL in any text: PostgreSQL's text columns (views, tokens) cannot hold one, and a
# view must never meet an event it cannot store.
NO_NUL = r"^[^\x00]*$"
# No control character in a text that is stored: it shows as nothing or as garbage,
# and a workbook cannot hold it. A text of one line (a name) takes none; a text of
# several lines (a note) its line breaks and tabs.
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
LINES = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
CONTROL_CHARACTER = "holds a control character: text only"
Text = Annotated[str, Field(min_length=1, max_length=200, pattern=ONE_LINE)]


# No request body is nested deeper than this (an object in a list in an object is
# 3): the deepest the API takes is 2. A body nested hundreds deep once exhausted
# the stack on its way to a refusal.
MAX_NESTING = 8
CONTAINERS = (dict, list, tuple)


def nesting(value: Any, limit: int = MAX_NESTING) -> int:
    """How deep lists and objects are nested in ``value`` (a scalar is 0), counted
    without recursion and only up to ``limit + 1``."""
    if not isinstance(value, CONTAINERS):
        return 0
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 1)]  # containers only
    while pending and deepest <= limit:
        item, depth = pending.pop()
        deepest = max(deepest, depth)
        for child in item.values() if isinstance(item, dict) else item:
            if isinstance(child, CONTAINERS):  # a scalar adds no depth
                pending.append((child, depth + 1))
    return deepest


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def not_too_deep(cls, data: Any) -> Any:
        if nesting(data) > MAX_NESTING:
            raise ValueError(
                f"the body is nested more than {MAX_NESTING} levels deep (lists "
                "and objects within each other)"
            )
        return data


Answer = TypeVar("Answer", bound=BaseModel)


def answer_of(model: type[Answer], source: object, **values: Any) -> Answer:
    """``model`` of ``source``: each field from the attribute of its name, but for
    those given in ``values`` (what ``source`` holds otherwise, or not at all); a
    nested model's likewise from the attributes of its value."""
    fields = {
        name: values[name] if name in values else getattr(source, name)
        for name in model.model_fields
    }
    return model.model_validate(fields, from_attributes=True)


def request_example(*examples: dict[str, Any]) -> ConfigDict:
    """The config of a request model: unknown fields refused, and its examples."""
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [*examples]})


def response_example(*examples: dict[str, Any]) -> ConfigDict:
    """The config of a response model: its examples."""
    return ConfigDict(json_schema_extra={"examples": [*examples]})


# The ids the examples share.
PROGRAMME_ID = "41960538-d379-51c9-81c9-1e830f6d784d"
PARTICIPANT_ID = "6f1c2a4e-8d1b-4c55-9a55-1b2f7d0c9e11"
TRAJECTORY_ID = "3f9c1e52-7a4b-4d2e-9b1a-5c8e2d7f6a10"
PLACEMENT_ID = "b4d7e8f1-2c3a-4e5b-8f6d-9a0b1c2d3e4f"
COACH_ID = "6036f7ae-ab0f-5434-a1bf-d12673c78367"  # Hilde Claes, Werkburo O-Vl.
OTHER_COACH_ID = "9332b533-a608-5b8d-8915-58610835bbc5"  # Bram Peeters, same
