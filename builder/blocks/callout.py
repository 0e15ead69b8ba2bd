"""`::: callout Title`: a highlighted aside of Markdown."""

from dataclasses import dataclass

from markupsafe import Markup

from .base import Block


@dataclass
class Callout(Block):
    kind = "callout"
    title: str = ""
    html: Markup = Markup("")

    @classmethod
    def read(cls, line, args, body, context):
        if not args:
            context.report(line, "a callout needs a title: '::: callout The core idea'")
        if not "".join(body).strip():
            context.report(line, "the callout is empty")
        return cls(line, title=args, html=context.render("\n".join(body)))

    def text(self):
        return f"{self.title} {self.html}"


BLOCK = Callout
