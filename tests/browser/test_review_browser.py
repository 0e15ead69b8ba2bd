"""Practice and spaced review in Chromium: a prediction runs its sim at the settings it names,
answered questions come back when due (the clock moved by injection), on review.html and in a
later chapter's Review panel; a wrong answer comes back sooner; the schedule is exported and
imported with progress, and the scheduler itself follows its boxes."""

import json

import pytest

pytestmark = pytest.mark.browser
READY = 120_000
CH0, CH7 = "imagining-the-future.html", "open-problems.html"
DAY = 86_400_000
KEY = "understand-world-models/progress"


def answer(question, right):
    """Check the right options (or one wrong one) of a question locator, and submit."""
    correct = json.loads(question.locator(".quiz-answer").text_content())
    inputs = question.locator(".quiz-option input")
    if right:
        for i, is_right in enumerate(correct):
            if is_right:
                inputs.nth(i).check()
    else:
        inputs.nth(correct.index(False)).check()
    question.locator("button[type=submit]").press("Enter")  # by keyboard
    assert question.get_attribute("data-state") == ("correct" if right else "incorrect")


def review(page):
    return page.evaluate(f"() => JSON.parse(localStorage.getItem('{KEY}')).review")


def due_on_review_page(page, site_url):
    page.goto(site_url + "review.html")
    page.wait_for_selector("[data-review].is-scheduled")
    return [item.get_attribute("data-review-item") for item in page.locator(".review-item.is-due").all()]


def test_answered_questions_come_back_when_due_and_a_wrong_one_sooner(context, site_url):
    page = context.new_page()
    page.clock.install()  # Date.now() is the test's to move
    page.goto(site_url + CH0)
    first, prediction = page.locator(".chapter-body [data-quiz]").nth(0), page.locator(".chapter-body [data-predict]")
    answer(first, right=True)
    answer(prediction, right=False)
    assert "comes back for review in 24 hours" in first.locator(".quiz-feedback").text_content()
    assert "comes back soon, in 10 minutes" in prediction.locator(".quiz-feedback").text_content()
    keys = [first.get_attribute("data-quiz"), prediction.get_attribute("data-quiz")]

    assert due_on_review_page(page, site_url) == []
    assert "Nothing is due now" in page.text_content(".review-status")
    page.clock.fast_forward(20 * 60_000)  # 20 minutes: only the wrong answer is due
    assert due_on_review_page(page, site_url) == [keys[1]]
    page.clock.fast_forward(DAY)  # a day on: both, the longest overdue first
    assert due_on_review_page(page, site_url) == [keys[1], keys[0]]
    assert page.get_attribute("[data-review]", "data-review") is not None
    assert "2 questions to review" in page.text_content(".review-status")
    assert page.locator(".review-item:not(.is-due)").first.is_hidden()
    # each links back to where it was taught
    link = page.locator(f"[data-review-item='{keys[0]}'] .review-from a")
    assert link.get_attribute("href") == f"{CH0}#{keys[0].removeprefix('imagining-the-future-')}"

    # Answered right on the review page, by keyboard: it moves to the next box (3 days).
    item = page.locator(f"[data-review-item='{keys[0]}'] [data-quiz]")
    assert item.get_attribute("data-state") == "unanswered"  # asked anew, not as last answered
    item.locator(".quiz-option input").first.focus()
    answer(item, right=True)
    card = review(page)[keys[0]]
    assert card["box"] == 1
    now = page.evaluate("() => Date.now()")
    assert abs(card["due"] - (now + 3 * DAY)) < 60_000

    # A later chapter's Review panel asks the one still due, in place, linked back.
    page.goto(site_url + CH7)
    panel = page.locator("[data-review-panel]")
    panel.wait_for(state="visible")
    assert [i.get_attribute("data-review-item") for i in panel.locator(".review-item").all()] == [keys[1]]
    assert "1 question from earlier reading is due" in panel.text_content()
    assert panel.locator(".review-from a").get_attribute("href").startswith(CH0 + "#")
    answer(panel.locator("[data-quiz]"), right=False)  # wrong again: back to box 0, soon
    assert review(page)[keys[1]]["box"] == 0
    page.close()


