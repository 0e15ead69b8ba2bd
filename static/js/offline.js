// The service worker: after one visit the course opens, and its sims run, without a network.
// Pyodide's files never change within a build: served from the cache first. Pages, styles and
// sims: from the network when it answers (so a new build shows at once), else from the cache.
// The builder installs this file at the site's root as sw.js, with the build's version and
// files below: all of them are cached on the first visit, so every chapter works offline.

const VERSION = "__BUILD_VERSION__";
const FILES = ["__FILES__"];
const CACHE = `understand-world-models-${VERSION}`;

self.addEventListener("install", (event) => {
  // Mostly from the HTTP cache: the first visit has just downloaded the runtime.
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin || url.pathname.includes("/__")) return;
  event.respondWith(url.pathname.includes("/pyodide/") ? cacheFirst(event.request) : networkFirst(event.request));
});

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request, { ignoreSearch: true });
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) cache.put(request, response.clone());
  return response;
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) cache.put(request, response.clone());
    return response;
  } catch (error) {
    const hit = await cache.match(request, { ignoreSearch: true });
    if (hit) return hit;
    throw error;
  }
}
