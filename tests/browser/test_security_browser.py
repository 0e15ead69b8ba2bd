"""What a shared link, an imported file or edited code can do, tested as deployed: the policy
only as the pages' <meta>, the course under /course/ on an origin it shares with another site
(/other/) and a second copy of itself (/course2/), as a GitHub Pages project site would be.

The hostile payloads live here, not in the course.
"""

import base64
import contextlib
import functools
import http.server
import json
import shutil
import threading
import time
import zlib

import pytest

from builder.runtime import pyodide
from conftest import QuietHandler, paste_code

pytestmark = pytest.mark.browser
READY = 120_000
CH0 = "imagining-the-future.html"
SIM = "[data-sim]"
OTHER_SITE = """<!DOCTYPE html><title>Another site</title>
<script>caches.open("other-site").then((c) => c.put("/other/data", new Response("theirs")));</script>"""


def serve(folder):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def origin(built_site, tmp_path_factory):
    """(URL of /course/, URL of the origin's root, URL of a foreign origin)."""
    root = tmp_path_factory.mktemp("origin")
    (root / "other").mkdir()
    (root / "other" / "index.html").write_text(OTHER_SITE)
    (root / "course").symlink_to(built_site, target_is_directory=True)
    (root / "course2").symlink_to(built_site, target_is_directory=True)
    foreign = tmp_path_factory.mktemp("foreign")
    (foreign / "index.html").write_text("foreign")
    servers = [serve(root), serve(foreign)]
    base, elsewhere = (f"http://127.0.0.1:{s.server_address[1]}/" for s in servers)
    yield base + "course/", base, elsewhere
    for server in servers:
        server.shutdown()


def watch(page):
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def ready(page):
    page.wait_for_selector(f"{SIM}[data-state=ready]", timeout=READY)


def summary(page):
    return page.text_content(f"{SIM} .sim-summary")


def pack(source):
    """Code as a share link carries it: raw deflate, base64url."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = deflate.compress(source.encode()) + deflate.flush()
    return base64.urlsafe_b64encode(packed).decode().rstrip("=")


def sim_saying(text):
    """A whole sim module whose every frame's summary is text (a Python expression's value)."""
    return f'''
def simulate(params, seed):
    while True:
        yield {{"panels": [{{"title": "Probe", "x": [0, 1], "y": [0, 1], "items": []}}],
               "summary": {text}}}
'''


MARKER = sim_saying('"the shared code ran"')


def a_slider(page):
    """The first slider of the page's sim, for a link to set: (name, a value other than its default)."""
    controls = json.loads(page.text_content(f"{SIM} .sim-config"))["controls"]
    slider = next(c for c in controls if c["kind"] == "slider")
    return slider["name"], slider["max"] if slider["default"] != slider["max"] else slider["min"]


def run_edited(page, source):
    page.click(f"{SIM} .sim-edit-toggle")
    page.wait_for_selector(f"{SIM} .code-input")
    paste_code(page, f"{SIM} .code-input", source)
    page.click(f"{SIM} button[data-code=run]")


# --- 1. Code from a link or an imported file waits for the learner's Run ------------------------

def test_a_links_code_waits_in_the_editor_while_its_controls_apply_at_once(context, origin):
    course, _, _ = origin
    page = context.new_page()
    problems = watch(page)
    page.goto(course + CH0)
    name, value = a_slider(page)
    page.goto(course + "index.html")
    page.goto(f"{course}{CH0}#sim=ball&seed=5&{name}={value}&code={pack(MARKER)}")
    ready(page)
    assert page.input_value(f"{SIM} input[name={name}]") == str(value)
    assert page.is_visible(f"{SIM} .code-input")
    assert "someone else wrote" in page.text_content(f"{SIM} .sim-code-message")
    assert "the shared code ran" in page.input_value(f"{SIM} .code-input")
    page.wait_for_timeout(1500)  # frames of the sim's own code, never the link's
    assert "the shared code ran" not in summary(page)
    assert page.is_hidden(f"{SIM} .sim-edited")
    page.click(f"{SIM} button[data-code=run]")
    page.wait_for_function(f"() => /the shared code ran/.test(document.querySelector('{SIM} .sim-summary').textContent)")
    assert problems == []


