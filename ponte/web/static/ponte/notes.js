// Internal notes: the "Nota interna" tab beside the message composer, @mentions offered
// while typing, and notes written in other tabs drawn live. The message composer is left
// as it is: the note box is a form of its own.
(() => {
  "use strict";

  const $ = (selector) => document.querySelector(selector);
  const openChatId = () => ($("#chat") && $("#chat").dataset.conversationId) || "";

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function merge(html) {
    if (window.ponteLive && window.ponteLive.mergeMessages) window.ponteLive.mergeMessages(html);
  }

  // ---- the two modes ----
  function setMode(mode) {
    const note = mode === "note";
    const composer = $("#composer");
    const noteForm = $("#note-composer");
    if (!composer || !noteForm) return;
    composer.hidden = note;
    noteForm.hidden = !note;
    document.querySelectorAll(".composer-modes .mode").forEach((tab) => {
      tab.setAttribute("aria-selected", String(tab.dataset.mode === mode));
    });
    const box = (note ? noteForm : composer).querySelector("textarea");
    if (box) box.focus();
  }

  document.addEventListener("click", (event) => {
    const tab = event.target.closest && event.target.closest(".composer-modes .mode");
    if (tab) setMode(tab.dataset.mode);
  });

  // ---- writing a note ----
  async function saveNote(form) {
    const textarea = form.querySelector("textarea");
    const error = form.querySelector("#note-error");
    if (!textarea.value.trim() || form.dataset.busy) return;
    form.dataset.busy = "1";
    try {
      const response = await fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { "HX-Request": "true", "X-CSRFToken": csrfToken() },
      });
      const html = await response.text();
      if (response.ok) {
        textarea.value = "";
        if (error) error.textContent = "";
        merge(html);
      } else if (error) {
        const holder = document.createElement("div");
        holder.innerHTML = html;
        error.textContent = holder.textContent.trim() || response.statusText;
      }
    } catch (failure) {
      if (error) error.textContent = error.dataset.offline || String(failure);
    } finally {
      delete form.dataset.busy;
    }
  }

  document.addEventListener("submit", (event) => {
    if (event.target.id !== "note-composer") return;
    event.preventDefault();
    saveNote(event.target);
  });

  // ---- @mentions ----
  // One request for the page, shared by every keystroke that waits for it.
  let members = null;
  function loadMembers(form) {
    if (!members) {
      members = fetch(form.dataset.mentionsUrl, { credentials: "same-origin" })
        .then((response) => (response.ok ? response.json().then((body) => body.members) : []))
        .catch(() => { members = null; return []; });
    }
    return members;
  }

  const fold = (text) => text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();

  function typedMention(textarea) {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const match = before.match(/(^|[\s(\[{"'“])@([\p{L}\p{N}_.+-]*)$/u);
    return match ? { word: match[2], start: before.length - match[2].length - 1 } : null;
  }

  function closeList(list) {
    list.hidden = true;
    list.replaceChildren();
  }

  async function offerMentions(textarea) {
    const form = textarea.form;
    const list = form.querySelector("#mention-list");
    if (!typedMention(textarea)) { closeList(list); return; }
    const people = await loadMembers(form);
    const typed = typedMention(textarea);  // what is typed now, once the members came
    if (!typed) { closeList(list); return; }
    const wanted = fold(typed.word);
    const found = people.filter((person) => fold(person.handle).startsWith(wanted) ||
      fold(person.name).split(/\s+/).some((part) => part.startsWith(wanted)) ||
      person.also.some((handle) => handle.startsWith(wanted))).slice(0, 8);
    list.replaceChildren(...found.map((person, index) => {
      const item = document.createElement("li");
      item.setAttribute("role", "option");
      item.dataset.handle = person.handle;
      item.setAttribute("aria-selected", String(index === 0));
      item.textContent = `@${person.handle}`;
      const name = document.createElement("small");
      name.textContent = person.name;
      item.appendChild(name);
      return item;
    }));
    list.hidden = found.length === 0;
  }

  function choose(textarea, item) {
    const typed = typedMention(textarea);
    if (!typed || !item) return;
    const after = textarea.value.slice(textarea.selectionStart);
    const inserted = `@${item.dataset.handle} `;
    textarea.value = textarea.value.slice(0, typed.start) + inserted + after;
    const caret = typed.start + inserted.length;
    textarea.setSelectionRange(caret, caret);
    closeList(textarea.form.querySelector("#mention-list"));
    textarea.focus();
  }

  document.addEventListener("input", (event) => {
    if (event.target.matches && event.target.matches("#note-composer textarea")) {
      offerMentions(event.target);
    }
  });

  document.addEventListener("mousedown", (event) => {
    const item = event.target.closest && event.target.closest("#mention-list li");
    if (!item) return;
    event.preventDefault();  // the textarea keeps its caret
    choose($("#note-composer textarea"), item);
  });

  document.addEventListener("keydown", (event) => {
    const textarea = event.target;
    if (!textarea.matches || !textarea.matches("#note-composer textarea")) return;
    const list = textarea.form.querySelector("#mention-list");
    const items = Array.from(list.querySelectorAll("li"));
    if (!list.hidden && items.length) {
      const current = items.findIndex((item) => item.getAttribute("aria-selected") === "true");
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const next = (current + (event.key === "ArrowDown" ? 1 : -1) + items.length) % items.length;
        items.forEach((item, index) => item.setAttribute("aria-selected", String(index === next)));
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        choose(textarea, items[Math.max(current, 0)]);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        closeList(list);
        return;
      }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      textarea.form.requestSubmit();
    }
  });

  // ---- notes written in other tabs ----
  document.addEventListener("ponte:event", async (event) => {
    const { kind, data } = event.detail || {};
    if (kind !== "note.created" || String(data.conversation_id) !== openChatId()) return;
    if (document.getElementById(`note-${data.note_id}`)) return;
    const response = await fetch(`/notes/${Number(data.note_id)}/`, {
      headers: { "HX-Request": "true" }, credentials: "same-origin",
    });
    if (response.ok && String(data.conversation_id) === openChatId()) merge(await response.text());
  });
})();
