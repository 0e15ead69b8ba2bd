"""What every block shares: where it stands, its id on the page, and how it is read."""

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, ClassVar

from markupsafe import Markup


@dataclass
class Context:
    """What a block's reader may use: report a problem at a line, render Markdown, the sims,
    the chapter's folder, and add problems found in another file (a figure's SVG)."""

    report: Callable[[int, str], None]
    render: Callable[[str], Markup]
    sim_names: tuple
    folder: Path | None = None
    add_problems: Callable[[list], None] = lambda problems: None


@dataclass
class Block:
    kind: ClassVar[str]
    line: int  # of its opening '::: kind'
    id: str = ""

    @classmethod
    def read(cls, line, args, body, context):
        """The block opened at line with the text after its kind (args) and its body lines."""
        raise NotImplementedError

    def text(self):
        """Its words, for the search index (HTML is fine: search strips tags)."""
        raise NotImplementedError
