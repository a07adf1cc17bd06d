"""A coach's whole working day in a real browser, from registering a participant to
the exit result the to-do list asks for; then an auditor finds the same person."""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from uuid import UUID

import pytest
from selenium.common.exceptions import NoSuchElementException
from selenium.common.exceptions import StaleElementReferenceException as StaleElement
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from application.access import Role
from application.search import ParticipantQuery
from domain.commands import RegisterParticipant
from domain.vocabulary import Gender
from domain.vocabulary import Stage
from tests.interfaces.web.conftest import COACHES
from tests.interfaces.web.conftest import NAMES
from tests.interfaces.web.conftest import ORGANISATION
from tests.interfaces.web.conftest import PROGRAMME
from tests.interfaces.web.conftest import Site
from tests.interfaces.web.conftest import screenshot
from tests.interfaces.web.conftest import sign_in
from tests.interfaces.web.conftest import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.browser]

NEW_PERSON = ("Noah", "Vandenberghe")


def set_date(driver: WebDriver, element: WebElement, day: date) -> None:
    """A date input's value, whatever the browser's locale shows."""
    driver.execute_script("arguments[0].value = arguments[1]", element, day.isoformat())


def text(driver: WebDriver, css: str) -> str:
    return str(driver.find_element(By.CSS_SELECTOR, css).text)


def submit(driver: WebDriver, form: WebElement) -> None:
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def the_form(driver: WebDriver) -> WebElement:
    return driver.find_element(By.CSS_SELECTOR, "form.event-form")


def choose_event(driver: WebDriver, label: str) -> WebElement:
    """The trajectory page's event chosen by its label, as a coach does."""
    Select(driver.find_element(By.ID, "record-type")).select_by_visible_text(label)
    chooser = driver.find_element(By.ID, "record-type").find_element(
        By.XPATH, "ancestor::form"
    )
    submit(driver, chooser)
    # The page that sent the choice may hold an event form too, going while read.
    WebDriverWait(
        driver, 10, ignored_exceptions=(NoSuchElementException, StaleElement)
    ).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "form.event-form h3").text == label
    )
    assert text(driver, "form.event-form h3") == label
    return the_form(driver)


def heading_becomes(driver: WebDriver, wanted: str) -> None:
    """Waits until the page that a submit leads to is there, by its heading (the
    page that sent it has a heading too, which may go while it is read)."""
    WebDriverWait(
        driver, 10, ignored_exceptions=(NoSuchElementException, StaleElement)
    ).until(lambda d: d.find_element(By.TAG_NAME, "h1").text.startswith(wanted))


def recorded(driver: WebDriver) -> str:
    wait_for(driver, ".done[role=status]")
    return str(driver.find_element(By.CSS_SELECTOR, ".timeline li.event").text)


def open_ones(site: Site) -> list[UUID]:
    """Trajectories of the known history after their intake, still running."""
    return [
        tid
        for tid in site.known.participants
        if site.service.trajectory(tid).stage is Stage.ACTIVE
    ]


