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
    this.runtime ??= compiledRuntime(this.wasm());
    this.runtime.then((module) => worker.postMessage({ type: "runtime", module }));
  }

  wasm() {
    return new URL(this.config.pyodide + "pyodide.asm.wasm", document.baseURI).href;
  }

  // Once a first visit's Python is up, compile its runtime here in the background: the browser
  // keeps it compiled for the next visit, and a restarted worker gets it at once.
  keepRuntime() {
    if (this.keeping || remembered(this.wasm())) return;
    this.keeping = true;
    setTimeout(() => compile(this.wasm()).then((module) => {
      if (!module) return;
      remember(this.wasm());
      this.runtime = Promise.resolve(module);
    }), 1000);
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
      this.keepRuntime();
    } else if (message.type === "failed") {
      this.state = "failed";
      this.failure = message.message;
      this.worker.terminate();
      this.worker = null;
      for (const sim of this.sims.values()) sim.pythonFailed(message.message);
    }
  }
}

// Python's WebAssembly (pyodide.asm.wasm), compiled on the page for the worker when that pays.
// Chromium keeps compiled WebAssembly across visits for pages but not for workers: compiled
// here, a revisit starts Python from machine code, twice as fast (docs/benchmarks.md). With
// nothing kept yet, though, compiling here costs the page's main thread tasks of 50-110 ms just
// as it paints. So on a first visit the worker compiles it (Python.keepRuntime then compiles it
// here too, in the background); later visits compile it here.
const COMPILED = "understand-world-models/runtime-compiled";

// The module for a worker, or null: the worker compiles the runtime itself.
function compiledRuntime(wasm) {
  return remembered(wasm) ? compile(wasm) : Promise.resolve(null);
}

function compile(wasm) {
  if (!WebAssembly.compileStreaming) return Promise.resolve(null);
  return WebAssembly.compileStreaming(fetch(wasm)).catch(() => null);
}

function remembered(wasm) {
  try {
    return localStorage.getItem(COMPILED) === wasm;
  } catch {
    return false; // storage blocked: always let the worker compile
  }
}

function remember(wasm) {
  try {
    localStorage.setItem(COMPILED, wasm);
  } catch {
    // storage blocked or full: nothing to remember
  }
}
