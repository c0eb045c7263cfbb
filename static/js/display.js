// The corridor screen (plain ES module, no build step, no libraries). A TV in kiosk mode runs it
// all day with nobody to press a key, so it must never stop by itself:
//   - one clock drives everything: a tick every second updates the time and the countdowns, turns
//     to the next panel when the current one's time is up and polls when a poll is due. Each is a
//     moment to reach (state.turnAt, state.pollAt), not a timer to keep alive, so a tick that is
//     late (a throttled background tab, a frozen page, a slow render) catches up at the next one,
//     and nothing that polling does (a new board every poll, a failure, a hung request) can stop
//     the rotation;
//   - it polls the board (data-url) with If-None-Match; an unchanged board is a 304 and no body;
//     a poll that gets no answer within FETCH_TIMEOUT_MS is abandoned as failed;
//   - when a poll fails (network down, server stopped or upgrading) the last good board stays up
//     with a discreet "更新于 hh:mm" line, and polls go on with capped exponential back-off (and at
//     once when the browser says it is online again, or the page is shown again), so the screen
//     recovers by itself;
//   - a board from a newer version of the app reloads the page (new script and styles), and a 404
//     from the app means the address was revoked: reloading shows the server's 此屏幕未登记 page.
//     Either reload happens only once the page itself answers, so a server still starting never
//     leaves the TV on a browser error page, with no script to bring it back;
//   - a payload it cannot read is treated as a failed poll, never thrown at the page.
// The panels rotate every rotate_seconds, with an indicator of which is shown; a new board redraws
// the panel on screen with its new figures and leaves its time running. Each panel kind has one
// renderer in RENDERERS, as each has one function in studyhall/display/panels.py.
// Words come from the page's data-text-* attributes (translated server-side).

const root = document.getElementById("display");
const text = root.dataset;
const POLL_MS = Math.max(1, Number(text.pollSeconds) || 30) * 1000;
const RETRY_MAX_MS = 5 * 60 * 1000;
const FETCH_TIMEOUT_MS = Math.min(20_000, Math.max(5_000, POLL_MS));
const RELOADED_KEY = "studyhall-display-reloaded-for";

const state = {
  board: null, // the last good payload
  etag: null,
  shown: 0, // index of the panel on screen
  turnAt: null, // when the panel on screen gives way to the next (Date.now() time)
  pollAt: 0, // when the next poll is due
  polling: false, // a poll is on its way
  failures: 0,
  updatedAt: null, // the server's time of the last good poll
  offsetMs: 0, // the server's clock minus this one (the Date header), for the countdowns
};

const serverNow = () => Date.now() + state.offsetMs;

// ---- small helpers ------------------------------------------------------------------------------

function element(tag, className, content) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (content !== undefined && content !== null) node.textContent = String(content);
  return node;
}

function fill(pattern, values) {
  return Object.entries(values).reduce((out, [key, value]) => out.replace(`{${key}}`, value), pattern || "");
}

function timeText(ms, options) {
  try {
    return new Intl.DateTimeFormat(document.documentElement.lang || "zh-CN", {
      hour12: false,
      timeZone: text.zone || undefined, // the organisation's, whatever the TV is set to
      ...options,
    }).format(new Date(ms));
  } catch {
    return new Date(ms).toISOString().slice(11, 16); // an unknown zone name: still a time
  }
}

const HOURS_MINUTES = { hour: "2-digit", minute: "2-digit" };

