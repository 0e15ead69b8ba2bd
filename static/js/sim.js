// One sim on the page: its runs and the scheduling of their frames, from the worker to the
// canvas. The Python work happens in the worker. While a sim plays, the worker computes ahead
// of the screen (one request in flight, at most AHEAD frames waiting) and each display frame
// shows the next one, so a step's round trip never costs a display frame as long as steps
// average under one. Its controls are in sim-controls.js, its status and legend in sim-view.js.
import { announce, SIM_ERROR, SIM_FRAME, SIM_INTERACT, SIM_READY, SIM_RUNAWAY } from "./events.js";
import { draw, heightAt, palette, parse, prepare } from "./render.js";
import { SimControls } from "./sim-controls.js";
import { SimView } from "./sim-view.js";

const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
export const RUNAWAY_MS = 4000; // no frame for this long after a request: the code is stuck
const AHEAD = 3; // frames computed but not yet shown: absorb a step that takes up to three display frames
let instances = 0;

export class Sim {
  constructor(element, python, initial = {}) {
    this.el = element;
    this.python = python;
    this.key = `${element.id}#${++instances}`; // unique per page visit: stale frames never match
    this.config = JSON.parse(element.querySelector(".sim-config").textContent);
    this.name = this.config.name;
    this.canvas = element.querySelector("canvas");
    this.view = new SimView(element);
    this.params = Object.fromEntries(this.config.controls.filter((c) => "default" in c).map((c) => [c.name, c.default]));
    Object.assign(this.params, initial.params || {});
    this.seed = initial.seed ?? this.config.seed;
    this.source = initial.source || null; // edited code, or null for the sim's own module
    this.run = 0;
    this.waiting = false;
    this.sentAt = 0;
    this.ended = false;
    this.visible = true;
    this.playing = !reducedMotion.matches;
    this.frame = null; // the frame on screen
    this.shownRun = 0; // the run it belongs to
    this.ahead = []; // frames of this run computed ahead, oldest first
    this.stepAsked = false; // Step asked for a frame not yet shown
    this.rects = [];
    // The build's pictures of the sim (wide and narrow: CSS shows one), shown until the first
    // frame is drawn. The canvas then keeps the shown picture's layout width (scaled to the
    // same box: no layout shift) until the learner acts on the sim, resizes it, or it leaves
    // the screen; then its own width rules.
    this.pictures = [...element.querySelectorAll(".sim-picture")];
    this.holdWidth = 0;
    this.colors = palette(element);
    prepare(this.canvas, this.colors);
    this.disposers = [];
    this.alive = true;
    this.controls = new SimControls(element, this.config.controls, this.params, {
      change: (control) => this.changed(control),
      act: (action, name) => this.act(action, name),
      clickTarget: () => this.clickTarget(),
    }, (target, type, handler) => this.listen(target, type, handler));
    this.watch();
    const loop = () => {
      if (!this.alive) return;
      requestAnimationFrame(loop);
      this.tick();
    };
    requestAnimationFrame(loop);
  }

  // What other modules may know of a sim: its element, and what it shows now.
  get element() {
    return this.el;
  }

  get shown() {
    return { name: this.name, seed: this.seed, params: { ...this.params }, source: this.source };
  }

  dispose() {
    this.alive = false;
    for (const dispose of this.disposers) dispose();
    this.python.detach(this);
  }

  listen(target, type, handler) {
    target.addEventListener(type, handler);
    this.whenDisposed(() => target.removeEventListener(type, handler));
  }

  whenDisposed(dispose) {
    this.disposers.push(dispose);
  }

  // Read the palette and text size from the stylesheet again (a new theme, presentation mode).
  restyle() {
    this.colors = palette(this.el);
    this.redraw();
  }

  // --- Python lifecycle -------------------------------------------------------------------

  pythonLoading(text) {
    this.view.state = "loading";
    this.view.showStatus(text);
  }

