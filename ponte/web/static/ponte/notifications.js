// The bell (this member's notifications), the unread count in the tab title, and the
// alerts of a new customer message: a browser notification when the tab is hidden and a
// short sound, as the member chose in Preferências. Realtime events go to the whole
// organization: only those naming this member's id refresh the bell.
(() => {
  "use strict";

  const $ = (selector) => document.querySelector(selector);
  const bell = () => $("#bell");
  const openChatId = () => ($("#chat") && $("#chat").dataset.conversationId) || "";
  const state = { unreadMessages: 0 };

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return response.json();
  }

  // "(3) Ana Souza · Ponte": the prefix follows the count whatever page the title is.
  function showTitleCount() {
    const bare = document.title.replace(/^\(\d+\) /, "");
    document.title = state.unreadMessages > 0 ? `(${state.unreadMessages}) ${bare}` : bare;
  }

  function showBellCount(count) {
    const badge = $("#bell-count");
    if (!badge) return;
    badge.textContent = String(count);
    badge.hidden = count === 0;
    badge.setAttribute("aria-label", badge.getAttribute("aria-label").replace(/^\d+/, String(count)));
  }

  let countsBusy = null;
  function refreshCounts() {
    const box = bell();
    if (!box) return Promise.resolve();
    if (countsBusy) return countsBusy;
    countsBusy = getJson(box.dataset.countsUrl).then((counts) => {
      state.unreadMessages = counts.messages;
      showBellCount(counts.notifications);
      showTitleCount();
    }).catch((error) => console.warn("ponte:", error)).finally(() => { countsBusy = null; });
    return countsBusy;
  }

  async function refreshPanel() {
    const box = bell();
    const panel = $("#bell-panel");
    if (!box || !panel || panel.hidden) return;
    const response = await fetch(box.dataset.listUrl, {
      credentials: "same-origin", headers: { "HX-Request": "true" },
    });
    if (response.ok) panel.innerHTML = await response.text();
  }

  function askPermission() {
    const box = bell();
    if (!box || !box.dataset.notifyBrowser || !("Notification" in window)) return;
    if (Notification.permission === "default") Notification.requestPermission();
  }

  function setOpen(open) {
    const button = $("#bell .bell-button");
    const panel = $("#bell-panel");
    if (!button || !panel) return;
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (open) refreshPanel();
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("#bell .bell-button");
    if (button) {
      askPermission();  // a user gesture: the only moment a browser lets us ask
      setOpen($("#bell-panel").hidden);
      return;
    }
    if (!event.target.closest || !event.target.closest("#bell")) setOpen(false);
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && $("#bell-panel") && !$("#bell-panel").hidden) setOpen(false);
  });

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!form.matches || !form.matches("#bell-panel .read-all")) return;
    event.preventDefault();
    await fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "HX-Request": "true", "X-CSRFToken": csrfToken() },
    });
    await refreshPanel();
    refreshCounts();
  });

  // The Preferências form: saving with browser notifications on asks the browser (a gesture).
  document.addEventListener("submit", (event) => {
    if (event.target.id !== "preferences-form" || !("Notification" in window)) return;
    const wanted = event.target.querySelector("#notify-browser");
    if (wanted && wanted.checked && Notification.permission === "default") {
      Notification.requestPermission();
    }
  });

  function showPermissionHint() {
    const hint = $("#notify-permission");
    if (hint) hint.hidden = !("Notification" in window) || Notification.permission !== "default";
  }

  let sound = null;
  function beep() {
    const box = bell();
    if (!box || !box.dataset.sound) return;
    sound = sound || new Audio(box.dataset.sound);
    sound.currentTime = 0;
    sound.play().catch(() => { /* no gesture yet on this page: the browser says no */ });
  }

  async function announce(messageIds) {
    const box = bell();
    if (!box || !(box.dataset.notifyBrowser || box.dataset.notifySound) || !messageIds.length) return;
    const url = `${box.dataset.alertsUrl}?m=${messageIds.map(Number).join(",")}`;
    let alerts;
    try { alerts = (await getJson(url)).alerts; } catch (error) { console.warn("ponte:", error); return; }
    const hidden = document.visibilityState !== "visible";
    const unseen = alerts.filter((alert) => hidden || String(alert.conversation_id) !== openChatId());
    if (!unseen.length) return;
    if (box.dataset.notifySound) beep();
    if (!hidden || !box.dataset.notifyBrowser || !("Notification" in window) ||
        Notification.permission !== "granted") return;
    unseen.forEach((alert) => {
      const shown = new Notification(alert.title, { body: alert.body, tag: `chat-${alert.conversation_id}` });
      shown.onclick = () => {
        window.focus();
        window.location.assign(alert.url);
        shown.close();
      };
    });
  }

  document.addEventListener("ponte:event", (event) => {
    const { kind, data } = event.detail || {};
    const box = bell();
    if (!box) return;
    if (kind === "notification.new" || kind === "notification.read") {
      if (String(data.user_id) !== box.dataset.userId) return;  // someone else's
      refreshCounts();
      refreshPanel();
    } else if (kind === "messages.new") {
      refreshCounts();
      announce((data.messages || []).map((m) => m.message_id));
    } else if (kind === "conversation.read" || kind === "conversation.assigned" ||
               kind === "conversation.hidden") {
      refreshCounts();
    }
  });

  // A boosted navigation draws a new title and a new top bar.
  document.addEventListener("htmx:afterSettle", showTitleCount);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") refreshCounts();
  });

  function start() {
    showPermissionHint();
    refreshCounts();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
