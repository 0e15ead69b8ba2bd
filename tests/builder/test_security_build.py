"""Hostile chapters cannot publish files from outside chapters/, put markup on a page through
math, or stall the build: each is refused with file:line, or rendered inert, quickly."""

import re
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as etree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench import synthetic
from builder import chapters, course, markup, site
from builder.errors import BuildError
from conftest import ROOT

FRONT = "---\ntitle: T\ndescription: D.\norder: 1\n---\n"
FIRST = FRONT.count("\n") + 1  # the line right after the front matter


@pytest.fixture(autouse=True)
def no_runtime(monkeypatch):
    monkeypatch.setattr("builder.runtime.pyodide.install", lambda out: (out / "pyodide").mkdir())


def problems_of(root):
    with pytest.raises(BuildError) as caught:
        course.gather(root)
    return caught.value


def assert_reported(error, line, message, source):
    """The problem names file:line and says what to do, and the offending line is shown."""
    assert ("chapters/01-one.md", line, message) in [(p.path, p.line, p.message) for p in error.problems], \
        str(error)
    assert f"chapters/01-one.md:{line}: {message}\n    {line} | {source}" in str(error)


# --- Images: only files inside chapters/ are published ----------------------------------------

def outside_targets(root, secret):
    """Image paths that lead out of chapters/ to a file that exists."""
    up = "../" * (len((root / "chapters").resolve().parts) - 1)
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[remote] token = hunter2\n")
    return {
        "up to /etc": up + "etc/hostname",
        "absolute": "/etc/hostname",
        "repository": "../.git/config",
        "through a folder": "figures/../../.git/config",
        "absolute secret": str(secret),
    }


