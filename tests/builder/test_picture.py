"""Each sim's pictures, the frame the build draws into its page (builder/first_frame.py), wide and
narrow: small, in the theme's colours, and a frame where the model has learned something."""

import gzip
import itertools
import re

import pytest

from builder import course, first_frame, simreg, site
from builder.errors import BuildError
from conftest import ROOT

COURSE = course.gather(ROOT)
LIMIT = 30 * 1024  # bytes, gzip-compressed, per sim (bench.py reports the same)


@pytest.mark.parametrize("name", sorted(COURSE.sims))
def test_a_sims_pictures_stay_small(name):
    svg = str(first_frame.pictures(COURSE.sims[name].picture, "sim-1"))
    size = len(gzip.compress(svg.encode("utf-8"), 9))
    assert size <= LIMIT, f"{name}: the pictures are {size / 1024:.1f} KB compressed; at most {LIMIT // 1024}"


@pytest.mark.parametrize("name", sorted(COURSE.sims))
def test_the_narrow_picture_is_the_layout_a_phone_gets_and_images_are_written_once(name):
    frame = COURSE.sims[name].picture
    svg = str(first_frame.pictures(frame, "sim-2", labelledby="t"))
    wide, narrow = re.findall(r"<svg class=\"sim-picture[^\"]*\"[^>]*>", svg)
    assert 'viewBox="0 0 720 ' in wide and "sim-picture-narrow" not in wide
    assert 'viewBox="0 0 360 ' in narrow and 'class="sim-picture sim-picture-narrow"' in narrow
    # At 360 px every panel has a row of its own, as on the canvas at a phone's width
    rects, _ = first_frame.layout(frame["panels"], first_frame.NARROW)
    assert [r["x"] for r in rects] == [0] * len(rects)
    assert len({r["y"] for r in rects}) == len(rects)
    images = sum("image" in item for panel in frame["panels"] for item in panel["items"])
    assert svg.count("data:image/png") == images  # once each, in the wide picture's <defs>
    assert svg.count('<use href="#sim-2-image-') == 2 * images


def test_the_page_shows_the_narrow_picture_where_the_canvas_stacks_its_panels():
    css = (ROOT / "static" / "css" / "course.css").read_text(encoding="utf-8")
    [width] = re.findall(r"@container \(width < (\d+)px\) \{ \.sim-picture \{ display: none; \} \.sim-picture-narrow \{ display: block; \} \}", css)
    assert int(width) == 2 * first_frame.MIN_PANEL_WIDTH


@pytest.mark.parametrize("name", sorted(COURSE.sims))
def test_a_picture_is_a_chosen_frame_of_the_pages_run(name):
    info = COURSE.sims[name]
    wanted = info.module.PICTURE_FRAME
    assert wanted > 0, f"{name}: the picture should show what the model has learned, not the first frame"
    frames = info.module.simulate(simreg.contract().defaults(info.controls), simreg.PAGE_SEED)
    for _ in range(wanted):
        next(frames, None)
    expected = next(frames, None)
    if expected is not None:  # a run that ended sooner shows its last frame
        (spec, data), (want_spec, want_data) = simreg.contract().pack(info.picture), simreg.contract().pack(expected)
        assert spec == want_spec and (data == want_data).all()


@pytest.mark.parametrize("name", sorted(COURSE.sims))
def test_the_run_keeps_its_pictures_layout(name):
    """Every frame of the page's run, to twice its picture's frame, is laid out as the picture is,
    wide and narrow: the live canvas takes the picture's box and keeps it as the sim plays (a
    frame with other panels would move the page under the learner's eyes)."""
    info = COURSE.sims[name]
    frames = info.module.simulate(simreg.contract().defaults(info.controls), simreg.PAGE_SEED)
    for i, frame in enumerate(itertools.islice(frames, 2 * info.module.PICTURE_FRAME + 1)):
        for width in (first_frame.WIDE, first_frame.NARROW):
            height = first_frame.layout(frame["panels"], width)[1]
            assert height == first_frame.layout(info.picture["panels"], width)[1], f"{name}: frame {i} at {width} px"


@pytest.mark.parametrize("name", sorted(COURSE.sims))
def test_a_picture_takes_its_colours_from_the_theme(name):
    """No colour is written in: marks use currentColor under their role's class, which the CSS
    maps to the --sim-* properties (so dark mode and print follow)."""
    svg = str(first_frame.pictures(COURSE.sims[name].picture, "sim-1", labelledby="t"))
    without_images = re.sub(r'href="(data:image/png;base64,|#sim-1-image-)[^"]*"', "", svg)
    colours = set(re.findall(r'(?:fill|stroke|color)="([^"]*)"', without_images))
    assert colours <= {"currentColor", "none"}, colours
    assert "style=" not in svg  # the page's CSP allows no inline style
    classes = {c for attr in re.findall(r'class="([^"]*)"', without_images) for c in attr.split()}
    roles = classes - {"sim-picture", "sim-picture-narrow", "background", "title", "tick", "top", "label"}
    assert roles <= set(simreg.contract().ROLES), roles
    assert svg.startswith('<svg class="sim-picture"') and 'role="img" aria-labelledby="t"' in svg


def test_the_layout_follows_the_canvas_rules():
    """At the picture's width, three 240 px panels fit in a row; four make two rows of two."""
    panel = {"title": "T", "x": [0, 1], "y": [0, 1], "items": []}
    rects, height = first_frame.layout([panel] * 3)
    assert [r["y"] for r in rects] == [0, 0, 0] and rects[2]["x"] == 480
    rects, height = first_frame.layout([panel] * 4)
    assert [(r["x"], r["y"]) for r in rects] == [(0, 0), (360, 0), (0, 292), (360, 292)]
    assert height == 2 * (round(360 * 0.75) + 22)
    assert [t for _, t in first_frame.ticks(0, 1)] == ["0", "0.25", "0.5", "0.75", "1"]
    assert [t for _, t in first_frame.ticks(0, 2e-4)] == ["0", "5e-5", "1e-4", "1.5e-4", "2e-4"]


CHAPTER = "---\ntitle: T\ndescription: D.\norder: 0\n---\n\n::: sim ball\ntitle: A ball\ncaption: It falls.\n:::\n"


def test_a_sim_that_fails_builds_without_a_picture_and_check_says_why(course_dir, tmp_path, monkeypatch):
    """A picture is the page's first sight, not a gate: a plain build of a failing sim ships it
    with no picture (the page runs it, and shows its error); `check` and `build --strict` stop."""
    monkeypatch.setattr("builder.runtime.pyodide.install", lambda out: (out / "pyodide").mkdir())
    root = course_dir({"01-one.md": CHAPTER})
    with open(root / "sims" / "ball.py", "a", encoding="utf-8") as f:
        f.write("\nPICTURE_FRAME = -1\n")
    site.build(root, tmp_path / "out")
    html = (tmp_path / "out" / "one.html").read_text(encoding="utf-8")
    assert 'class="sim-picture"' not in html and 'class="sim-stage sim-stage-empty"' in html
    assert '<canvas class="sim-canvas" role="img"' in html  # shown at once, as before pictures
    with pytest.raises(BuildError) as caught:
        course.gather(root, run_sims=True)
    [problem] = caught.value.problems
    assert (problem.path, problem.line) == ("chapters/01-one.md", 7)
    assert "PICTURE_FRAME must be a whole number >= 0" in problem.message
