// The chat pane: history scrolling, and a composer that behaves like WhatsApp Web's.
(() => {
  "use strict";

  const MAX_COMPOSER_HEIGHT = 0.4;  // of the window

  function grow(textarea) {
    textarea.style.height = "auto";
    const limit = window.innerHeight * MAX_COMPOSER_HEIGHT;
    textarea.style.height = `${Math.min(textarea.scrollHeight + 2, limit)}px`;
    textarea.style.overflowY = textarea.scrollHeight > limit ? "auto" : "hidden";
  }

  function setUpComposer(root) {
    const textarea = root.querySelector("#composer textarea");
    if (!textarea || textarea.dataset.ready) return;
    textarea.dataset.ready = "1";
    grow(textarea);
    if (textarea.value) {
      textarea.focus();
      textarea.setSelectionRange(textarea.value.length, textarea.value.length);
    }
  }

  document.addEventListener("input", (event) => {
    if (event.target.matches("#composer textarea")) grow(event.target);
  });

  document.addEventListener("keydown", (event) => {
    const textarea = event.target;
    if (!textarea.matches || !textarea.matches("#composer textarea")) return;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    if (textarea.value.trim()) textarea.form.requestSubmit();
  });

  // The box empties at once, like WhatsApp's; a refused text comes back for editing.
  // The suggestion's (or the marketing reminder's) id went with this text only: the next
  // one is the attendant's own.
  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = event.detail.elt;
    if (form.id !== "composer") return;
    const textarea = form.querySelector("textarea");
    const suggestion = form.querySelector("input[name=suggestion]");
    const recall = form.querySelector("input[name=recall]");
    form.dataset.sending = textarea.value;
    form.dataset.sendingSuggestion = suggestion ? suggestion.value : "";
    form.dataset.sendingRecall = recall ? recall.value : "";
    textarea.value = "";
    if (suggestion) suggestion.value = "";
    if (recall) recall.value = "";
    grow(textarea);
  });

  function giveBack(form) {
    const textarea = form.querySelector("textarea");
    const suggestion = form.querySelector("input[name=suggestion]");
    const recall = form.querySelector("input[name=recall]");
    if (!textarea.value) {
      textarea.value = form.dataset.sending || "";
      if (suggestion) suggestion.value = form.dataset.sendingSuggestion || "";
      if (recall) recall.value = form.dataset.sendingRecall || "";
    }
    grow(textarea);
  }

  // "Enviar agora" only puts the suggestion in the composer: the attendant reads it, edits
  // it and sends it with the ordinary button. Nothing leaves from here.
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest(".use-suggestion");
    if (!button) return;
    const textarea = document.querySelector("#composer textarea");
    const source = button.closest(".suggestion").querySelector(".suggestion-text");
    if (!textarea || textarea.disabled || !source) return;
    textarea.value = source.textContent;
    const suggestion = document.querySelector("#composer input[name=suggestion]");
    if (suggestion) suggestion.value = button.dataset.suggestionId;
    if (location.hash === "#customer") location.hash = "chat";  // the panel covers a phone's chat
    grow(textarea);
    textarea.focus();
    textarea.setSelectionRange(textarea.value.length, textarea.value.length);
  });

  // The lead section follows the chat live: a new score, a new suggestion, or a message that
  // makes the suggestion moot (the shop answered, the customer wrote again). One fetch at a time.
  const panelState = { busy: false, again: false };
  async function refreshLeadPanel() {
    const panel = document.getElementById("lead-panel");
    if (!panel || !panel.dataset.refreshUrl) return;
    if (panelState.busy) { panelState.again = true; return; }
    panelState.busy = true;
    try {
      const response = await fetch(panel.dataset.refreshUrl,
        { headers: { "HX-Request": "true" }, credentials: "same-origin" });
      const current = document.getElementById("lead-panel");
      if (response.ok && current && current.dataset.refreshUrl === panel.dataset.refreshUrl) {
        const template = document.createElement("template");
        template.innerHTML = (await response.text()).trim();
        if (template.content.firstElementChild) current.replaceWith(template.content.firstElementChild);
      }
    } catch (error) {
      console.warn("ponte:", error);
    } finally {
      panelState.busy = false;
      if (panelState.again) { panelState.again = false; refreshLeadPanel(); }
    }
  }

  function concernsOpenChat(kind, data, chatId) {
    if (kind === "hello") return true;  // (re)connected: whatever happened meanwhile
    if (kind === "lead.scored") return (data.conversation_ids || []).map(String).includes(chatId);
    if (kind === "messages.new") return (data.messages || []).some((m) => String(m.conversation_id) === chatId);
    if (["reply.suggested", "reply.used", "message.queued"].includes(kind)) {
      return String(data.conversation_id) === chatId;
    }
    return false;
  }

  // The ERP section follows a pick made in another tab ("Esta conversa é sobre: …").
  async function refreshErpPanel() {
    const panel = document.getElementById("erp-panel");
    if (!panel || !panel.dataset.refreshUrl) return;
    try {
      const response = await fetch(panel.dataset.refreshUrl,
        { headers: { "HX-Request": "true" }, credentials: "same-origin" });
      const current = document.getElementById("erp-panel");
      if (response.ok && current && current.dataset.refreshUrl === panel.dataset.refreshUrl) {
        const template = document.createElement("template");
        template.innerHTML = (await response.text()).trim();
        const fresh = template.content.firstElementChild;
        if (fresh) {
          current.replaceWith(fresh);
          if (window.htmx) window.htmx.process(fresh);  // its pick buttons post through htmx
        }
      }
    } catch (error) {
      console.warn("ponte:", error);
    }
  }

  document.addEventListener("ponte:event", (event) => {
    const chatId = window.ponteLive.openChatId();
    if (chatId && concernsOpenChat(event.detail.kind, event.detail.data, chatId)) refreshLeadPanel();
    const { kind, data } = event.detail;
    if (chatId && (kind === "hello" ||
        (kind === "conversation.customer_chosen" && String(data.conversation_id) === chatId))) {
      refreshErpPanel();
    }
  });

  // The sent message goes through the same merge as live ones, so an event that
  // arrived first never leaves it on screen twice.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const form = event.detail.elt;
    if (form.id === "composer") {
      event.detail.shouldSwap = false;
      const { status, responseText } = event.detail.xhr;
      const error = document.getElementById("composer-error");
      if (status === 422) {
        error.textContent = responseText.trim();
        giveBack(form);
      } else if (status >= 200 && status < 300) {
        error.textContent = "";
        if (responseText.trim()) window.ponteLive.mergeMessages(responseText);
      }
    } else if (form.classList && form.classList.contains("older")) {
      const box = document.getElementById("history");
      box.dataset.fromBottom = String(box.scrollHeight - box.scrollTop);
    }
  });

  // Refusals (422) carry their reason; anything else, a server or network failure, gets a generic one.
  ["htmx:responseError", "htmx:sendError"].forEach((name) => document.addEventListener(name, (event) => {
    const form = event.detail.elt;
    if (form.id !== "composer" || (event.detail.xhr && event.detail.xhr.status === 422)) return;
    giveBack(form);
    document.getElementById("composer-error").textContent =
      document.documentElement.lang.startsWith("en") ? "Not sent, try again." : "Não enviada, tente de novo.";
  }));

  document.addEventListener("htmx:afterSwap", (event) => {
    const box = document.getElementById("history");
    if (!box) return;
    window.ponteLive.dedupeDays(box);
    if (event.detail.target === box) {
      const found = box.dataset.focus && document.getElementById("m-" + box.dataset.focus);
      delete box.dataset.focus;
      if (found) {
        // A search result opened: show it, marked, where the attendant can read around it.
        found.classList.add("found");
        found.scrollIntoView({ block: "center" });
      } else {
        window.ponteLive.scrollToBottom(box);
      }
      const chatId = window.ponteLive.openChatId();
      if (chatId) document.dispatchEvent(new CustomEvent("ponte:history-loaded", { detail: { chatId } }));
    } else if (box.dataset.fromBottom) {
      box.scrollTop = box.scrollHeight - Number(box.dataset.fromBottom);
      delete box.dataset.fromBottom;
    }
  });

  document.addEventListener("htmx:load", (event) => setUpComposer(event.detail.elt));
  document.addEventListener("DOMContentLoaded", () => setUpComposer(document));
})();
