// The attempt page's script (plain ES module, no build step, no libraries).
//
// The page is a plain form that works without JavaScript. This script adds, as progressive
// enhancement:
//   - autosave: each change is PUT to /api/attempts/<id>/answers/<position> with a per-position
//     sequence number that only grows: the milliseconds since the attempt started on the
//     server's clock, so that the change made last wins whichever device or tab made it; unsent
//     saves wait in localStorage (they survive reloads and going offline) and are retried with
//     capped exponential back-off and on `online`;
//   - a countdown from the server's remaining_seconds (re-synchronised by every save), which
//     at 0 sends everything still queued, for as long as the server's grace lets saves count, and
//     only then submits the attempt; answers the server did not record are named, never dropped;
//   - a service worker (attempt-sw.js) that keeps this attempt's page on the device, so that a
//     reload without a connection still opens it;
//   - the answer card (answered / unanswered / flagged), one-question-per-screen mode, the submit
//     confirmation (naming unanswered, flagged and unsent questions) and the submit dialog (which,
//     offline, waits for the connection and then submits by itself), tab-switch reporting with a
//     warning of how many more the test allows, and signing in again in place when the session ends;
//   - a check with the server on load and when shown again from the back/forward cache: a page of
//     an attempt submitted since goes to the result.
// Words shown to the person come from the page's data-text-* attributes (translated server-side).
//
// It also runs the small countdowns of the home and landing pages ([data-countdown]), and has them
// load afresh when the browser shows them again from its back/forward cache ([data-shows-attempts]).

import { callJson, freshToken, keepPage } from "./server.js";

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30000;
const TEXT_DEBOUNCE_MS = 500;
const FLUSH_LIMIT_MS = 15000;
// While a submission waits for the queue, retry at least this often: the grace is only a minute.
const FLUSH_RETRY_MAX_MS = 4000;
const MILESTONE_MINUTES = [10, 5, 1];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function clockText(totalSeconds) {
  const s = Math.max(0, totalSeconds);
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = s % 60;
  const two = (n) => String(n).padStart(2, "0");
  return hours ? `${hours}:${two(minutes)}:${two(seconds)}` : `${two(minutes)}:${two(seconds)}`;
}

// A window of a day or more reads in days and hours ("3 天 4 小时"): seconds ticking there only
// distract. daysWords is the page's translated pattern with {d} and {h}.
function durationText(totalSeconds, daysWords) {
  if (totalSeconds >= 86400 && daysWords) {
    const days = Math.floor(totalSeconds / 86400);
    const hours = Math.floor((totalSeconds % 86400) / 3600);
    return daysWords.replace("{d}", days).replace("{h}", hours);
  }
  return clockText(totalSeconds);
}

// ---- countdowns on the home and landing pages -------------------------------------------------

function startCountdowns() {
  const items = [...document.querySelectorAll("[data-countdown]")];
  if (!items.length) return;
  const started = performance.now();
  const tick = () => {
    const elapsed = Math.floor((performance.now() - started) / 1000);
    for (const el of items) {
      const left = Math.max(0, Number(el.dataset.countdown) - elapsed);
      const words = el.closest("[data-countdown-days]");
      el.textContent = durationText(left, words ? words.dataset.countdownDays : "");
      const wrap = el.closest(".countdown-wrap");
      if (wrap) wrap.hidden = false;
      if (left === 0 && el.dataset.countdownReload !== undefined && !el.dataset.reloading) {
        el.dataset.reloading = "1";
        // Spread the reloads of a room full of people over a couple of seconds.
        setTimeout(() => window.location.reload(), 500 + Math.random() * 2000);
      }
    }
  };
  tick();
  setInterval(tick, 1000);
}

// Browsers keep pages in their back/forward cache, even those sent with no-store: the home and
// landing pages, shown again as they were, would offer to continue an attempt submitted since.
function reloadWhenRestored() {
  if (!document.querySelector("[data-shows-attempts]")) return;
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) window.location.reload();
  });
}

// ---- storage that never throws (private mode, full quota) -------------------------------------

// seq: the last number used per position; settled: the highest number per position that needs no
// sending any more (stored by the server, or refused for good); pending: what still has to go;
// kept: the last answer per position the server acknowledged, and clock: the server's time at the
// last answer from it (both for a page opened offline from the service worker's older copy).
class Store {
  constructor(key) {
    this.key = key;
    // unsentSwitches: tab switches made offline, reported when the connection is back.
    this.data = { seq: {}, settled: {}, pending: {}, kept: {}, clock: null, flags: [], current: 0, unsentSwitches: 0 };
    this.writable = true;
    try {
      const raw = window.localStorage.getItem(key);
      if (raw) Object.assign(this.data, JSON.parse(raw));
    } catch (_error) {
      // Unreadable: start afresh; the server has everything acknowledged.
    }
  }

