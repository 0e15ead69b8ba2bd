// What a sim shows beside its canvas: its state for styles and tests, the status box (loading
// steps, or an error with Retry), the summary line and the legend.

export class SimView {
  constructor(element) {
    this.el = element;
    this.status = element.querySelector(".sim-status");
    this.summary = element.querySelector(".sim-summary");
    this.legend = element.querySelector(".sim-legend");
  }

  get state() {
    return this.el.dataset.state;
  }

  set state(state) {
    this.el.dataset.state = state;
  }

  showStatus(text) {
    this.status.hidden = false;
    this.status.replaceChildren(text);
  }

  hideStatus() {
    this.status.hidden = true;
  }

  showError(message, retry, details) {
    this.state = "error";
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

  // The summary and legend keep at least the height they have (the picture's) until released.
  holdText() {
    for (const el of [this.summary, this.legend]) el.style.minHeight = `${el.getBoundingClientRect().height}px`;
  }

  releaseText() {
    for (const el of [this.summary, this.legend]) el.style.minHeight = "";
  }

  showFrameText({ summary = "", legend = [] }) {
    if (this.summary.textContent !== summary) this.summary.textContent = summary;
    const key = JSON.stringify(legend);
    if (this.legend.dataset.key === key) return;
    this.legend.dataset.key = key;
    this.legend.replaceChildren(...legend.map(([role, text]) => {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "sim-swatch";
      swatch.dataset.role = role;
      item.append(swatch, text);
      return item;
    }));
    this.legend.hidden = legend.length === 0;
  }
}
