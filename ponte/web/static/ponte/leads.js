// The Leads page: the list re-reads itself when a lead is scored or changed elsewhere, and
// a row's refusal (403, 422) replaces the row so its selects show what is really stored.
(() => {
  "use strict";

  const LIVE_KINDS = new Set(["hello", "lead.scored", "lead.updated", "conversation.hidden",
    "conversation.merged", "contact.photo"]);
  let busy = false;
  let dirty = false;
  let failures = 0;

  const list = () => document.getElementById("leads-list");
  // Someone choosing in a row's select would lose the choice under them: wait until they leave.
  const choosing = () => Boolean(list() && list().contains(document.activeElement) &&
    document.activeElement.tagName === "SELECT");

  async function refreshLeads() {
    const target = list();
    const filters = document.getElementById("leads-filters");
    if (!target || !filters) return;
    if (busy || choosing()) { dirty = true; return; }
    busy = true;
    try {
      const params = new URLSearchParams(new FormData(filters));
      params.set("limit", String(target.querySelectorAll(".lead-row").length));
      const response = await fetch(`/leads/list/?${params}`, {
        headers: { "HX-Request": "true" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(`leads: ${response.status}`);
      const html = await response.text();
      const current = list();
      if (current) {
        current.innerHTML = html;
        if (window.htmx) htmx.process(current);
      }
      failures = 0;
    } catch (error) {
      console.warn("ponte:", error);
      if (failures < 5) setTimeout(refreshLeads, 400 * 2 ** failures++);
    } finally {
      busy = false;
      if (dirty && !choosing()) { dirty = false; refreshLeads(); }
    }
  }

  document.addEventListener("ponte:event", (event) => {
    if (LIVE_KINDS.has(event.detail.kind)) refreshLeads();
  });
  // A refresh held back while someone chose runs once they leave the select, or once their
  // row came back from the server (a removed select may never report losing focus).
  function refreshIfHeld() {
    setTimeout(() => {
      if (dirty && !busy && !choosing()) { dirty = false; refreshLeads(); }
    }, 0);
  }
  document.addEventListener("focusout", (event) => {
    if (dirty && list() && list().contains(event.target)) refreshIfHeld();
  });
  document.addEventListener("htmx:afterSettle", () => { if (dirty) refreshIfHeld(); });
  // Back from a chat restores a snapshot of the list: scores may have moved meanwhile.
  document.addEventListener("htmx:historyRestore", () => refreshLeads());

  // A filter applies as soon as it is picked (the form is boosted: no full reload).
  document.addEventListener("change", (event) => {
    const form = event.target.form;
    if (form && form.id === "leads-filters") form.requestSubmit();
  });
  // Filters left at "any" stay out of the address, so it reads /leads/?band=hot.
  document.addEventListener("submit", (event) => {
    if (event.target.id !== "leads-filters") return;
    const unset = Array.from(event.target.elements).filter((field) => field.name && !field.value);
    unset.forEach((field) => { field.disabled = true; });
    setTimeout(() => unset.forEach((field) => { field.disabled = false; }), 0);
  }, true);

  document.addEventListener("htmx:beforeSwap", (event) => {
    const form = event.detail.elt;
    if (!form.classList || !form.classList.contains("lead-edit")) return;
    const status = event.detail.xhr.status;
    if (status === 403 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  window.ponteLeads = { refresh: refreshLeads };
})();