def test_code_in_an_imported_progress_file_waits_for_run(context, origin, tmp_path):
    course, _, _ = origin
    page = context.new_page()
    problems = watch(page)
    page.goto(course + "index.html")
    progress = {"version": 1, "chapters": {}, "answers": {}, "code": {"ball": MARKER}}
    (tmp_path / "progress.json").write_text(json.dumps(progress))
    page.set_input_files(".progress-tools input[type=file]", str(tmp_path / "progress.json"))
    page.wait_for_function("() => /imported/.test(document.querySelector('.progress-note').textContent)")
    assert "press Run" in page.text_content(".progress-note")
    for visit in range(2):  # this visit and every later one
        page.goto(course + CH0) if visit == 0 else page.reload()
        ready(page)
        assert "imported progress file" in page.text_content(f"{SIM} .sim-code-message")
        page.wait_for_timeout(1000)
        assert "the shared code ran" not in summary(page)
    page.click(f"{SIM} button[data-code=run]")  # read, and run: it is the learner's code now
    page.wait_for_function(f"() => /the shared code ran/.test(document.querySelector('{SIM} .sim-summary').textContent)")
    page.reload()
    page.wait_for_function(f"() => /the shared code ran/.test(document.querySelector('{SIM} .sim-summary').textContent)",
                           timeout=READY)
    assert problems == []


# --- 2. The Python worker runs under the page's policy, without the origin's storage -----------

def reach(page, origin):
    """What learner code run in the page's sim can reach, by name: "allowed" or "refused", and
    each of the origin's storage and ways to start more code: "gone" or "present"."""
    course, base, foreign = origin
    probes = f'''
import js

def refused(call):
    try:
        call()
        return "allowed"
    except Exception:
        return "refused"

def get(url):
    request = js.XMLHttpRequest.new()
    request.open("GET", url, False)
    request.send()

RESULTS = {{
    "eval": refused(lambda: js.eval("1")),
    "function": refused(lambda: js.Function.new("return 1")),
    "foreign origin": refused(lambda: get("{foreign}index.html")),
    "other site": refused(lambda: get("{base}other/index.html")),
    "own course": refused(lambda: get("{course}index.html")),
}}
for name in ["caches", "indexedDB", "importScripts", "Worker", "SharedWorker"]:
    here = js.Reflect.get(js.self, name)
    inherited = js.Reflect.get(js.WorkerGlobalScope.prototype, name)
    RESULTS[name] = "gone" if here is None and inherited is None else "present"
'''
    run_edited(page, probes + sim_saying("__import__('json').dumps(RESULTS)"))
    page.wait_for_function(f"() => document.querySelector('{SIM} .sim-summary').textContent.startsWith('{{')")
    return json.loads(summary(page))


CONFINED = {"eval": "refused", "function": "refused", "foreign origin": "refused", "other site": "refused",
            "own course": "allowed", "caches": "gone", "indexedDB": "gone", "importScripts": "gone",
            "Worker": "gone", "SharedWorker": "gone"}


def test_learner_code_in_the_worker_reaches_nothing_beyond_the_course(context, origin):
    course, _, _ = origin
    page = context.new_page()
    problems = watch(page)
    page.goto(course + CH0)
    ready(page)
    assert reach(page, origin) == CONFINED
    assert problems == []


# --- 3. The offline worker serves only what the build shipped, and only its own caches ---------

