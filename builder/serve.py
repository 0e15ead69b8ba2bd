"""`build.py serve`: build, serve on 127.0.0.1, rebuild on every save and reload the open page.

Each rebuild runs `build.py build` in a fresh process, so an edited or new sim module is read
anew, and no error of a rebuild can stop the watching. A failed rebuild keeps the last good site
and shows what it printed (file:line) as an overlay in the page; the next good save clears it.
The overlay and reload script are added to HTML responses by this server only; the built
files never contain them.
"""

import functools
import http.server
import json
import subprocess
import sys
import threading
from pathlib import Path

import watchfiles

WATCHED = ("chapters", "sims", "templates", "static")
CONFIG = "course.toml"
CLIENT = Path(__file__).with_name("livereload.js")


class Events:
    """The latest build outcome, and a condition the page's event stream waits on."""

    def __init__(self):
        self.version, self.error = 0, ""
        self.changed = threading.Condition()

    def publish(self, error):
        with self.changed:
            self.version, self.error = self.version + 1, error
            self.changed.notify_all()


def rebuild(root, out, events):
    built = subprocess.run([sys.executable, str(root / "build.py"), "build", "--out", str(out)],
                           cwd=root, capture_output=True, text=True)
    if built.returncode == 0:
        events.publish("")
        print(f"rebuilt {out}", flush=True)
    else:
        error = (built.stderr or built.stdout).strip() or f"the build stopped with exit code {built.returncode}"
        events.publish(error)
        print(error, flush=True)


def watch(root, out, events, watching):
    """Rebuild after every batch of saves (watchfiles skips editors' temporary files and caches).
    It wakes every half second with or without changes, so that `watching` is set once the
    files are watched: no save made after that is missed."""
    paths = [root / d for d in WATCHED] + [p for p in [root / CONFIG] if p.is_file()]
    for changes in watchfiles.watch(*paths, yield_on_timeout=True, rust_timeout=500):
        watching.set()
        if changes:
            rebuild(root, out, events)


class Handler(http.server.SimpleHTTPRequestHandler):
    events = None

    def do_GET(self):
        if self.path == "/__livereload.js":
            return self.reply(CLIENT.read_bytes(), "text/javascript")
        if self.path == "/__events":
            return self.stream()
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix == ".html" and path.is_file():
            html = path.read_text(encoding="utf-8").replace(
                "</head>", '<script type="module" src="/__livereload.js"></script>\n</head>', 1)
            return self.reply(html.encode(), "text/html; charset=utf-8")
        return super().do_GET()

    def reply(self, body, content_type):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def stream(self):
        """Server-sent events: the build's version and error, again after every rebuild."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        version = None
        try:
            while True:
                with self.events.changed:
                    if version == self.events.version:
                        self.events.changed.wait(timeout=15)
                    current = {"version": self.events.version, "error": self.events.error}
                if current["version"] != version:
                    version = current["version"]
                    self.wfile.write(f"data: {json.dumps(current)}\n\n".encode())
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


def serve(root, out, port):
    events, watching = Events(), threading.Event()
    threading.Thread(target=watch, args=(root, out, events, watching), daemon=True).start()
    watching.wait(timeout=30)
    rebuild(root, out, events)
    Handler.events = events
    handler = functools.partial(Handler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    print(f"serving the course at http://127.0.0.1:{server.server_address[1]}/ (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
