// Copy buttons ([data-copy] names the field whose text they copy): shown only where this runs, since
// without script the field's text is selected and copied by hand. The intranet is often plain
// http, where browsers offer no navigator.clipboard: the field's selection is copied instead.
for (const button of document.querySelectorAll("[data-copy]")) {
  const field = document.getElementById(button.dataset.copy);
  if (!field) continue;
  const label = button.textContent;
  button.hidden = false;
  button.addEventListener("click", async () => {
    let copied = false;
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(field.value);
        copied = true;
      } catch {
        copied = false;
      }
    }
    if (!copied) {
      field.focus();
      field.select();
      copied = document.execCommand("copy");
    }
    if (copied) {
      button.textContent = button.dataset.copied;
      setTimeout(() => { button.textContent = label; }, 2000);
    }
  });
}
