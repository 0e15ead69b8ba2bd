"""A new kind of block is one module, one template and one golden pair: nothing else changes,
and the block is rendered, checked and indexed for search."""

import json
import shutil
import subprocess
import sys

from conftest import ROOT

MODULE = '''"""`::: aside Title`: a quiet aside, for this test."""

from dataclasses import dataclass

from markupsafe import Markup

from .base import Block


@dataclass
class Aside(Block):
    kind = "aside"
    title: str = ""
    html: Markup = Markup("")

    @classmethod
    def read(cls, line, args, body, context):
        if not args:
            context.report(line, "an aside needs a title")
        return cls(line, title=args, html=context.render("\\n".join(body)))

    def text(self):
        return f"{self.title} {self.html}"


BLOCK = Aside
'''
TEMPLATE = '<aside class="quiet" id="{{ part.id }}"><p>{{ part.title }}</p>{{ part.html }}</aside>\n'
GOLDEN_MD = "::: aside Zebras\nStripes are *quiet*.\n:::\n"
GOLDEN_HTML = '<aside class="quiet" id="aside-1"><p>Zebras</p><p>Stripes are <em>quiet</em>.</p></aside>\n'
CHAPTER = "---\ntitle: Asides\ndescription: A chapter with an aside.\norder: 1\n---\n## Asides\n\n" + GOLDEN_MD


def test_a_new_block_kind_needs_one_module_one_template_and_one_golden_pair(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    for part in ("build.py", "pyproject.toml"):
        shutil.copy2(ROOT / part, repo)
    for part in ("builder", "sims", "templates", "static", "tests"):
        shutil.copytree(ROOT / part, repo / part, ignore=shutil.ignore_patterns("__pycache__"))
    (repo / "chapters").mkdir()
    (repo / "chapters" / "01-asides.md").write_text(CHAPTER)
    (repo / "builder" / "blocks" / "aside.py").write_text(MODULE)
    (repo / "templates" / "blocks" / "aside.html").write_text(TEMPLATE)
    (repo / "tests" / "builder" / "golden" / "aside.md").write_text(GOLDEN_MD)
    (repo / "tests" / "builder" / "golden" / "aside.html").write_text(GOLDEN_HTML)

    run = lambda *args: subprocess.run([sys.executable, *args], cwd=repo, capture_output=True, text=True, timeout=600)
    built = run("build.py", "build")
    assert built.returncode == 0, built.stderr
    page = (repo / "_site" / "asides.html").read_text()
    assert '<aside class="quiet" id="aside-1"><p>Zebras</p><p>Stripes are <em>quiet</em>.</p></aside>' in page
    index = json.loads((repo / "_site" / "search-index.json").read_text())
    assert any("Zebras" in entry["text"] and "Stripes are quiet" in entry["text"] for entry in index)
    golden = run("-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/builder/test_golden.py", "-k", "aside")
    assert golden.returncode == 0 and "1 passed" in golden.stdout, golden.stdout + golden.stderr

    (repo / "chapters" / "01-asides.md").write_text(CHAPTER.replace("::: aside Zebras", "::: asid Zebras"))
    checked = run("build.py", "check")
    assert "chapters/01-asides.md:8: unknown block 'asid' (did you mean 'aside'?)" in checked.stderr
