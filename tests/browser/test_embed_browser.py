"""A sim anywhere: its embed page in an <iframe> on another site's page (another origin), offline,
under the pages' meta policy and a sub-path as deployed; its height message; Copy embed code;
and presentation mode, by keyboard.

The course is served at 127.0.0.1:PORT/course/; the host page at localhost:PORT2, another origin
(and another site, so the frame is third-party: its storage is partitioned or refused).
"""

import base64
import json
import functools
import http.server
import re
import threading
import time
import urllib.parse
import zlib

import pytest

from conftest import ROOT, QuietHandler

pytestmark = pytest.mark.browser
READY = 120_000
HOSTS = ("http://127.0.0.1:", "http://localhost:")
# The listener the README gives instructors for their own pages: tested as written there.
LISTENER = re.search(r"```html\n(<script>\n.*?uwm:height.*?</script>)\n```",
                     (ROOT / "README.md").read_text(encoding="utf-8"), re.S).group(1)
HOST_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Lecture notes</title></head>
<body><h1>Lecture 3</h1><p>Before the sim.</p>{frame}<p>After the sim.</p>
<script>window.messages = []; addEventListener("message", (e) => window.messages.push(e.data));</script>
{listener}</body></html>"""
# Edited code as a share link carries it (raw deflate, base64url): every frame says it ran.
MARKER = '''
def simulate(params, seed):
    while True:
        yield {"panels": [{"title": "Probe", "x": [0, 1], "y": [0, 1], "items": []}], "summary": "the shared code ran"}
'''


def pack(source):
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.urlsafe_b64encode(deflate.compress(source.encode()) + deflate.flush()).decode().rstrip("=")


RECORD_VIOLATIONS = """
window.__violations = [];
addEventListener("securitypolicyviolation", (e) => window.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
"""
# A browser that refuses a third-party frame its storage (as Safari and Firefox may): an init
# script runs in every frame, so only the embedded page meets it.
BLOCK_FRAME_STORAGE = """
if (window !== window.top) {
  for (const name of ["localStorage", "sessionStorage"]) {
    Object.defineProperty(window, name, { get() { throw new DOMException("refused", "SecurityError"); } });
  }
}
"""


def serve(folder):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def sites(built_site, tmp_path_factory):
    """(URL of the course under /course/, URL of the host's folder on another origin)."""
    origin = tmp_path_factory.mktemp("course-origin")
    (origin / "course").symlink_to(built_site, target_is_directory=True)
    host = tmp_path_factory.mktemp("host")
    servers = [serve(origin), serve(host)]
    yield (f"http://127.0.0.1:{servers[0].server_address[1]}/course/",
           f"http://localhost:{servers[1].server_address[1]}/", host)
    for server in servers:
        server.shutdown()


class Offline:
    """A context that reaches only this machine (both origins), recording what it refused and
    every console message and error of the page and its frames."""

    def __init__(self, browser, **options):
        self.context = browser.new_context(viewport={"width": 1000, "height": 900}, service_workers="allow", **options)
        self.refused, self.console = [], []
        self.context.route("**/*", self.route)

    def route(self, route):
        url = route.request.url
        if url.startswith(HOSTS) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.refused.append(url)
            route.abort()

    def page(self):
        page = self.context.new_page()
        page.on("console", lambda m: self.console.append((m.type, m.text)))
        page.on("pageerror", lambda e: self.console.append(("pageerror", str(e))))
        return page

    def problems(self):
        return [c for c in self.console if c[0] in ("error", "warning", "pageerror")]


@pytest.fixture
def offline(browser):
    made = []

    def make(**options):
        made.append(Offline(browser, **options))
        return made[-1]
    yield make
    for each in made:
        each.context.close()


def host_page(sites, name, frame):
    _, host, folder = sites
    (folder / name).write_text(HOST_PAGE.format(frame=frame, listener=LISTENER), encoding="utf-8")
    return host + name


def embedded(page):
    """The embed page's frame, once its sim is ready."""
    page.wait_for_selector("iframe")
    frame = page.frame_locator("iframe")
    frame.locator("[data-sim]").wait_for()
    inner = next(f for f in page.frames if "/embed/" in f.url)
    inner.wait_for_selector("[data-sim]:is([data-state=ready], [data-state=error])", timeout=READY)
    assert inner.get_attribute("[data-sim]", "data-state") == "ready", inner.inner_text("[data-sim] .sim-status")
    return inner


def frame_fits(page, inner, settle=10_000):
    """The frame's height (set by the README's listener) and its page's height, in CSS px, once
    they agree or `settle` ms have passed. A page may grow in steps (text wraps at once, the
    canvas takes its new layout at its next draw), each step a message of its own."""
    deadline = time.monotonic() + settle / 1000
    while True:
        frame = page.eval_on_selector("iframe", "f => f.getBoundingClientRect().height")
        content = inner.evaluate("() => document.documentElement.getBoundingClientRect().height")
        if abs(frame - content) <= 1 or time.monotonic() > deadline:
            return frame, content
        page.wait_for_timeout(100)


@pytest.mark.parametrize("storage", ["partitioned", "refused"])
def test_an_embedded_sim_runs_in_another_sites_frame_offline_and_waits_to_run_link_code(
        offline, sites, storage):
    course, _, _ = sites
    browser = offline()
    browser.context.add_init_script(RECORD_VIOLATIONS)
    if storage == "refused":
        browser.context.add_init_script(BLOCK_FRAME_STORAGE)
    page = browser.page()
    src = f"{course}embed/ball.html#sim=ball&seed=5&horizon=35&model=%22contact%22&code={pack(MARKER)}"
    page.goto(host_page(sites, "lecture.html", f'<iframe src="{src}" title="A sim" style="width: 100%; height: 300px; border: 0"></iframe>'))
    inner = embedded(page)
    assert urllib.parse.urlsplit(inner.url).netloc != urllib.parse.urlsplit(page.url).netloc  # another origin
    # The link's controls apply at once; its code waits in the editor with the notice.
    assert inner.input_value("input[name=horizon]") == "35"
    assert inner.is_checked("input[name=model][value=contact]")
    assert inner.is_visible(".code-input")
    assert "someone else wrote" in inner.text_content(".sim-code-message")
    assert "the shared code ran" in inner.input_value(".code-input")
    inner.wait_for_function("() => /\\S/.test(document.querySelector('.sim-summary').textContent)")
    page.wait_for_timeout(1500)  # frames of the sim's own code, never the link's
    assert "the shared code ran" not in inner.text_content(".sim-summary")
    assert inner.is_hidden(".sim-edited")
    # Only the sim: no header, menu, footer or chapter text; a link back to its chapter.
    assert inner.locator(".site-header, .site-footer, .chapter-menu, .sim-side, .chapter-body").count() == 0
    assert inner.locator("[data-sim]").count() == 1
    source = inner.get_attribute(".embed-source a", "href")
    assert source.endswith("imagining-the-future.html#sim-1") and inner.get_attribute(".embed-source a", "target") == "_blank"
    # The frame was 300 px: the height message made it fit its content, with no scrollbar.
    page.wait_for_function("() => document.querySelector('iframe').getBoundingClientRect().height > 300")
    frame, content = frame_fits(page, inner)
    assert abs(frame - content) <= 1
    assert inner.evaluate("() => document.documentElement.scrollHeight <= innerHeight")
    messages = page.evaluate("() => window.messages")
    assert messages and all(set(m) == {"type", "height"} and m["type"] == "uwm:height" for m in messages)
    assert messages[-1]["height"] == pytest.approx(content, abs=1)
    # Pressing Run is what runs it.
    inner.click("button[data-code=run]")
    inner.wait_for_function("() => /the shared code ran/.test(document.querySelector('.sim-summary').textContent)")
    assert inner.evaluate("() => window.__violations") == []  # the page's policy allowed all it did
    assert browser.refused == []
    assert browser.problems() == []


def test_the_height_message_follows_the_embed_page_as_it_grows_and_shrinks(offline, sites):
    course, _, _ = sites
    browser = offline()
    page = browser.page()
    page.goto(host_page(sites, "grows.html", f'<iframe src="{course}embed/planning.html" title="A sim" style="width: 100%; height: 500px; border: 0"></iframe>'))
    inner = embedded(page)
    page.wait_for_function("() => window.messages.length > 0")
    before, _ = frame_fits(page, inner)
    inner.click(".sim-edit-toggle")  # the code editor opens under the sim: the page grows
    inner.wait_for_selector(".code-input")
    page.wait_for_function(f"() => document.querySelector('iframe').getBoundingClientRect().height > {before} + 200")
    frame, content = frame_fits(page, inner)
    assert abs(frame - content) <= 1
    inner.click(".sim-edit-toggle")
    page.wait_for_function(f"() => Math.abs(document.querySelector('iframe').getBoundingClientRect().height - {before}) <= 1")
    page.set_viewport_size({"width": 420, "height": 900})  # narrower: the controls wrap, the page grows
    page.wait_for_function(f"() => document.querySelector('iframe').getBoundingClientRect().height > {before} + 100")
    frame, content = frame_fits(page, inner)
    assert abs(frame - content) <= 1
    assert browser.refused == [] and browser.problems() == []


def test_copy_embed_code_gives_a_snippet_of_the_embed_page_with_the_sims_state(offline, sites):
    course, _, _ = sites
    browser = offline()
    origin = course.split("/course/")[0]
    browser.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    page = browser.page()
    page.goto(course + "planning.html#sim=planning&seed=7&samples=150&method=cem")
    page.wait_for_selector("[data-sim=planning][data-state=ready]", timeout=READY)
    button = page.locator("[data-sim=planning] button[data-action=embed]")
    button.focus()  # by keyboard, and announced in the sim's status line
    page.keyboard.press("Enter")
    note = page.locator("[data-sim=planning] .sim-share-note")
    page.wait_for_function("n => n.textContent !== ''", arg=note.element_handle())
    assert note.text_content() == "Embed code copied." and note.get_attribute("role") == "status"
    snippet = page.evaluate("() => navigator.clipboard.readText()")
    found = re.fullmatch(r'<iframe src="([^"]+)" title="([^"]+)" loading="lazy" allow="fullscreen; clipboard-write" '
                         r'style="width: 100%; height: (\d+)px; border: 0"></iframe>', snippet)
    assert found, snippet
    src, title, height = found.groups()
    url = urllib.parse.urlsplit(src.replace("&amp;", "&"))
    assert f"{url.scheme}://{url.netloc}{url.path}" == course + "embed/planning.html"
    state = urllib.parse.parse_qs(url.fragment)
    assert state["sim"] == ["planning"] and state["seed"] == ["7"] and state["samples"] == ["150"]
    assert state["method"] == ['"cem"']
    assert title == page.text_content("[data-sim=planning] .sim-title").strip()
    sim_height = page.eval_on_selector("[data-sim=planning] .sim-main", "m => m.getBoundingClientRect().height")
    assert sim_height < int(height) < sim_height + 200
    # Pasted into another site's page, it shows the sim as it was.
    page.goto(host_page(sites, "pasted.html", snippet))
    inner = embedded(page)
    assert inner.input_value("input[name=samples]") == "150"
    assert inner.is_checked("input[name=method][value=cem]")
    inner.wait_for_function("() => / 150 samples/.test(document.querySelector('.sim-summary').textContent)", timeout=20_000)
    assert browser.refused == [] and browser.problems() == []


NO_FULLSCREEN = "Object.defineProperty(Document.prototype, 'fullscreenEnabled', { get: () => false });"


@pytest.mark.parametrize("mode", ["fullscreen", "overlay"])
def test_presentation_mode_by_keyboard_fills_the_screen_and_escape_leaves(offline, sites, mode):
    course, _, _ = sites
    browser = offline()
    browser.context.set_default_timeout(20_000)
    if mode == "overlay":  # a browser without the Fullscreen API
        browser.context.add_init_script(NO_FULLSCREEN)
    page = browser.page()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(course + "planning.html")
    sim = "[data-sim=planning]"
    page.locator(sim).scroll_into_view_if_needed()
    page.wait_for_selector(f"{sim}[data-state=ready]", timeout=READY)
    small = page.eval_on_selector(f"{sim} canvas", "c => c.getBoundingClientRect().height")
    button = page.locator(f"{sim} button[data-action=present]")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{sim}.is-presenting")
    if mode == "fullscreen":
        page.wait_for_function("() => document.fullscreenElement?.matches('[data-sim=planning]')")
    else:
        assert page.evaluate("() => document.fullscreenElement") is None
    assert page.evaluate("() => document.activeElement.dataset.action") == "present"
    assert button.text_content() == "Leave presentation"
    assert "Escape" in page.text_content(f"{sim} .sim-share-note")
    box = page.eval_on_selector(sim, "s => s.getBoundingClientRect().toJSON()")
    assert box["x"] == 0 and box["y"] == 0 and box["width"] >= 1270 and box["height"] == 800
    assert page.evaluate("() => document.querySelector('.site-header').inert")  # the page behind
    # Larger controls and text, and a canvas re-fitted to the screen: bigger, yet all on it.
    assert page.eval_on_selector(f"{sim} .sim-title", "t => parseFloat(getComputedStyle(t).fontSize)") > 26
    assert page.eval_on_selector(f"{sim} button[data-action=step]", "b => b.getBoundingClientRect().height") >= 40
    page.wait_for_function(f"""() => {{
        const c = document.querySelector("{sim} canvas").getBoundingClientRect();
        return c.height > {small} && c.bottom <= innerHeight;
    }}""")
    page.keyboard.press("Escape")
    page.wait_for_function(f"() => !document.querySelector('{sim}').classList.contains('is-presenting')")
    assert page.evaluate("() => document.fullscreenElement") is None
    assert page.evaluate("() => document.activeElement.dataset.action") == "present"
    assert button.text_content() == "Present"
    assert not page.evaluate("() => document.querySelector('.site-header').inert")
    page.wait_for_function(f"() => Math.abs(document.querySelector('{sim} canvas').getBoundingClientRect().height - {small}) < 2")
    assert browser.refused == [] and browser.problems() == []


def test_presentation_mode_follows_the_dark_theme(offline, sites):
    course, _, _ = sites
    browser = offline(color_scheme="dark", reduced_motion="reduce")
    page = browser.page()
    page.goto(course + "planning.html")
    page.locator("[data-sim]").scroll_into_view_if_needed()
    page.wait_for_selector("[data-sim][data-state=ready]", timeout=READY)
    page.click("[data-sim] button[data-action=present]")
    page.wait_for_selector("[data-sim].is-presenting")
    background = page.eval_on_selector("[data-sim]", "s => getComputedStyle(s).backgroundColor")
    assert background == "rgb(21, 24, 28)"  # the dark theme's --bg
    assert page.text_content("[data-sim] button[data-action=play]") == "Play"  # reduced motion: still paused
    page.click("[data-sim] button[data-action=present]")
    page.wait_for_function("() => !document.querySelector('[data-sim]').classList.contains('is-presenting')")
    assert browser.problems() == []


def test_a_click_on_a_presented_sim_picks_the_point_under_the_pointer(offline, sites):
    """Presented, the canvas draws larger (--sim-zoom): a click still means the point it lands on."""
    course, _, _ = sites
    browser = offline()
    page = browser.page()
    page.set_viewport_size({"width": 1600, "height": 900})
    page.goto(course + "imagining-the-future.html")
    sim = "[data-sim=ball]"
    page.locator(sim).scroll_into_view_if_needed()
    page.wait_for_selector(f"{sim}[data-state=ready]", timeout=READY)
    page.click(f"{sim} button[data-action=present]")
    page.wait_for_selector(f"{sim}.is-presenting")
    zoom = page.eval_on_selector(sim, "s => parseFloat(getComputedStyle(s).getPropertyValue('--sim-zoom'))")
    assert zoom > 1
    page.wait_for_timeout(500)  # the canvas re-fitted and redrawn at its new size
    # The tick labels "2" of the first panel, where render.js put them (CSS pixels).
    ticks = page.eval_on_selector(f"{sim} canvas", """c => {
        const ticks = c.textBoxes.filter((b) => b.kind === "tick" && b.panel === 0);
        const bottom = Math.max(...ticks.map((b) => b.y));
        const x = ticks.find((b) => b.y === bottom && b.text === "2");
        const y = ticks.find((b) => b.y !== bottom && b.text === "2");
        return [x.x + x.w / 2, y.y + y.h / 2];
    }""")
    box = page.eval_on_selector(f"{sim} canvas", "c => c.getBoundingClientRect().toJSON()")
    page.mouse.click(box["x"] + ticks[0], box["y"] + ticks[1])
    page.click(f"{sim} button[data-action=share]")
    page.wait_for_function("() => /launch=/.test(location.hash)")
    launch = json.loads(urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).fragment)["launch"][0])
    assert launch == pytest.approx([2, 2], abs=0.05)
    assert browser.problems() == []
