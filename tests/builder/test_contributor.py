"""The whole contributor path in a temporary copy of the repository."""

import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, serve_folder

SKIP = shutil.ignore_patterns(".git", ".venv", "_site", "__pycache__", ".pytest_cache", ".hypothesis",
                              "node_modules", "bench-results")


def run(repo, *args):
    return subprocess.run([sys.executable, *args], cwd=repo, capture_output=True, text=True, timeout=600)


@pytest.fixture
def repo(tmp_path):
    copy = tmp_path / "repo"
    shutil.copytree(ROOT, copy, ignore=SKIP)
    return copy


@pytest.mark.browser
def test_new_chapter_and_sim_are_checked_built_and_work_in_the_browser(repo, browser):
    made = run(repo, "build.py", "new", "sim", "orbit")
    assert made.returncode == 0, made.stderr
    assert '    "orbit",\n)' in (repo / "sims" / "__init__.py").read_text()
    made = run(repo, "build.py", "new", "chapter", "Orbits and Oracles", "--sim", "orbit")
    assert made.returncode == 0, made.stderr
    chapter = sorted((repo / "chapters").glob("*-orbits-and-oracles.md"))
    assert len(chapter) == 1
    checked = run(repo, "build.py", "check")
    assert checked.returncode == 0, checked.stderr
    tested = run(repo, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/sims/test_sim_orbit.py")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    built = run(repo, "build.py", "build")
    assert built.returncode == 0, built.stderr

    server = serve_folder(repo / "_site")
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
        page.click(".chapter-card a >> text=Orbits and Oracles")
        page.wait_for_selector("[data-sim=orbit][data-state=ready]", timeout=120_000)
        page.locator("[data-quiz] .quiz-option input").first.check()
        page.click("[data-quiz] button[type=submit]")
        assert page.get_attribute("[data-quiz]", "data-state") == "correct"
    finally:
        context.close()
        server.shutdown()


def test_a_broken_chapter_yields_the_documented_error(repo):
    path = next((repo / "chapters").glob("03-*.md"))
    lines = path.read_text().splitlines()
    number = next(i for i, line in enumerate(lines) if line.startswith("::: sim "))
    lines[number] = "::: sim dreamr"
    path.write_text("\n".join(lines) + "\n")
    result = run(repo, "build.py", "check")
    assert result.returncode == 1
    assert f"chapters/{path.name}:{number + 1}: unknown sim 'dreamr' (did you mean 'dreamer'?)\n" \
           f"    {number + 1} | ::: sim dreamr" in result.stderr
    assert "1 problem found; nothing was written." in result.stderr


def test_new_refuses_names_that_are_taken(repo):
    result = run(repo, "build.py", "new", "sim", "ball")
    assert result.returncode == 1 and "a sim named 'ball' exists already" in result.stderr
    first = sorted((repo / "chapters").glob("*.md"))[0]
    title = next(l for l in first.read_text().splitlines() if l.startswith("title:"))[6:].strip()
    result = run(repo, "build.py", "new", "chapter", title)
    assert result.returncode == 1 and "exists already" in result.stderr
