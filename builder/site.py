"""Render a gathered course into a static site, built aside and swapped in whole."""

import hashlib
import html as htmllib
import json
import re
import shutil
import tempfile
import traceback
from pathlib import Path

import jinja2
from markupsafe import Markup

from . import course as course_model
from . import first_frame, simreg
from .runtime import fonts, pyodide
from .blocks import Block
from .errors import BuildError, CourseError, Problem

MARKER = ".understand-world-models-site"


class SiteError(CourseError):
    """The output folder cannot be written safely."""


def build(root, out, cdn=False, run_sims=False):
    """Gather and validate the course, then write it to out; a failure leaves out as it was."""
    course = course_model.gather(root, run_sims=run_sims)
    out = Path(out).resolve()
    check_output_folder(out, Path(root).resolve())
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; a site is for everyone to read
    try:
        write_site(course, staging, cdn)
        swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return course


def check_output_folder(out, root):
    if root == out or root.is_relative_to(out) or any(
            out.is_relative_to(root / d) for d in ("chapters", "sims", "templates", "static")):
        raise SiteError(f"refusing to build into {out}: it holds the course's sources")
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise SiteError(f"refusing to replace {out}: it is not a site built by this builder "
                        f"(no {MARKER} file). Choose another --out or empty it yourself.")


def swap_in(staging, out):
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        out.rename(old / "site")
    staging.rename(out)
    if old:
        shutil.rmtree(old, ignore_errors=True)


def write_site(course, out, cdn):
    root = course.root
    shutil.copytree(root / "static", out / "static")
    fonts.install(out)
    (out / "sims").mkdir()
    sources = {p.name: p.read_text(encoding="utf-8") for p in sorted((root / "sims").glob("*.py"))}
    (out / "sims" / "bundle.json").write_text(json.dumps(sources))
    (out / "search-index.json").write_text(json.dumps(search_index(course), ensure_ascii=False))
    # Each image keeps its path from chapters/, so a.png in two folders stays two files.
    for image in sorted({img for c in course.chapters for img in c.links.images}):
        (out / "media" / image).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / "chapters" / image, out / "media" / image)
    python = None if cdn else pyodide.install(out)
    if python and python["unpacked"]:
        python["snapshot"] = pyodide.snapshot_key(out / "pyodide", out / "static" / "js" / "worker.js")
    for name, html in render_pages(course, cdn, fingerprint(out), python):
        write(out / name, html)
    if course.config.url:
        write(out / "sitemap.xml", sitemap(course))
    write_service_worker(environment(root), out)
    (out / ".nojekyll").write_text("")  # GitHub Pages: serve the files as they are
    (out / MARKER).write_text("This folder is a built site; the builder may replace it whole.\n")


def render_pages(course, cdn, version, python=None):
    """Every page as (file name, HTML); a template's error becomes a Problem at its line."""
    env = environment(course.root)
    rendering = "the landing page"
    try:
        contract = simreg.contract().for_pages()
        context = {"course": course, "config": page_config(cdn, contract, python=python), "version": version,
                   "cdn": cdn, "menu": chapter_menu(env, course), "root": "", "embedded": False}
        rendered = [("index.html", env.get_template("index.html").render(
            context, page=None, canonical=public_url(course, "index.html")))]
        for page in course.chapters:
            rendering = page.source
            previous, following = course.neighbours(page)
            rendered.append((page.url, env.get_template("chapter.html").render(
                context, page=page, previous=previous, next=following,
                canonical=public_url(course, page.url))))
        # Every question of the course, shown when due for review (static/js/review.js).
        rendering = "the review page"
        rendered.append(("review.html", env.get_template("review.html").render(
            context, page=None, canonical=public_url(course, "review.html"))))
        # Objectives, times, quiz answers and sims for whoever teaches the course: linked from
        # the footer only, and left out of the search index, so learners meet no answers.
        if course.glossary.terms:  # chapters/glossary.toml, when the course has one
            rendering = "the glossary"
            rendered.append(("glossary.html", env.get_template("glossary.html").render(
                context, page=None, canonical=public_url(course, "glossary.html"))))
        rendering = "the instructors page"
        pages = {part.name: name for name, _, part in embeds(course)}
        rendered.append(("instructors.html", env.get_template("instructors.html").render(
            context, page=None, canonical=public_url(course, "instructors.html"), embed_pages=pages,
            embed_src={sim: public_url(course, name) or name for sim, name in pages.items()})))
        # Each sim on a page of its own, one folder down, for an <iframe> anywhere.
        config = page_config(cdn, contract, "../", python)
        del config["search"]  # no search box there: its results lead to chapters
        embed = {**context, "config": config, "root": "../", "embedded": True}
        for name, chapter, part in embeds(course):
            rendering = f"{name} (from {chapter.source})"
            rendered.append((name, env.get_template("embed.html").render(
                embed, page=None, chapter=chapter, part=part, canonical="")))
    except jinja2.TemplateError as error:
        raise BuildError([template_problem(course.root, error, rendering)]) from None
    return rendered


