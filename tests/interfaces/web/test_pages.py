"""The pages without a browser: sessions, rights, forms, languages, on both stores."""

import re
from collections.abc import Iterator
from html import unescape
from html.parser import HTMLParser
from typing import Any
from uuid import UUID

import pytest

from application.access import Role
from tests.interfaces.helpers import REFERRAL_ON
from tests.interfaces.helpers import intake
from tests.interfaces.web.conftest import Pages
from tests.interfaces.web.html import by_id


def record(pages: Pages, **fields: Any) -> Any:
    path = f"/ui/trajectories/{pages.trajectory_id}"
    form = {"csrf": pages.csrf(path), "expected_version": "1", **fields}
    return pages.post(f"{path}/events", data=form, follow_redirects=False)


def history_length(pages: Pages) -> int:
    headers = {"Authorization": f"Bearer {pages.tokens[Role.STAFF]}"}
    answer = pages.get(f"/trajectories/{pages.trajectory_id}/history", headers=headers)
    return len(answer.json())


# Sessions ------------------------------------------------------------------------


def test_a_page_without_a_session_sends_to_the_sign_in_page(pages: Pages) -> None:
    answer = pages.get("/ui/caseload", follow_redirects=False)

    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/sign-in?next=%2Fui%2Fcaseload"


def test_signing_in_keeps_the_token_in_a_secure_http_only_cookie(pages: Pages) -> None:
    answer = pages.post(
        "/ui/sign-in",
        data={"token": pages.tokens[Role.STAFF], "next": "/ui/caseload"},
        follow_redirects=False,
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/caseload"
    cookie = answer.headers["set-cookie"].lower()
    assert cookie.startswith(f"trajectory_session={pages.tokens[Role.STAFF]};".lower())
    for flag in ("httponly", "secure", "samesite=strict", "path=/ui"):
        assert flag in cookie


def test_signing_out_clears_the_cookie(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)

    answer = pages.post(
        "/ui/sign-out",
        data={"csrf": pages.csrf("/ui/caseload")},
        follow_redirects=False,
    )

    assert answer.status_code == 303
    assert 'trajectory_session=""' in answer.headers["set-cookie"]
    assert "max-age=0" in answer.headers["set-cookie"].lower()
    assert pages.get("/ui/caseload", follow_redirects=False).status_code == 303


def test_an_unknown_token_is_refused_by_name(pages: Pages) -> None:
    answer = pages.post("/ui/sign-in", data={"token": "trj_not-a-token"})

    assert answer.status_code == 401
    assert "Dit token is onbekend of werd ingetrokken." in answer.text
    assert "trajectory_session" not in answer.headers.get("set-cookie", "")


def test_after_signing_in_a_page_goes_back_only_to_our_own_pages(
    pages: Pages,
) -> None:
    answer = pages.post(
        "/ui/sign-in",
        data={"token": pages.tokens[Role.STAFF], "next": "https://elsewhere.example/"},
        follow_redirects=False,
    )

    assert answer.headers["location"] == "/ui/caseload"


# Rights --------------------------------------------------------------------------

PAGES_OF = {
    Role.STAFF: {
        "/ui/caseload",
        "/ui/participants",
        "/ui/trajectories",
        "/ui/todo",
        "/ui/outcomes",
        "/ui/programmes",
        "/ui/coaches",
    },
    Role.AUDITOR: {
        "/ui/caseload",
        "/ui/participants",
        "/ui/trajectories",
        "/ui/todo",
        "/ui/outcomes",
        "/ui/audit",
        "/ui/programmes",
        "/ui/coaches",
    },
    Role.EVALUATOR: {"/ui/outcomes", "/ui/programmes"},
    Role.ADMIN: {
        "/ui/outcomes",
        "/ui/audit",
        "/ui/programmes",
        "/ui/coaches",
        "/ui/import",
    },
}
EVERY_PAGE = sorted(set().union(*PAGES_OF.values()))


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_the_pages_its_api_rights_allow(
    pages: Pages, role: Role
) -> None:
    pages.sign_in(role)

    for path in EVERY_PAGE:
        answer = pages.get(path)
        allowed = path in PAGES_OF[role]
        assert answer.status_code == (200 if allowed else 403), (path, answer.text)
        if not allowed:
            assert "Uw rol mag dit niet zien of doen." in answer.text
    links = set(re.findall(r'<li><a href="(/ui/[a-z]+)"', pages.get("/ui").text))
    assert links == PAGES_OF[role]
    trajectory = pages.get(f"/ui/trajectories/{pages.trajectory_id}")
    assert trajectory.status_code == (
        200 if role in (Role.STAFF, Role.AUDITOR) else 403
    )
    assert ("event-form" in trajectory.text) == (role is Role.STAFF)


def test_the_caseload_s_contact_filter_names_the_band_each_choice_picks(
    pages: Pages,
) -> None:
    # amber is 31 to 60 days, red 61 to 89 (application/projections/caseload)
    pages.sign_in(Role.STAFF)

    page = pages.get("/ui/caseload").text
    choices = re.findall(r'<option value="([a-z_]+)"[^>]*>([^<]+)<', page)

    assert ("amber", "31 tot 60 dagen geen contact") in choices
    assert ("red", "61 tot 89 dagen geen contact") in choices
    assert "Meer dan 30 dagen" not in page.split('id="alert"')[1].split("</select>")[0]


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/ui/trajectories?stage=foo", "Fase 'foo' bestaat niet: kies uit referred"),
        ("/ui/caseload?alert=orange", "Signaal 'orange' bestaat niet: kies uit amber"),
        ("/ui/todo?kind=x", "Soort 'x' bestaat niet: kies uit exit_result"),
        ("/ui/caseload?stage=declined", "Fase 'declined' staat niet in een caseload"),
        (
            "/ui/caseload?coach_id=zzz",
            "De gekozen trajectbegeleider staat niet in de lijst",
        ),
        (
            "/ui/todo?coach_id=zzz",
            "De gekozen trajectbegeleider staat niet in de lijst",
        ),
        ("/ui/outcomes?as_of=someday", "Op datum: Dit is geen datum."),
    ],
)
def test_a_filter_s_unknown_value_is_refused_in_the_page_s_language(
    pages: Pages, path: str, says: str
) -> None:
    pages.sign_in(Role.STAFF)

    answer = pages.get(path)

    assert answer.status_code == 422
    assert says in unescape(answer.text)


