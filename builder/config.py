"""course.toml: the course's title, landing text, footer and chapter list, in one file.

Every key is optional; DEFAULTS are what a course without the file (or without the key) gets,
and the shipped course.toml says the same. Problems are reported like a chapter's, at
course.toml:LINE with the offending line.
"""

import re
import tomllib
from dataclasses import dataclass, field, replace
from urllib.parse import quote

from markupsafe import Markup

from . import markup
from .errors import Collector, did_you_mean

FILE = "course.toml"
DEFAULTS = {
    "title": "Understand World Models",
    "kicker": "The Complete Beginner's Path",
    "tagline": "How AI learns an internal simulator of the world: predicting what happens next, "
               "imagining consequences, and planning without trial and error.",
    "prerequisites": "basic neural-network intuition and an interest in how agents plan. That's it.",
    "intro": "",
    "note": "",
    "footer": "Understand World Models: a beginner's path through world models, "
              "with simulations that run in your browser.",
    "chapters": None,  # slugs in reading order; None: every chapter, by its front matter's order
    "url": "",
    "repository": "",
    "branch": "main",
}
INLINE = ("kicker", "prerequisites", "footer")  # Markdown within one line of a page
BLOCKS = ("intro", "note")  # Markdown paragraphs, like chapter text
URLS = ("url", "repository")
TOML_TYPES = ((bool, "true or false"), (int, "a number"), (float, "a number"), (str, "a string"),
              (list, "a list"), (dict, "a table"))
POSITION = re.compile(r"\s*\((?:at line (\d+), column \d+|at end of document)\)$")


@dataclass(frozen=True)
class Config:
    title: str = DEFAULTS["title"]
    kicker: str = DEFAULTS["kicker"]
    tagline: str = DEFAULTS["tagline"]
    prerequisites: str = DEFAULTS["prerequisites"]
    intro: str = DEFAULTS["intro"]
    note: str = DEFAULTS["note"]
    footer: str = DEFAULTS["footer"]
    chapters: tuple | None = DEFAULTS["chapters"]
    url: str = DEFAULTS["url"]  # the site's public address, for links that must be absolute
    repository: str = DEFAULTS["repository"]  # e.g. https://github.com/you/course
    branch: str = DEFAULTS["branch"]
    html: dict = field(default_factory=dict)  # the Markdown keys rendered, see render()

    def edit_url(self, chapter):
        """GitHub's editor for the chapter's source file, or '' without a repository."""
        if not self.repository:
            return ""
        return f"{self.repository.rstrip('/')}/edit/{quote(self.branch)}/{quote(chapter.source)}"


def read(root, slugs):
    """(Config, problems) from root/course.toml; slugs are the chapters in chapters/.
    A key with a problem keeps its default, so the rest of the course is still checked."""
    path = root / FILE
    if not path.is_file():
        return Config(), []
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        problems = Collector(FILE, [])
        problems.add(raw[: error.start].count(b"\n") + 1, "the file is not UTF-8 text")
        return Config(), problems.problems
    problems = Collector(FILE, text.splitlines())
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        where = POSITION.search(message)
        line = int(where.group(1)) if where and where.group(1) else len(problems.lines) or 1
        problems.add(line, f"not valid TOML: {POSITION.sub('', message)}")
        return Config(), problems.problems
    values = {}
    for key, value in data.items():
        line = key_line(problems.lines, key)
        if key not in DEFAULTS:
            problems.add(line, f"unknown key '{key}'{did_you_mean(key, DEFAULTS)}")
        elif key == "chapters":
            values[key] = check_chapters(value, slugs, line, problems)
        elif not isinstance(value, str):
            problems.add(line, f"'{key}' must be a string (in quotes), not {type_name(value)}")
        elif message := check_text(key, value):
            problems.add(line, message)
        else:
            values[key] = value.strip()
    values = {k: v for k, v in values.items() if v is not None}
    return Config(**values), problems.problems


def check_text(key, value):
    """Why value cannot be key's, or ''."""
    if key == "title" and not value.strip():
        return "'title' must not be empty"
    if key in URLS and value and not re.fullmatch(r"https?://[^\s\"'<>]+", value):
        return f"'{key}' must be a web address starting with https://, such as 'https://example.org/course'"
    if key == "branch" and not re.fullmatch(r"[\w./-]+", value):
        return "'branch' must be a branch name, such as 'main'"
    return ""


def check_chapters(value, slugs, line, problems):
    """The chapter list as a tuple of known, distinct slugs, or None after reporting why not."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.add(line, f"'chapters' must be a list of chapter slugs in quotes, such as "
                           f"[\"{next(iter(slugs), 'intro')}\"], not {type_name(value)}")
        return None
    if not value:
        problems.add(line, "'chapters' is empty: list at least one chapter, or remove the key for all of them")
        return None
    seen, ok = set(), True
    for name in value:
        occurrence = 2 if name in seen else 1
        where = value_line(problems.lines, line, name, occurrence)
        if name in seen:
            problems.add(where, f"chapter '{name}' is listed twice")
            ok = False
        elif name not in slugs:
            slug = re.sub(r"^\d+-", "", name.removesuffix(".md"))
            hint = (f" (chapters are named by slug: '{slug}' for {name})" if slug in slugs
                    else did_you_mean(name, slugs))
            problems.add(where, f"unknown chapter '{name}'{hint}")
            ok = False
        seen.add(name)
    return tuple(value) if ok else None


def type_name(value):
    return next((name for kind, name in TOML_TYPES if isinstance(value, kind)), "a date")


def key_line(lines, key):
    """The line that sets key (or opens its table), 1 if none does."""
    name = rf"(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')"
    pattern = re.compile(rf"^\s*(?:{name}\s*[=.]|\[\[?\s*{name}\s*[\].])")
    return next((n for n, text in enumerate(lines, 1) if pattern.match(text)), 1)


def value_line(lines, start, value, occurrence=1):
    """The line of the occurrence-th quoted value at or after line start (a list may span lines)."""
    needles = (f'"{value}"', f"'{value}'")
    count = 0
    for n in range(start, len(lines) + 1):
        count += sum(lines[n - 1].count(needle) for needle in needles)
        if count >= occurrence:
            return n
    return start


def render(config, root, chapter_files, chapters_by_slug):
    """(config with .html filled in, problems): the Markdown keys rendered like chapter text,
    their links checked like a chapter's (chapter links by file name, anchors must exist)."""
    path = root / FILE
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines() if path.is_file() else []
    problems, html = Collector(FILE, lines), {}
    for key in INLINE + BLOCKS:
        line = key_line(lines, key)
        links = markup.Links(chapter_files, lambda _, message, line=line: problems.add(line, message))
        renderer = markup.markdown_renderer(links, links.report)
        text = renderer.convert(getattr(config, key))
        for _line, slug, anchor in links.anchors:
            target = chapters_by_slug.get(slug)
            if slug is None:
                problems.add(line, f"'#{anchor}' links to the landing page: link to a chapter's section instead")
            elif target and anchor not in target.ids:
                problems.add(line, f"no anchor '#{anchor}' in {target.source}{did_you_mean(anchor, target.ids)}")
        if links.images:
            problems.add(line, f"'{key}' may not show images: put them in a chapter")
        if key in INLINE and text and not re.fullmatch(r"<p>(?:(?!<p>).)*</p>", text, re.S):
            problems.add(line, f"'{key}' must be one paragraph of text (links and emphasis are fine)")
        html[key] = Markup(text)
    return replace(config, html=html), problems.problems
