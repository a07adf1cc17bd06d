"""Business dates are Belgian: "today" is today in Brussels, whatever the server's
time zone."""

from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")


def today() -> date:
    return datetime.now(BRUSSELS).date()
