"""The learner's experience in Chromium: quizzes and progress that last, storage that fails
safely, code to edit (and break), links that share a sim, in-place navigation, search, themes."""

import json
import re

import pytest

from conftest import paste_code

pytestmark = pytest.mark.browser
READY = 120_000
CH0, CH1 = "imagining-the-future.html", "model-based-rl.html"
BALL = "[data-sim=ball]"


def ready(page, selector="[data-sim]"):
    page.wait_for_selector(f"{selector}[data-state=ready]", timeout=READY)


def answer_quiz(page, right=True):
    correct = json.loads(page.text_content("[data-quiz] .quiz-answer"))
    options = page.locator("[data-quiz] .quiz-option input")
    for i, is_right in enumerate(correct):
        if is_right == right:
            options.nth(i).check()
            if not right:
                break
    page.click("[data-quiz] button[type=submit]")


def test_quiz_answers_and_progress_last_across_reloads(watched_page, site_url):
    page = watched_page.page
    page.goto(site_url + CH0)
    answer_quiz(page)
    assert page.get_attribute("[data-quiz]", "data-state") == "correct"
    page.reload()
    assert page.get_attribute("[data-quiz]", "data-state") == "correct"
    assert page.is_visible("[data-quiz] .quiz-retry")
    page.goto(site_url)
    card = page.locator(".chapter-card[data-chapter=imagining-the-future]")
    assert "quiz passed" in card.text_content()
    assert "completed 1 of 9" in page.text_content(".progress-overall")
    assert page.locator(".chapter-menu a.is-done").count() == 1
    assert watched_page.problems() == []


def test_progress_exports_imports_and_resets(watched_page, site_url, tmp_path):
    page = watched_page.page
    page.goto(site_url + CH0)
    answer_quiz(page)
    page.goto(site_url)
    with page.expect_download() as download:
        page.click("[data-progress=export]")
    saved = tmp_path / "progress.json"
    download.value.save_as(saved)
    assert json.loads(saved.read_text())["chapters"]["imagining-the-future"]["quiz"] is True
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-progress=reset]")
    assert "completed 0 of 9" in page.text_content(".progress-overall")
    note = "t => document.querySelector('.progress-note').textContent.includes(t)"
    page.set_input_files(".progress-tools input[type=file]", str(saved))
    page.wait_for_function(note, arg="Progress imported.")
    assert "completed 1 of 9" in page.text_content(".progress-overall")
    (tmp_path / "bad.json").write_text('{"version": 99}')
    page.set_input_files(".progress-tools input[type=file]", str(tmp_path / "bad.json"))
    page.wait_for_function(note, arg="Nothing was imported")
    assert "completed 1 of 9" in page.text_content(".progress-overall")


STORAGE_FAULTS = {
    "throws on access": "Object.defineProperty(window, 'localStorage', {get() { throw new DOMException('denied', 'SecurityError'); }});",
    "full": "Storage.prototype.setItem = function () { throw new DOMException('full', 'QuotaExceededError'); };",
    "absent": "Object.defineProperty(window, 'localStorage', {get() { return undefined; }});",
}


@pytest.mark.parametrize("fault", STORAGE_FAULTS, ids=list(STORAGE_FAULTS))
def test_broken_storage_never_breaks_a_page(watched_page, site_url, fault):
    page = watched_page.page
    page.add_init_script(STORAGE_FAULTS[fault])
    page.goto(site_url + CH0)
    answer_quiz(page)
    assert page.get_attribute("[data-quiz]", "data-state") == "correct"
    assert "cannot be saved" in page.text_content(".storage-notice")
    ready(page)
    assert [p for p in watched_page.problems() if "denied" not in p[1] and "full" not in p[1]] == []


