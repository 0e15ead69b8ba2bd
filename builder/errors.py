"""Authoring errors that name the file and line, show the offending line and suggest a fix."""

import difflib
from dataclasses import dataclass


@dataclass
class Problem:
    """One thing wrong in a source file."""

    path: str
    line: int
    message: str
    source: str = ""

    def __str__(self):
        text = f"{self.path}:{self.line}: {self.message}"
        if self.source.strip():
            text += f"\n    {self.line} | {self.source.rstrip()}"
        return text


class CourseError(Exception):
    """Anything a contributor can cause and fix: build.py reports it and exits 1, no traceback."""


class BuildError(CourseError):
    """Raised with every problem found in a run, not only the first."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def did_you_mean(name, candidates):
    """A ' (did you mean 'x'?)' suffix when a close candidate exists, else ''."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class Collector:
    """Gathers the problems of one source file."""

    def __init__(self, path, lines):
        self.path, self.lines, self.problems = path, lines, []
        self.seen = set()  # (line, message): a Markdown pass may meet the same link twice

    def add(self, line, message):
        if (line, message) not in self.seen:
            self.seen.add((line, message))
            source = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
            self.problems.append(Problem(self.path, line, message, source))

    def line_of(self, needle, default=1):
        """The first line containing needle (for problems found after parsing)."""
        for number, text in enumerate(self.lines, 1):
            if needle in text:
                return number
        return default


class SourceLines:
    """The source lines a piece of Markdown came from, for problems found while it is parsed:
    the parser meets links and formulas in reading order, so the k-th time a needle is met is
    its k-th occurrence in these lines, not merely its first."""

    def __init__(self, numbered):
        self.numbered = list(numbered)  # (line number in the file, text)
        self.met = {}

    def where(self, needle):
        k = self.met[needle] = self.met.get(needle, -1) + 1
        seen = 0
        for number, text in self.numbered:
            seen += text.count(needle)
            if seen > k:
                return number
        return self.numbered[0][0] if self.numbered else 1