def test_only_auditors_see_the_access_log(pages: Pages) -> None:
    pages.sign_in(Role.ADMIN)
    assert "participant" not in pages.get("/ui/audit").text.lower().split("<main")[1]

    pages.sign_in(Role.AUDITOR)
    assert 'id="participant"' in pages.get("/ui/audit").text


def test_staff_of_another_organisation_do_not_find_the_trajectory(
    pages: Pages,
) -> None:
    service = pages.app.state.service  # type: ignore[attr-defined]
    _, other = service.tokens.create(
        role=Role.STAFF, name="elsewhere", organisation="Another organisation"
    )
    pages.tokens[Role.STAFF] = other
    pages.sign_in(Role.STAFF)

    answer = pages.get(f"/ui/trajectories/{pages.trajectory_id}")

    assert answer.status_code == 404
    assert "<h1>Niet gevonden</h1>" in answer.text


# Forms ---------------------------------------------------------------------------


def intake_form(**overrides: Any) -> dict[str, Any]:
    fields = {k: v for k, v in intake().items() if k != "barriers"}
    fields["disability"] = "true" if fields["disability"] else "false"
    return {**fields, "barriers": intake()["barriers"], **overrides}


def test_an_event_recorded_by_form_is_on_the_timeline(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)

    answer = record(pages, **intake_form())

    assert answer.status_code == 303
    assert answer.headers["location"].endswith("?recorded=2#v2")
    page = pages.get(answer.headers["location"]).text
    assert 'id="v2"' in page and "Intake afgerond" in page
    assert history_length(pages) == 2


def test_a_broken_rule_is_refused_in_plain_words_on_the_form(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)

    answer = record(pages, **intake_form(on="2024-01-03"))

    assert answer.status_code == 422
    refusal = by_id(answer.text, "refusal")
    assert refusal.attrs["role"] == "alert"
    assert "03/01/2024" in refusal.text
    assert "01/02/2024" in refusal.text  # the referral date, Belgian style
    assert 'value="2024-01-03"' in answer.text  # what was entered is kept
    assert history_length(pages) == 1
    # the language switch of the refused form's page goes back to the trajectory
    assert f'name="back" value="/ui/trajectories/{pages.trajectory_id}"' in answer.text


