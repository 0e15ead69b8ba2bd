// The one renderer for every sim: draws a frame (panels of items, see sims/contract.py) on a
// high-DPI canvas with the shared palette read from CSS custom properties.
import { GEOMETRY, LIMITS, ROLES } from "./contract.js";

const MIN_PANEL_WIDTH = 240;

export function palette(element) {
  const style = getComputedStyle(element);
  const colors = {};
  for (const role of ROLES) colors[role] = style.getPropertyValue(`--sim-${role}`).trim() || "#888";
  colors.background = style.getPropertyValue("--sim-background").trim() || "#fff";
  colors.font = style.getPropertyValue("--font-ui").trim() || "sans-serif";
  colors.zoom = parseFloat(style.getPropertyValue("--sim-zoom")) || 1; // text and lines larger: presentation mode
  return colors;
}

// The canvas fonts, one per kind of text. The first use of each is slow (the system's font is
// looked up and its glyphs shaped), so prepare() uses them while Python loads, one per idle
// moment, rather than in the first frame.
const fonts = {
  title: (colors) => `600 13px ${colors.font}`,
  tick: (colors) => `11px ${colors.font}`,
  text: (colors, size = 12) => `${size}px ${colors.font}`,
};

const whenIdle = window.requestIdleCallback ?? ((callback) => setTimeout(callback, 50));

export function prepare(canvas, colors) {
  const ctx = canvas.getContext("2d");
  const kinds = Object.values(fonts);
  const next = () => {
    const font = kinds.shift();
    if (!font) return;
    ctx.font = font(colors);
    ctx.measureText("Step 0123456789 -.,:;()[]%² ABCabc");
    whenIdle(next);
  };
  whenIdle(next);
}

// A frame is checked against the contract's LIMITS here too, before anything is drawn, so that
// no frame can freeze the page.
class FrameError extends Error {}
const refuse = (message) => { throw new FrameError(message); };

// A packed frame from the worker, checked: JSON (arrays as views into data) -> frame object.
// Throws an Error saying what is wrong; error and done messages come back as they are.
export function parse(spec, data) {
  if (spec.length > LIMITS.spec) refuse(`the frame's JSON has ${spec.length} characters; at most ${LIMITS.spec}`);
  if (data.length > LIMITS.values) refuse(`the frame holds ${data.length} numbers; at most ${LIMITS.values}`);
  const message = JSON.parse(spec);
  if (message.error || message.done) return message;
  const frame = unpack(message, data);
  check(frame);
  return frame;
}

// Replace {"$a": offset, "shape": [...]} references with typed-array views into data.
export function unpack(value, data) {
  if (Array.isArray(value)) return value.map((v) => unpack(v, data));
  if (value && typeof value === "object") {
    if ("$a" in value) {
      const { $a: offset, shape } = value;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0 && d <= LIMITS.values)) refuse("an array has a bad shape");
      const size = shape.reduce((a, b) => a * b, 1);
      if (!Number.isInteger(offset) || offset < 0 || offset + size > data.length) refuse("an array lies outside the frame's data");
      return { shape, data: data.subarray(offset, offset + size) };
    }
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = unpack(v, data);
    return out;
  }
  return value;
}

const finite = (value, count) => Array.isArray(value) && value.length === count && value.every((v) => typeof v === "number" && Number.isFinite(v));

function text(value, limit, where) {
  if (value === undefined) return;
  if (typeof value !== "string") refuse(`${where} must be a string`);
  if (value.length > LIMITS[limit]) refuse(`${where} has ${value.length} characters; at most ${LIMITS[limit]}`);
}

