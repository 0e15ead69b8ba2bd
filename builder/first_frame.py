"""A sim's picture for the page, drawn at build time: one frame as inline SVG.

The page shows it before any script runs (without JavaScript, in print, to a search engine), and
the live canvas takes its box when Python is ready. It is the second renderer of the frame
contract (sims/contract.py), so it follows static/js/render.js step by step: the same layout
rules and margins, ticks, text placement and item geometry. A sim has two pictures: one laid
out at WIDE and one at NARROW, for a phone, where the canvas's layout stacks the panels; the
page's CSS shows the one that fits the sim's box. Colours are
never written in: every mark uses currentColor under a class named by its palette role, which
the page's CSS maps to the --sim-* custom properties the canvas reads, so the picture follows
the theme and print. tests/browser/test_browser_picture.py draws each sim's picture frame both
ways and compares them.

Text is measured with the advance widths of the course's UI font as Chromium lays it out on the
build machine (DejaVu Sans; other system fonts differ by a few percent, which moves a label by a
pixel or two, not a panel). Dense data is thinned: coordinates are rounded to 0.1 px and a point
or polyline vertex closer than 0.5 px to the previous one is dropped.
"""

import base64
import math
import struct
import zlib

import numpy as np
from markupsafe import Markup, escape

WIDE, NARROW = 720, 360  # px: the pictures' layout widths; each is scaled to its box
MIN_PANEL_WIDTH = 240
TITLE_LINE = 16
MAX_TITLE_LINES = 2
SIZE = {"title": 13, "tick": 11, "text": 12}

# Advance widths (per 1000 em) of ASCII 32..126, regular and semibold (the titles' 600 weight)
_REGULAR = (318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636,
            636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698,
            770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732,
            684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635,
            634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592,
            525, 636, 337, 636, 838)
_BOLD = (348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696,
         696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683,
         683, 821, 837, 372, 372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771,
         724, 725, 457, 365, 457, 838, 500, 500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665,
         343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838)
_OTHER = {"…": 1000, "—": 1000, "–": 500, "°": 500, "²": 401, "·": 318, "’": 318}


def text_width(text, size, bold=False):
    table = _BOLD if bold else _REGULAR
    total = 0
    for ch in text:
        code = ord(ch)
        total += table[code - 32] if 32 <= code < 127 else _OTHER.get(ch, 838 if ch in "±→×≈" else 640)
    return total * size / 1000


def _num(value):
    """A coordinate, rounded to 0.1 px, as short as it writes."""
    text = f"{value:.1f}"
    text = text[:-2] if text.endswith(".0") else text
    return "0" if text == "-0" else text


# --- Layout (render.js: layout, wrap, ellipsize, plotArea, ticks, label) -------------------

def _js_round(x):
    return math.floor(x + 0.5)


def title_height(lines):
    return 6 + TITLE_LINE * max(1, lines)


def ellipsize(text, width, size, bold=False):
    if text_width(text, size, bold) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if text_width(text[:mid] + "…", size, bold) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo] + "…"


def wrap(text, width):
    lines, line = [], ""
    for word in text.split():
        longer = f"{line} {word}" if line else word
        if not line or text_width(longer, SIZE["title"], True) <= width:
            line = longer
        else:
            lines.append(line)
            line = word
    lines.append(line)
    kept = lines[:MAX_TITLE_LINES]
    if len(lines) > MAX_TITLE_LINES:
        kept[-1] = " ".join(lines[MAX_TITLE_LINES - 1:])
    return [ellipsize(line, width, SIZE["title"], True) for line in kept]


def _to_precision(value, digits):
    """JavaScript's +value.toPrecision(digits)."""
    return float(f"{value:.{digits}g}")


def _js_string(value):
    """JavaScript's String(number) for the tick values render.js makes."""
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def label(value, digits):
    magnitude = abs(value)
    if magnitude != 0 and (magnitude >= 1e5 or magnitude < 1e-3):
        mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}e{'-' if int(exponent) < 0 else '+'}{abs(int(exponent))}"
    return _js_string(_to_precision(value, digits))