  // Another tab of the same attempt writes the same key: take in what it has before writing, so
  // that neither tab's unsent answers disappear from storage; what is settled is no longer
  // pending. `writable` says whether the device holds what this page holds (not when storage is
  // full or switched off).
  save() {
    try {
      const raw = window.localStorage.getItem(this.key);
      if (raw) this.absorb(JSON.parse(raw));
    } catch (_error) {
      // Unreadable: this page's copy replaces it.
    }
    for (const [p, entry] of Object.entries(this.data.pending)) {
      if (entry.seq <= (this.data.settled[p] || 0)) delete this.data.pending[p];
    }
    try {
      window.localStorage.setItem(this.key, JSON.stringify(this.data));
      this.writable = true;
    } catch (_error) {
      this.writable = false; // kept in memory for this page only: the page says so
    }
  }

  absorb(other) {
    const data = this.data;
    for (const name of ["seq", "settled"]) {
      for (const [p, seq] of Object.entries(other[name] || {})) data[name][p] = Math.max(data[name][p] || 0, seq);
    }
    for (const name of ["pending", "kept"]) {
      for (const [p, entry] of Object.entries(other[name] || {})) {
        if (!data[name][p] || data[name][p].seq < entry.seq) data[name][p] = entry;
      }
    }
    if (other.clock && (!data.clock || other.clock.elapsed > data.clock.elapsed)) data.clock = other.clock;
  }

  settle(p, seq) {
    this.data.settled[p] = Math.max(this.data.settled[p] || 0, seq);
  }

  clear() {
    try {
      window.localStorage.removeItem(this.key);
    } catch (_error) {
      // ignore
    }
  }
}

// ---- the attempt page -----------------------------------------------------------------------

class AttemptPage {
  constructor(root, state) {
    this.root = root;
    this.state = state;
    this.id = state.attempt;
    this.text = root.dataset;
    this.form = document.getElementById("attempt-form");
    this.fieldsets = [...this.form.querySelectorAll("fieldset[data-position]")];
    this.cards = new Map([...root.querySelectorAll("[data-card]")].map((a) => [a.dataset.card, a]));
    this.statusEl = document.getElementById("save-status");
    this.overEl = document.getElementById("attempt-over");
    this.timerEl = document.getElementById("timer");
    this.announceEl = document.getElementById("timer-announce");
    this.alertEl = document.getElementById("attempt-alert");
    this.csrf = document.querySelector('meta[name="csrf-token"]').content;
    this.store = new Store(`studyhall.attempt.${this.id}`);
    this.responses = {}; // position -> the response now in the form (as JSON text)
    this.failures = 0;
    this.tokenRetries = 0;
    this.retryTimer = null;
    this.debounceTimers = {};
    this.pumping = null;
    this.offline = false;
    this.stopped = false; // submitted or refused: no more saves
    this.ended = false;
    this.refusedHere = new Set(); // positions whose latest answer the server refused as malformed
    this.pumpWaiters = []; // flushes waiting for the end of a round of sending
    this.flushing = false;
    this.sendingSwitches = false; // a round of reporting tab switches is under way
    this.switchesAgain = false; // asked for while one was: another round follows it
    this.leaving = false; // navigating away on purpose: no warning, no tab-switch event
    this.signIn = null; // a promise while the sign-in dialog is open
    this.deadline = performance.now() + state.remaining_seconds * 1000;
    this.clockOrigin = performance.now() - state.elapsed_ms; // when the attempt started
    this.grace = state.grace_seconds * 1000; // saves this late after the deadline still count
    this.announced = new Set();
    this.timeIsUp = false;
    this.submitting = false; // the cadre asked to submit: the submit dialog shows how it goes
  }

  start() {
    this.root.classList.add("js");
    this.merge();
    this.renderCards();
    this.renderStatus();
    this.bind();
    if (this.state.one_per_page) this.enterOnePerPage();
    this.tick();
    this.pump();
    this.sendSwitches(); // made offline before a reload
    this.resync(); // the page may be a copy (the service worker's, the browser's): the server decides
    this.keepOffline();
  }

