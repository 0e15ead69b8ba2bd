"""The GitHub Pages workflow: actionlint finds nothing wrong in it, and it keeps what a deploy on
GitHub's runners needs. The checks read the workflow's text job by job (no YAML parser needed)."""

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from builder.runtime import npm
from conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PAGES = (ROOT / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8")


def actionlint():
    """The actionlint binary: beside this Python (the test extra installs it) or on PATH."""
    found = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    if not found:
        message = "actionlint is missing: pip install -e '.[test]' installs it"
        if os.environ.get("GITHUB_ACTIONS") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def lint(*files):
    result = subprocess.run([actionlint(), "-no-color", *map(str, files)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    return result.returncode, (result.stdout + result.stderr).strip()


def job(name):
    """The text of one job of pages.yml."""
    found = re.search(rf"^  {name}:\n(.*?)(?=^  \S|\Z)", PAGES, re.S | re.M)
    assert found, f"pages.yml has no job '{name}'"
    return found.group(1)


def steps(name):
    """The job's steps in order, each as its text."""
    return re.split(r"^      - ", job(name).split("    steps:\n", 1)[1], flags=re.M)[1:]


def step(name, text):
    """The index of the job's one step that contains text."""
    found = [n for n, s in enumerate(steps(name)) if text in s]
    assert len(found) == 1, f"job '{name}': {len(found)} steps contain {text!r}"
    return found[0]


def caches(name):
    """(path, key) of each actions/cache step of the job."""
    return re.findall(r"uses: actions/cache@v\d+\n\s+with:\n\s+path: (\S+)\n\s+key: (.+)", job(name))


def test_actionlint_finds_nothing_in_the_workflows():
    assert WORKFLOWS
    code, findings = lint(*(w.relative_to(ROOT) for w in WORKFLOWS))
    assert findings == "" and code == 0, findings


def test_actionlint_reports_a_broken_workflow(tmp_path):
    """The gate above can fail: a misspelt input and a step id that does not exist are found."""
    broken = tmp_path / "pages.yml"
    broken.write_text(PAGES.replace("cache-dependency-path:", "cache-dependency-paths:", 1)
                      .replace("steps.playwright.outputs", "steps.playwrite.outputs"))
    code, findings = lint(broken)
    assert code != 0
    assert 'input "cache-dependency-paths" is not defined' in findings
    assert '"playwrite" is not defined' in findings


def test_the_tests_run_with_playwrights_chromium_not_apts():
    # Ubuntu's apt chromium is a snap stub on GitHub's runners: it must not be what runs.
    assert not re.search(r"apt(-get)? install[^\n]*chromium", PAGES)
    setup = step("test", "run: ./course.sh setup\n")
    install = step("test", "run: .venv/bin/python -m playwright install --with-deps chromium\n")
    tests = step("test", "run: ./course.sh test\n")
    assert setup < install < tests, "the venv has Playwright before its browser is installed, and that before the tests"
    # course.sh setup must not look for a browser: it would apt-install the stub before Playwright's is there.
    setup_case = re.search(r"^  setup\)\n(.*?);;", (ROOT / "course.sh").read_text(), re.S | re.M)
    assert setup_case and "setup_browser" not in setup_case.group(1)


def test_the_caches_hold_what_the_jobs_fetch_and_are_keyed_on_files_that_exist(monkeypatch):
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("UWM_CACHE", raising=False)
    runtime = "~/" + npm.cache_root().relative_to(Path.home()).as_posix()
    for name in ("test", "deploy"):
        keys = dict(caches(name))
        assert "hashFiles('builder/runtime/pyodide.py'" in keys[runtime], name
        assert "cache: pip" in job(name), name
    playwright = dict(caches("test"))["~/.cache/ms-playwright"]
    assert "${{ steps.playwright.outputs.version }}" in playwright
    assert 'version("playwright")' in steps("test")[step("test", "id: playwright")]
    assert step("test", "path: ~/.cache/ms-playwright") < step("test", "playwright install")
    for pattern in re.findall(r"'([^']+)'", " ".join(re.findall(r"hashFiles\(([^)]*)\)", PAGES))):
        assert list(ROOT.glob(pattern)), f"hashFiles('{pattern}') matches no file of the course"


def test_actionlint_comes_with_the_test_packages():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(r.startswith("actionlint") for r in extras["test"])
    assert "./course.sh setup" in job("test")  # installs .[test], so the lint test never skips there


def test_main_is_built_strictly_and_deployed_after_the_tests():
    deploy = job("deploy")
    assert "needs: test" in deploy and "if: github.ref == 'refs/heads/main'" in deploy
    assert "pages: write" in deploy and "id-token: write" in deploy
    build, upload = step("deploy", "build.py build --strict --out _site\n"), step("deploy", "upload-pages-artifact")
    assert build < upload < step("deploy", "uses: actions/deploy-pages@")
    assert "path: _site\n" in steps("deploy")[upload]
