"""The pages in a real browser: what a coach, an evaluator and an auditor do."""

import csv
import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from application.access import Role
from tests.interfaces.web.conftest import (
    ORGANISATION,
    PROGRAMME,
    Site,
    screenshot,
    sign_in,
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.browser]

BELGIAN_DATE = re.compile(r"\b\d{2}/\d{2}/\d{4}\b")


def text(driver: WebDriver, css: str) -> str:
    return str(driver.find_element(By.CSS_SELECTOR, css).text)


def set_date(driver: WebDriver, element: WebElement, day: date) -> None:
    """A date input's value, whatever the browser's locale shows."""
    driver.execute_script("arguments[0].value = arguments[1]", element, day.isoformat())


def test_a_coach_signs_in_sees_the_caseload_and_records_an_intake(
    browser: WebDriver, site: Site
) -> None:
    # Given a coach signed in
    sign_in(browser, site, Role.STAFF)

    # Then the caseload opens, in Dutch, with Belgian dates and the benchmark
    assert browser.current_url.endswith("/ui/caseload")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "nl"
    assert text(browser, "h1") == "Caseload"
    rows = browser.find_elements(By.CSS_SELECTOR, "table.caseload tbody tr")
    open_trajectories = site.known.referrals - site.known.competitive
    assert len(rows) == open_trajectories
    assert BELGIAN_DATE.search(text(browser, "table.caseload"))
    assert "norm van 20" in text(browser, "table.totals")
    assert browser.find_elements(By.CSS_SELECTOR, ".contact.exit_candidate")
    screenshot(browser, site, "caseload")

    # When they open a trajectory that waits for its intake
    waiting = site.known.waiting_for_intake[0]
    name = site.known.participants[waiting]
    browser.find_element(By.LINK_TEXT, name).click()
    wait_for(browser, "form.event-form")
    assert text(browser, "h1") == name
    assert text(browser, "form.event-form h3") == "Intake afgerond"
    referred_on = site.service.trajectory(waiting).referred_on

    # And record an intake dated before the referral
    form = browser.find_element(By.CSS_SELECTOR, "form.event-form")
    fill_intake(browser, form, referred_on - timedelta(days=3))
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    # Then the refusal says why, in plain Dutch with Belgian dates, on the form
    wait_for(browser, "form.event-form .refusal")
    refusal = text(browser, "form.event-form .refusal")
    assert "verwijzing" in refusal or "toeleiding" in refusal, refusal
    assert referred_on.strftime("%d/%m/%Y") in refusal, refusal
    assert site.service.trajectory(waiting).version == 1  # nothing recorded
    screenshot(browser, site, "trajectory-refusal")

    # When the date is corrected and the form sent again
    form = browser.find_element(By.CSS_SELECTOR, "form.event-form")
    fill_intake(browser, form, referred_on + timedelta(days=2), first_time=False)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    # Then the intake is on the timeline, newest first, with its date and coach
    wait_for(browser, ".done[role=status]")
    latest = browser.find_element(By.CSS_SELECTOR, ".timeline li.event")
    assert latest.get_attribute("id") == "v2"
    assert "Intake afgerond" in latest.text
    assert (referred_on + timedelta(days=2)).strftime("%d/%m/%Y") in latest.text
    assert "Noor Dewitte" in latest.text
    assert site.service.trajectory(waiting).intake_on == referred_on + timedelta(days=2)

    # And the slider shows the state before it, at version 1
    browser.get(f"{browser.current_url.split('?')[0]}?version=1")
    assert "versie 1 van 2" in text(browser, "#state")
    screenshot(browser, site, "trajectory")


def fill_intake(
    browser: WebDriver, form: WebElement, on: date, first_time: bool = True
) -> None:
    set_date(browser, form.find_element(By.NAME, "on"), on)
    if not first_time:
        return  # the refused form kept the rest
    form.find_element(By.NAME, "coach").send_keys("Noor Dewitte")
    form.find_element(By.NAME, "rung").send_keys("3")
    Select(form.find_element(By.NAME, "labour_status")).select_by_value(
        "long_term_unemployed"
    )
    Select(form.find_element(By.NAME, "education_level")).select_by_value("isced_3_4")
    form.find_element(By.CSS_SELECTOR, "input[name=barriers][value=mobility]").click()
    form.find_element(By.CSS_SELECTOR, "input[name=disability][value=false]").click()
    form.find_element(By.NAME, "postcode").send_keys("9300")


def test_an_evaluator_sees_the_funnel_of_a_known_history_and_downloads_it(
    browser: WebDriver, site: Site
) -> None:
    # Given an evaluator signed in
    sign_in(browser, site, Role.EVALUATOR)

    # Then the outcomes open, with only the pages an evaluator may see
    assert browser.current_url.endswith("/ui/outcomes")
    links = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "header nav a")]
    assert links == ["Resultaten"]

    # And the funnel shows the known history's numbers, bar and table alike
    known = site.known
    expected = {
        "referrals": known.referrals,
        "intakes": known.intakes,
        "placed": known.placed,
        "competitive_employment": known.competitive,
        "sustained_employment_6m": known.sustained,
    }
    assert list(expected.values()) == [20, 16, 8, 4, 3]  # the history as built
    shown = {
        cell.get_attribute("data-figure"): int(cell.text)
        for cell in browser.find_elements(By.CSS_SELECTOR, "td[data-figure]")
    }
    assert shown == expected
    bars = browser.find_elements(By.CSS_SELECTOR, "svg.funnel text.value")
    assert [bar.text.split(" ")[0] for bar in bars] == ["20", "16", "8", "4", "3"]
    assert "80,0%" in bars[1].text  # 16 of 20 referrals, the Belgian way
    assert browser.find_elements(By.CSS_SELECTOR, "svg.lines polyline")
    screenshot(browser, site, "outcomes")

    # When they download the CSV
    browser.find_element(By.PARTIAL_LINK_TEXT, "CSV").click()
    path = site.downloads / f"outcomes-programme-{date.today().isoformat()}.csv"
    WebDriverWait(browser, 10).until(lambda _: path.exists())

    # Then it holds every figure of the programme
    rows = list(csv.DictReader(io.StringIO(downloaded(path))))
    assert [row["programme"] for row in rows] == [PROGRAMME]
    assert int(rows[0]["referrals"]) == known.referrals
    assert int(rows[0]["sustained_employment_6m"]) == known.sustained