  // What the server holds (state), what it acknowledged since (kept: newer when this page is the
  // service worker's older copy) and what this device still has to send (pending).
  merge() {
    const data = this.store.data;
    for (const q of this.state.questions) {
      const p = String(q.position);
      data.seq[p] = Math.max(data.seq[p] || 0, q.seq);
      this.store.settle(p, q.seq);
      for (const name of ["pending", "kept"]) {
        if (data[name][p] && data[name][p].seq <= q.seq) delete data[name][p]; // the server has it, or newer
      }
      const newer = data.pending[p] || data.kept[p];
      if (newer) this.applyToForm(this.fieldset(p), newer.response);
      this.responses[p] = JSON.stringify(this.readResponse(this.fieldset(p)));
    }
    data.flags = (data.flags || []).filter((p) => this.fieldset(p));
    const clock = data.clock;
    if (clock && clock.elapsed >= this.state.elapsed_ms) {
      // This page is the service worker's copy: the server's last word, plus the time since, is nearer.
      const since = Date.now() - clock.at;
      this.sync({ remaining_seconds: clock.remaining - since / 1000, elapsed_ms: clock.elapsed + since });
    } else {
      this.sync(this.state);
    }
    this.store.save();
  }

  // Have the service worker keep this attempt's page and what it needs, so that a reload without
  // a connection still opens it. Browsers allow service workers over HTTPS and on localhost only;
  // elsewhere autosave works the same, but a reload needs the server.
  async keepOffline() {
    if (await keepPage(this.text.workerUrl)) this.root.dataset.offline = "ready";
  }

  fieldset(position) {
    return this.form.querySelector(`fieldset[data-position="${position}"]`);
  }

