// The practice set form: the categories (知识点) listed are those of the banks ticked, following
// each tick at once; a tap on one adds it to the categories field, or takes it out again, and its
// button shows which it is. Unticking a bank takes out the categories no ticked bank has. Without
// script every chosen bank's list shows after saving, and the names are typed.

const choices = document.getElementById("bank-choices");
const field = document.getElementById("categories");
const none = document.getElementById("category-none");
const lists = [...document.querySelectorAll(".category-list[data-bank]")];
const SEPARATORS = /[,，、;；\n]+/; // as the server reads the field (sets.category_list)

const typed = () => field.value.split(SEPARATORS).map((part) => part.trim()).filter(Boolean);
const namesIn = (list) => [...list.querySelectorAll("[data-category]")].map((item) => item.dataset.category);

function write(names) {
  field.value = names.join("、");
  showChosen();
}

function showChosen() {
  const chosen = new Set(typed());
  for (const button of document.querySelectorAll(".category-list button[data-category]")) {
    button.setAttribute("aria-pressed", String(chosen.has(button.dataset.category)));
  }
}

function follow() {
  const ticked = new Set([...choices.querySelectorAll("input:checked")].map((input) => input.value));
  for (const list of lists) list.hidden = !ticked.has(list.dataset.bank);
  none.hidden = ticked.size > 0;
  const offered = new Set(lists.filter((list) => !list.hidden).flatMap(namesIn));
  const listed = new Set(lists.flatMap(namesIn));
  // A category of an unticked bank only would draw nothing; one typed that no bank lists stays (the
  // server names it).
  write(typed().filter((name) => offered.has(name) || !listed.has(name)));
}

if (choices && field) {
  for (const item of document.querySelectorAll(".category-list li[data-category]")) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "tag";
    button.dataset.category = item.dataset.category;
    button.append(...item.childNodes);
    button.addEventListener("click", () => {
      const names = typed();
      const name = button.dataset.category;
      write(names.includes(name) ? names.filter((other) => other !== name) : [...names, name]);
    });
    item.removeAttribute("data-category");
    item.className = "";
    item.replaceChildren(button);
  }
  choices.addEventListener("change", follow);
  field.addEventListener("input", showChosen);
  showChosen();
  follow();
}
