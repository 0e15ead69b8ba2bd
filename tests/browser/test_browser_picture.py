"""Two renderers, one frame contract: every sim's pictures (the SVGs the build put in its chapter,
wide and narrow) and render.js drawing the same frame on a canvas at each one's width must show
the same thing.

Both are screenshotted at the picture's width and compared in the browser, after both are cut
into BLOCK x BLOCK px cells:
- per palette colour (each role's colour, the background): the cells' share of pixels of that
  colour, summed over the picture; their difference, over the larger of the two sums, is at most
  COLOUR_TOLERANCE. A role drawn in the wrong colour, a panel missing or an axis flipped moves a
  whole colour's pixels to other cells: far beyond it.
- the cells' mean colour: at most MEAN_TOLERANCE apart on average (0-255 per channel).
Text is drawn by two engines (antialiasing, hinting, the widths builder/first_frame.py assumes),
so the ink colour, where the text is, is compared with INK_TOLERANCE; and pixels that are within
DISTANCE of no palette colour (antialiased edges, alpha blends, images) count only in the mean.

The canvas is also exactly as tall as the picture: that is what lets the live canvas take the
picture's box with no layout shift (test_picture_gives_way_with_no_layout_shift).
"""

import base64
import copy
import json
import os
from pathlib import Path

import numpy as np
import pytest

from builder import course, simreg
from conftest import ROOT

pytestmark = pytest.mark.browser

COURSE = course.gather(ROOT)
PAGES = {}  # sim -> the first chapter that embeds it
for chapter in COURSE.chapters:
    for block in chapter.blocks("sim"):
        PAGES.setdefault(block.name, (chapter.slug, block.id))
# Measured on this course (light and dark): colours at most 0.16 apart, ink 0.20, mean 0.5. A
# flipped panel moves 1.4 of the muted colour and 6 of the mean; real and imagined swapped, 0.7
# of each; a panel left empty, 0.5 of its colour (test_the_comparison_catches_a_wrong_drawing).
BLOCK = 24
DISTANCE = 40  # RGB distance within which a pixel is of a palette colour
COLOUR_TOLERANCE = 0.25
INK_TOLERANCE = 0.35
MEAN_TOLERANCE = 3
SHOTS = Path(os.environ["PICTURE_SHOTS"]) if os.environ.get("PICTURE_SHOTS") else None  # to look at them

COMPARE = """
async ([a, b, colours, block, distance]) => {
  const load = (src) => new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = reject;
    image.src = "data:image/png;base64," + src;
  });
  const pixels = async (src) => {
    const image = await load(src);
    const canvas = new OffscreenCanvas(image.width, image.height);
    const ctx = canvas.getContext("2d");
    ctx.drawImage(image, 0, 0);
    return ctx.getImageData(0, 0, image.width, image.height);
  };
  const [pa, pb] = [await pixels(a), await pixels(b)];
  const w = Math.min(pa.width, pb.width), h = Math.min(pa.height, pb.height);
  const cols = Math.ceil(w / block), rows = Math.ceil(h / block), cells = cols * rows;
  const rgb = colours.map(([name, hex]) => [name, [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16))]);
  const tally = (p) => {
    const counts = Object.fromEntries(rgb.map(([name]) => [name, new Float64Array(cells)]));
    const mean = new Float64Array(cells * 3), n = new Float64Array(cells);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const i = 4 * (y * p.width + x), cell = Math.floor(y / block) * cols + Math.floor(x / block);
      const c = [p.data[i], p.data[i + 1], p.data[i + 2]];
      for (let k = 0; k < 3; k++) mean[3 * cell + k] += c[k];
      n[cell] += 1;
      let best = null, bestD = distance;
      for (const [name, ref] of rgb) {
        const d = Math.hypot(c[0] - ref[0], c[1] - ref[1], c[2] - ref[2]);
        if (d < bestD) { best = name; bestD = d; }
      }
      if (best) counts[best][cell] += 1;
    }
    for (let cell = 0; cell < cells; cell++) for (let k = 0; k < 3; k++) mean[3 * cell + k] /= n[cell];
    return { counts, mean };
  };
  const [ta, tb] = [tally(pa), tally(pb)];
  const colour = {};
  for (const [name] of rgb) {
    let diff = 0, sa = 0, sb = 0;
    for (let cell = 0; cell < cells; cell++) {
      diff += Math.abs(ta.counts[name][cell] - tb.counts[name][cell]);
      sa += ta.counts[name][cell]; sb += tb.counts[name][cell];
    }
    colour[name] = { diff: diff / Math.max(sa, sb, 4 * block * block), pixels: [sa, sb] };
  }
  let mean = 0;
  for (let i = 0; i < cells * 3; i++) mean += Math.abs(ta.mean[i] - tb.mean[i]);
  return { colour, mean: mean / (cells * 3), size: [pa.width, pa.height, pb.width, pb.height] };
}
"""

