// The one renderer for every sim: draws a frame (panels of items, see sims/contract.py) on a
// high-DPI canvas with the shared palette read from CSS custom properties.

const ROLES = ["real", "imagined", "reward", "best", "samples", "uncertainty", "ink", "muted"];
const MIN_PANEL_WIDTH = 240;
const TITLE_HEIGHT = 22;

export function palette(element) {
  const style = getComputedStyle(element);
  const colors = {};
  for (const role of ROLES) colors[role] = style.getPropertyValue(`--sim-${role}`).trim() || "#888";
  colors.background = style.getPropertyValue("--sim-background").trim() || "#fff";
  colors.font = style.getPropertyValue("--font-ui").trim() || "sans-serif";
  return colors;
}

// Replace {"$a": offset, "shape": [...]} references with typed-array views into data.
export function unpack(value, data) {
  if (Array.isArray(value)) return value.map((v) => unpack(v, data));
  if (value && typeof value === "object") {
    if ("$a" in value) {
      const size = value.shape.reduce((a, b) => a * b, 1);
      return { shape: value.shape, data: data.subarray(value.$a, value.$a + size) };
    }
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = unpack(v, data);
    return out;
  }
  return value;
}

// Panel rectangles in CSS pixels: a grid of balanced rows, as many columns as fit.
export function layout(panels, width) {
  const fit = Math.max(1, Math.floor(width / MIN_PANEL_WIDTH));
  const rowsNeeded = Math.ceil(panels.length / Math.min(fit, panels.length));
  const columns = Math.ceil(panels.length / rowsNeeded);
  const rects = [];
  let y = 0;
  for (let start = 0; start < panels.length; start += columns) {
    const row = panels.slice(start, start + columns);
    const weights = row.map((p) => p.weight || 1);
    const total = weights.reduce((a, b) => a + b, 0);
    let x = 0, height = 0;
    row.forEach((panel, i) => {
      const w = (width * weights[i]) / total;
      const h = Math.round(w * (panel.aspect || 0.75)) + TITLE_HEIGHT;
      rects.push({ x, y, w, h });
      x += w;
      height = Math.max(height, h);
    });
    y += height;
  }
  return { rects, height: y };
}

// The canvas fonts, one per kind of text. The first use of each is slow (the system's font is
// looked up and its glyphs shaped), so prepare() uses them while Python loads, one per idle
// moment, rather than in the first frame.
const fonts = {
  title: (colors) => `600 13px ${colors.font}`,
  tick: (colors) => `11px ${colors.font}`,
  text: (colors) => `12px ${colors.font}`,
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

export function draw(canvas, frame, colors) {
  const width = canvas.clientWidth || canvas.parentElement.clientWidth;
  const { rects, height } = layout(frame.panels, width);
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.height = `${height}px`;
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = colors.background;
  ctx.fillRect(0, 0, width, height);
  frame.panels.forEach((panel, i) => drawPanel(ctx, panel, rects[i], colors));
  return rects;
}

// The plot area of a panel and its data -> pixel mapping.
export function plotArea(panel, rect) {
  const axes = panel.axes !== false;
  const left = rect.x + (axes ? (panel.ylabel ? 56 : 44) : 6), right = rect.x + rect.w - 10;
  const top = rect.y + TITLE_HEIGHT + 4, bottom = rect.y + rect.h - (axes ? 30 : 6);
  const [x0, x1] = panel.x, [y0, y1] = panel.y;
  return {
    left, right, top, bottom,
    sx: (x) => left + ((x - x0) / (x1 - x0)) * (right - left),
    sy: (y) => bottom - ((y - y0) / (y1 - y0)) * (bottom - top),
    ix: (px) => x0 + ((px - left) / (right - left)) * (x1 - x0),
    iy: (py) => y0 + ((bottom - py) / (bottom - top)) * (y1 - y0),
  };
}

function drawPanel(ctx, panel, rect, colors) {
  const area = plotArea(panel, rect);
  ctx.font = fonts.title(colors);
  ctx.fillStyle = colors.ink;
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  ctx.fillText(fit(ctx, panel.title || "", rect.w - 16), rect.x + 8, rect.y + TITLE_HEIGHT / 2 + 2);
  if (panel.axes !== false) drawAxes(ctx, panel, area, rect, colors);
  ctx.save();
  ctx.beginPath();
  ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
  ctx.clip();
  for (const item of panel.items || []) drawItem(ctx, item, area, panel, colors);
  ctx.restore();
}

// The text, shortened with an ellipsis to fit width pixels.
function fit(ctx, text, width) {
  if (ctx.measureText(text).width <= width) return text;
  let end = text.length;
  while (end > 1 && ctx.measureText(text.slice(0, end) + "…").width > width) end -= 1;
  return text.slice(0, end) + "…";
}

function niceTicks(lo, hi, count = 4) {
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(+t.toPrecision(12));
  return ticks;
}

function label(value) {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e5 || abs < 1e-3)) return value.toExponential(0);
  return String(+value.toPrecision(4));
}

function drawAxes(ctx, panel, area, rect, colors) {
  ctx.strokeStyle = colors.muted;
  ctx.lineWidth = 1;
  ctx.strokeRect(area.left, area.top, area.right - area.left, area.bottom - area.top);
  ctx.fillStyle = colors.ink;
  ctx.font = fonts.tick(colors);
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const t of niceTicks(panel.x[0], panel.x[1])) {
    const text = label(t);
    const half = ctx.measureText(text).width / 2; // the last label stays inside the panel
    ctx.fillText(text, Math.min(area.sx(t), rect.x + rect.w - half - 2), area.bottom + 4);
  }
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const t of niceTicks(panel.y[0], panel.y[1])) ctx.fillText(label(t), area.left - 5, area.sy(t));
  ctx.textBaseline = "bottom";
  if (panel.xlabel) { ctx.textAlign = "right"; ctx.fillText(panel.xlabel, area.right, area.bottom + 28); }
  if (panel.ylabel) {
    ctx.save();
    ctx.translate(area.left - 54, area.top);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "right";
    ctx.textBaseline = "top";
    ctx.fillText(fit(ctx, panel.ylabel, area.bottom - area.top), 0, 0);
    ctx.restore();
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

function drawItem(ctx, item, area, panel, colors) {
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
    for (let i = 0; i < k; i++) polyline(ctx, area, item.lines.data.subarray(i * n * 2, (i + 1) * n * 2), n);
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
    ctx.font = fonts.text(colors);
    ctx.textAlign = item.align || "left";
    ctx.textBaseline = "middle";
    ctx.fillText(item.text, area.sx(item.at[0]), area.sy(item.at[1]));
  }
  ctx.globalAlpha = 1;
  ctx.setLineDash([]);
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
