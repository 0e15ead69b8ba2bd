"""Read chapter files into a data model: front matter, Markdown and the course's blocks.

A chapter body is Markdown with blocks that open with `::: kind args` and close with `:::`
(the kinds in `builder/blocks/`). Every problem is collected with its file and line; nothing is
rendered to a page here.
"""

import re
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from markupsafe import Markup

from . import markup
from .blocks import BLOCKS, Block, Context
from .errors import Collector, SourceLines, did_you_mean

REQUIRED_KEYS = ("title", "description", "order")
# objective: one line per learning objective, in order (the only key that may repeat);
# minutes: the whole-number time the chapter takes, reading plus the sim.
FRONT_MATTER_KEYS = REQUIRED_KEYS + ("objective", "minutes")
OPEN = re.compile(r"^:::\s*([A-Za-z][\w-]*)\s*(.*?)\s*$")
FENCE = re.compile(r"^(```|~~~)")
PLACEHOLDER = "uwmblock{}x"  # a paragraph of its own in the Markdown, replaced by the block
PLACEHOLDER_HTML = r"<p>uwmblock(\d+)x</p>"
MAX_SOURCE_BYTES = 1_000_000
# Python-Markdown's inline pass takes time proportional to a paragraph's length times the
# inline marks in it: every match rebuilds the paragraph's text, and every '[' rescans the rest
# of it, hundreds of times more slowly ("[" * 20000 takes minutes). Real paragraphs score under
# 10^5; one above MAX_PARAGRAPH_WORK (a few tenths of a second of rendering) is refused unread.
INLINE_MARKS = ("`", "*", "_", "[", "$", "\\", "&", "<", "  \n")  # the last is a line break
BRACKET_WEIGHT = 20
MAX_PARAGRAPH_WORK = 20_000_000
LIST_ITEM = re.compile(r"\s*(?:[-*+]|\d+[.)])\s")
RULE = re.compile(r"(?:-{3,}|={3,})\s*$")  # front matter fence, heading underline or rule
# Whatever else makes a chapter slow, rendering it stops after this much CPU time.
MAX_RENDER_SECONDS = 5


@dataclass
class Chapter:
    source: str  # path as shown in messages, e.g. chapters/03-dreamer.md
    slug: str
    title: str
    description: str
    order: int
    parts: list  # Markup and Block, in reading order
    toc: list  # (level, id, text)
    ids: set
    links: object = None
    objectives: tuple = ()  # what a learner can do after the chapter
    minutes: int | None = None  # how long it takes, reading plus the sim
    terms: tuple = ()  # glossary terms linked on its page, whose cards it carries

    @property
    def url(self):
        return f"{self.slug}.html"

    def blocks(self, kind):
        """The chapter's blocks of one kind, in reading order."""
        return [p for p in self.parts if isinstance(p, BLOCKS[kind])]


def slug_of(path):
    """03-dreamer.md -> dreamer."""
    return re.sub(r"^\d+-", "", Path(path).stem)


class Paragraph(NamedTuple):
    line: int
    length: int
    marks: int
    brackets: int

    @property
    def work(self):
        return self.length * (self.marks + BRACKET_WEIGHT * self.brackets)


class RenderTimeout(BaseException):
    """A chapter ran out of time (a BaseException, so that no `except Exception` swallows it)."""


def read_chapter(path, display_path, chapter_files, sim_names):
    """Parse one chapter; returns (Chapter or None, problems)."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problems = Collector(display_path, [])
        problems.add(line, "the file is not UTF-8 text")
        return None, problems.problems
    lines = text.splitlines()
    problems = Collector(display_path, lines)
    if len(raw) > MAX_SOURCE_BYTES:
        problems.add(1, f"the file is larger than {MAX_SOURCE_BYTES:,} bytes")
        return None, problems.problems
    heaviest = max(paragraphs(lines), key=lambda p: p.work, default=Paragraph(1, 0, 0, 0))
    try:
        with cpu_time_limit(MAX_RENDER_SECONDS):
            return parse_chapter(path, display_path, lines, problems, heaviest, chapter_files, sim_names)
    except RenderTimeout:
        problems.add(heaviest.line, f"this chapter takes more than {MAX_RENDER_SECONDS} s to render, so it "
                                    "was stopped (its paragraph with the most inline markup starts here): "
                                    "split long paragraphs, put literal text in ``` code blocks, or split the chapter")
        return None, problems.problems


@contextmanager
def cpu_time_limit(seconds):
    """Raise RenderTimeout in the block once the process has used `seconds` of CPU time in it:
    CPU time, so that a busy machine does not fail a build. Signals reach only the main thread,
    so elsewhere (the dev server's rebuilds) only the paragraph limit applies."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise RenderTimeout

    handler = signal.signal(signal.SIGVTALRM, expire)
    previous = signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, *previous)
        signal.signal(signal.SIGVTALRM, handler)


