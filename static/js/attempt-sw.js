// The attempt pages' service worker (served as /attempts/sw.js, so its scope is /attempts/).
//
// It keeps, per attempt, the attempt page exactly as the server sent it (its paper and state are
// in the page), and the static files pages use, so that a reload without a connection still opens
// the attempt; the answers given since come from localStorage (see attempt.js). Network first
// (offline-copy.js): only when the server cannot be reached is the copy used. Nothing else is ever
// stored: no result page, no review page (it shows the key), no API answer.

importScripts("../static/js/offline-copy.js");

const PAGE = /^\/attempts\/(\d+)$/;
const FINISHED = /^\/attempts\/(\d+)\/(result|review)$/;
const attemptCache = (id) => `attempt-${id}`; // attempt.js deletes this one when the attempt ends

function cacheFor(path) {
  const page = path.match(PAGE);
  return page ? attemptCache(page[1]) : null;
}

self.addEventListener("fetch", (event) => {
  if (serveOffline(event, cacheFor)) return;
  const finished = new URL(event.request.url).pathname.match(FINISHED);
  // The attempt was submitted: its copy goes (the request itself goes to the server untouched).
  if (finished && event.request.method === "GET") event.waitUntil(caches.delete(attemptCache(finished[1])));
});

keepPagesOnRequest(cacheFor);
