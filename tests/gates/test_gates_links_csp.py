"""Gates on every built page: every internal link and anchor resolves on the served site, and
the Content-Security-Policy allows only what the course needs, with the sims running under it.

External links are listed (run pytest with -rP to see them), never fetched.
"""

import functools
import html.parser
import http.server
import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import deque

import pytest

from builder import course, site
from builder.runtime import pyodide
from conftest import ROOT, QuietHandler

COURSE = course.gather(ROOT)
CHAPTERS = COURSE.chapters
EMBEDS = [name for name, _, _ in site.embeds(COURSE)]  # each sim alone, for frames elsewhere
PAGES = ["index.html"] + [c.url for c in CHAPTERS] + ["review.html", "glossary.html", "instructors.html"] + EMBEDS


# --- Links -------------------------------------------------------------------------------------

class PageParser(html.parser.HTMLParser):
    """The ids, the URLs (href and src) and the course config of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.urls, self.config, self._in_config = set(), [], None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        urls = [attrs[a] for a in ("href", "src") if attrs.get(a) is not None]
        if tag == "image":  # a sim picture's pixels, inline (builder/first_frame.py): no link
            urls = [u for u in urls if not u.startswith("data:image/png;base64,")]
        self.urls += urls
        self._in_config = tag == "script" and attrs.get("id") == "course-config"

    def handle_data(self, data):
        if self._in_config:
            self.config = json.loads(data)
            self._in_config = False


def runtime_urls(config):
    """What the page's scripts will fetch, from its course config (self-hosted mode)."""
    urls = []
    for key, value in config.items():
        if not isinstance(value, str) or "://" in value:
            continue  # the CDN runtime is not this site's to check
        if key == "pyodide":
            urls += [value + f for f in ("pyodide.mjs", "pyodide-lock.json")]
        else:
            urls.append(value)
    return urls


def fetch(url, method="GET"):
    """(status, body) of a local URL; the body only for GET."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10) as r:
            return r.status, r.read() if method == "GET" else b""
    except urllib.error.HTTPError as error:
        return error.code, b""


def crawl(start):
    """Follow every link from start within its origin; returns (problems, pages, external links).

    Pages are fetched and parsed, other files are checked with HEAD, anchors are checked against
    the ids of their target page, and anything outside the origin is only collected.
    """
    origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(start))
    pages, checked, external, anchors, problems = {}, set(), set(), [], []
    queue = deque([(start, "(start)")])

    def follow(url, source):
        absolute, fragment = urllib.parse.urldefrag(urllib.parse.urljoin(source, url))
        if not absolute.startswith(origin + "/"):
            if urllib.parse.urlsplit(absolute).scheme in ("http", "https", "mailto"):
                external.add(absolute)
            else:
                problems.append(f"{source}: unexpected link {url!r}")
            return
        if fragment:
            anchors.append((source, absolute, fragment))
        queue.append((absolute, source))

    while queue:
        url, source = queue.popleft()
        path = urllib.parse.urlsplit(url).path
        if url in checked:
            continue
        checked.add(url)
        is_page = path.endswith((".html", "/"))
        status, body = fetch(url, "GET" if is_page else "HEAD")
        if status != 200:
            problems.append(f"{source}: {url} answers HTTP {status}")
            continue
        if not is_page:
            continue
        parser = PageParser()
        parser.feed(body.decode("utf-8"))
        pages[url] = parser
        for link in parser.urls:
            follow(link, url)
        for link in runtime_urls(parser.config or {}):
            follow(link, url)
        search = (parser.config or {}).get("search")
        if search:  # search results link to a chapter and a section: each must resolve
            status, body = fetch(urllib.parse.urljoin(url, search))
            for entry in json.loads(body) if status == 200 else []:
                follow(entry["url"], url)
    for source, target, fragment in anchors:
        if target in pages and fragment not in pages[target].ids:
            problems.append(f"{source}: no id '{fragment}' in {target}")
    return problems, pages, sorted(external)


def test_every_internal_link_and_anchor_resolves_on_the_served_site(site_url):
    problems, pages, external = crawl(site_url + "index.html")
    assert problems == []
    reached = {urllib.parse.urlsplit(u).path.lstrip("/") for u in pages}
    assert set(PAGES) <= reached, f"pages not reachable from the landing page: {set(PAGES) - reached}"
    print(f"{len(external)} external links (listed, not fetched):", *external, sep="\n  ")
    for url in external:
        parts = urllib.parse.urlsplit(url)
        assert parts.scheme == "mailto" or (parts.scheme in ("http", "https") and parts.netloc), url


def test_the_crawler_reports_broken_links_and_anchors(tmp_path):
    """The gate above can fail: a missing page, a missing anchor and a missing file are found."""
    (tmp_path / "index.html").write_text(
        '<a href="b.html#here">ok</a> <a href="b.html#gone">anchor</a> <a href="c.html">page</a> '
        '<img src="pic.png" alt="x"> <a href="https://example.org/x">out</a>')
    (tmp_path / "b.html").write_text('<h2 id="here">Here</h2> <a href="index.html">back</a>')
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        problems, pages, external = crawl(base + "index.html")
    finally:
        server.shutdown()
        server.server_close()
    assert sorted(problems) == sorted([
        f"{base}index.html: {base}c.html answers HTTP 404",
        f"{base}index.html: {base}pic.png answers HTTP 404",
        f"{base}index.html: no id 'gone' in {base}b.html",
    ])
    assert external == ["https://example.org/x"]


# --- Content-Security-Policy: what every page declares -----------------------------------------

class HeadParser(html.parser.HTMLParser):
    """The page's CSP metas, where they stand among the elements, and its inline scripts."""

    def __init__(self):
        super().__init__()
        self.policies, self.first_resource, self.position = [], None, 0
        self.inline_scripts, self._script = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.position += 1
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "content-security-policy":
            self.policies.append((self.position, attrs.get("content", "")))
        if tag in ("script", "link", "style") and self.first_resource is None:
            self.first_resource = self.position
        self._script = attrs if tag == "script" else None

    def handle_data(self, data):
        if self._script is not None and "src" not in self._script and data.strip():
            self.inline_scripts.append(self._script.get("type"))


