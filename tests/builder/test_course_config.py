"""course.toml: the title, landing text, footer, chapter list and edit links of a course."""

import json
import re
from dataclasses import replace

import pytest

from builder import config as course_config
from builder import course, site
from builder.errors import BuildError
from conftest import ROOT

FRONT = "---\ntitle: {title}\ndescription: The {title} chapter.\norder: {order}\n---\n\n## Start\n\n{body}\n"
CHAPTERS = {
    "01-alpha.md": FRONT.format(title="Alpha", order=1, body="Then read [Gamma](03-gamma.md#start)."),
    "02-beta.md": FRONT.format(title="Beta", order=2, body="Beta text."),
    "03-gamma.md": FRONT.format(title="Gamma", order=3, body="Gamma text."),
    "04-delta.md": FRONT.format(title="Delta", order=4, body="Delta text."),
}
EDITED = '''title = "World Models for Robots"
kicker = "Spring term"
tagline = "Four weeks of world models."
prerequisites = "some *Python*."
intro = """
Welcome. Start with [Gamma](03-gamma.md), then come back.

We meet on Tuesdays.
"""
note = "Read **Gamma** before Monday."
footer = "© 2026 A. Teacher, [CC BY 4.0](https://creativecommons.org/licenses/by/4.0/)"
chapters = ["gamma", "alpha", "beta"]
url = "https://teacher.example.org/course/"
repository = "https://github.com/teacher/course/"
branch = "spring"
'''
# What the course showed before course.toml existed, written out here on purpose.
TODAY = {
    "title": "<title>Understand World Models</title>",
    "kicker": '<p class="hero-kicker">The Complete Beginner\'s Path</p>',
    "tagline": '<p class="hero-promise">How AI learns an internal simulator of the world: predicting '
               'what happens next, imagining consequences, and planning without trial and error.</p>',
    "prerequisites": '<p class="hero-prereq"><strong>Prerequisites:</strong> basic neural-network '
                     "intuition and an interest in how agents plan. That's it.</p>",
    "footer": "<p>Understand World Models: a beginner's path through world models, with "
              "simulations that run in your browser.</p>",
}


@pytest.fixture(autouse=True)
def no_runtime(monkeypatch):
    monkeypatch.setattr("builder.runtime.pyodide.install", lambda out: (out / "pyodide").mkdir())


def make(course_dir, toml=None, chapters=CHAPTERS):
    root = course_dir(chapters)
    if toml is not None:
        (root / "course.toml").write_text(toml, encoding="utf-8")
    return root


def build(course_dir, tmp_path, toml=None, chapters=CHAPTERS):
    root, out = make(course_dir, toml, chapters), tmp_path / "out"
    site.build(root, out)
    return root, out, lambda name: (out / name).read_text(encoding="utf-8")


def problems(course_dir, toml, chapters=CHAPTERS):
    with pytest.raises(BuildError) as caught:
        course.gather(make(course_dir, toml, chapters))
    return str(caught.value)


def menu(html):
    return re.findall(r'<li><a href="[^"]+" data-chapter="([^"]+)"[^>]*><span class="chapter-number">(\d+)</span>', html)


def pager(html):
    nav = re.search(r'<nav class="pager".*?</nav>', html, re.S).group(0)
    return re.findall(r'rel="(prev|next)" href="([^"]+)"', nav)


def test_edited_course_toml_shapes_the_landing_page(course_dir, tmp_path):
    root, out, page = build(course_dir, tmp_path, EDITED)
    index = page("index.html")
    assert "<title>World Models for Robots</title>" in index
    assert '<a class="site-title" href="index.html">World Models for Robots</a>' in index
    assert '<h1 id="hero-title">World Models for Robots</h1>' in index
    assert '<p class="hero-kicker">Spring term</p>' in index
    assert '<p class="hero-promise">Four weeks of world models.</p>' in index
    assert '<meta name="description" content="Four weeks of world models.">' in index
    assert "<strong>Prerequisites:</strong> some <em>Python</em>.</p>" in index
    intro = re.search(r'<section class="landing-intro".*?</section>', index, re.S).group(0)
    assert '<p>Welcome. Start with <a href="gamma.html">Gamma</a>, then come back.</p>' in intro
    assert "<p>We meet on Tuesdays.</p>" in intro
    note = re.search(r'<aside class="callout class-note".*?</aside>', index, re.S).group(0)
    assert "<p>Read <strong>Gamma</strong> before Monday.</p>" in note
    assert ('<footer class="site-footer">\n  <p>© 2026 A. Teacher, <a href="https://creativecommons.org/'
            'licenses/by/4.0/" rel="noopener">CC BY 4.0</a></p>') in index
    assert "Understand World Models" not in index
    cards = re.findall(r'data-chapter="(\w+)">\s*<a href="\w+\.html"><span class="chapter-number">Chapter (\d+)', index)
    assert cards == [("gamma", "1"), ("alpha", "2"), ("beta", "3")]
    assert "Start with Chapter 1: Gamma</a>" in index
    assert menu(index) == [("gamma", "1"), ("alpha", "2"), ("beta", "3")]


