"""Gates on every page: axe-core finds no WCAG 2.1 A/AA violation (sims ready, quiz answered,
light and dark), and the Nu HTML checker finds no error in any built page.

The tools come from tools/package.json (`./course.sh test` installs them); without them these
tests skip, and fail in CI.
"""

import json
import os
import shutil
import subprocess

import pytest

from builder import course, site
from conftest import ROOT

COURSE = course.gather(ROOT)
CHAPTERS = COURSE.chapters
EMBEDS = [name for name, _, _ in site.embeds(COURSE)]  # each sim alone, for frames elsewhere
PAGES = ["index.html"] + [c.url for c in CHAPTERS] + ["review.html", "glossary.html", "instructors.html"] + EMBEDS
# review.html checked with every question due, so that each is shown and checked
QUESTIONS = [f"{c.slug}-{b.id}" for c in CHAPTERS for b in c.blocks("quiz") + c.blocks("predict")]
ALL_DUE = ("localStorage.setItem('understand-world-models/progress', JSON.stringify({version: 1, chapters: {}, "
           "answers: {}, review: Object.fromEntries(%s.map((k) => [k, {box: 0, due: 0}]))}))" % json.dumps(QUESTIONS))
TOOLS = ROOT / "tools" / "node_modules"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


def require(found, what):
    """found, or skip (fail in CI) saying how to get it."""
    if found:
        return found
    message = f"{what} is missing: ./course.sh test installs it (npm ci --prefix tools; Java from apt)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def tool(relative):
    path = TOOLS / relative
    return require(path if path.is_file() else None, f"tools/node_modules/{relative}")


# --- Accessibility -----------------------------------------------------------------------------

def axe_run(page, only):
    """axe's violations, formatted, and the ids of the rules that passed."""
    result = page.evaluate("only => axe.run(document, {runOnly: only})", only)
    violations = [f"{v['id']} ({v['impact']}): {v['help']}\n" +
                  "\n".join(f"    {n['target']}: {n['failureSummary']}" for n in v["nodes"][:5])
                  for v in result["violations"]]
    return violations, {rule["id"] for rule in result["passes"]}


@pytest.fixture(scope="module")
def axe_context(browser):
    """One browser profile for every page, so the runtime is fetched and compiled once."""
    # The page's CSP rightly refuses injected script: let only this test's axe through.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True,
                                  color_scheme="light")
    yield context
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("name", PAGES)
def test_no_accessibility_violations(axe_context, site_url, name):
    axe = tool("axe-core/axe.min.js")
    page = axe_context.new_page()
    try:
        if name == "review.html":
            page.add_init_script(ALL_DUE)
        page.goto(site_url + name)
        for sim in page.locator("[data-sim]").all():
            sim.scroll_into_view_if_needed()
            page.wait_for_function("s => s.dataset.state === 'ready' || s.dataset.state === 'error'",
                                   arg=sim.element_handle(), timeout=120_000)
            assert sim.get_attribute("data-state") == "ready", sim.inner_text()
        for quiz in page.locator("[data-quiz]").all():  # a wrong answer shows every quiz colour
            correct = json.loads(quiz.locator(".quiz-answer").text_content())
            quiz.locator(".quiz-option input").nth(correct.index(False)).check()
            quiz.locator("button[type=submit]").click()
            assert quiz.get_attribute("data-state") == "incorrect"
        page.evaluate("() => window.scrollTo(0, 0)")
        page.add_script_tag(path=str(axe))
        theme = page.evaluate("() => document.documentElement.dataset.theme || 'light'")
        problems, passed = axe_run(page, {"type": "tag", "values": AXE_TAGS})
        assert problems == [], f"{theme} theme:\n" + "\n".join(problems)
        assert "color-contrast" in passed, "axe checked no text colour at all"
        # WCAG 2.2's target size (2.5.8), the rule Lighthouse scores: every control and link 24 px
        problems, passed = axe_run(page, {"type": "rule", "values": ["target-size"]})
        assert problems == [], "targets too small:\n" + "\n".join(problems)
        assert "target-size" in passed, "axe measured no target at all"
        # Only colours change: check the colour rules in the other theme. An embed page has no
        # toggle of its own: it follows the system, or the choice made on the course's pages,
        # which is what is set there.
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        if page.locator(".theme-toggle").count():
            page.click(".theme-toggle")
            other = page.get_attribute("html", "data-theme")
        else:
            other = "light" if theme == "dark" else "dark"
            page.evaluate("t => { document.documentElement.dataset.theme = t; document.dispatchEvent(new Event('themechange')); }", other)
        assert other != theme
        assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") != background
        problems, passed = axe_run(page, {"type": "rule", "values": COLOUR_RULES})
        assert problems == [], f"{other} theme:\n" + "\n".join(problems)
        assert "color-contrast" in passed, "axe checked no text colour at all"
    finally:
        page.close()


# --- HTML validity -----------------------------------------------------------------------------

def test_every_built_page_is_valid_html(built_site, cdn_site):
    vnu = tool("vnu-jar/build/dist/vnu.jar")
    java = require(shutil.which("java"), "java (a Java runtime, for the Nu HTML checker)")
    pages = [built_site / name for name in PAGES] + [cdn_site / name for name in PAGES]
    result = subprocess.run([java, "-jar", str(vnu), "--errors-only", "--format", "json", *map(str, pages)],
                            capture_output=True, text=True, timeout=300)
    report = json.loads(result.stderr or result.stdout)
    errors = [f"{m['url'].rsplit('/', 2)[-2:]}:{m.get('lastLine')}: {m['message']}"
              for m in report["messages"]]
    assert errors == [], "\n".join(errors)
    assert result.returncode == 0
