"""Forms that help: the refusal in view, every problem named at once, what the browser
checks, typed corrections, choices given by the page, and no input that breaks the
page; on both stores."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from application.access import Role
from domain.calendar import today
from domain.commands import AssessLadder
from domain.commands import CorrectEntryProfile
from domain.vocabulary import Barrier
from domain.vocabulary import EducationLevel
from domain.vocabulary import LabourStatus
from interfaces.web.forms import Choices
from interfaces.web.forms import FormProblems
from interfaces.web.forms import form_of
from interfaces.web.forms import parse
from tests.interfaces.helpers import dropout
from tests.interfaces.helpers import intake
from tests.interfaces.helpers import placement
from tests.interfaces.helpers import session
from tests.interfaces.web.conftest import Pages
from tests.interfaces.web.html import Form
from tests.interfaces.web.html import by_id
from tests.interfaces.web.html import forms_of
from tests.interfaces.web.html import words


def path_of(pages: Pages) -> str:
    return f"/ui/trajectories/{pages.trajectory_id}"


def given(pages: Pages, *events: dict[str, Any]) -> None:
    """Events recorded through the API, as staff."""
    staff = {"Authorization": f"Bearer {pages.tokens[Role.STAFF]}"}
    for event in events:
        answer = pages.post(
            f"/trajectories/{pages.trajectory_id}/events", json=event, headers=staff
        )
        assert answer.status_code == 201, answer.text


def version_of(pages: Pages) -> int:
    service = pages.app.state.service  # type: ignore[attr-defined]
    version: int = service.trajectory(UUID(pages.trajectory_id)).version
    return version


def post(pages: Pages, **fields: Any) -> Any:
    """The page's form of ``fields["type"]``, sent with ``fields`` as entered."""
    path = path_of(pages)
    form = {
        "csrf": pages.csrf(path),
        "expected_version": str(version_of(pages)),
        **fields,
    }
    return pages.post(f"{path}/events", data=form, follow_redirects=False)


def event_form(pages: Pages, event_type: str) -> str:
    html: str = pages.get(f"{path_of(pages)}?record={event_type}").text
    return html


def recording_form(html: str) -> Form:
    """The form that records the next event."""
    (form,) = [f for f in forms_of(html) if f.action.endswith("/events#refusal")]
    return form


def intake_fields(**overrides: Any) -> dict[str, Any]:
    fields = {k: v for k, v in intake().items() if k != "barriers"}
    fields["disability"] = "true" if fields["disability"] else "false"
    return {**fields, "barriers": intake()["barriers"], **overrides}


def problems_of(html: str) -> dict[str, str]:
    """Each field's problem shown next to it, by the field's id."""
    found = {}
    for name in ("rung", "postcode", "disability", "value", "milestone", "coach"):
        try:
            found[name] = words(by_id(html, f"field-{name}-problem").text)
        except AssertionError:
            continue
    return found


# The refusal in view --------------------------------------------------------------


def test_a_refused_form_comes_back_with_its_refusal_in_view(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)

    answer = post(pages, **intake_fields(on="2024-01-03"))

    assert answer.status_code == 422
    recording_form(answer.text)  # its address lands on the refusal
    refusal = by_id(answer.text, "refusal")
    assert refusal.attrs["tabindex"] == "-1"
    assert refusal.attrs["role"] == "alert"
    assert "hidden" not in refusal.attrs
    assert "03/01/2024" in refusal.text


def test_a_form_not_refused_has_its_summary_hidden(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)

    refusal = by_id(event_form(pages, "IntakeCompleted"), "refusal")

    assert "hidden" in refusal.attrs and "role" not in refusal.attrs
    assert refusal.attrs["data-missing"] == "Vul dit in."


# Every problem at once --------------------------------------------------------------


