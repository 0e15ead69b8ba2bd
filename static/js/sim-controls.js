// A sim's controls: its inputs show the params (which may come from a shared link), the
// learner's changes and buttons reach the sim, and a click on the panel marked "click" picks a
// point there (Enter or Space on the focused canvas picks its middle), in drawing units.
import { plotArea } from "./render.js";

// 12 and "%" -> "12%"; 60 and "steps" -> "60 steps" (as the builder's with_unit filter).
const withUnit = (value, unit = "") => (/^[A-Za-z]/.test(unit) ? `${value} ${unit}` : `${value}${unit}`);

export class SimControls {
  // on: {change(control), act(action, name), clickTarget() -> {panel, rect} or null}; listen:
  // how the sim registers a listener it removes when it is disposed.
  constructor(element, controls, params, on, listen) {
    this.form = element.querySelector(".sim-controls");
    this.form.querySelector(".sim-inputs").disabled = false; // the page's HTML keeps them off until now
    this.canvas = element.querySelector("canvas");
    this.controls = controls;
    this.params = params;
    this.on = on;
    this.show();
    listen(this.form, "submit", (event) => event.preventDefault());
    listen(this.form, "input", (event) => this.changed(event.target));
    listen(this.form, "change", (event) => this.changed(event.target));
    listen(this.form, "click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (button) on.act(button.dataset.action, button.name);
    });
    listen(this.canvas, "click", (event) => {
      const box = this.canvas.getBoundingClientRect();
      const scale = this.canvas.scale || 1; // render.js's layout pixels per CSS pixel
      this.pick((event.clientX - box.left) / scale, (event.clientY - box.top) / scale);
    });
    listen(this.canvas, "keydown", (event) => {
      if (event.key !== "Enter" && event.key !== " ") return;
      event.preventDefault();
      const target = on.clickTarget();
      if (target) this.pick(target.rect.x + target.rect.w / 2, target.rect.y + target.rect.h / 3);
    });
  }

  show() {
    for (const control of this.controls) {
      const value = this.params[control.name];
      if (control.kind === "slider") {
        const input = this.form.elements[control.name];
        input.value = value;
        input.parentElement.querySelector("output").textContent = withUnit(value, control.unit);
      } else if (control.kind === "toggle") {
        this.form.elements[control.name].checked = Boolean(value);
      } else if (control.kind === "choice") {
        for (const radio of this.form.querySelectorAll(`input[name="${control.name}"]`)) radio.checked = radio.value === value;
      }
    }
  }

  changed(input) {
    const control = this.controls.find((c) => c.name === input.name);
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
    this.on.change(control);
  }

  pick(px, py) {
    const control = this.controls.find((c) => c.kind === "canvas_click");
    const target = this.on.clickTarget();
    if (!control || !target) return;
    const area = plotArea(target.panel, target.rect);
    if (px < area.left || px > area.right || py < area.top || py > area.bottom) return;
    this.params[control.name] = [area.ix(px), area.iy(py)].map((v) => Math.round(v * 1000) / 1000);
    this.on.change(control);
  }

  showPlayback(playing, finished) {
    const play = this.form.querySelector('button[data-action="play"]');
    if (play) {
      play.textContent = playing ? "Pause" : "Play";
      play.setAttribute("aria-pressed", String(playing));
      play.disabled = finished;
    }
    const step = this.form.querySelector('button[data-action="step"]');
    if (step) step.disabled = finished;
  }
}
