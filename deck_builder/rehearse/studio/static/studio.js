// deck-builder studio: the page. Plain JavaScript, no build step, nothing loaded from elsewhere.
// The user's text arrives from the server already rendered and escaped (deck_builder/render.py):
// only fields named *_html are inserted as HTML; everything else goes in as text.
"use strict";

const $ = (id) => document.getElementById(id);
const RECORDING_TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4", "audio/webm"];
const BITS_PER_SECOND = 64000;
const KEY_STORE = "deck-builder-studio-key";

const studio = {
  state: null,     // /api/state
  mock: null,      // the open mock (/api/mock)
  index: 0,        // the question asked now
  mic: null,       // {stream} or {reason}
  answer: null,    // the answer in progress or under review
  view: "start",
  key: null,       // the secret: from the address's #key=, then sessionStorage (this tab, this origin only)
};
window.studio = studio; // for the tests and the curious

// The key never travels in a cookie (browsers send cookies to every port of 127.0.0.1) nor in
// a request's address: the page sends it as a header, to this server only.
function readKey() {
  const m = /(?:^#|&)key=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (m) {
    studio.key = m[1];
    try { sessionStorage.setItem(KEY_STORE, m[1]); } catch (e) { /* storage off: this load only */ }
    history.replaceState(null, "", location.pathname); // out of the address bar (and of what is shared)
  } else {
    try { studio.key = sessionStorage.getItem(KEY_STORE); } catch (e) { studio.key = null; }
  }
}

// -- talking to the server -------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message, problems) { super(message); this.status = status; this.problems = problems || []; }
}

async function api(path, options = {}) {
  const init = { method: options.method || "GET", credentials: "omit", headers: { "X-Studio-Key": studio.key || "" } };
  if (options.json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.json);
  } else if (options.body !== undefined) {
    init.headers["Content-Type"] = options.type;
    init.body = options.body;
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, "The studio is not answering: was it stopped? Start it again with deck-builder studio.");
  }
  if (response.status === 403) {
    throw new ApiError(403, "This page is not allowed to talk to the studio (it was opened without its key, or the studio " +
      "now runs with a new one). Open the address that deck-builder studio printed in its terminal: it ends with #key=….");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data.error || `error ${response.status}`, data.problems);
  return data;
}

function showError(box, error) {
  box.replaceChildren(document.createTextNode(error.message || String(error)));
  if (error.problems && error.problems.length) {
    const ul = document.createElement("ul");
    for (const p of error.problems) ul.append(el("li", {}, p));
    box.append(ul);
  }
  box.hidden = false;
}

