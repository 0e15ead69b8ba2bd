"""`build.py new chapter "Title"` and `build.py new sim NAME`: start from a working example."""

import re
import string
from pathlib import Path

from . import markup
from .chapters import slug_of
from .errors import CourseError

HERE = Path(__file__).resolve().parent / "scaffold"


class ScaffoldError(CourseError):
    """The new file cannot be created (its name is taken or not allowed)."""


class Template(string.Template):
    delimiter = "@@"  # "$" is taken: chapters write math as $...$


def fill(template, **values):
    return Template((HERE / template).read_text(encoding="utf-8")).substitute(values)


def new_chapter(root, title, sim=None):
    """Create chapters/NN-slug.md after the last chapter; returns its path."""
    root = Path(root)
    files = sorted((root / "chapters").glob("*.md"))
    numbers = [int(m.group(1)) for f in files if (m := re.match(r"(\d+)-", f.name))]
    orders = [int(m.group(1)) for f in files
              if (m := re.search(r"^order:\s*(\d+)\s*$", f.read_text(encoding="utf-8"), re.M))]
    number = max(numbers, default=-1) + 1
    slug = markup.slugify(title)
    if not slug:
        raise ScaffoldError(f"the title '{title}' gives an empty file name")
    if slug in {slug_of(f) for f in files}:
        raise ScaffoldError(f"a chapter with the slug '{slug}' exists already")
    names = registered_sims(root)
    path = root / "chapters" / f"{number:02d}-{slug}.md"
    path.write_text(fill("chapter.md", title=title, order=max(orders, default=-1) + 1,
                         sim=sim or names[0]), encoding="utf-8")
    return path


def registered_sims(root):
    text = (Path(root) / "sims" / "__init__.py").read_text(encoding="utf-8")
    return re.findall(r'^\s+"(\w+)",$', registry_block(text), re.M)


def registry_block(text):
    match = re.search(r"^NAMES = \(\n(.*?)^\)", text, re.M | re.S)
    if not match:
        raise ScaffoldError("sims/__init__.py has no 'NAMES = (...)' registry to add to")
    return match.group(1)


def new_sim(root, name):
    """Create sims/NAME.py and tests/sims/test_sim_NAME.py, and register NAME; returns both paths."""
    root = Path(root)
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or name in ("contract", "runner"):
        raise ScaffoldError(f"'{name}' is not allowed: use lowercase letters, digits and _")
    module, test = root / "sims" / f"{name}.py", root / "tests" / "sims" / f"test_sim_{name}.py"
    if module.exists() or name in registered_sims(root):
        raise ScaffoldError(f"a sim named '{name}' exists already")
    title = name.replace("_", " ").capitalize()
    module.write_text(fill("sim.py", title=title), encoding="utf-8")
    test.write_text(fill("test_sim.py", name=name), encoding="utf-8")
    init = root / "sims" / "__init__.py"
    text = init.read_text(encoding="utf-8")
    block = registry_block(text)
    init.write_text(text.replace(block, block + f'    "{name}",\n', 1), encoding="utf-8")
    return module, test
