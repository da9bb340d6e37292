"""End to end in headless Debian chromium: type a movie, upload a poster, see genre bars."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
from conftest import make_poster
from serving_helpers import ALL_INPUTS, GENRES, FakeClassifier

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent"),
]


def serve(app):
    """Run ``app`` on a free loopback port in a thread; yields its URL."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the service did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def server_url():
    from moviegenre.serving.app import create_app

    yield from serve(create_app(classifier=FakeClassifier()))


@pytest.fixture
def every_input():
    """(url, classifier) of a service whose model reads every input, and wants an API key."""
    from moviegenre.serving.app import create_app

    fake = FakeClassifier(inputs=ALL_INPUTS)
    for url in serve(create_app(classifier=fake, api_key=KEY)):
        yield url, fake


KEY = "browser-key-0123456789abcdef"


@pytest.fixture
def real_server_url():
    from serving_helpers import tiny_model_dir

    from moviegenre.serving.app import create_app

    yield from serve(create_app(tiny_model_dir()))


def launch(p):
    return p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)


@pytest.fixture
def page():
    """A fresh page in headless chromium."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def submit_movie(page, url, poster, *, title, overview, companies=None, timeout=15_000):
    """Open the page, type a movie, upload ``poster``, submit, and wait for the genre bars."""
    page.goto(url + "/", wait_until="domcontentloaded")
    page.fill("#title", title)
    page.fill("#overview", overview)
    if companies:
        page.fill("#companies", companies)
    page.set_input_files("#poster", str(poster))
    page.click("#submit")
    page.wait_for_selector("#genre-bars .bar", timeout=timeout)


def test_page_predicts_from_typed_movie_and_uploaded_poster(page, server_url, tmp_path):
    poster = make_poster(tmp_path / "poster.jpg", (20, 10, 10))
    submit_movie(
        page,
        server_url,
        poster,
        title="The Ghost of Harrow Lane",
        overview="A funny family moves into a house where a ghost plays pranks.",
        companies="Nightlight Films; Tiny Lantern",
    )

    bars = page.locator("#genre-bars .bar")
    assert bars.count() == len(GENRES)
    predicted = page.locator("#genre-bars .bar.predicted").evaluate_all("els => els.map(e => e.dataset.name)")
    assert set(predicted) == {"Comedy", "Drama", "Horror"}
    width = page.locator('#genre-bars .bar[data-name="Horror"] .fill').evaluate("e => e.style.width")
    assert float(width.rstrip("%")) == pytest.approx(90)
    weights = page.locator("#weight-bars .bar").evaluate_all("els => els.map(e => e.dataset.name)")
    assert "poster" in weights
    assert page.locator("#status").inner_text() == ""

    # a bad upload shows the service's message instead of bars breaking
    bad = tmp_path / "notes.txt"
    bad.write_text("not a picture")
    page.set_input_files("#poster", str(bad))
    page.click("#submit")
    page.wait_for_selector("#status.error", timeout=15_000)
    assert "400" in page.locator("#status").inner_text()


@pytest.mark.slow
def test_page_with_a_real_saved_model(page, real_server_url, tmp_path):
    poster = make_poster(tmp_path / "poster.jpg", (230, 120, 170))
    submit_movie(
        page,
        real_server_url,
        poster,
        title="A Love Story",
        overview="love kiss wedding heart couple",
        timeout=30_000,
    )
    assert page.locator("#genre-bars .bar").count() == 5
    assert page.locator("#genre-bars .bar.predicted").count() >= 1
    assert page.locator("#weight-bars .bar").count() == 4


def test_page_sends_the_more_fields_and_the_api_key(page, every_input, tmp_path):
    url, fake = every_input
    poster = make_poster(tmp_path / "poster.jpg", (20, 10, 10))
    page.goto(url + "/", wait_until="domcontentloaded")
    page.wait_for_selector("#api-key-row:not([hidden])")  # /health said a key is needed

    page.fill("#title", "The Vault")
    page.click("#more summary")
    page.fill("#keywords", "heist; explosion")
    page.fill("#director", "Jane Doe")
    page.fill("#cast", "First Actor; Second Actor")
    page.fill("#tagline", "Nobody gets out.")
    page.fill("#year", "2001")
    page.fill("#runtime", "104")
    page.fill("#language", "en")
    # country left empty: not sent, not an error
    page.set_input_files("#poster", str(poster))

    page.click("#submit")  # no key yet: the service's 401 is shown
    page.wait_for_selector("#status.error")
    assert "401" in page.locator("#status").inner_text()

    page.fill("#api-key", KEY)
    page.click("#submit")
    page.wait_for_selector("#genre-bars .bar")
    assert page.locator("#status").inner_text() == ""
    m = fake.seen[-1]
    assert (m.keywords, m.director, m.cast, m.tagline) == (
        ("heist", "explosion"),
        "Jane Doe",
        ("First Actor", "Second Actor"),
        "Nobody gets out.",
    )
    assert (m.year, m.runtime, m.language, m.country) == (2001, 104.0, "en", None)
    predicted = page.locator("#genre-bars .bar.predicted").evaluate_all("els => els.map(e => e.dataset.name)")
    assert predicted == ["Action"]  # "explosion" came through the keywords
    # "how much each input counted" shows every input this model has, the new ones too
    weights = page.locator("#weight-bars .bar").evaluate_all("els => els.map(e => e.dataset.name)")
    assert weights == ALL_INPUTS

    # the key is kept in this browser: a new visit predicts without typing it again
    page.reload(wait_until="domcontentloaded")
    page.wait_for_selector("#api-key-row:not([hidden])")
    assert page.locator("#api-key").input_value() == KEY
    page.fill("#title", "Funny Ghost")
    page.click("#submit")
    page.wait_for_selector("#genre-bars .bar")
    assert page.locator("#status").inner_text() == ""
    assert fake.seen[-1].title == "Funny Ghost"


def test_page_runs_under_its_content_security_policy(page, server_url, tmp_path):
    """No CSP violation while the page loads and predicts (inline script or style would be one)."""
    poster = make_poster(tmp_path / "poster.jpg", (20, 10, 10))
    violations = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    submit_movie(page, server_url, poster, title="Funny Ghost", overview="a family")
    assert page.locator("#poster-preview").is_visible()  # the blob: preview is allowed
    assert violations == []