// Throw a FrameError naming the first part of an unpacked frame beyond the contract.
export function check(frame) {
  const panels = frame.panels;
  if (!Array.isArray(panels) || panels.length > LIMITS.panels) refuse(`a frame has a list of at most ${LIMITS.panels} panels`);
  text(frame.summary, "summary", "summary");
  const metrics = frame.metrics ?? {};
  if (!metrics || typeof metrics !== "object" || Array.isArray(metrics) || Object.keys(metrics).length > LIMITS.metrics
    || !Object.values(metrics).every((v) => typeof v === "number" && Number.isFinite(v))) refuse(`metrics are at most ${LIMITS.metrics} finite numbers by name`);
  const legend = frame.legend ?? [];
  if (!Array.isArray(legend) || legend.length > LIMITS.legend) refuse(`the legend has at most ${LIMITS.legend} entries`);
  for (const entry of legend) {
    if (!Array.isArray(entry) || !ROLES.includes(entry[0])) refuse("a legend entry is [role, text] with a known role");
    text(entry[1], "label", "legend");
  }
  let items = 0, values = 0;
  panels.forEach((panel, p) => {
    if (!panel || typeof panel !== "object") refuse(`panel ${p} is not an object`);
    for (const key of ["title", "xlabel", "ylabel"]) text(panel[key], "label", `panel ${p}: ${key}`);
    for (const axis of ["x", "y"]) {
      const range = panel[axis];
      if (!finite(range, 2)) refuse(`panel ${p}: ${axis} range must be [lo, hi], two finite numbers`);
      const span = range[1] - range[0];
      if (!(Number.isFinite(span) && span >= LIMITS.span * Math.max(Math.abs(range[0]), Math.abs(range[1]), 1e-300))) {
        refuse(`panel ${p}: ${axis} range [${range}] needs hi - lo finite and at least ${LIMITS.span} of the larger end`);
      }
    }
    for (const key of ["aspect", "weight"]) {
      const [lo, hi] = LIMITS[key];
      if (panel[key] !== undefined && !(typeof panel[key] === "number" && panel[key] >= lo && panel[key] <= hi)) {
        refuse(`panel ${p}: ${key} must be a number from ${lo} to ${hi}`);
      }
    }
    const list = panel.items ?? [];
    if (!Array.isArray(list)) refuse(`panel ${p}: items must be a list`);
    items += list.length;
    if (items > LIMITS.items) refuse(`the frame has more than ${LIMITS.items} items`);
    list.forEach((item, i) => { values += checkItem(item, `panel ${p} item ${i}`); });
    if (values > LIMITS.values) refuse(`the frame's arrays hold more than ${LIMITS.values} numbers`);
  });
}

function checkItem(item, where) {
  const kinds = Object.keys(GEOMETRY).filter((k) => item && typeof item === "object" && k in item);
  if (kinds.length !== 1) refuse(`${where}: needs exactly one geometry key`);
  const kind = kinds[0];
  if (item.role !== undefined && !ROLES.includes(item.role)) refuse(`${where}: unknown role`);
  if (kind === "text") {
    text(item.text, "label", where);
    if (typeof item.text !== "string" || !finite(item.at, 2)) refuse(`${where}: text needs a string and 'at': [x, y]`);
    return 0;
  }
  const array = item[kind];
  if (!array || !array.data || !Array.isArray(array.shape)) refuse(`${where}: ${kind} must be an array`);
  const { shape, data } = array;
  if (kind === "image") {
    if (!(shape.length === 2 || (shape.length === 3 && shape[2] === 3))) refuse(`${where}: image must be (H, W) or (H, W, 3)`);
    if (shape[0] * shape[1] > LIMITS.image) refuse(`${where}: image has ${shape[0] * shape[1]} pixels; at most ${LIMITS.image}`);
    if (item.extent !== undefined && !finite(item.extent, 4)) refuse(`${where}: extent must be four finite numbers`);
  } else {
    const want = GEOMETRY[kind];
    if (shape.length !== want.length || want.some((d, i) => d !== null && d !== shape[i])) refuse(`${where}: ${kind} must have shape (${want.map((d) => d ?? "N")})`);
  }
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) refuse(`${where}: ${kind} holds NaN or infinity`);
  return data.length;
}

// --- Layout --------------------------------------------------------------------------------
// Every piece of text drawn is kept as a box; canvas.textBoxes holds those of the last draw (the
// label tests read them). A title too long for one line wraps onto a second, and its row of
// panels reserves the room; a tick label that would overlap another text is left out.

const TITLE_LINE = 16; // px per line of a title
const MAX_TITLE_LINES = 2;
const SIZE = { title: 13, tick: 11, text: 12 }; // font sizes, px
const titleHeight = (lines) => 6 + TITLE_LINE * Math.max(1, lines);

