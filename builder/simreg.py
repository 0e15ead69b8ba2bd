"""The sim registry as the builder sees it: names, declared controls, and a trial run."""

import hashlib
import importlib
import itertools
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from markupsafe import Markup

from builder import first_frame
from builder.runtime import npm

PAGE_SEED = 1  # the seed a sim starts with on the page, and its picture's


@dataclass
class SimInfo:
    name: str
    title: str
    how: str  # Markdown
    controls: list
    module: object
    how_html: Markup = Markup("")  # rendered when the course is gathered
    picture: dict = None  # the frame the page shows before Python starts (see picture_frame)
    summary_room: str = ""  # the widest summary the page's run shows until then (see summary_room)
    seed: int = PAGE_SEED


def load_registry(root):
    """Import sims/ from the project at root (not from wherever `sims` was imported before)."""
    root = str(Path(root).resolve())
    loaded = sys.modules.get("sims")
    if loaded is not None and not str(Path(loaded.__file__).resolve()).startswith(root):
        for name in [n for n in sys.modules if n == "sims" or n.startswith("sims.")]:
            del sys.modules[name]
    if root in sys.path:
        sys.path.remove(root)
    sys.path.insert(0, root)  # first, so `sims` is this course's even after another's
    return importlib.import_module("sims")


def load_sim(name):
    """Import one registered sim and validate its declarations (raises on a broken module)."""
    module = importlib.import_module(f"sims.{name}")
    for attribute in ("TITLE", "HOW", "CONTROLS", "simulate"):
        if not hasattr(module, attribute):
            raise ValueError(f"sims/{name}.py does not define {attribute}")
    contract().validate_controls(module.CONTROLS)
    return SimInfo(name, module.TITLE, module.HOW, module.CONTROLS, module)


def contract():
    """The course's sims/contract.py (imported with its registry)."""
    return importlib.import_module("sims.contract")


def trial_run(info, seed=0):
    """Run the sim once with its defaults in CPython; returns the first frame."""
    frame = next(iter(info.module.simulate(contract().defaults(info.controls), seed)))
    contract().validate_frame(frame)
    return frame


MEASURE_FRAMES = 5000  # a prediction reads a frame within this many: the build stays quick


def params_for(controls, settings):
    """The sim's params with the named settings (as written in a chapter) applied; raises
    ValueError naming a setting the controls do not accept."""
    params = contract().defaults(controls)
    by_name = {c["name"]: c for c in controls if "default" in c}
    for name, text in settings.items():
        control = by_name.get(name)
        if control is None:
            raise ValueError(f"the sim has no control '{name}'; it has {', '.join(by_name)}")
        kind = control["kind"]
        if kind == "slider":
            try:
                value = float(text)
            except ValueError:
                raise ValueError(f"{name} is a number, not '{text}'") from None
            if not control["min"] <= value <= control["max"]:
                raise ValueError(f"{name} goes from {control['min']} to {control['max']}, not {text}")
            steps = (value - control["min"]) / control["step"]
            if abs(steps - round(steps)) > 1e-9:
                raise ValueError(f"{name} moves in steps of {control['step']} from {control['min']}: "
                                 f"{text} is not one of them")
            whole = all(float(control[k]).is_integer() for k in ("min", "max", "step"))
            params[name] = int(round(value)) if whole else value
        elif kind == "toggle":
            if text not in ("on", "off"):
                raise ValueError(f"{name} is 'on' or 'off', not '{text}'")
            params[name] = text == "on"
        elif kind == "choice":
            values = [v for v, _ in control["options"]]
            if text not in values:
                raise ValueError(f"{name} is one of {', '.join(values)}, not '{text}'")
            params[name] = text
        else:
            raise ValueError(f"{name} is a {kind}: a prediction sets sliders, toggles and choices")
    return params


def measure(info, params, seed, metric, frame=0, when=()):
    """Run the sim in CPython and read one number of its metrics: at the 1-based frame, at the
    first frame where `when` = (other metric, value) reaches that value, or at the last frame.
    Raises ValueError when there is no such frame or number.

    A number is remembered under a hash of every sim source, numpy's version and the question,
    so a rebuild re-runs a sim only after an edit that could change its answer."""
    key = hashlib.sha256(json.dumps([sources_digest(info.module), np.__version__, info.name, params,
                                     seed, metric, frame, list(when)], sort_keys=True).encode()).hexdigest()
    remembered = _measures()
    if key not in remembered:
        remembered[key] = _measure(info, params, seed, metric, frame, when)
        _remember(remembered)
    return remembered[key]


def sources_digest(module):
    """A hash of the sims folder a sim module lives in: it may import its neighbours."""
    digest = hashlib.sha256()
    for path in sorted(Path(module.__file__).resolve().parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _measures_file():
    return npm.cache_root() / "measures.json"


def _measures():
    try:
        return json.loads(_measures_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _remember(measures):
    """Written aside and swapped in: builds running side by side never read half a file."""
    path = _measures_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        aside = path.with_name(f"{path.name}.{os.getpid()}")
        aside.write_text(json.dumps(measures), encoding="utf-8")
        os.replace(aside, path)
    except OSError:
        pass  # a cache only: the next build measures again


def _measure(info, params, seed, metric, frame, when):
    last = None
    for count, current in enumerate(info.module.simulate(params, seed), 1):
        if count > MEASURE_FRAMES:
            raise ValueError(f"no frame to read within {MEASURE_FRAMES} frames: read at a frame or "
                             f"'when ... reaches' instead")
        metrics = current.get("metrics", {})
        reached = when and when[0] in metrics and metrics[when[0]] >= when[1]
        last = current
        if count == frame or reached:
            break
    else:
        if frame or when:
            what = f"frame {frame}" if frame else f"a frame where {when[0]} reaches {when[1]:g}"
            raise ValueError(f"the run ended before {what}")
    if last is None:
        raise ValueError("the sim yields no frame")
    contract().validate_frame(last)
    metrics = last.get("metrics", {})
    if metric not in metrics:
        raise ValueError(f"the frame has no metric '{metric}'; it has {', '.join(metrics) or 'none'}")
    return float(metrics[metric])


_pictures = {}  # (name, hash of the sims' sources) -> (frame, widest summary): a rebuild with unchanged sims runs none


def picture_frame(info):
    """The frame the page shows before Python starts: frame PICTURE_FRAME (default 0) of the sim's
    run with its defaults and the page's seed, or its last if it ends sooner; every frame on the
    way is validated."""
    return _picture_run(info)[0]


def summary_room(info):
    """The widest summary line of the page's run up to its picture's frame. The page keeps room
    for it, so that a longer line as the sim plays moves nothing below it."""
    return _picture_run(info)[1]


def _picture_run(info):
    key = (info.name, sources_digest(info.module))
    if key not in _pictures:
        wanted = getattr(info.module, "PICTURE_FRAME", 0)
        if not (isinstance(wanted, int) and wanted >= 0):
            raise ValueError(f"sims/{info.name}.py: PICTURE_FRAME must be a whole number >= 0")
        frame, widest = None, ""
        frames = info.module.simulate(contract().defaults(info.controls), PAGE_SEED)
        for frame in itertools.islice(frames, wanted + 1):
            contract().validate_frame(frame)
            summary = frame.get("summary", "")
            if first_frame.text_width(summary, 1) > first_frame.text_width(widest, 1):
                widest = summary
        if frame is None:
            raise ValueError(f"sims/{info.name}.py: simulate gave no frame")
        _pictures[key] = frame, widest
    return _pictures[key]
