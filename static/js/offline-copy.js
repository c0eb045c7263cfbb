// What the service workers that keep a page on the device share (attempt-sw.js, reflection-sw.js;
// each loads this with importScripts). Network first: online, every page and file comes fresh
// from the server and refreshes the copy; only when the server cannot be reached is the copy used.
// A worker keeps only the pages it names, in the caches it names, and the static files they use.

const STATIC = "static";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

async function store(cacheName, url, response) {
  if (response.ok && !response.redirected && response.type === "basic") {
    const cache = await caches.open(cacheName);
    await cache.put(url, response);
  }
}

async function networkFirst(request, cacheName) {
  let response;
  try {
    response = await fetch(request);
  } catch (error) {
    const copy = await caches.match(request.url, { cacheName });
    if (copy) return copy;
    throw error; // no copy: the browser's own page for a failed load
  }
  await store(cacheName, request.url, response.clone()).catch(() => {}); // a full disk costs the copy only
  return response;
}

// A page loaded before its worker controlled it asks for its copy: {keep: its path, assets: the
// static files it uses}. `cacheFor` names the cache of a path the worker keeps (null: not one of
// its pages). Answers "kept" once the page and its files are stored.
function keepPagesOnRequest(cacheFor) {
  self.addEventListener("message", (event) => {
    const { keep, assets } = event.data || {};
    const cacheName = typeof keep === "string" ? cacheFor(keep) : null;
    const port = event.ports[0];
    if (!cacheName || !port) return;
    const wanted = [[cacheName, keep]];
    for (const asset of Array.isArray(assets) ? assets : []) {
      const url = new URL(asset, self.location.origin);
      if (url.origin === self.location.origin && url.pathname.startsWith("/static/")) wanted.push([STATIC, url.href]);
    }
    const keepAll = async () => {
      for (const [name, url] of wanted) {
        if (!(await caches.match(url, { cacheName: name }))) await store(name, url, await fetch(url));
      }
    };
    event.waitUntil(
      keepAll().then(
        () => port.postMessage("kept"),
        () => port.postMessage("failed"),
      ),
    );
  });
}

// The fetch handling both workers share: a navigation to one of the kept pages, and static files.
function serveOffline(event, cacheFor) {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return false;
  const cacheName = request.mode === "navigate" ? cacheFor(url.pathname) : null;
  if (cacheName) {
    event.respondWith(networkFirst(request, cacheName));
    return true;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(networkFirst(request, STATIC));
    return true;
  }
  return false;
}