def test_the_refusal_is_in_english_on_english_pages(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)
    pages.post("/ui/language", data={"language": "en", "back": "/ui/caseload"})

    answer = record(pages, **intake_form(on="2024-01-03"))

    assert answer.status_code == 422
    assert f"before the referral on {REFERRAL_ON}" in answer.text
    assert '<html lang="en">' in answer.text


def test_each_field_the_form_lacks_is_named_next_to_it(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)

    answer = record(pages, type="IntakeCompleted", on="2024-02-12", rung="three")

    assert answer.status_code == 422
    problems = dict(re.findall(r'id="field-(\w+)-problem">([^<]+)<', answer.text))
    assert problems["rung"] == "Dit is geen geheel getal."
    assert problems["coach_id"] == "Kies er een uit de lijst."
    assert problems["disability"] == "Kies ja of nee."
    assert "on" not in problems
    assert history_length(pages) == 1


def test_a_form_sent_twice_records_its_event_once(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)
    form = {"idempotency_key": "form-1", **intake_form()}

    first = record(pages, **form)
    again = record(pages, **form)

    assert first.status_code == again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert history_length(pages) == 2


def test_a_form_of_a_stale_version_is_refused_and_records_nothing(
    pages: Pages,
) -> None:
    pages.sign_in(Role.STAFF)
    assert record(pages, **intake_form()).status_code == 303

    answer = record(pages, **intake_form())  # still says version 1

    assert answer.status_code == 409
    assert "Iemand registreerde intussen" in answer.text
    assert history_length(pages) == 2


def test_a_form_without_its_token_or_from_another_site_is_refused(
    pages: Pages,
) -> None:
    pages.sign_in(Role.STAFF)
    path = f"/ui/trajectories/{pages.trajectory_id}/events"
    form = {"expected_version": "1", **intake_form()}

    without = pages.post(path, data=form)
    forged = pages.post(path, data={**form, "csrf": "0" * 64})
    elsewhere = pages.post(
        path,
        data={**form, "csrf": pages.csrf(f"/ui/trajectories/{pages.trajectory_id}")},
        headers={"Origin": "https://elsewhere.example"},
    )

    assert without.status_code == forged.status_code == elsewhere.status_code == 403
    assert "Dit formulier is verouderd of komt niet van deze site" in forged.text
    assert "<h1>Het formulier is verouderd</h1>" in forged.text  # not a matter of role
    assert "Niet voor uw rol" not in forged.text
    assert pages.post(path, data={**form, "csrf": "é"}).status_code == 403
    assert history_length(pages) == 1


def test_reading_a_trajectory_page_is_in_the_access_log(pages: Pages) -> None:
    pages.sign_in(Role.AUDITOR)
    pages.get(f"/ui/trajectories/{pages.trajectory_id}")
    service = pages.app.state.service  # type: ignore[attr-defined]
    participant = service.trajectory(UUID(pages.trajectory_id)).participant_id

    answer = pages.get(f"/ui/audit?participant={participant}")

    reads = answer.text.split('id="access-caption"')[1]
    assert "test auditor" in reads
    assert "GET /ui/trajectories/{id}" in reads


def test_the_state_can_be_shown_as_of_a_version_and_a_date(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)
    record(pages, **intake_form())
    path = f"/ui/trajectories/{pages.trajectory_id}"

    at_one = pages.get(f"{path}?version=1").text
    on_referral = pages.get(f"{path}?as_of={REFERRAL_ON}").text
    beyond = pages.get(f"{path}?version=9")

    assert "Toestand bij versie 1 van 2" in at_one
    assert "Toestand op 01/02/2024" in on_referral
    assert beyond.status_code == 404
    not_a_date = pages.get(f"{path}?as_of=someday")
    assert not_a_date.status_code == 422
    assert "Op datum: Dit is geen datum." in not_a_date.text


# Outcomes ------------------------------------------------------------------------


