// The Python worker: loads Pyodide and numpy off the main thread, then runs sims on request.
// Messages in:  {type: "init", pyodide, sims} | {type: "runtime", module}
//               {type: "start", key, run, name, params, seed, source} | {type: "step", key, run}
//               {type: "update", key, run, params}: a live control's params, sent to the running sim
//               {type: "stop", key}
// Messages out: {type: "status", text} | {type: "ready"} | {type: "failed", message}
//               {type: "frame", key, run, spec, data, ms}: ms, the worker's own time for it
let runner = null;
const queue = [];
let receiveRuntime;
// pyodide.asm.wasm as the page compiled it, or null if it could not
const runtime = new Promise((resolve) => (receiveRuntime = resolve));

self.onmessage = (event) => {
  const message = event.data;
  if (message.type === "init") init(message).catch(fail);
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

async function init({ pyodide: indexURL, sims }) {
  status("Downloading Python…");
  const bundle = fetch(sims).then((r) => {
    if (!r.ok) throw new Error(`${sims}: HTTP ${r.status}`);
    return r.json();
  });
  bundle.catch(() => {}); // awaited below; a failure here must not go unhandled meanwhile
  const wasmFailed = watchWasm();
  const { loadPyodide } = await import(indexURL + "pyodide.mjs");
  status("Starting Python and numpy…");
  const py = await Promise.race([
    loadPyodide({
      indexURL,
      packageBaseUrl: indexURL,
      packages: ["numpy"], // fetched while the interpreter boots
      stdout: () => {},
      stderr: () => {},
    }),
    wasmFailed,
  ]);
  if (!py.loadedPackages.numpy) throw await whyNumpyFailed(indexURL);
  status("Loading the simulation…");
  py.FS.mkdirTree("/home/pyodide/sims");
  for (const [name, source] of Object.entries(await bundle)) {
    py.FS.writeFile(`/home/pyodide/sims/${name}`, source);
  }
  py.runPython("import sys; sys.path.insert(0, '/home/pyodide')");
  runner = py.pyimport("sims.runner");
  self.postMessage({ type: "ready" });
  while (queue.length) handle(queue.shift());
  preload(runner.registered().toJs());
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

// Pyodide instantiates its WebAssembly with instantiateStreaming: from the page's compiled
// module when there is one. Pyodide logs a failed download or compile and then waits forever:
// watch for it ourselves, so the learner sees an error and a Retry instead of an endless spinner.
function watchWasm() {
  return new Promise((_, reject) => {
    const failed = (error) => {
      reject(new Error(`the Python runtime (pyodide.asm.wasm) did not start: ${error.message || error}`));
      throw error;
    };
    const { instantiate, instantiateStreaming } = WebAssembly;
    WebAssembly.instantiate = (...args) => instantiate(...args).catch(failed);
    WebAssembly.instantiateStreaming = async (source, imports) => {
      const module = await runtime;
      if (!module) return instantiateStreaming(source, imports).catch(failed);
      return { module, instance: await WebAssembly.instantiate(module, imports) };
    };
  });
}

// Pyodide refuses a package whose sha256 differs from its lock file, but only says "failed to
// fetch": fetch the wheel once more and tell a tampered file from an unreachable one.
async function whyNumpyFailed(indexURL) {
  try {
    const lock = await (await fetch(indexURL + "pyodide-lock.json")).json();
    const { file_name: file, sha256: expected } = lock.packages.numpy;
    const response = await fetch(indexURL + file, { cache: "no-store" });
    if (!response.ok) return new Error(`numpy could not be downloaded (${file}: HTTP ${response.status})`);
    const digest = await crypto.subtle.digest("SHA-256", await response.arrayBuffer());
    const actual = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    if (actual !== expected) {
      return new Error(`numpy's wheel ${file} has sha256 ${actual}, not the ${expected} ` +
                       "that pyodide-lock.json expects (integrity check failed)");
    }
    return new Error(`numpy (${file}) could not be installed`);
  } catch (error) {
    return new Error(`numpy could not be downloaded: ${error.message || error}`);
  }
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
