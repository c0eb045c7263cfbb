// The new plan form (plain ES module, no build step): the button that copies the latest earlier
// plan is named for the period chosen, 沿用上周计划 for a week and 沿用上月计划 for a month.

const period = document.querySelector("#period");
const copy = document.querySelector("#copy-previous");

if (period && copy) {
  const update = () => {
    copy.textContent = period.value === "month" ? copy.dataset.labelMonth : copy.dataset.labelWeek;
  };
  period.addEventListener("change", update);
  update();
}
