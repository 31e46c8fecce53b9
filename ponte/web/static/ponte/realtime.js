// One WebSocket per tab: events say what changed; the page fetches the HTML it shows.
// After a drop it reconnects with backoff and catches up over HTTP, so nothing is missed.
(() => {
  "use strict";

  const live = { socket: null, everOpen: false, retries: 0, timer: null };
  window.ponteLive = live;

  const $ = (selector) => document.querySelector(selector);
  const openChatId = () => ($("#chat") && $("#chat").dataset.conversationId) || "";
  const history = () => $("#history");

  function setLiveState(state) {
    live.state = state;
    const badge = $("#live-state");
    if (badge) badge.dataset.live = state;
    // The dot alone is easy to miss: once the link has been up, losing it says so in words.
    const banner = $("#connection-banner");
    if (banner) banner.hidden = state === "live" || !live.everOpen || Boolean(live.signedOut);
  }

  async function fetchHtml(url) {
    const response = await fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return response.text();
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // Only the first separator of a day stays, whichever page brought it.
  function dedupeDays(container) {
    const seen = new Set();
    container.querySelectorAll(".day").forEach((day) => {
      if (seen.has(day.dataset.day)) day.remove();
      else seen.add(day.dataset.day);
    });
  }

  function nearBottom(box) {
    return box.scrollHeight - box.scrollTop - box.clientHeight < 120;
  }

  function scrollToBottom(box) {
    box.scrollTop = box.scrollHeight;
  }

  // A voice note being listened to keeps playing when its message is drawn again (its
  // transcript arrived, a tick changed): the playing element moves into the new copy.
  function keepPlaying(current, node) {
    current.querySelectorAll("audio, video").forEach((player) => {
      if (player.paused) return;
      const src = player.getAttribute("src");
      const twin = Array.from(node.querySelectorAll(player.tagName))
        .find((candidate) => candidate.getAttribute("src") === src);
      if (twin) twin.replaceWith(player);
    });
  }

  // Messages already on screen are replaced in place (a newer status); new ones are appended.
  function mergeMessages(html) {
    const box = history();
    if (!box) return 0;
    const stick = nearBottom(box);
    const template = document.createElement("template");
    template.innerHTML = html;
    let added = 0;
    Array.from(template.content.children).forEach((node) => {
      if (node.classList.contains("older")) return;
      const current = node.id && document.getElementById(node.id);
      if (current) {
        // A slow answer (the send's own) must not take a message back to pending.
        const stale = node.dataset.status === "pending" && current.dataset.status !== "pending";
        if (!stale) {
          keepPlaying(current, node);
          current.replaceWith(node);
        }
      } else {
        box.appendChild(node);
        if (node.classList.contains("msg")) added += 1;
      }
      if (window.htmx) htmx.process(node);
    });
    box.querySelectorAll(":scope > .empty, :scope > .loading").forEach((n) => n.remove());
    dedupeDays(box);
    if (stick || added) scrollToBottom(box);
    return added;
  }

  function messageIds() {
    return Array.from(document.querySelectorAll("#history .msg[data-id]"), (m) => Number(m.dataset.id));
  }

  // Chat updates run one after another so two events never append the same message twice.
  // A fetch that fails (the network is still coming back) is tried again a few times:
  // nothing else would bring what it was fetching.
  let chatQueue = Promise.resolve();
  function inChatOrder(task, attempt = 0) {
    chatQueue = chatQueue.then(task).catch((error) => {
      console.warn("ponte:", error);
      if (attempt < 5) setTimeout(() => inChatOrder(task, attempt + 1), 400 * 2 ** attempt);
    });
    return chatQueue;
  }

  // Messages stored after the id `afterShown` picks from those on screen.
  function fetchMessagesAfter(chatId, afterShown) {
    return inChatOrder(async () => {
      if (openChatId() !== chatId || !history() || history().querySelector(".loading")) return;
      const ids = messageIds();
      const after = ids.length ? afterShown(ids) : 0;
      const added = mergeMessages(await fetchHtml(`/conversations/${chatId}/history/?after=${after}`));
      if (added && document.visibilityState === "visible") markRead(chatId);
    });
  }

  const fetchNewMessages = (chatId) => fetchMessagesAfter(chatId, (ids) => Math.max(...ids));
  // After a blip: everything since the oldest message on screen, statuses included.
  const catchUpChat = (chatId) => fetchMessagesAfter(chatId, (ids) => Math.min(...ids) - 1);

  function refreshMessage(messageId) {
    return inChatOrder(async () => {
      if (!document.getElementById(`m-${messageId}`)) return;
      mergeMessages(await fetchHtml(`/messages/${messageId}/`));
    });
  }

  function markRead(chatId) {
    fetch(`/conversations/${chatId}/read/`, {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() },
    });
  }

  // The chat open now, which may have changed while the list was on its way.
  function markActiveRow(list) {
    const chatId = openChatId();
    list.querySelectorAll(".chat-row").forEach((row) => {
      row.classList.toggle("active", row.dataset.conversationId === chatId);
    });
  }

  // Inbox refreshes coalesce: at most one in flight, and one more if something changed meanwhile.
  let inboxBusy = false;
  let inboxDirty = false;
  let inboxFailures = 0;
  let lastInboxHtml = "";
  async function refreshInbox() {
    const list = $("#inbox-list");
    if (!list) return;
    if (inboxBusy) { inboxDirty = true; return; }
    inboxBusy = true;
    try {
      const params = new URLSearchParams(new FormData($("#inbox-filters")));
      params.set("active", openChatId());
      const html = await fetchHtml(`/inbox/list/?${params}`);
      const target = $("#inbox-list");
      // The same list again is left alone: a click on a row stays on the row it hit.
      if (target && html !== lastInboxHtml) {
        lastInboxHtml = html;
        target.innerHTML = html;
        markActiveRow(target);
        if (window.htmx) htmx.process(target);
      }
      inboxFailures = 0;
    } catch (error) {
      console.warn("ponte:", error);
      if (inboxFailures < 5) setTimeout(refreshInbox, 400 * 2 ** inboxFailures++);
    } finally {
      inboxBusy = false;
      if (inboxDirty) { inboxDirty = false; refreshInbox(); }
    }
  }

  // A number hidden from the CRM leaves every tab at once: its row, and an open chat's
  // messages and details, with the composer disabled; nothing of it is fetched again.
  function dropHiddenChat(chatId) {
    // Back must not bring the erased messages back from htmx's snapshots of earlier pages.
    try { localStorage.removeItem("htmx-history-cache"); } catch { /* storage disabled */ }
    document.querySelectorAll(".chat-row").forEach((row) => {
      if (row.dataset.conversationId === chatId) row.remove();
    });
    const pane = $("#chat");
    if (!pane || openChatId() !== chatId) return;
    pane.dataset.conversationId = "";
    pane.dataset.hidden = "true";
    pane.querySelectorAll("#history, .chat-head .who, #chat-avatar, #assign")
      .forEach((node) => node.remove());
    const notice = $("#chat-hidden-notice");
    if (notice) notice.hidden = false;
    const panel = $("#customer");
    if (panel) panel.replaceChildren();
    const composer = $("#composer");
    if (composer) {
      composer.querySelectorAll("textarea, button, input").forEach((field) => {
        field.disabled = true;
        if (field.tagName === "TEXTAREA") field.value = "";
      });
      composer.setAttribute("aria-disabled", "true");
    }
    document.title = "Ponte";
  }

  function onEvent(kind, data) {
    const chatId = openChatId();
    if (kind === "messages.new") {
      if (data.messages.some((m) => String(m.conversation_id) === chatId)) fetchNewMessages(chatId);
      refreshInbox();
    } else if (kind === "message.queued") {
      if (String(data.conversation_id) === chatId) fetchNewMessages(chatId);
      refreshInbox();
    } else if (kind === "message.status") {
      refreshMessage(data.message_id);
      refreshInbox();
    } else if (kind === "conversation.hidden") {
      dropHiddenChat(String(data.conversation_id));
      refreshInbox();
    } else if (kind.startsWith("conversation.") || kind === "contact.photo" ||
               kind === "lead.scored") {
      refreshInbox();
    } else if (kind === "instance.state") {
      document.dispatchEvent(new CustomEvent("ponte:instance-state", { detail: data }));
    }
    document.dispatchEvent(new CustomEvent("ponte:event", { detail: { kind, data } }));
  }

  function connect() {
    clearTimeout(live.timer);
    setLiveState("connecting");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/`);
    live.socket = socket;
    // A handshake lost on a dying link can hang for minutes: give up and try again.
    setTimeout(() => {
      if (live.socket === socket && socket.readyState === WebSocket.CONNECTING) abandon(socket);
    }, live.openWithinMs);
    socket.onopen = () => {
      const reconnected = live.everOpen;
      live.everOpen = true;
      live.retries = 0;
      setLiveState("live");
      // Whatever happened between rendering the page (or the drop) and now was not pushed.
      refreshInbox();
      const chatId = openChatId();
      if (chatId) (reconnected ? catchUpChat : fetchNewMessages)(chatId);
    };
    socket.onmessage = (message) => {
      live.heardAt = Date.now();
      let event;
      try { event = JSON.parse(message.data); } catch { return; }
      if (event && typeof event.kind === "string") onEvent(event.kind, event.data || {});
    };
    socket.onclose = (close) => lost(socket, close.code);
  }

  function abandon(socket) {
    socket.close();
    lost(socket, 1006);
  }

  function lost(socket, code) {
    if (live.socket !== socket) return;
    live.socket = null;
    if (code === 4401) live.signedOut = true;
    setLiveState("offline");
    if (live.signedOut) return;  // nothing to resume
    const delay = Math.min(10000, 300 * 2 ** live.retries) * (0.75 + Math.random() / 2);
    live.retries += 1;
    live.timer = setTimeout(connect, delay);
  }

  // Quiet connections are dropped by some proxies, and a link that died without a word
  // (Wi-Fi gone, a laptop waking up) is noticed only when a ping goes unanswered.
  live.pingEveryMs = 20000;
  live.pongWithinMs = 8000;
  live.openWithinMs = 10000;
  function ping() {
    const socket = live.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const sentAt = Date.now();
    socket.send('{"kind":"ping"}');
    setTimeout(() => {
      if (live.socket === socket && !(live.heardAt >= sentAt)) abandon(socket);
    }, live.pongWithinMs);
  }
  (function heartbeat() {
    ping();
    setTimeout(heartbeat, live.pingEveryMs);
  })();
  window.addEventListener("online", () => {
    if (!live.socket && !live.signedOut) connect();
  });

  // Back/forward restore a snapshot. Its history reloads by itself (hx-trigger="load",
  // revalidated by ETag, then fetchNewMessages); until then it shows the snapshot from the
  // bottom, without the "older" sentinel that would fetch a page nobody scrolled up to.
  document.addEventListener("htmx:historyCacheHit", (event) => {
    const item = event.detail.item;
    if (!item.content.includes('class="older"')) return;
    const template = document.createElement("template");
    template.innerHTML = item.content;
    template.content.querySelectorAll("#history > .older").forEach((node) => node.remove());
    item.content = template.innerHTML;
  });
  document.addEventListener("htmx:historyRestore", () => {
    const box = history();
    if (box) scrollToBottom(box);
    refreshInbox();
  });

  // WhatsApp's picture URLs expire: a picture that no longer loads leaves the initials.
  document.addEventListener("error", (event) => {
    if (event.target.matches && event.target.matches(".avatar > img")) event.target.remove();
  }, true);

  // A boosted navigation brings a fresh top bar; it shows the connection as it is.
  document.addEventListener("htmx:load", () => { if (live.state) setLiveState(live.state); });
  document.addEventListener("ponte:photo-changed", () => refreshInbox());
  document.addEventListener("ponte:history-loaded", (event) => fetchNewMessages(event.detail.chatId));

  live.refreshInbox = refreshInbox;
  live.mergeMessages = mergeMessages;
  live.dedupeDays = dedupeDays;
  live.scrollToBottom = scrollToBottom;
  live.markRead = markRead;
  live.openChatId = openChatId;
  live.ping = ping;

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", connect);
  else connect();
})();