// -- small helpers ---------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "html") node.innerHTML = v; // server-rendered, escaped HTML only
    else if (k === "class") node.className = v;
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function clock(seconds) {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function ago(iso) {
  const then = new Date(iso);
  if (isNaN(then)) return "";
  const days = Math.floor((Date.now() - then) / 86400000);
  if (days <= 0) return "today";
  if (days === 1) return "yesterday";
  if (days < 30) return `${days} days ago`;
  return then.toLocaleDateString();
}

// A view change moves the focus to FOCUS, or to the new view's heading (which a screen reader
// then reads), unless it is on a control still shown (the tabs): never to nothing.
function show(view, focus) {
  studio.view = view;
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== `view-${view}`;
  const tab = view === "progress" ? "progress" : "start";
  for (const t of document.querySelectorAll(".tab")) {
    if (t.dataset.view === tab) t.setAttribute("aria-current", "page"); else t.removeAttribute("aria-current");
  }
  window.scrollTo(0, 0);
  const active = document.activeElement;
  const lost = !active || active === document.body || !active.checkVisibility || !active.checkVisibility();
  if (focus) focus.focus();
  else if (lost || active.closest(".view")) $(`view-${view}`).querySelector("h1").focus();
}

function ratingWords(r) { return studio.state.ratings[String(r)]; }

// -- the start page --------------------------------------------------------------------------

async function load() {
  try {
    studio.state = await api("/api/state");
  } catch (e) {
    showError($("fatal"), e);
    $("view-start").hidden = true;
    return;
  }
  const s = studio.state;
  $("workspace").textContent = s.workspace_name;
  $("workspace").title = s.workspace;
  $("order").textContent = s.order;
  for (const c of s.companies) {
    const option = el("option", { value: c.id });
    option.innerHTML = c.name;
    $("company").append(option);
  }
  $("company").value = s.defaults.company || "";
  $("count").value = s.defaults.count;
  $("seconds").value = s.defaults.seconds;
  $("set-record").checked = s.settings.record;
  $("set-speak").checked = s.settings.speak;
  if (!("speechSynthesis" in window)) {
    $("set-speak").disabled = true;
    $("speak-label").append(el("span", { class: "muted" }, " (this browser cannot read aloud)"));
  }
  $("rec-folder").textContent = s.recordings_folder;
  document.body.dataset.ready = "1";
}

async function saveSetting(name, value) {
  try {
    studio.state.settings = await api("/api/settings", { method: "POST", json: { [name]: value } });
  } catch (e) {
    showError($("start-error"), e);
  }
}

async function begin(event) {
  event.preventDefault();
  $("start-error").hidden = true;
  $("begin").disabled = true;
  try {
    await openMock({ company: $("company").value || null, count: Number($("count").value), seconds: Number($("seconds").value) });
  } catch (e) {
    showError($("start-error"), e);
  } finally {
    $("begin").disabled = false;
  }
}

async function openMock(json) {
  studio.mock = await api("/api/mock", { method: "POST", json });
  studio.progressCompany = undefined; // Progress follows this mock's company now
  studio.mock.reopen = { company: json.company, seconds: studio.mock.seconds, questions: studio.mock.questions.map((q) => q.id), rated: [] };
  studio.mic = await openMicrophone();
  studio.index = 0;
  ask();
}

// "Practise this now" (the report, Progress): a mock of that one question, at that company.
function practiseButton(id, company, ask, seconds) {
  const button = el("button", { type: "button", class: "practise", "aria-label": `Practise this now: ${ask}` }, "Practise this now");
  button.addEventListener("click", async () => {
    if (studio.answer) return;
    button.disabled = true;
    $("fatal").hidden = true;
    try {
      await openMock({ company, seconds: seconds || Number($("seconds").value), questions: [id] });
    } catch (e) {
      showError($("fatal"), e);
      button.disabled = false;
      button.focus();
    }
  });
  return button;
}

// A studio that was stopped and started again (same address and key) has forgotten the open
// mock: open it again, with the same questions, and ask once more.
async function withMock(call) {
  try {
    return await call(studio.mock.id);
  } catch (e) {
    if (e.status !== 404 || !studio.mock.reopen) throw e;
    const again = await api("/api/mock", { method: "POST", json: studio.mock.reopen });
    studio.mock.id = again.id;
    return await call(again.id);
  }
}

// -- the microphone --------------------------------------------------------------------------

async function openMicrophone() {
  if (!studio.state.settings.record) {
    return { reason: "Recording is off (a setting on the start page), so nothing is recorded." };
  }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.MediaRecorder) {
    return { reason: "This browser cannot record audio here, so nothing is recorded; the countdown and ratings work as usual." };
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const type = RECORDING_TYPES.find((t) => MediaRecorder.isTypeSupported(t)) || "";
    return { stream, type };
  } catch (e) {
    let reason;
    if (e.name === "NotAllowedError" || e.name === "SecurityError") {
      reason = "The microphone was not allowed, so nothing is recorded; the countdown and ratings work as usual. " +
        "To record, allow the microphone for this page (the icon in the address bar) and begin a new mock.";
    } else if (e.name === "NotFoundError" || e.name === "OverconstrainedError") {
      reason = "No microphone was found, so nothing is recorded; the countdown and ratings work as usual.";
    } else if (e.name === "NotReadableError") {
      reason = "The microphone is busy (another program may be using it), so nothing is recorded.";
    } else {
      reason = `The microphone could not be started (${e.name}: ${e.message}), so nothing is recorded.`;
    }
    return { reason };
  }
}

function closeMicrophone() {
  if (studio.mic && studio.mic.stream) for (const track of studio.mic.stream.getTracks()) track.stop();
  studio.mic = null;
}

// -- asking ----------------------------------------------------------------------------------

function speak(text) {
  if (!studio.state.settings.speak || !("speechSynthesis" in window)) return;
  speechSynthesis.cancel();
  const utterance = new SpeechSynthesisUtterance(text);
  if (studio.state.lang) utterance.lang = studio.state.lang;
  speechSynthesis.speak(utterance);
}

// EARLIER: this question's takes so far ("Try again"), kept until the user chooses one.
function ask(earlier = []) {
  const m = studio.mock;
  const q = m.questions[studio.index];
  if (!earlier.length) forgetTake(studio.answer);
  studio.answer = { phase: "ready", question: q, index: studio.index, started: 0, took: 0, timer: null, recorder: null,
    chunks: [], blob: null, saveError: null, localUrl: null, earlier, take: earlier.length + 1, hearing: null };
  studio.answer.keep = studio.answer;
  $("q-step").textContent = `Question ${studio.index + 1} of ${m.questions.length}` + (earlier.length ? `, take ${earlier.length + 1}` : "");
  $("q-take").textContent = earlier.length
    ? `Your earlier take${earlier.length === 1 ? " is" : "s are"} kept: after this answer you choose which one to keep.`
    : "";
  $("q-take").hidden = !earlier.length;
  $("q-speaker").innerHTML = m.speaker;
  $("q-text").innerHTML = q.ask_html;
  $("q-clock").textContent = clock(m.seconds);
  $("q-clock").classList.remove("low");
  $("q-bar").style.width = "100%";
  $("q-go").textContent = "Start answering";
  $("q-go").disabled = false;
  const mic = $("q-mic");
  mic.className = "mic " + (studio.mic.stream ? "" : "off");
  mic.textContent = studio.mic.stream ? "The microphone records from Start to Done." : studio.mic.reason;
  $("q-repeat").hidden = !studio.state.settings.speak;
  show("question", $("q-go"));
  speak(q.ask);
}

