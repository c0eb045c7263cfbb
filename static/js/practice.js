// A practice round's script (plain ES module, no build step, no libraries).
//
// The page works as plain forms: each answer is posted and the page comes back with the question's
// feedback. This script answers in place instead: the answer is posted as JSON and the question's
// card is replaced by the one the server renders with the feedback (right or wrong, the key, the
// 解析 and the 出处). Without a connection an answer is kept in localStorage and sent as soon as the
// connection is back — on `online`, on the next page load, or after a short wait — and the next
// question is shown meanwhile (not in a challenge: its next question depends on this answer). Right
// or wrong needs the server: the page says so. The server takes the first answer at each position,
// so sending one twice is harmless.
// Words shown to the person come from the page's data-text-* attributes (translated server-side).

import { callJson, freshToken, keepPage } from "./server.js";

const RETRY_MS = 5000;

const root = document.getElementById("practice");
const storeKey = `practice:${root.dataset.round}`;
const challenge = root.dataset.kind === "challenge";
const text = (name) => root.dataset[`text${name}`];
let csrf = document.querySelector('meta[name="csrf-token"]').content;
let sending = false;

function pending() {
  try {
    return JSON.parse(window.localStorage.getItem(storeKey) || "[]");
  } catch (_error) {
    return [];
  }
}

function keep(list) {
  try {
    if (list.length) window.localStorage.setItem(storeKey, JSON.stringify(list));
    else window.localStorage.removeItem(storeKey);
  } catch (_error) {
    // private mode or a full quota: the answer stays in this page's memory only
  }
}

let queue = pending();

// The feedback the server gave on this device, by position: the device's copy of the page (a reload
// without a connection) predates the answers given since, and shows them from here.
const doneKey = `${storeKey}:done`;

function answeredHere() {
  try {
    return JSON.parse(window.localStorage.getItem(doneKey) || "{}");
  } catch (_error) {
    return {};
  }
}

function rememberAnswered(position, html) {
  try {
    window.localStorage.setItem(doneKey, JSON.stringify({ ...answeredHere(), [position]: html }));
  } catch (_error) {
    // not kept: a reload without a connection shows that question unanswered, as the copy has it
  }
}

// The response in the API's shape, from a question's inputs (as the type's from_form reads a form);
// `input` is how its type is answered (QuestionType.input: radio, checkbox, truth or text).
function responseOf(form, input) {
  const inputs = [...form.querySelectorAll('[name="answer"]')];
  if (input === "truth") {
    const chosen = inputs.find((input) => input.checked);
    return chosen ? chosen.value === "true" : null;
  }
  if (input === "text") {
    const values = inputs.map((input) => input.value);
    return values.some((value) => value.trim()) ? values : null;
  }
  const letters = inputs.filter((input) => input.checked).map((input) => input.value).sort();
  return letters.length ? letters : null;
}

function card(position) {
  return document.getElementById(`q-${position}`);
}

function status(position, message) {
  const line = card(position)?.querySelector(".practice-status");
  if (line) line.textContent = message;
}

// Show the next unanswered question of the page (not in a challenge, whose next comes from the server).
function showNext(after) {
  if (challenge) return false;
  const next = [...document.querySelectorAll(".practice-question")].find(
    (item) => Number(item.dataset.position) > after && item.querySelector("form.practice-answer") && !isQueued(Number(item.dataset.position)),
  );
  if (next) {
    next.hidden = false;
    next.querySelector("input:not([type=hidden])")?.focus();
  }
  return Boolean(next);
}

function isQueued(position) {
  return queue.some((entry) => entry.position === position);
}

// Put the server's answered card in place of the question's form.
function answeredCard(position, html) {
  const holder = document.createElement("template");
  holder.innerHTML = html.trim();
  const fresh = holder.content.firstElementChild;
  card(position).replaceWith(fresh);
  return fresh;
}

// An answer's feedback: `live`, the one just given, shown where the question was; one sent from the
// queue replaces its card where it is (hidden while the person is on a later question), so the
// question on screen stays the one on screen.
function showFeedback(body, { live = true } = {}) {
  rememberAnswered(body.position, body.html);
  const hiddenBefore = card(body.position).hidden;
  const fresh = answeredCard(body.position, body.html);
  fresh.hidden = live ? false : hiddenBefore;
  if (body.earlier) {
    const note = document.createElement("p");
    note.className = "muted";
    note.textContent = text("Earlier");
    fresh.append(note);
  }
  document.getElementById("round-progress").textContent = (body.ended ? text("End") : text("Progress"))
    .replace("{n}", String(body.answered))
    .replace("{right}", String(body.right));
  if (live || body.ended || !fresh.hidden) {
    nextStep(body, fresh); // the person sees this answer: the way on is beside it
  } else {
    // Sent from the queue while the person is on a later question: say how it went up here.
    const line = document.getElementById("practice-queue");
    line.hidden = false;
    line.textContent = text(body.correct ? "SentRight" : "SentWrong").replace("{n}", String(body.position + 1));
  }
}

