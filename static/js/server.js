// What the pages that go on working without a connection share (attempt.js, reflection.js): JSON
// calls carrying the session's CSRF token, a fresh token once the session's has expired, and the
// service worker's copy of the page.

// A JSON call with `csrf` as its token. Resolves to {status, ok, body}, body {} when the answer is
// not JSON (a proxy's error page, say); rejects when the server cannot be reached.
export async function callJson(method, url, body, csrf, { keepalive = false } = {}) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    keepalive,
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let json = {};
  try {
    json = await response.json();
  } catch (_error) {
    // not JSON: the caller goes by the status
  }
  return { status: response.status, ok: response.ok, body: json };
}

// A fresh CSRF token for this session, also put in the page's meta tag; null when the server cannot
// be reached or gives none.
export async function freshToken() {
  try {
    const body = await (await fetch("/api/csrf", { credentials: "same-origin" })).json();
    if (!body.csrf_token) return null;
    document.querySelector('meta[name="csrf-token"]').content = body.csrf_token;
    return body.csrf_token;
  } catch (_error) {
    return null;
  }
}

// Have the service worker at `workerUrl` keep this page and the files it uses (this module
// included: it is imported, not named by a tag), so that a reload without a connection still
// opens it. Resolves true once kept. Browsers allow service workers over HTTPS and on localhost
// only; elsewhere a reload needs the server.
export async function keepPage(workerUrl) {
  if (!("serviceWorker" in navigator)) return false;
  try {
    await navigator.serviceWorker.register(workerUrl);
    const { active } = await navigator.serviceWorker.ready;
    const tags = [...document.querySelectorAll('link[rel~="stylesheet"], link[rel~="icon"], script[src]')];
    const assets = [...tags.map((el) => el.href || el.src), import.meta.url];
    const channel = new MessageChannel();
    const kept = new Promise((resolve) => {
      channel.port1.onmessage = (event) => resolve(event.data);
    });
    active.postMessage({ keep: window.location.pathname, assets }, [channel.port2]);
    return (await kept) === "kept";
  } catch (_error) {
    return false; // no copy on this device
  }
}