function startAnswer() {
  const a = studio.answer;
  if (a.phase !== "ready") return;
  a.phase = "answering";
  if ("speechSynthesis" in window) speechSynthesis.cancel();
  a.started = performance.now();
  if (studio.mic.stream) {
    try {
      const options = { audioBitsPerSecond: BITS_PER_SECOND };
      if (studio.mic.type) options.mimeType = studio.mic.type;
      a.recorder = new MediaRecorder(studio.mic.stream, options);
      a.stream = { mock: studio.mock.id, seq: 0, ok: true, sent: Promise.resolve(),
        type: (a.recorder.mimeType || studio.mic.type || "audio/webm").split(";")[0] };
      a.recorder.ondataavailable = (e) => {
        if (!e.data || !e.data.size) return;
        a.chunks.push(e.data);
        sendPiece(a, e.data, false);
      };
      a.stopped = new Promise((resolve) => { a.recorder.onstop = resolve; });
      a.recorder.start(1000); // a piece each second, sent to the studio while the answer goes on
      $("q-mic").className = "mic on";
      $("q-mic").textContent = "Recording";
    } catch (e) {
      a.recorder = null;
      a.reason = `The recording could not start (${e.name}: ${e.message}); nothing is recorded for this answer.`;
      $("q-mic").className = "mic off";
      $("q-mic").textContent = a.reason;
    }
  }
  $("q-go").textContent = "Done";
  a.timer = setInterval(tick, 200);
  tick();
}

function tick() {
  const a = studio.answer;
  const seconds = studio.mock.seconds;
  const elapsed = (performance.now() - a.started) / 1000;
  const left = seconds - elapsed;
  $("q-clock").textContent = clock(Math.ceil(Math.max(0, left)));
  $("q-clock").classList.toggle("low", left <= 10);
  $("q-bar").style.width = `${Math.max(0, (left / seconds) * 100)}%`;
  if (left <= 0) finishAnswer(true);
}

async function finishAnswer(timeUp) {
  const a = studio.answer;
  if (a.phase !== "answering") return;
  a.phase = "saving";
  clearInterval(a.timer);
  a.took = Math.min(studio.mock.seconds, (performance.now() - a.started) / 1000);
  a.timeUp = timeUp;
  $("q-go").disabled = true;
  $("q-go").textContent = "Saving…";
  if (a.recorder) {
    if (a.recorder.state !== "inactive") a.recorder.stop();
    await a.stopped;
    a.blob = new Blob(a.chunks, { type: a.recorder.mimeType || studio.mic.type || "audio/webm" });
    await sendPiece(a, new Blob([]), true);
    if (!a.recording) await saveTake(a); // the pieces did not all arrive: the whole recording, as before
  }
  review();
}

// The recording goes to the studio a piece at a time while the answer goes on, in order, so the
// studio hears it as it comes; the last (empty) piece, at Done, closes it and answers as the
// whole upload does. A piece that fails ends the sending: at Done the whole recording is sent.
function sendPiece(a, data, last) {
  const s = a.stream;
  if (!s) return Promise.resolve();
  s.sent = s.sent.then(async () => {
    if (!s.ok) return;
    const seq = s.seq++;
    const query = last ? `&last=1&seconds=${a.took.toFixed(1)}` : "";
    try {
      const answer = await api(`/api/mock/${s.mock}/answers/${a.index}/chunk?seq=${seq}${query}`,
        { method: "POST", body: data, type: s.type });
      if (last) { a.recording = answer; a.saveError = null; }
    } catch (e) {
      s.ok = false;
    }
  });
  return s.sent;
}

// The take stays in the page (a.blob) until the answer is rated: if the studio cannot store
// it (stopped, disk full), the user can try again or download it.
async function saveTake(a) {
  try {
    a.recording = await withMock((id) => api(
      `/api/mock/${id}/answers/${a.index}/recording?seconds=${a.took.toFixed(1)}`,
      { method: "POST", body: a.blob, type: a.blob.type.split(";")[0] }));
    a.saveError = null;
  } catch (e) {
    a.saveError = e;
  }
}

function forgetTake(a) {
  if (a && a.localUrl) URL.revokeObjectURL(a.localUrl);
}

function unsaved() {
  const a = studio.answer;
  return !!(a && a.blob && !a.recording && a.saveError && a.saveError.status !== 409);
}

// -- the review ------------------------------------------------------------------------------

function pointsList(items, start, label) {
  const box = document.createDocumentFragment();
  if (!items.length) return box;
  if (label) box.append(el("p", { class: "label", html: label }));
  const ol = el("ol", { start: start === 1 ? null : String(start) });
  for (const html of items) ol.append(el("li", { html }));
  box.append(ol);
  return box;
}

