"""The one check of an author's SVG figure: read it strictly, keep only what is known to be
inert, and write it back out for the page.

A figure is drawn, never run: only the shapes and text below are allowed; no script, no event
attributes, no links or external references, no foreignObject, no style (the page's policy
would refuse it anyway). Colours come from the classes in CLASSES, which course.css defines
with the shared palette, so a figure follows the theme and prints on white. Problems name the
SVG file and line.
"""

import re
import xml.parsers.expat
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from .errors import Collector, did_you_mean

ELEMENTS = frozenset("svg g defs marker title desc path rect circle ellipse line polyline polygon text tspan".split())
# Shapes, positions and typography; colours only as none or currentColor (CLASSES carry the rest).
ATTRIBUTES = frozenset(
    "id class viewBox width height x y x1 y1 x2 y2 cx cy r rx ry d points transform dx dy "
    "text-anchor dominant-baseline font-size font-weight font-style "
    "stroke-width stroke-dasharray stroke-linecap stroke-linejoin fill stroke opacity fill-opacity "
    "marker-start marker-end markerWidth markerHeight refX refY orient markerUnits".split())
REFUSED = {  # element: why, in words an author can act on
    "script": "script: a figure is drawn, never run",
    "foreignObject": "foreignObject: it embeds HTML; draw with SVG shapes and text",
    "style": "a <style> element: use the figure classes (see builder/svg.py CLASSES)",
    "a": "links: put links in the chapter text",
    "image": "images: they are external references; draw the picture in SVG",
    "use": "<use>: it is a reference; draw the shape where it goes",
}
# The figure vocabulary course.css styles: a role of the sims' palette, as a stroke, a fill or a
# faint tint; ink and muted for text and lines; box for a node's background.
ROLES = ("real", "imagined", "reward", "samples", "uncertainty", "ink", "muted")
CLASSES = frozenset(["box", "label", "small", "strong", "note"]
                    + [f"{kind}-{role}" for kind in ("stroke", "fill", "tint") for role in ROLES])
COLOURS = ("none", "currentColor")
URL = re.compile(r"url\(\s*#([\w-]+)\s*\)")
NUMBER = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(px)?\s*$")
# Text must stay legible on the narrowest screen: a figure is drawn this wide on a 360 px phone,
# and its smallest text at least MIN_TEXT_PX there.
NARROW_PX = 320
MIN_TEXT_PX = 11


@dataclass
class Node:
    tag: str
    attrs: dict
    line: int
    children: list = field(default_factory=list)  # Node or str


def read(text, path):
    """(root Node or None, problems) for the SVG source text of the file shown as path."""
    problems = Collector(path, text.splitlines())
    root = parse(text, problems)
    if root is not None:
        check(root, problems)
    return (None if problems.problems else root), problems.problems


def parse(text, problems):
    parser = xml.parsers.expat.ParserCreate()
    stack, root = [], []

    def refuse(what):
        problems.add(parser.CurrentLineNumber, f"an SVG figure may not contain {what}")

    def start(tag, attrs):
        node = Node(tag, attrs, parser.CurrentLineNumber)
        (stack[-1].children if stack else root).append(node)
        stack.append(node)

    def end(tag):
        stack.pop()

    def data(chunk):
        if stack:
            stack[-1].children.append(chunk)

    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, data
    # Declarations can define entities (a billion laughs, or a file read); nothing needs them.
    parser.StartDoctypeDeclHandler = lambda *args: refuse("a DOCTYPE")
    parser.EntityDeclHandler = lambda *args: refuse("entity declarations")
    parser.ProcessingInstructionHandler = lambda *args: refuse("processing instructions")
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(text, True)
    except xml.parsers.expat.ExpatError as error:
        problems.add(error.lineno, f"not well-formed SVG: {xml.parsers.expat.ErrorString(error.code)}")
        return None
    if problems.problems:
        return None
    if root[0].tag != "svg":
        problems.add(root[0].line, f"the file's outer element must be <svg>, not <{root[0].tag}>")
        return None
    return root[0]


def check(root, problems):
    ids = {node.attrs["id"] for node in walk(root) if "id" in node.attrs}
    for node in walk(root):
        tag = node.tag.rpartition(":")[2]
        if tag in REFUSED or node.tag in REFUSED:
            problems.add(node.line, f"an SVG figure may not contain {REFUSED.get(tag) or REFUSED[node.tag]}")
            continue
        if node.tag not in ELEMENTS:
            problems.add(node.line, f"unknown SVG element <{node.tag}>{did_you_mean(node.tag, ELEMENTS)}: "
                                    f"a figure may use {', '.join(sorted(ELEMENTS))}")
        for name, value in node.attrs.items():
            check_attribute(node, name, value, ids, problems)
    if "viewBox" not in root.attrs:
        problems.add(root.line, "the <svg> needs a viewBox, such as viewBox=\"0 0 480 240\", so it scales to the page")
    else:
        check_text_size(root, problems)
    first = [c for c in root.children if isinstance(c, Node)][:2]
    for n, (tag, what) in enumerate((("title", "a short title"), ("desc", "a description of what it shows"))):
        if len(first) <= n or first[n].tag != tag or not text_of(first[n]).strip():
            problems.add(root.line, f"the <svg> must begin with <title> and <desc>: give it {what} in "
                                    f"<{tag}>, read by screen readers")


