// The practice set form: the categories (知识点) listed are those of the banks ticked, following
// each tick at once, and a tap on one adds it to the categories field. Without script every
// chosen bank's list shows after saving, and the names are typed.

const choices = document.getElementById("bank-choices");
const field = document.getElementById("categories");
const none = document.getElementById("category-none");
const lists = [...document.querySelectorAll(".category-list[data-bank]")];
const SEPARATORS = /[,，、;；\n]+/; // as the server reads the field (sets.category_list)

function follow() {
  const chosen = new Set([...choices.querySelectorAll("input:checked")].map((input) => input.value));
  for (const list of lists) list.hidden = !chosen.has(list.dataset.bank);
  none.hidden = chosen.size > 0;
}

function add(name) {
  const names = field.value.split(SEPARATORS).map((part) => part.trim()).filter(Boolean);
  if (!names.includes(name)) names.push(name);
  field.value = names.join("、");
}

if (choices && field) {
  for (const item of document.querySelectorAll(".category-list li.tag")) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "tag";
    button.textContent = item.textContent;
    button.addEventListener("click", () => add(button.textContent));
    item.className = "";
    item.replaceChildren(button);
  }
  choices.addEventListener("change", follow);
  follow();
}
