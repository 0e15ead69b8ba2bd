// The Python worker: loads Pyodide and numpy off the main thread, then runs sims on request.
// Messages in:  {type: "init", pyodide, sims, python} | {type: "runtime", module}
//               python: the self-hosted runtime's {lock, unpacked, snapshot} (builder/runtime/pyodide.py)
//               {type: "snapshot", pyodide, python}: make this worker the one that makes and
//               keeps a snapshot of Python, then ends (it is sent nothing else)
//               {type: "start", key, run, name, params, seed, source} | {type: "step", key, run}
//               {type: "update", key, run, params}: a live control's params, sent to the running sim
//               {type: "stop", key}
// Messages out: {type: "status", text} | {type: "progress"} | {type: "failed", message}
//               {type: "ready", restored}: restored, whether Python came from a kept snapshot
//               {type: "snapshot"}: from a snapshot worker, once it is done
//               {type: "frame", key, run, spec, data, ms}: ms, the worker's own time for it
let runner = null;
const queue = [];
let receiveRuntime;
// pyodide.asm.wasm as the page compiled it, or null if it could not
const runtime = new Promise((resolve) => (receiveRuntime = resolve));

self.onmessage = (event) => {
  const message = event.data;
  if (message.type === "init") init(message).catch(fail);
  else if (message.type === "snapshot") {
    makeSnapshot(message).catch(() => {}) // none kept: the next visit starts as this one did
      .then(() => self.postMessage({ type: "snapshot" }));
  }
  else if (message.type === "runtime") receiveRuntime(message.module);
  else if (runner) handle(message);
  else queue.push(message);
};

function status(text) {
  self.postMessage({ type: "status", text });
}

function fail(error) {
  const text = String((error && error.message) || error);
  const integrity = /integrity|sha-?256|digest/i.test(text);
  self.postMessage({
    type: "failed",
    message: integrity
      ? "Python's files failed their integrity check, so they were not run. " + text
      : "Python could not load: " + text,
  });
}

async function init({ pyodide: indexURL, sims, python }) {
  status("Downloading Python…");
  const loaded = reportProgress();
  const bundle = fetch(sims).then((r) => {
    if (!r.ok) throw new Error(`${sims}: HTTP ${r.status}`);
    return r.json();
  });
  bundle.catch(() => {}); // awaited below; a failure here must not go unhandled meanwhile
  watchRuntime();
  const files = numpyFiles(indexURL, python);
  importRuntime(indexURL).catch(() => {}); // under way while the snapshot is looked for
  let restored = false;
  let py;
  try {
    const kept = await keptSnapshot(indexURL, python);
    if (kept) {
      py = await startPython(indexURL, python, files, { kept }).catch(() => null);
      restored = Boolean(py) && samePython(py, kept.meta);
      if (restored) py.runPython(RESEED);
      else await forgetSnapshot(indexURL); // damaged or foreign: never tried again
    }
    if (!restored) py = await startPython(indexURL, python, files);
  } catch (error) {
    throw (await whatIsBroken(indexURL, python)) || error;
  }
  if (!python?.unpacked && !py.loadedPackages.numpy) {
    throw (await whatIsBroken(indexURL, python)) || new Error("numpy could not be installed");
  }
  status("Loading the simulation…");
  py.FS.mkdirTree("/home/pyodide/sims");
  for (const [name, source] of Object.entries(await bundle)) {
    py.FS.writeFile(`/home/pyodide/sims/${name}`, source);
  }
  py.runPython("import sys; sys.path.insert(0, '/home/pyodide')");
  runner = py.pyimport("sims.runner");
  loaded();
  lockDown();
  self.postMessage({ type: "ready", restored });
  while (queue.length) handle(queue.shift());
  preload(runner.registered().toJs());
}

// Pyodide's JavaScript. The interpreter's 1.2 MB, which loadPyodide imports only once its own
// module is in, is fetched and compiled meanwhile (the module map gives it the same module).
function importRuntime(indexURL) {
  import(indexURL + "pyodide.asm.mjs").catch(() => {}); // loadPyodide reports a failure
  return import(indexURL + "pyodide.mjs");
}