def test_every_problem_of_the_form_is_named_at_once_next_to_its_field(
    pages: Pages,
) -> None:
    pages.sign_in(Role.STAFF)
    fields = intake_fields(rung="9", postcode="93OO", on="2024-01-03")
    del fields["disability"]

    answer = post(pages, **fields)

    assert answer.status_code == 422
    assert problems_of(answer.text) == {
        "rung": "Dit getal is te groot.",
        "postcode": "Dit heeft niet de juiste vorm.",
        "disability": "Kies ja of nee.",
    }
    for name in ("rung", "postcode", "disability"):
        field = by_id(answer.text, f"field-{name}")
        assert field.attrs["aria-invalid"] == "true"
        assert f"field-{name}-problem" in field.attrs["aria-describedby"].split()
    summary = by_id(answer.text, "refusal")
    assert summary.links == [
        ("#field-rung", "Trede participatieladder: Dit getal is te groot."),
        ("#field-disability", "Beperking: Kies ja of nee."),
        ("#field-postcode", "Postcode: Dit heeft niet de juiste vorm."),
    ]
    # the domain's refusal (an intake before the referral) waits for the fields
    assert "01/02/2024" not in summary.text
    assert version_of(pages) == 1


def test_the_domain_refuses_once_the_fields_are_right(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)

    answer = post(pages, **intake_fields(on="2024-01-03"))

    assert answer.status_code == 422
    assert problems_of(answer.text) == {}
    assert "01/02/2024" in by_id(answer.text, "refusal").text


def test_the_browser_checks_what_the_fields_metadata_says(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)

    form = recording_form(event_form(pages, "IntakeCompleted"))

    rung, postcode, on = (form.inputs[n].attrs for n in ("rung", "postcode", "on"))
    assert (rung["type"], rung["min"], rung["max"], rung["step"]) == (
        "number",
        "1",
        "6",
        "1",
    )
    assert "required" in rung and "required" in on
    assert (postcode["pattern"], postcode["maxlength"]) == ("[1-9][0-9]{3}", "4")
    hint = by_id(event_form(pages, "IntakeCompleted"), "field-rung-hint")
    assert words(hint.text) == "van 1 tot 6"
    session = recording_form(event_form(pages, "SessionHeld")).inputs
    minutes, note = session["minutes"], session["note"]
    assert (minutes.attrs["min"], minutes.attrs["max"]) == ("1", "1440")
    assert note.attrs["maxlength"] == "10000"
    assert "required" not in note.attrs


def test_a_form_derived_from_a_command_carries_its_checks() -> None:
    form = form_of(AssessLadder, "LadderAssessed")

    rung = next(f for f in form.fields if f.name == "rung")

    assert (rung.kind, rung.minimum, rung.maximum, rung.step) == ("integer", 1, 6, "1")


# Typed corrections ------------------------------------------------------------------

CORRECTIONS = [
    ("rung", {"value.rung": "4"}, 4),
    ("labour_status", {"value.labour_status": "inactive"}, LabourStatus.INACTIVE),
    (
        "education_level",
        {"value.education_level": "isced_3_4"},
        EducationLevel.ISCED_3_4,
    ),
    (
        "barriers",
        {"value.barriers": ["housing", "digital"]},
        [Barrier.HOUSING, Barrier.DIGITAL],
    ),
    ("disability", {"value.disability": "false"}, False),
    ("postcode", {"value.postcode": "9320"}, "9320"),
]


@pytest.mark.parametrize(("field", "entered", "stored"), CORRECTIONS)
def test_a_correction_takes_the_typed_input_of_the_field_it_names(
    pages: Pages, field: str, entered: dict[str, Any], stored: object
) -> None:
    pages.sign_in(Role.STAFF)
    given(pages, intake())
    # the other inputs of the group, shown without the script, are left aside
    others = {
        "value.rung": "7",
        "value.labour_status": "employed",
        "value.postcode": "abc",
        "value.disability": "maybe",
    }

    answer = post(
        pages,
        type="EntryProfileCorrected",
        on="2024-02-20",
        field=field,
        reason="the intake form was misread",
        **{**others, **entered},
    )

    assert answer.status_code == 303, by_id(answer.text, "refusal").text
    service = pages.app.state.service  # type: ignore[attr-defined]
    trajectory = service.trajectory(UUID(pages.trajectory_id))
    shown = {
        "rung": trajectory.rung_at_intake,
        "labour_status": trajectory.labour_status,
        "education_level": trajectory.education_level,
        "barriers": trajectory.entry_barriers,
        "disability": trajectory.disability,
        "postcode": trajectory.postcode,
    }[field]
    assert shown == stored


