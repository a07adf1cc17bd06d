"""The pages in a real browser: what a coach, an evaluator and an auditor do."""

import re
from datetime import date
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from application.access import Role
from application.projections.outcomes.queries import last_month_end
from tests.interfaces.web.conftest import COACHES
from tests.interfaces.web.conftest import ORGANISATION
from tests.interfaces.web.conftest import PROGRAMME
from tests.interfaces.web.conftest import Site
from tests.interfaces.web.conftest import screenshot
from tests.interfaces.web.conftest import sign_in
from tests.interfaces.web.conftest import wait_for

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
    assert COACHES[1] in latest.text
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
    Select(form.find_element(By.NAME, "coach_id")).select_by_visible_text(COACHES[1])
    form.find_element(By.NAME, "rung").send_keys("3")
    Select(form.find_element(By.NAME, "labour_status")).select_by_value(
        "long_term_unemployed"
    )
    Select(form.find_element(By.NAME, "education_level")).select_by_value("isced_3_4")
    form.find_element(By.CSS_SELECTOR, "input[name=barriers][value=mobility]").click()
    form.find_element(By.CSS_SELECTOR, "input[name=disability][value=false]").click()
    form.find_element(By.NAME, "postcode").send_keys("9300")


# Every text of a chart, as the browser laid it out: its box on the page.
TEXT_BOXES = """
return Array.from(arguments[0].querySelectorAll("text")).map(t => {
  const r = t.getBoundingClientRect();
  return [t.textContent, r.left, r.top, r.right, r.bottom];
});
"""


def overlapping(boxes: list[list[Any]]) -> list[tuple[str, str]]:
    """The pairs of texts whose boxes, as drawn, overlap by more than a pixel."""
    return [
        (a[0], b[0])
        for n, a in enumerate(boxes)
        for b in boxes[n + 1 :]
        if a[1] < b[3] - 1 and b[1] < a[3] - 1 and a[2] < b[4] - 1 and b[2] < a[4] - 1
    ]


def test_an_evaluator_reads_the_outcomes_in_dutch_and_downloads_both_files(
    browser: WebDriver, site: Site
) -> None:
    # Given an evaluator signed in, in a browser that asks for Dutch
    sign_in(browser, site, Role.EVALUATOR)

    # Then the outcomes open, in Dutch, with only the pages an evaluator may see
    assert browser.current_url.endswith("/ui/outcomes")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "nl"
    links = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "header nav a")]
    assert links == ["Resultaten", "Programma's"]
    day = last_month_end(date.today())
    assert day.strftime("%d/%m/%Y") in text(browser, ".lead")

    # And the funnel shows the known history's numbers as of the month's end, a
    # count under 5 withheld ("<5"), and the referrals too (x), as the 4 not taken
    # in would be the referrals less the intakes; bar and table alike
    known = site.known
    assert [known.referrals, known.intakes, known.placed, known.competitive] == [
        20,
        16,
        8,
        4,
    ]  # the history as built, all of it before the last month's end
    shown = {
        cell.get_attribute("data-figure"): cell.text
        for cell in browser.find_elements(By.CSS_SELECTOR, "td[data-figure]")
    }
    assert shown == {
        "referrals": "x",
        "intakes": "16",
        "placed": "8",
        "competitive_employment": "<5",
    }
    bars = browser.find_elements(By.CSS_SELECTOR, ".chart-wide svg.funnel text.value")
    assert [bar.text.split(" ")[0] for bar in bars] == ["x", "16", "8", "<5"]
    placed = browser.find_element(By.CSS_SELECTOR, 'li[data-figure="placement_rate"]')
    assert "50,0%" in placed.text  # 8 of 16, the Belgian way
    assert "8 van 16 trajecten met een intake" in placed.text

    # And no text of a chart overlaps another as the browser drew them
    for chart in browser.find_elements(By.CSS_SELECTOR, ".chart-wide svg.chart"):
        boxes = browser.execute_script(TEXT_BOXES, chart)
        assert boxes and overlapping(boxes) == []

    # And every figure has its definition, with its numerator and denominator
    definition = browser.find_element(By.ID, "def-intake_rate")
    assert "Teller: Intakes" in definition.text
    assert "Noemer: Toeleidingen" in definition.text
    screenshot(browser, site, "outcomes")

    # When they download the workbook of these figures
    browser.find_element(By.CSS_SELECTOR, 'a[data-download="xlsx"]').click()
    book_path = site.downloads / f"outcomes-programme-{day.isoformat()}.xlsx"
    WebDriverWait(browser, 10).until(lambda _: book_path.exists())

    # Then it holds the page's figures, labelled in Dutch, the small count withheld
    book = load_workbook(book_path)
    assert book.sheetnames[0] == "Alle trajecten"
    sheet = book["Alle trajecten"]
    header = [cell.value for cell in sheet[1]]
    first = next(sheet.iter_rows(min_row=2, values_only=True))
    values = dict(zip(header, first, strict=True))
    assert values["Toeleidingen"] == "x"
    assert values["Intakes"] == known.intakes
    assert values["Betaald regulier werk"] == "<5"
    assert values["Plaatsingsgraad"] == pytest.approx(known.placed / known.intakes)

    # When they ask for the funder's report of the year most intakes fell in
    year = str((date.today() - timedelta(days=450)).year)
    form = browser.find_element(By.CSS_SELECTOR, "form.esf")
    Select(form.find_element(By.NAME, "programme")).select_by_value(PROGRAMME)
    Select(form.find_element(By.NAME, "period")).select_by_value(year)
    form.find_element(By.CSS_SELECTOR, 'button[data-download="esf-xlsx"]').click()
    report_path = site.downloads / f"esf-{PROGRAMME}-{year}-{day.isoformat()}.xlsx"
    WebDriverWait(browser, 10).until(lambda _: report_path.exists())

    # Then the report opens, in Dutch, each indicator with what it is counted from
    report = load_workbook(report_path)
    assert report.sheetnames[:2] == ["ESF+-indicatoren", "Niet geregistreerd"]
    rows = list(report["ESF+-indicatoren"].iter_rows(values_only=True))
    assert rows[0][0] == "Indicator" and "Vrouwen" in rows[0]
    assert any(row[0] == "totaal aantal deelnemers" for row in rows[1:])


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