// The browser's own audio controls keep every key while one of their buttons has the focus
// (Chromium gives the page none, not even to a capturing listener: measured), so 1-4 would
// not rate from there. The page draws its own: a Play button, a position slider and the time.
function player(src, name, seconds = 0, preload = "metadata") {
  const audio = el("audio", { preload, src });
  const play = el("button", { type: "button", class: "play", "aria-label": `Play ${name}` }, "▶ Play");
  const seek = el("input", { type: "range", min: "0", max: "0", step: "0.1", value: "0", "aria-label": `Position in ${name}` });
  const time = el("span", { class: "time", "aria-hidden": "true" }, `0:00 / ${clock(seconds)}`);
  const update = () => {
    const length = isFinite(audio.duration) && audio.duration > 0 ? audio.duration : seconds;
    const at = Math.min(audio.currentTime, length);
    seek.max = String(length);
    seek.value = String(at);
    seek.setAttribute("aria-valuetext", `${clock(at)} of ${clock(length)}`);
    time.textContent = `${clock(at)} / ${clock(length)}`;
    play.textContent = audio.paused ? "▶ Play" : "❚❚ Pause";
    play.setAttribute("aria-label", `${audio.paused ? "Play" : "Pause"} ${name}`);
  };
  play.addEventListener("click", () => { if (audio.paused) audio.play().catch(() => {}); else audio.pause(); });
  seek.addEventListener("input", () => { audio.currentTime = Number(seek.value); });
  for (const type of ["timeupdate", "durationchange", "play", "pause", "ended", "seeked"]) audio.addEventListener(type, update);
  // MediaRecorder's WebM files carry no length: seeking to the end makes the browser find it.
  audio.addEventListener("loadedmetadata", () => {
    if (audio.duration === Infinity) {
      audio.currentTime = 1e101;
      audio.addEventListener("durationchange", function fixed() {
        if (audio.duration !== Infinity) { audio.currentTime = 0; audio.removeEventListener("durationchange", fixed); }
      });
    }
  });
  update();
  return el("div", { class: "player", role: "group", "aria-label": name }, play, seek, time, audio);
}

function review() {
  const a = studio.answer;
  const q = a.question;
  a.phase = "review";
  $("r-step").textContent = `Question ${studio.index + 1} of ${studio.mock.questions.length}: your answer`;
  $("r-question").innerHTML = q.ask_html;
  if (a.earlier.length) showTakes(a); else showTake(a);
  $("r-again").hidden = unsaved();
  $("r-again-note").textContent = `Answer this question once more; ${a.earlier.length ? "your takes are" : "this take is"} kept until you choose one.`;
  showLength(a.keep);
  drawPoints(a);
  const stories = $("r-stories");
  stories.replaceChildren();
  for (const s of q.stories) stories.append(el("p", {}, el("strong", { html: s.title_html }), ": ", el("span", { html: s.result_html })));
  if (!q.stories.length) stories.append(el("p", { class: "muted" }, "No story linked to this answer (stories: in answers.yaml)."));
  const why = $("r-why");
  why.replaceChildren(q.why_html ? el("p", { html: q.why_html }) : el("p", { class: "muted" }, "Not given for this question."));
  startHearing(a);
  $("r-error").hidden = true;
  for (const b of document.querySelectorAll("[data-rating]")) b.disabled = false;
  const current = a.earlier.length ? $("r-player").querySelector(".take:last-of-type .play") : $("r-player").querySelector(".play");
  show("review", current || document.querySelector("[data-rating='3']"));
}

function showLength(take) {
  const seconds = studio.mock.seconds;
  const which = take.earlier.length || take !== studio.answer ? `Take ${take.take}: ` : "";
  $("r-length").textContent = which + (take.timeUp
    ? `${which ? "time" : "Time"} ran out: you used all ${clock(seconds)}.`
    : `${which ? "you" : "You"} took ${clock(take.took)} of the ${clock(seconds)} allowed.`);
  $("r-bar").style.width = `${Math.min(100, (take.took / seconds) * 100)}%`;
  $("r-bar").parentElement.classList.toggle("over", !!take.timeUp);
}

function drawPoints(a) {
  const q = a.question;
  const points = $("r-points");
  points.replaceChildren(pointsList(q.tailored, 1, q.tailored_label), pointsList(q.general, q.general_start, q.general_label));
  if (!q.tailored.length && !q.general.length) points.append(el("p", { class: "muted" }, "No points yet."));
}

