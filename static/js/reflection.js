// The reflection writing page's script (plain ES module, no build step, no libraries).
//
// The page is a plain form that works without JavaScript (保存草稿 / 提交). This script adds:
//   - the live character count against the item's minimum: every character but whitespace, as the
//     server counts (plans/reflections.py: characters);
//   - the draft saved as one types: each change is numbered (`seq`, milliseconds on the server's
//     clock, never lower than the last number used, so the change made last wins whichever tab or
//     device made it) and PUT to /api/reflections/items/<id>/draft a moment after typing stops; the
//     server keeps a save only if no higher number is stored. What is not yet acknowledged waits in
//     localStorage, survives a reload and a lost connection, and is sent again with capped back-off
//     and at once on `online`;
//   - a service worker (reflection-sw.js) that keeps this page on the device, so that a reload
//     without a connection still opens it, with the text typed since from localStorage;
//   - submitting without leaving the page: the text and its number go with the submission, which
//     waits for the connection if there is none.
// Words shown to the person come from the page's data-text-* attributes (translated server-side).

import { callJson, freshToken, keepPage } from "./server.js";

const SAVE_AFTER_MS = 800;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30000;
const EDITABLE = ["draft", "returned"];

const characters = (text) => [...text.replace(/\s/gu, "")].length;

// This person's draft of this item on this device. seq: the last number used; pending: the text
// still to send, with its number; kept: the last text the server acknowledged (newer than the
// page when the page is the service worker's older copy). Storage that never throws: private mode
// and a full quota leave the draft in memory only, and `writable` says so.
class DraftStore {
  constructor(key) {
    this.key = key;
    this.data = { seq: 0, pending: null, kept: null };
    this.writable = true;
    this.absorb(this.read());
  }

  read() {
    try {
      return JSON.parse(window.localStorage.getItem(this.key) || "null");
    } catch (_error) {
      return null; // unreadable: the server has everything acknowledged
    }
  }

  // Another tab of the same page writes the same key: the newer of each wins.
  absorb(other) {
    if (!other) return;
    const data = this.data;
    data.seq = Math.max(data.seq, other.seq || 0);
    for (const name of ["pending", "kept"]) {
      if (other[name] && (!data[name] || data[name].seq < other[name].seq)) data[name] = other[name];
    }
  }

  save() {
    this.absorb(this.read());
    if (this.data.pending && this.data.kept && this.data.pending.seq <= this.data.kept.seq) this.data.pending = null;
    try {
      window.localStorage.setItem(this.key, JSON.stringify(this.data));
      this.writable = true;
    } catch (_error) {
      this.writable = false;
    }
  }

  clear() {
    try {
      window.localStorage.removeItem(this.key);
    } catch (_error) {
      // nothing kept, nothing to clear
    }
  }
}

class ReflectionPage {
  constructor(root, state) {
    this.root = root;
    this.state = state;
    this.text = root.dataset;
    this.form = document.getElementById("reflection-form");
    this.textarea = this.form && this.form.querySelector("textarea");
    this.numberEl = document.getElementById("char-number");
    this.countEl = document.getElementById("char-count");
    this.statusEl = document.getElementById("save-status");
    this.alertEl = document.getElementById("reflection-alert");
    this.submitButton = document.getElementById("submit-reflection");
    this.csrf = document.querySelector('meta[name="csrf-token"]').content;
    this.store = new DraftStore(`studyhall.reflection.${state.user}.${state.item}`);
    this.url = `/api/reflections/items/${state.item}`;
    this.clockOrigin = performance.now() - state.clock_ms; // when the server's clock read 0
    this.failures = 0;
    this.retryTimer = null;
    this.saveTimer = null;
    this.sending = null;
    this.offline = false;
    this.stopped = false;
    this.submitting = false; // asked to submit: the submission goes as soon as it can
    this.submitInFlight = false;
  }