def offline_ready(page):
    """Wait until the offline worker has cached the course and controls the page."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=READY)


def test_the_offline_worker_serves_no_poisoned_entry_and_spares_other_caches(browser, origin):
    course, base, _ = origin
    context = browser.new_context(service_workers="allow")
    try:
        page = context.new_page()
        page.goto(base + "other/index.html")
        page.wait_for_function("async () => (await caches.keys()).includes('other-site')")
        page.evaluate("(course) => caches.open(`understand-world-models ${course} 0ld`)", course)
        page.goto(course + CH0)
        ready(page)
        offline_ready(page)
        page.goto(base + "course2/" + CH0)  # the same course under another scope of the origin
        ready(page)
        page.wait_for_function("async () => (await caches.keys()).length >= 3", timeout=READY)
        keys = page.evaluate("() => caches.keys()")
        assert "other-site" in keys and f"understand-world-models {course} 0ld" not in keys
        assert {k.rsplit(" ", 1)[0] for k in keys if k != "other-site"} == {
            f"understand-world-models {course}", f"understand-world-models {base}course2/"}

        # Anyone on the origin may write into our cache; what is not shipped, or is HTML in the
        # runtime's folder, is never served from it.
        page.goto(course + CH0)
        page.evaluate("""async (course) => {
            const name = (await caches.keys()).find((k) => k.includes(course));
            const cache = await caches.open(name);
            const html = { headers: { "content-type": "text/html" } };
            await cache.put(course + "pyodide/evil.html", new Response("<script>alert(1)</script>", html));
            await cache.put(course + "pyodide/pyodide-lock.json", new Response("<script>alert(1)</script>", html));
            await cache.put(course + "evil.html", new Response("<script>alert(1)</script>", html));
        }""", course)
        for path in ("pyodide/evil.html", "evil.html"):
            assert page.goto(course + path).status == 404
        response = page.goto(course + "pyodide/pyodide-lock.json")
        assert "html" not in response.headers.get("content-type", "") and json.loads(response.text())["packages"]
    finally:
        context.close()


class LongCached(QuietHandler):
    """Tells browsers to keep every file a year, as a host may."""

    def end_headers(self):
        self.send_header("Cache-Control", "max-age=31536000")
        super().end_headers()


def test_a_new_version_never_precaches_an_old_file_from_the_http_cache(browser, built_site, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(LongCached, directory=str(site)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    course = f"http://127.0.0.1:{server.server_address[1]}/"
    context = browser.new_context(service_workers="allow")
    try:
        page = context.new_page()
        page.goto(course + CH0)
        ready(page)
        offline_ready(page)
        page.wait_for_timeout(1100)  # so that the change below has a later Last-Modified second
        # A new build: one runtime file changed, and so the offline worker's version.
        with open(site / "pyodide" / "pyodide.mjs", "a", encoding="utf-8") as runtime:
            runtime.write("\n// the new build\n")
        worker = (site / "sw.js").read_text(encoding="utf-8")
        (site / "sw.js").write_text(worker.replace('const VERSION = "', 'const VERSION = "new'), encoding="utf-8")
        page.reload()
        stored = """async () => {
            const name = (await caches.keys()).find((k) => k.includes(" new"));
            const hit = name && await caches.match(new URL("pyodide/pyodide.mjs", location.href).href, { cacheName: name });
            return hit ? hit.text() : "";
        }"""
        deadline = time.monotonic() + 60
        while not page.evaluate(stored) and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        stored = page.evaluate(stored)
        assert "the new build" in stored
    finally:
        context.close()
        server.shutdown()


# --- 4. A snapshot of Python is restored only when it is this build's, whole and sound ------

WORKERS = """
    window.__workers = []; // each worker the page made: what it was sent, and what it said
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (message, ...rest) {
      this.seen?.sent.push(message.type);
      return post.call(this, message, ...rest);
    };
    window.Worker = class extends window.Worker {
      constructor(...args) {
        super(...args);
        this.seen = { sent: [], restored: null, frame: null };
        window.__workers.push(this.seen);
        this.addEventListener("message", ({ data }) => {
          if (data.type === "ready") this.seen.restored = data.restored;
          if (data.type === "frame" && !this.seen.frame) this.seen.frame = Array.from(data.data);
        });
      }
    };
"""
def snapshots(page, course):
    """This site's kept snapshots, as [address, the probe its Python computed]."""
    return page.evaluate("""async (course) => {
        const cache = await caches.open(`understand-world-models ${course} python`);
        return Promise.all((await cache.keys()).map(async (request) =>
            [request.url, JSON.parse((await cache.match(request)).headers.get("x-snapshot")).probe]));
    }""", course)


