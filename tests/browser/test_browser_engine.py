"""The engine end to end in Chromium: a chapter's numpy sim runs offline from the built site."""

import pytest

pytestmark = pytest.mark.browser
READY = 120_000  # ms: a cold Python start on a slow machine


def canvas_pixels(page, selector):
    return page.eval_on_selector(selector, "c => c.toDataURL()")


def open_ready(watched, url):
    page = watched.page
    page.goto(url)
    page.wait_for_selector("[data-sim][data-state=ready]", timeout=READY)
    return page


def test_chapter_zero_sim_runs_offline_and_its_controls_redraw(watched_page, site_url):
    page = open_ready(watched_page, site_url + "imagining-the-future.html")
    sim = "[data-sim=ball]"
    page.locator(sim).scroll_into_view_if_needed()  # sims only animate while on screen
    page.wait_for_function(  # let the ball fly and the model fit, away from the first frame
        "s => /[1-9]\\d* transitions/.test(document.querySelector(s + ' .sim-summary').textContent)",
        arg=sim, timeout=10_000)
    page.click(f"{sim} button[data-action=play]")  # pause, so only a control can change the canvas
    assert page.get_attribute(f"{sim} button[data-action=play]", "aria-pressed") == "false"
    page.wait_for_timeout(300)
    paused = canvas_pixels(page, f"{sim} canvas")
    page.wait_for_timeout(300)
    assert canvas_pixels(page, f"{sim} canvas") == paused, "a paused sim does not redraw"
    slider = page.locator(f"{sim} input[type=range]").first
    slider.focus()
    slider.press("Home")
    page.wait_for_function(
        "([s, before]) => document.querySelector(s + ' canvas').toDataURL() !== before",
        arg=[sim, paused], timeout=10_000)
    assert page.get_attribute(sim, "data-state") == "ready"
    assert watched_page.foreign_requests() == []
    assert watched_page.problems() == []


def test_python_and_numpy_come_from_the_site_itself(watched_page, site_url):
    open_ready(watched_page, site_url + "imagining-the-future.html")
    requested = " ".join(watched_page.requests)
    assert "pyodide/pyodide.asm.wasm" in requested
    assert "pyodide/numpy-2.4.3-" in requested
    assert watched_page.foreign_requests() == []


# Every message between the page and its Python worker, in order: [direction, type, key, run, t, ms].
WORKER_LOG = """
    window.__log = [];
    const entry = (direction, m) => window.__log.push([direction, m.type, m.key, m.run, performance.now(), m.ms]);
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (message, ...rest) {
      if (message && message.type) entry("sent", message);
      return post.call(this, message, ...rest);
    };
    window.Worker = class extends window.Worker {
      constructor(...args) {
        super(...args);
        this.addEventListener("message", ({ data }) => data && data.type && entry("got", data));
      }
    };
"""


def test_each_frame_says_how_long_the_worker_spent_on_it(watched_page, site_url):
    # The worker's own time per frame, `ms`, splits a step's round trip into computing and
    # waiting: it is positive, and never more than the round trip the page saw.
    page = watched_page.page
    page.add_init_script(WORKER_LOG)
    open_ready(watched_page, site_url + "imagining-the-future.html")
    page.locator("[data-sim=ball]").scroll_into_view_if_needed()  # playing, so it steps
    steps = "window.__log.filter(([d, type]) => d === 'sent' && type === 'step')"
    page.wait_for_function(f"() => {steps}.length >= 21", timeout=20_000)
    sent, frames = {}, []  # each frame against the last step of its run posted before it
    for direction, type_, key, run, t, ms in page.evaluate("window.__log"):
        if direction == "sent" and type_ == "step":
            sent[key, run] = t
        elif direction == "got" and type_ == "frame" and (key, run) in sent:
            frames.append({"ms": ms, "trip": t - sent[key, run]})
    assert len(frames) >= 20
    assert all(isinstance(f["ms"], (int, float)) and 0 < f["ms"] <= f["trip"] + 0.5 for f in frames), frames[:5]


def test_a_sims_start_waits_in_the_worker_so_its_first_frame_needs_no_round_trip(watched_page, site_url):
    # Sent while Python loads, a sim's start is kept by the worker and computed as soon as
    # Python is up; "ready" then costs no second start (no trip through the page's thread).
    page = watched_page.page
    page.add_init_script(WORKER_LOG)
    open_ready(watched_page, site_url + "imagining-the-future.html")
    log = [f"{d} {type_}" for d, type_, *_ in page.evaluate("window.__log")]
    first_frame = log.index("got frame")
    assert log.index("sent start") < log.index("got ready") < first_frame, log
    assert log[:first_frame].count("sent start") == 1, log
    assert watched_page.problems() == []


def test_the_summary_line_reports_the_sims_numbers(watched_page, site_url):
    page = open_ready(watched_page, site_url + "imagining-the-future.html")
    summary = page.text_content("[data-sim=ball] .sim-summary")
    assert summary and any(ch.isdigit() for ch in summary)


def test_a_playing_sim_shows_its_frames_in_order_and_step_shows_the_next(watched_page, site_url):
    from sims.jepa import STEPS_PER_FRAME  # each frame is this many training steps further on

    page = open_ready(watched_page, site_url + "jepa.html")
    sim = "[data-sim=jepa]"
    page.locator(sim).scroll_into_view_if_needed()
    page.evaluate("""s => {
        const el = document.querySelector(s);
        window.shown = [];
        el.addEventListener("sim:frame", () => window.shown.push(
            Number(el.querySelector(".sim-summary").textContent.match(/^step (\\d+)/)[1])));
    }""", sim)
    page.wait_for_function("n => window.shown.length >= n", arg=20, timeout=10_000)
    page.click(f"{sim} button[data-action=play]")
    page.wait_for_timeout(300)
    shown = page.evaluate("window.shown")
    pairs = [(a, b) for a, b in zip(shown, shown[1:]) if b > 0]  # the first two frames are step 0
    assert pairs and all(b - a == STEPS_PER_FRAME for a, b in pairs), shown
    page.wait_for_timeout(300)
    assert page.evaluate("window.shown.length") == len(shown), "a paused sim shows no new frames"
    for n in (1, 2):  # Step shows the frames already computed ahead, then asks for more
        page.click(f"{sim} button[data-action=step]")
        page.wait_for_function("n => window.shown.length === n", arg=len(shown) + n, timeout=10_000)
        assert page.evaluate("window.shown.at(-1)") == shown[-1] + n * STEPS_PER_FRAME
    assert watched_page.problems() == []