@pytest.mark.parametrize("stored", ["{not json", '{"version": 0, "chapters": []}', '"a string"', "null"])
def test_corrupt_or_old_storage_is_replaced_not_trusted(watched_page, site_url, stored):
    page = watched_page.page
    page.add_init_script(f"localStorage.setItem('understand-world-models/progress', {json.dumps(stored)});")
    page.goto(site_url)
    assert "completed 0 of 9" in page.text_content(".progress-overall")
    page.goto(site_url + CH0)
    answer_quiz(page, right=False)
    assert page.get_attribute("[data-quiz]", "data-state") == "incorrect"
    assert watched_page.problems() == []


def edit(page, replace, by):
    page.click(f"{BALL} .sim-edit-toggle")
    page.wait_for_selector(f"{BALL} .code-input")
    source = page.input_value(f"{BALL} .code-input")
    assert replace in source
    paste_code(page, f"{BALL} .code-input", source.replace(replace, by, 1))
    page.click(f"{BALL} button[data-code=run]")
    return source


def test_edited_code_runs_errors_point_at_the_line_and_reset_restores(watched_page, site_url):
    page = watched_page.page
    page.goto(site_url + CH0)
    ready(page)
    source = edit(page, "def simulate(params, seed):\n", "def simulate(params, seed):\n    1 / 0\n")
    page.wait_for_selector(f"{BALL}[data-state=error]")
    line = source.splitlines().index("def simulate(params, seed):") + 2
    assert f'File "sims/ball.py (edited)", line {line}' in page.text_content(f"{BALL} .sim-traceback")
    assert f"at line {line}" in page.text_content(f"{BALL} .sim-code-message")
    page.reload()  # the edit is kept until reset
    page.wait_for_selector(f"{BALL}[data-state=error]", timeout=READY)
    page.click(f"{BALL} .sim-edit-toggle")
    page.click(f"{BALL} button[data-code=reset]")
    ready(page, BALL)
    assert page.input_value(f"{BALL} .code-input") == source


def test_a_huge_allocation_shows_a_memory_error_in_that_sim_only(watched_page, site_url):
    page = watched_page.page
    page.goto(site_url + CH0)
    ready(page)
    edit(page, "def simulate(params, seed):\n", "def simulate(params, seed):\n    np.ones(10**9)\n")
    page.wait_for_selector(f"{BALL}[data-state=error]", timeout=20_000)
    # numpy in 32-bit WebAssembly refuses before trying: either way an error, not a frozen page
    assert re.search(r"MemoryError|array is too big", page.text_content(f"{BALL} .sim-traceback"))
    page.click(f"{BALL} button[data-code=reset]")
    ready(page, BALL)  # the same worker lives on


def test_a_runaway_edit_is_stopped_and_python_comes_back(watched_page, site_url):
    page = watched_page.page
    page.goto(site_url + CH0)
    ready(page)
    edit(page, "def simulate(params, seed):\n", "def simulate(params, seed):\n    while True:\n        pass\n")
    page.wait_for_function("s => document.querySelector(s + ' .sim-code-message').textContent.includes('restarted')",
                           arg=BALL, timeout=20_000)
    assert page.evaluate("1 + 1") == 2  # the page itself never froze
    ready(page, BALL)  # back, running the original code
    assert "Python was restarted" in page.text_content(f"{BALL} .sim-code-message")


def test_navigation_swaps_chapters_in_place_and_keeps_the_worker(watched_page, site_url):
    page = watched_page.page
    page.add_init_script("""
        window.__workers = 0;
        const Original = window.Worker;
        window.Worker = class extends Original { constructor(...a) { super(...a); window.__workers += 1; } };
    """)
    page.goto(site_url + CH0)
    ready(page, BALL)
    page.evaluate("window.__marker = 'same document'")
    page.locator(".pager-next").scroll_into_view_if_needed()
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 1000
    page.click(".pager-next")
    ready(page, "[data-sim=sample_efficiency]")
    assert page.url.endswith(CH1)
    assert page.evaluate("window.__marker") == "same document"
    assert page.evaluate("window.__workers") == 1
    assert page.locator(".chapter-menu a[aria-current=page]").text_content().strip().endswith("Model-Based Reinforcement Learning")
    page.go_back()
    ready(page, BALL)
    assert page.url.endswith(CH0)
    assert page.evaluate("window.scrollY") == pytest.approx(scrolled, abs=5)
    assert page.evaluate("window.__marker") == "same document"
    page.go_forward()
    ready(page, "[data-sim=sample_efficiency]")
    assert page.evaluate("window.__workers") == 1
    assert watched_page.problems() == []