def parse_chapter(path, display_path, lines, problems, heaviest, chapter_files, sim_names):
    slug = slug_of(path)
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug):
        problems.add(1, f"file name must be NN-lowercase-words.md, giving the slug '{slug}'")
    meta, body_start = read_front_matter(lines, problems)

    body, blocks = split_blocks(lines, body_start, problems)
    # Problems met while rendering are placed in the lines being rendered: the body's, then
    # each block's in turn.
    in_blocks = {n for _, line, _, block in blocks for n in range(line, line + len(block) + 2)}
    reading = [SourceLines((n, t) for n, t in enumerate(lines, 1) if n > body_start and n not in in_blocks)]
    links = markup.Links(chapter_files, problems.add, where=lambda needle: reading[0].where(needle),
                         folder=Path(path).parent)
    md = markup.markdown_renderer(links, links.report)
    if heaviest.work > MAX_PARAGRAPH_WORK:
        many = (f"{heaviest.brackets:,} '['" if BRACKET_WEIGHT * heaviest.brackets > heaviest.marks
                else f"{heaviest.marks:,} inline marks (` * _ [ $ \\ & <)")
        problems.add(heaviest.line, f"this paragraph has {many} in {heaviest.length:,} characters, which "
                                    "Markdown cannot render in reasonable time: split it into shorter "
                                    "paragraphs, or put literal text in a ``` code block")
        return None, problems.problems
    try:
        html = md.convert(body)
    except RecursionError:
        problems.add(body_start + 1, "the Markdown is nested too deeply to render: flatten its lists or quotes")
        return None, problems.problems
    toc = [(t["level"], t["id"], t["name"]) for t in flatten(md.toc_tokens)]
    fragments = markup.markdown_renderer(links, links.report)
    context = Context(problems.add, lambda text: fragment(fragments, text), tuple(sim_names),
                      Path(path).parent, problems.problems.extend)
    read, counts = [], {}
    for entry in blocks:
        kind, line, _, block_lines = entry
        reading[0] = SourceLines(enumerate(block_lines, line + 1))
        counts[kind] = counts.get(kind, 0) + 1
        read.append(read_block(entry, context, counts[kind]))
    parts = interleave(html, read)
    ids = check_ids(parts, problems)
    if not all(k in meta for k in REQUIRED_KEYS):
        return None, problems.problems
    chapter = Chapter(display_path, slug, meta["title"], meta["description"], meta["order"],
                      parts, toc, ids, links, tuple(meta.get("objective", ())), meta.get("minutes"))
    return chapter, problems.problems


def paragraphs(lines):
    """Each text Markdown's inline pass will see whole, roughly: a paragraph, a list item or a
    table row (its cells are smaller still), outside code fences."""
    run, first, fence = [], 1, None
    for number, line in enumerate(lines + [""], 1):
        stripped = line.strip()
        if fence:
            fence = None if stripped.startswith(fence) else fence
            continue
        opening = FENCE.match(stripped)
        rule = RULE.match(stripped)
        if run and (opening or rule or not stripped or LIST_ITEM.match(line) or stripped.startswith("|")):
            text = "\n".join(run)
            yield Paragraph(first, len(text), sum(map(text.count, INLINE_MARKS)), text.count("["))
            run = []
        if opening:
            fence = opening.group(1)
        elif stripped and not rule:
            first = first if run else number
            run.append(line)


def interleave(html, blocks):
    """The chapter in reading order: Markdown HTML with each block where its placeholder was."""
    parts = []
    for n, piece in enumerate(re.split(PLACEHOLDER_HTML, html)):
        if n % 2:
            parts.append(blocks[int(piece)])
        elif piece.strip():
            parts.append(Markup(piece))
    return parts


