"""For the class: each chapter's objectives and time, shown to learners, and an instructors page
with every chapter's objectives, time, quiz answers and sims."""

import json
import re

import pytest
from markupsafe import escape

from builder import course, site
from builder.errors import BuildError
from conftest import ROOT

FRONT = "---\ntitle: {title}\ndescription: The {title} chapter.\norder: {order}\n{extra}---\n"
QUIZ = ("::: quiz\nWhich is {right}?\n\n- [ ] Not {right}.\n  Because it is not.\n"
        "- [x] {right}.\n  Because it is {right}.\n:::\n")
SIM = "::: sim ball\ntitle: The {title} ball\ncaption: It bounces.\n\n**Try it.** Watch.\n:::\n"
PLANNED = FRONT.format(title="Alpha", order=1, extra=(
    "minutes: 25\nobjective: Say what a world model predicts\n"
    "objective: Explain why rollouts drift: errors compound\n")) + "\n## Start\n\nText.\n\n" + \
    SIM.format(title="Alpha") + "\n" + QUIZ.format(right="teal")
PLAIN = FRONT.format(title="Beta", order=2, extra="") + "\nBeta text.\n\n" + QUIZ.format(right="orange")


@pytest.fixture
def built(course_dir, tmp_path, monkeypatch):
    monkeypatch.setattr("builder.runtime.pyodide.install", lambda out: (out / "pyodide").mkdir())
    root = course_dir({"01-alpha.md": PLANNED, "02-beta.md": PLAIN})
    out = tmp_path / "out"
    site.build(root, out)
    return lambda name: (out / name).read_text(encoding="utf-8")


def header(page):
    return re.search(r'<header class="chapter-header">(.*?)</header>', page, re.S).group(1)


def test_objectives_and_minutes_parse_in_order(course_dir):
    alpha, beta = course.gather(course_dir({"01-alpha.md": PLANNED, "02-beta.md": PLAIN})).chapters
    assert alpha.minutes == 25
    assert alpha.objectives == ("Say what a world model predicts", "Explain why rollouts drift: errors compound")
    assert (beta.minutes, beta.objectives) == (None, ())  # both are optional


def test_the_chapter_header_shows_time_and_objectives_after_the_description(built):
    top = header(built("alpha.html"))
    assert top.index("chapter-description") < top.index("About 25 minutes") < top.index("After this chapter you can:")
    items = re.findall(r"<li>(.*?)</li>", top.split("After this chapter you can:")[1])
    assert items == ["Say what a world model predicts", "Explain why rollouts drift: errors compound"]
    plain = header(built("beta.html"))  # a chapter without them shows neither
    assert "minutes" not in plain and "After this chapter" not in plain


def test_the_landing_cards_show_time_and_objective_count_only(built):
    cards = dict(re.findall(r'<li class="chapter-card" data-chapter="([a-z-]+)">(.*?)</li>', built("index.html"), re.S))
    assert '<p class="chapter-card-minutes">About 25 minutes · 2 objectives</p>' in cards["alpha"]
    assert "Say what a world model predicts" not in cards["alpha"]  # cards stay compact
    assert "chapter-card-minutes" not in cards["beta"]


def test_the_instructors_page_has_answers_and_sim_links_and_stays_off_the_learners_path(built):
    page = built("instructors.html")
    alpha = page.split('id="alpha"')[1].split('id="beta"')[0]
    assert "About 25 minutes" in alpha and "<li>Say what a world model predicts</li>" in alpha
    assert '<li class="is-correct"><strong>Correct:</strong> teal.' in alpha
    assert "Because it is teal." in alpha and "Because it is not." in alpha
    assert '<strong>Wrong:</strong> Not teal.' in alpha
    sim_id = re.search(r'<section class="sim" id="([^"]+)"', built("alpha.html")).group(1)
    assert f'<a href="alpha.html#{sim_id}">The Alpha ball</a>' in alpha
    beta = page.split('id="beta"')[1]
    assert "No time given" in beta and "None given." in beta and "orange." in beta
    for name in ("index.html", "alpha.html", "beta.html"):  # footer only: not in a menu or pager
        learner = built(name)
        assert learner.count('href="instructors.html"') == 1
        assert re.search(r'<footer class="site-footer">.*href="instructors.html".*</footer>', learner, re.S)
    assert {entry["url"].split("#")[0] for entry in json.loads(built("search-index.json"))} == {"alpha.html", "beta.html"}


