"""The contract between a sim module, the builder and the browser runtime.

A sim is one module in `sims/` (registered in `sims/__init__.py`) that defines:

    TITLE: str           default title of the sim
    HOW: str             "How this works": the model and the fitting or planning method (Markdown)
    CONTROLS: list       declared with the constructors below (`slider`, `toggle`, ...)
    simulate(params, seed) -> iterator of frames

`simulate` is pure: the same params and seed give the same frames. `params` maps every valued
control's name to its value (slider: float, or int when min, max and step are whole; toggle:
bool; choice: str; canvas_click: [x, y] in the click panel's data coordinates; live button:
int). The runtime draws each frame at the display's rate while the learner watches, so long
work (training, learning curves) is spread over frames: keep each `next()` to a few
milliseconds of numpy. A generator may end: its last frame stays on screen. A control change
restarts `simulate` with the new params; a `button(action="reseed")` restarts it with a new seed.

A control declared `live=True` reaches the running generator instead, so nothing it has learned
is lost: the runtime sends the new params (again every control's value) with `gen.send(params)`,
and the generator answers with its next frame. `next()` sends None, so the generator reads

    sent = yield frame
    if sent is not None: ...apply the changed values...

A live button (`button(name, label, live=True)`) has a value: how many times it was pressed,
from 0. A sim that ignores what it is sent simply shows its next frame.

A frame is a dict:

    {"panels": [panel, ...],                 # laid out side by side, stacked when narrow
     "legend": [[role, text], ...],          # optional
     "summary": "best of 30 plans ends 0.4 m from the goal"}   # one line, read by screen readers

    panel = {"title": str, "x": [lo, hi], "y": [lo, hi],
             "aspect": 0.75,                  # height / width (optional)
             "weight": 1,                     # relative width in a row (optional)
             "xlabel": str, "ylabel": str,    # optional
             "axes": True,                    # draw ticks and frame (optional)
             "click": False,                  # canvas clicks here set the canvas_click control
             "items": [item, ...]}

    item = one geometry key, plus "role" (a palette role, default "ink") and options:
      "line":   (N, 2) polyline                          "stroke" px, "dash" bool, "alpha"
      "lines":  (K, N, 2) K polylines                    "stroke", "dash", "alpha"
      "points": (N, 2) dots                              "size" px radius, "alpha"
      "band":   (N, 3) columns x, lo, hi: a filled area  "alpha"
      "bars":   (N, 2) columns x, height (from 0)        "width" in data units, "alpha"
      "circle": (N, 3) columns x, y, r (r in x units)    "fill" bool, "stroke", "alpha"
      "rect":   (N, 4) columns x0, y0, x1, y1            "fill" bool, "stroke", "alpha"
                (circles and rects are filled unless they give a "stroke" width and no "fill")
      "arrow":  (N, 4) columns x0, y0, x1, y1            "stroke", "alpha"
      "image":  (H, W) gray or (H, W, 3) RGB in [0, 1]   "extent": [x0, x1, y0, y1] (default: the panel);
                row 0 is drawn at the top
      "text":   str, with "at": [x, y]                   "align": "left" | "center" | "right"

Palette roles (one palette for every sim): real (teal), imagined (orange), reward and best
(green), samples (gray), uncertainty (red), ink (text colour), muted (faint lines, walls).
Arrays may be any numeric dtype; `pack` flattens them all into one float32 buffer.
"""

import json
import math

import numpy as np

ROLES = ("real", "imagined", "reward", "best", "samples", "uncertainty", "ink", "muted")
GEOMETRY = {
    "line": (None, 2),
    "lines": (None, None, 2),
    "points": (None, 2),
    "band": (None, 3),
    "bars": (None, 2),
    "circle": (None, 3),
    "rect": (None, 4),
    "arrow": (None, 4),
    "image": None,  # (H, W) or (H, W, 3)
    "text": str,
}
BUTTON_ACTIONS = ("reseed", "reset", "press")  # "press": a live button


# --- Controls --------------------------------------------------------------------------------

def slider(name, label, min, max, default, step=1, unit="", live=False):
    """A range input; the value is an int when min, max and step are whole numbers."""
    return _live({"kind": "slider", "name": name, "label": label, "min": min, "max": max,
                  "step": step, "default": default, "unit": unit}, live)


def toggle(name, label, default=False, live=False):
    """A checkbox switch."""
    return _live({"kind": "toggle", "name": name, "label": label, "default": bool(default)}, live)


def choice(name, label, options, default, live=False):
    """A radio group; options is a list of (value, label) pairs."""
    return _live({"kind": "choice", "name": name, "label": label,
                  "options": [[value, text] for value, text in options], "default": default}, live)


def button(name, label, action="reseed", live=False):
    """A push button: "reseed" restarts with a new seed, "reset" with the original one.

    A live button restarts nothing: its value, the number of presses, reaches the running sim.
    """
    if live:
        return {"kind": "button", "name": name, "label": label, "action": "press", "default": 0,
                "live": True}
    return {"kind": "button", "name": name, "label": label, "action": action}


