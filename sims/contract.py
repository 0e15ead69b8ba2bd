"""The contract between a sim module, the builder and the browser runtime.

A sim is one module in `sims/` (registered in `sims/__init__.py`) that defines:

    TITLE: str           default title of the sim
    HOW: str             "How this works": the model and the fitting or planning method (Markdown)
    CONTROLS: list       declared with the constructors below (`slider`, `toggle`, ...)
    simulate(params, seed) -> iterator of frames
    PICTURE_FRAME: int   optional: which frame (from 0) of the run with the defaults the page shows
                         as a picture before Python starts; pick one where the model has learned
                         something worth seeing (default 0, the first)

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

A frame is a dict, within the sizes in LIMITS below (the runner refuses a frame beyond them):

    {"panels": [panel, ...],                 # laid out side by side, stacked when narrow
     "legend": [[role, text], ...],          # optional
     "summary": "best of 30 plans ends 0.4 m from the goal",   # one line, read by screen readers
     "metrics": {"distance": 0.4}}           # optional: the frame's numbers by name, which a
                                             # chapter's prediction question reads

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
import re

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
CONTROL_KINDS = ("slider", "toggle", "choice", "button", "canvas_click", "playback")


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
        if kind not in CONTROL_KINDS:
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

# What one frame may hold. Beyond these a frame could freeze the learner's page (a title
# measured letter by letter, a canvas miles high, millions of points), so the runner refuses
# it with an error instead. The page checks the same limits again (see for_pages).
LIMITS = {
    "panels": 12,           # panels per frame
    "items": 300,           # items in all panels together
    "label": 100,           # characters in a title, axis label, legend entry or text item
    "summary": 400,         # characters in the summary line
    "legend": 12,           # legend entries
    "metrics": 12,          # named numbers in a frame's metrics
    "image": 512 * 512,     # pixels in one image
    "values": 250_000,      # numbers in all arrays together (1 MB of float32)
    "spec": 200_000,        # characters of the packed frame's JSON
    "span": 1e-9,           # an axis range spans at least this fraction of its largest end
    "aspect": [0.1, 4],     # a panel's height / width
    "weight": [0.1, 10],    # a panel's relative width
}
METRIC_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
FLOAT32_MAX = float(np.finfo(np.float32).max)


class FrameError(ValueError):
    """A frame that breaks the contract: the sim's error, shown in its place."""


def validate_frame(frame):
    """Raise FrameError naming the first part of a frame that breaks the contract.

    Cheap enough to run on every frame: sizes are checked before any array is read, and arrays
    are read once, in their own dtype.
    """
    if not isinstance(frame, dict) or not isinstance(frame.get("panels"), list):
        raise FrameError("a frame is a dict with a list of panels")
    panels = frame["panels"]
    _at_most(len(panels), "panels", "the frame has {} panels")
    _text(frame.get("summary", ""), "summary", "summary")
    metrics = frame.get("metrics", {})
    if not isinstance(metrics, dict):
        raise FrameError("metrics must be a dict of names to numbers")
    _at_most(len(metrics), "metrics", "the frame has {} metrics")
    for name, value in metrics.items():
        if not (isinstance(name, str) and METRIC_NAME.fullmatch(name)):
            raise FrameError(f"metrics: {name!r} is not a name of lowercase letters, digits and _")
        if not _numbers([value], 1):
            raise FrameError(f"metrics: {name} must be a finite number")
    legend = frame.get("legend", [])
    if not isinstance(legend, list):
        raise FrameError("legend must be a list of [role, text] pairs")
    _at_most(len(legend), "legend", "the legend has {} entries")
    for entry in legend:
        if not (isinstance(entry, (list, tuple)) and len(entry) == 2) or entry[0] not in ROLES:
            raise FrameError(f"legend: {entry!r} is not a [role, text] pair with a known role")
        _text(entry[1], "label", "legend")
    if not all(isinstance(panel, dict) for panel in panels):
        raise FrameError("every panel is a dict")
    _at_most(sum(len(p.get("items", ())) for p in panels), "items", "the frame has {} items")
    values = 0
    for p, panel in enumerate(panels):
        for key in ("title", "xlabel", "ylabel"):
            _text(panel.get(key, ""), "label", f"panel {p}: {key}")
        for axis in ("x", "y"):
            _range(panel.get(axis), f"panel {p}: {axis} range")
        for key in ("aspect", "weight"):
            lo, hi = LIMITS[key]
            value = panel.get(key, 1 if key == "weight" else 0.75)
            if not (_numbers([value], 1) and lo <= value <= hi):
                raise FrameError(f"panel {p}: {key} must be a number from {lo} to {hi}")
        for i, item in enumerate(panel.get("items", [])):
            values += _validate_item(item, f"panel {p} item {i}")
            _at_most(values, "values", "the frame's arrays hold more than {} numbers")


