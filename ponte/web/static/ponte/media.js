// Media in the chat: a picture opens full size in a dialog over the page (Esc, the close
// button or a click beside the picture closes it, and focus goes back to the thumbnail);
// an audio this browser cannot decode says so, instead of a player that silently does nothing.
(() => {
  "use strict";

  let viewer = null;
  let opener = null;

  function buildViewer(link) {
    const dialog = document.createElement("dialog");
    dialog.id = "media-viewer";
    dialog.className = "media-viewer";
    const close = document.createElement("button");
    close.type = "button";
    close.className = "viewer-close";
    close.textContent = "×";
    close.addEventListener("click", () => dialog.close());
    const figure = document.createElement("figure");
    const picture = document.createElement("img");
    picture.alt = "";
    const caption = document.createElement("figcaption");
    const original = document.createElement("a");
    original.className = "viewer-original";
    original.target = "_blank";
    original.rel = "noopener";
    original.setAttribute("hx-boost", "false");
    caption.appendChild(original);
    figure.append(picture, caption);
    dialog.append(close, figure);
    // A click on the backdrop lands on the dialog itself, outside the figure.
    dialog.addEventListener("click", (event) => { if (event.target === dialog) dialog.close(); });
    dialog.addEventListener("close", () => {
      picture.removeAttribute("src");  // stop a large download nobody waits for any more
      if (opener && opener.isConnected) opener.focus();
      opener = null;
    });
    document.body.appendChild(dialog);
    return dialog;
  }

  function openViewer(link) {
    if (!viewer || !viewer.isConnected) viewer = buildViewer(link);
    const picture = viewer.querySelector("img");
    const close = viewer.querySelector(".viewer-close");
    const original = viewer.querySelector(".viewer-original");
    const thumbnail = link.querySelector("img");
    viewer.setAttribute("aria-label", link.dataset.viewerLabel || "");
    close.setAttribute("aria-label", link.dataset.closeLabel || "");
    close.title = link.dataset.closeLabel || "";
    original.textContent = link.dataset.originalLabel || "";
    original.href = link.href;
    picture.alt = thumbnail ? thumbnail.alt : "";
    picture.src = link.href;
    opener = link;
    viewer.showModal();
    close.focus();
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a.media-open");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (typeof HTMLDialogElement !== "function") return;  // the link opens it in a tab instead
    event.preventDefault();
    openViewer(link);
  });

  // A media element's own errors do not bubble: listen while they go down.
  document.addEventListener("error", (event) => {
    const player = event.target;
    if (!player.matches || !player.matches(".msg audio")) return;
    // Only a format this browser cannot play: a failed download is not the browser's fault.
    if (player.canPlayType(player.dataset.mimetype || "audio/ogg; codecs=opus") !== "") return;
    const note = player.closest(".media") && player.closest(".media").querySelector(".media-unplayable");
    if (note) note.hidden = false;
  }, true);

  window.ponteMedia = { openViewer };
})();
