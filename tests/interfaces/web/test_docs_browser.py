"""The API docs in a real browser that can reach no other host: Swagger UI and
ReDoc render the app's own OpenAPI document from the app's own scripts."""

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.chrome.webdriver import WebDriver as Chromium
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

from application.settings import Settings
from interfaces.http.app import create_app
from tests.conftest import _free_port
from tests.interfaces.web.conftest import CHROMEDRIVER
from tests.interfaces.web.conftest import CHROMIUM
from tests.interfaces.web.conftest import CHROMIUM_FLAGS

pytestmark = pytest.mark.browser

# Every name resolves to nothing but this machine's, and every request but one to
# this machine goes to a proxy that is not there: no other host can answer.
CLOSED_NETWORK = (
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=127.0.0.1",
)
WIDTHS = (1280, 360)
RENDERS_WITHIN = 30.0  # seconds


@dataclass
class Served:
    url: str
    screenshots: Path


@pytest.fixture
def served(chromium: None, tmp_path: Path) -> Iterator[Served]:
    """The app with its docs, on SQLite, on a port of its own."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/docs.db", docs=True))
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="docs-server")
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                pytest.fail("the server did not start")
            thread.join(0.05)
        screenshots = tmp_path / "screenshots"
        screenshots.mkdir()
        yield Served(f"http://127.0.0.1:{port}", screenshots)
    finally:
        server.should_exit = True
        thread.join(30)


@pytest.fixture
def closed_browser(served: Served) -> Iterator[Chromium]:
    """Headless Chromium that reaches this app only, logging every request."""
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium must not fetch a driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, *CLOSED_NETWORK):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=DriverService(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def reached(driver: Chromium) -> list[str]:
    """The URLs the page's requests went out to since the last call (from the
    browser's log): a request the page's policy blocked never left the browser."""
    sent: dict[str, str] = {}
    blocked = set()
    log = driver.get_log("performance")  # type: ignore[no-untyped-call]
    for entry in log:
        message = json.loads(entry["message"])["message"]
        params = message["params"]
        if message["method"] == "Network.requestWillBeSent":
            sent[params["requestId"]] = params["request"]["url"]
        elif message["method"] == "Network.loadingFailed":
            if params.get("blockedReason"):
                blocked.add(params["requestId"])
    return [url for request, url in sent.items() if request not in blocked]


def wait_until_shown(driver: WebDriver, css: str, text: str) -> None:
    WebDriverWait(driver, RENDERS_WITHIN).until(
        lambda d: any(text in e.text for e in d.find_elements(By.CSS_SELECTOR, css)),
        f"no {css!r} showing {text!r}",
    )


def shoot(driver: WebDriver, served: Served, name: str) -> None:
    """The top of the page at each width, as a reader first sees it."""
    for width in WIDTHS:
        driver.set_window_size(width, 1000)
        driver.save_screenshot(str(served.screenshots / f"{name}-{width}.png"))


def own(url: str, served: Served) -> bool:
    return url.startswith(f"{served.url}/") or url.startswith(("data:", "blob:"))


def test_swagger_ui_renders_the_api_from_the_apps_own_files(
    closed_browser: Chromium, served: Served
) -> None:
    # When /docs is opened in a browser that can reach no other host
    closed_browser.get(f"{served.url}/docs")

    # Then Swagger UI shows the API's title and its operations
    wait_until_shown(closed_browser, ".swagger-ui .info .title", "trajectory")
    operations = closed_browser.find_elements(By.CSS_SELECTOR, ".opblock")
    assert len(operations) > 10
    assert "POST /trajectories" in " ".join(
        " ".join(o.text.split()[:2]) for o in operations
    )
    shoot(closed_browser, served, "docs")

    # And every request that left the browser went to the app
    urls = reached(closed_browser)
    assert f"{served.url}/openapi.json" in urls
    assert [u for u in urls if not own(u, served)] == []


def test_redoc_renders_the_api_from_the_apps_own_files(
    closed_browser: Chromium, served: Served
) -> None:
    # When /redoc is opened in a browser that can reach no other host
    closed_browser.get(f"{served.url}/redoc")

    # Then ReDoc shows the API's title and its operations, and no error
    wait_until_shown(closed_browser, "h1", "trajectory")
    operations = "[data-section-id^='operation/']"
    WebDriverWait(closed_browser, RENDERS_WITHIN).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, operations)) > 10,
        "ReDoc shows no operations",
    )
    body = closed_browser.find_element(By.TAG_NAME, "body").text
    assert "Something went wrong" not in body
    shoot(closed_browser, served, "redoc")

    # And every request that left the browser went to the app
    urls = reached(closed_browser)
    assert f"{served.url}/openapi.json" in urls
    assert [u for u in urls if not own(u, served)] == []
