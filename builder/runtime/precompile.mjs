// node precompile.mjs RUNTIME_DIR OUT_DIR MODULES FILE... : precompile, into OUT_DIR, the modules
// that `import MODULES` loads from the named archives of the runtime folder, with the very
// Pyodide that will run them (see precompile.py).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const [runtime, out, modules, ...files] = process.argv.slice(2);
const { loadPyodide } = await import(join(runtime, "pyodide.mjs"));
const py = await loadPyodide({ indexURL: runtime + "/", stdout: () => {}, stderr: console.error });
py.FS.mkdirTree("/host/in");
py.FS.mkdirTree("/host/out");
py.FS.mount(py.FS.filesystems.NODEFS, { root: runtime }, "/host/in");
py.FS.mount(py.FS.filesystems.NODEFS, { root: out }, "/host/out");
await py.loadPackage("numpy", { messageCallback: () => {} });
const imported = py.runPython(`
import sys
import ${modules}
[getattr(m, "__file__", None) for m in list(sys.modules.values())]
`).toJs().filter(Boolean);
const here = dirname(fileURLToPath(import.meta.url));
py.runPython(readFileSync(join(here, "precompile.py"), "utf8"));
const prefix = (file) => (file.endsWith(".whl") ? "/lib/python3.14/site-packages/" : "/lib/python314.zip/");
const triples = files.map((f) => [`/host/in/${f}`, `/host/out/${f}`, prefix(f)]);
py.globals.get("precompile")(py.toPy(triples), py.toPy(imported));