// Python with numpy, from numpy's files (numpyFiles) written in before Python starts, or else
// its wheel (files null). snapshot: {kept} to start from a kept snapshot (keptSnapshot), or
// {linked: []} to link all of numpy's extension modules first (their paths put in linked),
// for a snapshot to be taken.
async function startPython(indexURL, python, files, { kept, linked } = {}) {
  let libraries = [];
  const { loadPyodide } = await importRuntime(indexURL);
  status("Starting Python and numpy…");
  const unhook = (kept || linked) && atRuntimeStart((Module) => {
    if (linked) linked.push(...libraries);
    linkInOrder(Module, kept ? kept.meta.libraries : linked);
    if (kept && Module.HEAP8.length < kept.meta.heap) Module._emscripten_resize_heap(kept.meta.heap);
  });
  try {
    const py = await Promise.race([
      loadPyodide({
        indexURL,
        packageBaseUrl: indexURL,
        lockFileContents: python && JSON.stringify(python.lock), // no request for the lock
        packages: files ? [] : ["numpy"], // else fetched while the interpreter boots
        fsInit: files && (async (FS, { sitePackages }) => (libraries = untar(FS, sitePackages, await files))),
        _makeSnapshot: Boolean(linked),
        _loadSnapshot: kept?.bytes,
        stdout: () => {},
        stderr: () => {},
      }),
      wasmFailed,
      files?.then(() => new Promise(() => {})), // only its failure counts: Python waits for it
    ].filter(Boolean));
    if (kept) reopen(py._module.LDSO, kept.meta.handles);
    return py;
  } finally {
    if (unhook) unhook();
  }
}

// --- A snapshot of Python with numpy imported --------------------------------------------------
// Booting Python and importing numpy is most of a revisit's wait, and the same work every time:
// once a visit is over its first start, the page has a worker of its own (never one that runs
// sims or learners' code) start Python, import numpy and keep a copy of its memory in the
// origin's cache storage, under a key that changes with every file it came from (the builder's
// python.snapshot). A later start restores that memory instead (docs/benchmarks.md). Pyodide's
// own snapshots (its private _makeSnapshot and _loadSnapshot) hold no extension modules: this
// worker links numpy's, all of them in one order, at the same moment of both starts, before the
// snapshot's memory is put back, so that each lands where the snapshot's pointers expect it.
// Whatever goes wrong, the start is the usual one; a snapshot that fails once is deleted.

// Beside the offline worker's caches ("understand-world-models SCOPE VERSION", sw.js), so that a
// new version's offline worker deletes it with them. The site's scope holds its runtime.
const snapshotCache = (indexURL) => `understand-world-models ${new URL("../", indexURL).href} python`;
const snapshotURL = (indexURL, python) => `${indexURL}snapshot/${python.snapshot}`;
// What the restored Python must compute as the one that made the snapshot did.
const PROBE = "import numpy as np; repr(np.random.default_rng(7).standard_normal(64) @ np.arange(64.0))";
// The generators seeded when they were imported would draw the snapshot's numbers on every
// visit: seeded again, from the browser's entropy.
const RESEED = "import random, numpy.random; random.seed(); numpy.random.seed()";

async function keptSnapshot(indexURL, python) {
  if (!python?.snapshot || !self.caches) return null; // the builder names one only for numpy's files
  try {
    const response = await caches.match(snapshotURL(indexURL, python), { cacheName: snapshotCache(indexURL) });
    if (!response) return null;
    const meta = JSON.parse(response.headers.get("x-snapshot"));
    const bytes = response.arrayBuffer().then((buffer) => {
      if (buffer.byteLength !== meta.size) throw new Error("the snapshot is cut short");
      return new Uint8Array(buffer);
    });
    bytes.catch(() => {}); // Pyodide awaits it; a failed read makes the start fail, then fall back
    return { meta, bytes };
  } catch {
    return null;
  }
}

async function forgetSnapshot(indexURL) {
  await caches.delete(snapshotCache(indexURL)).catch(() => {});
}

function samePython(py, meta) {
  try {
    return py.runPython(PROBE) === meta.probe;
  } catch {
    return false;
  }
}

async function makeSnapshot({ pyodide: indexURL, python }) {
  watchRuntime();
  const linked = [];
  const py = await startPython(indexURL, python, numpyFiles(indexURL, python), { linked });
  py.runPython("import numpy, numpy.random");
  const { LDSO, HEAP8 } = py._module;
  const loaded = Object.values(LDSO.loadedLibsByName).map((dso) => dso.name).filter((name) => name.endsWith(".so"));
  if (loaded.join() !== linked.join()) throw new Error("an extension module was linked after Python started");
  // numpy's dist-info puts it among Pyodide's loaded packages, which a snapshot must find empty
  // (a restored Python starts with a new, empty one). This Python ends with this worker.
  for (const name of Object.keys(py.loadedPackages)) delete py.loadedPackages[name];
  const bytes = py.makeMemorySnapshot();
  const meta = {
    libraries: linked,
    handles: Object.entries(LDSO.loadedLibsByHandle).filter(([handle]) => +handle).map(([handle, dso]) => [+handle, dso.name]),
    size: bytes.length,
    heap: HEAP8.length,
    probe: py.runPython(PROBE),
  };
  await forgetSnapshot(indexURL); // one snapshot a site: this one
  const cache = await caches.open(snapshotCache(indexURL));
  await cache.put(snapshotURL(indexURL, python), new Response(bytes, {
    headers: { "content-type": "application/octet-stream", "x-snapshot": JSON.stringify(meta) },
  }));
}

