"""Faults in the learner's browser: the page stays readable and every sim says what went wrong.

Python unreachable (then back), JavaScript off, tampered numpy files, one sim that raises.
"""

import re
import subprocess
import sys

import pytest

from builder import course
from conftest import ROOT, make_course, serve_folder

pytestmark = pytest.mark.browser
READY = 120_000
CHAPTERS = course.gather(ROOT).chapters
SETTLED = ":is([data-state=ready], [data-state=error])"

FRONT = "---\ntitle: {title}\ndescription: A page for the fault tests.\norder: {order}\n---\n"
QUIZ = """
::: quiz
What does a world model predict?

- [ ] The best action.
  That is a policy.
- [x] What happens next.
  Right: the next state, given the state and an action.
:::
"""
TWO_SIMS = FRONT.format(title="Two sims", order=1) + """
## Before the sims

Prose that must stay readable whatever Python does.

::: callout The point
A callout that is part of the text.
:::

::: sim ball
title: The ball
caption: A ball and its imagined futures.
:::

## Between the sims

More prose.

::: sim compounding
title: Compounding
caption: Error over the horizon.
:::
""" + QUIZ
ONE_FAILS = FRONT.format(title="One fails", order=2) + """
## A healthy sim and a broken one

::: sim ball
title: The ball
caption: A ball and its imagined futures.
:::

::: sim latent
title: Broken on purpose
caption: This sim raises on its first frame.
:::
""" + QUIZ
RAISING = """

def simulate(params, seed):  # the fault test's replacement: fails on the first frame
    raise RuntimeError("this sim is broken on purpose")
    yield
"""
BUILD = "import sys; from builder import site; site.build(sys.argv[1], sys.argv[2])"


@pytest.fixture(scope="module")
def fault_site(tmp_path_factory):
    """A small course (two healthy sims on one page; a healthy and a raising sim on another),
    built in a subprocess so that its edited sims never reach this process's imports."""
    root = make_course(tmp_path_factory.mktemp("faults") / "course",
                       {"01-two-sims.md": TWO_SIMS, "02-one-fails.md": ONE_FAILS})
    with open(root / "sims" / "latent.py", "a", encoding="utf-8") as f:
        f.write(RAISING)
    out = root.parent / "_site"
    subprocess.run([sys.executable, "-c", BUILD, str(root), str(out)], cwd=ROOT, check=True, timeout=600)
    server = serve_folder(out)
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def status(page, sim):
    return page.inner_text(f"{sim} .sim-status")


def answer_quiz_right(page):
    page.check("[data-quiz] .quiz-option:nth-child(2) input")
    page.click("[data-quiz] button[type=submit]")
    assert page.get_attribute("[data-quiz]", "data-state") == "correct"


def test_python_unreachable_leaves_the_text_and_retry_recovers(context, fault_site):
    def blocked(route):
        route.abort()

    context.route("**/pyodide/**", blocked)
    page = context.new_page()
    page.goto(fault_site + "two-sims.html")
    sims = ["[data-sim=ball]", "[data-sim=compounding]"]
    for sim in sims:
        page.wait_for_selector(f"{sim}{SETTLED}", timeout=60_000)
        assert page.get_attribute(sim, "data-state") == "error"
        assert "Python could not load" in status(page, sim)
        assert page.is_visible(f"{sim} .sim-status button:has-text('Retry')")
    for text in ("Before the sims", "Prose that must stay readable", "A callout that is part of the text.",
                 "Between the sims", "More prose.", "What does a world model predict?"):
        assert page.get_by_text(text).first.is_visible(), text
    answer_quiz_right(page)

    context.unroute("**/pyodide/**", blocked)  # the network is back
    page.click(f"{sims[0]} .sim-status button:has-text('Retry')")
    for sim in sims:
        page.wait_for_selector(f"{sim}{SETTLED}", timeout=READY)
        assert page.get_attribute(sim, "data-state") == "ready", status(page, sim)


@pytest.mark.parametrize("file", ["pyodide.asm.wasm", "numpy-*.tar*"])
def test_each_runtime_file_unreachable_ends_in_an_error_not_a_spinner(context, site_url, file):
    context.route(f"**/pyodide/{file}", lambda route: route.abort())
    page = context.new_page()
    page.goto(site_url + CHAPTERS[0].url)
    page.wait_for_selector(f"[data-sim]{SETTLED}", timeout=60_000)
    assert page.get_attribute("[data-sim]", "data-state") == "error"
    assert "Python could not load" in status(page, "[data-sim]")