def template_problem(root, error, page):
    """The template file and line where rendering failed, named with the page it was for."""
    path, line = getattr(error, "filename", None), getattr(error, "lineno", None)
    if not path:  # a runtime error: Jinja puts the template's own frame in the traceback
        templates = (root / "templates").resolve()
        frames = [f for f in traceback.extract_tb(error.__traceback__)
                  if Path(f.filename).resolve().is_relative_to(templates)]
        path, line = (frames[-1].filename, frames[-1].lineno) if frames else ("templates", 0)
    where = Path(path).resolve()
    shown = where.relative_to(root.resolve()).as_posix() if where.is_relative_to(root.resolve()) else str(path)
    source = where.read_text(encoding="utf-8").splitlines() if where.is_file() else []
    text = source[line - 1] if 0 < line <= len(source) else ""
    return Problem(shown, line or 0, f"{type(error).__name__}: {error.message or error} (rendering {page})", text)


def write_service_worker(env, out):
    """sw.js: the offline worker, told every file of the build and a version that changes with
    any of them (a page, a sim or the runtime), so the offline copy follows every change."""
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                   if p.is_file() and not p.name.startswith("."))
    digest = hashlib.sha256()
    for name in files:
        digest.update(name.encode() + b"\0" + (out / name).read_bytes() + b"\0")
    source = env.get_template("sw.js").render(files=files, version=digest.hexdigest()[:16])
    write(out / "sw.js", source)


def chapter_menu(env, course):
    """menu(page): the chapter menu's entries with page's marked current. Each entry is
    rendered once, not once per page; each page still lists every chapter, so a course's pages
    grow as chapters squared, but only by copying strings."""
    item = env.get_template("menu.html").module.item
    entries = [str(item(c, False)) for c in course.chapters]
    current = {c.slug: (n, str(item(c, True))) for n, c in enumerate(course.chapters)}

    def menu(page):
        if page is None:
            return Markup("".join(entries))
        n, entry = current[page.slug]
        return Markup("".join(entries[:n] + [entry] + entries[n + 1:]))
    return menu


def environment(root):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(root / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.tests["block"] = lambda part: isinstance(part, Block)
    env.filters["inline"] = unwrap_paragraph
    env.filters["with_unit"] = with_unit
    env.filters["pictures"] = lambda sim, id, **aria: first_frame.pictures(sim.picture, id, **aria)
    return env


def unwrap_paragraph(html):
    """'<p>text</p>' -> 'text', for Markdown fragments placed where a paragraph cannot go."""
    text = str(html).strip()
    if text.startswith("<p>") and text.endswith("</p>") and text.count("<p>") == 1:
        text = text[3:-4]
    return Markup(text)


def with_unit(value, unit):
    """12 and "%" -> "12%"; 60 and "steps" -> "60 steps" (the browser mirrors this in sim.js)."""
    return f"{value}{unit}" if not unit or not unit[0].isalpha() else f"{value} {unit}"


def page_config(cdn, contract, root="", python=None):
    """What the browser runtime needs to know, given to it as JSON in every page; its paths are
    relative to the page, which stands root (say "../") below the site's top. python: how the
    self-hosted runtime starts (pyodide.install), so that the worker asks the server nothing first."""
    config = {"pyodide": pyodide.CDN_URL if cdn else root + "pyodide/", "sims": root + "sims/bundle.json",
              "worker": root + "static/js/worker.js", "search": root + "search-index.json",
              "offline": root + "sw.js", "contract": contract}
    if python:
        config["python"] = python
    return config


def embeds(course):
    """(page name, chapter, sim block) for each sim the course uses: embed/NAME.html, made from
    the first block that shows it, so its address stays put when chapters move."""
    found = {}
    for chapter in course.chapters:
        for part in chapter.blocks("sim"):
            found.setdefault(part.name, (f"embed/{part.name}.html", chapter, part))
    return list(found.values())


def public_url(course, name):
    """The page's absolute address on the published site; '' when course.toml gives no url,
    since a site linked only relatively cannot know its own address."""
    base = course.config.url
    if not base:
        return ""
    base = base.rstrip("/") + "/"
    return base if name == "index.html" else base + name


def sitemap(course):
    """sitemap.xml: every page's public address, for search engines."""
    names = ["index.html"] + [c.url for c in course.chapters] + (["glossary.html"] if course.glossary.terms else [])
    entries = "".join(f"  <url><loc>{htmllib.escape(public_url(course, n))}</loc></url>\n" for n in names)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</urlset>\n')


def search_index(course):
    """Every chapter's sections as plain text, for the search box."""
    sections = []
    for chapter in course.chapters:
        html = " ".join(p.text() if isinstance(p, Block) else str(p) for p in chapter.parts)
        pieces = re.split(r'<h[23] id="([^"]+)">(.*?)</h[23]>', html)
        for n in range(0, len(pieces), 3):
            anchor, heading = (pieces[n - 2], pieces[n - 1]) if n else ("", "")
            text = plain(pieces[n])
            if text or heading:
                sections.append({"chapter": chapter.title, "heading": plain(heading), "text": text,
                                 "url": chapter.url + (f"#{anchor}" if anchor else "")})
    for term in course.glossary.terms:
        sections.append({"chapter": "Glossary", "heading": term.term, "text": term.definition,
                         "url": f"glossary.html#{term.id}"})
    return sections


def plain(html):
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<math.*?</math>|<[^>]+>", " ", html, flags=re.S))).strip()


def fingerprint(out):
    """A short hash of the static files and sims, appended to their URLs to defeat stale caches."""
    digest = hashlib.sha256()
    for path in sorted(out.joinpath("static").rglob("*")) + [out / "sims" / "bundle.json"]:
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
