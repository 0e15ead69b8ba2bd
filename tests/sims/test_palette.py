"""One palette: every role sims/contract.py defines has its colour in the stylesheet, in the
light theme and in both ways of choosing the dark one, and its legend swatch; no other role."""

import re

from conftest import ROOT
from sims import contract

CSS = (ROOT / "static" / "css" / "course.css").read_text(encoding="utf-8")


def themes():
    """Each block of the stylesheet that sets sim colours: (its selector, {role: colour})."""
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*--sim-[^{}]*)\}", CSS):
        colours = dict(re.findall(r"--sim-([a-z]+):\s*([^;]+);", body))
        colours.pop("background", None)  # the canvas's own ground, not a role
        colours.pop("zoom", None)  # presentation mode's scale, not a colour
        if colours:
            yield selector.strip(), colours


def test_every_theme_colours_exactly_the_contracts_roles():
    found = list(themes())
    assert len(found) == 3, [s for s, _ in found]  # light, dark by preference, dark by choice
    for selector, colours in found:
        assert set(colours) == set(contract.ROLES), selector
        assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours.values()), selector


def test_the_two_dark_themes_agree_and_differ_from_light():
    (_, light), (_, dark_preferred), (_, dark_chosen) = themes()
    assert dark_preferred == dark_chosen
    assert all(light[role] != dark_chosen[role] for role in ("real", "imagined", "ink"))


def test_every_role_has_its_legend_swatch():
    swatches = dict(re.findall(r'\.sim-swatch\[data-role="([a-z]+)"\]\s*\{\s*background:\s*var\(--sim-([a-z]+)\)', CSS))
    assert swatches == {role: role for role in contract.ROLES}
