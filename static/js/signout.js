// Signing out leaves nothing of the person's pages on a shared computer: the copies the service
// workers keep for reloads without a connection (practice rounds, attempts, reflections) and what
// the pages keep in localStorage of answers the server acknowledged. What has not reached the
// server yet (an answer or a draft waiting for the connection) stays: it is sent when its owner
// signs in again, and nothing is ever thrown away unsent.

// Whether a stored entry holds only what the server already has (so it is a copy to forget).
function onlyCopies(key, raw) {
  let data;
  try {
    data = JSON.parse(raw);
  } catch (_error) {
    return false; // unreadable: not ours to judge
  }
  if (/^practice:\d+:done$/.test(key)) return true; // the feedback given, as shown
  if (/^practice:\d+$/.test(key)) return !(Array.isArray(data) && data.length); // answers to send
  if (key.startsWith("studyhall.attempt.")) {
    return !(data && (Object.keys(data.pending || {}).length || data.unsentSwitches));
  }
  if (key.startsWith("studyhall.reflection.")) return !(data && data.pending);
  return false;
}

async function forget() {
  if (window.caches) {
    for (const name of await window.caches.keys()) {
      if (name !== "static") await window.caches.delete(name); // the static files are no one's
    }
  }
  try {
    for (const key of Object.keys(window.localStorage)) {
      if (onlyCopies(key, window.localStorage.getItem(key))) window.localStorage.removeItem(key);
    }
  } catch (_error) {
    // storage switched off: nothing was kept
  }
}

for (const form of document.querySelectorAll("form[data-sign-out]")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const signOut = () => form.submit(); // submit() fires no second submit event
    // Signing out never waits long on the device: two seconds at most.
    Promise.race([forget(), new Promise((resolve) => window.setTimeout(resolve, 2000))]).then(signOut, signOut);
  });
}
