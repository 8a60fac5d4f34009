// Small conveniences; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // A form marked data-once cannot be sent twice by a double click (the server files it once anyway).
  for (const form of document.querySelectorAll("form[data-once]")) {
    form.addEventListener("submit", () => {
      for (const button of form.querySelectorAll("button[type=submit]")) {
        setTimeout(() => { button.disabled = true; button.textContent = "正在提交…"; }, 0);
      }
    });
  }
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
  // After a refused submission, the keyboard starts at the list of what to correct.
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});
