// One Python worker for the page's whole visit, shared by its sims and kept across in-place
// chapter changes. Retry starts a fresh worker: a failed load is never cached.
import { CompiledRuntime } from "./compiled-runtime.js";

const STALL_MS = 30_000; // no word from a loading worker for this long: its download stalled
const SNAPSHOT_AFTER_MS = 1000; // after Python's first start, then at the first idle moment
const absolute = (path) => new URL(path, document.baseURI).href; // for a blob: worker

export class Python {
  constructor(config) {
    this.config = config;
    this.sims = new Map(); // key -> sim
    this.worker = null;
    this.state = "idle"; // idle | loading | ready | failed
    this.runtime = new CompiledRuntime(new URL(config.pyodide + "pyodide.asm.wasm", document.baseURI).href);
  }

  // Start loading Python, if nothing has yet: a page with a sim calls this before anything
  // else it sets up, since Python's start is what its learner waits for.
  boot() {
    if (this.state === "idle") this.start();
  }

  attach(sim) {
    this.sims.set(sim.key, sim);
    this.boot();
    if (this.state === "ready") sim.pythonReady(false);
    else if (this.state === "failed") sim.pythonFailed(this.failure);
    else {
      sim.pythonLoading(this.lastStatus || "Downloading Python…");
      sim.restart(); // its first frame is computed as soon as Python is up, with no round trip
    }
  }

  detach(sim) {
    this.sims.delete(sim.key);
    this.post({ type: "stop", key: sim.key });
  }

  // The worker runs from a blob: URL, so that it inherits the page's Content-Security-Policy
  // (a worker loaded from its own URL would have none: a <meta> policy cannot reach it).
  start() {
    if (this.worker) this.worker.terminate();
    this.worker = null;
    this.state = "loading";
    this.early = []; // what sims sent before the worker was made, for it to find on arrival
    this.startedEarly = new Set(); // the sims whose start this worker has before it is ready
    this.receive({ type: "status", text: "Downloading Python…" });
    this.code ??= fetch(absolute(this.config.worker)).then((response) => {
      if (!response.ok) throw new Error(`${this.config.worker}: HTTP ${response.status}`);
      return response.blob();
    }).then((blob) => URL.createObjectURL(new Blob([blob], { type: "text/javascript" })));
    this.code.catch(() => (this.code = null)); // a failed download is tried again on Retry
    const started = this.code.then((code) => {
      if (this.state !== "loading" || this.worker) return;
      const worker = (this.worker = new Worker(code, { type: "module" }));
      worker.onmessage = (event) => worker === this.worker && this.receive(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        this.receive({ type: "failed", message: "Python could not load: " + (event.message || "the worker failed to start") });
      };
      worker.postMessage({
        type: "init", pyodide: absolute(this.config.pyodide), sims: absolute(this.config.sims), python: this.config.python,
      });
      for (const message of this.early.splice(0)) worker.postMessage(message);
      this.runtime.forWorker().then((module) => worker.postMessage({ type: "runtime", module }));
    });
    started.catch((error) => this.receive({ type: "failed", message: "Python could not load: " + error.message }));
  }

  // While Python loads, the worker says something at least twice a second as bytes arrive, and
  // at each step after: silence this long means the download stalled.
  watch() {
    clearTimeout(this.stall);
    if (this.state !== "loading") return;
    this.stall = setTimeout(() => this.receive({
      type: "failed",
      message: `Python stopped loading: nothing arrived for ${STALL_MS / 1000} seconds. Check your connection, then press Retry.`,
    }), STALL_MS);
  }

  // A sim's code stopped answering: only a new worker can stop it (no SharedArrayBuffer on
  // static hosts, so no interrupts). The other sims reload with it.
  runaway(sim) {
    sim.ranAway();
    this.start();
  }

  // While Python loads, the worker keeps what it is sent until it is ready.
  post(message) {
    if (this.state === "failed") return;
    if (this.state === "loading" && message.type === "start") this.startedEarly.add(message.key);
    if (this.worker) this.worker.postMessage(message);
    else if (this.state === "loading") this.early.push(message);
  }

  // A worker of its own makes the snapshot that later starts restore (worker.js), in this
  // visit's idle time: it never runs a sim or a learner's code. Once a visit, if none was
  // restored, and only where the course is kept for offline use (its service worker runs):
  // that is where a learner comes back.
  snapshotLater(compiled) {
    if (!this.config.python?.snapshot || this.snapshotting || !navigator.serviceWorker) return;
    this.snapshotting = true;
    const idle = (run) => (self.requestIdleCallback ? requestIdleCallback(run, { timeout: 5000 }) : run());
    Promise.all([compiled, navigator.serviceWorker.ready]).then(([module]) => setTimeout(() => idle(async () => {
      const maker = new Worker(await this.code, { type: "module" });
      maker.onmessage = ({ data }) => data.type === "snapshot" && maker.terminate();
      maker.onerror = () => maker.terminate();
      maker.postMessage({ type: "snapshot", pyodide: absolute(this.config.pyodide), python: this.config.python });
      maker.postMessage({ type: "runtime", module });
    }), SNAPSHOT_AFTER_MS));
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
      for (const sim of this.sims.values()) sim.pythonReady(this.startedEarly.has(sim.key));
      const compiled = this.runtime.keep();
      if (!message.restored) this.snapshotLater(compiled);
    } else if (message.type === "failed") {
      this.state = "failed";
      this.failure = message.message;
      this.worker?.terminate();
      this.worker = null;
      for (const sim of this.sims.values()) sim.pythonFailed(message.message);
    }
    this.watch();
  }
}