def test_edited_course_toml_orders_the_chapters_and_links_to_the_editor(course_dir, tmp_path):
    root, out, page = build(course_dir, tmp_path, EDITED)
    assert not (out / "delta.html").exists()
    expected_pager = {"gamma": [("next", "alpha.html")],
                      "alpha": [("prev", "gamma.html"), ("next", "beta.html")],
                      "beta": [("prev", "alpha.html")]}
    for number, (slug, file) in enumerate([("gamma", "03-gamma.md"), ("alpha", "01-alpha.md"), ("beta", "02-beta.md")], 1):
        html = page(f"{slug}.html")
        title = slug.capitalize()
        assert f"<title>{title} · World Models for Robots</title>" in html
        assert f'<p class="chapter-kicker">Chapter {number}</p>' in html
        assert menu(html) == [("gamma", "1"), ("alpha", "2"), ("beta", "3")]
        assert f'data-chapter="{slug}" aria-current="page"' in html
        assert pager(html) == expected_pager[slug]
        edit = f"https://github.com/teacher/course/edit/spring/chapters/{file}"
        assert f'<p class="edit-page"><a href="{edit}" rel="noopener">Edit this page</a></p>' in html
        assert "© 2026 A. Teacher" in html
    index = json.loads(page("search-index.json"))
    assert list(dict.fromkeys(entry["chapter"] for entry in index)) == ["Gamma", "Alpha", "Beta"]
    assert course.gather(root).config.url == "https://teacher.example.org/course/"


def test_without_course_toml_the_course_is_as_before(course_dir, tmp_path):
    root, out, page = build(course_dir, tmp_path)
    index, alpha = page("index.html"), page("alpha.html")
    for html in TODAY.values():
        assert html in index
    assert TODAY["footer"] in alpha
    assert "<title>Alpha · Understand World Models</title>" in alpha
    assert menu(index) == [("alpha", "1"), ("beta", "2"), ("gamma", "3"), ("delta", "4")]
    assert pager(page("beta.html")) == [("prev", "alpha.html"), ("next", "gamma.html")]
    assert "edit-page" not in alpha and "class-note" not in index and "landing-intro" not in index
    assert replace(course.gather(root).config, html={}) == course_config.Config()


def test_shipped_course_toml_says_the_defaults():
    slugs = [p.stem.split("-", 1)[1] for p in (ROOT / "chapters").glob("*.md")]
    config, found = course_config.read(ROOT, slugs)
    assert found == []
    assert config == course_config.Config()
    commented = re.search(r"^# chapters = \[\n((?:#.*\n)+?)# \]", (ROOT / "course.toml").read_text(), re.M)
    assert re.findall(r'"([\w-]+)"', commented.group(1)) == [
        c.slug for c in course.gather(ROOT).chapters], "the commented chapter list is the default order"