// Panel rectangles in CSS pixels: a grid of balanced rows, as many columns as fit. Each rect
// carries its title's lines and its y tick labels, which set its plot area (plotArea).
function layout(ctx, panels, width, colors) {
  const fit = Math.max(1, Math.floor(width / MIN_PANEL_WIDTH));
  const rowsNeeded = Math.ceil(panels.length / Math.min(fit, panels.length));
  const columns = Math.ceil(panels.length / rowsNeeded);
  const rects = [];
  let y = 0;
  for (let start = 0; start < panels.length; start += columns) {
    const row = panels.slice(start, start + columns);
    const weights = row.map((p) => p.weight || 1);
    const total = weights.reduce((a, b) => a + b, 0);
    ctx.font = fonts.title(colors);
    const titles = row.map((panel, i) => wrap(ctx, panel.title || "", (width * weights[i]) / total - 16));
    const lines = Math.max(...titles.map((t) => t.lines.length));
    let x = 0, height = 0;
    row.forEach((panel, i) => {
      const w = (width * weights[i]) / total;
      const h = Math.round(w * (panel.aspect || 0.75)) + titleHeight(lines);
      const rect = { x, y, w, h, title: titles[i], titleHeight: titleHeight(lines), yticks: [], tickWidth: 0 };
      if (panel.axes !== false) {
        ctx.font = fonts.tick(colors);
        rect.yticks = ticks(panel.y[0], panel.y[1]);
        rect.tickWidth = Math.max(0, ...rect.yticks.map((t) => ctx.measureText(t.text).width));
      }
      rects.push(rect);
      x += w;
      height = Math.max(height, h);
    });
    y += height;
  }
  return { rects, height: y };
}

// Words onto at most MAX_TITLE_LINES lines of width px; what still does not fit is elided.
function wrap(ctx, text, width) {
  const lines = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const longer = line ? `${line} ${word}` : word;
    if (!line || ctx.measureText(longer).width <= width) line = longer;
    else { lines.push(line); line = word; }
  }
  lines.push(line);
  const kept = lines.slice(0, MAX_TITLE_LINES);
  if (lines.length > MAX_TITLE_LINES) kept[MAX_TITLE_LINES - 1] = lines.slice(MAX_TITLE_LINES - 1).join(" ");
  let elided = false;
  const out = kept.map((l) => {
    const short = ellipsize(ctx, l, width);
    elided ||= short !== l;
    return short;
  });
  return { lines: out, elided };
}

// The text, shortened with an ellipsis to fit width pixels (a binary search: few measurements).
function ellipsize(ctx, text, width) {
  if (ctx.measureText(text).width <= width) return text;
  let lo = 0, hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ctx.measureText(text.slice(0, mid) + "…").width <= width) lo = mid; else hi = mid - 1;
  }
  return text.slice(0, lo) + "…";
}

// Draw the frame laid out at the canvas's width, or at layoutWidth and scaled to the canvas's
// width: the build's picture of the sim is laid out at one width and scaled so, and a canvas
// drawn the same way fills the same box. Presenting (colors.zoom > 1) lays it out narrower and
// scales it up, so text and lines are larger. The rects returned are in layout pixels
// (canvas.scale converts: CSS px = layout px * scale); canvas.textBoxes are in CSS pixels.
export function draw(canvas, frame, colors, layoutWidth = 0) {
  const box = canvas.getBoundingClientRect().width || canvas.parentElement.getBoundingClientRect().width;
  if (!box) return []; // not laid out (hidden or detached): drawn when it is
  const width = layoutWidth || box / (colors.zoom || 1), scale = box / width;
  const ctx = canvas.getContext("2d");
  const { rects, height } = layout(ctx, frame.panels, width, colors);
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(box * dpr) || canvas.height !== Math.round(height * scale * dpr)) {
    canvas.width = Math.round(box * dpr);
    canvas.height = Math.round(height * scale * dpr);
    canvas.style.height = `${height * scale}px`;
  }
  ctx.setTransform(dpr * scale, 0, 0, dpr * scale, 0, 0);
  ctx.fillStyle = colors.background;
  ctx.fillRect(0, 0, width, height);
  const boxes = [];
  frame.panels.forEach((panel, i) => drawPanel(ctx, panel, rects[i], colors, boxes, i));
  canvas.scale = scale;
  canvas.textBoxes = scale === 1 ? boxes : boxes.map((b) => ({ ...b, x: b.x * scale, y: b.y * scale, w: b.w * scale, h: b.h * scale }));
  return rects;
}

