"""An admin imports a file in Chromium: a check first (the page's default), followed
to its result with a refused trajectory named by row and column, then the same file
for real; the good trajectory is stored whole, the refused one not at all."""

from datetime import date
from datetime import timedelta
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from application.access import Role
from tests.interfaces.web.conftest import ORGANISATION
from tests.interfaces.web.conftest import PROGRAMME
from tests.interfaces.web.conftest import Site
from tests.interfaces.web.conftest import screenshot
from tests.interfaces.web.conftest import sign_in
from tests.interfaces.web.conftest import wait_for
from tests.interfaces.web.conftest import wait_until_replaced

RESULT = "section[aria-labelledby=result]"
HEADER = (
    "trajectory;event;given_name;family_name;birth_date;gender;organisation;"
    "programme;referral_source;on;coach;rung;labour_status;education_level;"
    "disability;postcode"
)


def day(days_ago: int) -> str:
    return (date.today() - timedelta(days=days_ago)).strftime("%d/%m/%Y")


def rows(reference: str, given: str, intake_days_ago: int) -> list[str]:
    person = f"{given};Van Import;14/03/1990;F;{ORGANISATION};{PROGRAMME};vdab"
    return [
        f"{reference};ReferralReceived;{person};{day(200)};;;;;;",
        f"{reference};Intake afgerond;;;;;;;;{day(intake_days_ago)};Hilde Peeters;"
        "3;Werkzoekend;Laaggeschoold (ISCED 0-2);nee;9300",
    ]


def result_of(browser: WebDriver) -> str:
    """The result's words, as the page holds them (read whole, not as painted)."""
    section = browser.find_element(By.CSS_SELECTOR, RESULT)
    return " ".join((section.get_attribute("textContent") or "").split())


def stored_named(site: Site, family: str) -> int:
    return sum(
        1
        for history in site.service.histories_of(ORGANISATION, personal_data=True)
        if history.participant and history.participant.family_name == family
    )


def test_an_admin_checks_a_file_then_imports_it_for_real(
    browser: WebDriver, site: Site, tmp_path: Path
) -> None:
    # Given a file with a good trajectory and one whose intake is before its referral
    lines = [HEADER, *rows("A-1", "Ada", 190), *rows("A-2", "Bea", 210)]
    file = tmp_path / "dossiers.csv"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, secret = site.service.tokens.create(role=Role.ADMIN, name="Annelies Admin")
    site.tokens[Role.ADMIN] = secret

    # When an admin sends it from the import page, as the page offers: a check
    sign_in(browser, site, Role.ADMIN)
    browser.find_element(By.LINK_TEXT, "Import").click()
    wait_for(browser, "input#file")
    assert browser.find_element(By.ID, "dry_run").is_selected()
    browser.find_element(By.ID, "file").send_keys(str(file))
    screenshot(browser, site, "import")
    browser.find_element(By.CSS_SELECTOR, "form.stacked button[type=submit]").click()

    # Then the check's result names the refused trajectory by row and column, in
    # Dutch, and nothing is stored
    wait_for(browser, RESULT, timeout=30)
    result = result_of(browser)
    assert "Proefimport: er is niets bewaard." in result
    assert "Nieuwe trajecten: 1" in result and "Geweigerde trajecten: 1" in result
    problem = browser.find_element(By.CSS_SELECTOR, "table.import-problems tbody tr")
    cells = [c.text for c in problem.find_elements(By.CSS_SELECTOR, "th, td")]
    assert cells[:3] == ["A-2", "5", "Datum"]  # the column, in words
    assert "valt vóór de verwijzing" in cells[3]
    assert stored_named(site, "Van Import") == 0
    screenshot(browser, site, "import-checked")

    # When they import the same file for real
    checked = browser.find_element(By.CSS_SELECTOR, RESULT)
    browser.find_element(By.CSS_SELECTOR, f"{RESULT} form button").click()
    wait_until_replaced(browser, checked, 30)  # the check's page gone
    wait_for(browser, RESULT, timeout=30)

    # Then the good trajectory is stored, and the refused one not at all
    result = result_of(browser)
    assert "Geïmporteerd." in result and "Nieuwe trajecten: 1" in result
    assert stored_named(site, "Van Import") == 1
    screenshot(browser, site, "import-done")
