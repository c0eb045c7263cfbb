// The practice pages' service worker (served as /practice/sw.js, so its scope is /practice/).
//
// It keeps each practice round's page (/practice/rounds/<id>) as the server last sent it, and the
// static files it uses, so that a reload without a connection still opens it; the answers given
// since wait in localStorage (see practice.js). Network first (offline-copy.js): online the page
// always comes from the server. No other practice page is stored.

importScripts("../static/js/offline-copy.js");

const PAGE = /^\/practice\/rounds\/\d+$/;

const cacheFor = (path) => (PAGE.test(path) ? "practice-pages" : null);

self.addEventListener("fetch", (event) => serveOffline(event, cacheFor));

keepPagesOnRequest(cacheFor);