def test_outcomes_show_a_small_group_as_under_five(pages: Pages) -> None:
    pages.sign_in(Role.EVALUATOR)
    pages.app.state.views.wait()  # type: ignore[attr-defined]

    page = pages.get("/ui/outcomes?group_by=referral_source").text

    breakdown = page.split('class="breakdown')[1]
    assert "&lt;5" in breakdown
    assert "Te weinig trajecten om te tonen" in page  # one referral: no funnel


def test_the_csv_download_is_the_api_s_csv(pages: Pages) -> None:
    pages.sign_in(Role.EVALUATOR)
    pages.app.state.views.wait()  # type: ignore[attr-defined]
    headers = {
        "Authorization": f"Bearer {pages.tokens[Role.EVALUATOR]}",
        "Accept": "text/csv",
    }

    download = pages.get("/ui/outcomes.csv?group_by=programme&as_of=2024-06-30")
    api = pages.get("/outcomes?group_by=programme&as_of=2024-06-30", headers=headers)

    assert download.status_code == 200
    assert download.text == api.text
    assert download.headers["content-disposition"] == (
        'attachment; filename="outcomes-programme-2024-06-30.csv"'
    )


def test_an_unknown_dimension_is_named(pages: Pages) -> None:
    pages.sign_in(Role.EVALUATOR)

    answer = pages.get("/ui/outcomes?group_by=shoe_size")

    assert answer.status_code == 422
    assert "shoe_size" in answer.text


# Languages, and what every page holds ---------------------------------------------


def test_dutch_is_the_default_and_english_is_remembered(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)
    assert '<html lang="nl">' in pages.get("/ui/caseload").text

    answer = pages.post(
        "/ui/language",
        data={"language": "en", "back": "/ui/caseload?stage=referred"},
        follow_redirects=False,
    )

    assert answer.headers["location"] == "/ui/caseload?stage=referred"
    page = pages.get("/ui/caseload").text
    assert '<html lang="en">' in page
    assert "Open trajectories" in page
    assert "1 Feb 2024" in pages.get(f"/ui/trajectories/{pages.trajectory_id}").text