// After "Try again": every take of this question, each with its player and a choice of which
// to keep (the newest, unless the user picks another). Rating keeps that one and only then
// deletes the others.
function showTakes(a) {
  const box = $("r-player");
  box.replaceChildren();
  box.classList.remove("unsaved");
  const takes = [...a.earlier, a];
  const list = el("fieldset", { class: "takes" }, el("legend", { class: "label" }, "Your takes: keep one"));
  for (const t of takes) {
    const id = `keep-${t.take}`;
    const radio = el("input", { type: "radio", name: "keep", id, value: String(t.take) });
    radio.checked = a.keep === t;
    radio.addEventListener("change", () => { if (radio.checked) keepTake(a, t); });
    const about = t.recording ? clock(t.took) : `${clock(t.took)}, nothing recorded`;
    const item = el("div", { class: "take" }, el("label", { class: "check", for: id }, radio, `Keep take ${t.take} `,
      el("span", { class: "muted" }, `(${about})`)));
    if (t === a) {
      const own = el("div");
      showTake(a, own, `take ${t.take}`);
      item.append(own);
    } else if (t.recording) {
      item.append(player(t.recording.url, `take ${t.take}`, t.took));
    }
    list.append(item);
  }
  const others = takes.length - 1;
  box.append(list, el("p", { class: "muted small", id: "r-keep-note" },
    `Rating keeps the chosen take; the other${others === 1 ? " is" : "s are"} deleted then, not before.`));
}

function keepTake(a, take) {
  a.keep = take;
  showLength(take);
  drawPoints(a);
  $("r-heard").replaceChildren();
  if (take.hearing) drawHearing(take);
  else if (take !== a && take.recording && take.recording.listening) pollHearing(a, studio.mock.id, a.index, take);
}

function tryAgain() {
  const a = studio.answer;
  if (!a || a.phase !== "review" || unsaved()) return;
  for (const audio of document.querySelectorAll("#r-player audio")) audio.pause();
  a.phase = "retaken";
  ask([...a.earlier, a]);
}

function showTake(a, box = $("r-player"), name = null) {
  box.replaceChildren();
  box.classList.toggle("unsaved", unsaved());
  if (a.recording) {
    if (name) box.append(player(a.recording.url, name, a.took));
    else box.append(el("p", { class: "label" }, "Listen to yourself"), player(a.recording.url, "your answer", a.took));
  } else if (a.blob && a.saveError && a.saveError.status !== 409) {
    if (!a.localUrl) a.localUrl = URL.createObjectURL(a.blob);
    const ext = { "audio/ogg": "ogg", "audio/mp4": "m4a" }[a.blob.type.split(";")[0]] || "webm";
    const retry = el("button", { type: "button", id: "r-retry" }, "Try saving again");
    retry.addEventListener("click", async () => {
      retry.disabled = true;
      retry.textContent = "Saving…";
      await saveTake(a);
      showTake(a, box, name);
      $("r-again").hidden = unsaved();
      if (a.recording && a === studio.answer) startHearing(a); // saved at last: now it can be heard
      (a.recording ? box.querySelector(".play") : $("r-retry")).focus();
    });
    box.append(
      el("p", { class: "label" }, "Listen to yourself (not saved yet)"),
      player(a.localUrl, "your answer (kept in this page only)", a.took),
      el("p", { class: "error", role: "alert", id: "r-unsaved" }, `The recording could not be saved: ${a.saveError.message} ` +
        "Your answer is kept in this page until you rate it: once the studio runs again, press “Try saving again”, or download the recording to keep it."),
      el("div", { class: "actions" }, retry,
        el("a", { class: "button", id: "r-download", href: a.localUrl, download: `${a.question.id}-answer.${ext}` },
          "Download the recording")));
  } else {
    const why = a.saveError ? `The recording could not be saved: ${a.saveError.message}` : a.reason || studio.mic.reason || "";
    box.append(el("p", { class: "muted", id: "r-nothing" }, "Nothing was recorded. " + why));
  }
}

// -- what the studio heard (deck_builder/rehearse/listen.py) ---------------------------------
// Decoding runs on the server, off the request; the page asks every half second until it is
// done. Errors are mostly points said but not heard: the words are "Heard" and "Not heard",
// and the user's ticks (starting as heard) are what is saved as covered.

function startHearing(a) {
  const box = $("r-heard");
  box.replaceChildren();
  a.ticked = null;
  if (!a.recording) return;
  if (!a.recording.listening) { // the server says why (not installed, another language), if it has a reason
    pollHearing(a, studio.mock.id, studio.index);
    return;
  }
  box.append(el("p", { class: "listening", role: "status", id: "r-listening" }, "Listening for your key points…"));
  pollHearing(a, studio.mock.id, studio.index);
}

// TAKE: the answer's newest take (A itself), or an earlier one chosen to be kept after "Try
// again", which may have been pressed before that take was heard: it is asked for by name.
async function pollHearing(a, mockId, index, take = a) {
  const query = take === a ? "" : `?recording=${encodeURIComponent(take.recording.name)}`;
  if (take !== a) $("r-heard").replaceChildren(el("p", { class: "listening", role: "status", id: "r-listening" }, "Listening for your key points…"));
  for (;;) {
    let data;
    try {
      data = await api(`/api/mock/${mockId}/answers/${index}/heard${query}`);
    } catch (e) {
      if (studio.answer === a && a.keep === take) $("r-heard").replaceChildren(el("p", { class: "muted small" }, `Could not listen: ${e.message}`));
      return;
    }
    if (studio.answer !== a || a.phase !== "review" || (take !== a && a.keep !== take)) return;
    if (data.state !== "listening") { showHearing(a, data, take); return; }
    await new Promise((done) => setTimeout(done, 500));
  }
}

