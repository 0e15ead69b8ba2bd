"""\\hat, \\tilde and \\bar become real MathML accents: the spacing accent characters that math
fonts set on the letter, not an ASCII caret or tilde floating above and beside it."""

import re

import pytest

from builder import site
from builder.markup import math_html
from conftest import ROOT

ACCENTS = {r"\hat": "&#x002C6;", r"\tilde": "&#x002DC;", r"\bar": "&#x000AF;"}


def no_problem(message):
    raise AssertionError(message)


@pytest.mark.parametrize("command", ACCENTS)
def test_an_accent_is_a_non_stretchy_accent_over_its_letter(command):
    mathml = math_html(f"{command}{{s}}_{{t+1}}", False, no_problem)
    over = re.search(r'<mover accent="true">(<mrow>)?<mi>s</mi>(</mrow>)?<mo stretchy="false">([^<]+)</mo></mover>', mathml)
    assert over, mathml
    assert over.group(3) == ACCENTS[command]
    assert "&#x0005E;" not in mathml and "&#x0007E;" not in mathml  # no ASCII ^ or ~


def test_the_unbraced_form_and_display_math_too():
    for latex, display in ((r"\hat s_{t+1} = f(s_t, a_t)", True), (r"\hat z", False)):
        assert '<mo stretchy="false">&#x002C6;</mo></mover>' in math_html(latex, display, no_problem)


def test_chapters_with_hats_render_them_as_accents(tmp_path):
    out = tmp_path / "_site"
    site.build(ROOT, out)
    hats = 0
    for page in out.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<mo>&#x0005E;</mo></mover>" not in html, page.name
        hats += html.count('<mo stretchy="false">&#x002C6;</mo></mover>')
    assert hats > 0  # the course writes \hat (chapter 0 onwards): the check checked something
