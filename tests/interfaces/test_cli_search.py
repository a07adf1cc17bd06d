"""`trajectory reindex`: the participants' search index filled again from the store,
as an operator runs it after an older release wrote to the store."""

from datetime import date
from uuid import UUID

import pytest
from typer.testing import CliRunner

from application.privacy.keys import new_key_text
from application.search import ParticipantQuery
from application.service import Trajectories
from application.settings import Settings
from application.storage import SEARCH_TABLE
from domain.commands import RegisterParticipant
from domain.vocabulary import Gender
from interfaces.cli.main import app

runner = CliRunner()


def registered(store: str) -> UUID:
    service = Trajectories(Settings(database_url=store))
    try:
        return service.register_participant(
            RegisterParticipant(
                given_name="Ysaline",
                family_name="Dewaelheyns",
                birth_date=date(2004, 5, 6),
                gender=Gender.F,
            ),
            organisation="Groep Intro",
            recorded_by="Hilde",
        ).id
    finally:
        service.close()


def test_reindex_fills_the_index_from_the_store_and_can_run_again(store: str) -> None:
    # Given a store whose participant has no rows in the index (as if an older
    # release had registered them)
    participant_id = registered(store)
    service = Trajectories(Settings(database_url=store))
    tables = service.search_index.tables
    tables.run((f"DELETE FROM {tables.name(SEARCH_TABLE)}", ()))
    service.close()

    # When the operator reindexes, twice
    first = runner.invoke(app, ["reindex"])
    second = runner.invoke(app, ["reindex"])

    # Then the participant is found, and the second run changes nothing
    assert first.exit_code == 0, first.output
    assert "the search index holds 1 participants" in first.output
    assert second.exit_code == 0, second.output
    assert "the search index holds 1 participants" in second.output
    service = Trajectories(Settings(database_url=store))
    try:
        page = service.find_participants(ParticipantQuery(name="waelh"), "Groep Intro")
        assert [p.id for p in page.participants] == [participant_id]
    finally:
        service.close()


def test_reindex_with_another_master_key_is_refused_naming_both(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    registered(store)
    monkeypatch.setenv("TRAJECTORY_MASTER_KEY", new_key_text())

    result = runner.invoke(app, ["reindex"])

    assert result.exit_code == 1
    assert "wrapped by master key" in result.output
