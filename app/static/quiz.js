// Uptake quiz player: saves each answer to the server as it changes, retries when a save fails,
// shows a countdown from the server's deadline. The page works without this script too.
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  if (!form) { return; }
  var api = form.dataset.api;
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var statusEl = document.getElementById("save-status");
  // Sequence numbers on the server's clock, so a later edit wins whichever tab or path sends it.
  var serverStart = Number(form.dataset.serverTime);
  var t0 = performance.now();
  var lastActivity = t0;
  var pending = new Map();
  var inflight = false;
  var retryDelay = 1000;
  var retryTimer = null;
  var closed = false;

  function seq() { return Math.floor(serverStart + performance.now() - t0); }
  function setStatus(text, problem) {
    statusEl.textContent = text;
    statusEl.classList.toggle("save-problem", !!problem);
  }
  function timeSpent() {
    var now = performance.now();
    var spent = Math.round(now - lastActivity);
    lastActivity = now;
    return spent;
  }

  function answerOf(fieldset) {
    var type = fieldset.dataset.itemType;
    if (type === "single_choice" || type === "true_false") {
      var picked = fieldset.querySelector("input[type=radio]:checked");
      return picked ? picked.value : null;
    }
    if (type === "multiple_response") {
      return Array.prototype.map.call(fieldset.querySelectorAll("input[type=checkbox]:checked"),
        function (box) { return box.value; });
    }
    if (type === "numeric" || type === "short_text") {
      var value = fieldset.querySelector("input[type=text]").value.trim();
      return value === "" ? null : value;
    }
    if (type === "ordering") {
      // Only a complete order is an answer; a half-set or clashing order is reported and not sent, so
      // the last complete order stays saved (app/trainee/answers.py says the same without JavaScript).
      var selects = fieldset.querySelectorAll("select[data-step]");
      var rows = [];
      selects.forEach(function (sel) { if (sel.value) { rows.push([sel.dataset.step, Number(sel.value)]); } });
      if (rows.length === 0) { return null; }
      var seen = {};
      var repeated = null;
      rows.forEach(function (r) { if (seen[r[1]] && (repeated === null || r[1] < repeated)) { repeated = r[1]; } seen[r[1]] = true; });
      if (repeated !== null) {
        return { invalid: "Position " + repeated + " is given to more than one step: give each step its own position. " +
                          "Your last complete order is still saved." };
      }
      if (rows.length < selects.length) {
        return { invalid: "Give every step a position (" + rows.length + " of " + selects.length + " have one). " +
                          "Your last complete order is still saved." };
      }
      rows.sort(function (a, b) { return a[1] - b[1]; });
      return rows.map(function (r) { return r[0]; });
    }
    if (type === "matching") {
      var pairs = {};
      var any = false;
      fieldset.querySelectorAll("select[data-prompt]").forEach(function (sel) {
        if (sel.value) { pairs[sel.dataset.prompt] = sel.value; any = true; }
      });
      return any ? pairs : null;
    }
    return null;
  }

  function showError(key, message) {
    var el = document.getElementById("err-" + key);
    if (!el) { return; }
    el.textContent = message || "";
    el.hidden = !message;
  }

  // "N of M answered" follows each saved answer (the page starts from the server's count).
  var counter = document.getElementById("answered-count");
  function countAnswer(key, answer) {
    var fieldset = form.querySelector('[data-item-key="' + key + '"]');
    if (!fieldset || !counter) { return; }
    var now = answer !== null && !(Array.isArray(answer) && answer.length === 0) ? "yes" : "no";
    if (now !== fieldset.dataset.answered) {
      counter.textContent = String(Number(counter.textContent) + (now === "yes" ? 1 : -1));
      fieldset.dataset.answered = now;
    }
  }

  function queue(fieldset) {
    if (closed) { return; }
    var answer = answerOf(fieldset);
    if (answer && answer.invalid) {  // not an answer yet: say why, send nothing, keep what is saved
      pending.delete(fieldset.dataset.itemKey);
      showError(fieldset.dataset.itemKey, answer.invalid);
      flush();
      return;
    }
    pending.set(fieldset.dataset.itemKey, { answer: answer, seq: seq(), time: timeSpent() });
    setStatus("Saving…", false);
    flush();
  }

  function scheduleRetry(message) {
    inflight = false;
    setStatus(message + " Retrying in " + Math.round(retryDelay / 1000) + " s…", true);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  }

  function flush() {
    if (inflight || closed) { return; }
    var next = pending.entries().next();
    if (next.done) {
      if (form.querySelector(".item-error:not([hidden])")) {
        setStatus("Saved, except a question that needs your attention (marked below).", true);
      } else {
        setStatus("All answers saved.", false);
      }
      return;
    }
    var key = next.value[0];
    var body = next.value[1];
    inflight = true;
    fetch(api + "/responses/" + encodeURIComponent(key), {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ answer: body.answer, seq: body.seq, time_spent_ms: body.time })
    }).then(function (response) {
      if (response.ok || response.status === 422) {
        if (pending.get(key) === body) { pending.delete(key); }
        retryDelay = 1000;
        inflight = false;
        if (response.status === 422) {
          return response.json().then(function (data) { showError(key, data.error.message); flush(); });
        }
        showError(key, "");
        countAnswer(key, body.answer);
        flush();
        return null;
      }
      if (response.status === 409) {
        closed = true;
        pending.clear();
        setStatus("This attempt is closed. Opening your result…", true);
        window.location.assign(form.dataset.resultUrl);
        return null;
      }
      if (response.status === 401 || response.status === 403) {
        scheduleRetry("Not saved: you are signed out. Sign in again in another tab; your answer is kept here.");
        return null;
      }
      scheduleRetry("Not saved: the server answered " + response.status + ".");
      return null;
    }).catch(function () {
      scheduleRetry("Not saved: no connection.");
    });
  }

  var typingTimers = {};
  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("[data-item-key]");
    if (fieldset) { queue(fieldset); }
  });
  form.addEventListener("input", function (event) {
    if (event.target.type !== "text") { return; }
    var fieldset = event.target.closest("[data-item-key]");
    if (!fieldset) { return; }
    clearTimeout(typingTimers[fieldset.dataset.itemKey]);
    typingTimers[fieldset.dataset.itemKey] = setTimeout(function () { queue(fieldset); }, 700);
  });
  // Answers given before this script ran (a quick hand on a slow connection) or restored by the
  // browser on "back" fire no event we could hear: anything that differs from the page as the server
  // rendered it is saved now, so the status never says "saved" of an answer the server has not got.
  function changedSinceRender(fieldset) {
    return Array.prototype.some.call(fieldset.querySelectorAll("input, select, textarea"), function (el) {
      if (el.type === "radio" || el.type === "checkbox") { return el.checked !== el.defaultChecked; }
      if (el.tagName === "SELECT") {
        var rendered = Array.prototype.findIndex.call(el.options, function (o) { return o.defaultSelected; });
        return el.selectedIndex !== Math.max(rendered, 0);
      }
      return el.type !== "hidden" && el.value !== el.defaultValue;
    });
  }
  form.querySelectorAll("[data-item-key]").forEach(function (fieldset) {
    if (changedSinceRender(fieldset)) { queue(fieldset); }
  });
  window.addEventListener("online", flush);
  window.addEventListener("beforeunload", function (event) {
    if (pending.size && !form.dataset.submitting) { event.preventDefault(); event.returnValue = ""; }
  });
  form.addEventListener("submit", function () { form.dataset.submitting = "1"; });

  // Countdown: remaining seconds from the server, counted on this machine's monotonic clock.
  var timerEl = document.getElementById("timer");
  if (timerEl && form.dataset.remaining) {
    var endsAt = t0 + Number(form.dataset.remaining) * 1000;
    var tick = function () {
      var left = Math.max(0, Math.round((endsAt - performance.now()) / 1000));
      timerEl.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      if (left === 60) { setStatus("One minute left. Your answers are saved as you go.", false); }
      if (left === 0) {
        clearInterval(interval);
        flush();
        setStatus("Time is up. Your saved answers will be graded.", true);
        setTimeout(function () { window.location.assign(form.dataset.resultUrl); }, 5000);
      }
    };
    var interval = setInterval(tick, 1000);
  }
})();
