"""The topics an aggregate is stored under, from its class name.

Topics are stored with every event and snapshot, and a stored one must still resolve:
an aggregate that uses ``NamedTopics`` keeps its class name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar

from eventsourcing.domain import Aggregate
from eventsourcing.domain import Snapshot as BaseSnapshot


class NamedTopics:
    """Mixed in before ``Aggregate``: the aggregate is stored as ``trajectory:<Name>``,
    its base event class as ``trajectory:<Name>.Event`` and its snapshots as
    ``trajectory:<Name>.Snapshot``. An ``Event`` class the aggregate defines itself
    (to add behaviour) gets its topic set; a nested class it does not define is made
    here. Both happen before the eventsourcing library reads the class."""

    TOPIC: ClassVar[str]

    if TYPE_CHECKING:  # made by __init_subclass__; declared for the type checker

        class Event(Aggregate.Event):
            TOPIC: ClassVar[str]

        class Snapshot(BaseSnapshot):
            TOPIC: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        cls.TOPIC = f"trajectory:{cls.__name__}"
        for name, base in (("Event", Aggregate.Event), ("Snapshot", BaseSnapshot)):
            made = {
                "__module__": cls.__module__,
                "__qualname__": f"{cls.__qualname__}.{name}",
            }
            nested: type[Any] = vars(cls).get(name) or type(name, (base,), made)
            nested.TOPIC = f"{cls.TOPIC}.{name}"
            setattr(cls, name, nested)
        super().__init_subclass__(**kwargs)
