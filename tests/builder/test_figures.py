"""Figure blocks: an author's SVG is checked in one place (builder/svg.py), with problems at the
SVG's file:line, and inlined accessibly; the computed figures are what tools/figures.py writes."""

import importlib.util
import re

import pytest

from builder import course, site, svg
from builder.errors import BuildError
from conftest import ROOT, make_course

FRONT = "---\ntitle: T\ndescription: D.\norder: 1\n---\n## Section\n\n"
GOOD = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 80" font-size="14">
  <title>Tiny</title>
  <desc>A box.</desc>
  <defs><marker id="tip"><path d="M0 0L10 5L0 10z" class="fill-ink"/></marker></defs>
  <rect class="box" x="1" y="1" width="20" height="20"/>
  <line x1="0" y1="0" x2="9" y2="9" marker-end="url(#tip)" class="stroke-real"/>
  <text x="4" y="40">ok</text>
</svg>
"""
FIGURE = "::: figure tiny\ncaption: A box.\n:::\n"


@pytest.fixture
def course_dir(tmp_path):
    return tmp_path


@pytest.fixture(autouse=True)
def no_runtime(monkeypatch):
    monkeypatch.setattr("builder.runtime.pyodide.install", lambda out: (out / "pyodide").mkdir())


def problems(course_dir, drawing, chapter=FIGURE):
    """course_dir is a folder here: each call makes a course of its own in it."""
    root = make_course(course_dir / f"course-{len(list(course_dir.iterdir()))}",
                       {"01-one.md": FRONT + chapter, "figures/tiny.svg": drawing})
    with pytest.raises(BuildError) as caught:
        course.gather(root)
    return [(p.path, p.line, p.message) for p in caught.value.problems], str(caught.value)


def test_a_good_figure_builds(tmp_path):
    root = make_course(tmp_path / "course", {"01-one.md": FRONT + FIGURE + "\n" + FIGURE, "figures/tiny.svg": GOOD})
    site.build(root, tmp_path / "out")
    page = (tmp_path / "out" / "one.html").read_text()
    # twice on a page, each keeps its own ids and name
    assert page.count('role="img"') == 2
    assert 'aria-labelledby="figure-1-title figure-1-desc"' in page
    assert 'id="figure-2-tip"' in page and 'marker-end="url(#figure-2-tip)"' in page


BAD = {
    "script": ('<script>alert(1)</script>', "an SVG figure may not contain script: a figure is drawn, never run"),
    "event": ('<rect onclick="alert(1)" width="1" height="1"/>',
              "an SVG figure may not have event attributes such as 'onclick': a figure is drawn, never run"),
    "link": ('<a href="https://example.org"><text x="1" y="20">x</text></a>', "an SVG figure may not contain links: put links in the chapter text"),
    "href": ('<path d="M0 0" href="#x"/>', "an SVG figure may not have links or external references ('href')"),
    "xlink": ('<path xmlns:xlink="http://www.w3.org/1999/xlink" d="M0 0" xlink:href="https://example.org/a.svg"/>',
              "an SVG figure may not have links or external references ('xlink:href')"),
    "foreign": ('<foreignObject width="9" height="9"></foreignObject>',
                "an SVG figure may not contain foreignObject: it embeds HTML; draw with SVG shapes and text"),
    "image": ('<image width="9" height="9"/>', "an SVG figure may not contain images: they are external references; draw the picture in SVG"),
    "style": ('<rect style="fill:red" width="1" height="1"/>',
              "an SVG figure may not have style attributes: use the figure classes (builder/svg.py CLASSES)"),
    "external marker": ('<line x1="0" y1="0" x2="1" y2="1" marker-end="url(https://example.org/m.svg#a)"/>',
                        "'marker-end' may refer only to a marker in this file, as url(#id)"),
    "unknown marker": ('<line x1="0" y1="0" x2="1" y2="1" marker-end="url(#tipp)"/>',
                       "'marker-end' refers to '#tipp', which this file does not define (did you mean 'tip'?)"),
    "colour": ('<rect fill="#f00" width="1" height="1"/>',
               "'fill' may be only none or currentColor, not '#f00': give colours with a class such as 'fill-real', so the figure follows the theme"),
    "class": ('<rect class="stroke-rael" width="1" height="1"/>',
              "unknown figure class 'stroke-rael' (did you mean 'stroke-real'?): colours come from the classes course.css defines"),
    "element": ('<circel r="1"/>', "unknown SVG element <circel> (did you mean 'circle'?): a figure may use "
                + ", ".join(sorted(svg.ELEMENTS))),
    "tiny text": ('<text x="1" y="20" font-size="6">tiny</text>',
                  "font-size 6 is 9.6 px on a 360 px screen; at least 6.9 keeps it legible there (or narrow the viewBox)"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_unsafe_or_unthemed_svg_is_refused_at_its_line(case, course_dir):
    element, message = BAD[case]
    drawing = GOOD.replace("  <text x=\"4\"", f"  {element}\n  <text x=\"4\"")
    found, text = problems(course_dir, drawing)
    assert ("chapters/figures/tiny.svg", 7, message) in found, text
    assert f"chapters/figures/tiny.svg:7: {message}\n    7 |   {element}" in text


@pytest.mark.parametrize("declaration", ['<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
                                         '<!DOCTYPE svg [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'])
def test_entities_are_refused_before_they_expand(declaration, course_dir):
    found, text = problems(course_dir, declaration + "\n" + GOOD)
    assert ("chapters/figures/tiny.svg", 1, "an SVG figure may not contain a DOCTYPE") in found, text
    assert "root:" not in text


def test_a_figure_needs_a_title_and_a_description(course_dir):
    found, _ = problems(course_dir, GOOD.replace("  <title>Tiny</title>\n", "").replace("<desc>A box.</desc>", "<desc> </desc>"))
    assert ("chapters/figures/tiny.svg", 1, "the <svg> must begin with <title> and <desc>: give it a short title "
            "in <title>, read by screen readers") in found
    assert ("chapters/figures/tiny.svg", 1, "the <svg> must begin with <title> and <desc>: give it a description "
            "of what it shows in <desc>, read by screen readers") in found


def test_broken_xml_and_a_missing_viewbox_are_reported(course_dir):
    found, _ = problems(course_dir, GOOD.replace("<rect class", "<rect <class"))
    assert [f for f in found if f[0].endswith("tiny.svg")] == [
        ("chapters/figures/tiny.svg", 5, "not well-formed SVG: not well-formed (invalid token)")]
    found, _ = problems(course_dir, GOOD.replace(' viewBox="0 0 200 80"', ""))
    assert ("chapters/figures/tiny.svg", 1, "the <svg> needs a viewBox, such as viewBox=\"0 0 480 240\", "
            "so it scales to the page") in found


def test_the_block_reports_an_unknown_figure_and_a_missing_caption_at_the_chapter_line(course_dir):
    found, _ = problems(course_dir, GOOD, "::: figure tinny\n:::\n")
    assert ("chapters/01-one.md", 8, "no figure chapters/figures/tinny.svg (did you mean 'tiny'?)") in found
    assert ("chapters/01-one.md", 8, "the figure has no caption: add a line 'caption: ...' saying what to see in it") in found
    found, _ = problems(course_dir, GOOD, "::: figure ../secret\ncaption: x\n:::\n")
    assert found[0][:2] == ("chapters/01-one.md", 8) and "lowercase words" in found[0][2]


def test_every_figure_class_is_styled_by_the_stylesheet():
    css = (ROOT / "static" / "css" / "course.css").read_text()
    for name in svg.CLASSES:
        assert re.search(rf"\.figure-svg \.{re.escape(name)}[ ,{{]", css), name


def test_every_chapter_has_a_figure():
    for chapter in course.gather(ROOT).chapters:
        assert chapter.blocks("figure"), chapter.source


# --- The computed figures ----------------------------------------------------------------------

def generator():
    spec = importlib.util.spec_from_file_location("figures", ROOT / "tools" / "figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_computed_figures_are_what_the_generator_writes():
    figures = generator()
    for name, make in figures.FILES.items():
        committed = (ROOT / "chapters" / "figures" / name).read_text(encoding="utf-8")
        assert committed == make(), f"{name} is stale: run tools/figures.py"


def test_the_cem_figure_shows_what_its_caption_says():
    """It moves to the higher hill and narrows: each spread smaller than the last, ending at the best plan."""
    figures = generator()
    rounds = figures.cem_run(**figures.CEM)
    spreads = [std for _, std, _, _ in rounds]
    assert all(b < a for a, b in zip(spreads, spreads[1:])), spreads
    final = rounds[-1][2][rounds[-1][3]].mean()
    assert abs(final - figures.BEST) < 0.1
    grid = __import__("numpy").linspace(figures.LOW, figures.HIGH, 2001)
    assert abs(grid[figures.objective(grid).argmax()] - figures.BEST) < 0.01


def test_the_compounding_figure_matches_the_chapters_numbers():
    """Open Problems says L = 1.1 gives about 164ε after thirty steps, and L = 1 gives Hε."""
    figures = generator()
    assert round(figures.error_after(30, 1.1)) == 164
    assert figures.error_after(30, 1.0) == 30
    assert abs(figures.error_after(30, 1.05) - (1.05 ** 30 - 1) / 0.05) < 1e-9
