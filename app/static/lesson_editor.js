// Lesson editor: the preview follows the text a moment after typing stops, drawn by the server with
// the same sanitiser and sandbox figures trainees get (nothing is saved).
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview]");
  var text = document.getElementById("text");
  var preview = document.getElementById("preview");
  var status = document.getElementById("preview-status");
  if (!form || !text || !preview) { return; }
  var timer = null;
  var sent = 0;
  function refresh() {
    var n = ++sent;
    var body = new FormData();
    body.append("text", text.value);
    body.append("csrf_token", form.querySelector("[name=csrf_token]").value);
    fetch(form.getAttribute("data-preview"), { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (n !== sent) { return; }  // a newer preview is on its way
        if (data.html !== undefined) { preview.innerHTML = data.html; status.textContent = ""; }
        else { status.textContent = data.error || "The preview could not be drawn."; }
      })
      .catch(function () { status.textContent = "The preview could not be updated; use the Preview button."; });
  }
  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 600);
  });
})();
