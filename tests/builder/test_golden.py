"""Golden Markdown -> HTML cases, one per block type: tests/builder/golden/NAME.md renders to NAME.html.

A figure block's drawings are golden/figures/NAME.svg, given to every case as chapters/figures/.
Set UPDATE_GOLDENS=1 to rewrite the .html files after a deliberate change, then review the diff.
"""

import os
import re
from pathlib import Path

import pytest

from builder import site

GOLDEN = Path(__file__).parent / "golden"
FRONT = "---\ntitle: {title}\ndescription: A golden case.\norder: {order}\n---\n"
TARGET = FRONT.format(title="Two", order=9) + "## Goal\n\nThe goal.\n"


def chapter_body(html):
    return re.search(r'<div class="chapter-body">\s*(.*?)\s*</div>\s*<nav class="pager"', html, re.S).group(1)


@pytest.mark.parametrize("case", sorted(p.stem for p in GOLDEN.glob("*.md")))
def test_golden(case, course_dir, tmp_path, monkeypatch):
    monkeypatch.setattr("builder.runtime.pyodide.install", lambda out: (out / "pyodide").mkdir())
    source = FRONT.format(title=case, order=1) + (GOLDEN / f"{case}.md").read_text(encoding="utf-8")
    figures = {f"figures/{p.name}": p.read_text(encoding="utf-8") for p in (GOLDEN / "figures").glob("*.svg")}
    root = course_dir({"01-one.md": source, "02-two.md": TARGET, **figures})
    site.build(root, tmp_path / "out")
    actual = chapter_body((tmp_path / "out" / "one.html").read_text(encoding="utf-8"))
    expected_file = GOLDEN / f"{case}.html"
    if os.environ.get("UPDATE_GOLDENS"):
        expected_file.write_text(actual + "\n", encoding="utf-8")
    assert actual + "\n" == expected_file.read_text(encoding="utf-8")


def test_hostile_content_is_inert(course_dir, tmp_path, monkeypatch):
    """Author HTML and template syntax come out as literal text, never as markup or values."""
    monkeypatch.setattr("builder.runtime.pyodide.install", lambda out: (out / "pyodide").mkdir())
    source = FRONT.format(title="H", order=1) + (GOLDEN / "hostile.md").read_text(encoding="utf-8")
    site.build(course_dir({"01-one.md": source}), tmp_path / "out")
    body = chapter_body((tmp_path / "out" / "one.html").read_text(encoding="utf-8"))
    body = re.sub(r'<script type="application/json" class="quiz-answer">[^<]*</script>', "", body)
    assert "<script" not in body and "<img" not in body and "<b " not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "{{ 7*7 }}" in body and "49" not in body
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in body
