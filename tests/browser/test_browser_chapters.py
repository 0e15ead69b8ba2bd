"""Every chapter in Chromium: its sims reach `ready` and its quizzes check answers.

The pages and their sims are read from the course itself, so a new chapter or sim is covered
the moment it is added.
"""

import json

import pytest

from builder import course
from conftest import ROOT

pytestmark = pytest.mark.browser
READY = 120_000
CHAPTERS = course.gather(ROOT).chapters


def quiz_answers(page, quiz):
    return json.loads(page.text_content(f"{quiz} .quiz-answer"))


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.slug for c in CHAPTERS])
def test_chapter_sims_run_and_quizzes_check_answers(watched_page, site_url, chapter):
    page = watched_page.page
    page.goto(site_url + chapter.url)
    for block in chapter.blocks("sim"):
        page.wait_for_selector(f"#{block.id}[data-sim={block.name}][data-state=ready]", timeout=READY)
    for block in chapter.blocks("quiz"):
        quiz = f"#{block.id}[data-quiz]"
        correct = quiz_answers(page, quiz)
        options = page.locator(f"{quiz} .quiz-option input")
        wrong = correct.index(False)
        options.nth(wrong).check()
        page.click(f"{quiz} button[type=submit]")
        assert page.get_attribute(quiz, "data-state") == "incorrect"
        assert page.is_visible(f"{quiz} #{block.id}-explain-{wrong}")
        page.click(f"{quiz} .quiz-retry")
        assert page.get_attribute(quiz, "data-state") == "unanswered"
        for i, right in enumerate(correct):
            if right:
                options.nth(i).check()
        page.click(f"{quiz} button[type=submit]")
        assert page.get_attribute(quiz, "data-state") == "correct"
        assert "Correct" in page.text_content(f"{quiz} .quiz-feedback")
    for block in chapter.blocks("sim"):
        assert page.get_attribute(f"#{block.id}", "data-state") == "ready", "still running after the quiz"
    assert watched_page.problems() == []
    assert watched_page.foreign_requests() == []


def test_landing_page_counts_and_lists_the_course(watched_page, site_url):
    page = watched_page.page
    page.goto(site_url)
    figures = dict(zip(page.locator(".hero-figures dt").all_text_contents(),
                       page.locator(".hero-figures dd").all_text_contents()))
    assert figures["Chapters"] == str(len(CHAPTERS))
    assert figures["Simulations"] == str(sum(len(c.blocks("sim")) for c in CHAPTERS))
    assert page.locator(".chapter-card").count() == len(CHAPTERS)
    page.click(".start-button")
    page.wait_for_url(f"**/{CHAPTERS[0].url}")
    assert watched_page.problems() == []


def test_every_registered_sim_is_embedded_so_the_browser_tests_cover_it():
    import sims
    embedded = {block.name for chapter in CHAPTERS for block in chapter.blocks("sim")}
    assert set(sims.NAMES) <= embedded, f"embed these sims in a chapter: {set(sims.NAMES) - embedded}"
