"""Every sim's labels at 360 and 1280 px: no panel title or other text cut with "…", none
outside the canvas, no two overlapping, in any frame drawn while the test watches.

render.js keeps the text boxes of its last draw on the canvas (canvas.textBoxes); a script
checks them after every frame. One page load per width: the chapters follow in place.
"""

import pytest

from builder import course
from conftest import ROOT

pytestmark = pytest.mark.browser
READY = 120_000
CHAPTERS = course.gather(ROOT).chapters
WATCH_MS = 1500  # frames checked per sim after its first

CHECK = """
// What is wrong with the text of a canvas's last draw, one sentence per problem.
window.labelCheck = (canvas) => {
  const boxes = canvas.textBoxes, width = canvas.clientWidth, height = canvas.clientHeight, out = [];
  boxes.forEach((a, i) => {
    if (a.elided) out.push(`${a.kind} "${a.text}" is cut with "…"`);
    if (a.x < -0.5 || a.y < -0.5 || a.x + a.w > width + 0.5 || a.y + a.h > height + 0.5) {
      out.push(`${a.kind} "${a.text}" leaves the canvas`);
    }
    for (const b of boxes.slice(i + 1)) {
      const dx = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
      const dy = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
      if (dx > 0.5 && dy > 0.5) out.push(`${a.kind} "${a.text}" overlaps ${b.kind} "${b.text}"`);
    }
  });
  return out;
};
window.labelProblems = [];
window.framesChecked = {};
document.addEventListener("sim:frame", (event) => {
  const sim = event.target, canvas = sim.querySelector("canvas");
  if (!canvas.clientWidth || !canvas.textBoxes) return;  // not on screen
  window.framesChecked[sim.id] = (window.framesChecked[sim.id] || 0) + 1;
  for (const text of window.labelCheck(canvas)) {
    const problem = `${sim.id} (${sim.dataset.sim}) at ${canvas.clientWidth} px: ${text}`;
    if (!window.labelProblems.includes(problem)) window.labelProblems.push(problem);
  }
});
"""


def context_at(browser, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        ("http://127.0.0.1", "data:", "blob:")) else route.abort())
    return context


@pytest.mark.parametrize("width", [360, 1280])
def test_no_label_is_cut_or_overlaps_another(browser, site_url, width):
    context = context_at(browser, width)
    page = context.new_page()
    page.add_init_script(CHECK)
    try:
        page.goto(site_url + CHAPTERS[0].url)
        for i, chapter in enumerate(CHAPTERS):
            if i:
                page.click(".pager-next")  # in place: the same page, the same checks
                page.wait_for_url(f"**/{chapter.url}")
            for block in chapter.blocks("sim"):
                sim = f"#{block.id}"
                page.wait_for_selector(f"{sim}[data-sim={block.name}][data-state=ready]", timeout=READY)
                page.locator(sim).scroll_into_view_if_needed()  # sims off screen do not animate
                page.wait_for_timeout(WATCH_MS)
                assert page.evaluate(f"window.framesChecked[{block.id!r}] || 0") >= 1, block.id
        assert page.evaluate("window.labelProblems") == []
    finally:
        context.close()


def test_the_check_sees_a_title_and_a_text_the_renderer_had_to_cut(browser, site_url):
    # What the renderer cannot make fit, it reports: a title too long for two lines, a text item
    # too wide for its plot even at the smallest size.
    context = context_at(browser, 360)
    page = context.new_page()
    page.add_init_script(CHECK)
    try:
        page.goto(site_url + CHAPTERS[0].url)
        problems = page.evaluate("""async (url) => {
            const { draw, palette } = await import(url);
            const canvas = document.createElement("canvas");
            canvas.style.width = "300px";
            document.body.append(canvas);
            const title = "A title far too long to fit on two lines of a panel this narrow, however it wraps";
            draw(canvas, { panels: [{ title, x: [0, 1], y: [0, 1], items: [
                { text: "a text item that is much wider than the plot area it is placed in", at: [0.5, 0.5] }] }] },
                 palette(document.body));
            return window.labelCheck(canvas);
        }""", site_url + "static/js/render.js")
        assert any(p.startswith('title "') and "is cut" in p for p in problems), problems
        assert any(p.startswith('text "') and "is cut" in p for p in problems), problems
    finally:
        context.close()
