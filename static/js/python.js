// One Python worker for the page's whole visit, shared by its sims and kept across in-place
// chapter changes. Retry starts a fresh worker: a failed load is never cached.

export class Python {
  constructor(config) {
    this.config = config;
    this.sims = new Map(); // key -> sim
    this.worker = null;
    this.state = "idle"; // idle | loading | ready | failed
  }

  attach(sim) {
    this.sims.set(sim.key, sim);
    if (this.state === "ready") sim.pythonReady();
    else if (this.state === "failed") sim.pythonFailed(this.failure);
    else if (this.state === "idle") this.start();
    else sim.pythonLoading(this.lastStatus || "Downloading Python…");
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
    const worker = this.worker;
    this.runtime ??= compileRuntime(url(this.config.pyodide) + "pyodide.asm.wasm");
    this.runtime.then((module) => worker.postMessage({ type: "runtime", module }));
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

// Python's WebAssembly compiled here, or null to let the worker compile it. Chromium keeps
// compiled WebAssembly across visits for pages but not for workers, so on a revisit this starts
// Python from machine code: twice as fast on the benchmark's machine. One compile serves every
// worker of the visit.
function compileRuntime(wasm) {
  if (!WebAssembly.compileStreaming) return Promise.resolve(null);
  return WebAssembly.compileStreaming(fetch(wasm)).catch(() => null);
}
