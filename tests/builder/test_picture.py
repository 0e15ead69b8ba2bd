"""Each sim's picture, the frame the build draws into its page (builder/first_frame.py): small,
in the theme's colours, and a frame where the model has learned something."""

import gzip
import re

import pytest

from builder import course, first_frame, simreg
from conftest import ROOT

COURSE = course.gather(ROOT)
LIMIT = 30 * 1024  # bytes, gzip-compressed, per sim (bench.py reports the same)


@pytest.mark.parametrize("name", sorted(COURSE.sims))
def test_a_picture_stays_small(name):
    svg = str(first_frame.render(COURSE.sims[name].picture))
    size = len(gzip.compress(svg.encode("utf-8"), 9))
    assert size <= LIMIT, f"{name}: the picture is {size / 1024:.1f} KB compressed; at most {LIMIT // 1024}"


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
def test_a_picture_takes_its_colours_from_the_theme(name):
    """No colour is written in: marks use currentColor under their role's class, which the CSS
    maps to the --sim-* properties (so dark mode and print follow)."""
    svg = str(first_frame.render(COURSE.sims[name].picture, labelledby="t"))
    without_images = re.sub(r'href="data:image/png;base64,[^"]*"', "", svg)
    colours = set(re.findall(r'(?:fill|stroke|color)="([^"]*)"', without_images))
    assert colours <= {"currentColor", "none"}, colours
    assert "style=" not in svg  # the page's CSP allows no inline style
    classes = {c for attr in re.findall(r'class="([^"]*)"', without_images) for c in attr.split()}
    roles = classes - {"sim-picture", "background", "title", "tick", "top", "label"}
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
