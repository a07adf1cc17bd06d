"""Accessibility, WCAG 2.1 AA, in a real browser: axe-core on every page for every
role that can see it, in Dutch and in English, at 1280 px and at 320 px, in the
states that matter (empty lists, filters, refused forms of each kind, error pages);
reflow at 320 px from the page's geometry; the language of each part.

One site for the module (what a state records is refused or harmless to the others)
and one browser per role and language."""

from __future__ import annotations

import os
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from uuid import uuid4

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from application.access import Role
from domain.commands import HoldGroupSession
from domain.commands import RegisterParticipant
from domain.commands import RegisterProgramme
from domain.vocabulary import Gender
from domain.vocabulary import SessionMode
from domain.vocabulary import SessionSetting
from domain.vocabulary import Stage
from tests.conftest import IN_CI
from tests.interfaces.web.a11y import AXE
from tests.interfaces.web.a11y import Findings
from tests.interfaces.web.a11y import axe_source
from tests.interfaces.web.a11y import check_state
from tests.interfaces.web.a11y import set_width
from tests.interfaces.web.conftest import COACHES
from tests.interfaces.web.conftest import NAMES
from tests.interfaces.web.conftest import ORGANISATION
from tests.interfaces.web.conftest import PROGRAMME
from tests.interfaces.web.conftest import Site
from tests.interfaces.web.conftest import chromium_driver
from tests.interfaces.web.conftest import serving
from tests.interfaces.web.conftest import sign_in
from tests.interfaces.web.conftest import wait_for
from tests.interfaces.web.conftest import wait_until_replaced

pytestmark = [pytest.mark.postgres, pytest.mark.browser]

NOTE = "Sollicitatietraining in groep: cv herwerkt en een gesprek geoefend."
LANGUAGE_COOKIE = "trajectory_language"


@dataclass
class A11ySite:
    site: Site
    active: list[UUID]  # trajectories after their intake, still running
    group_session: UUID
    participant: UUID  # of the first trajectory
    findings: dict[str, Findings]
    landing: list[str] = field(default_factory=list)  # refusals out of view