def directives(policy):
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def page_policy(folder, name):
    parser = HeadParser()
    parser.feed((folder / name).read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("mode", ["self-hosted", "cdn"])
def test_every_page_declares_a_strict_policy(mode, built_site, cdn_site):
    folder = built_site if mode == "self-hosted" else cdn_site
    # CDN mode trusts the pinned runtime's folder on the CDN, not the whole CDN.
    allowed_sources = {"'self'"} | ({pyodide.CDN_URL} if mode == "cdn" else set())
    for name in PAGES:
        page = page_policy(folder, name)
        assert len(page.policies) == 1, f"{name}: one CSP meta, found {len(page.policies)}"
        position, policy = page.policies[0]
        assert page.first_resource and position < page.first_resource, \
            f"{name}: the CSP meta must come before any script or stylesheet to govern it"
        rules = directives(policy)
        assert rules["default-src"] == ["'self'"], name
        assert rules["object-src"] == ["'none'"] and rules["base-uri"] == ["'none'"], name
        # A meta policy cannot hold frame-ancestors (browsers ignore it there): any site may frame
        # the pages, which is what embedding a sim needs.
        assert "frame-ancestors" not in rules, name
        assert "'wasm-unsafe-eval'" in rules["script-src"], name
        # The Python worker starts from a blob: URL, so that it inherits this policy.
        assert rules["worker-src"] == ["'self'", "blob:"], name
        allowed = {("img-src", "data:"), ("worker-src", "blob:")}
        for forbidden in ("'unsafe-eval'", "'unsafe-inline'", "*", "data:", "blob:", "http:", "https:"):
            for name_, values in rules.items():
                if (name_, forbidden) not in allowed:
                    assert forbidden not in values, f"{name}: {name_} allows {forbidden}"
        sources = {v for values in rules.values() for v in values if not v.startswith("'") or v == "'self'"}
        assert sources - {"data:", "blob:"} == allowed_sources, f"{name}: {policy}"
        if mode == "cdn":
            assert pyodide.CDN_URL in rules["script-src"] and pyodide.CDN_URL in rules["connect-src"], name
        # Inline script would need 'unsafe-inline': only inert JSON data may be inline.
        assert set(page.inline_scripts) <= {"application/json"}, f"{name}: {page.inline_scripts}"


def test_cdn_mode_points_at_the_pinned_runtime_and_ships_none_of_it(built_site, cdn_site):
    assert re.fullmatch(r"https://cdn\.jsdelivr\.net/pyodide/v\d+\.\d+\.\d+/full/", pyodide.CDN_URL)
    assert pyodide.CDN_URL == f"https://cdn.jsdelivr.net/pyodide/v{pyodide.VERSION}/full/"
    for name in PAGES:
        config = PageParser()
        config.feed((cdn_site / name).read_text(encoding="utf-8"))
        assert config.config["pyodide"] == pyodide.CDN_URL, name
        hosted = PageParser()
        hosted.feed((built_site / name).read_text(encoding="utf-8"))
        assert hosted.config["pyodide"] == ("../" if name in EMBEDS else "") + "pyodide/", name
    assert not (cdn_site / "pyodide").exists()
    shipped = [p.name for p in cdn_site.rglob("*") if p.suffix in (".wasm", ".whl", ".zip")
               or p.name.startswith("pyodide")]
    assert shipped == [], f"CDN mode copies no runtime files: {shipped}"
    assert (built_site / "pyodide" / "pyodide.asm.wasm").is_file()


# --- Content-Security-Policy: the sims run under it --------------------------------------------
# As deployed on GitHub Pages: the policy only as the pages' <meta> (Pages sends no headers), the
# course under a sub-path of an origin it shares with another site of the same owner.

@pytest.fixture
def serve_policed(tmp_path):
    """serve(folder) -> URL of folder served at /course/, beside another site at /other/."""
    servers = []

    def serve(folder):
        origin = tmp_path / f"origin{len(servers)}"
        (origin / "other").mkdir(parents=True)
        (origin / "other" / "index.html").write_text("<!DOCTYPE html><title>Another site</title>")
        (origin / "course").symlink_to(folder, target_is_directory=True)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                 functools.partial(QuietHandler, directory=str(origin)))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/course/"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