def test_deep_links_to_headings_work(watched_page, site_url):
    page = watched_page.page
    page.goto(site_url + CH0)
    anchor = page.get_attribute(".toc a", "href")
    page.goto(site_url + CH0 + anchor)
    assert page.evaluate(f"document.querySelector('{anchor}').getBoundingClientRect().top") < 200


def test_a_failed_swap_falls_back_to_a_full_page_load(watched_page, site_url):
    page = watched_page.page
    page.route("**/model-based-rl.html", lambda route: route.abort())
    page.goto(site_url + CH0)
    page.evaluate("window.__marker = 'first document'")
    with page.expect_request(lambda r: r.url.endswith(CH1) and r.is_navigation_request()):
        page.click(".pager-next")


def test_a_shared_link_reproduces_the_sim(watched_page, site_url):
    page = watched_page.page
    page.goto(site_url + "planning.html#sim=planning&seed=7&samples=150&method=cem")  # typed bare
    ready(page, "[data-sim=planning]")
    assert page.input_value("[data-sim=planning] input[name=samples]") == "150"
    assert page.is_checked("[data-sim=planning] input[name=method][value=cem]")
    page.wait_for_function("() => / 150 samples/.test(document.querySelector('[data-sim=planning] .sim-summary').textContent)",
                           timeout=20_000)
    page.click("[data-sim=planning] button[data-action=share]")
    page.wait_for_function("() => document.querySelector('[data-sim=planning] .sim-share-note').textContent !== ''")
    assert "seed=7" in page.url and "samples=150" in page.url and "method=%22cem%22" in page.url


def test_search_finds_sections_across_chapters(watched_page, site_url):
    page = watched_page.page
    page.goto(site_url)
    page.keyboard.press("/")
    page.keyboard.type("cross-entropy")
    page.wait_for_selector(".search-results a")
    first = page.locator(".search-results a").first
    assert "Planning" in first.text_content()
    page.keyboard.press("Enter")
    page.wait_for_url("**/planning.html*")


def test_theme_toggle_is_remembered_and_reduced_motion_starts_paused(browser, site_url):
    context = browser.new_context(reduced_motion="reduce", color_scheme="light")
    try:
        page = context.new_page()
        page.goto(site_url + CH0)
        page.click(".theme-toggle")
        assert page.get_attribute("html", "data-theme") == "dark"
        page.reload()
        assert page.get_attribute("html", "data-theme") == "dark"
        assert page.get_attribute(".theme-toggle", "aria-pressed") == "true"
        ready(page, BALL)
        assert page.get_attribute(f"{BALL} button[data-action=play]", "aria-pressed") == "false"
    finally:
        context.close()


def test_narrow_screens_and_print(browser, site_url):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        for url in ("", CH0, "latent-dynamics.html"):
            page.goto(site_url + url)
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, url
        page.emulate_media(media="print")
        assert page.evaluate("getComputedStyle(document.querySelector('.sim-controls')).display") == "none"
        assert page.is_visible(".chapter-body")
    finally:
        context.close()


def test_after_one_visit_the_course_works_offline(browser, site_url):
    context = browser.new_context(service_workers="allow")
    try:
        page = context.new_page()
        page.goto(site_url + CH0)
        ready(page, BALL)
        page.wait_for_function("async () => (await navigator.serviceWorker.ready).active !== null")
        context.set_offline(True)
        page.reload()
        ready(page, BALL)
        assert "Imagining the Future" in page.title()
        page.goto(site_url + "planning.html")  # a chapter never visited
        ready(page, "[data-sim=planning]")
    finally:
        context.close()
