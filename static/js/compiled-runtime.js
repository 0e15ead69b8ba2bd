// Python's WebAssembly (pyodide.asm.wasm), compiled on the page for the worker when that pays.
// Chromium keeps compiled WebAssembly across visits for pages but not for workers: compiled
// here, a revisit starts Python from machine code, twice as fast (docs/benchmarks.md). With
// nothing kept yet, though, compiling here costs the page's main thread tasks of 50-110 ms just
// as it paints. So on a first visit the worker compiles it (keep() then compiles it here too,
// in the background); later visits compile it here.
const COMPILED = "understand-world-models/runtime-compiled";

export class CompiledRuntime {
  constructor(wasm) {
    this.wasm = wasm;
    this.module = null; // a promise of the compiled module, once there is one
  }

  // The module for a new worker, or null: the worker compiles the runtime itself.
  forWorker() {
    this.module ??= remembered(this.wasm) ? compile(this.wasm) : null;
    return this.module ?? Promise.resolve(null);
  }

  // Once a first visit's Python is up, compile it here in the background: the browser keeps it
  // compiled for the next visit, and a restarted worker gets it at once. Returns the promise
  // of the module (or null), for a worker that can wait.
  keep() {
    if (remembered(this.wasm)) return this.forWorker();
    this.keeping ??= new Promise((wait) => setTimeout(wait, 1000)).then(() => compile(this.wasm)).then((module) => {
      if (module) {
        remember(this.wasm);
        this.module = Promise.resolve(module);
      }
      return module;
    });
    return this.keeping;
  }
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
