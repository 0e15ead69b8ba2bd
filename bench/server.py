"""Serve a folder on 127.0.0.1 the way GitHub Pages does, and count what is sent.

Like GitHub Pages: gzip for text and WebAssembly when the browser accepts it (never for files
that are compressed already, such as .zip and .whl), its MIME types (application/wasm,
text/javascript for .mjs), `Cache-Control: max-age=600` with an ETag, and 304 on revalidation.
Every file is read and compressed once at start, so serving costs no CPU during a measurement.

The same site is also served under /_nopython/ with its pyodide/ folder missing (404): a page
whose Python cannot load, without the per-request cost of Playwright's request interception.
"""

import gzip
import hashlib
import http.server
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "application/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8", ".svg": "image/svg+xml", ".wasm": "application/wasm",
    ".txt": "text/plain; charset=utf-8", ".png": "image/png", ".jpg": "image/jpeg",
    ".zip": "application/zip", ".whl": "application/octet-stream", ".ico": "image/x-icon",
}
NO_PYTHON = "/_nopython/"
GZIPPED = {".html", ".css", ".js", ".mjs", ".json", ".svg", ".wasm", ".txt"}


class File:
    def __init__(self, path):
        self.raw = path.read_bytes()
        self.type = TYPES.get(path.suffix, "application/octet-stream")
        self.gz = gzip.compress(self.raw, compresslevel=6, mtime=0) if path.suffix in GZIPPED else None
        self.etag = '"' + hashlib.sha1(self.raw).hexdigest()[:16] + '"'


class PagesServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, folder):
        self.files = {"/" + p.relative_to(folder).as_posix(): File(p)
                      for p in sorted(Path(folder).rglob("*")) if p.is_file()}
        self.log, self.lock, self.last = [], threading.Lock(), time.time()
        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def handle_error(self, request, client_address):
        pass  # the browser closed a connection mid-response (a page or context closed): not news

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def take_log(self):
        """Every response since the last call: path, status, body bytes sent, raw size, time."""
        with self.lock:
            log, self.log = self.log, []
        return log

    def wait_quiet(self, seconds=1.0, timeout=120):
        """Return once nothing has been requested for `seconds` (or after `timeout`)."""
        deadline = time.time() + timeout
        while time.time() - self.last < seconds and time.time() < deadline:
            time.sleep(0.1)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self, head=False):
        path = unquote(urlsplit(self.path).path)
        files = self.server.files
        if path.startswith(NO_PYTHON):
            path = path[len(NO_PYTHON) - 1:]
            if path.startswith("/pyodide/"):
                return self.reply(404, path, b"Not found", {"Content-Type": "text/plain"})
        if path.endswith("/"):
            path += "index.html"
        elif path not in files and path + "/index.html" in files:
            return self.reply(301, path, b"", {"Location": path + "/"})
        file = files.get(path)
        if file is None:
            return self.reply(404, path, b"Not found", {"Content-Type": "text/plain"})
        headers = {"Content-Type": file.type, "Cache-Control": "max-age=600", "ETag": file.etag,
                   "Vary": "Accept-Encoding"}
        if self.headers.get("If-None-Match") == file.etag:
            return self.reply(304, path, b"", headers, raw=0)
        body = file.raw
        if file.gz is not None and "gzip" in self.headers.get("Accept-Encoding", ""):
            body, headers["Content-Encoding"] = file.gz, "gzip"
        self.reply(200, path, body, headers, raw=len(file.raw), head=head)

    def do_HEAD(self):
        self.do_GET(head=True)

    def reply(self, status, path, body, headers, raw=None, head=False):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)
        with self.server.lock:
            self.server.last = time.time()
            self.server.log.append({"path": path, "status": status, "bytes": 0 if head else len(body),
                                    "raw": len(body) if raw is None else raw, "t": self.server.last})

    def log_message(self, *args):
        pass


def serve(folder):
    """A running PagesServer for folder; call .shutdown() when done."""
    return PagesServer(folder)
