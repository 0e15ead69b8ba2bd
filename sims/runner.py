"""Drives sims for the browser: the Python half of static/js/worker.js.

Each running sim is a generator keyed by the page's sim id; a live control's new params reach
it through `update` (`gen.send`) instead of a restart. Frames leave as (JSON, float32
array) from `contract.pack`; a failing sim returns its traceback instead of raising, so one
broken sim never stops the others.
"""

import importlib
import json
import linecache
import sys
import traceback

import numpy as np
import numpy.random  # noqa: F401  numpy loads it lazily; load it with Python, not on a first frame

from sims import contract

EMPTY = np.zeros(0, np.float32)
_running = {}


def start(key, name, params_json, seed, source=None):
    """(Re)start sim `name` under `key` and return its first frame.

    With source, the learner's edited code runs instead of the sim's module, for this key only.
    """
    try:
        module = importlib.import_module(f"sims.{name}") if source is None else edited(name, source)
        _running[key] = module.simulate(json.loads(params_json), int(seed))
    except Exception:
        return error_frame()
    return step(key)


def step(key):
    """The next frame of the sim under key: packed frame, {"done": true} or {"error": ...}.

    Every frame is validated first (a fraction of a millisecond): a frame beyond the contract's
    limits becomes this sim's error rather than a frozen page.
    """
    return _advance(key, None)


def update(key, params_json):
    """Send new params to the running sim under key (a live control changed): its next frame.

    The generator keeps its state, so nothing it has learned is lost; answers as `step` does.
    """
    return _advance(key, params_json)


def _advance(key, params_json):
    try:
        run = _running[key]
        frame = next(run) if params_json is None else run.send(json.loads(params_json))
        contract.validate_frame(frame)
        return contract.pack(frame)
    except StopIteration:
        _running.pop(key, None)
        return json.dumps({"done": True}), EMPTY
    except Exception:
        _running.pop(key, None)
        return error_frame()


def registered():
    """The registered sims' names."""
    return list(importlib.import_module("sims").NAMES)


def preload(name):
    """Import a sim ahead of need; a broken one reports its error when it is started."""
    try:
        importlib.import_module(f"sims.{name}")
    except Exception:
        pass


def stop(key):
    _running.pop(key, None)


def edited(name, source):
    """A fresh module from edited source; tracebacks name the learner's file and line."""
    filename = f"sims/{name}.py (edited)"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = type(sys)(f"sims.{name}")
    module.__file__ = filename
    exec(compile(source, filename, "exec"), module.__dict__)
    return module


def error_frame():
    """The current exception as a frame, its traceback limited to the sims' own files.

    A frame the contract refuses has no line of the sim's to point at: its message says what.
    """
    kind, error, tb = sys.exc_info()
    if isinstance(error, contract.FrameError):
        return json.dumps({"error": f"A frame breaks the contract (sims/contract.py): {error}"}), EMPTY
    frames = [f for f in traceback.extract_tb(tb) if "runner.py" not in f.filename]
    lines = traceback.format_list(frames) + traceback.format_exception_only(kind, error)
    return json.dumps({"error": "Traceback (most recent call last):\n" + "".join(lines)}), EMPTY