// How tall draw() would make the canvas at a width, both in CSS pixels.
export function heightAt(canvas, frame, colors, width) {
  const zoom = colors.zoom || 1;
  return layout(canvas.getContext("2d"), frame.panels, width / zoom, colors).height * zoom;
}

// The plot area of a panel and its data -> pixel mapping.
export function plotArea(panel, rect) {
  const axes = panel.axes !== false;
  const margin = Math.max(panel.ylabel ? 56 : 44, Math.ceil(rect.tickWidth ?? 0) + (panel.ylabel ? 22 : 8));
  const left = rect.x + (axes ? margin : 6), right = rect.x + rect.w - 10;
  const top = rect.y + (rect.titleHeight ?? titleHeight(1)) + 4;
  const bottom = rect.y + rect.h - (axes ? (panel.xlabel ? 34 : 22) : 6);
  const [x0, x1] = panel.x, [y0, y1] = panel.y;
  return {
    left, right, top, bottom,
    sx: (x) => left + ((x - x0) / (x1 - x0)) * (right - left),
    sy: (y) => bottom - ((y - y0) / (y1 - y0)) * (bottom - top),
    ix: (px) => x0 + ((px - left) / (right - left)) * (x1 - x0),
    iy: (py) => y0 + ((bottom - py) / (bottom - top)) * (y1 - y0),
  };
}

// A text's box: x, y its left and top, in CSS pixels.
const box = (kind, text, x, y, w, h, panel, elided = false) => ({ kind, text, x, y, w, h, panel, elided });
const overlaps = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

function drawPanel(ctx, panel, rect, colors, boxes, index) {
  const area = plotArea(panel, rect);
  ctx.font = fonts.title(colors);
  ctx.fillStyle = colors.ink;
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  rect.title.lines.forEach((line, i) => {
    if (!line) return;
    const middle = rect.y + 12 + TITLE_LINE * i;
    ctx.fillText(line, rect.x + 8, middle);
    boxes.push(box("title", line, rect.x + 8, middle - SIZE.title / 2, ctx.measureText(line).width, SIZE.title, index, rect.title.elided));
  });
  if (panel.axes !== false) drawAxes(ctx, panel, area, rect, colors, boxes, index);
  ctx.save();
  ctx.beginPath();
  ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
  ctx.clip();
  for (const item of panel.items || []) drawItem(ctx, item, area, panel, colors, boxes, index);
  ctx.restore();
}

// Round tick values, at most about count + 1 of them, whatever the (finite) range.
function ticks(lo, hi, count = 4) {
  const raw = (hi - lo) / count;
  const step = [1, 2, 2.5, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(raw))).find((s) => s >= raw);
  if (!(step > 0 && Number.isFinite(step))) return [];
  const first = Math.ceil(lo / step), n = Math.floor(hi / step + 1e-9) - first;
  if (!(n >= 0 && n <= 2 * count)) return []; // only when rounding has failed: no ticks, not a hang
  // As many digits as the step needs, so that neighbouring ticks never read the same
  const digits = Math.min(15, Math.max(4, Math.ceil(Math.log10(Math.max(Math.abs(lo), Math.abs(hi)) / step)) + 2));
  return Array.from({ length: n + 1 }, (_, i) => {
    const value = +((first + i) * step).toPrecision(12);
    return { value, text: label(value, digits) };
  });
}

function label(value, digits) {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e5 || abs < 1e-3)) return value.toExponential(digits - 1).replace(/\.?0+e/, "e");
  return String(+value.toPrecision(digits));
}

