"""The pages' browser tests: the app served by uvicorn on a fresh PostgreSQL schema
with a known history, driven by Debian's Chromium headless through ChromeDriver.

Screenshots go to ``$TRAJECTORY_SCREENSHOTS`` (``make screenshots`` sets it to
docs/screenshots, the README's), else to a temporary folder.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import uvicorn
from fastapi.testclient import TestClient
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from application.access import Role
from application.service import Trajectories
from application.settings import Settings
from domain.commands import Complete
from domain.commands import CompleteIntake
from domain.commands import HoldSession
from domain.commands import RecordExitResult
from domain.commands import RecordFollowUp
from domain.commands import Refer
from domain.commands import RegisterParticipant
from domain.commands import RegisterProgramme
from domain.commands import StartPlacement
from domain.vocabulary import Barrier
from domain.vocabulary import Destination
from domain.vocabulary import EducationLevel
from domain.vocabulary import ExitStatus
from domain.vocabulary import Gender
from domain.vocabulary import LabourStatus
from domain.vocabulary import PlacementType
from domain.vocabulary import ReferralSource
from domain.vocabulary import SessionMode
from domain.vocabulary import SessionSetting
from interfaces.http.app import create_app
from tests.conftest import IN_CI
from tests.conftest import _free_port
from tests.conftest import fresh_schema
from tests.interfaces.helpers import COACHES as COACHES_OF_HELPERS
from tests.interfaces.helpers import participant_body
from tests.interfaces.helpers import programme_body
from tests.interfaces.helpers import referral_body
from tests.service_builders import coach_for

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# As the machine's notes advise: no background connections to the closed network.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1360,1000",
    "--lang=nl-BE",  # date fields as a Flemish coach's browser shows them
)
ORGANISATION = "Werkburo Oost-Vlaanderen"
PROGRAMME = "JOBCOACH-OVL"
COACHES = ("Hilde Peeters", "Jonas Maes")
NAMES = (
    ("Lotte", "Claes"), ("Ayoub", "El Idrissi"), ("Emma", "Wouters"),
    ("Milan", "Janssens"), ("Sara", "De Smet"), ("Yusuf", "Demir"),
    ("Noor", "Willems"), ("Arne", "Goossens"), ("Fatima", "Benali"),
    ("Jens", "Mertens"), ("Lina", "Vermeulen"), ("Robbe", "Dubois"),
    ("Amira", "Haddad"), ("Wout", "Lambrechts"), ("Elise", "Hermans"),
    ("Daan", "Jacobs"), ("Ines", "Pauwels"), ("Kobe", "Michiels"),
    ("Marie", "Aerts"), ("Tibo", "Smets"),
)  # fmt: skip


@dataclass
class KnownHistory:
    """What the history holds, by construction (see ``record_known_history``)."""

    referrals: int = 0
    intakes: int = 0
    placed: int = 0
    competitive: int = 0
    sustained: int = 0
    waiting_for_intake: list[UUID] = field(default_factory=list)
    participants: dict[UUID, str] = field(default_factory=dict)  # trajectory -> name


def record_known_history(service: Trajectories) -> KnownHistory:
    """Twenty trajectories of one programme, referred 15 days apart from 600 days
    ago: every fifth is still waiting for its intake; of those taken in, every
    other is placed, every fourth in a regular job and then completed employed,
    three of those still employed at the 6-month follow-up. The open ones had their
    last session 5, 35, 65 or 95 days ago."""
    today = date.today()
    service.register_programme(
        RegisterProgramme(
            code=PROGRAMME,
            name="Jobcoaching Oost-Vlaanderen",
            funder="Vlaamse overheid en ESF",
            organisations=[ORGANISATION],
            starts_on=today - timedelta(days=800),
            ends_on=today + timedelta(days=800),
            budget=Decimal("250000"),
            min_age=18,
            max_age=64,
        ),
        recorded_by="test",
    )
    known = KnownHistory()
    base = today - timedelta(days=600)
    for i, (given, family) in enumerate(NAMES):
        participant = service.register_participant(
            RegisterParticipant(
                given_name=given,
                family_name=family,
                birth_date=date(1990 + i % 10, 1 + i % 12, 1 + i),
                gender=(Gender.F, Gender.M)[i % 2],
            ),
            organisation=ORGANISATION,
            recorded_by=COACHES[0],
        )
        referred_on = base + timedelta(days=15 * i)
        trajectory = service.refer(
            Refer(
                participant_id=participant.id,
                programme=PROGRAMME,
                organisation=ORGANISATION,
                referral_source=(ReferralSource.VDAB, ReferralSource.OCMW)[i % 2],
                on=referred_on,
            ),
            recorded_by=COACHES[0],
        )
        tid = trajectory.id
        known.referrals += 1
        known.participants[tid] = f"{given} {family}"
        if i % 5 == 4:
            known.waiting_for_intake.append(tid)
            continue
        intake_on = referred_on + timedelta(days=7)
        service.record(
            tid,
            CompleteIntake(
                on=intake_on,
                coach_id=coach_for(service, tid, COACHES[i % 2]),
                rung=2 + i % 3,
                labour_status=LabourStatus.LONG_TERM_UNEMPLOYED,
                education_level=EducationLevel.ISCED_0_2,
                barriers=[Barrier.MOBILITY, Barrier.DUTCH_LANGUAGE][: 1 + i % 2],
                disability=i % 3 == 0,
                postcode="9000",
            ),
            recorded_by=COACHES[i % 2],
        )
        known.intakes += 1
        if i % 2 == 0:
            competitive = i % 4 == 0
            started_on = intake_on + timedelta(days=20)
            service.record(
                tid,
                StartPlacement(
                    on=started_on,
                    placement_type=(
                        PlacementType.REGULAR_JOB
                        if competitive
                        else PlacementType.WORK_EXPERIENCE
                    ),
                    employer=("Bakkerij De Smet", "Vzw Den Azalee")[i % 4 // 2],
                    paid=True,
                    hours_per_week=19.0,
                ),
                recorded_by=COACHES[i % 2],
            )
            known.placed += 1
            if competitive:
                known.competitive += 1
                exit_on = started_on + timedelta(days=30)
                service.record(
                    tid,
                    Complete(on=exit_on, destination=Destination.EMPLOYED),
                    recorded_by=COACHES[i % 2],
                )
                service.record(
                    tid,
                    RecordExitResult(
                        observed_on=exit_on + timedelta(days=1),
                        status=ExitStatus.EMPLOYED,
                    ),
                    recorded_by=COACHES[i % 2],
                )
                still_employed = i != 16
                service.record(
                    tid,
                    RecordFollowUp(
                        milestone=6,
                        observed_on=exit_on + timedelta(days=183),
                        status=(
                            ExitStatus.EMPLOYED
                            if still_employed
                            else ExitStatus.JOB_SEARCHING
                        ),
                    ),
                    recorded_by=COACHES[i % 2],
                )
                known.sustained += still_employed
                continue
        service.record(
            tid,
            HoldSession(
                on=today - timedelta(days=5 + 30 * (i % 4)),
                minutes=60,
                mode=SessionMode.INDIVIDUAL,
                setting=SessionSetting.OUTREACH,
                note="",
            ),
            recorded_by=COACHES[i % 2],
        )
    return known


@dataclass
class Site:
    url: str
    tokens: dict[Role, str]
    known: KnownHistory
    service: Trajectories
    screenshots: Path
    downloads: Path


def chromium_missing() -> str | None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if missing:
        return f"{', '.join(missing)} missing: `make browser` installs them"
    return None


@pytest.fixture(scope="session")
def chromium() -> None:
    problem = chromium_missing()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"CI=true needs the browser: {problem}")
        pytest.skip(problem)


@contextlib.contextmanager
def serving(
    postgres_server: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """The app on a fresh schema, with the known history, on a port of its own."""
    shots = os.environ.get("TRAJECTORY_SCREENSHOTS")
    screenshots = Path(shots) if shots else tmp_path_factory.mktemp("screenshots")
    screenshots.mkdir(parents=True, exist_ok=True)
    with fresh_schema(postgres_server) as url:
        app = create_app(Settings(database_url=url))
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, name="pages-server")
        thread.start()
        try:
            while not server.started:
                if not thread.is_alive():
                    pytest.fail("the server did not start")
                thread.join(0.05)
            service: Trajectories = app.state.service
            known = record_known_history(service)
            app.state.views.wait(timeout=30)
            tokens = {
                Role.STAFF: service.tokens.create(
                    role=Role.STAFF, name=COACHES[0], organisation=ORGANISATION
                )[1],
                Role.EVALUATOR: service.tokens.create(
                    role=Role.EVALUATOR, name="Evi Evaluator"
                )[1],
                Role.AUDITOR: service.tokens.create(
                    role=Role.AUDITOR, name="Ahmed Auditor"
                )[1],
            }
            yield Site(
                f"http://127.0.0.1:{port}",
                tokens,
                known,
                service,
                screenshots,
                tmp_path_factory.mktemp("downloads"),
            )
        finally:
            server.should_exit = True
            thread.join(30)


@pytest.fixture
def site(
    chromium: None, postgres_server: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """The app on a fresh schema, with the known history, on a port of its own: each
    test has its own, so what one records is not in another's figures."""
    with serving(postgres_server, tmp_path_factory) as site:
        yield site