function durationText(totalSeconds) {
  const s = Math.max(0, Math.floor(totalSeconds));
  if (s >= 86400) {
    return fill(text.textDays, { d: Math.floor(s / 86400), h: Math.floor((s % 86400) / 3600) });
  }
  const two = (n) => String(n).padStart(2, "0");
  return `${two(Math.floor(s / 3600))}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
}

function table(headings, rows) {
  const tableNode = element("table", "display-table");
  const head = tableNode.createTHead().insertRow();
  for (const [label, className] of headings) {
    const cell = element("th", className, label);
    cell.scope = "col";
    head.append(cell);
  }
  const body = tableNode.createTBody();
  for (const cells of rows) {
    const row = body.insertRow();
    for (const [value, className] of cells) row.append(element("td", className, value));
  }
  return tableNode;
}

function rankClass(rank) {
  return rank <= 3 ? `rank rank-${rank}` : "rank";
}

// A gain as the leaderboard writes it (+12, +0, -3); none when the export before did not hold the person.
function gainText(gain) {
  if (gain === null || gain === undefined) return "—";
  return `${gain >= 0 ? "+" : ""}${gain}`;
}

// One of a panel's side-by-side columns: its heading over its content.
function column(className, heading, content) {
  const node = element("div", `display-column ${className}`);
  node.append(element("h2", "column-title", heading), content);
  return node;
}

// ---- one renderer per panel kind ------------------------------------------------------------------

const RENDERERS = {
  people(panel) {
    if (!panel.rows.length) return element("p", "display-empty", text.textNoPoints);
    return table(
      [
        [text.textRank, "rank"],
        [text.textName, "name"],
        [text.textBranch, "branch"],
        [text.textPoints, "number"],
      ],
      panel.rows.map((row) => [
        [row.rank, rankClass(row.rank)],
        [row.name, "name"],
        [row.branch, "branch"],
        [row.points, "number"],
      ]),
    );
  },

  branches(panel) {
    return table(
      [
        [text.textRank, "rank"],
        [text.textBranch, "name"],
        [text.textMembers, "number"],
        [text.textAverage, "number"],
      ],
      panel.rows.map((row) => [
        [row.rank, rankClass(row.rank)],
        [row.name, "name"],
        [row.members, "number"],
        [Number(row.average).toFixed(1), "number"],
      ]),
    );
  },

  publication(panel) {
    if (!Array.isArray(panel.branches) || !Array.isArray(panel.people)) throw new Error("unreadable notice");
    const head = element("div", "notice-head");
    head.append(element("p", "notice-title", panel.notice_title));
    // A title made from the period names it already.
    if (!panel.notice_title.includes(panel.period)) head.append(element("p", "notice-period", panel.period));
    const columns = element("div", "display-columns");
    if (panel.branches.length) {
      const branches = table(
        [
          [text.textRank, "rank"],
          [text.textBranch, "name"],
          [text.textAverage, "number"],
        ],
        panel.branches.map((row) => [
          [row.rank, rankClass(row.rank)],
          [row.name, "name"],
          [Number(row.average).toFixed(1), "number"],
        ]),
      );
      columns.append(column("column-branches", text.textBranchesByAverage, branches));
    }
    const people = panel.people.length
      ? table(
          [
            [text.textRank, "rank"],
            [text.textName, "name"],
            [text.textBranch, "branch"],
            [text.textPoints, "number"],
          ],
          panel.people.map((row) => [
            [row.rank, rankClass(row.rank)],
            [row.name, "name"],
            [row.branch, "branch"],
            [row.points, "number"],
          ]),
        )
      : element("p", "display-empty", text.textNoLeaders);
    columns.append(column("column-people", panel.people_title, people));
    const box = element("div", "display-publication");
    box.append(head, columns);
    return box;
  },

  xuexi(panel) {
    return table(
      [
        [text.textRank, "rank"],
        [text.textName, "name"],
        [text.textBranch, "branch"],
        [panel.total_label, "number"],
        [panel.gain_label, "number"],
      ],
      panel.rows.map((row) => [
        [row.rank, rankClass(row.rank)],
        [row.name, "name"],
        [row.branch, "branch"],
        [row.total, "number"],
        [gainText(row.gain), "number gain"],
      ]),
    );
  },

  next_exam(panel) {
    const opens = Date.parse(panel.opens_at);
    const closes = Date.parse(panel.closes_at);
    if (Number.isNaN(opens) || Number.isNaN(closes)) throw new Error("unreadable times");
    const box = element("div", "display-exam");
    box.append(element("p", "exam-title", panel.exam));
    const countdown = element("p", "exam-countdown");
    countdown.dataset.opens = opens;
    countdown.dataset.closes = closes;
    box.append(countdown);
    const when = `${fill(text.textOpensAt, { time: timeText(opens, { month: "long", day: "numeric", ...HOURS_MINUTES }) })}　${fill(text.textClosesAt, { time: timeText(closes, { month: "long", day: "numeric", ...HOURS_MINUTES }) })}`;
    box.append(element("p", "exam-when", when));
    box.append(element("p", "exam-when", fill(text.textMinutes, { n: panel.minutes })));
    tickCountdown(countdown);
    return box;
  },

  plan(panel) {
    if (!Array.isArray(panel.items)) throw new Error("unreadable plan");
    const box = element("div", "display-plan");
    box.append(element("p", "plan-theme", panel.theme));
    const list = element("ol", "plan-items");
    const day = { month: "long", day: "numeric", ...HOURS_MINUTES };
    for (const item of panel.items) {
      // A meeting is shown when and where it is held; anything else by its due time.
      const meets = Date.parse(item.starts_at ?? "");
      const due = Date.parse(item.due_at);
      let when = "";
      if (!Number.isNaN(meets)) when = fill(text.textMeetingAt, { time: timeText(meets, day), place: item.place ?? "" });
      else if (!Number.isNaN(due)) when = fill(text.textDue, { time: timeText(due, day) });
      const row = element("li", "plan-item");
      row.append(element("span", "plan-kind", item.kind), element("span", "plan-title", item.title), element("span", "plan-due", when));
      list.append(row);
    }
    box.append(list);
    return box;
  },

  notice(panel) {
    return element("p", "display-notice", panel.text);
  },
};

function tickCountdown(node) {
  const now = serverNow();
  const opens = Number(node.dataset.opens);
  const closes = Number(node.dataset.closes);
  node.replaceChildren();
  if (now >= closes) {
    node.append(element("span", "countdown-label", text.textClosed));
    return;
  }
  const [label, until] = now < opens ? [text.textOpensIn, opens] : [text.textClosesIn, closes];
  node.append(element("span", "countdown-label", label), element("span", "countdown-value", durationText((until - now) / 1000)));
}

// ---- showing and rotating -------------------------------------------------------------------------

const title = document.getElementById("display-title");
const panelArea = document.getElementById("display-panel");
const indicator = document.getElementById("display-indicator");
const stale = document.getElementById("display-stale");
const clock = document.getElementById("display-clock");

function renderable(board) {
  return board.panels.filter((panel) => panel && Object.hasOwn(RENDERERS, panel.kind));
}

function rotateMs() {
  return Math.max(1, Number(state.board.rotate_seconds) || 20) * 1000;
}

function show(index) {
  const panels = renderable(state.board);
  if (!panels.length) {
    // Nothing to show (no points, no test, no notice): the screen's name on a clean board.
    panelArea.replaceChildren();
    indicator.replaceChildren();
    title.textContent = state.board.name;
    delete root.dataset.shown;
    return;
  }
  state.shown = ((index % panels.length) + panels.length) % panels.length;
  const panel = panels[state.shown];
  let content;
  try {
    content = RENDERERS[panel.kind](panel);
  } catch {
    content = element("p", "display-empty", ""); // one unreadable panel blanks itself, not the screen
  }
  const section = element("section", `display-section panel-${panel.kind}`);
  section.dataset.panel = panel.kind;
  section.append(content);
  panelArea.replaceChildren(section);
  root.dataset.shown = panel.kind;
  title.textContent = panel.title || state.board.name;
  indicator.replaceChildren(
    ...panels.map((item, i) => {
      const dot = element("li", i === state.shown ? "current" : "", item.title);
      if (i === state.shown) dot.setAttribute("aria-current", "true");
      return dot;
    }),
  );
  // The bar under the panel's name fills over its whole time, from as far as that time has run.
  const left = Math.max(0, Math.min(rotateMs(), (state.turnAt ?? Date.now() + rotateMs()) - Date.now()));
  indicator.style.setProperty("--rotate", `${rotateMs() / 1000}s`);
  indicator.style.setProperty("--elapsed", `${(left - rotateMs()) / 1000}s`);
}

function turn() {
  state.turnAt = Date.now() + rotateMs(); // first: a panel that fails to draw must not stop the rotation
  show(state.shown + 1);
}

// A new board keeps the panel on screen where it is, re-drawn with the new figures, and its time
// running: a board that changes at every poll must not hold the screen on one panel.
function adopt(board) {
  const before = state.board ? renderable(state.board)[state.shown] : null;
  state.board = board;
  const panels = renderable(board);
  const keep = before ? panels.findIndex((panel) => panel.kind === before.kind) : -1;
  // A shorter time set by the administrators applies at once; a first board starts the clock.
  state.turnAt = Math.min(state.turnAt ?? Infinity, Date.now() + rotateMs());
  show(keep >= 0 ? keep : 0);
}

function valid(board) {
  return (
    board &&
    typeof board === "object" &&
    typeof board.version === "string" &&
    Array.isArray(board.panels) &&
    board.panels.every((panel) => panel && typeof panel.kind === "string" && (!("rows" in panel) || Array.isArray(panel.rows)))
  );
}

// ---- polling ---------------------------------------------------------------------------------------

function noteServerTime(response) {
  const date = Date.parse(response.headers.get("Date") || "");
  state.updatedAt = Number.isNaN(date) ? Date.now() : date;
  if (!Number.isNaN(date)) state.offsetMs = date - Date.now();
}

function markStale() {
  if (state.updatedAt === null) return; // nothing shown yet: nothing to date
  stale.textContent = fill(text.textUpdated, { time: timeText(state.updatedAt, HOURS_MINUTES) });
  stale.hidden = false;
}

async function fetchWithin(url, options) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), FETCH_TIMEOUT_MS);
  try {
    return await fetch(url, { ...options, cache: "no-store", credentials: "omit", signal: abort.signal });
  } finally {
    clearTimeout(timer);
  }
}

// Reload the page once the server answers for it as it should (200, or the 404 of a revoked
// address): reloaded while the server is still starting, the TV would show a browser error page,
// with no script left to bring it back. Until then, throws: the poll counts as failed.
async function reloadOnceServed(expected) {
  const page = await fetchWithin(window.location.href, {});
  if (page.status !== expected) throw new Error(`the page answers HTTP ${page.status}`);
  window.location.reload();
}

function reloadedFor(version) {
  // Once per version: two servers of different versions behind one address must not make the
  // screen reload at every poll.
  return sessionStorage.getItem(RELOADED_KEY) === version;
}

async function poll() {
  if (state.polling) return;
  state.polling = true;
  let delay = POLL_MS;
  try {
    const headers = state.etag ? { "If-None-Match": state.etag } : {};
    const response = await fetchWithin(text.url, { headers });
    if (response.status === 404) {
      // The app's own answer for an address it does not know; anything else is a failed poll.
      const answer = await response.json();
      if (answer?.code !== "not_found") throw new Error("HTTP 404");
      await reloadOnceServed(404);
      return;
    }
    if (response.status !== 304) {
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const board = await response.json();
      if (!valid(board)) throw new Error("unreadable board");
      if (board.version !== text.version && !reloadedFor(board.version)) {
        sessionStorage.setItem(RELOADED_KEY, board.version);
        try {
          await reloadOnceServed(200);
        } catch (notYet) {
          sessionStorage.removeItem(RELOADED_KEY); // not reloaded: the next poll tries again
          throw notYet;
        }
        return;
      }
      adopt(board);
      state.etag = response.headers.get("ETag"); // after: a board not shown is asked for again
    }
    noteServerTime(response);
    state.failures = 0;
    stale.hidden = true;
  } catch {
    state.failures += 1;
    markStale();
    // Spread the retries of many screens after an outage, and slow them while it lasts.
    delay = Math.min(RETRY_MAX_MS, POLL_MS * 2 ** (state.failures - 1)) * (0.8 + Math.random() * 0.4);
  } finally {
    state.polling = false;
    state.pollAt = Date.now() + delay;
  }
}

// ---- the clock that drives it all -------------------------------------------------------------------

// Each step on its own: one that fails (a panel that cannot be drawn) is tried again at the next
// tick and keeps neither the others nor the clock from going on.
function safely(step) {
  try {
    step();
  } catch {
    // nothing to do: the next tick tries again
  }
}

function tick() {
  safely(() => {
    clock.textContent = timeText(serverNow(), HOURS_MINUTES);
    for (const node of panelArea.querySelectorAll(".exam-countdown")) tickCountdown(node);
  });
  safely(() => {
    if (state.board && state.turnAt !== null && Date.now() >= state.turnAt) turn();
  });
  if (!state.polling && Date.now() >= state.pollAt) poll();
}

function pollNow() {
  state.pollAt = 0;
  tick();
}

window.addEventListener("online", pollNow);
// A page shown again after being hidden (its timers slowed by the browser) catches up at once.
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") pollNow();
});
setInterval(tick, 1000);
tick();
