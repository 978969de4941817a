// Test builder: when the job role changes, each skill's count of published (and calibrated) questions
// follows it, so the trainer sees how many a sample can draw before saving.
(function () {
  "use strict";
  var form = document.querySelector("form[data-counts]");
  var role = document.getElementById("role");
  if (!form || !role) { return; }
  var counts = JSON.parse(form.getAttribute("data-counts"));
  role.addEventListener("change", function () {
    var forRole = counts[role.value] || {};
    form.querySelectorAll("[data-skill]").forEach(function (el) {
      var c = forRole[el.getAttribute("data-skill")] || { published: 0, calibrated: 0 };
      el.textContent = "of " + c.published + " published (" + c.calibrated + " calibrated)";
    });
  });
})();
