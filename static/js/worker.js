// The Python worker: loads Pyodide and numpy off the main thread, then runs sims on request.
// Messages in:  {type: "init", pyodide, sims} | {type: "start", key, run, name, params, seed, source}
//               {type: "step", key, run} | {type: "stop", key}
// Messages out: {type: "status", text} | {type: "ready"} | {type: "failed", message}
//               {type: "frame", key, run, spec, data}
let runner = null;
const queue = [];

self.onmessage = (event) => {
  const message = event.data;
  if (message.type === "init") init(message).catch(fail);
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
  const { loadPyodide } = await import(indexURL + "pyodide.mjs");
  status("Starting Python and numpy…");
  const py = await loadPyodide({
    indexURL,
    packageBaseUrl: indexURL,
    packages: ["numpy"],
    stdout: () => {},
    stderr: () => {},
  });
  status("Loading the simulation…");
  py.FS.mkdirTree("/home/pyodide/sims");
  for (const [name, source] of Object.entries(await bundle)) {
    py.FS.writeFile(`/home/pyodide/sims/${name}`, source);
  }
  py.runPython("import sys; sys.path.insert(0, '/home/pyodide')");
  runner = py.pyimport("sims.runner");
  self.postMessage({ type: "ready" });
  while (queue.length) handle(queue.shift());
}

function handle(message) {
  const { type, key, run } = message;
  if (type === "start") {
    const { name, params, seed, source } = message;
    send(key, run, runner.start(key, name, JSON.stringify(params), seed, source ?? undefined));
  } else if (type === "step") {
    send(key, run, runner.step(key));
  } else if (type === "stop") {
    runner.stop(key);
  }
}

// Move one packed frame to the main thread: the JSON spec and one transferred Float32Array.
function send(key, run, result) {
  const [spec, array] = result.toJs({ depth: 1 });
  result.destroy();
  const view = array.getBuffer("f32");
  const data = view.data.slice();
  view.release();
  array.destroy();
  self.postMessage({ type: "frame", key, run, spec, data }, [data.buffer]);
}