@pytest.mark.parametrize("case", ["up to /etc", "absolute", "repository", "through a folder", "absolute secret"])
def test_an_image_outside_chapters_is_refused_and_nothing_is_published(case, course_dir, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_text("not for the web")
    root = course_dir({})
    (root / "chapters" / "figures").mkdir()
    target = outside_targets(root, secret)[case]
    source = f"![a plot]({target})"
    (root / "chapters" / "01-one.md").write_text(FRONT + f"Intro.\n\n{source}\n")
    with pytest.raises(BuildError) as caught:
        site.build(root, tmp_path / "out")
    assert_reported(caught.value, FIRST + 2, f"image '{target}' is outside chapters/: put the file in "
                                             "chapters/ (or a folder in it) and give its path from there", source)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("link", ["file", "folder"])
def test_an_image_that_is_a_link_out_of_chapters_is_refused(link, course_dir, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "plot.png").write_text("not for the web")
    root = course_dir({})
    if link == "file":
        target = "plot.png"
        (root / "chapters" / target).symlink_to(outside / "plot.png")
    else:
        target = "figures/plot.png"
        (root / "chapters" / "figures").symlink_to(outside, target_is_directory=True)
    source = f"See ![a plot]({target}) here."
    (root / "chapters" / "01-one.md").write_text(FRONT + source + "\n")
    with pytest.raises(BuildError) as caught:
        site.build(root, tmp_path / "out")
    assert_reported(caught.value, FIRST, f"image '{target}' is a link to a file outside chapters/: "
                                         "copy the file into chapters/", source)
    assert not (tmp_path / "out").exists()


def test_a_link_to_an_image_inside_chapters_is_published(course_dir, tmp_path):
    root = course_dir({"01-one.md": FRONT + "![a plot](figures/plot.png)\n"})
    (root / "chapters" / "figures").mkdir()
    (root / "chapters" / "plot.png").write_bytes(b"PNG one")
    (root / "chapters" / "figures" / "plot.png").symlink_to(root / "chapters" / "plot.png")
    site.build(root, tmp_path / "out")
    assert (tmp_path / "out" / "media" / "figures" / "plot.png").read_bytes() == b"PNG one"


def test_images_with_the_same_name_in_different_folders_stay_apart(course_dir, tmp_path):
    root = course_dir({"01-one.md": FRONT + "![first](a/plot.png)\n\n![second](b/plot.png)\n\n"
                                            "![third](plot.png)\n"})
    for folder, content in (("a", b"PNG a"), ("b", b"PNG b")):
        (root / "chapters" / folder).mkdir()
        (root / "chapters" / folder / "plot.png").write_bytes(content)
    (root / "chapters" / "plot.png").write_bytes(b"PNG top")
    out = tmp_path / "out"
    site.build(root, out)
    page = (out / "one.html").read_text(encoding="utf-8")
    sources = dict(re.findall(r'<img alt="(\w+)" src="([^"]+)"', page))
    assert sources == {"first": "media/a/plot.png", "second": "media/b/plot.png", "third": "media/plot.png"}
    # The page is at the site's root, so each src is a path from there to the right file.
    assert [(out / src).read_bytes() for src in sources.values()] == [b"PNG a", b"PNG b", b"PNG top"]
    offline = (out / "sw.js").read_text(encoding="utf-8")
    assert all(f'"{src}"' in offline for src in sources.values()), "the offline worker caches each"


# --- Math: the MathML on a page is latex2mathml's own, with author text kept as text ----------

def chapter_maths(page):
    return [etree.fromstring(m) for m in re.findall(r"<math\b.*?</math>", page, re.S)]


def assert_allowed(tree):
    for el in tree.iter():
        assert el.tag.removeprefix(markup.MATHML_NAMESPACE) in markup.MATHML_ELEMENTS, el.tag
        assert set(el.attrib) <= markup.MATHML_ATTRIBUTES, el.attrib


@pytest.mark.parametrize("latex, text", [
    (r"\text{<plaintext/>}", "<plaintext/>"),
    (r"\text{</math><script>alert(1)</script>}", "</math><script>alert(1)</script>"),
    (r"\mbox{<img src=x onerror=alert(1)>}", "<img\u00a0src=x\u00a0onerror=alert(1)>"),
    (r"\text{a & b < c}", "a\u00a0&\u00a0b\u00a0<\u00a0c"),
    (r"\text{<!-- x -->}", "<!--\u00a0x\u00a0-->"),
    (r"\text{&#x3C;b&#x3E;}", "<b>"),  # a character reference is kept, and is not markup
])
def test_markup_in_math_text_reaches_the_page_as_text(latex, text, course_dir, tmp_path):
    root = course_dir({"01-one.md": FRONT + f"Before ${latex}$ math.\n\nAfter the math.\n"})
    site.build(root, tmp_path / "out")
    page = (tmp_path / "out" / "one.html").read_text(encoding="utf-8")
    [math] = chapter_maths(page)
    assert_allowed(math)
    assert "".join(math.itertext()) == text
    for raw in ("<plaintext", "<script>", "<img", "<!--"):
        assert raw not in page.split('<div class="chapter-body">')[1]
    assert "<p>After the math.</p>" in page and '<nav class="pager"' in page


@pytest.mark.parametrize("latex, refused", [
    (r"\style{color:red}{x}", "the attribute 'style'"),
    (r"\class{quiz-answer}{x}", "the attribute 'class'"),
    (r"\fcolorbox{red}{blue}{x}", "the attribute 'border-color'"),
    (r"\href{javascript:alert(1)}{x}", "links"),
])
def test_math_outside_the_allow_list_is_refused(latex, refused, course_dir):
    source = f"Math ${latex}$ here."
    error = problems_of(course_dir({"01-one.md": FRONT + source + "\n"}))
    assert_reported(error, FIRST, f"math may not contain {refused}: '{latex}'", source)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="<>&/\"'=!-?;x3Cab ", max_size=40).filter(str.strip))
def test_any_text_in_math_stays_text(text):
    mathml = markup.math_html(rf"\text{{{text}}}", False, pytest.fail)
    tree = etree.fromstring(mathml)
    assert_allowed(tree)
    assert "".join(tree.itertext()).replace("\u00a0", " ") == text


# --- Time: pathological Markdown is refused before it is rendered, and any chapter is cut off -

BUILD = """
import sys
from pathlib import Path
from builder import site
from builder.runtime import pyodide
from builder.errors import BuildError
pyodide.install = lambda out: (out / "pyodide").mkdir()
try:
    site.build(Path(sys.argv[1]), Path(sys.argv[2]))
except BuildError as error:
    print(error, file=sys.stderr)
    sys.exit(3)
"""
TIME_LIMIT = 10  # seconds of wall time for a whole build in a fresh interpreter; each took minutes

# Each is under the 1 MB limit and took more than 30 s to render, quadratic in its length.
SLOW = {
    "emphasis": ("*a" * 200_000, "200,000 inline marks (` * _ [ $ \\ & <) in 400,000 characters"),
    "backticks": ("`a" * 200_000, "200,000 inline marks (` * _ [ $ \\ & <) in 400,000 characters"),
    "link openers": ("[a" * 400 + "](" * 200_000, "400 '[' in 400,800 characters"),
    "formulas": ("$x$" * 250_000, "500,000 inline marks (` * _ [ $ \\ & <) in 750,000 characters"),
}


