// The reflection pages' service worker (served as /reflections/sw.js, so its scope is /reflections/).
//
// It keeps each reflection writing page (/reflections/items/<id>) as the server last sent it, and
// the static files it uses, so that a reload without a connection still opens it; the text typed
// since comes from localStorage (see reflection.js). Network first (offline-copy.js): online the
// page always comes from the server. The review pages and the API are never stored.

importScripts("../static/js/offline-copy.js");

const PAGE = /^\/reflections\/items\/\d+$/;

const cacheFor = (path) => (PAGE.test(path) ? "reflection-pages" : null);

self.addEventListener("fetch", (event) => serveOffline(event, cacheFor));

keepPagesOnRequest(cacheFor);