// Emscripten reads its Module's onRuntimeInitialized once its runtime is up, before Python
// starts; Pyodide sets none and gives no other hold on the Module before it boots Python. So,
// only while a snapshot is made or restored, an accessor on Object.prototype answers for it.
function atRuntimeStart(run) {
  Object.defineProperty(Object.prototype, "onRuntimeInitialized", {
    configurable: true,
    get() {
      return this && this.LDSO && this.API ? () => run(this) : undefined;
    },
  });
  return () => delete Object.prototype.onRuntimeInitialized;
}

// Link extension modules as Python's import would (local, never unloaded), so that the import
// finds them linked.
function linkInOrder(Module, libraries) {
  for (const path of libraries) {
    Module.loadDynamicLibrary(path, { loadAsync: false, global: false, nodelete: true }, {});
  }
}

// The handles Python's dlopen gave out before the snapshot, which live in its memory, mapped
// again to the libraries they name.
function reopen(LDSO, handles) {
  for (const [handle, name] of handles) LDSO.loadedLibsByHandle[handle] = LDSO.loadedLibsByName[name];
}

// What sims never need, taken away before any sim or learner's code runs: the origin's storage
// (shared with every other site on it) and ways to load or start more code. The page's policy,
// which this worker inherits as a blob:, already refuses eval and requests beyond the course.
const FORBIDDEN = ["caches", "indexedDB", "importScripts", "Worker", "SharedWorker"];

function lockDown() {
  for (const name of FORBIDDEN) {
    for (let scope = self; scope; scope = Object.getPrototypeOf(scope)) {
      if (Object.getOwnPropertyDescriptor(scope, name)?.configurable) delete scope[name];
    }
    Object.defineProperty(self, name, { value: undefined, writable: false, configurable: false });
  }
}

// Tell the page that bytes are still arriving, at most twice a second, so that it can tell a
// slow download from a stalled one. Returns how to stop: once Python is up, fetch is itself again.
function reportProgress() {
  const fetchBytes = self.fetch;
  let last = 0;
  const counter = () => new TransformStream({
    transform(chunk, controller) {
      const now = performance.now();
      if (now - last > 500) {
        last = now;
        self.postMessage({ type: "progress" });
      }
      controller.enqueue(chunk);
    },
  });
  self.fetch = async (...args) => {
    const response = await fetchBytes(...args);
    if (!response.body) return response;
    const counted = new Response(response.body.pipeThrough(counter()), response);
    Object.defineProperty(counted, "url", { value: response.url });
    return counted;
  };
  return () => (self.fetch = fetchBytes);
}

// Import the other sims while the learner reads, one per idle moment, so that the next
// chapter's sim starts without compiling its module first.
function preload(names) {
  if (!names.length) return;
  setTimeout(() => {
    if (queue.length === 0) runner.preload(names.shift());
    preload(names);
  }, 200);
}

// Once per worker: Pyodide's WebAssembly made from the page's compiled module, and its failure
// turned into a rejected promise (wasmFailed), however many times Python is started.
let wasmFailed;
function watchRuntime() {
  if (wasmFailed) return;
  useCompiledRuntime();
  wasmFailed = runtimeFailure();
  wasmFailed.catch(() => {}); // each start races it
}

// Pyodide instantiates its WebAssembly with instantiateStreaming: let it start from the page's
// compiled module when there is one.
function useCompiledRuntime() {
  const { instantiateStreaming } = WebAssembly;
  WebAssembly.instantiateStreaming = async (source, imports) => {
    const module = await runtime;
    if (!module) return instantiateStreaming(source, imports);
    return { module, instance: await WebAssembly.instantiate(module, imports) };
  };
}

// Pyodide logs a failed download or compile of its WebAssembly and then waits forever: a
// promise that rejects when that happens, so the learner sees an error and a Retry instead.
function runtimeFailure() {
  return new Promise((_, reject) => {
    const failed = (error) => {
      reject(new Error(`the Python runtime (pyodide.asm.wasm) did not start: ${error.message || error}`));
      throw error;
    };
    for (const name of ["instantiate", "instantiateStreaming"]) {
      const original = WebAssembly[name];
      WebAssembly[name] = (...args) => original(...args).catch(failed);
    }
  });
}

// numpy's files (a tar, perhaps gzipped, made by the builder from the wheel), checked against
// the lock's sha256 before any of them reaches Python; null when numpy ships as its wheel.
function numpyFiles(indexURL, python) {
  if (!python?.unpacked) return null;
  const files = fetchNumpy(indexURL, python.lock.packages.numpy);
  files.catch(() => {}); // awaited by Python's start, which fails with it
  return files;
}

