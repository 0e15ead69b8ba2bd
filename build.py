#!/usr/bin/env python3
"""Build, serve and check the course.

    python build.py build [--out DIR] [--pyodide-cdn] [--strict]
                                                        write the static site (default _site/)
    python build.py serve [--port 8000]                 build, serve on 127.0.0.1, rebuild on change
    python build.py check                               validate everything without writing a site
    python build.py new chapter "Title" [--sim NAME]    start a chapter from a working example
    python build.py new sim NAME                        start a sim, its test, and register it
"""

import argparse
import sys
from pathlib import Path

from builder import course, scaffold, site
from builder.errors import BuildError, CourseError

ROOT = Path(__file__).resolve().parent


def main(argv=None):
    parser = argparse.ArgumentParser(prog="build.py", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="write the static site")
    build_cmd.add_argument("--out", default=str(ROOT / "_site"), help="output folder (default _site/)")
    build_cmd.add_argument("--pyodide-cdn", action="store_true",
                           help="load Pyodide from its pinned CDN instead of self-hosting it")
    build_cmd.add_argument("--strict", action="store_true",
                           help="also run every sim once, and write nothing if one fails (for publishing)")
    serve_cmd = commands.add_parser("serve", help="build, serve and rebuild on change")
    serve_cmd.add_argument("--port", type=int, default=8000)
    serve_cmd.add_argument("--out", default=str(ROOT / "_site"))
    commands.add_parser("check", help="validate chapters and run every sim once, writing nothing")
    new_cmd = commands.add_parser("new", help="create a chapter or a sim from a working example")
    new_kinds = new_cmd.add_subparsers(dest="kind", required=True)
    new_chapter = new_kinds.add_parser("chapter", help="chapters/NN-slug.md after the last chapter")
    new_chapter.add_argument("title")
    new_chapter.add_argument("--sim", help="the sim to embed (default: the first registered)")
    new_sim = new_kinds.add_parser("sim", help="sims/NAME.py, tests/sims/test_sim_NAME.py, registered")
    new_sim.add_argument("name")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            result = site.build(ROOT, args.out, cdn=args.pyodide_cdn, run_sims=args.strict)
            print(f"built {len(result.chapters)} chapters into {args.out}")
        elif args.command == "check":
            result = course.gather(ROOT, run_sims=True)
            site.render_pages(result, cdn=False, version="check")  # every page, in memory
            print(f"ok: {len(result.chapters)} chapters, {len(result.sims)} sims")
        elif args.command == "new" and args.kind == "chapter":
            path = scaffold.new_chapter(ROOT, args.title, args.sim)
            print(f"created {path.relative_to(ROOT)}: edit it, then run python build.py check")
        elif args.command == "new" and args.kind == "sim":
            for path in scaffold.new_sim(ROOT, args.name):
                print(f"created {path.relative_to(ROOT)}")
            print(f"registered '{args.name}' in sims/__init__.py; embed it with '::: sim {args.name}'")
        elif args.command == "serve":
            from builder import serve
            serve.serve(ROOT, Path(args.out), args.port)
    except BuildError as error:
        print(error, file=sys.stderr)
        count = len(error.problems)
        print(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.", file=sys.stderr)
        return 1
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