  bind() {
    this.form.addEventListener("change", (event) => this.edited(event.target, true));
    this.form.addEventListener("input", (event) => {
      if (event.target.type === "text") this.edited(event.target, false);
    });
    this.form.addEventListener("keydown", (event) => {
      // Enter in a blank must not open the submit dialog.
      if (event.key === "Enter" && event.target.type === "text") event.preventDefault();
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.askToSubmit();
    });
    for (const button of this.form.querySelectorAll("[data-flag]")) {
      const p = button.closest("fieldset").dataset.position;
      button.setAttribute("aria-pressed", String(this.store.data.flags.includes(p)));
      button.addEventListener("click", () => this.toggleFlag(p, button));
    }
    for (const [p, link] of this.cards) {
      link.addEventListener("click", (event) => {
        event.preventDefault();
        this.goTo(p);
      });
    }
    const confirmDialog = document.getElementById("confirm-dialog");
    confirmDialog.addEventListener("close", () => {
      if (confirmDialog.returnValue === "submit") this.submitByCadre();
    });
    confirmDialog.addEventListener("click", (event) => {
      const link = event.target.closest("[data-goto]");
      if (!link) return;
      event.preventDefault();
      confirmDialog.close("cancel");
      this.goTo(link.dataset.goto);
    });
    // While the submission is on its way the page stays covered: Esc closes the dialog only once
    // the submission has failed for good.
    const submitDialog = document.getElementById("submit-dialog");
    submitDialog.addEventListener("cancel", (event) => {
      if (submitDialog.dataset.state !== "failed") event.preventDefault();
    });
    const signInDialog = document.getElementById("signin-dialog");
    signInDialog.addEventListener("cancel", (event) => event.preventDefault()); // Esc: stay, sign in
    document.getElementById("signin-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.signInAgain();
    });
    window.addEventListener("online", () => {
      this.retryNow();
      this.sendSwitches();
    });
    window.addEventListener("offline", () => {
      this.offline = true;
      this.renderStatus();
    });
    window.addEventListener("beforeunload", (event) => {
      if (!this.leaving && this.pendingCount() > 0) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
    window.addEventListener("pagehide", () => {
      this.leaving = true;
    });
    window.addEventListener("pageshow", (event) => {
      if (!event.persisted) return;
      // Back from the back/forward cache, as it was when the cadre left it: never show that as live.
      this.leaving = false;
      if (this.ended && !this.pendingCount()) window.location.replace(this.text.resultUrl);
      else this.resync();
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") this.reportTabSwitch();
      else this.resync();
    });
  }

  // ---- reading and writing the form

  readResponse(fieldset) {
    // data-input is the question type's input kind (studyhall/questions/types.py).
    const kind = fieldset.dataset.input;
    if (kind === "radio") {
      const checked = fieldset.querySelector("input:checked");
      return checked ? [checked.value] : null;
    }
    if (kind === "checkbox") {
      const values = [...fieldset.querySelectorAll("input:checked")].map((input) => input.value).sort();
      return values.length ? values : null;
    }
    if (kind === "truth") {
      const checked = fieldset.querySelector("input:checked");
      return checked ? checked.value === "true" : null;
    }
    const values = [...fieldset.querySelectorAll('input[type="text"]')].map((input) => input.value);
    return values.some((value) => value.trim()) ? values : null;
  }

  applyToForm(fieldset, response) {
    const kind = fieldset.dataset.input;
    if (kind === "text") {
      fieldset.querySelectorAll('input[type="text"]').forEach((input, index) => {
        input.value = response ? response[index] || "" : "";
      });
      return;
    }
    for (const box of fieldset.querySelectorAll("input")) {
      if (kind === "truth") box.checked = response !== null && String(response) === box.value;
      else box.checked = Array.isArray(response) && response.includes(box.value);
    }
  }

  edited(target, immediately) {
    const fieldset = target.closest("fieldset[data-position]");
    if (!fieldset || this.stopped) return;
    const p = fieldset.dataset.position;
    const response = this.readResponse(fieldset);
    const asText = JSON.stringify(response);
    if (asText === this.responses[p]) {
      if (immediately) this.pump();
      return;
    }
    this.responses[p] = asText;
    const data = this.store.data;
    data.seq[p] = Math.max((data.seq[p] || 0) + 1, Math.floor(performance.now() - this.clockOrigin));
    data.pending[p] = { response, seq: data.seq[p] };
    this.refusedHere.delete(p);
    this.store.save();
    this.renderCards();
    this.renderStatus();
    clearTimeout(this.debounceTimers[p]);
    if (immediately) this.pump();
    else this.debounceTimers[p] = setTimeout(() => this.pump(), TEXT_DEBOUNCE_MS);
  }

  pendingCount() {
    return Object.keys(this.store.data.pending).length;
  }

  // ---- sending

  // Send pending saves one at a time until none is left or one fails. Returns true when the
  // queue is empty.
  pump() {
    if (this.pumping) return this.pumping;
    if (this.stopped || this.signIn) return Promise.resolve(this.pendingCount() === 0);
    const run = async () => {
      for (;;) {
        const p = Object.keys(this.store.data.pending)[0];
        if (p === undefined) return true;
        const outcome = await this.sendOne(p);
        if (outcome !== "sent" && outcome !== "again") return false;
      }
    };
    // .finally runs after the assignment, even when run() finishes at once.
    this.pumping = run().finally(() => {
      this.pumping = null;
      this.renderStatus();
      for (const wake of this.pumpWaiters.splice(0)) wake();
    });
    return this.pumping;
  }

  retryLater() {
    if (this.retryTimer || this.stopped) return;
    const delay = Math.min(this.flushing ? FLUSH_RETRY_MAX_MS : RETRY_MAX_MS, RETRY_MIN_MS * 2 ** this.failures);
    this.failures += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.pump();
    }, delay);
  }

  retryNow() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.failures = 0;
    this.pump();
  }

  api(method, url, body, options) {
    return callJson(method, url, body, this.csrf, options);
  }

  async sendOne(p) {
    const entry = this.store.data.pending[p];
    let result;
    try {
      result = await this.api("PUT", `/api/attempts/${this.id}/answers/${p}`, {
        response: entry.response,
        seq: entry.seq,
      });
    } catch (_error) {
      this.offline = true;
      this.retryLater();
      return "failed";
    }
    this.offline = false;
    if (result.ok && Number.isInteger(result.body.seq)) {
      this.failures = 0;
      this.tokenRetries = 0;
      this.sync(result.body);
      await this.acknowledged(p, entry, result.body.seq, result.body.kept);
      return "sent";
    }
    if (result.ok) {
      // A 2xx that is not the API's answer (a captive portal's page, say): nothing was stored.
      this.retryLater();
      return "failed";
    }
    return this.refused(result, p);
  }

  async acknowledged(p, entry, storedSeq, kept) {
    const data = this.store.data;
    data.seq[p] = Math.max(data.seq[p] || 0, storedSeq);
    this.store.settle(p, storedSeq);
    if (storedSeq === entry.seq) data.kept[p] = entry;
    const current = data.pending[p];
    // A change made here after this one was sent stays pending (it is later still).
    if (current && current.seq <= storedSeq) delete data.pending[p];
    this.store.save();
    if (!kept && !data.pending[p]) {
      // Another device or tab saved a later answer, or one numbered alike that came first: show
      // that one instead of this one.
      await this.adoptStored(p);
    }
  }

  async adoptStored(p) {
    try {
      const result = await this.api("GET", `/api/attempts/${this.id}`);
      const question = result.ok && result.body.questions.find((q) => String(q.position) === p);
      if (!question || this.store.data.pending[p]) return;
      this.store.data.kept[p] = { response: question.response, seq: question.seq };
      this.store.save();
      this.applyToForm(this.fieldset(p), question.response);
      this.responses[p] = JSON.stringify(this.readResponse(this.fieldset(p)));
      this.renderCards();
    } catch (_error) {
      // offline again: the form keeps this device's answer until the next reload shows the server's
    }
  }

  async refused(result, p) {
    const code = result.body.code;
    if (result.status === 409 && ["deadline_passed", "submitted", "closed"].includes(code)) {
      await this.end(result.body.message);
      return "stopped";
    }
    if (result.status === 401) {
      this.askToSignIn();
      return "waiting";
    }
    if (result.status === 400 && code === "csrf_expired") {
      // The token went with the old session: take a fresh one and send again at once.
      if ((await this.refreshToken()) && this.tokenRetries++ < 2) return "again";
      this.retryLater();
      return "failed";
    }
    if (result.status >= 500 || result.status === 429 || result.status === 0) {
      this.retryLater();
      return "failed";
    }
    if (result.status === 400) {
      // The server will never take this one (a malformed answer): stop sending it, and say which
      // question it was until the cadre changes that answer.
      this.store.settle(p, this.store.data.pending[p].seq);
      delete this.store.data.pending[p];
      this.store.save();
      this.refusedHere.add(p);
      this.showAlert(this.text.textNotSaved.replace("{n}", p).replace("{message}", result.body.message || ""));
      return "sent";
    }
    // 403/404: not this person's attempt any more (signed in as someone else?). Keep the answers.
    this.showAlert(result.body.message || String(result.status));
    this.retryLater();
    return "failed";
  }

  async refreshToken() {
    const token = await freshToken();
    if (token) this.csrf = token;
    return Boolean(token);
  }

  // Resolves true once every pending save is acknowledged, false if `until` (a performance.now()
  // time) passes or the page stops first. The queue does the sending: its retries, at once on
  // `online` and after signing in again, meanwhile at most FLUSH_RETRY_MAX_MS apart.
  async flush(until) {
    this.flushing = true;
    this.retryNow();
    try {
      while (this.pendingCount() > 0) {
        const left = until - performance.now();
        if (this.stopped || left <= 0) return false;
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, left);
          this.pumpWaiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return true;
    } finally {
      this.flushing = false;
    }
  }

  // ---- signing in again in place

  askToSignIn() {
    if (this.signIn) return;
    this.signIn = new Promise((resolve) => {
      this.signedIn = resolve;
    });
    const dialog = document.getElementById("signin-dialog");
    document.getElementById("signin-error").textContent = "";
    if (!dialog.open) dialog.showModal();
    document.getElementById("signin-password").focus();
    this.renderStatus();
  }

  async signInAgain() {
    const errorEl = document.getElementById("signin-error");
    const button = document.getElementById("signin-submit");
    button.disabled = true;
    errorEl.textContent = "";
    try {
      if (!(await this.refreshToken())) throw new Error("unreachable");
      const form = new URLSearchParams({
        csrf_token: this.csrf,
        username: document.getElementById("signin-username").value,
        password: document.getElementById("signin-password").value,
        next: "/api/csrf", // on success the sign-in redirects to a fresh token for the new session
      });
      const response = await fetch("/login", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: form,
      });
      if (response.status === 429) {
        errorEl.textContent = this.text.textTooMany;
        return;
      }
      const landed = new URL(response.url).pathname;
      if (response.ok && landed === "/api/csrf") {
        const body = await response.json();
        this.csrf = body.csrf_token;
        document.querySelector('meta[name="csrf-token"]').content = body.csrf_token;
      } else if (response.ok && landed === "/") {
        await this.refreshToken(); // still signed in after all: the sign-in page sent us home
      } else {
        errorEl.textContent = this.text.textWrongPassword;
        return;
      }
    } catch (_error) {
      errorEl.textContent = this.text.textUnreachable;
      return;
    } finally {
      button.disabled = false;
    }
    document.getElementById("signin-password").value = "";
    document.getElementById("signin-dialog").close();
    const resolve = this.signedIn;
    this.signIn = null;
    resolve();
    this.retryNow();
  }

  // ---- the timer

  // The server's clock, from any answer that carries it: the time left and the time run.
  sync({ remaining_seconds: remaining, elapsed_ms: elapsed }) {
    if (typeof remaining !== "number" || typeof elapsed !== "number") return;
    this.deadline = performance.now() + remaining * 1000;
    this.clockOrigin = performance.now() - elapsed;
    this.store.data.clock = { remaining, elapsed, at: Date.now() }; // saved with the answer it came with
  }

  secondsLeft() {
    return Math.max(0, Math.ceil((this.deadline - performance.now()) / 1000));
  }

  tick() {
    if (this.stopped && !this.timeIsUp) return;
    const left = this.secondsLeft();
    this.timerEl.textContent = clockText(left);
    this.timerEl.classList.toggle("warning", left <= 60);
    for (const minutes of MILESTONE_MINUTES) {
      if (left <= minutes * 60 && left > minutes * 60 - 5 && !this.announced.has(minutes)) {
        this.announced.add(minutes);
        this.announceEl.textContent = this.text.textMinutesLeft.replace("{n}", minutes);
      }
    }
    if (left === 0) {
      this.timeUp();
      return;
    }
    const untilNextSecond = (this.deadline - performance.now()) % 1000 || 1000;
    setTimeout(() => this.tick(), Math.min(1000, untilNextSecond + 5));
  }

  async timeUp() {
    if (this.timeIsUp || this.stopped) return;
    this.timeIsUp = true;
    this.showAlert(this.text.textTimeUp, "status");
    this.form.querySelectorAll("input, button").forEach((el) => {
      el.disabled = true;
    });
    // Saves within the grace still count: send everything queued for as long as the server takes
    // them, and submit only then, so that the submission never overtakes an answer given in time.
    await this.flush(this.deadline + this.grace);
    if (!this.stopped) await this.submit("timer");
  }

  // A phone that slept may have lost time, and a page shown again from a cache may be of an attempt
  // submitted since: ask the server how much is really left, and whether the attempt is still open.
  async resync() {
    if (this.stopped) return;
    try {
      const result = await this.api("GET", `/api/attempts/${this.id}`);
      if (result.ok) {
        if (result.body.state !== "open") {
          await this.end(this.text.textSubmitted);
        } else {
          this.sync(result.body);
          this.store.save();
        }
      }
    } catch (_error) {
      // offline: keep counting
    }
  }

  // ---- submitting

  // The confirmation names, with a link to each, the questions left unanswered, flagged for later
  // and not yet saved on the server.
  askToSubmit() {
    if (this.stopped) return;
    const byNumber = (a, b) => a - b;
    const unanswered = this.state.questions
      .map((q) => String(q.position))
      .filter((p) => JSON.parse(this.responses[p]) === null);
    const unsaved = new Set([...Object.keys(this.store.data.pending), ...this.refusedHere]);
    const unansweredEl = document.getElementById("confirm-unanswered");
    if (unanswered.length) this.listQuestions(unansweredEl, this.text.textUnansweredList, unanswered);
    else unansweredEl.textContent = this.text.textAllAnswered;
    const flagged = [...this.store.data.flags].sort(byNumber);
    this.listQuestions(document.getElementById("confirm-flagged"), this.text.textFlaggedList, flagged);
    const unsavedEl = document.getElementById("confirm-unsaved");
    this.listQuestions(unsavedEl, this.text.textUnsavedList, [...unsaved].sort(byNumber));
    const dialog = document.getElementById("confirm-dialog");
    dialog.returnValue = "";
    dialog.showModal();
  }

  // `template` with its {list} made of links to the questions at `positions`; hidden when empty.
  listQuestions(element, template, positions) {
    element.hidden = !positions.length;
    const [before, after] = template.split("{list}");
    const parts = [before];
    positions.forEach((p, index) => {
      const link = document.createElement("a");
      link.href = `#q-${p}`;
      link.dataset.goto = p;
      link.textContent = p;
      parts.push(...(index ? [", ", link] : [link]));
    });
    element.replaceChildren(...parts, after ?? "");
  }

  // Without a connection the submission waits: the answers still queued go first, then the
  // submission, as soon as the server can be reached; the dialog says so meanwhile.
  async submitByCadre() {
    this.submitting = true;
    this.renderSubmitting();
    while (!(await this.flush(performance.now() + FLUSH_LIMIT_MS))) {
      if (this.stopped || this.timeIsUp) return; // the timer's submission takes over
    }
    await this.submit("cadre");
  }

  // The submit dialog, in place of the cadre's tap: sending, or waiting for the connection.
  renderSubmitting() {
    if (!this.submitting || this.ended) return;
    if (this.offline) this.showSubmitDialog("waiting", this.text.textSubmitWaiting);
    else this.showSubmitDialog("sending", this.text.textSubmitting);
  }

  showSubmitDialog(state, message) {
    const dialog = document.getElementById("submit-dialog");
    dialog.dataset.state = state;
    document.getElementById("submit-buttons").hidden = state !== "failed";
    const messageEl = document.getElementById("submit-message");
    if (messageEl.textContent !== message) messageEl.textContent = message;
    if (!dialog.open) dialog.showModal();
  }

  // Resolves after `ms`, or at once when the connection comes back.
  connectionOrDelay(ms) {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        window.removeEventListener("online", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      window.addEventListener("online", done);
    });
  }

  async submit(reason) {
    for (let tries = 0; !this.stopped || this.timeIsUp; tries++) {
      let result;
      try {
        result = await this.api("POST", `/api/attempts/${this.id}/submit`, { reason });
      } catch (_error) {
        // Keep trying, at once when the connection returns; if this page is gone, the server's
        // sweep submits at the deadline.
        this.offline = true;
        this.renderStatus();
        await this.connectionOrDelay(Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** tries));
        continue;
      }
      this.offline = false;
      if (result.ok || result.status === 409 || result.status === 404) {
        await this.end(result.body.message || this.text.textSubmitted);
        return;
      }
      if (result.status === 401) {
        this.askToSignIn();
        await this.signIn;
      } else if (result.status === 400 && result.body.code === "csrf_expired") {
        await this.refreshToken();
      } else if (reason === "timer" || result.status >= 500 || result.status === 429) {
        // The server cannot take it now (a proxy's 502 while it restarts, say): again in a while.
        if (reason === "timer") this.showAlert(result.body.message || this.text.textUnreachable);
        await sleep(Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** tries));
      } else {
        this.submitting = false; // the cadre may close the dialog and submit again
        this.showSubmitDialog("failed", result.body.message || String(result.status));
        return;
      }
    }
  }

  // The attempt is over (submitted here or elsewhere, or past its grace). With nothing unsent, on
  // to the result. Answers the server did not record are never dropped: they stay in localStorage,
  // the form keeps showing them, and the cadre is told which questions they were.
  async end(message) {
    if (this.ended) return;
    this.ended = true;
    this.stopped = true;
    this.leaving = true;
    clearTimeout(this.retryTimer);
    this.forgetOffline();
    this.store.save(); // takes in what other tabs of this attempt still have to send
    if (this.pendingCount()) await this.recorded();
    const lost = Object.keys(this.store.data.pending).sort((a, b) => a - b);
    if (!lost.length) {
      this.store.clear();
      window.location.assign(this.text.resultUrl);
      return;
    }
    this.form.querySelectorAll("input, button").forEach((el) => {
      el.disabled = true;
    });
    const notRecorded = `${message} ${this.text.textNotRecorded.replace("{list}", lost.join(", "))}`;
    this.showAlert(notRecorded);
    if (this.submitting) this.showSubmitDialog("failed", notRecorded);
    this.overEl.hidden = false;
    this.renderStatus();
  }

  // Unsent answers the server holds after all (an acknowledgement lost on the way): not pending.
  async recorded() {
    try {
      const result = await this.api("GET", `/api/attempts/${this.id}`);
      if (!result.ok) return;
      for (const q of result.body.questions) this.store.settle(String(q.position), q.seq);
      this.store.save(); // drops what is settled
    } catch (_error) {
      // unreachable: all of them count as not recorded
    }
  }

  forgetOffline() {
    if (window.caches) window.caches.delete(`attempt-${this.id}`).catch(() => {});
  }

  async reportTabSwitch() {
    if (this.stopped || this.leaving) return;
    this.store.data.unsentSwitches += 1;
    this.store.save();
    await this.sendSwitches();
  }

  // Report the switches not yet reported, one event each: offline they wait (kept on the device),
  // so that going offline does not get round the test's limit.
  async sendSwitches() {
    if (this.sendingSwitches) {
      // A round is under way (perhaps a request made offline, still to fail): once it ends, try
      // again, or the switches it could not send would wait for the next `online` that never comes.
      this.switchesAgain = true;
      return;
    }
    this.sendingSwitches = true;
    this.switchesAgain = false;
    try {
      while (this.store.data.unsentSwitches > 0 && !this.stopped) {
        const result = await this.api("POST", `/api/attempts/${this.id}/events`, { kind: "tab_switch" }, {
          keepalive: true,
        });
        if (!result.ok) return; // refused (the attempt ended, a session to renew): the page says so elsewhere
        this.store.data.unsentSwitches -= 1;
        this.store.save();
        const { state, tab_switches: count, tab_switch_limit: limit } = result.body;
        if (state === "submitted") {
          await this.end(this.text.textSubmitted);
          return;
        }
        if (limit && this.store.data.unsentSwitches === 0) this.warnOfSwitches(limit - count);
      }
    } catch (_error) {
      // offline: they wait for the connection
    } finally {
      this.sendingSwitches = false;
      if (this.switchesAgain && navigator.onLine) this.sendSwitches();
    }
  }

  // Shown when the cadre comes back: how many more switches the test allows (the server counts).
  warnOfSwitches(left) {
    const words = left === 1 ? this.text.textSwitchLast : this.text.textSwitchesLeft.replace("{n}", left);
    document.getElementById("switch-message").textContent = words;
    const dialog = document.getElementById("switch-dialog");
    if (!dialog.open) dialog.showModal();
  }

  // ---- answer card, flags, one question per screen

  toggleFlag(p, button) {
    const flags = new Set(this.store.data.flags);
    if (flags.has(p)) flags.delete(p);
    else flags.add(p);
    this.store.data.flags = [...flags];
    this.store.save();
    button.setAttribute("aria-pressed", String(flags.has(p)));
    this.renderCards();
  }

  renderCards() {
    const flags = new Set(this.store.data.flags);
    let answered = 0;
    for (const [p, link] of this.cards) {
      const done = JSON.parse(this.responses[p] ?? "null") !== null;
      answered += done ? 1 : 0;
      link.classList.toggle("answered", done);
      link.classList.toggle("flagged", flags.has(p));
      const words = [done ? this.text.textAnswered : this.text.textUnanswered];
      if (flags.has(p)) words.push(this.text.textFlagged);
      link.querySelector(".card-state").textContent = `, ${words.join(", ")}`;
    }
    document.getElementById("card-count").textContent = String(answered);
  }

  enterOnePerPage() {
    this.onePerPage = true;
    this.form.classList.add("one-per-page");
    document.getElementById("step-buttons").hidden = false;
    document.getElementById("prev").addEventListener("click", () => this.step(-1));
    document.getElementById("next").addEventListener("click", () => this.step(1));
    this.show(Math.min(this.store.data.current || 0, this.fieldsets.length - 1), false);
  }

  step(delta) {
    this.show(Math.max(0, Math.min(this.fieldsets.length - 1, this.current + delta)), true);
  }

  show(index, focus) {
    this.current = index;
    this.fieldsets.forEach((fieldset, i) => {
      fieldset.hidden = i !== index;
    });
    for (const [p, link] of this.cards) {
      if (p === this.fieldsets[index].dataset.position) link.setAttribute("aria-current", "step");
      else link.removeAttribute("aria-current");
    }
    document.getElementById("prev").disabled = index === 0;
    document.getElementById("next").disabled = index === this.fieldsets.length - 1;
    document.getElementById("step-count").textContent = `${index + 1} / ${this.fieldsets.length}`;
    this.store.data.current = index;
    this.store.save();
    if (focus) this.fieldsets[index].focus();
  }

  goTo(p) {
    const fieldset = this.fieldset(p);
    if (this.onePerPage) {
      this.show(this.fieldsets.indexOf(fieldset), true);
    } else {
      fieldset.scrollIntoView({ block: "start" });
      fieldset.focus({ preventScroll: true });
    }
  }

  // ---- status and messages

  // "Saved" only when every answer in the form is stored on the server.
  renderStatus() {
    const n = this.pendingCount();
    const refused = [...this.refusedHere].sort((a, b) => a - b);
    const parts = n ? [this.text.textUnsaved.replace("{n}", n)] : [];
    if (n && !this.store.writable) parts.push(this.text.textNotKept);
    else if (n && this.offline) parts.push(this.text.textOffline);
    if (refused.length) parts.push(this.text.textRefused.replace("{list}", refused.join(", ")));
    const words = parts.length ? parts.join(" · ") : this.text.textSaved;
    this.statusEl.dataset.state = refused.length ? "refused" : !n ? "saved" : this.offline ? "offline" : "unsaved";
    this.statusEl.dataset.pending = String(n);
    if (this.statusEl.textContent !== words) this.statusEl.textContent = words;
    this.renderSubmitting();
  }

  showAlert(message, role = "alert") {
    this.alertEl.setAttribute("role", role);
    this.alertEl.classList.toggle("flash-error", role === "alert");
    this.alertEl.classList.toggle("flash-info", role !== "alert");
    this.alertEl.textContent = message;
    this.alertEl.hidden = false;
  }
}

startCountdowns();
reloadWhenRestored();
const stateEl = document.getElementById("attempt-state");
const rootEl = document.getElementById("attempt");
if (stateEl && rootEl) new AttemptPage(rootEl, JSON.parse(stateEl.textContent)).start();