function showHearing(a, data, take = a) {
  if (a.keep !== take) { // another take is kept: this one's hearing waits until it is chosen
    if (data.state === "done") { take.hearing = data; take.ticked = data.heard.slice(); }
    return;
  }
  const box = $("r-heard");
  box.replaceChildren();
  if (data.state !== "done") {
    const why = data.error || data.why;
    if (why) box.append(el("p", { class: "muted small", id: "r-install" }, why));
    return;
  }
  take.hearing = data;
  take.ticked = data.heard.slice();
  drawHearing(take);
}

// What was heard in take A, with its ticks, on the key points shown.
function drawHearing(a) {
  const box = $("r-heard");
  const data = a.hearing;
  const items = document.querySelectorAll("#r-points li");
  items.forEach((li, i) => {
    if (i >= data.heard.length) return;
    const heard = data.heard[i];
    const tick = el("input", { type: "checkbox", class: "tick", "aria-label": `I covered point ${i + 1}` });
    tick.checked = a.ticked[i];
    tick.addEventListener("change", () => { a.ticked[i] = tick.checked; });
    li.classList.add("checked-point");
    li.prepend(tick);
    li.append(" ", el("span", { class: heard ? "heard yes" : "heard no" }, heard ? "Heard" : "Not heard"));
  });
  const count = data.heard.filter(Boolean).length;
  box.append(el("p", { class: "small", id: "r-heard-summary", role: "status" },
    `Heard ${count} of ${data.heard.length} key point${data.heard.length === 1 ? "" : "s"}. ` +
    "Tick any point you covered that was not heard, before you rate."));
  const words = el("p", { id: "r-transcript" }, data.transcript || "No words were heard (was the microphone muted?).");
  box.append(el("details", { class: "transcript", open: true }, el("summary", {}, "What it heard"), words));
}

async function rate(rating) {
  const a = studio.answer;
  if (!a || a.phase !== "review") return;
  a.phase = "rating";
  for (const b of document.querySelectorAll("[data-rating]")) b.disabled = true;
  const k = a.keep;
  const discard = [...a.earlier, a].filter((t) => t !== k && t.recording).map((t) => t.recording.name);
  try {
    await withMock((id) => api(`/api/mock/${id}/answers/${studio.index}/rating`, {
      method: "POST",
      json: { rating, seconds: Math.round(k.took * 10) / 10, recording: k.recording ? k.recording.name : null,
              ...(k.ticked ? { ticked: k.ticked } : {}), ...(discard.length ? { discard } : {}) },
    }));
    studio.mock.reopen.rated.push(a.question.id);
  } catch (e) {
    a.phase = "review";
    for (const b of document.querySelectorAll("[data-rating]")) b.disabled = false;
    showError($("r-error"), e);
    return;
  }
  for (const audio of document.querySelectorAll("#r-player audio")) audio.pause();
  for (const t of [...a.earlier, a]) forgetTake(t);
  studio.index += 1;
  if (studio.index < studio.mock.questions.length) ask(); else report();
}

// -- the report ------------------------------------------------------------------------------

async function report() {
  const a = studio.answer;
  if (a && a.timer) clearInterval(a.timer);
  if (a && a.recorder && a.recorder.state !== "inactive") a.recorder.stop();
  if ("speechSynthesis" in window) speechSynthesis.cancel();
  forgetTake(a);
  studio.answer = null;
  closeMicrophone();
  let data;
  try {
    data = await api(`/api/mock/${studio.mock.id}/report`);
  } catch (e) {
    showError($("fatal"), e);
    return;
  }
  const rows = $("report-rows");
  rows.replaceChildren();
  for (const r of data.rows) {
    rows.append(answerItem(r, data.company, studio.mock.seconds));
  }
  if (!data.rows.length) rows.append(el("li", { class: "muted" }, "No answers recorded."));
  const weak = data.work_on.length;
  $("report-work").textContent = !data.rows.length ? ""
    : weak ? `Weakest first: ${weak === 1 ? "one answer" : `${weak} answers`} rated below 3. Practise ${weak === 1 ? "it" : "them"} now, or the next mock asks ${weak === 1 ? "it" : "them"} first.`
    : "Nothing rated below 3: well done.";
  $("report-history").textContent = data.rows.length ? data.lines[data.lines.length - 1] : "";
  show("report", $("again"));
}

