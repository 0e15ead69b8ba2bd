"""Live controls in Chromium: a click, a press or a choice reaches the running sim, which keeps
all it has learned, and the change shows at once (frames computed ahead of it are dropped)."""

import re

import pytest

pytestmark = pytest.mark.browser
READY = 120_000
SIM = "[data-sim=ball]"

# Every message the page posts to the Python worker, by type.
RECORD_POSTS = """
    window.__posted = [];
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (message, ...rest) {
      if (message && message.type) window.__posted.push(message.type);
      return post.call(this, message, ...rest);
    };
"""

# Each frame the sim shows, by its summary; for the first frame after a click on the canvas,
# also the colour of the pixel clicked, read as that frame is shown.
RECORD_FRAMES = """([s, x, y]) => {
    const el = document.querySelector(s), canvas = el.querySelector("canvas");
    const probe = document.createElement("canvas").getContext("2d");
    probe.fillStyle = getComputedStyle(el).getPropertyValue("--sim-real").trim();
    window.__teal = probe.fillStyle;
    window.__shown = [];
    el.addEventListener("sim:frame", () => {
      const frame = { summary: el.querySelector(".sim-summary").textContent };
      if (window.__shown.length === window.__clickedAt) {
        const dpr = window.devicePixelRatio || 1;
        const [r, g, b] = canvas.getContext("2d").getImageData(x * dpr, y * dpr, 1, 1).data;
        frame.pixel = "#" + [r, g, b].map((v) => v.toString(16).padStart(2, "0")).join("");
      }
      window.__shown.push(frame);
    });
    canvas.addEventListener("click", () => { window.__clickedAt = window.__shown.length; });
}"""


def seen(summary):
    return int(re.search(r"(\d+) transitions seen", summary).group(1))


def open_learning(watched, site_url):
    """Chapter 0 with its sim on screen, once the model has learned from 100 transitions."""
    page = watched.page
    page.add_init_script(RECORD_POSTS)
    page.goto(site_url + "imagining-the-future.html")
    page.wait_for_selector(f"{SIM}[data-state=ready]", timeout=READY)
    page.locator(SIM).scroll_into_view_if_needed()  # sims only animate while on screen
    page.wait_for_function(
        "s => /[1-9]\\d{2,} transitions seen/.test(document.querySelector(s + ' .sim-summary').textContent)",
        arg=SIM, timeout=60_000)
    return page


def posted_since(page, start):
    return page.evaluate("n => window.__posted.slice(n)", start)


def test_a_click_throws_the_ball_there_at_once_and_the_model_keeps_learning(watched_page, site_url):
    page = open_learning(watched_page, site_url)
    box = page.locator(f"{SIM} canvas").bounding_box()
    x, y = round(box["width"] * 0.3), round(box["height"] * 0.3)  # inside the box's plot area
    page.evaluate(RECORD_FRAMES, [SIM, x, y])
    before = seen(page.text_content(f"{SIM} .sim-summary"))
    start = page.evaluate("window.__posted.length")
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_function("() => window.__shown.length > window.__clickedAt + 30", timeout=20_000)
    frames = page.evaluate("window.__shown.slice(window.__clickedAt)")
    teal = page.evaluate("window.__teal")
    # The very next frame on screen is the new throw, from the clicked point: none computed
    # before the click is shown after it.
    assert frames[0]["pixel"] == teal, (frames[0], teal)
    counts = [seen(f["summary"]) for f in frames]
    assert counts[0] >= before, "the model started over"
    assert counts == sorted(counts) and counts[-1] > counts[0] + 20, counts
    posts = posted_since(page, start)
    assert "update" in posts and "start" not in posts, posts
    assert watched_page.problems() == []


def test_push_new_throw_model_and_horizon_reach_the_running_sim(watched_page, site_url):
    page = open_learning(watched_page, site_url)
    start = page.evaluate("window.__posted.length")
    summary = lambda: page.text_content(f"{SIM} .sim-summary")
    counts = [seen(summary())]
    for _ in range(3):
        page.click(f"{SIM} button[name=push]")
        page.wait_for_timeout(700)
    page.wait_for_function(  # the model has learned what a push does
        "s => / push \\d+\\.\\d \\(true 30\\)/.test(document.querySelector(s + ' .sim-summary').textContent)",
        arg=SIM, timeout=20_000)
    counts.append(seen(summary()))
    page.click(f"{SIM} button[name=relaunch]")
    page.check(f"{SIM} input[name=model][value=contact]")
    page.wait_for_function(
        "s => document.querySelector(s + ' .sim-summary').textContent.startsWith('contact-aware model')",
        arg=SIM, timeout=20_000)
    counts.append(seen(summary()))
    slider = page.locator(f"{SIM} input[name=horizon]")
    slider.focus()
    slider.press("End")
    page.wait_for_function(
        "s => / 120 steps ahead/.test(document.querySelector(s + ' .sim-summary').textContent)",
        arg=SIM, timeout=20_000)
    counts.append(seen(summary()))
    assert counts == sorted(counts) and counts[-1] > counts[0], counts
    assert "push" in summary()
    posts = posted_since(page, start)
    assert posts.count("update") >= 6 and "start" not in posts, posts
    assert watched_page.problems() == []