class PageParts(HTMLParser):
    """The links, scripts and form fields of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[str] = []
        self.fields: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.inside_label = 0
        self.inside_fieldset = 0
        self.h1 = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("href", "src", "action"):
            if values.get(name):
                self.addresses.append(str(values[name]))
        if tag == "h1":
            self.h1 += 1
        if tag == "label":
            self.inside_label += 1
            if values.get("for"):
                self.label_for.add(str(values["for"]))
        if tag == "fieldset":
            self.inside_fieldset += 1
        if tag in ("input", "select", "textarea") and values.get("type") not in (
            "hidden",
            "submit",
        ):
            self.fields.append({**values, "in_label": str(self.inside_label)})

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.inside_label -= 1
        if tag == "fieldset":
            self.inside_fieldset -= 1


def every_page(pages: Pages) -> Iterator[tuple[str, str]]:
    yield "/ui/sign-in", pages.get("/ui/sign-in").text
    for role, paths in (
        (Role.STAFF, ["/ui/caseload", f"/ui/trajectories/{pages.trajectory_id}"]),
        (Role.EVALUATOR, ["/ui/outcomes"]),
        (Role.AUDITOR, ["/ui/audit"]),
    ):
        pages.sign_in(role)
        for path in paths:
            answer = pages.get(path)
            assert answer.status_code == 200, path
            assert "default-src 'self'" in answer.headers["content-security-policy"]
            assert answer.headers["cache-control"] == "no-store"
            yield path, answer.text


def test_every_page_loads_only_from_the_app_and_labels_every_field(
    pages: Pages,
) -> None:
    for path, html in every_page(pages):
        parts = PageParts()
        parts.feed(html)
        assert parts.h1 == 1, path
        external = [a for a in parts.addresses if not a.startswith(("/", "#", "?"))]
        assert external == [], path
        for field in parts.fields:
            labelled = field.get("id") in parts.label_for or field["in_label"] != "0"
            assert labelled, (path, field)
    for asset in ("/ui/static/style.css", "/ui/static/pages.js"):
        assert pages.get(asset).status_code == 200


def test_a_retracted_event_is_struck_through_with_its_retraction(
    pages: Pages,
) -> None:
    pages.sign_in(Role.STAFF)
    record(pages, **intake_form())
    path = f"/ui/trajectories/{pages.trajectory_id}"
    retraction = {
        "csrf": pages.csrf(path),
        "expected_version": "2",
        "type": "EntryRetracted",
        "on": "2024-02-13",
        "version": "2",
        "reason": "recorded on the wrong trajectory",
    }

    answer = pages.post(f"{path}/events", data=retraction)

    assert answer.status_code == 200
    retracted = answer.text.split('id="v2"')[1].split("</li>")[0]
    assert "<del>" in retracted and "ingetrokken" in retracted
    assert 'href="#v3"' in retracted  # the retraction that struck it
    assert 'href="#v2"' in answer.text.split('id="v3"')[1].split("</li>")[0]
    # neither can be retracted again
    form = pages.get(f"{path}?record=EntryRetracted").text.split("event-form")[1]
    versions = re.findall(r'<option value="(\d+)"', form)
    assert "2" not in versions and "3" not in versions


def picker_groups(page: str) -> dict[str, list[str]]:
    """The event picker's groups: each label with its options' values."""
    picker = page.split('id="record-type"')[1].split("</select>")[0]
    return {
        label: re.findall(r'<option value="(\w+)"', options)
        for label, options in re.findall(
            r'<optgroup label="([^"]+)">(.*?)</optgroup>', picker, re.S
        )
    }


def test_the_event_picker_offers_first_what_the_trajectory_leaves_room_for(
    pages: Pages,
) -> None:
    # Given a coach and a trajectory just referred
    pages.sign_in(Role.STAFF)
    path = f"/ui/trajectories/{pages.trajectory_id}"

    # When they open it
    page = pages.get(path).text

    # Then the intake and the decline are possible now, and chosen is the intake
    groups = picker_groups(page)
    assert sorted(groups["Nu mogelijk"]) == ["IntakeCompleted", "ReferralDeclined"]
    # And the rest, which the rules would refuse, come apart
    assert "SessionHeld" in groups["Niet mogelijk zoals het traject nu staat"]
    assert "TrajectoryReopened" in groups["Niet mogelijk zoals het traject nu staat"]
    assert 'value="IntakeCompleted" selected' in page

    # When the intake is recorded
    assert record(pages, **intake_form()).status_code == 303

    # Then sessions are possible, the intake no longer, and a session is chosen
    page = pages.get(path).text
    groups = picker_groups(page)
    assert "SessionHeld" in groups["Nu mogelijk"]
    assert "IntakeCompleted" in groups["Niet mogelijk zoals het traject nu staat"]
    assert 'value="SessionHeld" selected' in page


def test_the_audit_page_names_the_first_broken_link(pages: Pages) -> None:
    service = pages.app.state.service  # type: ignore[attr-defined]
    pages.sign_in(Role.AUDITOR)
    csrf = pages.csrf("/ui/audit")  # before the change: no view can read it after
    trajectory_id = UUID(pages.trajectory_id)
    recorder = service.recorder
    table = recorder.events_table_name
    postgres = service.settings.is_postgres
    with recorder.datastore.transaction(commit=True) as cursor:
        if postgres:
            table = f'"{recorder.datastore.schema}".{table}'
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_refuse_update")
        mark = "%s" if postgres else "?"
        cursor.execute(
            f"UPDATE {table} SET state = {mark} WHERE originator_id = {mark}",
            (
                b"changed behind the service's back",
                trajectory_id if postgres else trajectory_id.hex,
            ),
        )
        if postgres:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")

    answer = pages.post("/ui/audit/verify", data={"csrf": csrf})

    assert answer.status_code == 200
    assert "<strong>Gebroken.</strong>" in answer.text
    broken = answer.text.split("<tbody>")[1].split("</tbody>")[0]
    assert pages.trajectory_id in broken
    assert re.search(r'<td class="number"[^>]*>1</td>', broken)


def test_a_page_address_with_a_malformed_id_is_not_found(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)

    for path in ("/ui/trajectories/not-a-uuid", "/ui/participants/abc"):
        answer = pages.get(path)

        assert answer.status_code == 404, path
        assert "<h1>Niet gevonden</h1>" in answer.text
        assert "Kies er een uit de lijst" not in answer.text