// One answer of the report: the question as asked, its rating and time, its recording and
// which key points were heard, and "Practise this now".
function answerItem(r, company, seconds) {
  const item = el("li", { class: "answer-row", "data-answer": r.id },
    el("div", { class: "row-head" }, el("h2", { class: "asked", html: r.ask_html }),
      el("span", { class: `rating r${r.rating}` }, `${r.rating} ${r.words}`)),
    el("p", { class: "muted small took" }, `You took ${clock(r.seconds)}` + (r.points.length
      ? `; heard ${r.points.filter((p) => p.heard).length} of ${r.points.length} key point${r.points.length === 1 ? "" : "s"}.` : ".")));
  if (r.recording) item.append(player(r.recording.url, `your answer to “${r.ask}”`, r.seconds));
  else item.append(el("p", { class: "muted small" }, "Nothing was recorded."));
  if (r.points.length) {
    const ul = el("ul", { class: "heard-list" });
    for (const p of r.points) {
      const said = p.heard === true ? "Heard" : p.heard === false ? "Not heard" : "Not checked";
      const note = p.ticked && !p.heard ? " (you covered it)" : "";
      ul.append(el("li", {}, el("span", { class: p.heard ? "heard yes" : "heard no" }, said), " ", p.point, note));
    }
    item.append(el("details", { class: "transcript" }, el("summary", {}, "Key points"), ul));
  }
  item.append(el("div", { class: "actions" }, practiseButton(r.id, company, r.ask, seconds)));
  return item;
}

// -- progress --------------------------------------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function sparkline(ratings) {
  const w = 240, h = 48, pad = 6;
  const chart = svg("svg", { class: "spark", viewBox: `0 0 ${w} ${h}`, role: "img",
    "aria-label": ratings.length ? `Ratings, oldest first: ${ratings.map((r) => r.rating).join(", ")}` : "Not practised yet" });
  for (const level of [1, 2, 3, 4]) {
    const y = h - pad - ((level - 1) / 3) * (h - 2 * pad);
    chart.append(svg("line", { class: "grid", x1: 0, x2: w, y1: y, y2: y }));
  }
  const shown = ratings.slice(-20);
  const x = (i) => (shown.length === 1 ? w / 2 : pad + (i / (shown.length - 1)) * (w - 2 * pad));
  const y = (r) => h - pad - ((r - 1) / 3) * (h - 2 * pad);
  if (shown.length > 1) {
    chart.append(svg("polyline", { class: "line", points: shown.map((r, i) => `${x(i)},${y(r.rating)}`).join(" ") }));
  }
  shown.forEach((r, i) => {
    const dot = svg("circle", { class: `r${r.rating}`, cx: x(i), cy: y(r.rating), r: 4.5 });
    const title = svg("title");
    title.textContent = `${new Date(r.time).toLocaleString()}: ${r.rating} ${ratingWords(r.rating)}`;
    dot.append(title);
    chart.append(dot);
  });
  return chart;
}

function meter(label, count, total) {
  const bar = el("div", { class: "bar", role: "img", "aria-label": `${label}: ${count} of ${total}` }, el("div"));
  bar.firstChild.style.width = `${total ? (count / total) * 100 : 0}%`;
  return el("div", { class: "meter" }, el("span", {}, label), bar, el("span", { class: "count" }, `${count}/${total}`));
}

function recordingItem(rec) {
  const when = new Date(rec.time).toLocaleString();
  const rated = rec.rating ? el("span", { class: `rating r${rec.rating}` }, `${rec.rating} ${rec.words}`)
    : el("span", { class: "muted" }, "not rated");
  const named = `Delete the recording of ${when}`;
  const remove = el("button", { type: "button", class: "danger", "aria-label": named }, "Delete");
  let armed = null;
  remove.addEventListener("click", async () => {
    if (!armed) {
      remove.textContent = "Delete for good?";
      remove.setAttribute("aria-label", `${named} for good? Press again to delete it`);
      armed = setTimeout(() => { armed = null; remove.textContent = "Delete"; remove.setAttribute("aria-label", named); }, 5000);
      return;
    }
    clearTimeout(armed);
    const items = [...remove.closest(".recs").children];
    const at = items.indexOf(remove.closest("li"));
    try {
      await api(`/api/recordings/${rec.question}/${rec.name}`, { method: "DELETE" });
      await loadProgress();
    } catch (e) {
      showError($("fatal"), e);
      return;
    }
    // The focus goes to the recording now in its place (or the one before), else to the count.
    const card = document.querySelector(`[data-question="${rec.question}"]`);
    if (!card) return;
    const left = card.querySelectorAll(".recs li button.danger");
    (left[Math.min(at, left.length - 1)] || card.querySelector(".rec-count")).focus();
  });
  return el("li", { "data-recording": rec.name }, el("span", {}, `${when} · ${clock(rec.seconds)} · `, rated), remove,
    player(rec.url, `the recording of ${when}`, rec.seconds, "none"));
}