@contextlib.contextmanager
def chromium_driver(downloads: Path) -> Iterator[WebDriver]:
    """A new headless Chromium: no cookies, no language chosen."""
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium must not fetch a driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    for old in downloads.iterdir():
        old.unlink()
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
        },
    )
    driver = webdriver.Chrome(options=options, service=DriverService(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(site: Site) -> Iterator[WebDriver]:
    """A new headless Chromium: no cookies, no language chosen."""
    with chromium_driver(site.downloads) as driver:
        yield driver


def wait_for(driver: WebDriver, css: str, timeout: float = 10) -> None:
    WebDriverWait(driver, timeout).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css))
    )


def wait_until_replaced(driver: WebDriver, element: WebElement, timeout: float) -> None:
    """Waits for the page that held ``element`` to be replaced. Asked about an
    element of a page being replaced, ChromeDriver answers either "stale element" or,
    in the middle of the navigation, that the node no longer belongs to the
    document: both mean the old page is gone."""

    def gone(_: WebDriver) -> bool:
        try:
            element.is_enabled()
        except WebDriverException:  # StaleElementReferenceException among them
            return True
        return False

    WebDriverWait(driver, timeout).until(gone)


def sign_in(driver: WebDriver, site: Site, role: Role) -> None:
    """Signs in through the sign-in page, with the keyboard only."""
    driver.get(f"{site.url}/ui")
    wait_for(driver, "input#token")
    field = driver.find_element(By.ID, "token")
    field.send_keys(site.tokens[role], Keys.ENTER)
    wait_for(driver, "header nav")


