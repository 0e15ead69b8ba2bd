"""Shared fixtures: throwaway courses for the builder, and a built site served to Chromium."""

import functools
import http.server
import os
import shutil
import sys
import threading
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def make_course(folder, chapters):
    """A course in folder with the real templates, static files and sims, and these chapters.

    chapters maps file names to their text.
    """
    folder = Path(folder)
    for part in ("templates", "static", "sims"):
        shutil.copytree(ROOT / part, folder / part, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "chapters").mkdir()
    for name, text in chapters.items():  # a name may be in a folder: figures/NAME.svg
        (folder / "chapters" / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / "chapters" / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def course_dir(tmp_path):
    return functools.partial(make_course, tmp_path / "course")


# --- The built site, served like GitHub Pages would: static files from 127.0.0.1 ------------

class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve_folder(folder):
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    from builder import site
    out = tmp_path_factory.mktemp("site") / "_site"
    site.build(ROOT, out)
    return out


@pytest.fixture(scope="session")
def cdn_site(tmp_path_factory):
    """The course built with --pyodide-cdn: pages only, the runtime left to the CDN."""
    from builder import site
    out = tmp_path_factory.mktemp("cdn-site") / "_site"
    site.build(ROOT, out, cdn=True)
    return out


@pytest.fixture(scope="session")
def site_url(built_site):
    server = serve_folder(built_site)
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        executable = None
        if not os.path.exists(p.chromium.executable_path):
            executable = shutil.which("chromium") or "/usr/bin/chromium"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            browser = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        # Requests a service worker answers bypass Playwright's routes, which the fault tests
        # rely on: contexts block the course's service worker unless a test allows it.
        new_context = browser.new_context
        browser.new_context = lambda **options: new_context(**{"service_workers": "block", **options})
        yield browser
        browser.close()


HARNESS_WARNING = "Service Worker registration blocked by Playwright"  # the tests' own doing


class Watched:
    """A page with every console message, page error and request it made."""

    def __init__(self, page):
        self.page, self.console, self.requests = page, [], []
        page.on("console", lambda m: self.console.append((m.type, m.text)))
        page.on("pageerror", lambda e: self.console.append(("pageerror", str(e))))
        page.context.on("request", lambda r: self.requests.append(r.url))

    def problems(self):
        return [(kind, text) for kind, text in self.console if kind in ("error", "warning", "pageerror")
                and text != HARNESS_WARNING]

    def foreign_requests(self):
        return [u for u in self.requests if not u.startswith(("http://127.0.0.1", "data:", "blob:"))]


@pytest.fixture
def context(browser):
    """A desktop-sized browser context that may reach this machine only."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        ("http://127.0.0.1", "data:", "blob:")) else route.abort())
    yield context
    context.close()


@pytest.fixture
def watched_page(context):
    yield Watched(context.new_page())


def paste_code(page, selector, text):
    """Put text in a code box as a paste does: one input event. (Playwright's fill types it in,
    which in some Chromium builds takes longer than any timeout for a sim's whole source.)"""
    page.eval_on_selector(selector, """(box, text) => {
        box.focus();
        box.value = text;
        box.dispatchEvent(new InputEvent("input", {bubbles: true, inputType: "insertFromPaste"}));
    }""", text)