@pytest.mark.parametrize("toml, expected", [
    ('title = "A"\nkicker = \nfooter = "x"\n',
     "course.toml:2: not valid TOML: Invalid value\n    2 | kicker ="),
    ('title = "A"\n\ntitel = "B"\n',
     "course.toml:3: unknown key 'titel' (did you mean 'title'?)\n    3 | titel = \"B\""),
    ('tagline = "x"\nfotter = "y"\n', "course.toml:2: unknown key 'fotter' (did you mean 'footer'?)"),
    ('title = 3\n', "course.toml:1: 'title' must be a string (in quotes), not a number\n    1 | title = 3"),
    ('note = ["a"]\n', "course.toml:1: 'note' must be a string (in quotes), not a list"),
    ('title = ""\n', "course.toml:1: 'title' must not be empty"),
    ('chapters = "alpha"\n', "course.toml:1: 'chapters' must be a list of chapter slugs"),
    ('chapters = []\n', "course.toml:1: 'chapters' is empty"),
    ('title = "A"\nchapters = [\n  "alpha",\n  "gama",\n]\n',
     "course.toml:4: unknown chapter 'gama' (did you mean 'gamma'?)\n    4 |   \"gama\","),
    ('chapters = ["03-gamma.md"]\n',
     "course.toml:1: unknown chapter '03-gamma.md' (chapters are named by slug: 'gamma' for 03-gamma.md)"),
    ('chapters = [\n  "alpha",\n  "beta",\n  "alpha",\n]\n', "course.toml:4: chapter 'alpha' is listed twice"),
    ('repository = "github.com/me/course"\n', "course.toml:1: 'repository' must be a web address starting with https://"),
    ('url = "javascript:alert(1)"\n', "course.toml:1: 'url' must be a web address"),
    ('branch = "my branch"\n', "course.toml:1: 'branch' must be a branch name"),
    ('title = "A"\n[repository]\nurl = "https://github.com/me/course"\n',
     "course.toml:2: 'repository' must be a string (in quotes), not a table\n    2 | [repository]"),
    ('footer = "one\\n\\ntwo"\n', "course.toml:1: 'footer' must be one paragraph of text"),
    ('footer = "[x](javascript:alert(1))"\n', "course.toml:1: unsafe link URL 'javascript:alert(1)'"),
    ('intro = "See [Beta](02-beta.md#middle)."\n', "course.toml:1: no anchor '#middle' in chapters/02-beta.md"),
    ('intro = "See [Zeta](05-zeta.md)."\n', "course.toml:1: link to unknown chapter '05-zeta.md'"),
    ('note = "![a map](map.png)"\n', "course.toml:1: 'note' may not show images"),
], ids=["syntax", "unknown-key", "unknown-key-2", "type-number", "type-list", "empty-title",
        "chapters-type", "chapters-empty", "unknown-chapter", "file-name-not-slug", "duplicate-chapter",
        "repository-url", "site-url", "branch", "table", "footer-paragraphs", "unsafe-link",
        "missing-anchor", "unknown-link", "image"])
def test_broken_course_toml_is_reported_at_its_line(course_dir, toml, expected):
    assert expected in problems(course_dir, toml)


def test_every_problem_of_course_toml_is_reported_at_once(course_dir):
    message = problems(course_dir, 'titel = "A"\ntitle = 3\nchapters = ["alpha", "omega"]\n')
    assert "course.toml:1: unknown key 'titel'" in message
    assert "course.toml:2: 'title' must be a string" in message
    assert "course.toml:3: unknown chapter 'omega'" in message


def test_a_link_to_a_chapter_left_out_is_an_error(course_dir):
    root = make(course_dir, 'chapters = ["alpha", "beta"]\n')
    with pytest.raises(BuildError) as caught:
        course.gather(root)
    assert ("chapters/01-alpha.md:9: link to '03-gamma.md', which course.toml leaves out of the "
            "course: add 'gamma' to its 'chapters' list, or remove the link") in str(caught.value)
    (root / "course.toml").write_text('chapters = ["beta"]\nintro = "Start with [Alpha](01-alpha.md)."\n')
    with pytest.raises(BuildError) as caught:
        course.gather(root)
    assert "course.toml:2: link to '01-alpha.md', which course.toml leaves out" in str(caught.value)


def test_a_chapter_left_out_is_not_read(course_dir, tmp_path):
    """A broken chapter that the course leaves out does not stop the build."""
    chapters = {**CHAPTERS, "04-delta.md": "no front matter"}
    root, out, page = build(course_dir, tmp_path, 'chapters = ["gamma", "beta"]\n', chapters)
    assert sorted(p.name for p in out.glob("*.html")) == ["beta.html", "gamma.html", "index.html", "instructors.html", "review.html"]
    assert menu(page("index.html")) == [("gamma", "2"), ("beta", "3")]


def test_toml_error_at_the_end_of_the_file(course_dir):
    message = problems(course_dir, 'title = "A"\nchapters = ["alpha",\n')
    assert re.search(r"course\.toml:[23]: not valid TOML", message)


def test_not_utf8(course_dir):
    root = make(course_dir)
    (root / "course.toml").write_bytes(b'title = "A"\nnote = "\xff"\n')
    with pytest.raises(BuildError, match=r"course\.toml:2: the file is not UTF-8 text"):
        course.gather(root)
