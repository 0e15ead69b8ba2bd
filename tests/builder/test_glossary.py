"""chapters/glossary.toml: checked strictly with file:line; builds glossary.html; links a term's
first use in each later chapter, outside headings, code, math, links and bold, with its card."""

import re

import pytest

from builder import course, glossary, site
from builder.errors import BuildError
from conftest import ROOT, make_course

ONE = """---
title: One
description: D.
order: 1
---
## Rolling out

A **rollout** chains predictions. Each **state** follows the last.
"""
TWO = """---
title: Two
description: D.
order: 2
---
## A rollout heading

The `rollout` in code, $rollout$ in math, and a [rollout](01-one.md) link are left alone.
Then a rollout in a sentence, and another rollout after it. A **state rollout** in bold is left too.
The state we return to.
"""
TOML = '''# terms
[[term]]
term = "rollout"
definition = "A chain of predictions."
chapter = "01-one.md"
aliases = ["rollouts"]

[[term]]
term = "state"
definition = "The situation now."
chapter = "01-one.md"
link = false
'''


@pytest.fixture(autouse=True)
def no_runtime(monkeypatch):
    monkeypatch.setattr("builder.runtime.pyodide.install", lambda out: (out / "pyodide").mkdir())


def build(tmp_path, toml=TOML, one=ONE):
    root = make_course(tmp_path / f"course-{len(list(tmp_path.iterdir()))}",
                       {"01-one.md": one, "02-two.md": TWO, "glossary.toml": toml})
    return root


def problems(tmp_path, toml, one=ONE):
    with pytest.raises(BuildError) as caught:
        course.gather(build(tmp_path, toml, one))
    return [(p.path, p.line, p.message) for p in caught.value.problems], str(caught.value)


def test_the_glossary_page_and_the_links(tmp_path):
    out = tmp_path / "out"
    site.build(build(tmp_path), out)
    page = (out / "glossary.html").read_text()
    assert '<dfn id="term-rollout">rollout</dfn>' in page
    assert '<a href="one.html#rolling-out">Taught in Chapter 1: One</a>' in page
    two = (out / "two.html").read_text()
    body = two.split('<div class="chapter-body">')[1].split('<div class="term-cards">')[0]
    links = re.findall(r'<a class="term" href="glossary.html#(term-[\w-]+)" aria-describedby="card-\1">([^<]+)</a>', body)
    assert links == [("term-rollout", "rollout")]  # once, in the sentence; never 'state' (link = false)
    assert "Then a <a class=\"term\"" in body and "<code>rollout</code>" in body
    assert '<p class="term-card" id="card-term-rollout" role="tooltip" hidden><strong>rollout</strong>: A chain of predictions.</p>' in two
    one = (out / "one.html").read_text()
    assert 'class="term"' not in one and "term-card" not in one  # the defining chapter is not linked
    assert '<a href="glossary.html">Glossary</a>' in one


def test_a_course_without_a_glossary_has_no_glossary_page(tmp_path):
    root = make_course(tmp_path / "course", {"01-one.md": ONE, "02-two.md": TWO})
    site.build(root, tmp_path / "out")
    assert not (tmp_path / "out" / "glossary.html").exists()
    two = (tmp_path / "out" / "two.html").read_text()
    assert "glossary.html" not in two and 'class="term"' not in two


CASES = {
    "unknown key": (TOML.replace('aliases = ["rollouts"]', 'alias = ["rollouts"]'), 6,
                    "unknown key 'alias' (did you mean 'aliases'?); a term has term, definition, chapter, aliases, link"),
    "unknown chapter": (TOML.replace('chapter = "01-one.md"\naliases', 'chapter = "01-onne.md"\naliases'), 5,
                        "unknown chapter '01-onne.md' (did you mean '01-one.md'?): give the chapter's file name, such as '03-dreamer.md'"),
    "missing definition": (TOML.replace('definition = "A chain of predictions."\n', ""), 2, "this term has no 'definition'"),
    "empty term": (TOML.replace('term = "rollout"', 'term = " "'), 3, "'term' must be a non-empty string (in quotes)"),
    "bad aliases": (TOML.replace('["rollouts"]', '"rollouts"'), 6,
                    "'aliases' must be a list of strings, such as [\"rollouts\"], not a string"),
    "bad link": (TOML.replace("link = false", 'link = "no"'), 12, "'link' must be true or false, not a string"),
    "twice": (TOML.replace('term = "state"', 'term = "Rollouts"'), 9, "'Rollouts' is already in the glossary, at line 3"),
    "long": (TOML.replace("A chain of predictions.", "x" * 201), 4,
             "the definition is 201 characters: keep it under 200, a card's worth; the chapter says the rest"),
    "not used": (TOML.replace('term = "state"', 'term = "horizon"'), 9,
                 "'horizon' does not appear in chapters/01-one.md, the chapter said to define it: use it there "
                 "(in bold where it is defined), or name another chapter"),
    "not toml": (TOML.replace('chapter = "01-one.md"\nlink', 'chapter = 01-one.md\nlink'), 11, None),
    "table": (TOML + "\n[terms]\nx = 1\n", 14, "unknown table 'terms' (did you mean 'term'?): each entry starts with [[term]]"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_broken_glossary_is_reported_at_its_line(tmp_path, case):
    toml, line, message = CASES[case]
    found, text = problems(tmp_path, toml)
    if message is None:
        assert found[0][:2] == ("chapters/glossary.toml", line) and found[0][2].startswith("not valid TOML"), text
    else:
        assert ("chapters/glossary.toml", line, message) in found, text
        assert f"chapters/glossary.toml:{line}: {message}\n    {line} | " in text


def test_the_courses_glossary():
    """At least 30 terms, each defined in bold (or as a heading) in the chapter it names, each
    linked from at least one later chapter, or marked as too common to link."""
    real = course.gather(ROOT)
    terms = real.glossary.terms
    assert len(terms) >= 30
    by_file = {c.source.removeprefix("chapters/"): c for c in real.chapters}
    linked = {t.id for c in real.chapters for t in c.terms}
    for term in terms:
        html = " ".join(p.text() if hasattr(p, "kind") else str(p) for p in by_file[term.chapter].parts)
        words = glossary.pattern(term.forms).pattern
        assert re.search(rf"<(strong|h[23])[^>]*>[^<]*?{words}", html, re.I), f"{term.term} is not in bold in {term.chapter}"
        assert term.taught.startswith(by_file[term.chapter].url)
    unlinked = {t.term for t in terms if t.link and t.id not in linked}
    assert len(unlinked) < len(terms) / 2, unlinked  # most terms come back in later chapters
