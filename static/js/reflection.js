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
//   - no text lost to another page or device: each save names the stored version the page's text
//     was made from (`base`: the number the page loaded, then each the server acknowledged). When
//     another page or device has saved other text since, the server refuses it (409 "stale") with
//     that text; the page stops saving and shows both until the person takes the other version or
//     keeps this one (saved again from the stored version, so over it);
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
const SENT_KEPT = 50; // numbers of saves sent without an answer, remembered to know them again

const characters = (text) => [...text.replace(/\s/gu, "")].length;

// This person's draft of this item on this device. seq: the last number used; pending: the text
// still to send, with its number and the stored version it was made from (base); kept: the last
// text the server acknowledged (newer than the page when the page is the service worker's older
// copy); sent: the numbers of saves sent whose answer never came (the connection dropped), so that
// a save of this device's found stored is not taken for another device's. Storage that never
// throws: private mode and a full quota leave the draft in memory only, and `writable` says so.
class DraftStore {
  constructor(key) {
    this.key = key;
    this.data = { seq: 0, pending: null, kept: null, sent: [] };
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
    data.sent = [...new Set([...data.sent, ...(other.sent || [])])];
  }

  save() {
    this.absorb(this.read());
    const data = this.data;
    if (data.pending && data.kept && data.pending.seq <= data.kept.seq) data.pending = null;
    // A save numbered at or below one stored since can never be the stored one again.
    data.sent = data.sent.filter((seq) => !data.kept || seq > data.kept.seq);
    data.sent = data.sent.sort((a, b) => a - b).slice(-SENT_KEPT);
    try {
      window.localStorage.setItem(this.key, JSON.stringify(data));
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
    this.conflictEl = document.getElementById("reflection-conflict");
    this.conflictText = document.getElementById("conflict-text");
    this.submitButton = document.getElementById("submit-reflection");
    this.csrf = document.querySelector('meta[name="csrf-token"]').content;
    this.store = new DraftStore(`studyhall.reflection.${state.user}.${state.item}`);
    this.url = `/api/reflections/items/${state.item}`;
    this.clockOrigin = performance.now() - state.clock_ms; // when the server's clock read 0
    this.base = state.seq; // the stored version the text in the box was made from
    this.conflict = null; // the other page's or device's version, while the person chooses
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
    for (const [id, theirs] of [
      ["take-theirs", true],
      ["keep-mine", false],
    ]) {
      document.getElementById(id).addEventListener("click", (event) => {
        event.preventDefault(); // without this script they reload the page and send the form
        this.resolve(theirs);
      });
    }
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

  // The page's text is the server's (or the offline copy's); newer text on this device wins. Text
  // still to send stays whatever is stored since: sent, it is checked against that (an entry from
  // before saves named their base is dropped under a newer stored one, as it was then).
  merge() {
    const data = this.store.data;
    const state = this.state;
    data.seq = Math.max(data.seq, state.seq);
    if (data.kept && data.kept.seq <= state.seq) data.kept = null;
    const pending = data.pending;
    if (pending && (pending.text === state.text || (pending.base === undefined && pending.seq <= state.seq))) {
      data.pending = null;
    }
    const newer = data.pending || data.kept;
    if (newer) this.textarea.value = newer.text;
    if (data.pending && data.pending.base !== undefined) this.base = data.pending.base;
    else if (data.kept) this.base = data.kept.seq;
    this.store.save();
  }

  serverNow() {
    return Math.floor(performance.now() - this.clockOrigin);
  }

  edited() {
    if (this.stopped) return;
    const data = this.store.data;
    data.seq = Math.max(data.seq + 1, this.serverNow());
    data.pending = { text: this.textarea.value, seq: data.seq, base: this.base };
    this.store.save();
    this.hideAlert();
    this.render();
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.send(), SAVE_AFTER_MS);
  }

  // ---- sending

  // Send what is pending until nothing is, or a save fails (then a retry is set).
  send() {
    if (this.sending || this.stopped || this.conflict) return this.sending;
    const run = async () => {
      while (this.store.data.pending && !this.stopped && !this.conflict) {
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
    const data = this.store.data;
    if (!data.sent.includes(entry.seq)) {
      data.sent.push(entry.seq);
      this.store.save();
    }
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
    if (kept) {
      data.kept = entry;
      this.rebase(seq);
    }
    if (data.pending && data.pending.seq <= seq) data.pending = null; // a change typed since stays
    this.store.save();
    // Another tab or device saved later text: show that one instead.
    if (!kept && !data.pending) await this.resync();
  }

  // The text in the box (and what is pending) is now made from the stored version `seq`.
  rebase(seq) {
    this.base = seq;
    const pending = this.store.data.pending;
    if (pending && pending.seq > seq) pending.base = seq;
  }

  // Refused as made from an older version than the one stored. Stored by this device (a save
  // whose answer was lost): the text here was typed on top of it, so it goes again from it (true).
  // Stored by another page or device: the person chooses (false).
  stale(stored) {
    const data = this.store.data;
    data.seq = Math.max(data.seq, stored.seq);
    if (data.sent.includes(stored.seq)) {
      data.kept = { text: stored.text, seq: stored.seq };
      this.rebase(stored.seq);
      this.store.save();
      return true;
    }
    this.conflict = { text: stored.text, seq: stored.seq };
    clearTimeout(this.saveTimer);
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.conflictText.value = stored.text;
    this.conflictEl.hidden = false;
    this.submitButton.disabled = true; // the person chooses first
    this.render();
    return false;
  }

  // The person's choice: the other version in the box, or this one kept. Either is saved as new
  // text made from the stored version, so over it (and again refused should yet another come).
  resolve(takeTheirs) {
    if (!this.conflict) return;
    const { text, seq } = this.conflict;
    this.conflict = null;
    this.conflictEl.hidden = true;
    this.submitButton.disabled = false;
    this.base = seq;
    if (takeTheirs) this.textarea.value = text;
    this.edited();
    this.send();
  }

  async refused(result) {
    const code = result.body.code;
    if (result.status === 409 && code === "stale") return this.stale(result.body);
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
    if (!result.ok || this.stopped || this.conflict) return;
    const server = result.body;
    const data = this.store.data;
    if (!EDITABLE.includes(server.state)) {
      this.stop(this.text.textSentElsewhere);
      return;
    }
    data.seq = Math.max(data.seq, server.seq);
    if (!data.pending && server.seq >= (data.kept ? data.kept.seq : this.state.seq)) {
      data.kept = { text: server.text, seq: server.seq };
      this.base = server.seq;
      if (this.textarea.value !== server.text) this.textarea.value = server.text;
    }
    this.store.save();
    this.render();
  }

  // ---- submitting

  // The latest text goes with the submission (numbered, so an older save arriving later is
  // ignored); without a connection it waits, and goes when the connection returns.
  async submit() {
    if (this.stopped || this.submitInFlight || this.conflict) return;
    const count = characters(this.textarea.value);
    if (count < this.state.minimum) {
      this.showAlert(this.text.textTooShort.replace("{min}", this.state.minimum).replace("{n}", count));
      return;
    }
    this.submitting = true;
    this.submitButton.disabled = true;
    this.render();
    const data = this.store.data;
    const entry = data.pending || { text: this.textarea.value, seq: data.seq, base: this.base };
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
    if (result.status === 409 && result.body.code === "stale") {
      this.submitting = false;
      this.submitButton.disabled = false;
      if (this.stale(result.body)) await this.submit(); // this device's own save: from it, again
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
    if (this.conflict) {
      state = "conflict";
      words = this.text.textConflict;
    } else if (this.submitting) words = this.offline ? this.text.textSubmitWaiting : this.text.textSubmitting;
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
