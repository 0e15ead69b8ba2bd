"""`::: flow Title`: rows of steps joined by → + =, e.g. `Dyna: Act | real → Learn = Plan`."""

import re
from dataclasses import dataclass, field

from .base import Block

OPERATORS = re.compile(r"\s+(→|\+|=)\s+")


@dataclass
class Flow(Block):
    kind = "flow"
    title: str = ""
    rows: list = field(default_factory=list)  # (label, [(operator, title, sub)])

    @classmethod
    def read(cls, line, args, body, context):
        block = cls(line, title=args)
        for n, text in enumerate(body):
            if not text.strip():
                continue
            label, sep, rest = text.partition(": ")
            if not sep or OPERATORS.search(label):
                label, rest = "", text
            pieces = OPERATORS.split(rest.strip())
            nodes = []
            for k in range(0, len(pieces), 2):
                title, _, sub = pieces[k].partition(" | ")
                nodes.append((pieces[k - 1] if k else "", title.strip(), sub.strip()))
            if len(nodes) < 2:
                context.report(line + n + 1, "a flow row needs at least two steps joined by ' → ', ' + ' or ' = '")
            block.rows.append((label.strip(), nodes))
        if not block.rows:
            context.report(line, "the flow is empty")
        return block

    def text(self):
        steps = [f"{label} " + " ".join(f"{title} {sub}" for _, title, sub in nodes) for label, nodes in self.rows]
        return " ".join([self.title] + steps)


BLOCK = Flow
