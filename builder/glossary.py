"""chapters/glossary.toml: the course's terms, one source for the glossary page and the links.

Each term names the chapter that defines it. The build checks the file strictly (file:line,
did-you-mean), checks that each defining chapter uses its term, finds the section that teaches
it, and links the first use of each term in every later chapter to its entry; the link is
described by a short card the page shows on hover or focus (static/js/glossary.js).
"""

import re
import tomllib
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser

from markupsafe import Markup, escape

from . import markup
from .config import POSITION, type_name
from .errors import Collector, did_you_mean

FILE = "chapters/glossary.toml"
KEYS = ("term", "definition", "chapter", "aliases", "link")
REQUIRED = ("term", "definition", "chapter")
MAX_DEFINITION = 200  # characters: a card, not a paragraph
# Text inside these is never linked: headings, code, math, links, and bold (where a chapter
# defines its own terms).
SKIP = frozenset("h1 h2 h3 h4 h5 h6 a code pre math strong dfn script style button label summary figcaption".split())
VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())


@dataclass(frozen=True)
class Term:
    term: str
    id: str
    definition: str
    chapter: str  # the defining chapter's file name
    aliases: tuple = ()
    link: bool = True
    line: int = 0
    taught: str = ""  # the page and section that teaches it, e.g. dreamer.html#three-components
    chapter_title: str = ""

    @property
    def forms(self):
        return (self.term, *self.aliases)


@dataclass
class Glossary:
    terms: list = field(default_factory=list)  # in the file's order

    def alphabetical(self):
        return sorted(self.terms, key=lambda t: t.term.casefold().replace("λ", "lambda"))


def read(root, chapter_files):
    """(Glossary, problems) from chapters/glossary.toml; no file, no glossary."""
    path = root / FILE
    if not path.is_file():
        return Glossary(), []
    text = path.read_text(encoding="utf-8", errors="replace")
    problems = Collector(FILE, text.splitlines())
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        where = POSITION.search(str(error))
        problems.add(int(where.group(1)) if where and where.group(1) else 1,
                     f"not valid TOML: {POSITION.sub('', str(error))}")
        return Glossary(), problems.problems
    for key in data:
        if key != "term":
            problems.add(line_of(problems.lines, key), f"unknown table '{key}'{did_you_mean(key, ['term'])}: "
                                                       "each entry starts with [[term]]")
    entries = data.get("term", [])
    if not isinstance(entries, list):
        problems.add(1, "write each entry as a [[term]] table")
        return Glossary(), problems.problems
    starts = [n for n, line in enumerate(problems.lines, 1) if re.match(r"\s*\[\[\s*term\s*\]\]", line)]
    glossary, seen, ids = Glossary(), {}, {}
    for entry, start in zip(entries, starts):
        end = next((s for s in starts if s > start), len(problems.lines) + 1)
        at = lambda key: next((n for n in range(start, end) if re.match(rf"\s*{key}\s*=", problems.lines[n - 1])), start)
        term = read_entry(entry, start, at, chapter_files, problems)
        if term is None:
            continue
        for form in term.forms:
            if form.casefold() in seen:
                problems.add(at("aliases" if form != term.term else "term"),
                             f"'{form}' is already in the glossary, at line {seen[form.casefold()]}")
            seen.setdefault(form.casefold(), at("term"))
        if term.id in ids:
            problems.add(at("term"), f"'{term.term}' has the same id '{term.id}' as the term at line {ids[term.id]}")
        ids.setdefault(term.id, start)
        glossary.terms.append(term)
    return glossary, problems.problems


def read_entry(entry, start, at, chapter_files, problems):
    ok = True
    for key, value in entry.items():
        if key not in KEYS:
            problems.add(at(key), f"unknown key '{key}'{did_you_mean(key, KEYS)}; a term has {', '.join(KEYS)}")
            ok = False
        elif key == "aliases":
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                problems.add(at(key), f"'aliases' must be a list of strings, such as [\"rollouts\"], not {type_name(value)}")
                ok = False
        elif key == "link":
            if not isinstance(value, bool):
                problems.add(at(key), f"'link' must be true or false, not {type_name(value)}")
                ok = False
        elif not isinstance(value, str) or not value.strip():
            problems.add(at(key), f"'{key}' must be a non-empty string (in quotes)")
            ok = False
    for key in REQUIRED:
        if key not in entry:
            problems.add(start, f"this term has no '{key}'")
            ok = False
    if not ok:
        return None
    if len(entry["definition"]) > MAX_DEFINITION:
        problems.add(at("definition"), f"the definition is {len(entry['definition'])} characters: keep it under "
                                       f"{MAX_DEFINITION}, a card's worth; the chapter says the rest")
    chapter = entry["chapter"]
    if chapter_files.get(chapter) is None:
        hint = did_you_mean(chapter, [c for c, slug in chapter_files.items() if slug])
        problems.add(at("chapter"), f"unknown chapter '{chapter}'{hint}: give the chapter's file name, "
                                    "such as '03-dreamer.md'")
        return None
    return Term(entry["term"].strip(), "term-" + (markup.slugify(entry["term"].replace("λ", "lambda")) or "x"),
                entry["definition"].strip(), chapter, tuple(a.strip() for a in entry.get("aliases", ())),
                entry.get("link", True), at("term"))


