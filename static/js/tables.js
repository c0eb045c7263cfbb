// A table wider than a phone scrolls sideways inside its .table-wrap; say so above the ones that
// do, since nothing else shows that the right-hand columns exist. Without script the tables
// still scroll; the hint's words come from the page (body[data-scroll-hint]), translated.

const hintText = document.body.dataset.scrollHint;

function markOverflow() {
  for (const wrap of document.querySelectorAll(".table-wrap")) {
    let hint = wrap.previousElementSibling;
    if (!hint || !hint.classList.contains("scroll-hint")) {
      hint = document.createElement("p");
      hint.className = "scroll-hint";
      hint.textContent = hintText;
      wrap.before(hint);
    }
    hint.hidden = wrap.scrollWidth <= wrap.clientWidth + 1;
  }
}

if (hintText) {
  markOverflow();
  window.addEventListener("resize", markOverflow);
}
