"""The kinds of `::: kind` block a chapter can hold: one module each, found here by name.

A block module defines `BLOCK`, a `Block` subclass with its `kind`, its fields, `read` (parse
and validate its lines) and `text` (what search indexes); its page is `templates/blocks/KIND.html`
and its golden pair `tests/builder/golden/KIND.md` and `.html`. Adding a module adds the kind.
"""

import importlib
import pkgutil

from .base import Block, Context

BLOCKS = {}  # kind -> Block subclass, like Jinja's FILTERS: the one list of block kinds
for _module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "base"):
    _block = importlib.import_module(f"{__name__}.{_module}").BLOCK
    BLOCKS[_block.kind] = _block

__all__ = ["BLOCKS", "Block", "Context"]
