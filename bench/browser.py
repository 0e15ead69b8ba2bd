"""The measurements in Chromium, each from a fresh browser context unless it says otherwise.

Times come from the page itself (bench/probe.js): performance.now() from navigation start, so
Playwright's own round trips never count. The course's pages forbid eval in their Content
Security Policy, which Playwright's wait_for_function needs; `until` polls page.evaluate instead.
"""

import contextlib
import os
import shutil
import time
import warnings
from pathlib import Path

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PROBE = (Path(__file__).with_name("probe.js")).read_text(encoding="utf-8")
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT = 180  # s: a cold Python start on a slow, busy machine
SETTLE = 1.0  # s


class Timeout(Exception):
    pass


def launch(playwright):
    """A Playwright-installed Chromium when there is one, else the system's Chromium."""
    executable = None
    if not os.path.exists(playwright.chromium.executable_path):
        executable = shutil.which("chromium") or "/usr/bin/chromium"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        return playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)


@contextlib.contextmanager
def fresh_page(browser):
    """A page in a new context (empty caches and storage) with the probe installed. Closing it
    is followed by a pause, so that tearing down its processes does not slow the next one."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(PROBE)
    try:
        yield context.new_page()
    finally:
        context.close()
        time.sleep(SETTLE)


def until(page, expression, timeout=TIMEOUT, interval=0.05):
    """Poll a JavaScript expression until it is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = page.evaluate(expression)
        except Exception as error:  # the page navigated between polls: try again
            if "navigat" not in str(error) and "destroyed" not in str(error):
                raise
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise Timeout(f"timed out after {timeout} s waiting for {expression}")
        time.sleep(interval)


def first_ready(page, chapter=None):
    """The first sim-ready record of this document (of chapter, when given)."""
    test = f"r.chapter === {chapter!r}" if chapter else "true"
    return until(page, f"__bench.ready.find((r) => {test})")


def long_tasks_before(page, t):
    """Long tasks that began before t; the long animation frames, which name their scripts; and
    the worker messages whose handling on the page took > 16 ms."""
    return page.evaluate(f"[__bench.longtasks, __bench.loaf, __bench.handled].map((xs) => xs.filter((x) => x.t < {t}))")


def settle(page, server):
    """Let the visit finish its background work (the offline service worker caching the course,
    the next page fetched ahead, Python's runtime compiled on the page and its snapshot made for
    the next visit): the service worker is active, the runtime and the snapshot kept (or the
    snapshot given up: a build without one), and nothing was requested for 1 s."""
    server.wait_quiet(1.0)
    page.evaluate("""navigator.serviceWorker?.getRegistration().then((registered) => registered &&
        Promise.race([navigator.serviceWorker.ready, new Promise((done) => setTimeout(done, 30000))]))""")
    page.wait_for_function("""() => !document.querySelector("[data-sim]")
        || localStorage.getItem("understand-world-models/runtime-compiled")""", timeout=30_000)
    try:
        until(page, """!document.querySelector("[data-sim]")
            || !JSON.parse(document.getElementById("course-config").textContent).python?.snapshot
            || caches.keys().then((names) => names.find((name) => name.endsWith(" python")))
                .then((name) => name && caches.open(name)).then((cache) => cache?.keys()).then((kept) => kept?.length)""", timeout=30)
    except Timeout:
        pass  # no snapshot could be made: the revisits start as the first visit did
    server.wait_quiet(1.0)


def phases(page):
    """When the worker was made and each of its messages arrived, as [[what, ms], ...]."""
    return page.evaluate("__bench.worker.map((w) => [w.what, w.t])")


def last_lcp(page):
    return page.evaluate("__bench.lcp.at(-1) || null")


# --- Loading: floor, chapter cold and warm, largest paint --------------------------------------

def floor(browser, url, reloads=2):
    """Stock Pyodide: cold load in a fresh context, then `reloads` reloads; the last is warm."""
    with fresh_page(browser) as page:
        page.goto(url)
        cold = until(page, "window.floor && floor.marks")
        warm = []
        for _ in range(reloads):
            page.reload()
            warm.append(until(page, "window.floor && floor.marks"))
        return {"cold": cold, "reloads": warm}


def chapter(browser, server, url, reloads=2):
    """A chapter cold (fresh context), then reloaded: ready times, LCP, long tasks, phases."""
    with fresh_page(browser) as page:
        server.take_log()
        page.goto(url)
        ready = first_ready(page)
        page.wait_for_timeout(300)  # let the last paints report
        tasks, frames, handled = long_tasks_before(page, ready["t"])
        cold = {"ready": ready["t"], "picture": page.evaluate("__bench.picture ?? null"), "lcp": last_lcp(page),
                "longtasks": tasks, "long_frames": frames,
                "slow_messages": handled, "phases": phases(page)}
        settle(page, server)  # warm means every cache full, the service worker's too
        warm = []
        for _ in range(reloads):
            page.reload()
            ready = first_ready(page)
            tasks, frames, handled = long_tasks_before(page, ready["t"])
            warm.append({"ready": ready["t"], "longtasks": tasks, "long_frames": frames, "slow_messages": handled,
                         "phases": phases(page)})
        server.take_log()
        return {"cold": cold, "reloads": warm}