  // started: the worker has this sim's start already, sent while Python loaded
  pythonReady(started) {
    if (this.view.state !== "error") this.view.showStatus("Computing the first frame…");
    if (started) this.sentAt = performance.now(); // the runaway clock starts with Python
    else this.restart();
  }

  pythonFailed(message) {
    this.view.showError(message, () => this.python.start());
  }

  // The worker was restarted because this sim's code ran away: go back to the original code.
  ranAway() {
    this.source = null;
    announce(this.el, SIM_RUNAWAY);
  }

  // --- Frames ------------------------------------------------------------------------------

  restart() {
    this.run += 1;
    this.ended = false;
    this.ahead = [];
    this.send({ type: "start", name: this.name, params: this.params, seed: this.seed, source: this.source });
  }

  // A live control's params go to the running generator, which keeps all it has learned. The
  // frames computed ahead predate the change: a new run number drops them (and any in flight),
  // and the answer is shown at once, as a restart's first frame is.
  update() {
    if (!this.frame || this.ended) { this.restart(); return; } // nothing running to reach
    this.run += 1;
    this.ahead = [];
    this.send({ type: "update", params: this.params });
  }

  send(message) {
    this.waiting = true;
    this.sentAt = performance.now();
    this.python.post({ ...message, key: this.key, run: this.run });
  }

  get finished() {
    return this.ended && this.ahead.length === 0;
  }

  get animating() {
    return this.playing && this.visible;
  }

  // Every display frame: show the next frame computed ahead, and keep the worker busy.
  tick() {
    if (this.waiting && this.python.state === "ready" && performance.now() - this.sentAt > RUNAWAY_MS) {
      this.waiting = false;
      this.python.runaway(this);
      return;
    }
    if (this.animating && this.ahead.length) this.show(this.ahead.shift());
    this.fill();
  }

  fill() {
    if (this.animating && !this.waiting && !this.ended && this.frame && this.ahead.length < AHEAD) this.step();
  }

  step() {
    this.send({ type: "step" });
  }

  receive({ run, spec, data }) {
    if (run !== this.run) return; // a frame from before the last restart
    this.waiting = false;
    let unpacked;
    try {
      unpacked = parse(spec, data); // checked against the contract's limits before any drawing
    } catch (error) {
      unpacked = { error: `This frame cannot be drawn: ${error.message}` };
    }
    if (unpacked.error) {
      this.failed(unpacked.error);
      return;
    }
    if (unpacked.done) {
      this.ended = true;
      this.updatePlayback();
      return;
    }
    // A run's first frame answers an input, and the frame the Step button asked for: show them
    // now. Other frames wait for a display frame of a playing sim, even one asked for just
    // before a pause.
    if (this.shownRun !== run || this.stepAsked) {
      this.stepAsked = false;
      this.show(unpacked);
    } else this.ahead.push(unpacked);
    this.fill();
  }

  show(frame) {
    this.frame = frame;
    this.shownRun = this.run;
    const shown = this.pictures.find((picture) => picture.getClientRects().length);
    if (shown && this.visible) {
      this.holdWidth = shown.viewBox.baseVal.width;
      this.heldAt = this.canvas.parentElement.clientWidth;
      this.view.holdText(); // the live frame's summary may be shorter than the picture's
    }
    if (!this.redraw()) return;
    if (this.pictures.length) this.goLive();
    if (this.view.state !== "ready") {
      this.view.hideStatus();
      this.view.state = "ready";
      announce(this.el, SIM_READY);
    }
    if (this.ended) this.updatePlayback();
    announce(this.el, SIM_FRAME, { run: this.run });
  }

  // How tall the canvas would be at a width (CSS pixels), for the frame on screen; 0 if none.
  heightAt(width) {
    return this.frame ? heightAt(this.canvas, this.frame, this.colors, width) : 0;
  }

