// Reading time on a read or watch item's page (plain ES module, no build step). While the page is in
// front of its reader it tells the server so every data-beat-seconds; the server decides what that
// counts (studyhall/plans/reading.py: bounded per beat, nothing after a gap) and answers with the time
// counted, shown here, and whether the item is done.
//   - A beat is sent only while the page is visible and its reader active: some input or scrolling
//     in the last ACTIVE_MS, or a video on the page playing. Otherwise the beat is skipped.
//   - The first beat after the page opens, is shown again or is used again after a skipped beat says
//     so (resume), and counts nothing: the pause before it was not reading time.
//   - A failed beat (no network) changes nothing here: the next one is sent as usual, and the server
//     counts at most its bound for the time between.

const panel = document.querySelector("[data-reading]");
const ACTIVE_MS = 60_000;

function duration(seconds) {
  // As the server's `duration` filter writes it: 12:05, or 1:02:05 past an hour.
  const pad = (n) => String(n).padStart(2, "0");
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  return hours ? `${hours}:${pad(minutes)}:${pad(rest)}` : `${minutes}:${pad(rest)}`;
}

if (panel && panel.dataset.done !== "true") {
  const every = Math.max(0.05, Number(panel.dataset.beatSeconds) || 15) * 1000;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  let lastInput = Date.now(); // opening the page is the reader's doing
  let resume = true;
  let sending = false;
  let timer = null;

  for (const type of ["pointerdown", "pointermove", "keydown", "wheel", "touchstart", "scroll"]) {
    addEventListener(type, () => { lastInput = Date.now(); }, { capture: true, passive: true });
  }
  const playing = () => [...document.querySelectorAll("video")].some((video) => !video.paused && !video.ended);
  const active = () => document.visibilityState === "visible" && (playing() || Date.now() - lastInput < ACTIVE_MS);

  const stop = () => {
    clearInterval(timer);
    timer = null;
  };

  const show = (reading) => {
    panel.querySelector("[data-reading-seconds]").textContent = duration(reading.seconds);
    panel.querySelector("[data-reading-progress]").value = Math.min(reading.seconds, reading.min_seconds);
    if (reading.done) {
      stop();
      panel.dataset.done = "true";
      panel.querySelector("[data-reading-counting]").hidden = true;
      panel.querySelector("[data-reading-finished]").hidden = false;
      // The item's heading says where it stands (templates/plans/item.html): done, as a reload shows.
      const item = panel.closest("#study-item");
      const state = item?.querySelector(".study-state[data-done-text]");
      if (item && state) {
        item.dataset.state = "done";
        state.textContent = state.dataset.doneText;
      }
    }
  };

  const beat = async () => {
    if (sending || timer === null) return;
    if (!active()) {
      resume = true;
      return;
    }
    sending = true;
    try {
      const response = await fetch(panel.dataset.beatUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ resume }),
      });
      if (response.ok) {
        resume = false;
        show(await response.json());
      } else if (response.status < 500) {
        stop(); // signed out, or the item is no longer this person's: beating again changes nothing
      }
    } catch {
      // No network: the next beat tries again.
    } finally {
      sending = false;
    }
  };

  document.addEventListener("visibilitychange", () => {
    resume = true; // hidden: whatever time passes until the page is back is not reading
    if (document.visibilityState === "visible") {
      lastInput = Date.now();
      beat();
    }
  });
  timer = setInterval(beat, every);
  beat();
}
