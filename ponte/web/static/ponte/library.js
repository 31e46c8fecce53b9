// Labels and quick replies: chips painted in their colours (the page's CSP allows no inline
// styles), a chat's chips redrawn when another tab changes them, the colour swatches of
// Settings › Etiquetas, and the list of quick replies the composer offers after "/".
(() => {
  "use strict";

  const $ = (selector, root = document) => root.querySelector(selector);

  // -- colours ------------------------------------------------------------------------

  // Black or white, whichever contrasts more with the background (WCAG relative luminance);
  // the same rule as ponte/desk/label_library.py's `ink`.
  function ink(hex) {
    if (!/^#[0-9a-f]{6}$/i.test(hex)) return "#ffffff";
    const linear = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    const l = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2];
    return 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 ? "#ffffff" : "#111111";
  }

  function paint(root) {
    if (!root || !root.querySelectorAll) return;
    const found = [...root.querySelectorAll(".label-chip[data-colour], .swatch[data-colour]")];
    if (root.matches && root.matches(".label-chip[data-colour]")) found.push(root);
    found.forEach((element) => {
      const colour = element.dataset.colour;
      if (!/^#[0-9a-f]{6}$/i.test(colour)) return;
      element.style.backgroundColor = colour;
      element.style.color = ink(colour);
    });
  }

  document.addEventListener("click", (event) => {
    const swatch = event.target.closest && event.target.closest(".swatch[data-for]");
    if (!swatch) return;
    const input = document.getElementById(swatch.dataset.for);
    if (input) input.value = swatch.dataset.colour;
  });

  // -- a chat's labels, live ----------------------------------------------------------------

  let refreshing = false;
  async function refreshLabels() {
    const box = $("#chat-labels");
    if (!box || !box.dataset.refreshUrl || refreshing) return;
    refreshing = true;
    try {
      const response = await fetch(box.dataset.refreshUrl,
        { headers: { "HX-Request": "true" }, credentials: "same-origin" });
      const current = $("#chat-labels");
      if (!response.ok || !current || current.dataset.refreshUrl !== box.dataset.refreshUrl) return;
      const template = document.createElement("template");
      template.innerHTML = (await response.text()).trim();
      const fresh = template.content.firstElementChild;
      if (!fresh) return;
      const picker = $(".label-picker", current);
      const typing = picker && picker.contains(document.activeElement);
      if (typing) {  // keep what the attendant is typing; only the chips change
        const chips = $(".label-chips", current), freshChips = $(".label-chips", fresh);
        if (chips && freshChips) chips.replaceWith(freshChips);
        if (window.htmx && freshChips) window.htmx.process(freshChips);
        paint(current);
        return;
      }
      if (picker && picker.open && $(".label-picker", fresh)) $(".label-picker", fresh).open = true;
      current.replaceWith(fresh);
      if (window.htmx) window.htmx.process(fresh);
      paint(fresh);
    } catch (error) {
      console.warn("ponte:", error);
    } finally {
      refreshing = false;
    }
  }

  document.addEventListener("ponte:event", (event) => {
    const { kind, data } = event.detail;
    const chatId = window.ponteLive && window.ponteLive.openChatId();
    if (!chatId) return;
    if (kind === "hello" || kind === "labels.changed" ||
        (kind === "conversation.labels" && String(data.conversation_id) === chatId)) {
      refreshLabels();
    }
  });

  // After adding a label, the box is ready for the next one.
  document.addEventListener("htmx:afterSwap", (event) => {
    const box = $("#chat-labels");
    if (!box) return;
    paint(box);
    const source = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (source && source.classList && source.classList.contains("label-add")) {
      const picker = $(".label-picker", box);
      if (picker) picker.open = true;
      const input = $(".label-add input[name=add]", box);
      if (input) input.focus();
    }
  });

  // A refused name (422) is still shown: it says what to change.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    if (target && target.id === "chat-labels" && event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:load", (event) => paint(event.detail.elt));
  document.addEventListener("DOMContentLoaded", () => paint(document));

  // -- quick replies ----------------------------------------------------------------------

  // "/" at the start of the text or after a space, then what the attendant types.
  const TOKEN = /(^|\s)\/([^\s/]*)$/;
  const state = { open: false, items: [], index: 0, start: -1, query: null, seq: 0, closedAt: null };

  const list = () => $("#quick-replies");
  const box = () => $("#composer textarea");

  function token(textarea) {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const found = TOKEN.exec(before);
    if (!found) return null;
    return { start: before.length - found[2].length - 1, query: found[2] };
  }

  function close() {
    const popup = list();
    state.open = false;
    state.items = [];
    if (popup) {
      popup.hidden = true;
      popup.replaceChildren();
    }
    const textarea = box();
    if (textarea) textarea.removeAttribute("aria-activedescendant");
  }

  function render() {
    const popup = list();
    if (!popup) return;
    popup.replaceChildren();
    state.items.forEach((item, n) => {
      const option = document.createElement("div");
      option.className = "quick-reply";
      option.id = `quick-reply-${item.id}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", String(n === state.index));
      option.dataset.index = String(n);
      const shortcut = document.createElement("span");
      shortcut.className = "shortcut";
      shortcut.textContent = `/${item.shortcut}`;
      const text = document.createElement("span");
      text.className = "text";
      text.textContent = item.text;
      option.append(shortcut, text);
      popup.append(option);
    });
    if (!state.items.length) {
      const empty = document.createElement("p");
      empty.className = "empty";
      empty.textContent = popup.dataset.empty;
      popup.append(empty);
    }
    const manage = document.createElement("a");
    manage.className = "manage";
    manage.href = popup.dataset.settingsUrl;
    manage.textContent = popup.dataset.manage;
    popup.append(manage);
    popup.hidden = false;
    state.open = true;
    const selected = popup.querySelector("[aria-selected=true]");
    const textarea = box();
    if (selected && textarea) {
      textarea.setAttribute("aria-activedescendant", selected.id);
      selected.scrollIntoView({ block: "nearest" });
    }
  }

  async function lookUp(found) {
    const popup = list();
    if (!popup || !popup.dataset.url) return;
    const seq = ++state.seq;
    state.start = found.start;
    state.query = found.query;
    try {
      const response = await fetch(`${popup.dataset.url}?q=${encodeURIComponent(found.query)}`,
        { credentials: "same-origin" });
      if (seq !== state.seq || !response.ok) return;  // a newer keystroke asked meanwhile
      state.items = (await response.json()).items || [];
      state.index = 0;
      render();
    } catch (error) {
      console.warn("ponte:", error);
    }
  }

  // The "/query" typed is replaced by the reply, already filled in; nothing is sent.
  function insert(item) {
    const textarea = box();
    if (!textarea || !item) return;
    const end = textarea.selectionStart;
    const start = state.start >= 0 && state.start < end ? state.start : end;
    textarea.value = textarea.value.slice(0, start) + item.text + textarea.value.slice(end);
    const caret = start + item.text.length;
    textarea.setSelectionRange(caret, caret);
    close();
    state.seq++;
    textarea.dispatchEvent(new Event("input", { bubbles: true }));  // the box grows
    textarea.focus();
  }

  document.addEventListener("input", (event) => {
    const textarea = event.target;
    if (!textarea.matches || !textarea.matches("#composer textarea") || !list()) return;
    const found = token(textarea);
    if (!found) {
      state.closedAt = null;
      close();
      state.seq++;
      return;
    }
    if (state.closedAt === found.start) return;  // Esc closed this one
    lookUp(found);
  });

  // Captured before chat.js's Enter-sends: while the list is open, its keys are the list's.
  document.addEventListener("keydown", (event) => {
    const textarea = event.target;
    if (!state.open || !textarea.matches || !textarea.matches("#composer textarea")) return;
    const keys = ["ArrowDown", "ArrowUp", "Enter", "Tab", "Escape"];
    if (!keys.includes(event.key) || event.isComposing || event.shiftKey) return;
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopImmediatePropagation();
      state.closedAt = state.start;
      close();
      return;
    }
    const count = state.items.length;
    if (!count) {
      if (event.key === "Enter") close();  // nothing matched: Enter is the ordinary Enter
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    if (event.key === "ArrowDown") state.index = (state.index + 1) % count;
    else if (event.key === "ArrowUp") state.index = (state.index - 1 + count) % count;
    else {
      insert(state.items[state.index]);
      return;
    }
    render();
  }, true);

  document.addEventListener("mousedown", (event) => {
    const option = event.target.closest && event.target.closest(".quick-reply");
    if (!option || !state.open) return;
    event.preventDefault();  // the textarea keeps its focus and caret
    insert(state.items[Number(option.dataset.index)]);
  });

  document.addEventListener("focusout", (event) => {
    if (event.target.matches && event.target.matches("#composer textarea")) {
      setTimeout(() => { if (document.activeElement !== box()) close(); }, 150);
    }
  });

  // A new chat (boosted navigation) starts with the list closed.
  document.addEventListener("htmx:load", () => { if (!list()) close(); });
})();