@pytest.mark.parametrize("extra, line, message", [
    ("minutes: about 20\n", 5, "minutes must be a whole number of minutes such as 25, not 'about 20'"),
    ("minutes: 0\n", 5, "minutes must be a whole number of minutes such as 25, not '0'"),
    ("minutes: 12.5\n", 5, "minutes must be a whole number of minutes such as 25, not '12.5'"),
    ("minutes: 20\nminutes: 25\n", 6, "'minutes' is given twice"),
    ("objective: Plan\nobjective:\n", 6, "'objective' is empty"),
    ("objectives: Plan ; act\n", 5, "unknown front matter key 'objectives' (did you mean 'objective'?)"),
    ("minute: 20\n", 5, "unknown front matter key 'minute' (did you mean 'minutes'?)"),
], ids=["words", "zero", "fraction", "twice", "empty objective", "objectives", "minute"])
def test_bad_objectives_and_minutes_fail_with_file_and_line(course_dir, extra, line, message):
    text = FRONT.format(title="Alpha", order=1, extra=extra) + "\nText.\n"
    with pytest.raises(BuildError) as caught:
        course.gather(course_dir({"01-alpha.md": text}))
    found = [(p.path, p.line, p.message) for p in caught.value.problems]
    assert ("chapters/01-alpha.md", line, message) in found, found
    assert f"chapters/01-alpha.md:{line}: {message}\n    {line} | {text.splitlines()[line - 1]}" in str(caught.value)


# --- The real course ---------------------------------------------------------------------------

CHAPTERS = course.gather(ROOT).chapters


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.slug for c in CHAPTERS])
def test_every_chapter_of_the_course_has_objectives_and_a_time(chapter):
    assert 3 <= len(chapter.objectives) <= 6, chapter.source
    assert len(set(chapter.objectives)) == len(chapter.objectives)
    assert all(o[0].isupper() and not o.endswith(".") for o in chapter.objectives), chapter.objectives
    # Reading at roughly 150 to 250 words a minute, plus a few minutes at the sim.
    words = len((ROOT / chapter.source).read_text(encoding="utf-8").split())
    assert words / 250 + 2 <= chapter.minutes <= words / 150 + 15, (chapter.source, words, chapter.minutes)


def test_the_instructors_page_lists_all_nine_chapters_with_every_correct_answer(built_site):
    page = (built_site / "instructors.html").read_text(encoding="utf-8")
    assert len(CHAPTERS) == 9
    sections = re.findall(r'<section class="instructors-chapter" aria-labelledby="([a-z-]+)">(.*?)</section>', page, re.S)
    assert [slug for slug, _ in sections] == [c.slug for c in CHAPTERS]
    for chapter, (_, section) in zip(CHAPTERS, sections):
        assert f"About {chapter.minutes} minutes" in section
        assert all(f"<li>{escape(o)}</li>" in section for o in chapter.objectives)
        quizzes = chapter.blocks("quiz") + chapter.blocks("predict")  # predictions: the key the sim computed
        assert quizzes and section.count('class="instructors-answers"') == len(quizzes)
        for quiz in quizzes:
            for option in quiz.options:
                mark = '<li class="is-correct"><strong>Correct:</strong> ' if option.correct else "<li><strong>Wrong:</strong> "
                assert mark + str(site.unwrap_paragraph(option.html)) in section
                assert str(option.explanation) in section
        for sim in chapter.blocks("sim"):
            assert f'href="{chapter.url}#{sim.id}"' in section
            assert f'id="{sim.id}"' in (built_site / chapter.url).read_text(encoding="utf-8")
    total = sum(c.minutes for c in CHAPTERS)
    assert f"<td>{total} min</td>" in page
    assert "instructors.html" not in (built_site / "search-index.json").read_text(encoding="utf-8")
