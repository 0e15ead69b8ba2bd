"""Markdown to HTML for chapters: no raw HTML, LaTeX to MathML, links checked and rewritten."""

import re
import unicodedata
import xml.etree.ElementTree as etree
from pathlib import Path, PurePosixPath

import markdown
from latex2mathml.converter import convert_to_element
from markdown.extensions import Extension
from markdown.extensions.toc import TocExtension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from .errors import did_you_mean

SAFE_SCHEMES = ("http:", "https:", "mailto:")
# Inline math stops at its first unescaped '$': letting it run on to a later one made finding
# the formulas quadratic in a paragraph's length.
MATH = r"\$\$(.+?)\$\$|(?<![\\$\w])\$(?=\S)((?:\\.|[^\\$])+?)(?<=\S)(?<!\\)\$(?![\w$])"
# MathML's presentation elements and attributes that latex2mathml writes for ordinary math;
# anything else (href, style, class, ...) never reaches a page.
MATHML_ELEMENTS = frozenset(
    "math mrow mi mn mo mtext mspace ms mpadded mphantom mstyle menclose mfrac msqrt mroot "
    "msub msup msubsup munder mover munderover mtable mtr mtd".split())
MATHML_ATTRIBUTES = frozenset(
    "display mathvariant mathsize mathcolor mathbackground displaystyle scriptlevel accent "
    "accentunder stretchy fence separator largeop movablelimits form lspace rspace minsize "
    "maxsize linethickness width height depth voffset notation columnalign columnspacing "
    "columnlines rowspacing rowlines".split())
MATHML_NAMESPACE = "{http://www.w3.org/1998/Math/MathML}"
CHARACTER_REFERENCE = re.compile(r"&amp;(#[0-9]+;|#x[0-9a-fA-F]+;)")


