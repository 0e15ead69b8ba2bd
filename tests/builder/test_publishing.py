"""Publishing with course.toml's url: a sitemap, a canonical address and link-preview tags on
every page. Without a url none of them is written: a site linked only relatively cannot know
its own address."""

import html.parser
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree

import pytest

from builder import site
from conftest import ROOT

FRONT = "---\ntitle: {title}\ndescription: {description}\norder: {order}\n---\n\n## Start\n\nText.\n"
CHAPTERS = {
    "01-alpha.md": FRONT.format(title="Alpha", description="Where it starts.", order=1),
    "02-beta.md": FRONT.format(title='Beta & "Gamma"', description="Models <and> plans & more.", order=2),
    "03-delta.md": FRONT.format(title="Delta", description="Left out.", order=3),
}
TOML = 'title = "Robots & Models"\ntagline = "Four weeks."\nchapters = ["beta", "alpha"]\nurl = "{url}"\n'
SITE = "https://teacher.github.io/robots/"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(autouse=True)
def no_runtime(monkeypatch):
    monkeypatch.setattr("builder.runtime.pyodide.install", lambda out: (out / "pyodide").mkdir())


class HeadTags(html.parser.HTMLParser):
    """The canonical link and the og:/twitter: metas of a page, their values unescaped."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.canonical, self.meta = [], {}
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "canonical":
            self.canonical.append(attrs["href"])
        key = attrs.get("property") or attrs.get("name") or ""
        if tag == "meta" and key.startswith(("og:", "twitter:")):
            assert key not in self.meta, f"{key} twice"
            self.meta[key] = attrs["content"]


def build(course_dir, tmp_path, url, strict=False):
    root = course_dir(CHAPTERS)
    (root / "course.toml").write_text(TOML.format(url=url), encoding="utf-8")
    out = tmp_path / "out"
    site.build(root, out, run_sims=strict)  # run_sims is what build.py build --strict adds
    return out


@pytest.mark.parametrize("url, strict", [(SITE, False), (SITE.rstrip("/"), True)],
                         ids=["build", "strict-without-trailing-slash"])
def test_with_a_url_every_page_is_in_the_sitemap_with_its_absolute_address(course_dir, tmp_path, url, strict):
    out = build(course_dir, tmp_path, url, strict)
    tree = ElementTree.parse(out / "sitemap.xml").getroot()
    assert tree.tag == f"{SITEMAP}urlset"
    locs = [loc.text for loc in tree.iter(f"{SITEMAP}loc")]
    assert locs == [SITE, SITE + "beta.html", SITE + "alpha.html"]  # landing page, then reading order
    assert len(tree) == len(locs), "one <url> per page, each with its <loc>"
    assert "sitemap.xml" in (out / "sw.js").read_text(), "the offline copy lists every file"


def test_with_a_url_every_page_names_its_canonical_address_and_previews(course_dir, tmp_path):
    out = build(course_dir, tmp_path, SITE)
    expected = {
        "index.html": (SITE, "website", "Robots & Models", "Four weeks."),
        "beta.html": (SITE + "beta.html", "article", 'Beta & "Gamma"', "Models <and> plans & more."),
        "alpha.html": (SITE + "alpha.html", "article", "Alpha", "Where it starts."),
    }
    for name, (address, kind, title, description) in expected.items():
        tags = HeadTags((out / name).read_text(encoding="utf-8"))
        assert tags.canonical == [address], name
        assert tags.meta == {"og:type": kind, "og:title": title, "og:description": description,
                             "og:url": address, "og:site_name": "Robots & Models",
                             "twitter:card": "summary"}, name  # no image: none is claimed
    assert not (out / "delta.html").exists()


def test_without_a_url_there_is_no_sitemap_canonical_or_preview(course_dir, tmp_path):
    out = build(course_dir, tmp_path, "", strict=True)
    assert not (out / "sitemap.xml").exists()
    assert "sitemap.xml" not in (out / "sw.js").read_text()
    for name in ("index.html", "beta.html", "alpha.html"):
        text = (out / name).read_text(encoding="utf-8")
        tags = HeadTags(text)
        assert tags.canonical == [] and tags.meta == {}, name
        assert "https://" not in re.search(r"<head>.*</head>", text, re.S).group(0), name


def test_the_published_pages_are_valid_html(course_dir, tmp_path):
    """The Nu HTML checker accepts the added head tags (the gates check the shipped course,
    which has no url)."""
    vnu = ROOT / "tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    java = shutil.which("java")
    if not (vnu.is_file() and java):
        missing = "the Nu HTML checker (tools/node_modules, Java) is missing: ./course.sh test installs it"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    out = build(course_dir, tmp_path, SITE)
    pages = [str(out / name) for name in ("index.html", "beta.html", "alpha.html")]
    result = subprocess.run([java, "-jar", str(vnu), "--errors-only", "--format", "json", *pages],
                            capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    assert [m["message"] for m in messages] == []
