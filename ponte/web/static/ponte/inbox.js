// The inbox's queues and bulk labels: tabs set the hidden `queue` field of the filters and
// reload the list; "Selecionar" turns row clicks into ticks for the "Etiquetar" bar.
// Live refreshes (realtime.js) redraw #inbox-list; the ticks are kept across them.
(() => {
  const chosen = new Set();

  function pane() { return document.querySelector(".inbox-pane"); }

  function showChosen() {
    const bar = document.getElementById("bulk-labels");
    if (!bar) return;
    document.querySelectorAll("#inbox-list .row-select").forEach((box) => {
      box.checked = chosen.has(box.value);
    });
    const count = bar.querySelector(".bulk-count");
    if (count) count.textContent = `${chosen.size} ✓`;
    // Ticked rows that scrolled out with a refresh still count: send them as hidden fields.
    bar.querySelectorAll("input.kept").forEach((field) => field.remove());
    const shown = new Set([...document.querySelectorAll("#inbox-list .row-select")]
      .map((box) => box.value));
    chosen.forEach((id) => {
      if (shown.has(id)) return;
      const field = document.createElement("input");
      Object.assign(field, { type: "hidden", name: "chat", value: id, className: "kept" });
      bar.append(field);
    });
  }

  function setSelecting(on) {
    const root = pane();
    if (!root) return;
    root.classList.toggle("selecting", on);
    const toggle = root.querySelector(".select-toggle");
    if (toggle) toggle.setAttribute("aria-pressed", String(on));
    const bar = document.getElementById("bulk-labels");
    if (bar) bar.hidden = !on;
    if (!on) chosen.clear();
    showChosen();
  }

  document.addEventListener("click", (event) => {
    const tab = event.target.closest(".queue-tab");
    if (tab) {
      const form = document.getElementById("inbox-filters");
      if (!form) return;
      form.elements.queue.value = tab.dataset.queue;
      if (window.htmx) htmx.trigger(form, "submit"); else form.submit();
      return;
    }
    if (event.target.closest(".select-toggle")) {
      setSelecting(!pane().classList.contains("selecting"));
      return;
    }
    const row = event.target.closest("#inbox-list .chat-row");
    if (row && pane()?.classList.contains("selecting")) {
      event.preventDefault();
      event.stopPropagation();  // not a navigation (hx-boost) while choosing
      const id = row.dataset.conversationId;
      if (chosen.has(id)) chosen.delete(id); else chosen.add(id);
      showChosen();
    }
  }, true);

  // The page's CSP refuses style attributes: a label's colour is set from its data here.
  function paintChips(root) {
    root.querySelectorAll(".label-chip[data-colour]").forEach((chip) => {
      if (/^#[0-9a-fA-F]{6}$/.test(chip.dataset.colour)) {
        chip.style.setProperty("--chip", chip.dataset.colour);
      }
      delete chip.dataset.colour;
    });
  }

  function watchList() {
    const list = document.getElementById("inbox-list");
    if (!list || list.dataset.watched) return;
    list.dataset.watched = "1";
    paintChips(list);
    new MutationObserver(() => {
      paintChips(list);
      if (chosen.size) showChosen();
    }).observe(list, { childList: true, subtree: true });
  }

  document.addEventListener("DOMContentLoaded", watchList);
  // A boosted navigation (another chat) draws a new pane, not in "Selecionar" mode.
  document.addEventListener("htmx:afterSettle", () => {
    watchList();
    if (!pane()?.classList.contains("selecting")) chosen.clear();
  });
})();