def test_a_coach_s_whole_day_and_an_auditor_who_finds_the_person_again(
    browser: WebDriver, site: Site
) -> None:
    today = date.today()
    given, family = NAMES[0]  # Lotte Claes, born 1990-01-01, already registered

    # A coach signs in and registers a person the service already knows
    sign_in(browser, site, Role.STAFF)
    browser.find_element(By.LINK_TEXT, "Zoeken").click()
    browser.find_element(By.LINK_TEXT, "Een nieuwe deelnemer inschrijven").click()
    form = browser.find_element(By.CSS_SELECTOR, "form.stacked")
    form.find_element(By.NAME, "given_name").send_keys(given)
    form.find_element(By.NAME, "family_name").send_keys(family.upper())
    set_date(browser, form.find_element(By.NAME, "birth_date"), date(1990, 1, 1))
    Select(form.find_element(By.NAME, "gender")).select_by_value("F")
    submit(browser, form)

    # The likely duplicate is caught, with a link to who it may be; nothing stored
    wait_for(browser, "#candidates")
    assert f"{given} {family}" in text(browser, "#candidates")
    assert browser.find_element(By.LINK_TEXT, f"{given} {family}")
    query = ParticipantQuery(name=family)
    assert site.service.find_participants(query, ORGANISATION).total == 1
    screenshot(browser, site, "register-duplicate")

    # So they register the person they meant, on the form that kept what was typed
    form = browser.find_element(By.CSS_SELECTOR, "form.stacked")
    for name, value in zip(("given_name", "family_name"), NEW_PERSON, strict=True):
        form.find_element(By.NAME, name).clear()
        form.find_element(By.NAME, name).send_keys(value)
    set_date(browser, form.find_element(By.NAME, "birth_date"), date(1998, 3, 14))
    Select(form.find_element(By.NAME, "gender")).select_by_value("M")
    submit(browser, form)
    heading_becomes(browser, " ".join(NEW_PERSON))

    # They refer them into the programme, and go straight on to the intake
    browser.find_element(By.LINK_TEXT, "Naar een programma verwijzen").click()
    form = browser.find_element(By.CSS_SELECTOR, "form.stacked")
    Select(form.find_element(By.NAME, "programme")).select_by_value(PROGRAMME)
    Select(form.find_element(By.NAME, "referral_source")).select_by_value("vdab")
    set_date(browser, form.find_element(By.NAME, "on"), today - timedelta(days=2))
    screenshot(browser, site, "referral")
    submit(browser, form)
    wait_for(browser, "form.event-form")
    assert text(browser, "form.event-form h3") == "Intake afgerond"
    trajectory_id = UUID(browser.current_url.split("/ui/trajectories/")[1][:36])

    form = the_form(browser)
    set_date(browser, form.find_element(By.NAME, "on"), today - timedelta(days=1))
    Select(form.find_element(By.NAME, "coach_id")).select_by_visible_text(COACHES[0])
    form.find_element(By.NAME, "rung").send_keys("3")
    Select(form.find_element(By.NAME, "labour_status")).select_by_value(
        "long_term_unemployed"
    )
    Select(form.find_element(By.NAME, "education_level")).select_by_value("isced_3_4")
    form.find_element(By.CSS_SELECTOR, "input[name=disability][value=false]").click()
    form.find_element(By.NAME, "postcode").send_keys("9000")
    submit(browser, form)
    assert "Intake afgerond" in recorded(browser)

    # A group session for three, recorded once
    others = open_ones(site)[:2]
    browser.get(f"{site.url}/ui/group-sessions/new")
    form = browser.find_element(By.CSS_SELECTOR, "form.stacked")
    for tid in [trajectory_id, *others]:
        form.find_element(
            By.CSS_SELECTOR, f"input[name=trajectory_ids][value='{tid}']"
        ).click()
    set_date(browser, form.find_element(By.NAME, "on"), today)
    form.find_element(By.NAME, "minutes").send_keys("90")
    Select(form.find_element(By.NAME, "mode")).select_by_value("group")
    Select(form.find_element(By.NAME, "setting")).select_by_index(1)
    submit(browser, form)
    heading_becomes(browser, "Groep")
    group_page = text(browser, "main")
    assert " ".join(NEW_PERSON) in group_page
    for tid in others:
        assert site.known.participants[tid] in group_page
    screenshot(browser, site, "group-session")
    for tid in [trajectory_id, *others]:
        assert site.service.trajectory(tid).last_contact_on == today

    # A placement, then the trajectory completed in work
    browser.get(f"{site.url}/ui/trajectories/{trajectory_id}")
    form = choose_event(browser, "Plaatsing gestart")
    set_date(browser, form.find_element(By.NAME, "on"), today)
    Select(form.find_element(By.NAME, "placement_type")).select_by_value("regular_job")
    form.find_element(By.NAME, "employer").send_keys("Bakkerij De Smet")
    form.find_element(By.CSS_SELECTOR, "input[name=paid][value=true]").click()
    form.find_element(By.NAME, "hours_per_week").send_keys("30")
    submit(browser, form)
    assert "Bakkerij De Smet" in recorded(browser)

    form = choose_event(browser, "Traject afgerond")
    set_date(browser, form.find_element(By.NAME, "on"), today)
    Select(form.find_element(By.NAME, "destination")).select_by_value("employed")
    submit(browser, form)
    assert "Traject afgerond" in recorded(browser)

    # The to-do list asks for the exit result, and leads to its form
    browser.find_element(By.LINK_TEXT, "Te doen").click()
    heading_becomes(browser, "Te doen")
    row = browser.find_element(
        By.XPATH, f"//tr[td/a[normalize-space()='{' '.join(NEW_PERSON)}']]"
    )
    assert "Uitstroomresultaat" in row.text
    assert (today + timedelta(days=28)).strftime("%d/%m/%Y") in row.text
    screenshot(browser, site, "todo")
    row.find_element(By.LINK_TEXT, "Het uitstroomresultaat registreren").click()
    form = the_form(browser)
    assert text(browser, "form.event-form h3") == "Uitstroomresultaat geregistreerd"
    set_date(browser, form.find_element(By.NAME, "observed_on"), today)
    Select(form.find_element(By.NAME, "status")).select_by_value("employed")
    submit(browser, form)
    recorded(browser)
    assert site.service.trajectory(trajectory_id).exit_result is not None

    # The trajectory has left the caseload; part of the name finds the person
    browser.find_element(By.LINK_TEXT, "Caseload").click()
    wait_for(browser, "table.caseload")
    assert " ".join(NEW_PERSON) not in text(browser, "table.caseload")
    browser.find_element(By.LINK_TEXT, "Zoeken").click()
    browser.find_element(By.ID, "q").send_keys("vandenb\n")
    wait_for(browser, "#found")
    found = text(browser, "#found")
    assert " ".join(NEW_PERSON) in found
    assert "Afgerond, verwezen op" in found
    screenshot(browser, site, "find")

    # An auditor finds the same person, and a namesake of another organisation
    site.service.register_participant(
        RegisterParticipant(
            given_name="Ella",
            family_name=NEW_PERSON[1],
            birth_date=date(2001, 5, 5),
            gender=Gender.F,
        ),
        organisation="Groep Intro",
        recorded_by="test",
    )
    browser.find_element(By.CSS_SELECTOR, "form[action$='/ui/sign-out'] button").click()
    sign_in(browser, site, Role.AUDITOR)
    browser.find_element(By.LINK_TEXT, "Zoeken").click()
    browser.find_element(By.ID, "q").send_keys(NEW_PERSON[1].lower() + "\n")
    wait_for(browser, "#found")
    found = text(browser, "#found")
    assert " ".join(NEW_PERSON) in found and ORGANISATION in found
    assert f"Ella {NEW_PERSON[1]}" in found and "Groep Intro" in found