@contextlib.contextmanager
def first_visit(browser, course):
    """A page after its first visit, its snapshot kept: (page, its workers, its snapshots, problems)."""
    context = browser.new_context(service_workers="allow")
    context.add_init_script(WORKERS)
    try:
        page = context.new_page()
        problems = watch(page)
        page.goto(course + CH0)
        ready(page)
        deadline = time.monotonic() + READY / 1000
        while not snapshots(page, course) and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        yield page, page.evaluate("window.__workers"), snapshots(page, course), problems
    finally:
        context.close()


def revisit(page):
    """Reload; the workers of the new visit once its sim has its first frame."""
    page.reload()
    ready(page)
    page.wait_for_function("() => window.__workers[0]?.frame")
    return page.evaluate("window.__workers")


def test_a_revisit_restores_the_snapshot_its_first_visit_kept_and_computes_the_same(browser, origin):
    course = origin[0]
    with first_visit(browser, course) as (page, workers, kept, problems):
        key = json.loads(page.text_content("#course-config"))["python"]["snapshot"]
        booted, maker = workers
        assert booted["restored"] is False and booted["frame"]
        assert maker["sent"] == ["snapshot", "runtime"]  # never a sim's start, nor any code
        assert [url for url, _ in kept] == [f"{course}pyodide/snapshot/{key}"]
        [restored] = revisit(page)
        assert restored["restored"] is True
        assert restored["frame"] == booted["frame"]
        assert reach(page, origin) == CONFINED
        # Unseeded generators draw afresh in each restored Python, not the snapshot's numbers:
        # code run here runs again at the next visit, as its first frame.
        paste_code(page, f"{SIM} .code-input", DRAW)  # the editor reach() opened
        page.click(f"{SIM} button[data-code=run]")
        drawn = []
        for _ in range(2):
            assert revisit(page)[0]["restored"] is True
            page.wait_for_function(f"() => document.querySelector('{SIM} .sim-summary').textContent.startsWith('(')")
            drawn.append(summary(page))
        assert drawn[0] != drawn[1]
        assert problems == []


DRAW = "import random, numpy\nDRAWN = repr((random.random(), numpy.random.random()))  # once a start\n" + sim_saying("DRAWN")


TAMPER = """async ([course, url, damage]) => {
    const cache = await caches.open(`understand-world-models ${course} python`);
    const response = await cache.match(url);
    const meta = JSON.parse(response.headers.get("x-snapshot"));
    let bytes = new Uint8Array(await response.arrayBuffer());
    if (damage === "cut short") bytes = bytes.slice(0, bytes.length / 2);
    if (damage === "garbled") bytes.fill(7);
    if (damage === "another Python") meta.probe = "0.0";
    if (damage === "another build") await cache.delete(url), url = url.replace(/[^/]+$/, "0ther");
    await cache.put(url, new Response(bytes, { headers: { "x-snapshot": JSON.stringify(meta) } }));
}"""


@pytest.mark.parametrize("damage", ["cut short", "garbled", "another Python", "another build"])
def test_a_snapshot_that_is_damaged_or_not_this_builds_is_never_used_and_is_replaced(browser, origin, damage):
    course = origin[0]
    with first_visit(browser, course) as (page, workers, kept, problems):
        [(url, _)] = kept
        page.evaluate(TAMPER, [course, url, damage])  # untouched, it is restored (the test above)
        booted = revisit(page)[0]
        assert booted["restored"] is False and booted["frame"] == workers[0]["frame"]
        deadline = time.monotonic() + READY / 1000  # the next visit's own snapshot takes its place
        while snapshots(page, course) != kept and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        assert snapshots(page, course) == kept
        assert problems == []


# --- 5. Loading that stalls or finds a damaged file says so ---------------------------------------

def test_a_stalled_download_ends_in_an_error_with_retry(context, origin):
    course, _, _ = origin
    stalled = []
    context.route("**/pyodide/python_stdlib.zip", lambda route: stalled.append(route))  # never answered
    page = context.new_page()
    page.clock.install()
    page.goto(course + CH0)
    page.wait_for_function("() => document.querySelector('[data-sim] .sim-status').textContent.includes('Python')")
    page.wait_for_timeout(3000)  # the worker reaches the stalled file
    assert stalled and page.get_attribute(SIM, "data-state") == "loading"
    page.clock.fast_forward("00:31")
    page.wait_for_selector(f"{SIM}[data-state=error]", timeout=10_000)
    assert "stopped loading" in page.text_content(f"{SIM} .sim-status")
    assert page.is_visible(f"{SIM} button:has-text('Retry')")