# The sim's picture and render.js's drawing of the packed frame, side by side at the page's top
# (whole pixels: a fractional offset would shift one screenshot by a pixel), as wide as the picture
DRAW = """
async ([simId, which, spec, values]) => {
  const { draw, palette, parse } = await import(new URL("static/js/render.js", document.baseURI).href);
  const sim = document.getElementById(simId), original = sim.querySelector(which);
  const width = original.viewBox.baseVal.width;
  const row = document.createElement("div");
  row.className = "compared";
  row.style.cssText = `display: flex; position: absolute; left: 0; top: 0; z-index: 99; width: ${2 * width}px`;
  const stage = (child) => {
    const holder = document.createElement("div");
    holder.className = "sim-stage";
    holder.style.cssText = `width: ${width}px; flex: none`;
    holder.append(child);
    row.append(holder);
    return child;
  };
  const picture = stage(original.cloneNode(true)); // in a box of its width: the CSS shows it
  const canvas = stage(document.createElement("canvas"));
  canvas.className = "sim-canvas";
  sim.append(row); // inside the sim: its custom properties apply to both
  draw(canvas, parse(spec, new Float32Array(values)), palette(sim), width);
  return [canvas.getBoundingClientRect().height, picture.getBoundingClientRect().height];
}
"""

COLOURS = """
(sim) => {
  const style = getComputedStyle(sim);
  const names = ["real", "imagined", "reward", "samples", "uncertainty", "ink", "muted", "background"];
  return names.map((name) => [name, style.getPropertyValue(`--sim-${name}`).trim()]);
}
"""


PICTURES = {"wide": ".sim-picture:not(.sim-picture-narrow)", "narrow": ".sim-picture-narrow"}


def compare_page(browser, site_url, scheme, slug, sim_id, frame, layout="wide"):
    """Screenshot a picture and the canvas drawing of frame at its width; the comparison's numbers."""
    context = browser.new_context(viewport={"width": 1600, "height": 900}, device_scale_factor=1,
                                  color_scheme=scheme)
    # No Python: the picture must stay in place while it is compared
    context.route("**/pyodide/**", lambda route: route.abort())
    context.route("**/worker.js*", lambda route: route.abort())
    try:
        page = context.new_page()
        page.goto(f"{site_url}{slug}.html")
        spec, data = simreg.contract().pack(frame)
        heights = page.evaluate(DRAW, [sim_id, PICTURES[layout], spec, data.tolist()])
        picture = page.locator(".compared .sim-picture").screenshot()
        canvas = page.locator(".compared canvas").screenshot()
        if SHOTS:
            (SHOTS / f"compare-{slug}-{sim_id}-{layout}-{scheme}-svg.png").write_bytes(picture)
            (SHOTS / f"compare-{slug}-{sim_id}-{layout}-{scheme}-canvas.png").write_bytes(canvas)
        colours = page.evaluate(COLOURS, page.query_selector(f"#{sim_id}"))
        result = page.evaluate(COMPARE, [base64.b64encode(picture).decode(), base64.b64encode(canvas).decode(),
                                         colours, BLOCK, DISTANCE])
        return heights, result
    finally:
        context.close()


