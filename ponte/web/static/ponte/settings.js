// Settings › WhatsApp: copy the webhook URL; show that a slow engine action is running.
(() => {
  "use strict";

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const source = document.querySelector(button.dataset.copy);
    if (!source || !navigator.clipboard) return;
    await navigator.clipboard.writeText(source.textContent.trim());
    button.textContent = button.dataset.copied || button.textContent;
  });

  // Reconnect waits for the engine (a few seconds): one submit, visibly busy. A reset total
  // answers at once and runs in the background; the session card shows its steps.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches("form[data-busy]")) return;
    form.querySelectorAll("button[type=submit]").forEach((button) => {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
    });
  });
})();
