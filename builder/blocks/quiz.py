"""`::: quiz`: a question, then options `- [x] right` / `- [ ] wrong`, each explained below it."""

import re
from dataclasses import dataclass, field

from markupsafe import Markup

from .base import Block

OPTION = re.compile(r"^- \[([^\]]*)\]\s+(.*\S)\s*$")
MARKS = {"x": True, "X": True, " ": False}


@dataclass
class Option:
    html: Markup
    correct: bool
    explanation: Markup


def read_options(line, body, n, context):
    """The options from body[n:] as (line number, mark, text HTML, explanation HTML), each
    `- [mark] text` followed by its explanation indented by two spaces. Shared by the
    question blocks (quiz, predict), which differ only in what a mark means."""
    options = []
    while n < len(body):
        line_number, match = line + n + 1, OPTION.match(body[n])
        if not match:
            if body[n].strip():
                context.report(line_number, "expected an option '- [ ] ...' or '- [x] ...', or its "
                                            "explanation indented by two spaces")
            n += 1
            continue
        explanation, n = [], n + 1
        while n < len(body) and not OPTION.match(body[n]) and (body[n].startswith("  ") or not body[n].strip()):
            explanation.append(body[n].strip())
            n += 1
        if not "".join(explanation):
            context.report(line_number, "this option has no explanation: add a line indented by two "
                                        "spaces saying why it is right or wrong")
        options.append((line_number, match.group(1), context.render(match.group(2)),
                        context.render("\n".join(explanation))))
    return options


@dataclass
class Quiz(Block):
    kind = "quiz"
    html: Markup = Markup("")  # the question
    options: list = field(default_factory=list)

    @classmethod
    def read(cls, line, args, body, context):
        question, n = [], 0
        while n < len(body) and not OPTION.match(body[n]):
            question.append(body[n])
            n += 1
        if not "".join(question).strip():
            context.report(line, "the quiz has no question: write it before the options")
        block = cls(line, html=context.render("\n".join(question)))
        for line_number, mark, html, explanation in read_options(line, body, n, context):
            if mark not in MARKS:
                context.report(line_number, f"a quiz option is marked '- [x]' (right) or '- [ ]' (wrong), "
                                            f"not '- [{mark}]'")
            block.options.append(Option(html, MARKS.get(mark, False), explanation))
        if len(block.options) < 2:
            context.report(line, "a quiz needs at least two options")
        elif not any(o.correct for o in block.options):
            context.report(line, "the quiz has no correct option: mark one '- [x]'")
        return block

    def text(self):
        return " ".join([str(self.html)] + [f"{o.html} {o.explanation}" for o in self.options])


BLOCK = Quiz
