"""The sim registry as the builder sees it: names, declared controls, and a trial run."""

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup


@dataclass
class SimInfo:
    name: str
    title: str
    how: str  # Markdown
    controls: list
    module: object
    how_html: Markup = Markup("")  # rendered when the course is gathered


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
