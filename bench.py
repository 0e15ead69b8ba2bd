#!/usr/bin/env python3
"""The performance benchmark: the course in Chromium against stock Pyodide, and the builder.

    python bench.py [--runs 5] [--changes 10] [--chapter SLUG] [--quick] [--out FILE]
                    [--loading-only] [--compare NAME=VALUE | SITE]

Builds the site into a temporary folder, adds a bare stock-Pyodide page beside it (the floor),
serves both from 127.0.0.1 as GitHub Pages would (bench/server.py), measures them in headless
Chromium (bench/browser.py), times the builder on this course and on synthetic ones, then
prints a table with every target and writes everything to bench-results/latest.json.
docs/benchmarks.md says what each number means and what the last run found.
"""

import argparse
import gzip
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from bench import browser, floor, report, server, synthetic  # noqa: E402
from builder import site  # noqa: E402
from builder.runtime import pyodide  # noqa: E402


def main(argv=None):
    args = parse_args(argv)
    started = time.perf_counter()
    results = {"machine": machine(), "config": vars(args)}
    with tempfile.TemporaryDirectory(prefix="uwm-bench-") as tmp:
        tmp = Path(tmp)
        log("building the site")
        course = site.build(ROOT, tmp / "site")
        results["pictures"] = picture_sizes(course, tmp / "site")
        if args.compare:
            compared_build(tmp, args.compare)
        floor_path = floor.write_floor(tmp / "site")
        pages = server.serve(tmp / "site")
        try:
            results.update(in_browser(pages, course, floor_path, args, results["machine"]))
        finally:
            pages.shutdown()
        if not args.loading_only:
            results["build"] = builds(tmp, args)
    results["machine"]["load_after"] = os.getloadavg()
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["weight"] = {c["chapter"]: report.weight(c["log"], c["path"]) for c in results["chapters"]}
    results["summary"] = report.summarize_results(results)
    print(report.table(results["summary"]))
    loads = [run["load"][0] for run in results["runs"]]
    touring = [c["load"][0] for c in results["chapters"]]
    print(f"\n{len(results['runs'])} runs in {results['seconds']:.0f} s on {results['machine']['cpus']} CPUs. "
          f"1-minute load average: {min(loads):.1f}-{max(loads):.1f} at the start of each run, "
          + (f"{min(touring):.1f}-{max(touring):.1f} at the start of each chapter's tour, " if touring else "")
          + f"{fmt_load(results['machine']['load_after'])} (1/5/15 min) at the end.")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"wrote {out}")
    return 0


def picture_sizes(course, folder):
    """Each sim's two pictures (wide and narrow) as the first chapter embedding it holds them:
    bytes, gzip-compressed."""
    sizes = {}
    for chapter in course.chapters:
        html = (folder / chapter.url).read_text(encoding="utf-8")
        for block, svg in zip(chapter.blocks("sim"), re.findall(r'<svg class="sim-picture".*?</svg>(?=\s*<canvas)', html, re.S)):
            sizes.setdefault(block.name, len(gzip.compress(svg.encode("utf-8"), 9)))
    return sizes


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="bench.py", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="repetitions of each page-load measurement")
    parser.add_argument("--changes", type=int, default=10, help="changes of each sim control")
    parser.add_argument("--chapter", help="the chapter of the cold and warm loads (default: the first)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 1 run, 2 chapters toured, 3 changes, smaller synthetic courses")
    parser.add_argument("--loading-only", action="store_true",
                        help="only the floor and the chapter's first visit and revisits")
    parser.add_argument("--compare", metavar="NAME=VALUE | SITE",
                        help="also build the site with this environment variable set (e.g. UWM_NUMPY=wheel), or "
                             "take a site built elsewhere (e.g. from another commit); serve it under /compared/ and "
                             "load it in every run beside the default build")
    parser.add_argument("--out", default=str(ROOT / "bench-results" / "latest.json"))
    args = parser.parse_args(argv)
    if args.compare and "=" not in args.compare and not (Path(args.compare) / "index.html").is_file():
        parser.error(f"--compare {args.compare}: neither NAME=VALUE nor a folder holding a built site")
    if args.quick:
        args.runs, args.changes = 1, min(args.changes, 3)
    return args


