// Files and voice notes in the chat's composer: attach (the clip), paste or drop a file,
// or record a voice note; each waits in a preview, with a caption for files, and nothing
// leaves until the attendant presses "Enviar". The upload answers with the pending
// message, merged into the chat like a typed one; its ticks follow the live events.
(() => {
  "use strict";

  const $ = (selector, root = document) => root.querySelector(selector);
  // What the server can rewrap as a WhatsApp voice note (Ogg/Opus); Chromium records WebM/Opus,
  // Firefox Ogg/Opus. Anything else (Safari's MP4) is sent as an ordinary audio.
  const VOICE_TYPES = ["audio/ogg;codecs=opus", "audio/webm;codecs=opus"];

  let pending = null;  // {file, voice, seconds, draft}
  let recording = null;  // {recorder, stream, chunks, startedAt, timer, keep}

  const composer = () => $("#composer");
  const panel = () => $("#attachment");
  const words = (name) => (panel() && panel().dataset[name]) || "";

  function showError(text) {
    const box = $("#composer-error");
    if (box) box.textContent = text;
  }

  function size(bytes) {
    const lang = document.documentElement.lang || "pt-BR";
    const units = [["GB", 1e9], ["MB", 1e6], ["kB", 1e3]];
    const [unit, scale] = units.find(([, s]) => bytes >= s) || ["B", 1];
    const digits = unit === "B" ? 0 : 1;
    return `${new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(bytes / scale)} ${unit}`;
  }

  function clock(seconds) {
    const whole = Math.floor(seconds);
    return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
  }

  // -- the preview -----------------------------------------------------------------

  function attach(file, { voice = false, seconds = 0 } = {}) {
    const form = composer();
    if (!form || !file) return;
    if (recording) stopRecording(false);
    // A draft typed before attaching becomes the caption; a voice note takes none.
    const draft = voice ? "" : $("textarea", form).value;
    pending = { file, voice, seconds, draft };
    const box = panel();
    const thumb = $(".attachment-thumb", box);
    const caption = $(".attachment-caption", box);
    thumb.hidden = true;
    thumb.removeAttribute("src");
    $(".attachment-icon", box).dataset.icon = voice ? "voice"
      : file.type.startsWith("image/") ? "" : "document";
    $(".attachment-name", box).textContent = voice ? words("voiceLabel") : file.name;
    $(".attachment-size", box).textContent = voice ? clock(seconds) : size(file.size);
    if (file.type.startsWith("image/") && !voice) {
      const reader = new FileReader();
      reader.onload = () => {
        if (pending && pending.file === file) {
          thumb.src = reader.result;
          thumb.hidden = false;
        }
      };
      reader.readAsDataURL(file);
    }
    caption.hidden = voice;
    caption.value = draft;
    showError("");
    box.hidden = false;
    form.classList.add("attaching");
    (voice ? $(".attachment-send", box) : caption).focus();
  }

  function closePreview() {
    pending = null;
    const box = panel();
    if (!box) return;
    box.hidden = true;
    $(".attachment-thumb", box).removeAttribute("src");
    $(".attachment-caption", box).value = "";
    composer().classList.remove("attaching");
    $("textarea", composer()).focus();
  }

  async function sendPending() {
    const form = composer();
    if (!pending || !form || form.dataset.uploading) return;
    const { file, voice, draft } = pending;
    const caption = voice ? "" : $(".attachment-caption", panel()).value;
    const body = new FormData();
    body.append("csrfmiddlewaretoken", $("input[name=csrfmiddlewaretoken]", form).value);
    body.append("file", file, file.name);
    body.append("caption", caption);
    if (voice) body.append("voice", "1");
    const phone = $("input[name=phone]", form);
    if (phone) body.append("phone", phone.value);
    form.dataset.uploading = "1";
    $(".attachment-send", panel()).disabled = true;
    try {
      const response = await fetch(form.dataset.fileUrl, {
        method: "POST", body, credentials: "same-origin", headers: { "HX-Request": "true" },
      });
      const text = await response.text();
      if (response.ok) {
        const textarea = $("textarea", form);
        if (draft && textarea.value === draft) {  // it went as the caption
          textarea.value = "";
          textarea.dispatchEvent(new Event("input", { bubbles: true }));  // chat.js resizes it
        }
        closePreview();
        const next = response.headers.get("HX-Location");
        if (next) window.location.assign(next);  // a new number's first message: its chat
        else if (text.trim()) window.ponteLive.mergeMessages(text);
      } else if (response.status === 422 || response.status === 413) {
        showError(reason(response, text));
      } else {
        showError(words("failed"));
      }
    } catch (error) {
      console.warn("ponte:", error);
      showError(words("failed"));
    } finally {
      delete form.dataset.uploading;
      const button = panel() && $(".attachment-send", panel());
      if (button) button.disabled = false;
    }
  }

  // Why the upload was refused: the view's words, or the body cap's JSON `detail`.
  function reason(response, text) {
    if ((response.headers.get("Content-Type") || "").includes("json")) {
      try {
        return JSON.parse(text).detail || words("failed");
      } catch (error) {
        return words("failed");
      }
    }
    return text.trim();
  }

  // The files of a FileList, or of a clipboard's DataTransferItemList.
  function filesOf(list) {
    return Array.from(list || []).filter((item) => item instanceof File || item.kind === "file")
      .map((item) => (item instanceof File ? item : item.getAsFile())).filter(Boolean);
  }

  function attachFirst(files) {
    if (!files.length) return false;
    attach(files[0]);
    if (files.length > 1) showError(words("oneFile"));
    return true;
  }

  // -- recording a voice note ---------------------------------------------------------

  async function startRecording() {
    if (recording) return;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.MediaRecorder) {
      showError(words("noRecorder"));
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      console.warn("ponte:", error);
      showError(words("micRefused"));
      return;
    }
    const type = VOICE_TYPES.find((t) => MediaRecorder.isTypeSupported(t));
    const recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    const state = { recorder, stream, chunks: [], startedAt: performance.now(), keep: true };
    recorder.addEventListener("dataavailable", (event) => {
      if (event.data && event.data.size) state.chunks.push(event.data);
    });
    recorder.addEventListener("stop", () => {
      stream.getTracks().forEach((track) => track.stop());
      clearInterval(state.timer);
      const box = $("#recording");
      if (box) box.hidden = true;
      composer() && composer().classList.remove("recording-voice");
      if (recording === state) recording = null;
      if (!state.keep || !state.chunks.length) return;
      const mime = recorder.mimeType || type || "audio/webm";
      const voice = /opus/i.test(mime) && /(ogg|webm)/i.test(mime);
      const extension = /ogg/i.test(mime) ? "ogg" : /webm/i.test(mime) ? "webm" : /mp4/i.test(mime) ? "m4a" : "audio";
      const file = new File(state.chunks, `audio.${extension}`, { type: mime.split(";")[0] });
      attach(file, { voice, seconds: state.seconds });
    });
    recording = state;
    showError("");
    const box = $("#recording");
    const time = $(".recording-time", box);
    time.textContent = "0:00";
    box.hidden = false;
    composer().classList.add("recording-voice");
    state.timer = setInterval(() => {
      state.seconds = (performance.now() - state.startedAt) / 1000;
      time.textContent = clock(state.seconds);
    }, 250);
    recorder.start();
    $(".recording-stop", box).focus();
  }

  function stopRecording(keep) {
    const state = recording;
    if (!state) return;
    state.keep = keep;
    state.seconds = (performance.now() - state.startedAt) / 1000;
    if (state.recorder.state !== "inactive") state.recorder.stop();
  }

  // -- wiring ---------------------------------------------------------------------------

  document.addEventListener("click", (event) => {
    const target = event.target.closest && event.target.closest("button");
    if (!target || !target.closest("#composer")) return;
    if (target.classList.contains("attach")) $(".attach-input", composer()).click();
    else if (target.classList.contains("record")) startRecording();
    else if (target.classList.contains("recording-stop")) stopRecording(true);
    else if (target.classList.contains("recording-cancel")) stopRecording(false);
    else if (target.classList.contains("attachment-cancel")) closePreview();
    else if (target.classList.contains("attachment-send")) sendPending();
  });

  document.addEventListener("change", (event) => {
    if (!event.target.matches || !event.target.matches("#composer .attach-input")) return;
    attachFirst(filesOf(event.target.files));
    event.target.value = "";  // the same file chosen again is a new choice
  });

  document.addEventListener("keydown", (event) => {
    if (!event.target.closest || !event.target.closest("#attachment")) return;
    if (event.key === "Escape") {
      event.preventDefault();
      closePreview();
    } else if (event.key === "Enter" && !event.isComposing && event.target.matches(".attachment-caption")) {
      event.preventDefault();  // never the text form's submit
      sendPending();
    }
  });

  // A picture copied to the clipboard, pasted anywhere in the open chat.
  document.addEventListener("paste", (event) => {
    if (!composer() || !event.clipboardData) return;
    const inChat = event.target.closest && event.target.closest("#chat");
    if (!inChat && event.target !== document.body) return;  // the inbox's search box, say
    const files = filesOf(event.clipboardData.files.length ? event.clipboardData.files
      : event.clipboardData.items);
    if (attachFirst(files)) event.preventDefault();
  });

  // Files dragged from the desktop onto the chat.
  const carriesFiles = (event) => event.dataTransfer && Array.from(event.dataTransfer.types || []).includes("Files");
  ["dragenter", "dragover"].forEach((name) => document.addEventListener(name, (event) => {
    const chat = event.target.closest && event.target.closest("#chat");
    if (!chat || !composer() || !carriesFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    chat.classList.add("dropping");
  }));
  document.addEventListener("dragleave", (event) => {
    const chat = $("#chat");
    if (chat && (!event.relatedTarget || !chat.contains(event.relatedTarget))) chat.classList.remove("dropping");
  });
  document.addEventListener("drop", (event) => {
    const chat = event.target.closest && event.target.closest("#chat");
    if (!chat || !composer()) return;
    chat.classList.remove("dropping");
    if (!event.dataTransfer) return;
    event.preventDefault();
    attachFirst(filesOf(event.dataTransfer.files));
  });

  // Leaving the chat (htmx swaps the page) drops whatever waited: nothing leaves by itself.
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target !== document.body) return;
    if (recording) stopRecording(false);
    pending = null;
  });
})();