def failures(result):
    out = []
    for name, c in result["colour"].items():
        limit = INK_TOLERANCE if name == "ink" else COLOUR_TOLERANCE
        if c["diff"] > limit:
            out.append(f"{name}: {c['diff']:.2f} of its pixels moved (at most {limit}; pixels {c['pixels']})")
    if result["mean"] > MEAN_TOLERANCE:
        out.append(f"mean colour {result['mean']:.1f} apart (at most {MEAN_TOLERANCE})")
    return out


@pytest.mark.parametrize("layout", sorted(PICTURES))
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_picture_and_canvas_draw_the_same_frame(browser, site_url, name, scheme, layout):
    slug, sim_id = PAGES[name]
    frame = simreg.picture_frame(COURSE.sims[name])
    (canvas_h, picture_h), result = compare_page(browser, site_url, scheme, slug, sim_id, frame, layout)
    assert abs(canvas_h - picture_h) < 0.5, f"{name}: canvas {canvas_h} px tall, picture {picture_h} px"
    problems = failures(result)
    assert not problems, f"{name} ({scheme}, {layout}): " + "; ".join(problems) + f"\n{json.dumps(result)}"


def flipped(frame):
    """The frame with its first panel upside down: every y mirrored within the panel's range."""
    frame = copy.deepcopy(frame)
    panel = frame["panels"][0]
    lo, hi = panel["y"]
    columns = {"line": [1], "lines": [1], "points": [1], "band": [1, 2], "circle": [1], "rect": [1, 3],
               "arrow": [1, 3]}
    for item in panel["items"]:
        for kind, ys in columns.items():
            if kind in item:
                array = np.array(item[kind], dtype=float)
                array[..., ys] = lo + hi - array[..., ys]
                item[kind] = array
        if "text" in item:
            item["at"] = [item["at"][0], lo + hi - item["at"][1]]
    return frame


def recoloured(frame):
    """The frame with every real item drawn as imagined and every imagined one as real."""
    frame = copy.deepcopy(frame)
    swap = {"real": "imagined", "imagined": "real"}
    for panel in frame["panels"]:
        for item in panel["items"]:
            if item.get("role") in swap:
                item["role"] = swap[item["role"]]
    return frame


def without_last_panel(frame):
    frame = copy.deepcopy(frame)
    frame["panels"][-1]["items"] = []
    return frame


@pytest.mark.parametrize("change", [flipped, recoloured, without_last_panel])
def test_the_comparison_catches_a_wrong_drawing(browser, site_url, change):
    """The tolerances still see a flipped axis, swapped colours, a panel left empty."""
    slug, sim_id = PAGES["ball"]
    frame = change(simreg.picture_frame(COURSE.sims["ball"]))
    _, result = compare_page(browser, site_url, "light", slug, sim_id, frame)
    assert failures(result), f"{change.__name__} passed the comparison: {json.dumps(result)}"


SHIFTS = """
window.__shifts = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    window.__shifts.push({ value: e.value, input: e.hadRecentInput, t: e.startTime,
      sources: e.sources.map((s) => s.node ? `${s.node.nodeName}.${s.node.className?.baseVal ?? s.node.className}` : "?") });
  }
}).observe({ type: "layout-shift", buffered: true });
document.addEventListener("sim:ready", () => { window.__ready ??= performance.now(); });
"""
SETTLED = "() => document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))"
BOXES = """() => {
  const sim = document.querySelector("section.sim");
  return [".sim-stage", ".sim-controls", ".sim-side"].map((s) => {
    const r = sim.querySelector(s).getBoundingClientRect();
    return [s, Math.round(r.top * 10) / 10, Math.round(r.height * 10) / 10];
  });
}"""


@pytest.mark.parametrize("slug, width", [("dreamer", 1280), ("dreamer", 360), ("latent-dynamics", 1280),
                                         ("latent-dynamics", 360), ("planning", 360)])
