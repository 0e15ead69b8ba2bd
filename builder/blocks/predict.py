"""`::: predict SIM`: a prediction the learner commits to before the chapter's sim runs it.

    ::: predict compounding
    At a model quality of 20 %, how far off is the imagined angle after 50 steps?

    set: quality=20
    read: error when step reaches 50
    unit: rad
    - [< 0.3] Less than 0.3 rad: it still follows the pendulum.
      Why this is tempting, and why it is right or wrong.
    - [0.3 to 0.9] Between 0.3 and 0.9 rad.
      ...
    - [> 0.9] More than 0.9 rad.
      ...
    :::

Each option is a range of one number a frame of the sim reports (its `metrics`). The build
runs the sim at those settings (course.py, with simreg.measure): the option holding the number
is the right one, so the answer key is the sim's, never the author's.
"""

import re
from dataclasses import dataclass, field

from markupsafe import Markup

from ..errors import did_you_mean
from ..simreg import PAGE_SEED
from .base import Block
from .quiz import OPTION, Option, read_options

KEYS = ("set", "seed", "read", "unit")
NUMBER = r"-?\d+(?:\.\d+)?"
RANGE = re.compile(rf"^(?:<\s*(?P<below>{NUMBER})|>\s*(?P<above>{NUMBER})|(?P<lo>{NUMBER})\s+to\s+(?P<hi>{NUMBER}))$")
READ = re.compile(rf"^(?P<metric>[a-z][a-z0-9_]*)\s+(?:at the end|at frame (?P<frame>\d+)"
                  rf"|when (?P<when>[a-z][a-z0-9_]*) reaches (?P<reach>{NUMBER}))$")


@dataclass
class Range(Option):
    lo: float = float("-inf")
    hi: float = float("inf")  # the option holds lo <= value < hi

    def holds(self, value):
        return self.lo <= value < self.hi


@dataclass
class Predict(Block):
    kind = "predict"
    sim: str = ""
    html: Markup = Markup("")  # the question
    settings: dict = field(default_factory=dict)  # control name -> value as written
    settings_line: int = 0
    seed: int = PAGE_SEED
    metric: str = ""
    frame: int = 0  # 1-based; 0 with `when` unset: the last frame
    when: tuple = ()  # (metric, value): the first frame where it reaches value
    unit: str = ""
    options: list = field(default_factory=list)
    value: float = 0.0  # measured by the build, as are the options' `correct`
    params: dict = field(default_factory=dict)  # the settings as the sim reads them

    @classmethod
    def read(cls, line, args, body, context):
        block = cls(line, sim=args)
        if not args:
            context.report(line, "name the simulation this prediction runs: '::: predict NAME'")
        elif args not in context.sim_names:
            context.report(line, f"unknown sim '{args}'")
        question, n = [], 0
        while n < len(body) and not OPTION.match(body[n]) and not _key(body[n]):
            question.append(body[n])
            n += 1
        if not "".join(question).strip():
            context.report(line, "the prediction has no question: write it first")
        block.html = context.render("\n".join(question))
        seen = set()
        while n < len(body) and not OPTION.match(body[n]):
            text, number = body[n], line + n + 1
            n += 1
            if not text.strip():
                continue
            key, _, value = text.partition(":")
            key, value = key.strip(), value.strip()
            if key not in KEYS:
                context.report(number, f"expected one of {', '.join(k + ': ...' for k in KEYS)} before the options"
                                       f"{did_you_mean(key, KEYS)}")
            elif key in seen:
                context.report(number, f"'{key}:' is given twice")
            else:
                seen.add(key)
                block.parse(key, value, number, context)
        if "read" not in seen:
            context.report(line, "say which number to read: 'read: METRIC at the end', "
                                 "'read: METRIC at frame N' or 'read: METRIC when OTHER reaches V'")
        previous = float("-inf")
        for number, mark, html, explanation in read_options(line, body, n, context):
            match = RANGE.match(mark.strip())
            if not match:
                context.report(number, f"a prediction's option is a range: '- [< 0.5]', '- [0.5 to 2]' "
                                       f"or '- [> 2]', not '- [{mark}]'")
                continue
            lo, hi = _bounds(match)
            if lo >= hi or lo < previous:
                context.report(number, "the ranges must go up, one after another, without overlapping")
            previous = hi
            block.options.append(Range(html, False, explanation, lo, hi))
        if len(block.options) < 2:
            context.report(line, "a prediction needs at least two options")
        return block

    def parse(self, key, value, number, context):
        if key == "set":
            self.settings_line = number
            for pair in filter(None, (p.strip() for p in value.split(","))):
                name, sep, setting = pair.partition("=")
                if not sep or not name.strip() or not setting.strip():
                    context.report(number, f"write settings as 'name=value, name=value', not '{pair}'")
                else:
                    self.settings[name.strip()] = setting.strip()
        elif key == "seed":
            if not value.isdigit():
                context.report(number, f"the seed is a whole number, not '{value}'")
            else:
                self.seed = int(value)
        elif key == "unit":
            self.unit = value
        else:
            match = READ.match(value)
            if not match:
                context.report(number, f"cannot read '{value}': write 'METRIC at the end', "
                                       "'METRIC at frame N' or 'METRIC when OTHER reaches V'")
                return
            self.metric = match["metric"]
            if match["frame"]:
                self.frame = int(match["frame"])
                if self.frame < 1:
                    context.report(number, "frames count from 1")
            if match["when"]:
                self.when = (match["when"], float(match["reach"]))

    @property
    def correct(self):
        """The index of the option the sim's number falls in."""
        return next(i for i, o in enumerate(self.options) if o.correct)

    @property
    def where(self):
        """When the number is read, in words."""
        if self.when:
            return f"when {self.when[0].replace('_', ' ')} reaches {self.when[1]:g}"
        return f"at frame {self.frame}" if self.frame else "at the end of the run"

    def text(self):
        return " ".join([str(self.html)] + [f"{o.html} {o.explanation}" for o in self.options])


def _key(text):
    """Whether the line is a key line: one of KEYS, or a word close to one (a typo to report)."""
    key, sep, _ = text.partition(":")
    return bool(sep) and (key.strip() in KEYS or bool(re.fullmatch(r"[a-z]+", key) and did_you_mean(key, KEYS)))


def _bounds(match):
    if match["below"] is not None:
        return float("-inf"), float(match["below"])
    if match["above"] is not None:
        return float(match["above"]), float("inf")
    return float(match["lo"]), float(match["hi"])


BLOCK = Predict