def check_attribute(node, name, value, ids, problems):
    local = name.rpartition(":")[2]
    if local.lower().startswith("on"):
        problems.add(node.line, f"an SVG figure may not have event attributes such as '{name}': a figure is drawn, never run")
    elif local == "href":
        problems.add(node.line, f"an SVG figure may not have links or external references ('{name}')")
    elif name.startswith("xmlns"):
        if name == "xmlns" and value != "http://www.w3.org/2000/svg":
            problems.add(node.line, f"the SVG namespace must be http://www.w3.org/2000/svg, not '{value}'")
    elif name == "style":
        problems.add(node.line, "an SVG figure may not have style attributes: use the figure classes (builder/svg.py CLASSES)")
    elif name not in ATTRIBUTES:
        problems.add(node.line, f"unknown SVG attribute '{name}'{did_you_mean(name, ATTRIBUTES)}")
    elif name == "class":
        for cls in value.split():
            if cls not in CLASSES:
                problems.add(node.line, f"unknown figure class '{cls}'{did_you_mean(cls, CLASSES)}: "
                                        "colours come from the classes course.css defines")
    elif name in ("fill", "stroke") and value not in COLOURS:
        problems.add(node.line, f"'{name}' may be only none or currentColor, not '{value}': give colours "
                                f"with a class such as '{name}-real', so the figure follows the theme")
    elif "url(" in value or name.startswith("marker-"):
        target = URL.fullmatch(value.strip())
        if not target:
            problems.add(node.line, f"'{name}' may refer only to a marker in this file, as url(#id)")
        elif target.group(1) not in ids:
            problems.add(node.line, f"'{name}' refers to '#{target.group(1)}', which this file does not define"
                                    f"{did_you_mean(target.group(1), ids)}")
    elif re.search(r"[<>\"'&]|\w+:", value) and name != "transform":
        problems.add(node.line, f"the value of '{name}' may not contain markup or a URL scheme")


def check_text_size(root, problems):
    """Every text's font size, drawn NARROW_PX wide, is at least MIN_TEXT_PX."""
    parts = root.attrs["viewBox"].replace(",", " ").split()
    try:
        width = float(parts[2])
    except (IndexError, ValueError):
        problems.add(root.line, "the viewBox must be four numbers: min-x min-y width height")
        return
    smallest = MIN_TEXT_PX * width / NARROW_PX

    def visit(node, size):
        if "font-size" in node.attrs:
            found = NUMBER.match(node.attrs["font-size"])
            if not found:
                problems.add(node.line, "font-size must be a number of user units, such as 16")
                return
            size = float(found.group(1))
        if node.tag in ("text", "tspan"):
            if size is None:
                problems.add(node.line, "give the text a font-size (or the <svg> one for all its text)")
            elif size < smallest - 1e-9:
                problems.add(node.line, f"font-size {size:g} is {size * NARROW_PX / width:.1f} px on a 360 px "
                                        f"screen; at least {smallest:.1f} keeps it legible there (or narrow the viewBox)")
        for child in node.children:
            if isinstance(child, Node):
                visit(child, size)

    visit(root, None)


def walk(node):
    yield node
    for child in node.children:
        if isinstance(child, Node):
            yield from walk(child)


def text_of(node):
    return "".join(c if isinstance(c, str) else text_of(c) for c in node.children)


def title_and_description(root):
    nodes = [c for c in root.children if isinstance(c, Node)]
    return " ".join(text_of(nodes[0]).split()), " ".join(text_of(nodes[1]).split())


def to_html(root, prefix):
    """The checked SVG as inline HTML: ids prefixed so two figures on a page never clash, named
    by its title and described by its desc."""
    def ident(name):
        return f"{prefix}-{name}"

    def serialize(node, out):
        attrs = {k: v for k, v in node.attrs.items() if not k.startswith("xmlns")}
        if "id" in attrs:
            attrs["id"] = ident(attrs["id"])
        for name, value in attrs.items():
            attrs[name] = URL.sub(lambda m: f"url(#{ident(m.group(1))})", value)
        nodes = [c for c in node.children if isinstance(c, Node)]
        if node is root:
            nodes[0].attrs["id"], nodes[1].attrs["id"] = "title", "desc"
            attrs.update({"role": "img", "aria-labelledby": f"{ident('title')} {ident('desc')}",
                          "class": " ".join(["figure-svg", attrs.get("class", "")]).strip()})
        out.append(f"<{node.tag}" + "".join(f' {k}="{escape(v)}"' for k, v in attrs.items()) + ">")
        keep_text = node.tag in ("text", "tspan", "title", "desc")
        for child in node.children:
            if isinstance(child, Node):
                serialize(child, out)
            elif keep_text:
                out.append(str(escape(child)))
        out.append(f"</{node.tag}>")

    out = []
    serialize(root, out)
    return Markup("".join(out))
