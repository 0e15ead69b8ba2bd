"""`::: figure NAME`: the SVG drawing chapters/figures/NAME.svg, inline, with a `caption:` line.

The drawing is checked by builder/svg.py (its title, description and safety); its problems are
reported at the SVG file's lines, the block's own at the chapter's.
"""

import re
from dataclasses import dataclass

from markupsafe import Markup

from .. import svg
from ..errors import did_you_mean
from .base import Block

FOLDER = "figures"  # in chapters/


@dataclass
class Figure(Block):
    kind = "figure"
    name: str = ""
    caption: Markup = Markup("")
    drawing: object = None  # the checked svg.Node

    @classmethod
    def read(cls, line, args, body, context):
        block = cls(line, name=args)
        caption = []
        for n, text in enumerate(body):
            key, sep, value = text.partition(":")
            if sep and key.strip() == "caption" and not caption:
                caption.append(value.strip())
            elif caption and text.strip():
                caption.append(text.strip())  # a long caption may wrap onto more lines
            elif text.strip():
                context.report(line + n + 1, "expected 'caption: ...' in a figure block")
        if not caption or not caption[0]:
            context.report(line, "the figure has no caption: add a line 'caption: ...' saying what to see in it")
        block.caption = context.render(" ".join(caption))
        folder = context.folder / FOLDER if context.folder else None
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", args):
            context.report(line, f"name the figure by its file in chapters/{FOLDER}/ without '.svg', "
                                 "in lowercase words: '::: figure rollout'")
            return block
        path = folder / f"{args}.svg" if folder else None
        if not path or not path.is_file() or not path.resolve().is_relative_to(folder.resolve()):
            known = sorted(p.stem for p in folder.glob("*.svg")) if folder and folder.is_dir() else []
            context.report(line, f"no figure chapters/{FOLDER}/{args}.svg{did_you_mean(args, known)}")
            return block
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            context.report(line, f"chapters/{FOLDER}/{args}.svg is not UTF-8 text")
            return block
        block.drawing, problems = svg.read(text, f"chapters/{FOLDER}/{args}.svg")
        context.add_problems(problems)
        return block

    @property
    def svg(self):
        return svg.to_html(self.drawing, self.id) if self.drawing else Markup("")

    def text(self):
        words = svg.title_and_description(self.drawing) if self.drawing else ()
        return " ".join([*words, str(self.caption)])


BLOCK = Figure