def in_browser(pages, course, floor_path, args, machine_info):
    from playwright.sync_api import sync_playwright
    base = pages.url
    chapters = course.chapters
    chapter = next(c for c in chapters if c.slug == args.chapter) if args.chapter else chapters[0]
    toured = chapters[:2] if args.quick else chapters
    steps = 2 if args.quick else len(chapters) - 1
    with sync_playwright() as playwright:
        chromium = browser.launch(playwright)
        machine_info["chromium"] = chromium.version
        runs, walks = [], []
        for i in range(args.runs):
            log(f"run {i + 1}/{args.runs}: floor, {chapter.slug} cold and warm, largest paint, next chapter")
            run = {"load": os.getloadavg(), "floor": browser.floor(chromium, base + floor_path)}
            # the two builds take turns at going first, so that the machine's drift falls on both
            for which in (("chapter", "compared") if i % 2 == 0 else ("compared", "chapter")):
                if which == "chapter" or args.compare:
                    prefix = COMPARED if which == "compared" else ""
                    run[which] = browser.chapter(chromium, pages, base + prefix + chapter.url)
            runs.append(run)
            if args.loading_only:
                continue
            run["lcp"] = {"python": [], "blocked": []}
            for variant in ("python", "blocked", "blocked", "python"):  # ABBA: order effects cancel
                prefix = server.NO_PYTHON[1:] if variant == "blocked" else ""
                run["lcp"][variant].append(browser.lcp(chromium, base + prefix + chapter.url))
            walks.append(browser.next_chapters(chromium, base, chapters, steps))
        tours = []
        for c in [] if args.loading_only else toured:
            log(f"chapter {c.slug}: weight, animation, {args.changes} changes of each control")
            tours.append({"load": os.getloadavg(), **browser.tour(chromium, pages, base, c, args.changes)})
        chromium.close()
    return {"chapter": chapter.slug, "runs": runs, "next": walks, "chapters": tours}


COMPARED = "compared/"


def compared_build(tmp, setting):
    """The site built again with one environment variable set (an A/B of a build option), or a
    folder holding a site built elsewhere (an A/B of code), served beside the default build
    under /compared/ (a scope of its own for its service worker)."""
    compared = tmp / "site" / COMPARED.rstrip("/")
    if "=" not in setting:
        log(f"taking the site built in {setting}")
        shutil.copytree(setting, compared)
        return
    name, _, value = setting.partition("=")
    log(f"building the site with {name}={value}")
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        site.build(ROOT, tmp / "compared")
    finally:
        if before is None:
            del os.environ[name]
        else:
            os.environ[name] = before
    (tmp / "compared").rename(compared)


def builds(tmp, args):
    sizes = (50, 100, 200) if args.quick else (100, 250, 500)
    repeats = 1 if args.quick else min(args.runs, 3)
    log(f"building this course {args.runs} times")
    results = {"course": [synthetic.timed_build(ROOT, tmp / "course-out") for _ in range(args.runs)],
               "synthetic": {str(n): [] for n in sizes}}
    roots = {n: synthetic.make_course(tmp / f"synthetic-{n}", n) for n in sizes}
    # Sizes take turns, so that the machine's drift over the minutes of this loop (shared CPUs
    # speed up and slow down) falls on every size alike, not on the largest, built last.
    for i in range(repeats):
        for n in sizes:
            log(f"building a synthetic course of {n} chapters ({i + 1}/{repeats})")
            results["synthetic"][str(n)].append(synthetic.timed_build(roots[n], tmp / f"synthetic-{n}-out"))
    return results


def machine():
    info = {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "pyodide": pyodide.VERSION, "numpy_wheel": pyodide.NUMPY_WHEEL, "load_before": os.getloadavg(),
            "date": time.strftime("%Y-%m-%d %H:%M:%S %z")}
    for path, key, field in (("/proc/cpuinfo", "cpu", "model name"), ("/proc/meminfo", "memory", "MemTotal")):
        try:
            line = next(x for x in Path(path).read_text().splitlines() if x.startswith(field))
            info[key] = line.split(":", 1)[1].strip()
        except (OSError, StopIteration):
            info[key] = None
    return info


def fmt_load(load):
    return "/".join(f"{x:.1f}" for x in load)


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