def canvas_click(name, label, default, live=False):
    """A point picked by clicking a panel marked "click": True; default is [x, y]."""
    return _live({"kind": "canvas_click", "name": name, "label": label, "default": list(default)},
                 live)


def _live(control, live):
    """The control, marked live if it is (only live controls carry the key)."""
    return {**control, "live": True} if live else control


def playback(label="Run"):
    """Run / Pause and Step buttons for a sim that animates without end."""
    return {"kind": "playback", "name": "playback", "label": label}


def defaults(controls):
    """The params a sim starts with: every valued control at its default."""
    return {c["name"]: c["default"] for c in controls if "default" in c}


def validate_controls(controls):
    """Raise ValueError if a control declaration breaks the contract."""
    names = set()
    for c in controls:
        kind, name = c.get("kind"), c.get("name")
        if kind not in ("slider", "toggle", "choice", "button", "canvas_click", "playback"):
            raise ValueError(f"control {name!r}: unknown kind {kind!r}")
        if not name or not str(name).isidentifier():
            raise ValueError(f"control {name!r}: the name must be a Python identifier")
        if name in names:
            raise ValueError(f"control {name!r} is declared twice")
        names.add(name)
        if not c.get("label"):
            raise ValueError(f"control {name!r} has no label")
        if kind == "slider" and not (c["min"] <= c["default"] <= c["max"] and c["step"] > 0):
            raise ValueError(f"slider {name!r}: need min <= default <= max and step > 0")
        if kind == "choice" and c["default"] not in [v for v, _ in c["options"]]:
            raise ValueError(f"choice {name!r}: the default is not one of the options")
        if kind == "button" and c["action"] not in BUTTON_ACTIONS:
            raise ValueError(f"button {name!r}: action must be one of {BUTTON_ACTIONS}")
        if c.get("live", False) not in (True, False) or (c.get("live") and kind == "playback"):
            raise ValueError(f"control {name!r}: live must be True or False, and playback is never live")
        if kind == "button" and (c["action"] == "press") != bool(c.get("live")):
            raise ValueError(f"button {name!r}: a live button is pressed, never reseeds or resets")


# --- Frames ----------------------------------------------------------------------------------

def validate_frame(frame):
    """Raise ValueError naming the first part of a frame that breaks the contract."""
    if not isinstance(frame, dict) or not isinstance(frame.get("panels"), list):
        raise ValueError("a frame is a dict with a list of panels")
    if not isinstance(frame.get("summary", ""), str):
        raise ValueError("summary must be a string")
    for role, _text in frame.get("legend", []):
        if role not in ROLES:
            raise ValueError(f"legend: unknown role {role!r}")
    for p, panel in enumerate(frame["panels"]):
        for axis in ("x", "y"):
            lo, hi = panel[axis]
            if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
                raise ValueError(f"panel {p}: {axis} range must be finite with lo < hi")
        for i, item in enumerate(panel.get("items", [])):
            _validate_item(item, f"panel {p} item {i}")


def _validate_item(item, where):
    kinds = [k for k in GEOMETRY if k in item]
    if len(kinds) != 1:
        raise ValueError(f"{where}: needs exactly one geometry key of {list(GEOMETRY)}")
    kind = kinds[0]
    if item.get("role", "ink") not in ROLES:
        raise ValueError(f"{where}: unknown role {item['role']!r}")
    if kind == "text":
        if not isinstance(item["text"], str) or len(item.get("at", ())) != 2:
            raise ValueError(f"{where}: text needs a string and 'at': [x, y]")
        return
    data = np.asarray(item[kind], dtype=float)
    if not np.all(np.isfinite(data)):
        raise ValueError(f"{where}: {kind} holds NaN or infinity")
    shape = GEOMETRY[kind]
    if kind == "image":
        ok = data.ndim == 2 or (data.ndim == 3 and data.shape[2] == 3)
        if not ok or data.min(initial=0) < 0 or data.max(initial=0) > 1:
            raise ValueError(f"{where}: image must be (H, W) or (H, W, 3) in [0, 1]")
    elif data.ndim != len(shape) or any(s and s != d for s, d in zip(shape, data.shape)):
        raise ValueError(f"{where}: {kind} must have shape {shape}, got {data.shape}")


def pack(frame):
    """Split a frame into JSON (arrays replaced by offsets) and one flat float32 buffer.

    The browser receives the buffer as one typed array, never element by element: each array
    becomes {"$a": offset, "shape": [...]} pointing into it.
    """
    chunks, offset = [], 0

    def walk(value):
        nonlocal offset
        if isinstance(value, np.ndarray):
            flat = np.ascontiguousarray(value, dtype=np.float32).ravel()
            chunks.append(flat)
            ref = {"$a": offset, "shape": list(value.shape)}
            offset += flat.size
            return ref
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [walk(v) for v in value]
        if isinstance(value, np.generic):
            return value.item()
        return value

    spec = walk(frame)
    data = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return json.dumps(spec, separators=(",", ":")), data
