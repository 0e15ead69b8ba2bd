"""Glossary links in later chapters: hover or focus shows the term's card without leaving the
page, Escape hides it, the pointer can move onto it; without JavaScript the link leads to the
term on glossary.html."""

import pytest

from builder import course
from conftest import ROOT

pytestmark = pytest.mark.browser
COURSE = course.gather(ROOT)
TERMS = {t.id: t for t in COURSE.glossary.terms}


def card_of(page, link):
    return page.locator("#" + link.get_attribute("aria-describedby"))


def test_focus_and_hover_show_the_card_and_escape_hides_it(watched_page, site_url):
    page = watched_page.page
    page.goto(site_url + "dreamer.html")
    link = page.locator("a.term").first
    term = TERMS[link.get_attribute("href").split("#")[1]]
    card = card_of(page, link)
    assert card.get_attribute("role") == "tooltip" and card.is_hidden()
    assert term.definition in card.text_content()

    link.focus()
    assert card.is_visible()
    below, box = card.bounding_box(), link.bounding_box()
    assert box["y"] + box["height"] <= below["y"] <= box["y"] + box["height"] + 20  # just under the link
    assert below["x"] >= 0 and below["x"] + below["width"] <= 1280
    page.keyboard.press("Escape")
    assert card.is_hidden()
    assert page.evaluate("() => document.activeElement.classList.contains('term')")  # focus stays

    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    assert card.is_visible()
    page.keyboard.press("Tab")  # focus leaves the link: the card goes
    assert card.is_hidden()

    page.mouse.move(0, 0)
    link.hover()
    assert card.is_visible()
    card.hover()  # the pointer may move onto the card and read it
    page.wait_for_timeout(600)
    assert card.is_visible()
    page.keyboard.press("Escape")
    assert card.is_hidden()
    link.hover()
    assert card.is_visible()
    page.mouse.move(5, 5)
    page.wait_for_function("c => c.hidden", arg=card.element_handle(), timeout=2000)
    assert page.url.endswith("dreamer.html")
    assert not watched_page.problems()


def test_a_card_fits_a_narrow_screen(browser, site_url):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(site_url + "open-problems.html")
    for link in page.locator("a.term").all()[:8]:
        link.focus()
        box = card_of(page, link).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, link.text_content()
    context.close()


def test_every_linked_term_points_at_its_entry_and_comes_after_its_chapter(watched_page, site_url):
    page = watched_page.page
    order = {c.source.removeprefix("chapters/"): n for n, c in enumerate(COURSE.chapters)}
    page.goto(site_url + "glossary.html")
    ids = set(page.eval_on_selector_all("dfn[id]", "els => els.map(e => e.id)"))
    assert len(ids) >= 30 and ids == set(TERMS)
    for n, chapter in enumerate(COURSE.chapters):
        page.goto(site_url + chapter.url)
        links = page.eval_on_selector_all("a.term", "els => els.map(e => [e.getAttribute('href'), "
                                          "e.closest('h1,h2,h3,h4,code,pre,math,figcaption') === null])")
        targets = [href.split("#")[1] for href, _ in links]
        assert len(targets) == len(set(targets)), f"{chapter.source}: a term linked twice"
        assert all(outside for _, outside in links)
        for target in targets:
            assert target in ids and order[TERMS[target].chapter] < n, (chapter.source, target)


def test_without_javascript_a_term_is_a_plain_link_to_the_glossary(browser, site_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + "planning.html")
    link = page.locator("a.term").first
    assert card_of(page, link).is_hidden()
    target = link.get_attribute("href").split("#")[1]
    link.click()
    page.wait_for_url("**/glossary.html#" + target)
    assert page.locator(f"dfn#{target}").is_visible()
    assert TERMS[target].definition in page.locator(f"dfn#{target} >> xpath=../..").text_content()
    context.close()