def line_of(lines, key):
    return next((n for n, text in enumerate(lines, 1) if re.match(rf"\s*\[*\s*{re.escape(key)}\b", text)), 1)


def pattern(forms):
    """Whole-word, case-insensitive, longest form first (so 'latent space' wins over 'latent')."""
    words = sorted(forms, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(str(escape(w))) for w in words) + r")(?![\w-])", re.I)


def attach(glossary, chapters, root):
    """(chapters with term links and cards, glossary with where each is taught, problems).
    chapters are in reading order."""
    if not glossary.terms:
        return chapters, glossary, []
    lines = (root / FILE).read_text(encoding="utf-8", errors="replace").splitlines()
    problems = Collector(FILE, lines)
    by_file = {c.source.removeprefix("chapters/"): (n, c) for n, c in enumerate(chapters)}
    taught = []
    for term in glossary.terms:
        if term.chapter not in by_file:
            taught.append(term)  # left out of the course by course.toml: no page to link to
            continue
        _, chapter = by_file[term.chapter]
        section = teaching_section(chapter, term)
        if section is None:
            problems.add(term.line, f"'{term.term}' does not appear in {chapter.source}, the chapter said to "
                                    f"define it: use it there (in bold where it is defined), or name another chapter")
        taught.append(replace(term, taught=chapter.url + (f"#{section}" if section else ""),
                              chapter_title=f"Chapter {chapter.order}: {chapter.title}"))
    glossary = Glossary(taught)
    linked = []
    for n, chapter in enumerate(chapters):
        earlier = [t for t in glossary.terms if t.link and t.chapter in by_file and by_file[t.chapter][0] < n]
        if not earlier:
            linked.append(chapter)
            continue
        linker = TermLinker(earlier, glossary.terms)
        parts = [linker.run(p) if isinstance(p, Markup) else p for p in chapter.parts]
        linked.append(replace(chapter, parts=parts, terms=tuple(t for t in earlier if t.id in linker.used)))
    return linked, glossary, problems.problems


def teaching_section(chapter, term):
    """The id of the section where term is first in bold (else first used), '' before any
    heading, None when the chapter never uses it."""
    html = " ".join(str(p) if isinstance(p, Markup) else p.text() for p in chapter.parts)
    words = pattern(term.forms)
    bold = re.search(r"<strong>(" + words.pattern + r")</strong>", html, re.I)
    found = bold or next((m for m in words.finditer(re.sub(r"<[^>]+>", lambda t: " " * len(t.group()), html))), None)
    if not found:
        return None
    headings = list(re.finditer(r'<h[23] id="([^"]+)"', html[:found.start()]))
    return headings[-1].group(1) if headings else ""


class TermLinker(HTMLParser):
    """Rewrites chapter HTML, linking the first use of each term on the page (outside SKIP)."""

    def __init__(self, terms, every):
        """Link terms; match every term, so that a longer one this chapter defines ('latent
        dynamics model') is not taken for an earlier, shorter one ('dynamics model')."""
        super().__init__(convert_charrefs=False)
        self.forms = {f.casefold(): t for t in every for f in t.forms}
        self.words = pattern(self.forms)
        self.linkable = {t.id for t in terms}
        self.used = set()

    def run(self, html):
        self.out, self.stack = [], []
        self.feed(str(html))
        self.close()
        return Markup("".join(self.out))

    def handle_starttag(self, tag, attrs):
        self.out.append(self.get_starttag_text())
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if any(tag in SKIP for tag in self.stack):
            self.out.append(data)
            return
        self.out.append(self.words.sub(self.link, data))

    def link(self, match):
        term = self.forms[markup_text(match.group(0)).casefold()]
        if term.id in self.used or term.id not in self.linkable:
            return match.group(0)
        self.used.add(term.id)
        return (f'<a class="term" href="glossary.html#{term.id}" aria-describedby="card-{term.id}">'
                f"{match.group(0)}</a>")

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")

    def handle_comment(self, data):
        self.out.append(f"<!--{data}-->")


def markup_text(html):
    """The text an escaped form stands for ('Q&amp;A' -> 'Q&A')."""
    return Markup(html).unescape()
