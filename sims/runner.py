"""Drives sims for the browser: the Python half of static/js/worker.js.

Each running sim is a generator keyed by the page's sim id. Frames leave as (JSON, float32
array) from `contract.pack`; a failing sim returns its traceback instead of raising, so one
broken sim never stops the others.
"""

import importlib
import json
import sys
import traceback

import numpy as np
import numpy.random  # noqa: F401  numpy loads it lazily; load it with Python, not on a first frame

from sims import contract

EMPTY = np.zeros(0, np.float32)
_running = {}


def start(key, name, params_json, seed):
    """(Re)start sim `name` under `key` and return its first frame."""
    try:
        module = importlib.import_module(f"sims.{name}")
        _running[key] = module.simulate(json.loads(params_json), int(seed))
    except Exception:
        return error_frame()
    return step(key)


def step(key):
    """The next frame of the sim under key: packed frame, {"done": true} or {"error": ...}."""
    try:
        return contract.pack(next(_running[key]))
    except StopIteration:
        _running.pop(key, None)
        return json.dumps({"done": True}), EMPTY
    except Exception:
        _running.pop(key, None)
        return error_frame()


def stop(key):
    _running.pop(key, None)


def load_module(name, source):
    """Replace sims.<name> with edited source; returns an error frame or None."""
    try:
        code = compile(source, f"sims/{name}.py", "exec")
        module = type(sys)(f"sims.{name}")
        module.__file__ = f"sims/{name}.py"
        exec(code, module.__dict__)
        sys.modules[f"sims.{name}"] = module
    except Exception:
        return error_frame()
    return None


def error_frame():
    """The current exception as a frame, its traceback limited to the sims' own files."""
    kind, error, tb = sys.exc_info()
    frames = [f for f in traceback.extract_tb(tb) if "runner.py" not in f.filename]
    lines = traceback.format_list(frames) + traceback.format_exception_only(kind, error)
    return json.dumps({"error": "Traceback (most recent call last):\n" + "".join(lines)}), EMPTY
