"""Hostile frames in Chromium: a learner's edit that yields one makes that sim show an error with
Retry within seconds, and the page stays responsive. The renderer refuses the same frames itself
too (as if the runner had been bypassed), and its loops end for any finite range.
"""

import json

import pytest

from conftest import paste_code
from hostile import HOSTILE, hostile_source

pytestmark = pytest.mark.browser
READY = 120_000
BALL = "[data-sim=ball]"
# Long tasks on the page's main thread, recorded from the start (a frozen page shows as one).
LONG_TASKS = """
window.longTasks = [];
new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map((e) => e.duration)))
  .observe({ type: "longtask", buffered: true });
"""


@pytest.fixture(scope="module")
def page(browser, site_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        ("http://127.0.0.1", "data:", "blob:")) else route.abort())
    page = context.new_page()
    page.add_init_script(LONG_TASKS)
    page.goto(site_url + "imagining-the-future.html")
    page.wait_for_selector(f"{BALL}[data-state=ready]", timeout=READY)
    page.click(f"{BALL} .sim-edit-toggle")
    page.wait_for_selector(f"{BALL} .code-input")
    yield page
    context.close()


def responsive(page):
    """True if the page paints two frames within a second."""
    return page.evaluate("""() => new Promise((resolve) => {
        setTimeout(() => resolve(false), 1000);
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(true)));
    })""")


@pytest.mark.parametrize("payload", HOSTILE)
def test_an_edit_yielding_a_hostile_frame_shows_an_error_with_retry(page, payload):
    page.evaluate("window.longTasks.length = 0")
    paste_code(page, f"{BALL} .code-input", hostile_source(payload))
    page.click(f"{BALL} button[data-code=run]")
    page.wait_for_selector(f"{BALL}[data-state=error]", timeout=5_000)
    assert "A frame breaks the contract" in page.text_content(f"{BALL} .sim-traceback")
    assert page.is_visible(f"{BALL} .sim-status button:has-text('Retry')")
    assert responsive(page)
    page.click(f"{BALL} .sim-status button:has-text('Retry')")  # the same code: the same error
    page.wait_for_timeout(300)
    assert page.get_attribute(BALL, "data-state") == "error"
    assert responsive(page)
    assert max(page.evaluate("window.longTasks"), default=0) < 1000
    page.click(f"{BALL} button[data-code=reset]")
    page.wait_for_selector(f"{BALL}[data-state=ready]", timeout=10_000)


# The same hostile frames as the renderer receives them, had Python not refused them: the JSON
# spec and the float32 data, made small where the real payload is a view of one number.
PANEL = {"title": "A panel", "x": [0, 1], "y": [0, 1], "items": []}
ARRAY = {"$a": 0, "shape": [20000, 20000]}
SPECS = {
    "tiny_range": {"panels": [dict(PANEL, x=[1, 1.0000000000000002])]},
    "huge_range": {"panels": [dict(PANEL, y=[-1e308, 1e308])]},
    "long_title": {"panels": [dict(PANEL, title="word " * 6000)]},
    "long_summary": {"panels": [PANEL], "summary": "s" * 30000},
    "huge_image": {"panels": [dict(PANEL, items=[{"image": ARRAY}])]},
    "many_panels": {"panels": [PANEL] * 100_000},
    "many_items": {"panels": [dict(PANEL, items=[{"text": "t", "at": [0.5, 0.5]}] * 100_000)]},
    "tall_panel": {"panels": [dict(PANEL, aspect=1e6)]},
    "lines_of_nothing": {"panels": [dict(PANEL, items=[{"lines": {"$a": 0, "shape": [10**9, 0, 2]}}])]},
}


def test_the_renderer_refuses_hostile_frames_itself(page, site_url):
    specs = {name: json.dumps(spec) for name, spec in SPECS.items()}
    specs["nan_range"] = '{"panels":[{"title":"t","x":[0,NaN],"y":[0,1],"items":[]}]}'  # as json.dumps wrote it
    results = page.evaluate("""async ([url, specs]) => {
        const { parse } = await import(url);
        const out = {};
        for (const [name, spec] of Object.entries(specs)) {
          const began = performance.now();
          try { parse(spec, new Float32Array(16)); out[name] = "accepted"; }
          catch (error) { out[name] = error.message; }
          out[name + " ms"] = performance.now() - began;
        }
        return out;
    }""", [site_url + "static/js/render.js", specs])
    for name in [*SPECS, "nan_range"]:
        assert results[name] != "accepted", name
        assert results[f"{name} ms"] < 500, (name, results[f"{name} ms"])


def test_every_drawing_loop_ends_for_any_finite_range(page, site_url):
    # Drawn without the check: ticks, labels and wrapping still take milliseconds.
    ranges = [[1, 1.0000000000000002], [0, 5e-324], [-1e308, 1e308], [1e300, 1.0000001e300], [-3, -2.9999999]]
    ms = page.evaluate("""async ([url, ranges]) => {
        const { draw, palette } = await import(url);
        const canvas = document.createElement("canvas");
        canvas.style.width = "360px";
        document.body.append(canvas);
        const colors = palette(document.body), times = [];
        for (const range of ranges) {
          const panel = { title: "word ".repeat(20), x: range, y: range, xlabel: "x", ylabel: "y",
                          items: [{ text: "a label", at: [range[0], range[1]] }] };
          const began = performance.now();
          draw(canvas, { panels: [panel, panel] }, colors);
          times.push(performance.now() - began);
        }
        canvas.remove();
        return times;
    }""", [site_url + "static/js/render.js", ranges])
    assert max(ms) < 200, ms
