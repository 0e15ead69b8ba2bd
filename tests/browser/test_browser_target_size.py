"""Every control and link on every page is at least 24 by 24 CSS px (WCAG 2.5.8, target size),
or is spaced so that a 24 px circle on it touches no other target, or is a link inside a
sentence. Measured in the browser, sims ready, at 360 px and 1280 px wide, with the chapter
menu open."""

import pytest

from builder import course
from conftest import ROOT

pytestmark = pytest.mark.browser
CHAPTERS = course.gather(ROOT).chapters
PAGES = ["index.html"] + [c.url for c in CHAPTERS] + ["glossary.html", "instructors.html"]
MIN = 24

MEASURE = """min => {
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex='-1'])";
  const visible = (el) => {
    const s = getComputedStyle(el);
    const closed = el.closest("details:not([open])");  // its content is laid out, but not shown
    if (closed && !closed.querySelector(":scope > summary").contains(el)) return false;
    return s.visibility !== "hidden" && el.getClientRects().length > 0 && !el.closest("[hidden], [inert]");
  };
  // WCAG's inline exception: a link set in a line of text, its size set by that text.
  const inline = (el) => {
    if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") return false;
    const block = el.parentElement.closest("p, li, td, th, dd, figcaption, blockquote");
    return !!block && block.textContent.trim().length > el.textContent.trim().length;
  };
  const targets = [...document.querySelectorAll(selector)].filter(visible).map((el) => {
    const r = el.getBoundingClientRect();
    return {el, r, small: r.width < min - 0.01 || r.height < min - 0.01, inline: inline(el)};
  });
  const name = (t) => `${t.el.tagName.toLowerCase()}${t.el.id ? "#" + t.el.id : ""}${t.el.className ? "." + String(t.el.className).split(" ")[0] : ""} "${(t.el.textContent || t.el.getAttribute("aria-label") || "").trim().slice(0, 30)}" ${t.r.width.toFixed(1)}x${t.r.height.toFixed(1)}`;
  const centre = (r) => [r.left + r.width / 2, r.top + r.height / 2];
  const gap = ([x, y], r) => Math.hypot(Math.max(r.left - x, 0, x - r.right), Math.max(r.top - y, 0, y - r.bottom));
  const out = [];
  for (const a of targets) {
    if (!a.small || a.inline) continue;
    const c = centre(a.r);
    // Spacing exception: a 24 px circle centred on it meets no other target, nor another small one's circle.
    const crowded = targets.find((b) => b !== a && !b.el.contains(a.el) && !a.el.contains(b.el) && (
      b.small && !b.inline ? Math.hypot(c[0] - centre(b.r)[0], c[1] - centre(b.r)[1]) < min : gap(c, b.r) < min / 2));
    if (crowded) out.push(`${name(a)} is smaller than ${min}x${min} and close to ${name(crowded)}`);
  }
  return out;
}"""


@pytest.fixture(scope="module")
def ready_context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


def settle(page):
    for sim in page.locator("[data-sim]").all():
        sim.scroll_into_view_if_needed()
        page.wait_for_function("s => s.dataset.state === 'ready' || s.dataset.state === 'error'",
                               arg=sim.element_handle(), timeout=120_000)
    page.evaluate("() => window.scrollTo(0, 0)")


@pytest.mark.parametrize("name", PAGES)
def test_every_target_is_big_enough_or_spaced(ready_context, site_url, name):
    page = ready_context.new_page()
    try:
        page.goto(site_url + name)
        settle(page)
        problems = []
        for width in (1280, 360):
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(100)
            problems += [f"{width} px: {p}" for p in page.evaluate(MEASURE, MIN)]
            page.click(".chapter-menu summary")
            problems += [f"{width} px, menu open: {p}" for p in page.evaluate(MEASURE, MIN)]
            page.click(".chapter-menu summary")
        assert problems == [], "\n".join(problems)
    finally:
        page.close()


def test_the_measure_finds_a_small_crowded_target(ready_context, site_url):
    page = ready_context.new_page()
    page.goto(site_url + "glossary.html")
    page.evaluate("""() => {
      const a = document.createElement("button"), b = document.createElement("button");
      a.textContent = b.textContent = "x";
      for (const el of [a, b]) Object.assign(el.style, {padding: "0", font: "10px sans-serif", border: "0"});
      document.querySelector("h1").append(a, b);
    }""")
    found = page.evaluate(MEASURE, MIN)
    assert any('button "x"' in p and "close to button" in p for p in found), found
    page.close()
