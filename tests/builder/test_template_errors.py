"""A template's mistake fails check and build alike, named by the template's file and line and
the page being rendered, never as a bare traceback."""

import shutil
import subprocess
import sys

import pytest

from builder import site
from builder.errors import BuildError
from conftest import ROOT

CHAPTER = "---\ntitle: One\ndescription: A page for the template tests.\norder: 1\n---\n## Goal\n\nWords.\n"


@pytest.fixture
def course(course_dir):
    return course_dir({"01-one.md": CHAPTER})


def break_template(root, name, old, new):
    path = root / "templates" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[:text.index(old)].count("\n") + 1  # the line of the change


@pytest.mark.parametrize("old, new, message", [
    ("{% block main %}", "{% blok main %}", "TemplateSyntaxError: Encountered unknown tag 'blok'"),
    ("{{ page.title }}", "{{ page.titel }}", "UndefinedError: "),
])
def test_a_template_mistake_names_its_file_line_and_page(course, tmp_path, monkeypatch, old, new, message):
    monkeypatch.setattr("builder.runtime.pyodide.install", lambda out: (out / "pyodide").mkdir())
    line = break_template(course, "chapter.html", old, new)
    with pytest.raises(BuildError) as caught:
        site.build(course, tmp_path / "out")
    text = str(caught.value)
    assert text.startswith(f"templates/chapter.html:{line}: {message}"), text
    if "Undefined" in message:
        assert "(rendering chapters/01-one.md)" in text
    assert new in text  # the offending line is shown


def test_check_renders_every_page_so_a_template_typo_fails_it(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy2(ROOT / "build.py", repo)
    for part in ("builder", "chapters", "sims", "templates", "static"):
        shutil.copytree(ROOT / part, repo / part, ignore=shutil.ignore_patterns("__pycache__"))
    line = break_template(repo, "base.html", "{{ menu(page) }}", "{{ menu(pag) }}")
    checked = subprocess.run([sys.executable, "build.py", "check"], cwd=repo, capture_output=True, text=True, timeout=600)
    assert checked.returncode == 1
    assert f"templates/base.html:{line}: UndefinedError: 'pag' is undefined" in checked.stderr
    assert "Traceback" not in checked.stderr