def test_the_review_schedule_is_exported_and_imported(context, site_url, tmp_path):
    page = context.new_page()
    page.goto(site_url + CH0)
    answer(page.locator(".chapter-body [data-quiz]").nth(0), right=True)
    saved_review = review(page)
    page.goto(site_url)
    with page.expect_download() as download:
        page.click("[data-progress=export]")
    saved = tmp_path / "progress.json"
    download.value.save_as(saved)
    assert json.loads(saved.read_text())["review"] == saved_review
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-progress=reset]")
    assert review(page) == {}
    page.set_input_files(".progress-tools input[type=file]", str(saved))
    page.wait_for_function("() => document.querySelector('.progress-note').textContent.includes('Progress imported.')")
    assert review(page) == saved_review
    page.close()


def test_broken_storage_keeps_the_schedule_for_the_visit(context, site_url):
    page = context.new_page()
    page.add_init_script("Storage.prototype.setItem = function () { throw new DOMException('full', 'QuotaExceededError'); };")
    page.goto(site_url + CH0)
    question = page.locator(".chapter-body [data-quiz]").nth(0)
    answer(question, right=True)
    assert "comes back for review" in question.locator(".quiz-feedback").text_content()
    assert page.is_visible(".storage-notice")
    page.goto(site_url + "review.html")
    page.wait_for_selector("[data-review].is-scheduled")
    assert "Nothing to review yet" in page.text_content(".review-status")
    page.close()


def test_a_prediction_runs_its_sim_at_the_settings_it_names(context, site_url):
    page = context.new_page()
    page.goto(site_url + CH7)
    prediction = page.locator("[data-predict]")
    result = prediction.locator(".predict-result")
    assert result.is_hidden()  # nothing is shown before the learner commits
    run = json.loads(prediction.locator(".predict-run").text_content())
    sim = page.locator(f"#{run['sim']}")
    sim.scroll_into_view_if_needed()
    page.wait_for_selector(f"#{run['sim']}[data-state=ready]", timeout=READY)
    assert sim.locator("input[name=quality]").input_value() == "60"
    prediction.scroll_into_view_if_needed()
    answer(prediction, right=True)
    assert result.is_visible()
    assert "The sim measured error = " in result.text_content() and "when step reaches 50" in result.text_content()
    assert sim.locator("input[name=quality]").input_value() == str(run["params"]["quality"]) == "20"
    sim.scroll_into_view_if_needed()
    # the live sim plays those settings through the step the question reads
    page.wait_for_function("() => /step 5\\d of 100/.test(document.querySelector('[data-sim=compounding] .sim-summary').textContent)",
                           timeout=READY)
    summary = sim.locator(".sim-summary").text_content()
    assert "(5 features)" in summary  # quality 20 % is the 5-term model
    page.close()


def test_the_scheduler_follows_its_boxes(context, site_url):
    page = context.new_page()
    page.goto(site_url + "review.html")
    result = page.evaluate("""async () => {
      const s = await import('./static/js/schedule.js');
      const out = [];
      let card = null, now = 0;
      for (let i = 0; i < 7; i++) {  // always right, each time when due
        card = s.next(card, true, now);
        out.push([card.box, (card.due - now) / s.DAY]);
        now = card.due;
      }
      const early = s.next(card, true, card.due - 1);  // answered before due: unchanged
      const wrong = s.next(card, false, now);
      return {out, early: early === card, wrong: [wrong.box, (wrong.due - now) / 60000],
              due: s.due({a: {box: 0, due: 5}, b: {box: 1, due: 3}, c: {box: 0, due: 9}, d: {bad: 1}}, 6)};
    }""")
    assert result["out"] == [[0, 1], [1, 3], [2, 7], [3, 14], [4, 30], [4, 30], [4, 30]]
    assert result["early"] is True
    assert result["wrong"] == [0, 10]
    assert result["due"] == ["b", "a"]
    page.close()
