"""`build.py serve`: rebuilds on save, tells the open page to reload, and reports a broken
build (file:line) to the page while still serving the last good site."""

import json
import re
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest

from test_contributor import SKIP
from conftest import ROOT


@pytest.fixture
def server(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT, repo, ignore=SKIP)
    process = subprocess.Popen([sys.executable, "-u", "build.py", "serve", "--port", "0"], cwd=repo,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in process.stdout:
            match = re.search(r"serving the course at (http://127\.0\.0\.1:\d+/)", line)
            if match:
                yield repo, match.group(1)
                break
        else:
            pytest.fail("serve never started")
    finally:
        process.terminate()
        process.wait(timeout=10)


def events(url, seconds=300):
    """The page's event stream: yields each build outcome as the server sends it, for so long."""
    deadline = time.monotonic() + seconds
    with urllib.request.urlopen(url + "__events", timeout=120) as stream:
        for raw in stream:
            line = raw.decode().strip()
            if line.startswith("data: "):
                yield json.loads(line[6:])
            if time.monotonic() > deadline:
                pytest.fail(f"no awaited build outcome within {seconds} s")


def test_serve_rebuilds_reloads_and_reports_errors(server):
    repo, url = server
    page = urllib.request.urlopen(url + "imagining-the-future.html").read().decode()
    assert '<script type="module" src="/__livereload.js"></script>' in page
    assert "__livereload" not in (repo / "_site" / "imagining-the-future.html").read_text()
    outcomes = events(url)
    first = next(outcomes)
    assert first["error"] == ""

    chapter = repo / "chapters" / "00-imagining-the-future.md"
    good = chapter.read_text()
    chapter.write_text(good.replace("::: sim ball", "::: sim bal", 1))
    broken = next(outcomes)
    line = good.splitlines().index("::: sim ball") + 1
    assert broken["version"] > first["version"]
    assert f"chapters/00-imagining-the-future.md:{line}: unknown sim 'bal' (did you mean 'ball'?)" in broken["error"]
    assert 'data-sim="ball"' in urllib.request.urlopen(url + "imagining-the-future.html").read().decode()

    chapter.write_text(good.replace("Imagining the Future", "Imagining the Future, Again", 1))
    fixed = next(outcomes)
    assert fixed["error"] == "" and fixed["version"] > broken["version"]
    assert "Imagining the Future, Again" in urllib.request.urlopen(url + "imagining-the-future.html").read().decode()


def open_served(context, url):
    """A page of the served course, its event stream open."""
    page = context.new_page()
    page.goto(url + "imagining-the-future.html")
    page.wait_for_function("() => document.readyState === 'complete'")
    page.wait_for_timeout(500)
    return page


@pytest.mark.browser
def test_the_open_page_shows_a_build_error_then_reloads_when_fixed(server, context):
    repo, url = server
    page = open_served(context, url)
    chapter = repo / "chapters" / "00-imagining-the-future.md"
    good = chapter.read_text()
    chapter.write_text(good.replace("::: sim ball", "::: sim bal", 1))
    overlay = page.wait_for_selector("#build-error", timeout=30_000)
    assert "unknown sim 'bal' (did you mean 'ball'?)" in overlay.text_content()
    chapter.write_text(good.replace("Imagining the Future", "Imagining Again", 1))
    page.wait_for_function("() => document.title.startsWith('Imagining Again')", timeout=30_000)
    assert page.query_selector("#build-error") is None

def settles(outcomes, url, page, text):
    """The first good rebuild after which page holds text (a save may take more than one)."""
    for outcome in outcomes:
        if not outcome["error"] and text in urllib.request.urlopen(url + page).read().decode():
            return outcome
    pytest.fail("the event stream ended")


def test_an_edited_slider_label_reaches_the_page_without_a_restart(server):
    repo, url = server
    outcomes = events(url)
    next(outcomes)
    sim = repo / "sims" / "ball.py"
    source = sim.read_text()
    label = re.search(r'slider\("\w+", "([^"]+)"', source).group(1)
    sim.write_text(source.replace(f'"{label}"', '"A label edited while serving"', 1))
    settles(outcomes, url, "imagining-the-future.html", "A label edited while serving")


def test_a_sim_scaffolded_while_serving_can_be_embedded_at_once(server):
    repo, url = server
    outcomes = events(url)
    next(outcomes)
    made = subprocess.run([sys.executable, "build.py", "new", "sim", "orbit"], cwd=repo,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    chapter = repo / "chapters" / "00-imagining-the-future.md"
    chapter.write_text(chapter.read_text() + "\n::: sim orbit\ntitle: An orbit\ncaption: Made while serving.\n:::\n")
    settles(outcomes, url, "imagining-the-future.html", 'data-sim="orbit"')


@pytest.mark.browser
def test_a_template_typo_shows_in_the_overlay_and_the_next_save_recovers(server, context):
    repo, url = server
    template = repo / "templates" / "chapter.html"
    good = template.read_text()
    line = good[:good.index("{{ page.title }}")].count("\n") + 1
    page = open_served(context, url)
    template.write_text(good.replace("{{ page.title }}", "{{ page.titel }}", 1))
    overlay = page.wait_for_selector("#build-error", timeout=60_000)
    assert f"templates/chapter.html:{line}: UndefinedError" in overlay.text_content()
    template.write_text(good.replace("<article", "<article data-saved-again", 1))
    page.wait_for_selector("article[data-saved-again]", timeout=60_000)
    assert page.query_selector("#build-error") is None
