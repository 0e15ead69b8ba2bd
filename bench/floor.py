"""The floor: stock Pyodide and numpy loaded the plain documented way, on the main thread.

The page is written beside the built site (/floor/index.html) with the runtime's stock files,
as published (no bytecode, the full lock), in /floor/pyodide/. It records performance.now() when
each step ends; `done` is the time from navigation start to a numpy result.
"""

import json
import shutil

from builder.runtime import pyodide

PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Floor: stock Pyodide and numpy</title></head>
<body>
<p id="result">Loading Python and numpy…</p>
<script type="module">
import { loadPyodide } from "./pyodide/pyodide.mjs";
const marks = {};
const py = await loadPyodide();
marks.loadPyodide = performance.now();
await py.loadPackage("numpy");
marks.loadPackage = performance.now();
py.runPython("import numpy");
marks.importNumpy = performance.now();
const value = py.runPython("float(numpy.arange(10.0).sum())");
marks.done = performance.now();
document.getElementById("result").textContent = `numpy says ${value}`;
window.floor = { value, marks };
</script>
</body>
</html>
"""


def write_floor(site):
    """Write /floor/ into the built site; returns its path relative to the site root."""
    stock = pyodide.assemble()
    target = site / "floor" / "pyodide"
    target.mkdir(parents=True)
    lock = json.loads((stock / "pyodide-lock.json").read_text())
    wheels = [lock["packages"][name]["file_name"] for name in pyodide.PACKAGES]
    for name in [*pyodide.RUNTIME_FILES, *wheels]:
        shutil.copyfile(stock / name, target / name)
    (site / "floor" / "index.html").write_text(PAGE, encoding="utf-8")
    return "floor/"
