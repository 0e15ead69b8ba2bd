// One Python worker for the page's whole visit, shared by its sims and kept across in-place
// chapter changes. Retry starts a fresh worker: a failed load is never cached.
import { config } from "./config.js";

let shared = null;

// The page's Python. A page with sims starts it before its other modules load (start-python.js).
export function pagePython() {
  return (shared ??= new Python(config));
}

export class Python {
  constructor(config) {
    this.config = config;
    this.sims = new Map(); // key -> sim
    this.worker = null;
    this.state = "idle"; // idle | loading | ready | failed
  }

  attach(sim) {
    this.sims.set(sim.key, sim);
    this.boot();
    if (this.state === "ready") sim.pythonReady();
    else if (this.state === "failed") sim.pythonFailed(this.failure);
    else sim.pythonLoading(this.lastStatus);
  }

  boot() {
    if (this.state === "idle") this.start();
  }

  detach(sim) {
    this.sims.delete(sim.key);
    this.post({ type: "stop", key: sim.key });
  }

  start() {
    if (this.worker) this.worker.terminate();
    const url = (path) => new URL(path, document.baseURI).href;
    this.worker = new Worker(url(this.config.worker), { type: "module" });
    this.state = "loading";
    this.worker.onmessage = (event) => this.receive(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.receive({ type: "failed", message: "Python could not load: " + (event.message || "the worker failed to start") });
    };
    this.worker.postMessage({ type: "init", pyodide: url(this.config.pyodide), sims: url(this.config.sims) });
    this.receive({ type: "status", text: "Downloading Python…" });
  }

  // A sim's code stopped answering: only a new worker can stop it (no SharedArrayBuffer on
  // static hosts, so no interrupts). The other sims reload with it.
  runaway(sim) {
    sim.ranAway();
    this.start();
  }

  post(message) {
    if (this.worker && this.state !== "failed") this.worker.postMessage(message);
  }

  receive(message) {
    if (message.type === "frame") {
      const sim = this.sims.get(message.key);
      if (sim) sim.receive(message);
      return;
    }
    if (message.type === "status") {
      this.lastStatus = message.text;
      for (const sim of this.sims.values()) sim.pythonLoading(message.text);
    } else if (message.type === "ready") {
      this.state = "ready";
      for (const sim of this.sims.values()) sim.pythonReady();
    } else if (message.type === "failed") {
      this.state = "failed";
      this.failure = message.message;
      this.worker.terminate();
      this.worker = null;
      for (const sim of this.sims.values()) sim.pythonFailed(message.message);
    }
  }
}
