"""Gather the whole course into one data model, checking what needs every chapter at once."""

import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path

from markupsafe import Markup

from . import chapters as chapter_reader
from . import config as course_config
from . import glossary as glossary_reader
from . import markup, simreg
from .errors import BuildError, Collector, Problem, did_you_mean


@dataclass
class Course:
    root: Path
    chapters: list  # in reading order, as course.toml lists them or by front matter order
    sims: dict  # name -> SimInfo, for the sims the chapters embed
    config: course_config.Config = field(default_factory=course_config.Config)
    glossary: glossary_reader.Glossary = field(default_factory=glossary_reader.Glossary)

    def neighbours(self, chapter):
        """(previous, next) chapters of chapter, None at the ends."""
        i = self.chapters.index(chapter)
        return (self.chapters[i - 1] if i else None,
                self.chapters[i + 1] if i + 1 < len(self.chapters) else None)


def gather(root, run_sims=False):
    """Read and validate course.toml, every chapter it includes and their sims; raise
    BuildError listing every problem."""
    root = Path(root)
    files = sorted((root / "chapters").glob("*.md"))
    registry = simreg.load_registry(root)
    slugs = {f: chapter_reader.slug_of(f) for f in files}
    config, problems = course_config.read(root, list(slugs.values()))
    listed = config.chapters
    if listed is not None:
        files = [f for f in files if slugs[f] in listed]
    # A chapter left out has no page: a link to it is an error (None), not a broken link.
    chapter_files = {f.name: (slug if f in files else None) for f, slug in slugs.items()}
    chapters = []
    if not files:
        problems.append(Problem("chapters", 0, "no chapters found: add chapters/00-title.md"))
    for f in files:
        chapter, found = chapter_reader.read_chapter(
            f, f"chapters/{f.name}", chapter_files, registry.NAMES)
        problems += found
        if chapter:
            chapters.append(chapter)
    problems += check_unique(chapters, "slug") + check_unique(chapters, "order")
    problems += check_anchors(chapters, root)
    config, found = course_config.render(config, root, chapter_files, {c.slug: c for c in chapters})
    problems += found
    sims, sim_problems = load_sims(root, chapters, registry.NAMES, run_sims)
    problems += sim_problems
    glossary, found = glossary_reader.read(root, chapter_files)
    problems += found
    if not problems:
        problems += measure_predictions(root, chapters, sims)
    if problems:
        raise BuildError(problems)
    chapters, glossary, found = glossary_reader.attach(glossary, in_order(chapters, listed), root)
    if found:
        raise BuildError(found)
    return Course(root, chapters, sims, config, glossary)


def in_order(chapters, listed):
    """By front matter order; or in course.toml's order, numbered on from the lowest order."""
    by_order = sorted(chapters, key=lambda c: c.order)
    if listed is None:
        return by_order
    first = by_order[0].order
    ordered = sorted(chapters, key=lambda c: listed.index(c.slug))
    return [replace(c, order=first + n) for n, c in enumerate(ordered)]


def check_unique(chapters, attribute):
    seen, problems = {}, []
    for c in chapters:
        value = getattr(c, attribute)
        if value in seen:
            problems.append(Problem(c.source, 1, f"duplicate {attribute} '{value}': "
                                                  f"{seen[value]} has it too"))
        seen.setdefault(value, c.source)
    return problems


def check_anchors(chapters, root):
    by_slug = {c.slug: c for c in chapters}
    problems = []
    for c in chapters:
        lines = (root / c.source).read_text(encoding="utf-8").splitlines()

        def report(line, message):
            problems.append(Problem(c.source, line, message, lines[line - 1] if 0 < line <= len(lines) else ""))

        for line, slug, anchor in c.links.anchors:
            target = by_slug.get(slug) if slug else c
            if target and anchor not in target.ids:
                hint = did_you_mean(anchor, target.ids)
                report(line, f"no anchor '#{anchor}' in {target.source}{hint}")
        for image in c.links.images:
            if not (root / "chapters" / image).is_file():
                report(c.links.image_lines[image], f"image '{image}' not found in chapters/")
    return problems


def load_sims(root, chapters, names, run_sims):
    """Load every registered sim a chapter embeds, its HOW rendered and its picture's frame
    computed (None if the sim fails); with run_sims, also its first frame under seed 0, and any
    failure is a problem."""
    sims, problems = {}, []
    for c in chapters:
        for block in c.blocks("sim"):
            if block.name in sims or block.name not in names:
                continue
            try:
                info = simreg.load_sim(block.name)
                info.how_html, found = render_how(root, info)
                problems += found
                if run_sims:
                    simreg.trial_run(info)
                try:
                    info.picture, info.summary_room = simreg.picture_frame(info), simreg.summary_room(info)
                except Exception:
                    if run_sims:
                        raise
                    info.picture = None  # no picture: the page runs it live; `check` says why
                sims[block.name] = info
            except Exception as error:  # a broken sim module: report it, keep checking
                last = traceback.extract_tb(error.__traceback__)[-1:]
                where = f" ({Path(last[0].filename).name}:{last[0].lineno})" if last else ""
                problems.append(Problem(c.source, block.line,
                                        f"sim '{block.name}' fails: {type(error).__name__}: {error}{where}"))
    return sims, problems


def measure_predictions(root, chapters, sims):
    """Run each prediction's sim at its settings: the option holding the number it reads is the
    right one. Problems point at the prediction's lines."""
    problems = []
    for c in chapters:
        lines = (root / c.source).read_text(encoding="utf-8").splitlines()

        def report(line, message):
            problems.append(Problem(c.source, line, message, lines[line - 1] if 0 < line <= len(lines) else ""))

        embedded = {b.name for b in c.blocks("sim")}
        for block in c.blocks("predict"):
            if block.sim not in embedded:
                report(block.line, f"the chapter has no '::: sim {block.sim}' for this prediction to run")
                continue
            info = sims[block.sim]
            try:
                block.params = simreg.params_for(info.controls, block.settings)
            except ValueError as error:
                report(block.settings_line or block.line, str(error))
                continue
            try:
                block.value = simreg.measure(info, block.params, block.seed, block.metric, block.frame, block.when)
            except ValueError as error:  # no such frame or number
                report(block.line, f"the prediction cannot be measured: {error}")
                continue
            except Exception as error:  # the sim's own failure
                report(block.line, f"the prediction cannot be measured: sim '{block.sim}' fails: "
                                   f"{type(error).__name__}: {error}")
                continue
            holding = [o for o in block.options if o.holds(block.value)]
            if len(holding) != 1:
                report(block.line, f"the sim measured {block.metric} = {block.value:.4g}, which "
                                   f"{'no option' if not holding else 'more than one option'} covers")
                continue
            holding[0].correct = True
    return problems


def render_how(root, info):
    """The sim's "How this works" note as HTML, rendered like chapter text, and its problems
    (a link to nowhere, say) at the sim module's lines."""
    path = f"sims/{info.name}.py"
    found = Collector(path, (Path(root) / path).read_text(encoding="utf-8").splitlines())
    links = markup.Links({}, found.add, where=lambda needle: found.line_of(needle, found.line_of("HOW")))
    return Markup(markup.markdown_renderer(links, links.report).convert(info.how)), found.problems