async function loadProgress(focus) {
  show("progress", focus);
  let data;
  try {
    const chosen = studio.progressCompany; // undefined: the latest mock's company
    data = await api("/api/progress" + (chosen === undefined ? "" : `?company=${encodeURIComponent(chosen)}`));
  } catch (e) {
    showError($("fatal"), e);
    return;
  }
  $("fatal").hidden = true;
  const picker = $("p-company");
  if (picker.options.length !== $("company").options.length) {
    picker.replaceChildren(...[...$("company").options].map((o) => o.cloneNode(true)));
  }
  picker.value = data.company ? data.company.id : "";
  const company = data.company ? data.company.id : null;
  const next = $("next");
  next.replaceChildren();
  for (const n of data.next) {
    next.append(el("li", {}, el("span", { html: n.ask_html }), el("br"), el("span", { class: "muted small" }, n.why), " ",
      practiseButton(n.id, company, n.ask)));
  }
  if (!data.next.length) next.append(el("li", { class: "muted" }, "Everything was rated 4 last time: well done."));

  const companies = $("companies");
  companies.replaceChildren();
  for (const c of data.companies) {
    companies.append(el("div", { class: "card company" },
      el("h3", { html: c.name }),
      meter("answered", c.answered, c.questions),
      meter("tailored", c.tailored, c.questions),
      meter("good lately", c.good_recently, c.questions),
      el("p", { class: "muted small" }, `Of the ${c.questions} questions you have points for: with your own points, ` +
        `with points for this company, and last rated 3 or 4 within ${data.recent_days} days.`)));
  }
  if (!data.companies.length) companies.append(el("p", { class: "muted" }, "No companies yet (add one as companies/ID.yaml)."));

  const questions = $("questions");
  questions.replaceChildren();
  for (const q of data.questions) {
    const last = q.last ? `Last practised ${ago(q.last.time)}: ${q.last.rating} ${ratingWords(q.last.rating)}` : "Never practised";
    const recs = el("ul", { class: "recs" });
    for (const r of q.recordings) recs.append(recordingItem(r));
    questions.append(el("article", { class: "card qcard", "data-question": q.id },
      el("h3", { html: q.ask_html }),
      el("div", { class: "qmeta" }, sparkline(q.ratings), el("span", {}, last)),
      el("div", { class: "actions" }, practiseButton(q.id, company, q.ask)),
      el("p", { class: "muted small rec-count", tabindex: "-1" }, q.recordings.length ? `${q.recordings.length} recording${q.recordings.length === 1 ? "" : "s"}` : "No recordings"),
      recs));
  }
  document.body.dataset.progress = "1";
}

// -- keys and wiring -------------------------------------------------------------------------

function typing(target) {
  if (!target) return false;
  if (target.tagName === "INPUT") return !["range", "checkbox", "radio", "button"].includes(target.type);
  return target.tagName === "SELECT" || target.tagName === "TEXTAREA";
}

// Space starts and stops, unless the focus is on another control (Space presses "End the mock
// here" as any button). The keys are caught on the way down (capture), before any control.
function spaceIsOurs(event) {
  if (studio.view !== "question" || !(event.key === " " || event.code === "Space")) return false;
  const control = event.target.closest && event.target.closest("button, a[href], audio, select, input, textarea, summary");
  return !control || control.id === "q-go";
}

window.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
  if (spaceIsOurs(event)) {
    event.preventDefault(); // not also a click on the focused button
    if (!event.repeat) toggleAnswer();
  } else if (studio.view === "review" && ["1", "2", "3", "4"].includes(event.key)) {
    event.preventDefault();
    event.stopPropagation();
    rate(Number(event.key));
  }
}, true);
window.addEventListener("keyup", (event) => {
  if (spaceIsOurs(event)) event.preventDefault();
}, true);
window.addEventListener("beforeunload", (event) => {
  if (unsaved()) event.preventDefault(); // the browser asks: leave the page and lose the take?
});

function toggleAnswer() {
  if (!studio.answer) return;
  if (studio.answer.phase === "ready") startAnswer();
  else if (studio.answer.phase === "answering") finishAnswer(false);
}

document.addEventListener("DOMContentLoaded", () => {
  readKey();
  $("start-form").addEventListener("submit", begin);
  $("set-record").addEventListener("change", (e) => saveSetting("record", e.target.checked));
  $("set-speak").addEventListener("change", (e) => saveSetting("speak", e.target.checked));
  $("q-go").addEventListener("click", toggleAnswer);
  $("q-repeat").addEventListener("click", () => speak(studio.answer.question.ask));
  $("q-end").addEventListener("click", () => report());
  $("r-again").addEventListener("click", tryAgain);
  $("p-company").addEventListener("change", () => { studio.progressCompany = $("p-company").value; loadProgress($("p-company")); });
  for (const b of document.querySelectorAll("[data-rating]")) b.addEventListener("click", () => rate(Number(b.dataset.rating)));
  $("again").addEventListener("click", () => show("start"));
  $("to-progress").addEventListener("click", () => loadProgress());
  for (const t of document.querySelectorAll(".tab")) {
    t.addEventListener("click", () => {
      if (studio.answer) return; // a mock is open: finish it, or end it with "End the mock here"
      if (t.dataset.view === "progress") loadProgress(); else show("start", t);
    });
  }
  load();
});
