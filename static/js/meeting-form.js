// The meeting form (plain ES module, no build step). Attendance is recorded once the meeting has
// begun (studyhall/plans/meetings.py), so "mark everyone present" is off, with the reason beside it,
// while the start entered is still to come. "Now" is the server's: the form's data-now (the
// organisation's local time when the page was made) moved on by the time since, compared with the
// start as typed, in the same local time; the browser's clock and zone may be another's.

const form = document.querySelector("#meeting-form");
const button = document.querySelector("#all-present");
const reason = document.querySelector("#all-present-reason");
const start = form?.querySelector('[name="starts_at"]');

if (form && button && reason && start) {
  // A local date and time (2026-04-15T08:30) as milliseconds, read as if in UTC: both sides alike.
  const wall = (text) => Date.parse(`${text}Z`);
  const made = wall(form.dataset.now);
  const opened = performance.now();

  const update = () => {
    const at = wall(start.value);
    const toCome = !Number.isNaN(at) && at > made + (performance.now() - opened);
    button.disabled = toCome;
    reason.hidden = !toCome;
  };
  start.addEventListener("input", update);
  start.addEventListener("change", update);
  setInterval(update, 30_000); // the start time comes while the form is open
  update();
}