def test_a_revisit_compiles_python_on_the_page_or_else_in_the_worker(context, site_url):
    # A first visit's worker compiles the runtime, then the page compiles it once more for the
    # browser to keep. A revisit's page compiles it first; when that fails, the worker must
    # compile it itself rather than wait for the page's.
    requests, failing = [], []

    def route(route):
        requests.append(route.request.url)
        if failing:
            failing.clear()
            route.abort()
        else:
            route.continue_()

    context.route("**/pyodide/pyodide.asm.wasm", route)
    page = context.new_page()
    page.goto(site_url + CHAPTERS[0].url)
    page.wait_for_selector("[data-sim][data-state=ready]", timeout=READY)
    page.wait_for_function("() => localStorage.getItem('understand-world-models/runtime-compiled')",
                           timeout=30_000)
    assert len(requests) == 2, requests  # the worker's, then the page's for the next visit
    failing.append(True)
    page.reload()
    page.wait_for_selector(f"[data-sim]{SETTLED}", timeout=READY)
    assert page.get_attribute("[data-sim]", "data-state") == "ready", status(page, "[data-sim]")
    assert len(requests) == 4, requests  # the page's, which failed, then the worker's


def test_tampered_numpy_files_show_an_integrity_error(context, site_url):
    def tamper(route):
        response = route.fetch()
        body = bytearray(response.body())
        body[len(body) // 2] ^= 0x01  # one bit of one byte
        route.fulfill(response=response, body=bytes(body))

    context.route("**/pyodide/numpy-*.tar*", tamper)
    page = context.new_page()
    page.goto(site_url + CHAPTERS[0].url)
    page.wait_for_selector(f"[data-sim]{SETTLED}", timeout=60_000)
    assert page.get_attribute("[data-sim]", "data-state") == "error"
    message = status(page, "[data-sim]")
    assert re.search(r"integrity", message, re.I), message
    assert "Retry" in message


def test_one_raising_sim_fails_alone(context, fault_site):
    page = context.new_page()
    page.goto(fault_site + "one-fails.html")
    good, bad = "[data-sim=ball]", "[data-sim=latent]"
    for sim in (good, bad):
        page.wait_for_selector(f"{sim}{SETTLED}", timeout=READY)
    assert page.get_attribute(good, "data-state") == "ready"
    assert page.get_attribute(bad, "data-state") == "error"
    assert "RuntimeError: this sim is broken on purpose" in status(page, bad)
    page.click(f"{bad} .sim-status button:has-text('Retry')")  # fails again, and alone
    page.wait_for_timeout(500)
    assert page.get_attribute(bad, "data-state") == "error"
    assert page.get_attribute(good, "data-state") == "ready"
    summary = page.text_content(f"{good} .sim-summary")
    page.wait_for_function(  # the healthy sim keeps computing frames
        "([s, before]) => document.querySelector(s + ' .sim-summary').textContent !== before",
        arg=[good, summary], timeout=10_000)
    answer_quiz_right(page)


def test_without_javascript_every_chapter_and_quiz_reads_completely(browser, site_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        for chapter in CHAPTERS:
            page.goto(site_url + chapter.url)
            where = chapter.slug
            for heading in chapter.toc:
                assert page.locator(f"#{heading[1]}").is_visible(), f"{where}: heading {heading[2]}"
            for block in chapter.blocks("quiz") + chapter.blocks("predict"):
                quiz = f"#{block.id}"
                assert page.locator(f"{quiz} .quiz-question").is_visible(), where
                options = page.locator(f"{quiz} .quiz-option label")
                assert options.count() == len(block.options) >= 2, where
                for i in range(options.count()):
                    assert options.nth(i).is_visible() and options.nth(i).inner_text().strip(), where
                assert not page.locator(f"{quiz} button[type=submit]").is_visible(), \
                    f"{where}: a 'Check answer' button that cannot work without JavaScript"
                page.click(f"{quiz} .quiz-key summary")  # the answers, explained, need no script
                key = " ".join(page.text_content(f"{quiz} .quiz-key").split())
                verdicts = page.locator(f"{quiz} .quiz-key li > strong").all_inner_texts()
                assert verdicts == [("Right:" if o.correct else "Not quite:") for o in block.options], where
                for explanation in page.locator(f"{quiz} .quiz-explanation").all_text_contents():
                    assert " ".join(explanation.split()) in key, f"{where}: {explanation[:60]}"
            for block in chapter.blocks("sim"):
                assert "JavaScript" in page.inner_text(f"#{block.id} .sim-status"), where
            for summary in page.locator(".chapter-body details:not([open]) > summary").all():
                summary.click()  # every other disclosure ("How this works") opens natively
            hidden = page.evaluate("""() => [...document.querySelectorAll(
                    '.chapter-body :is(p, li, h2, h3, h4, td, th, dt, dd, blockquote, figcaption, pre, label, legend)')]
                .filter((e) => e.textContent.trim() && !e.closest('.quiz-explanation, .quiz-after') && !e.checkVisibility())
                .map((e) => e.textContent.trim().slice(0, 60))""")
            assert hidden == [], f"{where}: text that cannot be read without JavaScript"
    finally:
        context.close()