def test_picture_gives_way_with_no_layout_shift(browser, site_url, slug, width):
    """When Python is ready the live canvas takes the picture's box: the stage and everything
    after it stay where they were, and no layout shift is reported from then on (the sim keeps
    playing for a while: its frames are drawn in the same box, and its summary line has room for
    the widest line of its run). Latent's run starts with other panels than its picture; planning's
    first summary is longer than its picture's."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.add_init_script(SHIFTS)
        page.goto(f"{site_url}{slug}.html")
        sim = page.locator("section.sim").first
        sim.scroll_into_view_if_needed()
        page.evaluate(SETTLED)  # the page laid out with its fonts; Python still loading
        assert page.locator("section.sim .sim-picture").count() == 2, "Python was ready too soon to see the swap"
        shown = page.locator("section.sim .sim-picture:visible")
        assert shown.count() == 1
        assert ("sim-picture-narrow" in shown.get_attribute("class")) == (width < 480)
        before = page.evaluate(BOXES)
        page.wait_for_function("() => document.querySelector('section.sim').dataset.state === 'ready'", timeout=120_000)
        page.wait_for_timeout(600)
        if slug == "latent-dynamics":  # played on from its fitting frames to its fitted ones
            page.wait_for_function("() => /^after \\d+ steps/.test(document.querySelector('.sim-summary').textContent)",
                                   timeout=60_000)
        assert page.locator("section.sim .sim-picture").count() == 0, "the picture is still there"
        assert sim.locator("canvas").is_visible()
        assert page.evaluate(BOXES) == before
        ready = page.evaluate("window.__ready")
        shifts = [s for s in page.evaluate("window.__shifts") if s["t"] >= ready and not s["input"]]
        assert sum(s["value"] for s in shifts) == 0, shifts
    finally:
        context.close()


@pytest.mark.parametrize("scheme, width", [("light", 1280), ("dark", 1280), ("light", 375)])
def test_without_javascript_every_sim_is_a_picture_and_nothing_pretends_to_work(browser, site_url, scheme, width):
    """At a phone's width the narrow picture shows, its panels stacked and its text as large as
    the canvas's would be."""
    context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=False,
                                  color_scheme=scheme)
    try:
        page = context.new_page()
        for chapter in COURSE.chapters:
            page.goto(f"{site_url}{chapter.slug}.html")
            for block in chapter.blocks("sim"):
                sim = page.locator(f"#{block.id}")
                picture = sim.locator(".sim-picture:visible")
                assert picture.count() == 1, f"{chapter.slug} {block.id}: {picture.count()} pictures shown"
                narrow = "sim-picture-narrow" in picture.get_attribute("class")
                assert narrow == (width < 480), f"{chapter.slug} {block.id}: the wrong picture for {width} px"
                assert picture.get_attribute("role") == "img"
                assert picture.get_attribute("aria-labelledby") == f"{block.id}-title"
                assert not sim.locator("canvas").is_visible()
                box = picture.bounding_box()
                assert box["height"] > 100 and box["width"] > (280 if narrow else 600), box
                scale = box["width"] / picture.evaluate("svg => svg.viewBox.baseVal.width")
                assert scale > 0.75, f"{chapter.slug} {block.id}: drawn at {scale:.2f} of its size"
                assert "JavaScript is on" in sim.locator(".sim-status").inner_text()
                assert sim.locator(".sim-summary").inner_text().strip(), "the picture's summary line"
                live = sim.locator(".sim-controls :is(input, button, select, textarea):not(:disabled)")
                assert live.count() == 0, f"{chapter.slug} {block.id}: controls that cannot work are enabled"
                assert sim.locator("[tabindex]:visible").count() == 0
            # In print: the picture, on paper's white whatever the screen's theme
            page.emulate_media(media="print")
            for block in chapter.blocks("sim"):
                picture = page.locator(f"#{block.id} .sim-picture:visible")
                assert picture.count() == 1, f"{chapter.slug} {block.id}: no picture in print"
                background = picture.evaluate("svg => getComputedStyle(svg.querySelector('.background')).fill")
                assert min(int(c) for c in background[4:-1].split(",")) > 200, f"{chapter.slug}: {background} in print"
            page.emulate_media(media="screen")
    finally:
        context.close()
