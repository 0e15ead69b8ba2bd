"""Every sim the course uses gets an embed page, embed/NAME.html: the sim block alone, with the
runtime's paths one folder up; the instructors page lists each with its snippet."""

import json
import re

from markupsafe import escape

from builder import course, site
from conftest import ROOT

COURSE = course.gather(ROOT)
FRONT = "---\ntitle: {title}\ndescription: A case.\norder: {order}\n---\n"
SIM = "\n::: sim {name}\ntitle: {title}\ncaption: A caption.\n\nTry it.\n:::\n"


def config_of(page):
    return json.loads(re.search(r'<script type="application/json" id="course-config">(.*?)</script>', page, re.S).group(1))


def test_every_sim_in_the_course_has_an_embed_page_of_it_alone(built_site):
    used = {part.name: (chapter, part) for chapter in reversed(COURSE.chapters) for part in chapter.blocks("sim")}
    assert len(used) == 9
    assert sorted(p.name for p in (built_site / "embed").iterdir()) == sorted(f"{name}.html" for name in used)
    for name, (chapter, part) in used.items():
        page = (built_site / "embed" / f"{name}.html").read_text(encoding="utf-8")
        assert page.count("data-sim=") == 1 and f'data-sim="{name}"' in page, name
        assert f'id="{part.id}"' in page and str(escape(part.title)) in page
        for absent in ("site-header", "site-footer", "chapter-menu", "sim-side", "sim-try", "chapter-body", "skip-link"):
            assert absent not in page, (name, absent)
        # Its own chapter, for the viewer who wants the text around it, in a new tab.
        assert f'<a href="../{chapter.url}#{part.id}" target="_blank" rel="noopener">' in page
        # Everything the page loads is one folder up (or inside it: its picture's images).
        assert re.findall(r'(?:href|src)="(?!\.\./|#|data:image/png;base64,)([^"]+)"', page) == [], name
        config = config_of(page)
        for key in ("pyodide", "sims", "worker", "offline"):
            assert config[key].startswith("../"), (name, key)
        assert "search" not in config
        assert (built_site / "embed" / config["offline"]).resolve() == (built_site / "sw.js").resolve()
        # Its Copy embed code points at this very page.
        assert f'data-embed="../embed/{name}.html"' in page


def test_a_chapter_sim_knows_its_embed_page_and_the_instructors_page_lists_them(built_site):
    instructors = (built_site / "instructors.html").read_text(encoding="utf-8")
    for chapter in COURSE.chapters:
        page = (built_site / chapter.url).read_text(encoding="utf-8")
        for part in chapter.blocks("sim"):
            assert f'data-embed="embed/{part.name}.html"' in page
            assert f'<a href="embed/{part.name}.html">' in instructors
            snippet = escape(f'<iframe src="embed/{part.name}.html" title="{escape(part.title)}" loading="lazy" '
                             'allow="fullscreen; clipboard-write" style="width: 100%; height: 800px; border: 0"></iframe>')
            assert str(snippet) in instructors, part.name
    assert "<iframe" not in instructors  # shown as code, never embedded here
    assert "put your site's address before them" in instructors


def test_embed_addresses_are_absolute_with_a_url_and_a_sim_used_twice_has_one_page(course_dir, tmp_path, monkeypatch):
    monkeypatch.setattr("builder.runtime.pyodide.install", lambda out: (out / "pyodide").mkdir())
    root = course_dir({
        "01-one.md": FRONT.format(title="One", order=1) + SIM.format(name="ball", title="First ball"),
        "02-two.md": FRONT.format(title="Two", order=2) + SIM.format(name="ball", title="Second ball")
        + SIM.format(name="planning", title="Plans"),
    })
    (root / "course.toml").write_text('url = "https://example.org/wm/"\n', encoding="utf-8")
    site.build(root, tmp_path / "out")
    out = tmp_path / "out"
    assert sorted(p.name for p in (out / "embed").iterdir()) == ["ball.html", "planning.html"]
    ball = (out / "embed" / "ball.html").read_text(encoding="utf-8")
    assert "First ball" in ball and "Second ball" not in ball  # the first block that shows it
    assert '<link rel="canonical"' not in ball  # a page for frames, not for search
    two = (out / "two.html").read_text(encoding="utf-8")
    assert two.count('data-embed="embed/ball.html"') == 1 and 'data-embed="embed/planning.html"' in two
    instructors = (out / "instructors.html").read_text(encoding="utf-8")
    assert "src=&#34;https://example.org/wm/embed/planning.html&#34;" in instructors
    assert "put your site's address before them" not in instructors
    assert "embed/" not in (out / "sitemap.xml").read_text(encoding="utf-8")