  // The canvas, drawn, takes the picture's place. If the picture is on screen, the canvas was
  // laid out at the picture's width and drawn into the same width (show), so it is as tall;
  // off screen, nothing seen moves.
  goLive() {
    for (const picture of this.pictures) picture.remove();
    this.pictures = [];
    this.canvas.hidden = false;
  }

  release() {
    if (!this.holdWidth) return;
    this.holdWidth = 0;
    this.view.releaseText();
    this.redraw();
  }

  // Draw the frame on screen; false if there is none or it failed to draw (then an error shows).
  redraw() {
    if (!this.frame) return false;
    try {
      this.rects = draw(this.canvas, this.frame, this.colors, this.holdWidth);
    } catch (error) {
      this.frame = null;
      this.failed(`This frame cannot be drawn: ${error.message}`);
      return false;
    }
    this.view.showFrameText(this.frame);
    return true;
  }

  // --- Errors ------------------------------------------------------------------------------

  // The sim's code failed, or sent a frame that cannot be drawn: say so, with Retry.
  failed(details) {
    this.ended = true;
    this.ahead = [];
    this.view.showError("This simulation stopped with an error.", () => this.restart(), details);
    announce(this.el, SIM_ERROR, details);
  }

  // --- Controls ----------------------------------------------------------------------------

  // What the sim follows besides its controls: motion preferences, the theme, its size, and
  // whether it is on screen (a sim off screen computes nothing).
  watch() {
    this.listen(reducedMotion, "change", () => { this.playing = !reducedMotion.matches; this.updatePlayback(); });
    this.listen(document, "themechange", () => this.restyle());
    const resize = new ResizeObserver(() => {
      if (this.holdWidth && this.canvas.clientWidth !== this.heldAt) this.holdWidth = 0;
      this.redraw();
    });
    resize.observe(this.canvas);
    const visibility = new IntersectionObserver((entries) => {
      for (const entry of entries) this.visible = entry.isIntersecting;
      if (!this.visible) this.release();
    });
    visibility.observe(this.el);
    this.disposers.push(() => resize.disconnect(), () => visibility.disconnect());
    this.updatePlayback();
  }

  // A control's value changed (SimControls has put it in params).
  changed(control) {
    this.interacted();
    if (control.live) this.update(); else this.restart();
  }

  act(action, name) {
    if (action === "reseed") { this.seed += 1; this.restart(); }
    else if (action === "press") { this.params[name] += 1; this.update(); } // a live button counts its presses
    else if (action === "reset") { this.seed = this.config.seed; this.restart(); }
    else if (action === "play") { this.playing = !this.playing; }
    else if (action === "step") { this.playing = false; this.stepOnce(); }
    this.interacted();
    this.updatePlayback();
  }

  // Step while paused: the next frame, from those computed ahead if any.
  stepOnce() {
    if (this.ahead.length) this.show(this.ahead.shift());
    else if (!this.ended) {
      this.stepAsked = true; // the frame on its way, or the one asked for now
      if (!this.waiting) this.step();
    }
  }

  // Run these settings from the first frame, playing (a prediction question shows its answer so).
  apply(params, seed) {
    Object.assign(this.params, params);
    this.seed = seed;
    this.controls.show();
    this.playing = true;
    this.restart();
    this.updatePlayback();
  }

  // Run edited code (null: the sim's own module) from the first frame.
  setSource(source) {
    this.source = source;
    this.restart();
  }

  // The panel a canvas click picks in and where it was drawn (layout pixels); or null.
  clickTarget() {
    if (!this.frame) return null;
    const index = this.frame.panels.findIndex((p) => p.click);
    return index < 0 ? null : { panel: this.frame.panels[index], rect: this.rects[index] };
  }

  interacted() {
    this.release(); // the learner's input: the layout may change now
    announce(this.el, SIM_INTERACT);
  }

  updatePlayback() {
    this.controls.showPlayback(this.playing, this.finished);
  }
}
