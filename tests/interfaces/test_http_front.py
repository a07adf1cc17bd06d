"""The front door: the API docs work on a closed network (every script and style
sheet is the app's own), ``/`` leads to the pages, and the site has an icon."""

import re
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from application.settings import Settings
from interfaces.http.app import create_app

# The URLs a page loads or links to: attributes, and Swagger UI's `url: '...'`.
REFERENCES = re.compile(r"""(?:src|href|spec-url)="([^"]*)"|\burl: '([^']*)'""")
ANY_SCHEME = re.compile(r"\b[a-z][a-z0-9+.-]*://|[\"'(]//", re.IGNORECASE)
CONTENT_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".ico": "image/svg+xml",
}


@pytest.fixture
def front(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/front.db", docs=True)
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client


def references(html: str) -> list[str]:
    return [quoted or single for quoted, single in REFERENCES.findall(html)]


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (
            "/docs",
            {
                "/docs/assets/swagger-ui.css",
                "/docs/assets/swagger-ui-bundle.js",
                "/favicon.ico",
                "/openapi.json",
            },
        ),
        (
            "/redoc",
            {"/docs/assets/redoc.standalone.js", "/favicon.ico", "/openapi.json"},
        ),
    ],
)
def test_the_api_docs_load_only_the_apps_own_assets(
    front: TestClient, page: str, expected: set[str]
) -> None:
    # When the docs page is asked for
    answer = front.get(page)

    # Then it names no other host, and loads exactly the app's own assets
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    assert ANY_SCHEME.search(answer.text) is None, ANY_SCHEME.search(answer.text)
    assert set(references(answer.text)) == expected

    # And each of them answers, with the content type a browser expects of it
    for url in expected:
        asset = front.get(url)
        assert asset.status_code == 200, url
        wanted = CONTENT_TYPES[Path(url).suffix]
        assert asset.headers["content-type"].startswith(wanted), (url, asset.headers)
        assert len(asset.content) > 100, url


def test_without_docs_neither_the_pages_nor_their_assets_are_served(
    tmp_path: Path,
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/front.db", docs=False)

    with TestClient(create_app(settings)) as client:
        answers = [
            client.get(url).status_code
            for url in (
                "/docs",
                "/redoc",
                "/openapi.json",
                "/docs/assets/swagger-ui-bundle.js",
            )
        ]

    assert answers == [404, 404, 404, 404]


def test_the_root_leads_to_the_pages(front: TestClient) -> None:
    # When someone opens the site's address
    answer = front.get("/")

    # Then they are sent to the pages' home, which sends them to sign in
    assert answer.status_code == 307
    assert answer.headers["location"] == "/ui"
    home = front.get("/", follow_redirects=True)
    assert home.status_code == 200
    assert home.url.path == "/ui/sign-in"
    assert home.headers["content-type"].startswith("text/html")


def test_the_site_has_an_icon_that_the_pages_link_to(front: TestClient) -> None:
    # When a browser asks for the icon of the site, and the pages link to theirs
    favicon = front.get("/favicon.ico")
    page = front.get("/ui/sign-in")
    linked = re.search(
        r'<link rel="icon" type="image/svg\+xml" href="([^"]+)"', page.text
    )

    # Then both answer the same SVG
    assert favicon.status_code == 200
    assert favicon.headers["content-type"] == "image/svg+xml"
    assert favicon.text.lstrip().startswith("<svg")
    assert linked is not None, page.text
    icon = front.get(linked.group(1))
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.content == favicon.content


@pytest.mark.parametrize(
    "path", ["/favicon.ico", "/openapi.json", "/programmes", "/no-such-path", "/"]
)
def test_head_is_answered_as_get_is_without_the_body(
    front: TestClient, path: str
) -> None:
    # Given what a GET of the path answers
    got = front.get(path)

    # When a client asks with HEAD
    head = front.head(path)

    # Then the same status and headers, and no body
    assert head.status_code == got.status_code
    assert head.content == b""
    for header in ("content-type", "content-length", "location", "www-authenticate"):
        assert head.headers.get(header) == got.headers.get(header), header


def test_head_of_a_page_and_of_the_health_check_is_answered(front: TestClient) -> None:
    for path in ("/ui/sign-in", "/health"):
        head = front.head(path)
        assert head.status_code == front.get(path).status_code == 200, path
        assert head.content == b"", path


def test_a_method_not_allowed_names_head_where_get_is_and_only_there(
    front: TestClient,
) -> None:
    # Given a path that takes GET and POST, and one that takes POST only
    listed = front.delete("/programmes")
    posted_only = front.head(f"/coaches/{UUID(int=1)}/leave")

    # Then HEAD is allowed with GET, and not where GET is not
    assert listed.status_code == 405
    assert {"GET", "HEAD", "POST"} <= set(listed.headers["allow"].split(", "))
    assert posted_only.status_code == 405
    assert posted_only.headers["allow"] == "POST"
    assert posted_only.content == b""