function drawAxes(ctx, panel, area, rect, colors, boxes, index) {
  ctx.strokeStyle = colors.muted;
  ctx.lineWidth = 1;
  ctx.strokeRect(area.left, area.top, area.right - area.left, area.bottom - area.top);
  ctx.fillStyle = colors.ink;
  ctx.font = fonts.tick(colors);
  const placed = boxes.filter((b) => b.panel === index); // the title's lines
  const place = (b) => {
    if (placed.some((other) => overlaps(b, other))) return false;
    placed.push(b);
    boxes.push(b);
    return true;
  };
  // The axis labels first: they are always drawn, and ticks give way to them.
  ctx.textBaseline = "top";
  if (panel.xlabel) {
    const text = ellipsize(ctx, panel.xlabel, rect.w - 16), w = ctx.measureText(text).width;
    ctx.textAlign = "right";
    ctx.fillText(text, area.right, area.bottom + 19);
    place(box("xlabel", text, area.right - w, area.bottom + 19, w, SIZE.tick, index, text !== panel.xlabel));
  }
  if (panel.ylabel) {
    const text = ellipsize(ctx, panel.ylabel, area.bottom - area.top), w = ctx.measureText(text).width;
    ctx.save();
    ctx.translate(rect.x + 2, area.top);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "right";
    ctx.fillText(text, 0, 0);
    ctx.restore();
    place(box("ylabel", text, rect.x + 2, area.top, SIZE.tick, w, index, text !== panel.ylabel));
  }
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const t of rect.yticks) {
    const w = ctx.measureText(t.text).width, y = area.sy(t.value);
    if (place(box("tick", t.text, area.left - 5 - w, y - SIZE.tick / 2, w, SIZE.tick, index))) ctx.fillText(t.text, area.left - 5, y);
  }
  ctx.textAlign = "left";
  ctx.textBaseline = "top";
  for (const t of ticks(panel.x[0], panel.x[1])) {
    const w = ctx.measureText(t.text).width; // centred on its tick, but kept inside the panel
    const x = Math.max(rect.x + 2, Math.min(area.sx(t.value) - w / 2, rect.x + rect.w - w - 2));
    if (place(box("tick", t.text, x, area.bottom + 4, w, SIZE.tick, index))) ctx.fillText(t.text, x, area.bottom + 4);
  }
}

function rows(array, width) {
  const out = [];
  for (let i = 0; i + width <= array.data.length; i += width) out.push(array.data.subarray(i, i + width));
  return out;
}

function polyline(ctx, area, points, n) {
  ctx.beginPath();
  for (let i = 0; i < n; i++) {
    const x = area.sx(points[2 * i]), y = area.sy(points[2 * i + 1]);
    if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
  }
  ctx.stroke();
}

function drawItem(ctx, item, area, panel, colors, boxes, index) {
  const filled = item.fill ?? !("stroke" in item);
  const color = colors[item.role || "ink"] || colors.ink;
  ctx.globalAlpha = item.alpha ?? 1;
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = item.stroke ?? 2;
  ctx.lineJoin = "round";
  ctx.lineCap = "round";
  ctx.setLineDash(item.dash ? [5, 4] : []);
  if (item.line) {
    polyline(ctx, area, item.line.data, item.line.shape[0]);
  } else if (item.lines) {
    const [k, n] = item.lines.shape;
    for (let i = 0; n && i < k; i++) polyline(ctx, area, item.lines.data.subarray(i * n * 2, (i + 1) * n * 2), n);
  } else if (item.points) {
    const r = item.size ?? 3;
    ctx.beginPath();
    for (const [x, y] of rows(item.points, 2)) {
      ctx.moveTo(area.sx(x) + r, area.sy(y));
      ctx.arc(area.sx(x), area.sy(y), r, 0, 2 * Math.PI);
    }
    ctx.fill();
  } else if (item.band) {
    const b = rows(item.band, 3);
    ctx.beginPath();
    b.forEach(([x, lo], i) => (i ? ctx.lineTo(area.sx(x), area.sy(lo)) : ctx.moveTo(area.sx(x), area.sy(lo))));
    for (let i = b.length - 1; i >= 0; i--) ctx.lineTo(area.sx(b[i][0]), area.sy(b[i][2]));
    ctx.closePath();
    ctx.globalAlpha = item.alpha ?? 0.3;
    ctx.fill();
  } else if (item.bars) {
    const half = (item.width ?? 0.8) / 2;
    for (const [x, h] of rows(item.bars, 2)) {
      const x0 = area.sx(x - half), x1 = area.sx(x + half), y0 = area.sy(0), y1 = area.sy(h);
      ctx.fillRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
    }
  } else if (item.circle) {
    for (const [x, y, r] of rows(item.circle, 3)) {
      ctx.beginPath();
      ctx.arc(area.sx(x), area.sy(y), Math.abs(area.sx(x + r) - area.sx(x)), 0, 2 * Math.PI);
      if (filled) ctx.fill(); else ctx.stroke();
    }
  } else if (item.rect) {
    for (const [x0, y0, x1, y1] of rows(item.rect, 4)) {
      const px = Math.min(area.sx(x0), area.sx(x1)), py = Math.min(area.sy(y0), area.sy(y1));
      const w = Math.abs(area.sx(x1) - area.sx(x0)), h = Math.abs(area.sy(y1) - area.sy(y0));
      if (filled) ctx.fillRect(px, py, w, h); else ctx.strokeRect(px, py, w, h);
    }
  } else if (item.arrow) {
    for (const [x0, y0, x1, y1] of rows(item.arrow, 4)) arrow(ctx, area.sx(x0), area.sy(y0), area.sx(x1), area.sy(y1));
  } else if (item.image) {
    drawImage(ctx, item, area, panel);
  } else if (item.text !== undefined) {
    drawText(ctx, item, area, colors, boxes, index);
  }
  ctx.globalAlpha = 1;
  ctx.setLineDash([]);
}

