// A page's print button: shown only where this runs, since without script Ctrl+P does the same.
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