def slugify(text, separator="-"):
    """Heading ids: lowercase words joined by hyphens, punctuation dropped."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[\s_-]+", separator, re.sub(r"[^\w\s-]", "", text).strip().lower())


def _real_accents():
    """Make \\hat, \\tilde and \\bar real accents: latex2mathml draws them with an ASCII caret, an
    ASCII tilde and a stretched macron, which browsers set large and high over the letter (and
    combining marks, U+0302 etc., beside it). The spacing accents sit snugly on the letter."""
    from latex2mathml import commands
    for command, mark in ((commands.HAT, "&#x002C6;"), (commands.TILDE, "&#x002DC;"), (commands.BAR, "&#x000AF;")):
        commands.CONVERSION_MAP[command] = ("mover", {"accent": "true"})
        commands.DIACRITICS[command] = (mark, {"stretchy": "false"})


_real_accents()


def math_html(latex, display, where):
    """Convert LaTeX to MathML, reporting unreadable math to where(message)."""
    try:
        mathml = latex_to_mathml(latex.strip(), display="block" if display else "inline")
        tree = etree.fromstring(mathml)
    except Exception as error:  # latex2mathml raises many types; all mean unreadable math
        detail = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        where(f"cannot read the math '{latex.strip()}' ({detail})")
        return ""
    refused = not_allowed(tree)
    if refused:
        where(f"math may not contain {refused}: '{latex.strip()}'")
        return ""
    return mathml


def latex_to_mathml(latex, display):
    """latex2mathml's MathML with text kept as text. Its own serializer unescapes every '&lt;'
    back into '<', so '\\text{<b>}' became markup; only the character references it writes
    into text itself (such as '&#x0003C;' for '<') are kept as references here."""
    tree = convert_to_element(latex, display=display)
    return CHARACTER_REFERENCE.sub(r"&\1", etree.tostring(tree, encoding="unicode"))


def not_allowed(tree):
    """What in a MathML tree is outside the allow-list, as words for a message, or ''."""
    for el in tree.iter():
        tag = el.tag.removeprefix(MATHML_NAMESPACE)
        if tag not in MATHML_ELEMENTS:
            return f"the element <{tag}>"
        for name in el.attrib:
            if name == "href":
                return "links"
            if name not in MATHML_ATTRIBUTES:
                return f"the attribute '{name}'"
    return ""


class MathPattern(InlineProcessor):
    """$inline$ and $$display$$ math, stored as raw MathML so Markdown leaves it alone."""

    def __init__(self, md, report):
        super().__init__(MATH, md)
        self.report = report

    def handleMatch(self, m, data):
        display = m.group(1) is not None
        latex = m.group(1) if display else m.group(2)
        mathml = math_html(latex, display, lambda message: self.report(latex.strip(), message))
        return self.md.htmlStash.store(mathml), m.start(0), m.end(0)


class LinkChecker(Treeprocessor):
    """Refuse unsafe URLs, require alt text, and rewrite chapter links to their pages."""

    def __init__(self, md, links):
        super().__init__(md)
        self.links = links

    def run(self, root):
        for el in root.iter("a"):
            el.set("href", self.links.resolve(el.get("href", ""), "link"))
            if el.get("href", "").startswith(("http:", "https:")):
                el.set("rel", "noopener")
        for el in root.iter("img"):
            line = self.links.where(el.get("src", ""))
            if not el.get("alt", "").strip():
                self.links.report_at(line, "image without alt text: describe it in ![...]")
            el.set("src", self.links.resolve(el.get("src", ""), "image", line))


class Links:
    """What a chapter links to, for checks that need the whole course."""

    def __init__(self, chapter_files, report_at, where=lambda needle: 1, folder=None):
        self.chapter_files = chapter_files  # "03-dreamer.md" -> "dreamer" (None: left out)
        self.report_at = report_at  # report_at(line, message)
        self.where = where  # where(needle): the line where the parser meets it now
        self.folder = folder  # chapters/, where images must stay
        self.anchors = []  # (line, slug or None for this page, anchor)
        self.images = []  # paths relative to chapters/, published under media/ as they are
        self.image_lines = {}  # path -> the line it is first shown at

    def report(self, needle, message):
        self.report_at(self.where(needle), message)

    def resolve(self, url, what, line=None):
        line = self.where(url) if line is None else line
        scheme = re.match(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*:)", url)
        if scheme and scheme.group(1).lower() not in SAFE_SCHEMES:
            self.report_at(line, f"unsafe {what} URL '{url}': only http, https and mailto are allowed")
            return "#"
        if scheme:
            return url
        target, _, anchor = url.partition("#")
        if what == "image":
            outside = self.outside(target)
            if outside:
                self.report_at(line, outside)
                return "#"
            self.images.append(target)
            self.image_lines.setdefault(target, line)
            return "media/" + target
        if not target:
            self.anchors.append((line, None, anchor))
            return url
        if target not in self.chapter_files:
            hint = did_you_mean(target, self.chapter_files)
            self.report_at(line, f"link to unknown chapter '{target}'{hint}")
            return "#"
        slug = self.chapter_files[target]
        if slug is None:  # in chapters/, but course.toml leaves it out, so it has no page
            slug = re.sub(r"^\d+-", "", PurePosixPath(target).stem)
            self.report_at(line, f"link to '{target}', which course.toml leaves out of the course: "
                                 f"add '{slug}' to its 'chapters' list, or remove the link")
            return "#"
        if anchor:
            self.anchors.append((line, slug, anchor))
        return f"{slug}.html" + (f"#{anchor}" if anchor else "")

    def outside(self, image):
        """Why an image path leads out of chapters/ (it would be published), or ''."""
        path = PurePosixPath(image)
        if path.is_absolute() or ".." in path.parts:
            return (f"image '{image}' is outside chapters/: put the file in chapters/ (or a folder "
                    "in it) and give its path from there")
        folder = self.folder and Path(self.folder).resolve()
        if folder and not (folder / path).resolve().is_relative_to(folder):
            return f"image '{image}' is a link to a file outside chapters/: copy the file into chapters/"
        return ""


class QuoteAttribution(Treeprocessor):
    """A block quote ending in a paragraph '— Name' becomes a figure with that caption."""

    def run(self, root):
        for parent in root.iter():
            for index, child in enumerate(list(parent)):
                last = child[-1] if child.tag == "blockquote" and len(child) > 1 else None
                if last is None or last.tag != "p" or not (last.text or "").startswith("— "):
                    continue
                figure = etree.Element("figure", {"class": "quote"})
                child.remove(last)
                last.tag = "figcaption"
                figure.extend([child, last])
                parent.remove(child)
                parent.insert(index, figure)


class CourseMarkdown(Extension):
    """Safe Markdown: raw HTML shown literally, math, checked links."""

    def __init__(self, links, report_math):
        super().__init__()
        self.links, self.report_math = links, report_math

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.ESCAPED_CHARS.append("$")
        md.inlinePatterns.register(MathPattern(md, self.report_math), "math", 185)
        md.treeprocessors.register(LinkChecker(md, self.links), "links", 1)
        md.treeprocessors.register(QuoteAttribution(md), "quotes", 2)


def markdown_renderer(links, report_math):
    """A Markdown instance for one chapter; call .reset() between documents."""
    return markdown.Markdown(extensions=[
        "tables", "fenced_code", "sane_lists",
        TocExtension(slugify=slugify, toc_depth="2-3", marker=""),
        CourseMarkdown(links, report_math),
    ])
