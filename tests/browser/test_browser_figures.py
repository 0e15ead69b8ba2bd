"""Every chapter's figure as a reader gets it: named for screen readers by its title and
description, its labels inside the drawing and clear of each other, legible on a phone."""

import pytest

from builder import course
from conftest import ROOT

pytestmark = pytest.mark.browser
CHAPTERS = course.gather(ROOT).chapters

MEASURE = """svg => {
  const [x0, y0, w, h] = svg.getAttribute("viewBox").split(/[ ,]+/).map(Number);
  const scale = svg.getBoundingClientRect().width / w;
  const boxes = [...svg.querySelectorAll("text")].map(t => {
    const b = t.getBBox();
    return {text: t.textContent, x: b.x, y: b.y, w: b.width, h: b.height,
            px: parseFloat(getComputedStyle(t).fontSize) * scale};
  });
  const out = [];
  boxes.forEach((a, i) => {
    if (a.x < x0 - 0.5 || a.y < y0 - 0.5 || a.x + a.w > x0 + w + 0.5 || a.y + a.h > y0 + h + 0.5)
      out.push(`"${a.text}" leaves the drawing`);
    if (a.px < 10.5) out.push(`"${a.text}" is ${a.px.toFixed(1)} px`);
    for (const b of boxes.slice(i + 1)) {
      const dx = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
      const dy = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
      if (dx > 1 && dy > 1) out.push(`"${a.text}" overlaps "${b.text}"`);
    }
  });
  return out;
}"""


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.slug)
def test_figures_are_named_and_their_labels_fit_at_360_px(browser, site_url, chapter):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(site_url + chapter.url)
    figures = page.locator("figure.figure").all()
    assert figures, f"{chapter.source} has no figure"
    for figure in figures:
        svg = figure.locator("svg")
        assert svg.get_attribute("role") == "img"
        title, desc = svg.get_attribute("aria-labelledby").split()
        assert page.locator(f"#{title}").text_content().strip() and page.locator(f"#{desc}").text_content().strip()
        assert figure.locator("figcaption").text_content().strip()
        box = svg.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
        assert svg.evaluate(MEASURE) == []
    context.close()
