// One sim on the page: its controls, its animation loop and its drawing. The Python work
// happens in the worker; here we only ask for frames, one at a time, at the display's rate.
import { draw, palette, plotArea, unpack } from "./render.js";

// 12 and "%" -> "12%"; 60 and "steps" -> "60 steps" (as the builder's with_unit filter).
const withUnit = (value, unit = "") => (/^[A-Za-z]/.test(unit) ? `${value} ${unit}` : `${value}${unit}`);

const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

export class Sim {
  constructor(element, python) {
    this.el = element;
    this.python = python;
    this.key = element.id;
    this.config = JSON.parse(element.querySelector(".sim-config").textContent);
    this.canvas = element.querySelector("canvas");
    this.status = element.querySelector(".sim-status");
    this.summary = element.querySelector(".sim-summary");
    this.legend = element.querySelector(".sim-legend");
    this.form = element.querySelector(".sim-controls");
    this.params = Object.fromEntries(this.config.controls.filter((c) => "default" in c).map((c) => [c.name, c.default]));
    this.seed = this.config.seed;
    this.run = 0;
    this.waiting = false;
    this.ended = false;
    this.visible = true;
    this.playing = !reducedMotion.matches;
    this.frame = null;
    this.rects = [];
    this.colors = palette(element);
    this.bindControls();
    this.observeVisibility();
    this.loop = this.loop.bind(this);
    requestAnimationFrame(this.loop);
  }

  setState(state) {
    this.el.dataset.state = state;
  }

  // --- Python lifecycle -------------------------------------------------------------------

  pythonLoading(text) {
    this.setState("loading");
    this.showStatus(text);
  }

  pythonReady() {
    this.showStatus("Computing the first frame…");
    this.restart();
  }

  pythonFailed(message) {
    this.showError(message, () => this.python.start());
  }

  // --- Frames ------------------------------------------------------------------------------

  restart() {
    this.run += 1;
    this.ended = false;
    this.waiting = true;
    this.python.post({ type: "start", key: this.key, run: this.run, name: this.config.name, params: this.params, seed: this.seed });
  }

  loop() {
    requestAnimationFrame(this.loop);
    if (this.playing && this.visible && !this.waiting && !this.ended && this.frame) this.step();
  }

  step() {
    this.waiting = true;
    this.python.post({ type: "step", key: this.key, run: this.run });
  }

  receive({ run, spec, data }) {
    if (run !== this.run) return; // a frame from before the last restart
    this.waiting = false;
    const frame = JSON.parse(spec);
    if (frame.error) {
      this.showError("This simulation stopped with an error.", () => this.restart(), frame.error);
      this.ended = true;
      return;
    }
    if (frame.done) {
      this.ended = true;
      this.updatePlayback();
      return;
    }
    this.frame = unpack(frame, data);
    this.redraw();
    if (this.el.dataset.state !== "ready") {
      this.status.hidden = true;
      this.setState("ready");
      this.el.dispatchEvent(new CustomEvent("sim:ready", { bubbles: true }));
    }
  }

  redraw() {
    if (!this.frame) return;
    this.rects = draw(this.canvas, this.frame, this.colors);
    const summary = this.frame.summary || "";
    if (this.summary.textContent !== summary) this.summary.textContent = summary;
    this.showLegend(this.frame.legend || []);
  }

  showLegend(entries) {
    const key = JSON.stringify(entries);
    if (this.legend.dataset.key === key) return;
    this.legend.dataset.key = key;
    this.legend.replaceChildren(...entries.map(([role, text]) => {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "sim-swatch";
      swatch.dataset.role = role;
      item.append(swatch, text);
      return item;
    }));
    this.legend.hidden = entries.length === 0;
  }

  // --- Status and errors -----------------------------------------------------------------

  showStatus(text) {
    this.status.hidden = false;
    this.status.replaceChildren(text);
  }

  showError(message, retry, details) {
    this.setState("error");
    this.status.hidden = false;
    const text = document.createElement("p");
    text.textContent = message;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button";
    button.textContent = "Retry";
    button.addEventListener("click", () => retry());
    const parts = [text];
    if (details) {
      const pre = document.createElement("pre");
      pre.className = "sim-traceback";
      pre.textContent = details;
      parts.push(pre);
    }
    parts.push(button);
    this.status.replaceChildren(...parts);
  }

  // --- Controls ----------------------------------------------------------------------------

  bindControls() {
    this.form.addEventListener("submit", (event) => event.preventDefault());
    this.form.addEventListener("input", (event) => this.changed(event.target));
    this.form.addEventListener("change", (event) => this.changed(event.target));
    this.form.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (button) this.act(button.dataset.action);
    });
    this.canvas.addEventListener("click", (event) => {
      const box = this.canvas.getBoundingClientRect();
      this.pick(event.clientX - box.left, event.clientY - box.top);
    });
    this.canvas.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" && event.key !== " ") return;
      event.preventDefault();
      const panel = this.clickPanel();
      if (panel) this.pick(panel.rect.x + panel.rect.w / 2, panel.rect.y + panel.rect.h / 3);
    });
    reducedMotion.addEventListener("change", () => { this.playing = !reducedMotion.matches; this.updatePlayback(); });
    document.addEventListener("themechange", () => { this.colors = palette(this.el); this.redraw(); });
    new ResizeObserver(() => this.redraw()).observe(this.canvas);
    this.updatePlayback();
  }

  changed(input) {
    const control = this.config.controls.find((c) => c.name === input.name);
    if (!control || control.kind === "button" || control.kind === "playback") return;
    let value = input.value;
    if (control.kind === "slider") {
      value = Number(value);
      const output = input.parentElement.querySelector("output");
      if (output) output.textContent = withUnit(value, control.unit);
    } else if (control.kind === "toggle") {
      value = input.checked;
    }
    if (this.params[control.name] === value) return;
    this.params[control.name] = value;
    this.interacted();
    this.restart();
  }

  act(action) {
    if (action === "reseed") { this.seed += 1; this.restart(); }
    else if (action === "reset") { this.seed = this.config.seed; this.restart(); }
    else if (action === "play") { this.playing = !this.playing; }
    else if (action === "step") { this.playing = false; if (!this.waiting && !this.ended) this.step(); }
    this.interacted();
    this.updatePlayback();
  }

  clickPanel() {
    if (!this.frame) return null;
    const index = this.frame.panels.findIndex((p) => p.click);
    return index < 0 ? null : { panel: this.frame.panels[index], rect: this.rects[index] };
  }

  pick(px, py) {
    const control = this.config.controls.find((c) => c.kind === "canvas_click");
    const target = this.clickPanel();
    if (!control || !target) return;
    const area = plotArea(target.panel, target.rect);
    if (px < area.left || px > area.right || py < area.top || py > area.bottom) return;
    this.params[control.name] = [area.ix(px), area.iy(py)];
    this.interacted();
    this.restart();
  }

  interacted() {
    this.el.dispatchEvent(new CustomEvent("sim:interact", { bubbles: true }));
  }

  updatePlayback() {
    const play = this.form.querySelector('button[data-action="play"]');
    if (play) {
      play.textContent = this.playing ? "Pause" : "Play";
      play.setAttribute("aria-pressed", String(this.playing));
      play.disabled = this.ended;
    }
    const step = this.form.querySelector('button[data-action="step"]');
    if (step) step.disabled = this.ended;
  }

  observeVisibility() {
    new IntersectionObserver((entries) => {
      for (const entry of entries) this.visible = entry.isIntersecting;
    }).observe(this.el);
  }
}