NUMPY_FILES = pyodide.NUMPY_WHEEL.removesuffix(".whl") + ".tar.gz"


@pytest.mark.parametrize("file, body, expected", [
    (NUMPY_FILES, None, f"numpy's files ({NUMPY_FILES}) could not be downloaded: HTTP 404"),
    ("python_stdlib.zip", None, "standard library (python_stdlib.zip) could not be downloaded: HTTP 404"),
    ("python_stdlib.zip", "not a zip", "standard library (python_stdlib.zip) is damaged"),
])
def test_a_missing_or_damaged_runtime_file_is_named(context, origin, file, body, expected):
    course, _, _ = origin
    context.route(f"**/pyodide/{file}", lambda route: route.fulfill(status=404) if body is None
                  else route.fulfill(status=200, body=body))
    page = context.new_page()
    page.goto(course + CH0)
    page.wait_for_selector(f"{SIM}[data-state=error]", timeout=READY)
    assert expected in page.text_content(f"{SIM} .sim-status")


# --- 6. Moving within a page keeps its state ---------------------------------------------------

def test_the_skip_link_and_contents_links_keep_the_page_and_unsaved_code(context, origin):
    course, _, _ = origin
    page = context.new_page()
    problems = watch(page)
    page.goto(course + CH0)
    ready(page)
    name, value = a_slider(page)
    page.fill(f"{SIM} input[name={name}]", str(value))
    page.click(f"{SIM} .sim-edit-toggle")
    page.wait_for_selector(f"{SIM} .code-input")
    page.fill(f"{SIM} .code-input", "# not yet run\n")
    page.evaluate("() => (document.querySelector('main').dataset.mark = 'kept')")
    page.focus(".skip-link")
    page.keyboard.press("Enter")
    page.click(".toc a >> nth=1")
    page.go_back()
    page.go_back()
    page.click(".chapter-menu summary")
    page.click(".chapter-menu a[aria-current=page]")
    page.evaluate("() => { location.hash = '%E0%A4%A'; }")  # a malformed fragment
    page.go_back()
    page.wait_for_timeout(500)
    assert page.get_attribute("main", "data-mark") == "kept"
    assert page.input_value(f"{SIM} input[name={name}]") == str(value)
    assert page.input_value(f"{SIM} .code-input") == "# not yet run\n"
    assert problems == []


# --- 7. Links and imports are bounded -----------------------------------------------------------

def test_a_deflate_bomb_in_a_link_is_refused_and_the_sim_runs(context, origin):
    course, _, _ = origin
    bomb = pack("#" * 5_000_000)  # a few KB in the link, 5 MB unpacked
    assert len(bomb) < 8000
    page = context.new_page()
    problems = watch(page)
    page.goto(f"{course}{CH0}#sim=ball&code={bomb}")
    ready(page)
    assert page.is_hidden(f"{SIM} .sim-code")
    page.goto(f"{course}index.html")
    page.goto(f"{course}{CH0}#sim=ball&code={pack('#' * 1000) * 40}")  # far too long a link
    ready(page)
    assert page.is_hidden(f"{SIM} .sim-code")
    assert problems == []


def test_an_import_that_cannot_be_stored_says_so(context, origin, tmp_path):
    course, _, _ = origin
    page = context.new_page()
    page.goto(course + "index.html")
    page.evaluate("() => { Storage.prototype.setItem = () => { throw new DOMException('full', 'QuotaExceededError'); }; }")
    (tmp_path / "progress.json").write_text(json.dumps({"version": 1, "chapters": {}, "answers": {}}))
    page.set_input_files(".progress-tools input[type=file]", str(tmp_path / "progress.json"))
    page.wait_for_function("() => /imported/.test(document.querySelector('.progress-note').textContent)")
    assert "for this visit only" in page.text_content(".progress-note")
