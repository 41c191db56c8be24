// The score sheet's running total as rows are scored (the saved total is the engine's);
// "满分" fills a row's points.
(function () {
  "use strict";
  function number(text) {
    var value = parseFloat(String(text || "").replace(/[，,]/g, "."));
    return isNaN(value) ? null : value;
  }
  function update() {
    var form = document.getElementById("scoring-form");
    if (!form) return;
    var inputs = form.querySelectorAll("input.score");
    var total = 0, scored = 0;
    inputs.forEach(function (input) {
      var value = number(input.value);
      if (value !== null) { total += value; scored += 1; }
    });
    var claims = {};
    form.querySelectorAll(".claim").forEach(function (claim) {
      var matter = (claim.querySelector("input[name^=claim_matter]") || {}).value || "";
      var points = number((claim.querySelector("input.bonus") || {}).value);
      var key = matter.replace(/\s+/g, "");
      if (points !== null && key) claims[key] = Math.max(claims[key] || 0, points);
    });
    var bonus = 0;
    Object.keys(claims).forEach(function (key) { bonus += claims[key]; });
    var cap = number(form.dataset.bonusCap);
    if (cap !== null) bonus = Math.min(bonus, cap);
    document.getElementById("running-total").textContent = String(Math.round((total + bonus) * 10) / 10);
    document.getElementById("scored-count").textContent = String(scored);
    document.getElementById("row-count").textContent = String(inputs.length);
  }
  document.addEventListener("input", function (event) {
    if (event.target.closest("#scoring-form")) update();
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.full-marks");
    if (!button) return;
    var input = document.getElementById(button.dataset.full);
    if (input) { input.value = button.dataset.points; update(); }
  });
  document.addEventListener("DOMContentLoaded", update);
})();
