"""Request and response bodies, by resource; request bodies of the writes are derived
from the domain's commands (``commands``)."""