// What the person does next: the round's next question (shown in place), the challenge's next (the
// server draws it: the page loads again), or, at the end, the page with every answer.
function nextStep(body, answered) {
  document.getElementById("next-question")?.remove();
  const step = document.createElement(body.next !== null && !challenge ? "button" : "a");
  step.className = "button primary big";
  step.id = "next-question";
  if (body.ended) {
    step.textContent = text("All");
    step.href = window.location.pathname;
  } else if (challenge || body.next === null) {
    step.textContent = text("Next");
    step.href = window.location.pathname;
    step.addEventListener("click", (event) => {
      if (navigator.onLine) return;
      // The next question comes from the server: without a connection there is none to show.
      event.preventDefault();
      const line = document.getElementById("practice-queue");
      line.hidden = false;
      line.textContent = text("NeedsServer");
    });
  } else {
    step.type = "button";
    step.textContent = text("Next");
    step.addEventListener("click", () => {
      answered.hidden = true;
      step.remove();
      const next = card(body.next);
      next.hidden = false;
      next.querySelector("input:not([type=hidden])")?.focus();
    });
  }
  document.getElementById("practice-next").prepend(step);
  step.focus();
}

async function send(entry) {
  let result = await callJson("POST", root.dataset.answerUrl, entry, csrf);
  if (result.status === 400 && result.body.code === "csrf_expired") {
    const token = await freshToken();
    if (token) {
      csrf = token;
      result = await callJson("POST", root.dataset.answerUrl, entry, csrf);
    }
  }
  return result;
}

// Send what waits, oldest first. A refusal (the set closed, a question a test now under way may ask)
// is said at its question and dropped: sending it again would be refused again.
async function flush() {
  if (sending) return;
  sending = true;
  try {
    while (queue.length) {
      const entry = queue[0];
      let result;
      try {
        result = await send(entry);
      } catch (_error) {
        window.setTimeout(flush, RETRY_MS);
        return; // still no connection: try again later
      }
      const refused =
        result.status === 404 || result.status === 409 || (result.status === 400 && result.body.code !== "csrf_expired");
      if (!result.ok && !refused) {
        // The server restarting, a proxy's error, a session to sign in again, a password to
        // change: not a refusal of the answer, which waits to be sent again.
        window.setTimeout(flush, RETRY_MS);
        return;
      }
      queue = queue.slice(1);
      keep(queue);
      showWaiting();
      if (result.ok) showFeedback(result.body, { live: false });
      else status(entry.position, `${text("Refused")} ${result.body.message || result.status}`);
    }
  } finally {
    sending = false;
  }
}

root.addEventListener("submit", async (event) => {
  const form = event.target.closest("form.practice-answer");
  if (!form) return;
  event.preventDefault();
  const item = form.closest(".practice-question");
  const position = Number(form.dataset.position);
  const response = responseOf(form, item.dataset.input);
  if (response === null) {
    status(position, text("Choose"));
    return;
  }
  const entry = { position, response };
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  status(position, text("Sending"));
  let result;
  try {
    result = await send(entry);
  } catch (_error) {
    queue = [...queue.filter((other) => other.position !== position), entry];
    keep(queue);
    showQueued(position);
    // On to the next question meanwhile (a challenge's next needs the server's verdict).
    if (!challenge && showNext(position)) item.hidden = true;
    window.setTimeout(flush, RETRY_MS);
    return;
  }
  button.disabled = false;
  if (result.ok) showFeedback(result.body);
  else status(position, `${text("Refused")} ${result.body.message || result.status}`);
});

// An answer kept but not yet sent, as its question shows it (the inputs locked, the reason said),
// and the page's line counting what waits.
function showQueued(position) {
  const form = card(position)?.querySelector("form.practice-answer");
  if (!form) return;
  for (const input of form.querySelectorAll("input, button")) input.disabled = true;
  status(position, text("Offline"));
  showWaiting();
}

function showWaiting() {
  const line = document.getElementById("practice-queue");
  line.hidden = queue.length === 0;
  line.textContent = `${text("Offline")} ${text("Queued").replace("{n}", String(queue.length))}`;
}

window.addEventListener("online", () => {
  showWaiting(); // whatever the line said of the lost connection no longer holds
  flush();
});
// A page opened again (a reload without a connection opens the device's copy): what waits is shown
// as waiting, and the question on screen, if it is one of them, makes way for the next.
const stale = new Set(queue.map((entry) => entry.position));
for (const [key, html] of Object.entries(answeredHere())) {
  const position = Number(key);
  const item = card(position);
  if (item?.querySelector("form.practice-answer")) {
    answeredCard(position, html).hidden = item.hidden;
    stale.add(position);
  }
}
for (const entry of queue) showQueued(entry.position);
if (stale.size) {
  // The device's copy predates the answers restored above: count what the page now shows.
  const answered = document.querySelectorAll(".practice-question.answered").length;
  const right = document.querySelectorAll(".practice-question.right").length;
  document.getElementById("round-progress").textContent = text("Progress")
    .replace("{n}", String(answered))
    .replace("{right}", String(right));
}
const onScreen = document.querySelector(".practice-question:not([hidden])");
if (onScreen && stale.has(Number(onScreen.dataset.position))) {
  onScreen.hidden = true;
  showNext(Number(onScreen.dataset.position));
}
keepPage(root.dataset.worker).then((kept) => {
  root.dataset.offline = kept ? "ready" : "none";
});
if (queue.length) flush();