def build_in_subprocess(root, out):
    try:
        return subprocess.run([sys.executable, "-c", BUILD, str(root), str(out)], cwd=ROOT,
                              capture_output=True, text=True, timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the build took longer than {TIME_LIMIT} s")


@pytest.mark.parametrize("name", list(SLOW))
def test_a_quadratic_paragraph_fails_the_build_fast_with_its_line(name, course_dir, tmp_path):
    payload, counted = SLOW[name]
    root = course_dir({"01-one.md": FRONT + "Intro.\n\n" + payload + "\n\nOutro.\n"})
    started = time.perf_counter()
    result = build_in_subprocess(root, tmp_path / "out")
    assert result.returncode == 3, result.stderr[-2000:]
    assert result.stderr.startswith(
        f"chapters/01-one.md:{FIRST + 2}: this paragraph has {counted}, which Markdown cannot render in "
        "reasonable time: split it into shorter paragraphs, or put literal text in a ``` code block\n"
        f"    {FIRST + 2} | {payload[:20]}"), result.stderr[:500]
    assert time.perf_counter() - started < TIME_LIMIT
    assert not (tmp_path / "out").exists()


def test_real_chapters_are_far_below_the_paragraph_limit():
    """The limit refuses nothing a real chapter does: its heaviest paragraph is 10x below it."""
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "chapters").glob("*.md"))}
    texts["benchmark chapter"] = synthetic.chapter_text(3, "ball")
    for name, text in texts.items():
        heaviest = max(chapters.paragraphs(text.splitlines()), key=lambda p: p.work)
        assert heaviest.work * 10 < chapters.MAX_PARAGRAPH_WORK, (name, heaviest)


def test_a_chapter_that_renders_too_long_is_stopped_at_its_heaviest_paragraph(course_dir, monkeypatch):
    """Many paragraphs each under the limit still add up: the CPU-time bound stops the chapter."""
    monkeypatch.setattr(chapters, "MAX_RENDER_SECONDS", 0.3)
    heavy = "[" * 900  # about 0.2 s of rendering each: 40 of them take several seconds
    text = FRONT + "Intro.\n\n" + "".join(f"{heavy}\n\n" for _ in range(40))
    root = course_dir({"01-one.md": text})
    started = time.process_time()
    error = problems_of(root)
    assert time.process_time() - started < 3
    assert_reported(error, FIRST + 2, "this chapter takes more than 0.3 s to render, so it was stopped (its "
                                      "paragraph with the most inline markup starts here): split long "
                                      "paragraphs, put literal text in ``` code blocks, or split the chapter", heavy)
    assert signal.getitimer(signal.ITIMER_VIRTUAL) == (0.0, 0.0), "the timer is disarmed"
    assert signal.getsignal(signal.SIGVTALRM) in (signal.SIG_DFL, None), "and its handler removed"


def test_a_chapter_reads_normally_outside_the_main_thread(course_dir):
    """Signals reach only the main thread; elsewhere (the dev server's watcher) the limit is off."""
    root = course_dir({"01-one.md": FRONT + "Hello $x_t$.\n"})
    results = []
    worker = threading.Thread(target=lambda: results.append(chapters.read_chapter(
        root / "chapters" / "01-one.md", "chapters/01-one.md", {"01-one.md": "one"}, ())))
    worker.start()
    worker.join()
    [(chapter, problems)] = results
    assert chapter is not None and problems == []


def test_finding_inline_math_is_linear():
    """'$x ' repeated never closes a formula; finding that out took 40 s for 60,000 characters."""
    pattern = re.compile(markup.MATH, re.S)
    with chapters.cpu_time_limit(1):
        assert pattern.search("$x " * 20_000) is None
        assert pattern.search("$x " * 20_000 + "$y$").group(2) == "y"


def test_thousands_of_problems_are_collected_in_linear_time(course_dir, tmp_path):
    root = course_dir({"01-one.md": FRONT + ":::\n" * 50_000})
    result = build_in_subprocess(root, tmp_path / "out")
    assert result.returncode == 3
    assert result.stderr.count("':::' closes a block, but no block is open here") == 50_000
