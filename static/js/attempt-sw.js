// The attempt pages' service worker (served as /attempts/sw.js, so its scope is /attempts/).
//
// It keeps, per attempt, the attempt page exactly as the server sent it (its paper and state are
// in the page), and the static files pages use, so that a reload without a connection still opens
// the attempt; the answers given since come from localStorage (see attempt.js). Network first:
// online, every page and file comes fresh from the server (and refreshes the copy); only when the
// server cannot be reached is the copy used. Nothing else is ever stored: no result page, no review
// page (it shows the key), no API answer.

const PAGE = /^\/attempts\/(\d+)$/;
const FINISHED = /^\/attempts\/(\d+)\/(result|review)$/;
const STATIC = "static";
const attemptCache = (id) => `attempt-${id}`; // attempt.js deletes this one when the attempt ends

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

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  const page = url.pathname.match(PAGE);
  if (page && request.mode === "navigate") {
    event.respondWith(networkFirst(request, attemptCache(page[1])));
    return;
  }
  const finished = url.pathname.match(FINISHED);
  if (finished) {
    // The attempt was submitted: its copy goes (the request itself goes to the server untouched).
    event.waitUntil(caches.delete(attemptCache(finished[1])));
    return;
  }
  if (url.pathname.startsWith("/static/")) event.respondWith(networkFirst(request, STATIC));
});

// An attempt page loaded before this worker controlled it asks for its copy: {keep: its path,
// assets: the static files it uses}. Answers "kept" once both are stored.
self.addEventListener("message", (event) => {
  const { keep, assets } = event.data || {};
  const page = typeof keep === "string" && keep.match(PAGE);
  const port = event.ports[0];
  if (!page || !port) return;
  const wanted = [[attemptCache(page[1]), keep]];
  for (const asset of Array.isArray(assets) ? assets : []) {
    const url = new URL(asset, self.location.origin);
    if (url.origin === self.location.origin && url.pathname.startsWith("/static/")) wanted.push([STATIC, url.href]);
  }
  const keepAll = async () => {
    for (const [cacheName, url] of wanted) {
      if (!(await caches.match(url, { cacheName }))) await store(cacheName, url, await fetch(url));
    }
  };
  event.waitUntil(
    keepAll().then(
      () => port.postMessage("kept"),
      () => port.postMessage("failed"),
    ),
  );
});
