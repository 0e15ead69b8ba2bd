"""Bad input never hangs or crashes the build: it completes, or stops with file:line.

Pathological Markdown runs in a subprocess with a time limit, so a hang fails the test instead
of stalling the run; the authoring parser is fuzzed with hypothesis.
"""

import re
import shutil
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder import chapters
from builder.errors import Problem
from conftest import ROOT

FRONT = "---\ntitle: T\ndescription: D.\norder: 1\n---\n"
TIME_LIMIT = 10  # seconds; a real chapter builds in well under one
BUILD = """
import sys
from pathlib import Path
from builder import site
from builder.runtime import pyodide
from builder.errors import BuildError
pyodide.install = lambda out: (out / "pyodide").mkdir()  # the runtime is not what is tested
try:
    site.build(Path(sys.argv[1]), Path(sys.argv[2]))
except BuildError as error:
    print(error, file=sys.stderr)
    sys.exit(3)
"""

PATHOLOGICAL = {
    "20000 open brackets": "[" * 20000 + "\n",
    "unclosed quiz": "::: quiz\nWhy?\n\n- [x] Yes.\n  Because.\n- [ ] No.\n  Not.\n",
    "unclosed callout at the end": "Text.\n\n::: callout Title\nBody",
    "unclosed fence": "```python\nx = 1\n\n## Not a heading\n",
    "huge table": "| a | b |\n|---|---|\n" + "| x `y` | [z](#a) |\n" * 2000 + "\n## A\n",
    "long backtick runs": ("`" * 3000 + " text ") * 5 + "\n\n" + "``" * 10000 + "\n",
    "unterminated comment": "<!--" + " words" * 10000 + "\n",
    "thousands of stray closers": ":::\n" * 2000,
    "deeply nested lists": "".join("    " * i + "- item\n" for i in range(300)),
    "deeply nested quotes": ">" * 5000 + " deep\n",
    "unbalanced math": "$" * 20000 + "\n\n" + "$\\frac{" * 2000 + "$\n",
}
def build_in_subprocess(root, out):
    return subprocess.run([sys.executable, "-c", BUILD, str(root), str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=TIME_LIMIT)


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_markdown_builds_or_fails_with_a_location_in_bounded_time(name, course_dir, tmp_path):
    root = course_dir({"01-one.md": FRONT + PATHOLOGICAL[name]})
    try:
        result = build_in_subprocess(root, tmp_path / "out")
    except subprocess.TimeoutExpired:
        pytest.fail(f"the build of '{name}' took longer than {TIME_LIMIT} s")
    if result.returncode == 0:
        assert (tmp_path / "out" / "one.html").is_file()
    else:
        assert result.returncode == 3, f"the build crashed instead of reporting a problem:\n{result.stderr[-2000:]}"
        assert re.match(r"chapters/01-one\.md:[1-9]\d*: \S", result.stderr), result.stderr[:500]


def test_strict_build_refuses_to_publish_a_site_whose_sim_fails(tmp_path):
    """`build.py build --strict` (what the deploy job runs) also runs every sim once."""
    repo = tmp_path / "repo"
    for part in ("builder", "sims", "chapters", "templates", "static"):
        shutil.copytree(ROOT / part, repo / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "build.py", repo / "build.py")
    with open(repo / "sims" / "ball.py", "a", encoding="utf-8") as f:
        f.write("\n\ndef simulate(params, seed):\n    raise RuntimeError('broken')\n    yield\n")

    def build(*options):
        return subprocess.run([sys.executable, "build.py", "build", "--pyodide-cdn", *options],
                              cwd=repo, capture_output=True, text=True, timeout=120)

    strict = build("--strict")
    assert strict.returncode == 1
    assert re.search(r"chapters/00-[\w-]+\.md:\d+: sim 'ball' fails: RuntimeError: broken", strict.stderr), strict.stderr
    assert not (repo / "_site").exists(), "nothing is written"
    # Without --strict only the runs that prediction questions read are made: they fail too,
    # at the prediction's line (every chapter has one).
    loose = build()
    assert loose.returncode == 1
    assert re.search(r"chapters/00-[\w-]+\.md:\d+: the prediction cannot be measured: sim 'ball' fails: "
                     r"RuntimeError: broken", loose.stderr), loose.stderr
    assert not (repo / "_site").exists(), "nothing is written"


# --- Fuzzing the authoring parser ---------------------------------------------------------------

PIECES = [
    "---", "title: T", "description: D.", "order: 1", "order: x", "titel: T", "",
    "::: quiz", "::: sim ball", "::: sim bal", "::: callout Title", "::: callout", "::: flow F",
    "::: flow", "::: nope", ":::", "title: A ball", "caption: It falls.",
    "- [x] Yes.", "- [ ] No.", "- [X] Maybe", "  Because.", "Why?",
    "a → b", "Row: a → b + c = d | sub", "```", "```python", "~~~", "    indented code",
    "$x_t$", "$$", "\\hat z_{t+1}", "$\\frac{1}{$", "\\$5", "[two](02-two.md)", "[gone](03-gone.md)",
    "[goal](02-two.md#goal)", "[here](#here)", "[bad](javascript:alert(1))", "![](pic.png)",
    "![a plot](pic.png)", "<!--", "-->", "<script>alert(1)</script>", "{{ 7*7 }}", "| a | b |",
    "|---|---|", "| x | y |", "> quote", "— Someone", "## Here", "### Here", "# Title", "`", "``",
    "[", "]", "(", ")", "*", "_", "<", "&amp;", "\t", "\r", "\x00", "\u2028", "é",
]
LINES = st.one_of(st.sampled_from(PIECES), st.text(max_size=30))
TEXTS = st.lists(st.builds(lambda indent, line: " " * indent + line, st.integers(0, 6), LINES),
                 max_size=40).map("\n".join)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS, front=st.booleans())
def test_any_text_gives_a_chapter_or_located_problems(work, text, front):
    source = (FRONT if front else "") + text
    path = work / "01-one.md"
    path.write_text(source, encoding="utf-8")
    chapter, problems = chapters.read_chapter(
        path, "chapters/01-one.md", {"01-one.md": "one", "02-two.md": "two"}, ("ball",))
    assert chapter is None or isinstance(chapter, chapters.Chapter)
    assert chapter is not None or problems, "no chapter, so at least one problem says why"
    lines = source.splitlines()
    for problem in problems:
        assert isinstance(problem, Problem) and problem.path == "chapters/01-one.md"
        assert 1 <= problem.line <= max(1, len(lines)), problem
        assert str(problem).startswith(f"chapters/01-one.md:{problem.line}: {problem.message}")