def check_ids(parts, problems):
    """Every id on the page, reporting any that appears twice."""
    ids = set()
    for part in parts:
        for found in re.findall(r'\sid="([^"]+)"', str(part)) + [getattr(part, "id", "")]:
            if found and found in ids:
                line = part.line if isinstance(part, Block) else problems.line_of(found)
                problems.add(line, f"duplicate id '{found}' on this page")
            ids.add(found)
    return ids


def flatten(tokens):
    for token in tokens:
        yield token
        yield from flatten(token["children"])


def read_front_matter(lines, problems):
    """Parse the --- fenced key: value header; returns (dict, index of the first body line)."""
    if not lines or lines[0].strip() != "---":
        problems.add(1, "a chapter starts with front matter: a line '---', then title, "
                        "description and order, then '---'")
        return {}, 0
    meta, end = {}, None
    for number, line in enumerate(lines[1:], 2):
        if line.strip() == "---":
            end = number
            break
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if not sep:
            problems.add(number, "expected 'key: value' in the front matter")
        elif key not in FRONT_MATTER_KEYS:
            problems.add(number, f"unknown front matter key '{key}'{did_you_mean(key, FRONT_MATTER_KEYS)}")
        elif key in meta and key != "objective":
            problems.add(number, f"'{key}' is given twice")
        elif not value:
            problems.add(number, f"'{key}' is empty")
        elif key == "order":
            if re.fullmatch(r"\d+", value):
                meta[key] = int(value)
            else:
                problems.add(number, f"order must be a whole number, not '{value}'")
        elif key == "minutes":
            if re.fullmatch(r"[1-9]\d{0,3}", value):
                meta[key] = int(value)
            else:
                problems.add(number, f"minutes must be a whole number of minutes such as 25, not '{value}'")
        elif key == "objective":
            meta.setdefault(key, []).append(value)
        else:
            meta[key] = value
    if end is None:
        problems.add(1, "the front matter is not closed by a line '---'")
        return meta, len(lines)
    for key in REQUIRED_KEYS:
        if key not in meta and not any(l.split(":")[0].strip() == key for l in lines[1:end]):
            problems.add(1, f"the front matter has no '{key}'")
    return meta, end


def split_blocks(lines, start, problems):
    """Cut ::: blocks out of the body; returns (Markdown with placeholders, [(kind, line, args, body lines)])."""
    out, blocks, n, fence = [], [], start, None
    while n < len(lines):
        line = lines[n]
        if fence:
            fence = None if line.strip().startswith(fence) else fence
            out.append(line)
            n += 1
            continue
        if FENCE.match(line.strip()):
            fence = FENCE.match(line.strip()).group(1)
            out.append(line)
            n += 1
            continue
        opening = OPEN.match(line)
        if line.strip() == ":::":
            problems.add(n + 1, "':::' closes a block, but no block is open here")
        elif opening:
            kind, args = opening.groups()
            close = next((k for k in range(n + 1, len(lines)) if lines[k].strip() == ":::"), None)
            nested = next((k for k in range(n + 1, close or len(lines)) if OPEN.match(lines[k])), None)
            if nested is not None:
                problems.add(nested + 1, f"blocks cannot be nested: close the '{kind}' block "
                                         f"opened at line {n + 1} with ':::' first")
            if close is None:
                problems.add(n + 1, f"the '{kind}' block is never closed: end it with a line ':::'")
                break
            if kind not in BLOCKS:
                problems.add(n + 1, f"unknown block '{kind}'{did_you_mean(kind, BLOCKS)}; "
                                    f"blocks are {', '.join(BLOCKS)}")
            else:
                blocks.append((kind, n + 1, args, lines[n + 1:close]))
                out += ["", PLACEHOLDER.format(len(blocks) - 1), ""]
            n = close + 1
            continue
        out.append(line)
        n += 1
    return "\n".join(out), blocks


def read_block(entry, context, number):
    """The block, its id the n-th of its kind ("quiz-2"): adding a block of another kind moves no
    id, so links, share links and a learner's answers and review schedule stay put."""
    kind, line, args, body = entry
    block = BLOCKS[kind].read(line, args, body, context)
    block.id = f"{kind}-{number}"
    return block


def fragment(md, text):
    md.reset()
    return Markup(md.convert(text))