def test_a_correction_s_typed_value_is_checked_as_its_field(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)
    given(pages, intake())

    answer = post(
        pages,
        type="EntryProfileCorrected",
        on="2024-02-20",
        field="rung",
        reason="misread",
        **{"value.rung": "9"},
    )

    assert answer.status_code == 422
    assert problems_of(answer.text) == {"value": "Dit getal is te groot."}
    assert by_id(answer.text, "refusal").links == [
        ("#field-value", "Nieuwe waarde: Dit getal is te groot.")
    ]
    assert version_of(pages) == 2


def test_the_correction_form_has_a_typed_input_for_every_field(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)
    given(pages, intake())

    html = event_form(pages, "EntryProfileCorrected")

    inputs = recording_form(html).inputs
    assert inputs["value.rung"].attrs["type"] == "number"
    assert inputs["value.rung"].attrs["max"] == "6"
    assert inputs["value.disability"].options == ["true", "false"]
    assert len(inputs["value.barriers"].options) == len(Barrier)
    assert inputs["value.labour_status"].kind == "select"
    assert inputs["value.education_level"].kind == "select"
    assert inputs["value.postcode"].attrs["pattern"] == "[1-9][0-9]{3}"
    # without the script every input shows: none is required by the browser
    assert not any(
        "required" in inputs[f"value.{n}"].attrs for n in ("rung", "postcode")
    )
    assert by_id(html, "field-value").attrs["data-typed-by"] == "field"


def test_a_typed_field_reads_its_chosen_input() -> None:
    body = parse(
        "EntryProfileCorrected",
        {
            "on": "2024-02-20",
            "field": "disability",
            "reason": "misread",
            "value.disability": "true",
            "value.rung": "not read",
        },
        {"value.barriers": ["housing"]},
    )

    command = body.command()
    assert isinstance(command, CorrectEntryProfile)
    assert command.value is True


def test_a_form_s_problems_are_all_its_fields_problems() -> None:
    with pytest.raises(FormProblems) as refused:
        parse(
            "IntakeCompleted",
            {"on": "someday", "rung": "²", "postcode": "9300\x00", "disability": "yes"},
            {"barriers": ["nothing"]},
        )

    problems = refused.value.problems
    assert {name: problems[name] for name in EXPECTED_PROBLEMS} == EXPECTED_PROBLEMS


EXPECTED_PROBLEMS = {
    "on": "This is not a date.",
    "rung": "This is not a whole number.",
    "postcode": "This contains a character that is not allowed.",
    "disability": "Choose yes or no.",
    "barriers": "Choose one of the list.",
    "labour_status": "Choose one of the list.",
    "education_level": "Choose one of the list.",
}


# Choices given by the page --------------------------------------------------------


def test_a_retraction_chooses_a_version_by_its_event_in_words(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)
    given(pages, intake(), placement())

    html = event_form(pages, "EntryRetracted")

    options = recording_form(html).inputs["version"].words
    assert options[1].startswith("versie 3 · Plaatsing gestart · 02/04/2024 · ")
    assert "Bakkerij De Smet" in options[1]
    assert options[2].startswith("versie 2 · Intake afgerond · 12/02/2024")
    assert len(options) == 3  # "Choose", then the two versions, newest first


def test_a_placement_is_ended_by_its_employer_and_start_never_its_id(
    pages: Pages,
) -> None:
    pages.sign_in(Role.STAFF)
    given(pages, intake(), placement())

    html = event_form(pages, "PlacementEnded")

    field = by_id(html, "field-placement_id")
    assert "Bakkerij De Smet, vanaf 02/04/2024" in field.text
    service = pages.app.state.service  # type: ignore[attr-defined]
    (running,) = service.trajectory(UUID(pages.trajectory_id)).current_placements
    assert str(running.placement_id) not in field.text
    assert ">Plaatsing <span" in html  # its label: no "ID" shown to a person