def _at_most(count, limit, message):
    if count > LIMITS[limit]:
        raise FrameError(f"{message.format(count)}; at most {LIMITS[limit]}")


def _text(value, limit, where):
    if not isinstance(value, str):
        raise FrameError(f"{where} must be a string")
    if len(value) > LIMITS[limit]:
        raise FrameError(f"{where} has {len(value)} characters; at most {LIMITS[limit]}")


def _numbers(value, count):
    """True if value is `count` finite real numbers."""
    return (isinstance(value, (list, tuple)) and len(value) == count
            and all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                    and math.isfinite(v) for v in value))


def _range(value, where):
    if not _numbers(value, 2):
        raise FrameError(f"{where} must be [lo, hi], two finite numbers")
    lo, hi = float(value[0]), float(value[1])
    span = hi - lo
    if not (math.isfinite(span) and span >= LIMITS["span"] * max(abs(lo), abs(hi), 1e-300)):
        raise FrameError(f"{where} [{lo!r}, {hi!r}] needs hi - lo finite and at least "
                         f"{LIMITS['span']:g} of the larger end")


def _validate_item(item, where):
    """Check one item; return how many numbers its array holds."""
    if not isinstance(item, dict):
        raise FrameError(f"{where}: an item is a dict")
    kinds = [k for k in GEOMETRY if k in item]
    if len(kinds) != 1:
        raise FrameError(f"{where}: needs exactly one geometry key of {list(GEOMETRY)}")
    kind = kinds[0]
    if item.get("role", "ink") not in ROLES:
        raise FrameError(f"{where}: unknown role {item['role']!r}")
    if kind == "text":
        if not isinstance(item["text"], str) or not _numbers(item.get("at"), 2):
            raise FrameError(f"{where}: text needs a string and 'at': [x, y], two finite numbers")
        _text(item["text"], "label", where)
        return 0
    data = item[kind] if isinstance(item[kind], np.ndarray) else np.asarray(item[kind])
    if data.dtype.kind not in "biuf":
        raise FrameError(f"{where}: {kind} must hold numbers, not {data.dtype}")
    _at_most(data.size, "values", f"{where}: {kind} holds {{}} numbers")
    shape = GEOMETRY[kind]
    if kind == "image":
        if not (data.ndim == 2 or (data.ndim == 3 and data.shape[2] == 3)):
            raise FrameError(f"{where}: image must be (H, W) or (H, W, 3), got {data.shape}")
        _at_most(data.shape[0] * data.shape[1], "image", f"{where}: image has {{}} pixels")
        if "extent" in item and not _numbers(item["extent"], 4):
            raise FrameError(f"{where}: extent must be [x0, x1, y0, y1], four finite numbers")
    elif data.ndim != len(shape) or any(s and s != d for s, d in zip(shape, data.shape)):
        raise FrameError(f"{where}: {kind} must have shape {shape}, got {data.shape}")
    if data.size and data.dtype.kind == "f":
        # NaN fails both comparisons; beyond FLOAT32_MAX a value would become infinite in pack
        low, high = data.min(), data.max()
        if not (-FLOAT32_MAX <= low and high <= FLOAT32_MAX):
            raise FrameError(f"{where}: {kind} holds NaN, infinity or a number too large for float32")
        if kind == "image" and not (0 <= low and high <= 1):
            raise FrameError(f"{where}: image values must be in [0, 1]")
    elif kind == "image" and data.size and not (0 <= data.min() and data.max() <= 1):
        raise FrameError(f"{where}: image values must be in [0, 1]")
    return data.size


def pack(frame):
    """Split a frame into JSON (arrays replaced by offsets) and one flat float32 buffer.

    The browser receives the buffer as one typed array, never element by element: each array
    becomes {"$a": offset, "shape": [...]} pointing into it. NaN and infinity raise FrameError:
    JSON has neither, and the browser's parser would refuse the whole frame.
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
    try:
        text = json.dumps(spec, separators=(",", ":"), allow_nan=False)
    except ValueError:
        raise FrameError("the frame holds NaN or infinity outside its arrays "
                         "(in a range, an option or a position): JSON has neither") from None
    _at_most(len(text), "spec", "the frame's JSON has {} characters")
    return text, data


def for_pages():
    """This contract as the page's runtime reads it (static/js/contract.js), from the config
    JSON the builder puts in every page: defined here once, checked on both sides."""
    return {"roles": list(ROLES), "limits": LIMITS, "controls": list(CONTROL_KINDS),
            "buttons": list(BUTTON_ACTIONS),
            "geometry": {kind: list(shape) if isinstance(shape, tuple) else None for kind, shape in GEOMETRY.items()}}
