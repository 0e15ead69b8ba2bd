"""The sim registry as the builder sees it: names, declared controls, and a trial run."""

import hashlib
import importlib
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

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


_pictures = {}  # (name, hash of sims/*.py) -> frame: a rebuild with unchanged sims runs none


def picture_frame(info):
    """The frame the page shows before Python starts: frame PICTURE_FRAME (default 0) of the sim's
    run with its defaults and the page's seed, or its last if it ends sooner; every frame on the
    way is validated."""
    folder = Path(info.module.__file__).parent
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(folder.glob("*.py")))).hexdigest()
    key = (info.name, digest)
    if key not in _pictures:
        wanted = getattr(info.module, "PICTURE_FRAME", 0)
        if not (isinstance(wanted, int) and wanted >= 0):
            raise ValueError(f"sims/{info.name}.py: PICTURE_FRAME must be a whole number >= 0")
        frame = None
        frames = info.module.simulate(contract().defaults(info.controls), PAGE_SEED)
        for frame in itertools.islice(frames, wanted + 1):
            contract().validate_frame(frame)
        if frame is None:
            raise ValueError(f"sims/{info.name}.py: simulate gave no frame")
        _pictures[key] = frame
    return _pictures[key]