def test_the_follow_up_milestone_is_6_or_12_months(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)
    given(pages, intake(), dropout())

    html = event_form(pages, "FollowUpRecorded")
    form = recording_form(html)
    answer = post(
        pages,
        type="FollowUpRecorded",
        milestone="7",
        observed_on="2025-01-05",
        status="employed",
    )

    assert form.inputs["milestone"].kind == "radio"
    assert form.inputs["milestone"].options == ["6", "12"]
    assert "6 maanden" in html and "12 maanden" in html
    assert answer.status_code == 422
    assert problems_of(answer.text) == {"milestone": "Kies er een uit de lijst."}


def test_choices_are_values_with_their_words() -> None:
    choices = Choices.of([("6", "6 months"), ("12", "12 months")], radios=True)

    assert list(choices) == [("6", "6 months"), ("12", "12 months")]
    assert "12" in choices and "7" not in choices and len(choices) == 2


# No input breaks the page -------------------------------------------------------------


def test_a_version_in_unicode_digits_is_refused_not_a_server_error(
    pages: Pages,
) -> None:
    pages.sign_in(Role.STAFF)
    path = path_of(pages)
    form = {"csrf": pages.csrf(path), "expected_version": "²", **intake_fields()}

    answer = pages.post(f"{path}/events", data=form)

    assert answer.status_code == 422
    assert "Het formulier is onvolledig" in by_id(answer.text, "refusal").text
    assert version_of(pages) == 1


def test_hours_beyond_any_measure_are_refused_not_a_server_error(
    pages: Pages,
) -> None:
    pages.sign_in(Role.STAFF)
    given(pages, intake())
    fields = {k: str(v) for k, v in placement(hours_per_week="1e308").items()}
    fields["paid"] = "true"

    answer = post(pages, **fields)

    assert answer.status_code == 422
    assert words(by_id(answer.text, "field-hours_per_week-problem").text) == (
        "Dit getal is te groot."
    )
    assert version_of(pages) == 2


# The words of the page ------------------------------------------------------------


def test_the_timeline_shows_no_empty_note_and_whole_hours_whole(
    pages: Pages,
) -> None:
    pages.sign_in(Role.STAFF)
    given(pages, intake(), session(note=""), placement(hours_per_week=19))

    html = pages.get(path_of(pages)).text

    held = by_id(html, "v3")
    assert "Notitie" not in held.text and "Minuten" in held.text
    assert "<dt>Uren per week</dt><dd>19</dd>" in html


def test_a_placement_running_when_the_trajectory_ended_says_so(
    pages: Pages,
) -> None:
    pages.sign_in(Role.STAFF)
    given(pages, intake(), placement(), dropout())

    html = pages.get(path_of(pages)).text

    assert (
        "Reguliere job met ondersteuning, Bakkerij De Smet, vanaf 02/04/2024, liep "
        "nog toen het traject eindigde op 30/06/2024"
    ) in words(html)
    assert "02/04/2024 – )" not in html
    pages.post("/ui/language", data={"language": "en", "back": "/ui/caseload"})
    english = words(pages.get(path_of(pages)).text)
    assert (
        "Bakkerij De Smet, from 2 Apr 2024, still running when the trajectory "
        "ended on 30 Jun 2024"
    ) in english


def test_a_running_and_an_ended_placement_read_as_such(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)
    given(pages, intake(), placement())
    running = pages.get(path_of(pages)).text
    service = pages.app.state.service  # type: ignore[attr-defined]
    (started,) = service.trajectory(UUID(pages.trajectory_id)).current_placements
    given(
        pages,
        {
            "type": "PlacementEnded",
            "placement_id": str(started.placement_id),
            "on": "2024-09-30",
            "reason": "contract_ended",
        },
    )

    ended = pages.get(path_of(pages)).text

    assert (
        "<dd>Reguliere job met ondersteuning, Bakkerij De Smet, vanaf 02/04/2024<"
        in (running)
    )
    assert "Bakkerij De Smet, 02/04/2024 – 30/09/2024<" in ended


def test_the_caseload_says_today_for_a_contact_today(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)
    given(pages, intake(), session(on=today().isoformat()))
    pages.app.state.views.wait()  # type: ignore[attr-defined]

    html = pages.get("/ui/caseload").text

    assert f"{today().strftime('%d/%m/%Y')} · vandaag" in words(html)
    assert "0 dagen geleden" not in html