def lcp(browser, url):
    """Largest contentful paint of a page (fresh context), read 1 s after its load event, and
    when the page made its Python worker (None if it did not)."""
    with fresh_page(browser) as page:
        page.goto(url, wait_until="load")
        page.wait_for_timeout(1000)
        made = dict(phases(page)).get("worker created")
        return {"lcp": last_lcp(page), "worker_created": made}


# --- Next chapter -------------------------------------------------------------------------------

def next_chapters(browser, base, chapters, steps, dwell_ms=2000):
    """From the first chapter, click "next" `steps` times, each `dwell_ms` after the chapter's
    sim is ready (a learner reads first): click -> the next chapter's sim ready (ms).

    The click's time is stored by the probe in sessionStorage, so this works for a full page
    load and for in-place navigation alike; both ends are Date.now() (1 ms resolution).
    """
    results = []
    with fresh_page(browser) as page:
        page.goto(base + chapters[0].url)
        first_ready(page)
        for before, after in list(zip(chapters, chapters[1:]))[:steps]:
            page.wait_for_timeout(dwell_ms)
            page.evaluate("sessionStorage.removeItem('bench-next-click'); window.__benchSameDocument = true")
            page.click(".pager-next")
            if not after.blocks("sim"):  # nothing to wait for but the page itself; not timed
                until(page, f"document.querySelector('article.chapter')?.dataset.chapter === {after.slug!r}")
                continue
            ready = first_ready(page, after.slug)
            clicked = float(until(page, "sessionStorage.getItem('bench-next-click')"))
            in_place = page.evaluate("window.__benchSameDocument === true")
            results.append({"from": before.slug, "to": after.slug, "ms": ready["wall"] - clicked, "in_place": in_place})
        return results


# --- Every chapter: weight, interaction and animation -------------------------------------

def tour(browser, server, base, chapter, changes, watch_ms=2000):
    """One chapter, cold: when its sims were ready and what it transferred until then ("log") and
    after, in the background ("later": mostly the offline cache). Then, in that steady state, for
    each sim: its frame and rAF intervals while it plays, and every slider, toggle and choice
    changed `changes` times: user event -> the sim's next frame drawn (ms).
    """
    with fresh_page(browser) as page:
        server.take_log()
        page.goto(base + chapter.url)
        ready = [until(page, f"__bench.ready.find((r) => r.key === {b.id!r})") for b in chapter.blocks("sim")]
        settle(page, server)
        log = server.take_log()
        until_ready = max((r["wall"] for r in ready), default=1000 * time.time()) / 1000
        sims = []
        for block in chapter.blocks("sim"):
            page.locator(f"#{block.id}").scroll_into_view_if_needed()  # sims only play on screen
            page.wait_for_timeout(300)
            animation = page.evaluate(f"__bench.watch({block.id!r}, {watch_ms})")
            controls = page.evaluate(
                f"JSON.parse(document.querySelector('#{block.id} .sim-config').textContent).controls")
            changed = {c["name"]: [change(page, block.id, c, i) for i in range(changes)]
                       for c in controls if c["kind"] in ("slider", "toggle", "choice")}
            steps = page.evaluate(f"__bench.frames.filter((f) => f.key === {block.id!r} && f.type === 'step')")
            sims.append({"sim": block.name, "frames": animation["count"],
                         "latencies": {name: [c and c["latency"] for c in series] for name, series in changed.items()},
                         "parts": [c["parts"] for series in changed.values() for c in series if c and c["parts"]],
                         "frame_intervals": animation["frames"], "raf_intervals": animation["raf"],
                         "drawn_intervals": animation["drawn"],
                         "step_worker": [f["worker"] for f in steps], "step_computed": [f["computed"] for f in steps],
                         "step_draw": [f["draw"] for f in steps]})
        return {"chapter": chapter.slug, "path": "/" + chapter.url, "ready": [r["t"] for r in ready],
                "log": [e for e in log if e["t"] <= until_ready], "later": [e for e in log if e["t"] > until_ready],
                "sims": sims}


def change(page, key, control, i):
    """Change one control once, as a user would: {latency (ms) to the next frame drawn, parts}.

    A slider steps one notch away from where it started and back (up first, unless it starts at
    its maximum); a toggle flips; a choice moves to the next option.
    """
    selector = f"#{key} .sim-controls [name={control['name']}]"
    page.evaluate(f"__bench.arm({key!r})")
    if control["kind"] == "slider":
        up = (control["default"] < control["max"]) == (i % 2 == 0)
        page.press(selector, "ArrowRight" if up else "ArrowLeft")
    elif control["kind"] == "toggle":
        page.click(selector)
    else:
        options = page.locator(selector)
        checked = next(j for j in range(options.count()) if options.nth(j).is_checked())
        options.nth((checked + 1) % options.count()).click()
    try:
        return until(page, "__bench.armed.latency && __bench.armed", timeout=30)
    except Timeout:
        return None  # no frame came: counted as missing in the report
