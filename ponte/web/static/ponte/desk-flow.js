// The chat header's status and assignee follow every change live: whoever made it (another
// tab, the API, the customer writing, a snooze ending), the header is fetched again and the
// change's timeline entry is drawn in the open chat.
(() => {
  "use strict";

  const openChatId = () => {
    const pane = document.getElementById("chat");
    return (pane && pane.dataset.conversationId) || "";
  };

  async function fetchHtml(url) {
    const response = await fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return response.text();
  }

  // A menu being used keeps its state: the header is redrawn once it is closed again.
  let held = false;
  const busy = () => Boolean(document.querySelector("#chat-flow details[open]"));

  async function refreshHeader(chatId) {
    const current = document.getElementById("chat-flow");
    if (!current || current.dataset.conversationId !== chatId) return;
    if (busy()) { held = true; return; }
    try {
      const template = document.createElement("template");
      template.innerHTML = (await fetchHtml(`/conversations/${chatId}/flow/`)).trim();
      const fresh = template.content.firstElementChild;
      const now = document.getElementById("chat-flow");
      // A menu opened while the header was on its way: redraw once it closes.
      if (busy()) { held = true; return; }
      if (fresh && now && openChatId() === chatId) {
        now.replaceWith(fresh);
        if (window.htmx) htmx.process(fresh);
      }
    } catch (error) {
      console.warn("ponte:", error);
    }
  }

  async function drawEvent(eventId) {
    if (!eventId || document.getElementById(`event-${eventId}`)) return;
    try {
      const html = await fetchHtml(`/events/${eventId}/`);
      if (window.ponteLive && window.ponteLive.mergeMessages) window.ponteLive.mergeMessages(html);
    } catch (error) {
      console.warn("ponte:", error);
    }
  }

  document.addEventListener("ponte:event", (event) => {
    const { kind, data } = event.detail;
    const chatId = openChatId();
    if (kind === "conversation.hidden" && String(data.conversation_id) === chatId) {
      const flow = document.getElementById("chat-flow");
      if (flow) flow.remove();
      return;
    }
    if (kind !== "conversation.status" && kind !== "conversation.assigned" && kind !== "hello") return;
    if (kind === "hello") { if (chatId) refreshHeader(chatId); return; }
    if (String(data.conversation_id) !== chatId) return;
    refreshHeader(chatId);
    // Changes with no message of their own come as their entry; a customer's reopening
    // comes with the message that caused it.
    if (data.event_id && document.querySelector("#history:not(:has(.loading))")) drawEvent(data.event_id);
  });

  document.addEventListener("toggle", (event) => {
    if (held && event.target.closest && event.target.closest("#chat-flow") && !busy()) {
      held = false;
      refreshHeader(openChatId());
    }
  }, true);
})();