@pytest.fixture(scope="module")
def a11y(
    chromium: None, postgres_server: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[A11ySite]:
    if not AXE.exists():
        problem = f"{AXE} missing: `make axe` installs it"
        if IN_CI:
            pytest.fail(f"CI=true needs axe-core: {problem}")
        pytest.skip(problem)
    with serving(postgres_server, tmp_path_factory) as site:
        service = site.service
        site.tokens[Role.ADMIN] = service.tokens.create(
            role=Role.ADMIN, name="Ada Admin"
        )[1]
        active = [
            tid
            for tid in site.known.participants
            if service.trajectory(tid).stage is Stage.ACTIVE
        ]
        group = service.hold_group_session(
            HoldGroupSession(
                trajectory_ids=active[:3],
                on=date.today() - timedelta(days=1),
                minutes=90,
                mode=SessionMode.JOB_WORKSHOP,
                setting=SessionSetting.OFFICE,
                note=NOTE,
            ),
            recorded_by=COACHES[0],
            within=ORGANISATION,
        )
        first = next(iter(site.known.participants))
        yield A11ySite(
            site,
            active,
            group.id,
            service.trajectory(first).participant_id,
            {},
        )


Go = Callable[[WebDriver, A11ySite], None]


def visit(path: str, ready: str = "main h1") -> Go:
    def go(driver: WebDriver, a: A11ySite) -> None:
        driver.get(a.site.url + path.format(a=a))
        wait_for(driver, ready)

    return go


def fill(driver: WebDriver, form_css: str, values: dict[str, str]) -> None:
    """Sets the form's fields by name, as typed (radios and boxes: checked)."""
    driver.execute_script(
        """
        const form = document.querySelector(arguments[0]);
        for (const [name, value] of Object.entries(arguments[1])) {
          for (const field of form.querySelectorAll(`[name="${name}"]`)) {
            if (field.type === "radio" || field.type === "checkbox") {
              field.checked = field.value === value || value === "*";
            } else if (field.tagName === "SELECT" && value === "*") {
              field.value = [...field.options].find((o) => o.value).value;
            } else {
              field.value = value;
            }
          }
        }
        """,
        form_css,
        values,
    )


def send(driver: WebDriver, form_css: str, *, checks: bool = False) -> None:
    """Sends the form; without the browser's own checks unless ``checks``, so that
    the server's refusal shows."""
    if not checks:
        driver.execute_script(
            "document.querySelector(arguments[0]).noValidate = true", form_css
        )
    driver.find_element(By.CSS_SELECTOR, f"{form_css} button[type=submit]").click()


# An error page of a signed-in reader: their header (pages, who they are) and a way
# back.
ERROR_PAGE = """
const nav = document.querySelector("header nav a");
const back = [...document.querySelectorAll("main a")].some((a) => a.href);
return [Boolean(nav), back, Boolean(document.querySelector("header .who"))];
"""

# Where the focus is after a refused form, and whether the refusal shows: the
# refusal itself (or the first field it marks) has the focus, in view.
LANDED = """
const refusal = document.querySelector(".refusal:not([hidden])");
const focused = document.activeElement;
const r = refusal.getBoundingClientRect();
const inView = r.top >= 0 && r.top < window.innerHeight;
const onIt = focused === refusal || focused.getAttribute("aria-invalid") === "true";
return [inView, onIt, focused.tagName + "#" + focused.id];
"""


def landed(driver: WebDriver, a: A11ySite, name: str) -> None:
    wait_for(driver, ".refusal:not([hidden])")
    in_view, on_it, focused = driver.execute_script(LANDED)
    if not (in_view and on_it):
        a.landing.append(f"{name}: refusal in view {in_view}, focus on {focused}")


def pointing(driver: WebDriver, a: A11ySite, name: str, field: str) -> None:
    """A domain rule's refusal marks its field, described by the refusal's words."""
    element = driver.find_element(By.NAME, field)
    described = element.get_attribute("aria-describedby") or ""
    problem = [
        driver.find_element(By.ID, i).text for i in described.split() if "problem" in i
    ]
    reason = driver.find_element(By.CSS_SELECTOR, "#refusal .reason").text
    if element.get_attribute("aria-invalid") != "true" or reason not in problem:
        a.landing.append(f"{name}: {field} not marked by the refusal ({described!r})")


def refused(
    form: str,
    values: dict[str, str],
    path: str,
    checks: bool = False,
    field: str | None = None,
) -> Go:
    def go(driver: WebDriver, a: A11ySite) -> None:
        visit(path)(driver, a)
        fill(driver, form, values)
        send(driver, form, checks=checks)
        landed(driver, a, path)
        if field:
            pointing(driver, a, path, field)

    return go


def record(
    event: str,
    values: dict[str, str],
    which: str = "waiting",
    field: str | None = None,
) -> Go:
    """An event form of a trajectory, sent with ``values`` and refused."""

    def go(driver: WebDriver, a: A11ySite) -> None:
        tid = a.site.known.waiting_for_intake[0] if which == "waiting" else a.active[0]
        visit(f"/ui/trajectories/{tid}?record={event}#record")(driver, a)
        fill(driver, "form.event-form", values)
        send(driver, "form.event-form", checks=values.get("checks") == "yes")
        landed(driver, a, event)
        if field:
            pointing(driver, a, event, field)

    return go


def stale(driver: WebDriver, a: A11ySite) -> None:
    """A form whose token is not the session's: the error page (403)."""
    visit("/ui/trajectories/{a.active[0]}?record=SessionHeld#record")(driver, a)
    fill(driver, "form.event-form", {"csrf": "0" * 64})
    send(driver, "form.event-form")
    wait_for(driver, "main h1")


def verified(driver: WebDriver, a: A11ySite) -> None:
    visit("/ui/audit")(driver, a)
    before = driver.find_element(By.TAG_NAME, "main")
    driver.find_element(By.CSS_SELECTOR, "#verify-now button").click()
    # The audit page may show an earlier verdict: wait for the answer's page first.
    wait_until_replaced(driver, before, 30)
    wait_for(driver, "#verdict")


def registered_twice(driver: WebDriver, a: A11ySite) -> None:
    """A registration of someone registered already: who it may be."""
    visit("/ui/participants/new")(driver, a)
    given, family = NAMES[0]
    fill(
        driver,
        "form.stacked",
        {
            "given_name": given,
            "family_name": family,
            "birth_date": date(1990, 1, 1).isoformat(),
            "gender": "F",
        },
    )
    send(driver, "form.stacked")
    wait_for(driver, ".refusal:not([hidden])")


TODAY = date.today()
LATER = (TODAY + timedelta(days=30)).isoformat()


def uploaded(content: str, ready: str) -> Go:
    """A file sent from the import page (a check, the page's default)."""

    def go(driver: WebDriver, a: A11ySite) -> None:
        visit("/ui/import", "input#file")(driver, a)
        file = a.site.downloads / "a11y-import.csv"
        file.write_text(content, encoding="utf-8")
        driver.find_element(By.ID, "file").send_keys(str(file))
        driver.find_element(By.CSS_SELECTOR, "form.stacked button").click()
        wait_for(driver, ready, timeout=30)

    return go


def _referral_first_row(days_ago: int) -> str:
    day = (TODAY - timedelta(days=days_ago)).isoformat()
    return (
        "trajectory;event;given_name;family_name;birth_date;gender;organisation;"
        "programme;referral_source;on\n"
        f"X-1;ReferralReceived;Ada;Van Import;1990-03-14;F;{ORGANISATION};"
        f"{PROGRAMME};vdab;{day}\nX-1;Intake afgerond;;;;;;;;{day}\n"
    )


EVERYONE: list[tuple[str, Go]] = [
    ("programmes", visit("/ui/programmes")),
    ("programme", visit(f"/ui/programmes/{PROGRAMME}")),
    ("programme unknown (404)", visit("/ui/programmes/NO-SUCH")),
    ("no such page (404)", visit("/ui/no-such-page")),
    ("outcomes", visit("/ui/outcomes")),
]
READERS: list[tuple[str, Go]] = [
    ("caseload", visit("/ui/caseload")),
    ("caseload filtered", visit("/ui/caseload?alert=red")),
    ("caseload empty", visit("/ui/caseload?programme=NO-SUCH")),
    ("to do", visit("/ui/todo")),
    ("find", visit("/ui/participants")),
    ("find found", visit(f"/ui/participants?q={NAMES[1][1]}")),
    ("find none", visit("/ui/participants?q=Zzyzx")),
    ("find refused", visit("/ui/participants?q=x&page=0")),
    ("participant", visit("/ui/participants/{a.participant}")),
    ("trajectories", visit("/ui/trajectories")),
    ("trajectories filtered", visit("/ui/trajectories?stage=active")),
    ("trajectories empty", visit("/ui/trajectories?stage=completed&programme=NO")),
    ("trajectory", visit("/ui/trajectories/{a.active[0]}")),
    ("trajectory version", visit("/ui/trajectories/{a.active[0]}?version=1")),
    (
        "trajectory on a date",
        visit(
            "/ui/trajectories/{a.active[0]}?as_of="
            + (TODAY - timedelta(400)).isoformat()
        ),
    ),
    ("trajectory unknown (404)", visit(f"/ui/trajectories/{uuid4()}")),
    ("group session", visit("/ui/group-sessions/{a.group_session}")),
    ("coaches", visit("/ui/coaches")),
    ("outcomes grouped", visit("/ui/outcomes?group_by=gender&period=year&last=all")),
]
STAFF: list[tuple[str, Go]] = [
    ("register", visit("/ui/participants/new")),
    (
        "register refused: missing fields",
        refused("form.stacked", {}, "/ui/participants/new"),
    ),
    ("register refused: a duplicate", registered_twice),
    ("refer", visit("/ui/participants/{a.participant}/refer")),
    (
        "refer refused",
        refused(
            "form.stacked",
            {"on": LATER, "referral_source": "*", "programme": "*"},
            "/ui/participants/{a.participant}/refer",
            field="on",
        ),
    ),
    ("group session form", visit("/ui/group-sessions/new")),
    (
        "group session refused",
        refused(
            "form.stacked",
            {
                "trajectory_ids": "*",
                "on": LATER,
                "minutes": "60",
                "mode": "group",
                "setting": "*",
            },
            "/ui/group-sessions/new",
            field="on",
        ),
    ),
    (
        "intake form",
        visit(
            "/ui/trajectories/{a.site.known.waiting_for_intake[0]}"
            "?record=IntakeCompleted#record"
        ),
    ),
    (
        "intake refused: a domain rule",
        record(
            "IntakeCompleted",
            {
                "on": (TODAY - timedelta(days=700)).isoformat(),
                "coach_id": "*",
                "rung": "3",
                "labour_status": "inactive",
                "education_level": "isced_3_4",
                "disability": "true",
                "postcode": "9300",
            },
            field="on",
        ),
    ),
    ("intake refused: missing fields", record("IntakeCompleted", {"on": ""})),
    (
        "intake refused: browser checks",
        record("IntakeCompleted", {"rung": "9", "postcode": "93OO", "checks": "yes"}),
    ),
    (
        "session refused: a domain rule",
        record(
            "SessionHeld",
            {"on": LATER, "minutes": "60", "mode": "individual", "setting": "*"},
            which="active",
            field="on",
        ),
    ),
    ("resumption refused: the state", record("TrajectoryResumed", {"reason": "other"})),
    (
        "correction form",
        visit("/ui/trajectories/{a.active[0]}?record=EntryProfileCorrected#record"),
    ),
    (
        "session refused: changed meanwhile (409)",
        record(
            "SessionHeld",
            {
                "expected_version": "1",
                "minutes": "60",
                "mode": "individual",
                "setting": "*",
            },
            which="active",
        ),
    ),
    ("stale form (403)", stale),
    ("audit (403)", visit("/ui/audit")),
]
AUDITOR: list[tuple[str, Go]] = [
    ("audit", visit("/ui/audit")),
    ("audit verified", verified),
    ("audit access log", visit("/ui/audit?participant={a.participant}")),
    ("audit access log empty", visit(f"/ui/audit?participant={uuid4()}")),
    ("register (403)", visit("/ui/participants/new")),
]
EVALUATOR: list[tuple[str, Go]] = [
    ("outcomes by province", visit("/ui/outcomes?group_by=province")),
    ("caseload (403)", visit("/ui/caseload")),
]
ADMIN: list[tuple[str, Go]] = [
    ("import", visit("/ui/import")),
    ("import refused", uploaded("trajectory;event\nT1;=1+1\n", ".refusal")),
    (
        "import checked, with problems",
        uploaded(_referral_first_row(30), "table.import-problems"),
    ),
    ("coaches", visit("/ui/coaches")),
    ("coach refused", refused("#register ~ form", {"name": ""}, "/ui/coaches")),
    (
        "programme period refused",
        refused(
            "#change ~ form",
            {"ends_on": "2000-01-01", "reason": "Nieuwe beslissing van de financier"},
            f"/ui/programmes/{PROGRAMME}",
            field="ends_on",
        ),
    ),
    ("audit", visit("/ui/audit")),
    ("caseload (403)", visit("/ui/caseload")),
]
STATES: dict[Role, list[tuple[str, Go]]] = {
    Role.STAFF: EVERYONE + READERS + STAFF,
    Role.AUDITOR: EVERYONE + READERS + AUDITOR,
    Role.EVALUATOR: EVERYONE + EVALUATOR,
    Role.ADMIN: EVERYONE + ADMIN,
}


def signed_out(driver: WebDriver, a: A11ySite) -> list[tuple[str, Go]]:
    return [
        ("sign in", visit("/ui/sign-in", "input#token")),
        (
            "sign in refused",
            refused("form.stacked", {"token": "not-a-token"}, "/ui/sign-in"),
        ),
    ]


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(
    "role", [*STATES, None], ids=lambda r: r.value if r else "signed-out"
)
def test_every_page_state_meets_wcag_2_1_aa(
    a11y: A11ySite, role: Role | None, language: str
) -> None:
    site = a11y.site
    source = axe_source()
    findings = Findings()
    with chromium_driver(site.downloads) as driver:
        driver.get(f"{site.url}/ui/sign-in")
        driver.add_cookie({"name": LANGUAGE_COOKIE, "value": language, "path": "/ui"})
        states = signed_out(driver, a11y)
        if role is not None:
            sign_in(driver, site, role)
            states = STATES[role]
        for name, go in states:
            go(driver, a11y)
            check_state(driver, source, findings, name, language)
            if role is not None and ("(403)" in name or "(404)" in name):
                nav, back, who = driver.execute_script(ERROR_PAGE)
                if not (nav and back and who):
                    findings.layout.append(f"{name}: header {nav}, {who}; back {back}")
            if name == "trajectory" and language != "nl":
                note = driver.find_element(
                    By.XPATH, f"//dd[contains(., '{NOTE[:20]}')]"
                )
                if note.get_attribute("lang") != "nl":
                    findings.language.append(f"{name}: the note is not lang=nl")
    a11y.findings[f"{role.value if role else 'signed-out'}-{language}"] = findings
    if os.environ.get("TRAJECTORY_A11Y_REPORT"):
        print(f"\n{findings.states} states; best practice: {findings.best_practice}")
    problems = findings.problems() + a11y.landing
    a11y.landing.clear()
    assert not problems, "\n".join(problems)


def break_a_chain(site: Site, trajectory_id: UUID) -> None:
    """A stored event changed behind the service's back."""
    recorder: Any = site.service.recorder
    datastore = recorder.datastore
    table = f'"{datastore.schema}".{recorder.events_table_name}'
    with datastore.transaction(commit=True) as cursor:
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(
            f"UPDATE {table} SET state = %s WHERE originator_id = %s",
            (b"changed behind the service's back", trajectory_id),
        )
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def test_a_broken_chain_on_the_audit_page_meets_wcag_2_1_aa_in_both_languages(
    chromium: None, postgres_server: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Given an auditor, and a history changed behind the service's back
    source = axe_source()
    findings = Findings()
    with serving(postgres_server, tmp_path_factory) as site:
        break_a_chain(site, next(iter(site.known.participants)))
        with chromium_driver(site.downloads) as driver:
            sign_in(driver, site, Role.AUDITOR)
            for language in ("nl", "en"):
                driver.add_cookie(
                    {"name": LANGUAGE_COOKIE, "value": language, "path": "/ui"}
                )
                # When they verify every history
                driver.get(f"{site.url}/ui/audit")
                wait_for(driver, "#verify-now")
                before = driver.find_element(By.TAG_NAME, "main")
                driver.find_element(By.CSS_SELECTOR, "#verify-now button").click()
                # The page may show the first language's verdict until it is replaced.
                wait_until_replaced(driver, before, 30)
                wait_for(driver, "#verdict.broken")

                # Then the verdict has the focus, in view, and the page passes
                verdict = driver.find_element(By.ID, "verdict")
                assert driver.switch_to.active_element == verdict
                check_state(driver, source, findings, "audit broken", language)
                reason = driver.find_element(By.CSS_SELECTOR, "#verdict + div td + td")
                assert "version" not in reason.text or language == "en"
    assert findings.states == 4
    assert not findings.problems(), "\n".join(findings.problems())


def test_a_status_message_is_in_view_with_the_focus_at_a_phone_s_width(
    a11y: A11ySite,
) -> None:
    site = a11y.site
    with chromium_driver(site.downloads) as driver:
        set_width(driver, 320)
        sign_in(driver, site, Role.STAFF)
        # Given a coach at a session form on a phone
        tid = a11y.active[1]
        driver.get(f"{site.url}/ui/trajectories/{tid}?record=SessionHeld#record")
        wait_for(driver, "form.event-form")
        fill(
            driver,
            "form.event-form",
            {"minutes": "45", "mode": "individual", "setting": "*", "note": NOTE},
        )

        # When they record it
        send(driver, "form.event-form", checks=True)
        wait_for(driver, ".done[role=status]")

        # Then the page says so where it lands (the new entry), with the focus there
        status = driver.find_element(By.CSS_SELECTOR, ".done[role=status]")
        landing = driver.find_element(By.CSS_SELECTOR, "li.event:first-child")
        assert driver.switch_to.active_element == landing
        assert status.find_element(By.XPATH, "..") == landing
        assert in_view(driver, status)
        assert driver.execute_script("return window.scrollY") > 0  # not the top

        # And an auditor's verification lands on its verdict, with the focus
        driver.delete_all_cookies()
        sign_in(driver, site, Role.AUDITOR)
        verified(driver, a11y)
        verdict = driver.find_element(By.ID, "verdict")
        assert driver.switch_to.active_element == verdict
        assert in_view(driver, verdict)


def in_view(driver: WebDriver, element: WebElement) -> bool:
    return bool(
        driver.execute_script(
            "const r = arguments[0].getBoundingClientRect();"
            "return r.top >= 0 && r.bottom <= window.innerHeight;",
            element,
        )
    )


# Every control of a page changed, one after the other: a page that navigated would
# lose the mark set on its window.
CHANGE_EVERY_CONTROL = """
window.unchanged = true;
let changed = 0;
for (const field of document.querySelectorAll("main select, main input")) {
  if (field.type === "hidden" || field.disabled) continue;
  if (field.tagName === "SELECT" && field.options.length > 1) {
    field.selectedIndex = field.selectedIndex === 1 ? 2 % field.options.length : 1;
  } else if (field.type === "checkbox" || field.type === "radio") {
    field.checked = !field.checked;
  } else if (field.type === "range") {
    field.value = field.min;
  } else {
    continue;
  }
  for (const kind of ["input", "change", "pointerup", "mouseup", "keyup"]) {
    field.dispatchEvent(new Event(kind, {bubbles: true}));
  }
  changed += 1;
}
return changed;
"""


CONTROLS = (
    "/ui/trajectories/{a.active[0]}",
    "/ui/trajectories/{a.active[0]}?record=EntryProfileCorrected",
    "/ui/caseload",
    "/ui/trajectories",
    "/ui/outcomes",
    "/ui/group-sessions/new",
)


def test_no_control_navigates_on_its_own(a11y: A11ySite) -> None:
    site = a11y.site
    with chromium_driver(site.downloads) as driver:
        sign_in(driver, site, Role.STAFF)
        for path in CONTROLS:
            # Given a page with controls
            address = site.url + path.format(a=a11y)
            driver.get(address)
            wait_for(driver, "main h1")

            # When each is changed, the slider by the pointer too (pressed, dragged,
            # let go)
            changed = driver.execute_script(CHANGE_EVERY_CONTROL)
            assert changed > 0
            slider = driver.find_elements(By.CSS_SELECTOR, "input[type=range]")
            if slider:
                ActionChains(driver).click_and_hold(slider[0]).move_by_offset(
                    -40, 0
                ).release().perform()

            # Then the page stays: only a button moves on
            assert driver.execute_script("return window.unchanged === true"), path
            assert driver.current_url == address


# The focused element: its place among the page's stops, whether its focus shows (an
# outline) and whether it is in view.
FOCUSED = """
const e = document.activeElement;
const style = getComputedStyle(e);
const r = e.getBoundingClientRect();
const shows = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
const seen = r.bottom > 0 && r.top < window.innerHeight && r.right > 0
  && r.left < window.innerWidth;
return [e.dataset.stop ?? e.tagName, shows, seen, e.outerHTML.slice(0, 80)];
"""
# Every stop of the page in the document's order (no tabindex above 0), numbered.
STOPS = """
const stops = [...document.querySelectorAll(
  "a[href], button, input:not([type=hidden]), select, textarea, [tabindex='0']"
)].filter((e) => !e.disabled && e.getClientRects().length
  && !(e.type === "radio" && !e.checked && e.form
       && [...e.form.elements].some((o) => o.name === e.name && o.checked)));
const radios = new Set();
let n = 0;
for (const e of stops) {
  if (e.type === "radio") {  // a group of radios is one stop
    if (radios.has(e.name)) continue;
    radios.add(e.name);
  }
  e.dataset.stop = String(n++);
}
return n;
"""


def press(driver: WebDriver, back: bool = False) -> list[Any]:
    keys = ActionChains(driver)
    if back:
        keys = keys.key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT)
    else:
        keys = keys.send_keys(Keys.TAB)
    keys.perform()
    return list(driver.execute_script(FOCUSED))


KEYBOARD = (
    "/ui/caseload",
    "/ui/trajectories/{a.site.known.waiting_for_intake[1]}?record=IntakeCompleted",
    "/ui/outcomes",
)


def test_the_keyboard_reaches_everything_with_its_focus_in_view_and_back(
    a11y: A11ySite,
) -> None:
    site = a11y.site
    with chromium_driver(site.downloads) as driver:
        sign_in(driver, site, Role.STAFF)
        set_width(driver, 320)
        for path in KEYBOARD:
            driver.get(site.url + path.format(a=a11y))
            wait_for(driver, "main h1")
            stops_in_order(driver)


def stops_in_order(driver: WebDriver) -> None:
    """Tab through the page: every stop in order, each showing its focus, in view
    (a date's parts are stops of one field); Shift+Tab back the same way."""
    count = driver.execute_script(STOPS)

    forward: list[str] = []
    for _ in range(count * 4):  # a trap would hold the focus: the list stops
        if len(forward) == count:
            break
        stop, shows, seen, what = press(driver)
        assert shows and seen, f"{what}: focus shows {shows}, in view {seen}"
        if not forward or forward[-1] != stop:
            forward.append(stop)
    assert forward == [str(n) for n in range(count)]

    # Shift+Tab goes back the exact same way
    backward: list[str] = [forward[-1]]
    for _ in range(count * 4):
        if len(backward) == count:
            break
        stop = press(driver, back=True)[0]
        if backward[-1] != stop:
            backward.append(stop)
    assert backward == forward[::-1]


def phone_screenshot(driver: WebDriver, site: Site, name: str) -> Path:
    """The whole page as a 320 px wide phone shows it."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {
            "width": 320,
            "height": min(int(height), 8000),
            "deviceScaleFactor": 1,
            "mobile": True,
        },
    )
    path = site.screenshots / f"{name}.png"
    driver.save_screenshot(str(path))
    set_width(driver, 320)
    return path


def test_screenshots_at_a_phone_s_width_show_no_sideways_scroll(a11y: A11ySite) -> None:
    # Given a coach on a 320 px wide phone
    site = a11y.site
    with chromium_driver(site.downloads) as driver:
        sign_in(driver, site, Role.STAFF)
        set_width(driver, 320)
        for name, path in (
            ("phone-caseload", "/ui/caseload"),
            ("phone-trajectory", f"/ui/trajectories/{a11y.active[0]}"),
            ("phone-outcomes", "/ui/outcomes"),
        ):
            # When they open the page
            driver.get(site.url + path)
            wait_for(driver, "main h1")

            # Then it is as wide as the phone, and the screenshot shows it whole
            width = driver.execute_script("return document.documentElement.scrollWidth")
            assert width == 320, f"{name} is {width} px wide"
            shot = phone_screenshot(driver, site, name)
            assert shot.stat().st_size > 10_000


@contextmanager
def as_staff(a11y: A11ySite, width: int) -> Iterator[WebDriver]:
    """A coach's browser, signed in, ``width`` px wide."""
    with chromium_driver(a11y.site.downloads) as driver:
        sign_in(driver, a11y.site, Role.STAFF)
        set_width(driver, width)
        yield driver


def test_the_caseload_s_tables_fit_a_phone_without_scrolling_sideways(
    a11y: A11ySite,
) -> None:
    with as_staff(a11y, 320) as driver:
        # When a coach opens their caseload on a 320 px wide phone
        driver.get(a11y.site.url + "/ui/caseload")
        wait_for(driver, "table.caseload tbody td")

        # Then no table in it scrolls sideways: each row is a block of its own
        wider = driver.execute_script(
            "return [...document.querySelectorAll('.scroll')]"
            ".filter(e => e.scrollWidth > e.clientWidth)"
            ".map(e => e.getAttribute('aria-labelledby'))"
        )
        assert wider == []

        # And each figure in a row says which column it is
        unnamed = driver.execute_script(
            "return [...document.querySelectorAll("
            "'table.caseload tbody td, table.totals tbody td')]"
            ".filter(td => !td.dataset.label || "
            "getComputedStyle(td, '::before').content !== "
            "JSON.stringify(td.dataset.label)).length"
        )
        cells = driver.execute_script(
            "return document.querySelectorAll('table.caseload tbody td').length"
        )
        assert cells > 0
        assert unnamed == 0


@pytest.mark.parametrize(
    ("role", "page"),
    [(Role.STAFF, "programmes"), (Role.AUDITOR, "reads of a participant")],
)
def test_the_programmes_and_the_reads_of_a_participant_fit_a_phone(
    a11y: A11ySite, role: Role, page: str
) -> None:
    path = {
        "programmes": "/ui/programmes",
        "reads of a participant": f"/ui/audit?participant={a11y.participant}",
    }[page]
    service = a11y.site.service
    if page == "programmes" and "ENDED" not in {p.code for p in service.programmes()}:
        today = date.today()
        service.register_programme(  # one that ended: its row has a tag
            RegisterProgramme(
                code="ENDED",
                name="Een afgelopen project",
                funder="ESF",
                organisations=[ORGANISATION],
                starts_on=today - timedelta(days=900),
                ends_on=today - timedelta(days=100),
                min_age=18,
                max_age=64,
            ),
            recorded_by="test",
        )
    with chromium_driver(a11y.site.downloads) as driver:
        # Given a staff member or an auditor on a 320 px wide phone
        sign_in(driver, a11y.site, role)
        set_width(driver, 320)

        # When they open the table of programmes, or who read a participant's data
        driver.get(a11y.site.url + path)
        wait_for(driver, "table.stack tbody td")

        # Then neither the table nor its caption runs past the screen's edge
        wider = driver.execute_script(
            "return [...document.querySelectorAll('.scroll, .scroll caption')]"
            ".filter(e => e.scrollWidth > e.clientWidth"
            " || e.getBoundingClientRect().right > window.innerWidth)"
            ".map(e => e.id || e.getAttribute('aria-labelledby'))"
        )
        assert wider == []

        # And each figure in a row says which column it is
        unnamed = driver.execute_script(
            "return [...document.querySelectorAll('table.stack tbody td')]"
            ".filter(td => td.colSpan === 1 && (!td.dataset.label || "
            "getComputedStyle(td, '::before').content !== "
            "JSON.stringify(td.dataset.label))).length"
        )
        assert unnamed == 0

        # And a tag ("ended") keeps its word whole, on one line
        tags = driver.execute_script(
            "return [...document.querySelectorAll('table.stack td > .tag')]"
            ".map(t => t.getClientRects().length === 1 && t.offsetHeight"
            " < 1.5 * parseFloat(getComputedStyle(t).lineHeight))"
        )
        assert page != "programmes" or tags
        assert all(tags)


def test_a_name_of_one_long_word_breaks_rather_than_widen_the_page(
    a11y: A11ySite,
) -> None:
    # Given a participant whose given name is one word of 190 letters
    site = a11y.site
    person = site.service.register_participant(
        RegisterParticipant(
            given_name="W" * 190,
            family_name="Langenaam",
            birth_date=date(1990, 1, 1),
            gender=Gender.F,
        ),
        organisation=ORGANISATION,
        recorded_by=COACHES[0],
    )
    with as_staff(a11y, 1280) as driver:
        for path in (
            f"/ui/participants/{person.id}",
            "/ui/participants?q=Langenaam",
            f"/ui/participants/{person.id}/refer",
        ):
            # When a coach opens their page, finds them, or refers them
            driver.get(site.url + path)
            wait_for(driver, "main h1")

            # Then the page is no wider than the window: the name breaks
            width = driver.execute_script("return document.documentElement.scrollWidth")
            assert width == 1280, f"{path} is {width} px wide"