async function fetchNumpy(indexURL, numpy) {
  const response = await fetch(indexURL + numpy.file_name);
  if (!response.ok) throw missing("numpy's files", numpy.file_name, response);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const actual = await sha256(bytes);
  if (actual !== numpy.sha256) throw wrongDigest("numpy's files", numpy, actual);
  if (!numpy.file_name.endsWith(".gz")) return bytes;
  const inflated = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(inflated).arrayBuffer());
}

// Write a POSIX (ustar) tar's files under folder. Each file is a view of the tar's one buffer,
// which the file system keeps rather than copies (canOwn): nothing is unpacked twice. An
// extension module among them is linked by Python's import, only if it is imported. Returns
// the extension modules' paths, in the tar's order.
function untar(FS, folder, tar) {
  const decoder = new TextDecoder();
  const text = (at, length) => decoder.decode(tar.subarray(at, at + length)).replace(/\0.*$/s, "");
  const made = new Set();
  const libraries = [];
  for (let at = 0; at + 512 <= tar.length && tar[at] !== 0;) {
    const prefix = text(at + 345, 155);
    const name = (prefix ? prefix + "/" : "") + text(at, 100);
    const size = parseInt(text(at + 124, 12).trim() || "0", 8);
    const type = tar[at + 156];
    at += 512;
    if (type === 0x30 || type === 0) { // a regular file
      const path = `${folder}/${name}`;
      const dir = path.slice(0, path.lastIndexOf("/"));
      if (!made.has(dir)) {
        FS.mkdirTree(dir);
        made.add(dir);
      }
      FS.writeFile(path, tar.subarray(at, at + size), { canOwn: true });
      if (path.endsWith(".so")) libraries.push(path);
    }
    at += Math.ceil(size / 512) * 512;
  }
  return libraries;
}

async function sha256(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function wrongDigest(what, numpy, actual) {
  return new Error(`${what} ${numpy.file_name} has sha256 ${actual}, not the ${numpy.sha256} ` +
                   "that pyodide-lock.json expects (integrity check failed)");
}

// Pyodide's own errors for a missing or damaged file are cryptic ("Program terminated with
// exit(1)", "Unexpected token 'o'", "failed to fetch"): find the file at fault and name it.
async function whatIsBroken(indexURL, python) {
  const get = (file, options) => fetch(indexURL + file, options).catch(() => null);
  let lock = python?.lock; // given by the page: the lock file itself is not asked for
  if (!lock) {
    const lockResponse = await get("pyodide-lock.json");
    if (!lockResponse?.ok) return missing("Python's package list", "pyodide-lock.json", lockResponse);
    try {
      lock = JSON.parse(await lockResponse.text());
    } catch {
      return new Error("Python's package list (pyodide-lock.json) is damaged: it is not JSON");
    }
  }
  const stdlib = await get("python_stdlib.zip");
  if (!stdlib?.ok) return missing("Python's standard library", "python_stdlib.zip", stdlib);
  const magic = new Uint8Array(await stdlib.arrayBuffer(), 0, 2);
  if (magic[0] !== 0x50 || magic[1] !== 0x4b) {
    return new Error("Python's standard library (python_stdlib.zip) is damaged: it is not a zip file");
  }
  const numpy = lock.packages?.numpy;
  if (!numpy) return new Error("Python's package list (pyodide-lock.json) does not list numpy");
  const what = python?.unpacked ? "numpy's files" : "numpy's wheel";
  const file = await get(numpy.file_name, { cache: "no-store" });
  if (!file?.ok) return missing(what, numpy.file_name, file);
  const actual = await sha256(await file.arrayBuffer());
  if (actual !== numpy.sha256) return wrongDigest(what, numpy, actual);
  return null; // every file is sound: the original error says the rest
}

function missing(what, file, response) {
  const why = response ? `HTTP ${response.status}` : "no connection";
  return new Error(`${what} (${file}) could not be downloaded: ${why}`);
}

function handle(message) {
  const { type, key, run } = message;
  const began = performance.now();
  if (type === "start") {
    const { name, params, seed, source } = message;
    send(key, run, runner.start(key, name, JSON.stringify(params), seed, source ?? undefined), began);
  } else if (type === "step") {
    send(key, run, runner.step(key), began);
  } else if (type === "update") {
    send(key, run, runner.update(key, JSON.stringify(message.params)), began);
  } else if (type === "stop") {
    runner.stop(key);
  }
}

// Move one packed frame to the main thread: the JSON spec and one transferred Float32Array.
function send(key, run, result, began) {
  const [spec, array] = result.toJs({ depth: 1 });
  result.destroy();
  const view = array.getBuffer("f32");
  const data = view.data.slice();
  view.release();
  array.destroy();
  self.postMessage({ type: "frame", key, run, spec, data, ms: performance.now() - began }, [data.buffer]);
}
