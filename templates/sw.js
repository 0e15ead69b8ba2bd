// The service worker: after one visit the course opens, and its sims run, without a network.
// The builder renders this template as sw.js at the site's root, with the build's version and
// every file it shipped. It answers only those exact paths, within its own scope: the origin
// may be shared with other sites (a project site on GitHub Pages), whose requests and caches it
// leaves alone.
// - Python's runtime never changes within a build: served from the cache first (never as HTML).
// - Pages, styles and sims: from the network when it answers (so a new build shows at once),
//   else from the cache.

const VERSION = {{ version|tojson }};
const FILES = {{ files|tojson }};
const SCOPE = self.registration.scope;
const PREFIX = `understand-world-models ${SCOPE} `; // this scope's caches, one per version
const CACHE = PREFIX + VERSION;
const SHIPPED = new Set(FILES.map((file) => new URL(file, SCOPE).href));
const RUNTIME = new URL("pyodide/", SCOPE).href;

// The shipped file a request is for, without its query (?v=...), or null.
function shipped(request) {
  const url = new URL(request.url);
  url.search = url.hash = "";
  const file = url.href === SCOPE ? new URL("index.html", SCOPE).href : url.href;
  return SHIPPED.has(file) ? file : null;
}

self.addEventListener("install", (event) => {
  // "no-cache": every file is checked with the server, so a new version never stores an old
  // file from the HTTP cache, while an unchanged one is not downloaded again.
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll([...SHIPPED].map((url) => new Request(url, { cache: "no-cache" }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const file = event.request.method === "GET" && shipped(event.request);
  if (!file) return; // not ours: the browser fetches it as if there were no service worker
  event.respondWith(file.startsWith(RUNTIME) ? cacheFirst(event.request, file) : networkFirst(event.request, file));
});

const isHtml = (response) => /html/i.test(response.headers.get("content-type") || "");
const cached = (file) => caches.match(file, { cacheName: CACHE });

// A worker of an older version may still answer a page while a newer one takes over: it never
// brings back its cache once that has been deleted.
async function keep(file, response) {
  if (await caches.has(CACHE)) await (await caches.open(CACHE)).put(file, response);
}

async function cacheFirst(request, file) {
  const hit = await cached(file);
  if (hit && !isHtml(hit)) return hit;
  const response = await fetch(request);
  if (response.ok && !isHtml(response)) keep(file, response.clone());
  return response;
}

async function networkFirst(request, file) {
  try {
    const response = await fetch(request);
    if (response.ok) keep(file, response.clone());
    return response;
  } catch (error) {
    const hit = await cached(file);
    if (hit) return hit;
    throw error;
  }
}