def ticks(lo, hi, count=4):
    raw = (hi - lo) / count
    if not raw > 0:
        return []
    base = 10 ** math.floor(math.log10(raw))
    step = next((m * base for m in (1, 2, 2.5, 5, 10) if m * base >= raw), None)
    if not (step and step > 0 and math.isfinite(step)):
        return []
    first = math.ceil(lo / step)
    n = math.floor(hi / step + 1e-9) - first
    if not 0 <= n <= 2 * count:
        return []
    digits = min(15, max(4, math.ceil(math.log10(max(abs(lo), abs(hi)) / step)) + 2))
    out = []
    for i in range(n + 1):
        value = _to_precision((first + i) * step, 12)
        out.append((value, label(value, digits)))
    return out


def layout(panels, width=WIDE):
    fit = max(1, width // MIN_PANEL_WIDTH)
    rows_needed = math.ceil(len(panels) / min(fit, len(panels)))
    columns = math.ceil(len(panels) / rows_needed)
    rects, y = [], 0
    for start in range(0, len(panels), columns):
        row = panels[start:start + columns]
        weights = [p.get("weight") or 1 for p in row]
        total = sum(weights)
        titles = [wrap(p.get("title") or "", width * weights[i] / total - 16) for i, p in enumerate(row)]
        lines = max(len(t) for t in titles)
        x, height = 0, 0
        for i, panel in enumerate(row):
            w = width * weights[i] / total
            h = _js_round(w * (panel.get("aspect") or 0.75)) + title_height(lines)
            rect = {"x": x, "y": y, "w": w, "h": h, "title": titles[i], "titleHeight": title_height(lines),
                    "yticks": [], "tickWidth": 0}
            if panel.get("axes", True) is not False:
                rect["yticks"] = ticks(*panel["y"])
                rect["tickWidth"] = max([0] + [text_width(t, SIZE["tick"]) for _, t in rect["yticks"]])
            rects.append(rect)
            x += w
            height = max(height, h)
        y += height
    return rects, y


class Area:
    """A panel's plot area and its data -> pixel mapping (render.js plotArea)."""

    def __init__(self, panel, rect):
        axes = panel.get("axes", True) is not False
        margin = max(56 if panel.get("ylabel") else 44,
                     math.ceil(rect["tickWidth"]) + (22 if panel.get("ylabel") else 8))
        self.left = rect["x"] + (margin if axes else 6)
        self.right = rect["x"] + rect["w"] - 10
        self.top = rect["y"] + rect["titleHeight"] + 4
        self.bottom = rect["y"] + rect["h"] - ((34 if panel.get("xlabel") else 22) if axes else 6)
        (self.x0, self.x1), (self.y0, self.y1) = panel["x"], panel["y"]

    def sx(self, x):
        return self.left + (x - self.x0) / (self.x1 - self.x0) * (self.right - self.left)

    def sy(self, y):
        return self.bottom - (y - self.y0) / (self.y1 - self.y0) * (self.bottom - self.top)


def _overlaps(a, b):
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


# --- Drawing ---------------------------------------------------------------------------------

def _text(x, y, text, cls="", anchor=None, baseline="middle", size=None, transform=None, opacity=""):
    attrs = opacity + f' x="{_num(x)}" y="{_num(y)}"' if transform is None else f' transform="{transform}"'
    if anchor:
        attrs += f' text-anchor="{anchor}"'
    if baseline == "top":  # the canvas's "top": the em box's top edge (middle is the CSS default)
        cls = f"{cls} top".strip()
    if size:
        attrs += f' font-size="{size}"'
    return f'<text class="{cls}"{attrs}>{escape(text)}</text>' if cls else f"<text{attrs}>{escape(text)}</text>"


def _panel(panel, rect, out, images):
    area = Area(panel, rect)
    boxes = []
    for i, line in enumerate(rect["title"]):
        if line:
            middle = rect["y"] + 12 + TITLE_LINE * i
            out.append(_text(rect["x"] + 8, middle, line, "title"))
            boxes.append((rect["x"] + 8, middle - SIZE["title"] / 2, text_width(line, SIZE["title"], True), SIZE["title"]))
    if panel.get("axes", True) is not False:
        _axes(panel, area, rect, boxes, out)
    w, h = area.right - area.left, area.bottom - area.top
    # A nested viewport clips the items to the plot area, as the canvas's clip does
    out.append(f'<svg x="{_num(area.left)}" y="{_num(area.top)}" width="{_num(w)}" height="{_num(h)}" '
               f'viewBox="{_num(area.left)} {_num(area.top)} {_num(w)} {_num(h)}">')
    texts = []
    for item in panel.get("items", []):
        out.append(_item(item, area, panel, texts, images))
    out.append("</svg>")


def _axes(panel, area, rect, boxes, out):
    out.append(f'<rect class="muted" fill="none" stroke="currentColor" x="{_num(area.left)}" y="{_num(area.top)}" '
               f'width="{_num(area.right - area.left)}" height="{_num(area.bottom - area.top)}"/>')
    placed = list(boxes)
    tick = SIZE["tick"]

    def place(b):
        if any(_overlaps(b, other) for other in placed):
            return False
        placed.append(b)
        return True

    if panel.get("xlabel"):
        text = ellipsize(panel["xlabel"], rect["w"] - 16, tick)
        w = text_width(text, tick)
        out.append(_text(area.right, area.bottom + 19, text, "tick", "end", "top"))
        place((area.right - w, area.bottom + 19, w, tick))
    if panel.get("ylabel"):
        text = ellipsize(panel["ylabel"], area.bottom - area.top, tick)
        w = text_width(text, tick)
        out.append(_text(0, 0, text, "tick", "end", "top",
                         transform=f"translate({_num(rect['x'] + 2)} {_num(area.top)}) rotate(-90)"))
        place((rect["x"] + 2, area.top, tick, w))
    for value, text in rect["yticks"]:
        w, y = text_width(text, tick), area.sy(value)
        if place((area.left - 5 - w, y - tick / 2, w, tick)):
            out.append(_text(area.left - 5, y, text, "tick", "end"))
    for value, text in ticks(*panel["x"]):
        w = text_width(text, tick)
        x = max(rect["x"] + 2, min(area.sx(value) - w / 2, rect["x"] + rect["w"] - w - 2))
        if place((x, area.bottom + 4, w, tick)):
            out.append(_text(x, area.bottom + 4, text, "tick", None, "top"))


def _pixels(area, xy):
    """(N, 2) data points -> pixel coordinates, rounded to 0.1 px."""
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    px = area.left + (xy[:, 0] - area.x0) / (area.x1 - area.x0) * (area.right - area.left)
    py = area.bottom - (xy[:, 1] - area.y0) / (area.y1 - area.y0) * (area.bottom - area.top)
    return np.round(np.stack([px, py], axis=1), 1)


def _thin(points, keep_last=True):
    """Drop each vertex closer than 0.5 px to the last one kept (the ends always stay)."""
    if len(points) < 3:
        return points
    kept, last = [0], points[0]
    for i in range(1, len(points) - 1):
        if abs(points[i, 0] - last[0]) + abs(points[i, 1] - last[1]) >= 0.5:
            kept.append(i)
            last = points[i]
    kept.append(len(points) - 1)
    return points[kept]


def _polyline(points):
    points = _thin(points)
    return "M" + "L".join(f"{_num(x)} {_num(y)}" for x, y in points) if len(points) else ""


def _style(item, fill, stroke_width):
    """Presentation attributes of an item: currentColor under its role's class."""
    role = item.get("role", "ink")
    attrs = f'class="{role}"'
    if fill:
        attrs += ' fill="currentColor"'
    else:
        attrs += f' fill="none" stroke="currentColor" stroke-width="{_num(stroke_width)}"'
        attrs += ' stroke-linejoin="round" stroke-linecap="round"'
        if item.get("dash"):
            attrs += ' stroke-dasharray="5 4"'
    return attrs


def _opacity(item, default=1):
    alpha = item.get("alpha", default)
    return "" if alpha == 1 else f' opacity="{alpha:.3g}"'


def _item(item, area, panel, texts, images):
    filled = item.get("fill", "stroke" not in item)
    stroke = item.get("stroke", 2)
    line_attrs = _style(item, False, stroke) + _opacity(item)
    if "line" in item:
        return f'<path {line_attrs} d="{_polyline(_pixels(area, item["line"]))}"/>'
    if "lines" in item:
        data = np.asarray(item["lines"], dtype=np.float64)
        d = "".join(_polyline(_pixels(area, line)) for line in data) if data.size else ""
        return f'<path {line_attrs} d="{d}"/>'
    if "points" in item:
        # Dots as zero-length round-capped strokes: one path however many there are
        points = _pixels(area, item["points"])
        r = item.get("size", 3)
        seen, parts = set(), []
        for x, y in points:
            key = (round(x * 2), round(y * 2))  # dots within 0.5 px of one drawn add nothing
            if key not in seen:
                seen.add(key)
                parts.append(f"M{_num(x)} {_num(y)}h0")
        attrs = f'class="{item.get("role", "ink")}" fill="none" stroke="currentColor" stroke-width="{_num(2 * r)}" stroke-linecap="round"'
        return f'<path {attrs}{_opacity(item)} d="{"".join(parts)}"/>'
    if "band" in item:
        band = np.asarray(item["band"], dtype=np.float64).reshape(-1, 3)
        if not len(band):
            return ""
        lo = _thin(_pixels(area, band[:, [0, 1]]))
        hi = _thin(_pixels(area, band[::-1][:, [0, 2]]))
        d = "M" + "L".join(f"{_num(x)} {_num(y)}" for x, y in np.concatenate([lo, hi])) + "Z"
        return f'<path {_style(item, True, 0)}{_opacity(item, 0.3)} d="{d}"/>'
    if "bars" in item:
        half = item.get("width", 0.8) / 2
        parts = []
        for x, h in np.asarray(item["bars"], dtype=np.float64).reshape(-1, 2):
            x0, x1, y0, y1 = area.sx(x - half), area.sx(x + half), area.sy(0), area.sy(h)
            parts.append(f"M{_num(min(x0, x1))} {_num(min(y0, y1))}h{_num(abs(x1 - x0))}v{_num(abs(y1 - y0))}h{_num(-abs(x1 - x0))}Z")
        return f'<path {_style(item, True, 0)}{_opacity(item)} d="{"".join(parts)}"/>'
    if "circle" in item:
        attrs = _style(item, filled, stroke) + _opacity(item)
        circles = "".join(f'<circle cx="{_num(area.sx(x))}" cy="{_num(area.sy(y))}" r="{_num(abs(area.sx(x + r) - area.sx(x)))}"/>'
                          for x, y, r in np.asarray(item["circle"], dtype=np.float64).reshape(-1, 3))
        return f"<g {attrs}>{circles}</g>"
    if "rect" in item:
        attrs = _style(item, filled, stroke) + _opacity(item)
        rects = []
        for x0, y0, x1, y1 in np.asarray(item["rect"], dtype=np.float64).reshape(-1, 4):
            px, py = min(area.sx(x0), area.sx(x1)), min(area.sy(y0), area.sy(y1))
            w, h = abs(area.sx(x1) - area.sx(x0)), abs(area.sy(y1) - area.sy(y0))
            rects.append(f'<rect x="{_num(px)}" y="{_num(py)}" width="{_num(w)}" height="{_num(h)}"/>')
        return f"<g {attrs}>{''.join(rects)}</g>"
    if "arrow" in item:
        shafts, heads = [], []
        for x0, y0, x1, y1 in np.asarray(item["arrow"], dtype=np.float64).reshape(-1, 4):
            a, b, c, d = area.sx(x0), area.sy(y0), area.sx(x1), area.sy(y1)
            angle = math.atan2(d - b, c - a)
            shafts.append(f"M{_num(a)} {_num(b)}L{_num(c)} {_num(d)}")
            heads.append(f"M{_num(c)} {_num(d)}L{_num(c - 7 * math.cos(angle - 0.4))} {_num(d - 7 * math.sin(angle - 0.4))}"
                         f"L{_num(c - 7 * math.cos(angle + 0.4))} {_num(d - 7 * math.sin(angle + 0.4))}Z")
        return (f'<g{_opacity(item)}><path {_style(item, False, stroke)} d="{"".join(shafts)}"/>'
                f'<path {_style(item, True, 0)} d="{"".join(heads)}"/></g>')
    if "image" in item:
        x0, x1, y0, y1 = item.get("extent") or [*panel["x"], *panel["y"]]
        left, top = area.sx(x0), area.sy(y1)
        return images.draw(item["image"], left, top, area.sx(x1) - left, area.sy(y0) - top)
    if "text" in item:
        return _text_item(item, area, texts)
    return ""


def _text_item(item, area, texts):
    """render.js drawText: kept inside the plot, shrunk if too wide, moved off another text."""
    room = area.right - area.left - 4
    size, text = SIZE["text"], item["text"]
    w = text_width(text, size)
    if w > room:
        size = max(9, math.floor(SIZE["text"] * room / w))
        text = ellipsize(text, room, size)
        w = text_width(text, size)
    shift = {"center": w / 2, "right": w}.get(item.get("align"), 0)
    x = max(area.left + 2, min(area.sx(item["at"][0]) - shift, area.right - 2 - w))

    def inside(y):
        return max(area.top + size / 2, min(y, area.bottom - size / 2))

    anchor = inside(area.sy(item["at"][1]))
    placed = None
    for dy in (0, 1, -1, 2, -2):
        y = inside(anchor + dy * (size + 1))
        placed = (x, y - size / 2, w, size)
        if not any(_overlaps(placed, b) for b in texts):
            break
        if dy == -2:
            placed = (x, anchor - size / 2, w, size)
    texts.append(placed)
    role = item.get("role", "ink")
    return _text(placed[0], placed[1] + size / 2, text, f"{role} label", size=None if size == SIZE["text"] else size,
                 opacity=_opacity(item))


def _png(image):
    """An (H, W) or (H, W, 3) image in [0, 1] as a PNG data URL, its pixels as the canvas puts them."""
    data = np.asarray(image, dtype=np.float32)
    pixels = np.rint(np.clip(255 * data, 0, 255)).astype(np.uint8)  # as a Uint8ClampedArray rounds
    h, w = pixels.shape[:2]
    kind = 0 if pixels.ndim == 2 else 2  # PNG colour types: gray, RGB
    raw = b"".join(b"\x00" + pixels[row].tobytes() for row in range(h))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, kind, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


class Images:
    """A sim's images, drawn by both its pictures and written once, in the first one's <defs>: a
    PNG does not compress, so a second copy would double the weight of a sim made of images.
    With no id (a picture on its own), each is written where it is drawn."""

    def __init__(self, id=""):
        self.id, self.symbols, self.drawn = id, [], 0

    def draw(self, image, x, y, w, h):
        box = f'x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}"'
        if not self.id:
            return f'<image {box} preserveAspectRatio="none" href="{_png(image)}"/>'
        n, self.drawn = self.drawn, self.drawn + 1
        if n == len(self.symbols):
            rows, cols = np.shape(image)[:2]
            self.symbols.append(f'<symbol id="{self.id}-{n}" viewBox="0 0 {cols} {rows}" preserveAspectRatio="none">'
                                f'<image width="{cols}" height="{rows}" href="{_png(image)}"/></symbol>')
        return f'<use href="#{self.id}-{n}" {box}/>'


def render(frame, width=WIDE, labelledby="", describedby="", images=None):
    """The frame as an inline <svg> laid out at width, in its own units, scaled to its box by the page."""
    images = images or Images()
    images.drawn, written = 0, len(images.symbols)  # each picture draws the frame's images from the first
    rects, height = layout(frame["panels"], width)
    out = [f'<svg class="sim-picture{" sim-picture-narrow" if width == NARROW else ""}" xmlns="http://www.w3.org/2000/svg" '
           f'viewBox="0 0 {width} {_num(height)}" width="{width}" height="{_num(height)}" role="img"'
           + (f' aria-labelledby="{escape(labelledby)}"' if labelledby else "")
           + (f' aria-describedby="{escape(describedby)}"' if describedby else "") + ">",
           f'<rect class="background" width="{width}" height="{_num(height)}"/>']
    for panel, rect in zip(frame["panels"], rects):
        _panel(panel, rect, out, images)
    if len(images.symbols) > written:
        out.append(f"<defs>{''.join(images.symbols[written:])}</defs>")
    out.append("</svg>")
    return Markup("".join(out))


def pictures(frame, id, labelledby="", describedby=""):
    """A sim's two pictures, wide and narrow; id names its images (unique in the page)."""
    images = Images(f"{id}-image")
    return render(frame, WIDE, labelledby, describedby, images) + render(frame, NARROW, labelledby, describedby, images)