// A text item at its point, moved inside the plot area rather than cut at its edge; smaller
// (down to 9 px) if it is wider than the plot, and moved a line up or down if it would cover
// another text of the panel.
function drawText(ctx, item, area, colors, boxes, index) {
  const room = area.right - area.left - 4;
  let size = SIZE.text;
  ctx.font = fonts.text(colors);
  let text = item.text, w = ctx.measureText(text).width;
  if (w > room) {
    size = Math.max(9, Math.floor((SIZE.text * room) / w));
    ctx.font = fonts.text(colors, size);
    text = ellipsize(ctx, text, room);
    w = ctx.measureText(text).width;
  }
  const shift = { center: w / 2, right: w }[item.align] ?? 0;
  const x = Math.max(area.left + 2, Math.min(area.sx(item.at[0]) - shift, area.right - 2 - w));
  const inside = (y) => Math.max(area.top + size / 2, Math.min(y, area.bottom - size / 2));
  const others = boxes.filter((b) => b.panel === index && b.kind === "text");
  const anchor = inside(area.sy(item.at[1]));
  let placed = null;
  for (const dy of [0, 1, -1, 2, -2]) {
    const y = inside(anchor + dy * (size + 1));
    placed = box("text", text, x, y - size / 2, w, size, index, text !== item.text);
    if (!others.some((b) => overlaps(placed, b))) break;
    if (dy === -2) placed = box("text", text, x, anchor - size / 2, w, size, index, text !== item.text);
  }
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  ctx.fillText(text, placed.x, placed.y + size / 2);
  boxes.push(placed);
}

function arrow(ctx, x0, y0, x1, y1) {
  const angle = Math.atan2(y1 - y0, x1 - x0), head = 7;
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - head * Math.cos(angle - 0.4), y1 - head * Math.sin(angle - 0.4));
  ctx.lineTo(x1 - head * Math.cos(angle + 0.4), y1 - head * Math.sin(angle + 0.4));
  ctx.closePath();
  ctx.fill();
}

// Images are drawn pixel-exact into an offscreen canvas, then scaled without smoothing.
function drawImage(ctx, item, area, panel) {
  const [h, w, c = 1] = item.image.shape;
  if (!h || !w) return;
  const pixels = new ImageData(w, h);
  const src = item.image.data;
  for (let i = 0; i < w * h; i++) {
    for (let k = 0; k < 3; k++) pixels.data[4 * i + k] = 255 * src[c === 3 ? 3 * i + k : i];
    pixels.data[4 * i + 3] = 255;
  }
  const scratch = new OffscreenCanvas(w, h);
  scratch.getContext("2d").putImageData(pixels, 0, 0);
  const [x0, x1, y0, y1] = item.extent || [panel.x[0], panel.x[1], panel.y[0], panel.y[1]];
  ctx.imageSmoothingEnabled = false;
  const left = area.sx(x0), top = area.sy(y1);
  ctx.drawImage(scratch, left, top, area.sx(x1) - left, area.sy(y0) - top);
}
