from enum import Enum
from pathlib import Path
from typing import get_args

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from pydantic import BaseModel

from application.access import Role
from application.projections.caseload.rows import CaseloadRow
from application.projections.outcomes.queries import DIMENSIONS
from application.projections.outcomes.queries import figure_names
from domain.commands import COMMAND_FOR_EVENT
from domain.trajectory import Trajectory
from domain.vocabulary import ALL_ENUMS
from domain.vocabulary import Province
from interfaces.http.schemas.commands import EVENT_BODIES
from interfaces.http.schemas.commands import PeriodIn
from interfaces.http.schemas.commands import ReferralIn
from interfaces.http.schemas.trajectories import HistoryEntryFields
from interfaces.http.schemas.trajectories import PlacementOut
from interfaces.http.schemas.trajectories import TrajectoryOut
from interfaces.http.schemas.views import CaseloadEntryOut
from interfaces.http.schemas.views import CoachTotalOut
from interfaces.http.schemas.views import PlacementSummaryOut
from interfaces.web import labels

CATALOGUE = Path(labels.__file__).parent / "locale" / "nl" / "LC_MESSAGES" / "labels.po"
LABELLED_ENUMS: tuple[type[Enum], ...] = (*ALL_ENUMS, Province, Role)
EVENT_REQUESTS: tuple[type[BaseModel], ...] = tuple(EVENT_BODIES.values())
SHOWN_MODELS: tuple[type[BaseModel], ...] = (
    ReferralIn,
    PeriodIn,
    *EVENT_REQUESTS,
    TrajectoryOut,
    PlacementOut,
    HistoryEntryFields,
    CaseloadEntryOut,
    PlacementSummaryOut,
    CoachTotalOut,
)


def dutch_catalogue() -> Catalog:
    with CATALOGUE.open("rb") as file:
        return read_po(file, locale="nl_BE")


def test_every_code_of_every_enum_has_a_label() -> None:
    unlabelled = [
        member
        for enum in LABELLED_ENUMS
        for member in enum
        if member not in labels.ENUM_LABELS
    ]

    assert unlabelled == []


@pytest.mark.parametrize("enum", LABELLED_ENUMS, ids=lambda enum: enum.__name__)
def test_the_members_of_an_enum_have_distinct_labels(enum: type[Enum]) -> None:
    words = [labels.label(member) for member in enum]

    assert len(set(words)) == len(words)


def test_a_label_is_the_words_of_its_code_and_an_unlabelled_code_shows_its_value() -> (
    None
):
    class Unlabelled(Enum):
        CODE = "some_code"

    assert labels.label(Province.LIEGE) == "Liège"
    assert labels.label(Unlabelled.CODE) == "some_code"


def test_every_event_of_the_trajectory_aggregate_has_a_label() -> None:
    declared = {
        name
        for name, value in vars(Trajectory).items()
        if isinstance(value, type)
        and issubclass(value, Trajectory.Event)
        and value.TOPIC == f"trajectory:{name}"
    }

    assert {"ReferralReceived", *COMMAND_FOR_EVENT} <= declared
    assert declared <= set(labels.EVENT_LABELS)


def test_every_event_request_names_a_labelled_event() -> None:
    types = {
        get_args(model.model_fields["type"].annotation)[0] for model in EVENT_REQUESTS
    }

    assert len(types) == len(EVENT_REQUESTS)
    assert types <= set(labels.EVENT_LABELS)


@pytest.mark.parametrize("model", SHOWN_MODELS, ids=lambda model: model.__name__)
def test_every_field_shown_has_a_label(model: type[BaseModel]) -> None:
    unlabelled = [
        name for name in model.model_fields if name not in labels.FIELD_LABELS
    ]

    assert unlabelled == []


def test_every_field_of_the_caseload_row_has_a_label() -> None:
    fields = {column.name for column in CaseloadRow.columns}
    fields |= set(CaseloadRow.__annotations__)

    assert sorted(fields - set(labels.FIELD_LABELS)) == []


def test_every_outcome_figure_and_dimension_has_a_label() -> None:
    names = {*figure_names(), "dropout_rate_by_reason", *DIMENSIONS}

    assert sorted(names - set(labels.FIGURE_LABELS)) == []


def test_figures_and_events_have_distinct_labels() -> None:
    for table in (labels.EVENT_LABELS, labels.FIGURE_LABELS):
        assert len(set(table.values())) == len(table)


def test_the_msgids_are_every_label_and_nothing_else() -> None:
    every_label = {
        *labels.ENUM_LABELS.values(),
        *labels.EVENT_LABELS.values(),
        *labels.FIELD_LABELS.values(),
        *labels.FIGURE_LABELS.values(),
    }

    assert labels.msgids() == every_label
    assert all(text and text == text.strip() for text in every_label)


def test_the_dutch_catalogue_is_belgian_dutch_in_utf8() -> None:
    catalogue = dutch_catalogue()

    assert str(catalogue.locale) == "nl_BE"
    assert catalogue.charset == "utf-8"
    assert catalogue["Liège"].string == "Luik"


def test_every_label_has_a_dutch_translation() -> None:
    catalogue = dutch_catalogue()

    untranslated = [
        msgid
        for msgid in sorted(labels.msgids())
        if msgid not in catalogue
        or not catalogue[msgid].string
        or not str(catalogue[msgid].string).strip()
        or catalogue[msgid].fuzzy
    ]

    assert untranslated == []


def test_the_dutch_catalogue_has_no_stale_entries_and_follows_the_labels_order() -> (
    None
):
    in_catalogue = [str(message.id) for message in dutch_catalogue() if message.id]

    assert sorted(set(in_catalogue) - labels.msgids()) == []
    assert in_catalogue == labels.ordered_msgids()
