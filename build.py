#!/usr/bin/env python3
"""Build, serve and check the course.

    python build.py build [--out DIR] [--pyodide-cdn]   write the static site (default _site/)
    python build.py serve [--port 8000]                 build, serve on 127.0.0.1, rebuild on change
    python build.py check                               validate everything without writing a site
"""

import argparse
import sys
from pathlib import Path

from builder import course, site
from builder.errors import BuildError
from builder.pyodide import AssetError

ROOT = Path(__file__).resolve().parent


def main(argv=None):
    parser = argparse.ArgumentParser(prog="build.py", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="write the static site")
    build_cmd.add_argument("--out", default=str(ROOT / "_site"), help="output folder (default _site/)")
    build_cmd.add_argument("--pyodide-cdn", action="store_true",
                           help="load Pyodide from its pinned CDN instead of self-hosting it")
    serve_cmd = commands.add_parser("serve", help="build, serve and rebuild on change")
    serve_cmd.add_argument("--port", type=int, default=8000)
    serve_cmd.add_argument("--out", default=str(ROOT / "_site"))
    commands.add_parser("check", help="validate chapters and run every sim once, writing nothing")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            result = site.build(ROOT, args.out, cdn=args.pyodide_cdn)
            print(f"built {len(result.chapters)} chapters into {args.out}")
        elif args.command == "check":
            result = course.gather(ROOT, run_sims=True)
            print(f"ok: {len(result.chapters)} chapters, {len(result.sims)} sims")
        elif args.command == "serve":
            from builder import serve
            serve.serve(ROOT, Path(args.out), args.port)
    except BuildError as error:
        print(error, file=sys.stderr)
        count = len(error.problems)
        print(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.", file=sys.stderr)
        return 1
    except (site.SiteError, AssetError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