RECORD_VIOLATIONS = """
window.__violations = [];
addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
});
"""


def settled(page, sim):
    """Wait until the sim is ready or has failed, and require ready."""
    page.wait_for_selector(f"{sim}:is([data-state=ready], [data-state=error])", timeout=120_000)
    assert page.get_attribute(sim, "data-state") == "ready", page.inner_text(f"{sim} .sim-status")


@pytest.mark.browser
def test_sims_python_and_navigation_run_under_the_policy(browser, built_site, serve_policed):
    url = serve_policed(built_site)
    context = browser.new_context(service_workers="allow")  # the offline worker is governed too
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    try:
        first, second = CHAPTERS[0], CHAPTERS[1]
        page.goto(url + first.url)
        settled(page, "[data-sim]")
        page.click(".pager-next")  # in-place navigation fetches the next page under connect-src
        settled(page, f"article[data-chapter={second.slug}] [data-sim]")
        # The offline worker registers once Python is up, then caches the course under the policy.
        assert page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        page.wait_for_timeout(500)  # violation events are fired asynchronously
        assert page.evaluate("() => window.__violations") == []

        # The listener works, and the policy is enforced: inline script injected into the page
        # is refused and reported.
        page.evaluate("""() => {
            const s = document.createElement("script");
            s.textContent = "window.__ran = true";
            document.head.append(s);
        }""")
        page.wait_for_function("() => window.__violations.length > 0")
        assert page.evaluate("() => window.__ran") is None
        violations = page.evaluate("() => window.__violations")
        assert violations and all(v.startswith("script-src-elem blocked inline") for v in violations)
    finally:
        context.close()


CONTENT_TYPES = {".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json"}


@pytest.mark.browser
def test_cdn_mode_runs_under_its_policy_from_a_stand_in_cdn(browser, cdn_site, serve_policed):
    """The CDN build, with the pinned CDN folder answered from the verified runtime on this
    machine (the same files the CDN serves): Python starts, under the path-limited policy."""
    url = serve_policed(cdn_site)
    runtime = pyodide.assemble()  # the cache the self-hosted build was made from: no download
    served = []

    def cdn(route):
        name = route.request.url[len(pyodide.CDN_URL):].split("?")[0]
        path = runtime / name
        cors = {"access-control-allow-origin": "*"}
        if "/" in name or not path.is_file():
            return route.fulfill(status=404, headers=cors)
        served.append(name)
        route.fulfill(path=path, headers={**cors, "content-type": CONTENT_TYPES.get(path.suffix, "application/octet-stream")})

    context = browser.new_context()
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        ("http://127.0.0.1", "data:", "blob:")) else route.abort())
    context.route(pyodide.CDN_URL + "**", cdn)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    try:
        page.goto(url + CHAPTERS[0].url)
        settled(page, "[data-sim]")
        assert {"pyodide.mjs", "pyodide.asm.wasm", "pyodide-lock.json"} <= set(served)
        assert any(name.startswith("numpy-") for name in served)
        page.wait_for_timeout(500)
        assert page.evaluate("() => window.__violations") == []
    finally:
        context.close()
