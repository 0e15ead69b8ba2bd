"""`::: sim NAME`: a simulation, with `title:` and `caption:` lines, then its "Try it" guide."""

from dataclasses import dataclass

from markupsafe import Markup

from ..errors import did_you_mean
from .base import Block

KEYS = ("title", "caption")


@dataclass
class Sim(Block):
    kind = "sim"
    name: str = ""
    title: str = ""
    caption: str = ""
    html: Markup = Markup("")  # the "Try it" guide

    @classmethod
    def read(cls, line, args, body, context):
        block = cls(line, name=args)
        if not args:
            context.report(line, "name the simulation: '::: sim NAME'")
        elif args not in context.sim_names:
            context.report(line, f"unknown sim '{args}'{did_you_mean(args, context.sim_names)}")
        n = 0
        while n < len(body) and body[n].strip():
            key, sep, value = body[n].partition(":")
            key = key.strip()
            if not sep or key not in KEYS:
                context.report(line + n + 1, f"expected 'title: ...' or 'caption: ...' in a sim block"
                                             f"{did_you_mean(key, KEYS)}")
            else:
                setattr(block, key, value.strip())
            n += 1
        for key in KEYS:
            if not getattr(block, key):
                context.report(line, f"the sim block has no {key}: add a line '{key}: ...'")
        block.html = context.render("\n".join(body[n:]))
        return block

    def text(self):
        return f"{self.title} {self.caption} {self.html}"


BLOCK = Sim