  start() {
    if (!EDITABLE.includes(this.state.state) || !this.textarea) {
      this.store.clear(); // submitted: the server holds the text that counts
      return;
    }
    this.root.classList.add("js");
    this.merge();
    this.textarea.addEventListener("input", () => this.edited());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    window.addEventListener("online", () => this.retryNow());
    window.addEventListener("offline", () => {
      this.offline = true;
      this.render();
    });
    window.addEventListener("beforeunload", (event) => {
      if (this.store.data.pending && !this.store.writable) event.preventDefault(); // it would be lost
    });
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) this.resync(); // back from the back/forward cache, as it was
    });
    this.render();
    this.send();
    this.keepOffline();
    this.resync();
  }

  // The page's text is the server's (or the offline copy's); newer text on this device wins.
  merge() {
    const data = this.store.data;
    data.seq = Math.max(data.seq, this.state.seq);
    for (const name of ["pending", "kept"]) {
      if (data[name] && data[name].seq <= this.state.seq) data[name] = null;
    }
    const newer = data.pending || data.kept;
    if (newer) this.textarea.value = newer.text;
    this.store.save();
  }

  serverNow() {
    return Math.floor(performance.now() - this.clockOrigin);
  }

  edited() {
    if (this.stopped) return;
    const data = this.store.data;
    data.seq = Math.max(data.seq + 1, this.serverNow());
    data.pending = { text: this.textarea.value, seq: data.seq };
    this.store.save();
    this.hideAlert();
    this.render();
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.send(), SAVE_AFTER_MS);
  }

  // ---- sending

  // Send what is pending until nothing is, or a save fails (then a retry is set).
  send() {
    if (this.sending || this.stopped) return this.sending;
    const run = async () => {
      while (this.store.data.pending && !this.stopped) {
        if (!(await this.sendOne(this.store.data.pending))) return;
      }
    };
    this.sending = run().finally(() => {
      this.sending = null;
      this.render();
    });
    return this.sending;
  }

  async sendOne(entry) {
    let result;
    try {
      result = await this.api("PUT", `${this.url}/draft`, entry);
    } catch (_error) {
      this.offline = true;
      this.retryLater();
      return false;
    }
    this.offline = false;
    if (result.ok && Number.isInteger(result.body.seq)) {
      this.failures = 0;
      await this.acknowledged(entry, result.body);
      return true;
    }
    return this.refused(result);
  }

  async acknowledged(entry, { seq, kept }) {
    const data = this.store.data;
    data.seq = Math.max(data.seq, seq);
    if (seq === entry.seq) data.kept = entry;
    if (data.pending && data.pending.seq <= seq) data.pending = null; // a change typed since stays
    this.store.save();
    // Another tab or device saved later text: show that one instead.
    if (!kept && !data.pending) await this.resync();
  }

  async refused(result) {
    const code = result.body.code;
    if (result.status === 409) {
      this.stop(this.text.textSentElsewhere);
      return false;
    }
    if (result.status === 400 && code === "csrf_expired" && (await this.refreshToken())) return true;
    if (result.status === 401) this.showAlert(this.text.textSignedOut);
    else if (result.status === 400) {
      // The server will never take this text (too long, say): say why, and wait for the next change.
      this.showAlert(result.body.message || String(result.status));
      return false;
    } else if (result.status < 500 && result.status !== 429) this.showAlert(result.body.message || String(result.status));
    this.retryLater();
    return false;
  }

  retryLater() {
    if (this.retryTimer || this.stopped) return;
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** this.failures);
    this.failures += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.resume();
    }, delay);
  }

  retryNow() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.failures = 0;
    this.resume();
  }

  resume() {
    if (this.submitting) this.submit();
    else this.send();
  }

  api(method, url, body) {
    return callJson(method, url, body, this.csrf);
  }

  async refreshToken() {
    const token = await freshToken();
    if (token) this.csrf = token;
    return Boolean(token);
  }

  // What the server holds now: submitted elsewhere (the page is out of date), or later text from
  // another device while nothing is pending here.
  async resync() {
    let result;
    try {
      result = await this.api("GET", this.url);
    } catch (_error) {
      return; // offline: the device's text stands
    }
    if (!result.ok || this.stopped) return;
    const server = result.body;
    const data = this.store.data;
    if (!EDITABLE.includes(server.state)) {
      this.stop(this.text.textSentElsewhere);
      return;
    }
    data.seq = Math.max(data.seq, server.seq);
    if (!data.pending && server.seq >= (data.kept ? data.kept.seq : this.state.seq)) {
      data.kept = { text: server.text, seq: server.seq };
      if (this.textarea.value !== server.text) this.textarea.value = server.text;
    }
    this.store.save();
    this.render();
  }

  // ---- submitting

  // The latest text goes with the submission (numbered, so an older save arriving later is
  // ignored); without a connection it waits, and goes when the connection returns.
  async submit() {
    if (this.stopped || this.submitInFlight) return;
    const count = characters(this.textarea.value);
    if (count < this.state.minimum) {
      this.showAlert(this.text.textTooShort.replace("{min}", this.state.minimum).replace("{n}", count));
      return;
    }
    this.submitting = true;
    this.submitButton.disabled = true;
    this.render();
    const data = this.store.data;
    const entry = data.pending || { text: this.textarea.value, seq: data.seq };
    let result;
    this.submitInFlight = true;
    try {
      result = await this.api("POST", `${this.url}/submit`, entry.seq >= 1 ? entry : {});
    } catch (_error) {
      this.offline = true;
      this.render();
      this.retryLater(); // and at once on `online`
      return;
    } finally {
      this.submitInFlight = false;
    }
    this.offline = false;
    if (result.status === 400 && result.body.code === "csrf_expired" && (await this.refreshToken())) {
      await this.submit();
      return;
    }
    if (result.ok || result.status === 409) {
      this.stopped = true;
      this.store.clear();
      window.location.reload(); // the page as the server now shows it: submitted
      return;
    }
    this.submitting = false;
    this.submitButton.disabled = false;
    this.showAlert(result.status === 401 ? this.text.textSignedOut : result.body.message || String(result.status));
    this.render();
  }

  // The reflection was submitted elsewhere: nothing here can change it any more. The text stays
  // in the box (and on the device) for the person to see; the page is out of date.
  stop(message) {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.saveTimer);
    this.textarea.readOnly = true;
    this.submitButton.disabled = true;
    this.showAlert(message);
    this.render();
  }

  // ---- the device's copy of the page

  async keepOffline() {
    if (await keepPage(this.text.workerUrl)) this.root.dataset.offline = "ready";
  }

  // ---- what the page shows

  render() {
    const count = characters(this.textarea.value);
    this.numberEl.textContent = String(count);
    this.countEl.dataset.enough = String(count >= this.state.minimum);
    const pending = Boolean(this.store.data.pending);
    let state = pending ? (this.offline ? "offline" : "unsaved") : "saved";
    let words = this.store.data.seq > 0 ? this.text.textSaved : ""; // nothing written yet: nothing to say
    if (this.submitting) words = this.offline ? this.text.textSubmitWaiting : this.text.textSubmitting;
    else if (pending && !this.store.writable) words = this.text.textNotKept;
    else if (pending) words = this.offline ? this.text.textOffline : this.text.textUnsaved;
    if (this.submitting && this.offline) state = "offline";
    this.statusEl.dataset.state = state;
    this.statusEl.dataset.pending = pending ? "1" : "0";
    if (this.statusEl.textContent !== words) this.statusEl.textContent = words;
  }

  showAlert(message) {
    this.alertEl.textContent = message;
    this.alertEl.hidden = false;
  }

  hideAlert() {
    this.alertEl.hidden = true;
  }
}

const stateEl = document.getElementById("reflection-state");
const rootEl = document.getElementById("reflection");
if (stateEl && rootEl) new ReflectionPage(rootEl, JSON.parse(stateEl.textContent)).start();
