// Loaded first by a page with a sim: Python starts downloading while the page's other modules
// load, rather than after them.
import { pagePython } from "./python.js";

pagePython().boot();