def screenshot(driver: WebDriver, site: Site, name: str) -> Path:
    """A screenshot of the whole page (as tall as its content)."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1360, max(1000, min(int(height) + 40, 4000)))
    path = site.screenshots / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(1360, 1000)
    return path


# Pages without a browser --------------------------------------------------------------

CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


class Pages(TestClient):
    """Pages as a browser reads them; each read waits first until the views have
    processed every write committed so far (on their tracking positions), as a
    person reading a page after a write would find them."""

    tokens: dict[Role, str]
    trajectory_id: str

    def get(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override, unused-ignore]
        self.app.state.views.wait()  # type: ignore[attr-defined]
        return super().get(*args, **kwargs)

    def sign_in(self, role: Role) -> None:
        self.cookies.clear()
        answer = self.post("/ui/sign-in", data={"token": self.tokens[role]})
        assert answer.status_code == 200, answer.text

    def csrf(self, path: str) -> str:
        match = CSRF.search(self.get(path).text)
        assert match, f"no form token on {path}"
        return match.group(1)


@pytest.fixture
def pages(database_url: str) -> Iterator[Pages]:
    """Pages over HTTPS (the session cookie is Secure), a referred trajectory and a
    token for every role, staff of the trajectory's organisation."""
    app = create_app(Settings(database_url=database_url))
    with Pages(app, base_url="https://testserver") as client:
        service = app.state.service
        client.tokens = {
            role: service.tokens.create(
                role=role,
                name=f"test {role.value}",
                organisation=ORGANISATION if role is Role.STAFF else None,
            )[1]
            for role in Role
        }
        for coach in COACHES_OF_HELPERS:  # the coaches the helpers' intakes name
            service.coaches.ensure(coach, ORGANISATION, recorded_by="test admin")
        api = {"Authorization": f"Bearer {client.tokens[Role.ADMIN]}"}
        staff = {"Authorization": f"Bearer {client.tokens[Role.STAFF]}"}
        assert client.post("/programmes", json=programme_body(), headers=api).is_success
        participant = client.post(
            "/participants", json=participant_body(), headers=staff
        ).json()["id"]
        referred = client.post(
            "/trajectories", json=referral_body(participant), headers=staff
        )
        client.trajectory_id = referred.json()["id"]
        yield client