def downloaded(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_an_auditor_verifies_every_history_and_reads_the_access_log(
    browser: WebDriver, site: Site
) -> None:
    # Given an auditor signed in, who opened a participant's trajectory
    sign_in(browser, site, Role.AUDITOR)
    trajectory_id, name = next(iter(site.known.participants.items()))
    browser.get(f"{site.url}/ui/trajectories/{trajectory_id}")
    wait_for(browser, ".timeline")
    assert not browser.find_elements(By.CSS_SELECTOR, "form.event-form")

    # When they verify every history
    browser.find_element(By.LINK_TEXT, "Audit").click()
    wait_for(browser, "#verification")
    browser.find_element(By.CSS_SELECTOR, "#verify-now button").click()

    # Then every chain holds
    wait_for(browser, "#verdict")
    verdict = text(browser, "#verdict")
    assert verdict.startswith("Ongeschonden."), verdict

    # And the access log shows their own read of the participant's data
    participant_id = site.service.trajectory(trajectory_id).participant_id
    field = browser.find_element(By.ID, "participant")
    field.send_keys(str(participant_id), Keys.ENTER)
    wait_for(browser, "table.access")
    reads = text(browser, "table.access tbody")
    assert "Ahmed Auditor" in reads
    assert "GET /ui/trajectories/{id}" in reads
    screenshot(browser, site, "audit")
    assert name  # the participant the test read


def test_the_pages_switch_to_english_and_back(browser: WebDriver, site: Site) -> None:
    # Given a coach signed in, on Dutch pages
    sign_in(browser, site, Role.STAFF)
    assert text(browser, "#trajectories").startswith("Lopende trajecten")

    # When they choose English
    browser.find_element(By.CSS_SELECTOR, "button[value=en]").click()

    # Then the same page speaks English, dates and all, and stays so
    wait_for(browser, "html[lang=en]")
    assert browser.current_url.endswith("/ui/caseload")
    assert text(browser, "#trajectories").startswith("Open trajectories")
    assert not BELGIAN_DATE.search(text(browser, "table.caseload"))
    browser.refresh()
    assert text(browser, "#trajectories").startswith("Open trajectories")
    screenshot(browser, site, "caseload-en")

    # When they choose Dutch again
    browser.find_element(By.CSS_SELECTOR, "button[value=nl]").click()
    wait_for(browser, "html[lang=nl]")
    assert text(browser, "#trajectories").startswith("Lopende trajecten")


def test_signing_out_clears_the_session(browser: WebDriver, site: Site) -> None:
    # Given a coach signed in
    sign_in(browser, site, Role.STAFF)
    assert any(c["name"] == "trajectory_session" for c in browser.get_cookies())

    # When they sign out
    browser.find_element(By.CSS_SELECTOR, "header form button.link:not([name])").click()
    wait_for(browser, "input#token")

    # Then the cookie is gone and a page sends them to sign in again
    assert not any(c["name"] == "trajectory_session" for c in browser.get_cookies())
    browser.get(f"{site.url}/ui/caseload")
    wait_for(browser, "input#token")
    assert "/ui/sign-in" in browser.current_url
    screenshot(browser, site, "sign-in")


def test_the_sign_in_page_is_usable_with_the_keyboard(
    browser: WebDriver, site: Site
) -> None:
    # Given the sign-in page: the token field, labelled, has the focus
    browser.get(f"{site.url}/ui/sign-in")
    wait_for(browser, "input#token")
    assert browser.switch_to.active_element.get_attribute("id") == "token"
    assert text(browser, "label[for=token]") == "Token"

    # When the keyboard goes back to the top of the page
    stops = []
    for _ in range(5):
        ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.TAB).perform()
        stops.append(browser.switch_to.active_element)
        if stops[-1].get_attribute("class") == "skip":
            break

    # Then it passes the language and the home link to the link that skips to the
    # content, the first stop, which shows when it has the focus
    assert [e.text for e in stops] == ["English", "trajectory", "Naar de inhoud"]
    assert stops[-1].location["x"] >= 0
    ActionChains(browser).key_up(Keys.SHIFT).perform()

    # And tabbing on reaches the token field, where Enter signs in
    for _ in stops:
        ActionChains(browser).send_keys(Keys.TAB).perform()
        if browser.switch_to.active_element.get_attribute("id") == "token":
            break
    active = browser.switch_to.active_element
    assert active.get_attribute("id") == "token"
    active.send_keys(site.tokens[Role.STAFF], Keys.ENTER)
    wait_for(browser, "table.caseload")
    assert ORGANISATION in text(browser, "header")
