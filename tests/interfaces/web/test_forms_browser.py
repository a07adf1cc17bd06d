"""Forms that help, in a real browser: a refused form lands on its refusal with the
focus on it (by its address, with the script or without), the browser's own checks
name every field at once before anything is sent, and a correction shows the input
of the field it corrects (without the script: every input)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select

from application.access import Role
from domain.vocabulary import Stage
from tests.interfaces.web.conftest import CHROMEDRIVER
from tests.interfaces.web.conftest import CHROMIUM
from tests.interfaces.web.conftest import CHROMIUM_FLAGS
from tests.interfaces.web.conftest import COACHES
from tests.interfaces.web.conftest import Site
from tests.interfaces.web.conftest import screenshot
from tests.interfaces.web.conftest import sign_in
from tests.interfaces.web.conftest import wait_for
from tests.interfaces.web.test_browser import set_date

pytestmark = [pytest.mark.postgres, pytest.mark.browser]


def open_form(browser: WebDriver, site: Site, trajectory_id: UUID, event: str) -> None:
    browser.get(f"{site.url}/ui/trajectories/{trajectory_id}?record={event}#record")
    wait_for(browser, "form.event-form")


def the_form(browser: WebDriver) -> WebElement:
    return browser.find_element(By.CSS_SELECTOR, "form.event-form")


def fill_intake(browser: WebDriver, site: Site, trajectory_id: UUID) -> None:
    """An intake every check lets through but the domain's: dated before the
    referral."""
    form = the_form(browser)
    referred_on = site.service.trajectory(trajectory_id).referred_on
    set_date(browser, form.find_element(By.NAME, "on"), referred_on - timedelta(3))
    Select(form.find_element(By.NAME, "coach_id")).select_by_visible_text(COACHES[0])
    form.find_element(By.NAME, "rung").send_keys("3")
    Select(form.find_element(By.NAME, "labour_status")).select_by_value("inactive")
    Select(form.find_element(By.NAME, "education_level")).select_by_value("isced_3_4")
    form.find_element(By.CSS_SELECTOR, "input[name=disability][value=true]").click()
    form.find_element(By.NAME, "postcode").send_keys("9300")


def in_view(browser: WebDriver, element: WebElement) -> bool:
    return bool(
        browser.execute_script(
            "const r = arguments[0].getBoundingClientRect();"
            "return r.top >= 0 && r.top < window.innerHeight;",
            element,
        )
    )


def active(site: Site) -> UUID:
    """A trajectory of the known history after its intake, still running."""
    return next(
        tid
        for tid in site.known.participants
        if site.service.trajectory(tid).stage is Stage.ACTIVE
    )


def test_a_refused_form_lands_on_its_refusal_with_the_focus(
    browser: WebDriver, site: Site
) -> None:
    # Given a coach at the intake form of a trajectory waiting for it
    sign_in(browser, site, Role.STAFF)
    waiting = site.known.waiting_for_intake[0]
    open_form(browser, site, waiting, "IntakeCompleted")

    # When they send an intake dated before the referral
    fill_intake(browser, site, waiting)
    the_form(browser).find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, "#refusal[role=alert]")

    # Then the page lands on the refusal, which has the focus
    refusal = browser.find_element(By.ID, "refusal")
    assert browser.current_url.endswith("#refusal")
    assert browser.switch_to.active_element == refusal
    assert in_view(browser, refusal)
    assert browser.execute_script("return window.scrollY") > 0  # not the top
    assert "verwijzing" in refusal.text or "toeleiding" in refusal.text
    assert site.service.trajectory(waiting).version == 1
    screenshot(browser, site, "form-refusal")


@pytest.fixture
def without_script(site: Site) -> Iterator[WebDriver]:
    """A Chromium that runs no script."""
    os.environ.setdefault("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs", {"profile.managed_default_content_settings.javascript": 2}
    )
    driver = webdriver.Chrome(options=options, service=DriverService(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def test_without_the_script_the_refusal_is_in_view_by_its_address(
    without_script: WebDriver, site: Site
) -> None:
    # Given a coach whose browser runs no script, at a form the domain refuses: a
    # resumption of a trajectory that waits for its intake
    browser = without_script
    sign_in(browser, site, Role.STAFF)
    open_form(browser, site, active(site), "EntryProfileCorrected")
    alternatives = browser.find_elements(By.CSS_SELECTOR, ".alternative")
    assert all(a.is_displayed() for a in alternatives)  # no script hid any
    waiting = site.known.waiting_for_intake[1]
    open_form(browser, site, waiting, "TrajectoryResumed")
    Select(the_form(browser).find_element(By.NAME, "reason")).select_by_index(1)

    # When they send it
    the_form(browser).find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, "#refusal[role=alert]")

    # Then the page opens at the refusal all the same, and its address gives the
    # refusal the focus
    assert browser.current_url.endswith("#refusal")
    refusal = browser.find_element(By.ID, "refusal")
    assert browser.switch_to.active_element == refusal
    assert in_view(browser, refusal)
    assert browser.execute_script("return window.scrollY") > 0


def test_the_browser_names_every_field_it_refuses_before_sending(
    browser: WebDriver, site: Site
) -> None:
    # Given a coach at the intake form
    sign_in(browser, site, Role.STAFF)
    waiting = site.known.waiting_for_intake[2]
    open_form(browser, site, waiting, "IntakeCompleted")
    form = the_form(browser)
    address = browser.current_url

    # When they give a rung off the ladder and a postcode with letters, and no date
    fill_intake(browser, site, waiting)
    form.find_element(By.NAME, "rung").clear()
    form.find_element(By.NAME, "rung").send_keys("9")
    form.find_element(By.NAME, "postcode").clear()
    form.find_element(By.NAME, "postcode").send_keys("93OO")
    browser.execute_script("arguments[0].value = ''", form.find_element(By.NAME, "on"))
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    # Then nothing is sent, and the browser's checks name the three at once
    summary = browser.find_element(By.ID, "refusal")
    assert summary.is_displayed()
    assert [a.text for a in summary.find_elements(By.TAG_NAME, "a")] == [
        "Datum: Vul dit in.",
        "Trede participatieladder: Dit getal is te groot.",
        "Postcode: Dit heeft niet de juiste vorm.",
    ]
    for name in ("on", "rung", "postcode"):
        field = form.find_element(By.NAME, name)
        assert field.get_attribute("aria-invalid") == "true"
    rung = form.find_element(By.NAME, "rung")
    assert browser.execute_script("return arguments[0].validity.rangeOverflow", rung)
    assert browser.current_url == address
    assert site.service.trajectory(waiting).version == 1
    screenshot(browser, site, "form-browser-checks")


def test_a_correction_shows_the_input_of_the_field_it_corrects(
    browser: WebDriver, site: Site
) -> None:
    # Given a coach at the correction form of a running trajectory
    sign_in(browser, site, Role.STAFF)
    trajectory_id = active(site)
    open_form(browser, site, trajectory_id, "EntryProfileCorrected")
    form = the_form(browser)
    alternatives = form.find_elements(By.CSS_SELECTOR, ".alternative")
    assert len(alternatives) == 6
    assert not any(a.is_displayed() for a in alternatives)

    # When they choose to correct the disability
    Select(form.find_element(By.NAME, "field")).select_by_value("disability")

    # Then only its yes and no show
    shown = [a.get_attribute("data-when") for a in alternatives if a.is_displayed()]
    assert shown == ["disability"]
    before = site.service.trajectory(trajectory_id).disability

    # And the correction is recorded with the chosen value
    answer = "false" if before else "true"
    form.find_element(
        By.CSS_SELECTOR, f"input[name='value.disability'][value={answer}]"
    ).click()
    form.find_element(By.NAME, "reason").send_keys("the intake form was misread")
    screenshot(browser, site, "form-correction")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, ".done[role=status]")
    assert site.service.trajectory(trajectory_id).disability is (not before)
