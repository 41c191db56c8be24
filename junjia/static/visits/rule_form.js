// The rule form's 时间 section: only the fields the chosen timing uses are shown (a fixed or
// lunar date: month and day; an anniversary or an event: the date it counts from; ...).
// Hidden fields are disabled, so a value typed before switching is not sent. Without this
// script every field is shown and the server checks the combination.
(function () {
  "use strict";
  function apply(section, timing) {
    section.querySelectorAll("[data-timings]").forEach(function (box) {
      var wanted = box.dataset.timings.split(" ").indexOf(timing) !== -1;
      box.hidden = !wanted;
      box.querySelectorAll("input, select, textarea").forEach(function (el) {
        el.disabled = !wanted;
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var section = document.getElementById("rule-timing");
    var choice = section && section.querySelector("[name=timing]");
    if (!choice) return;
    apply(section, choice.value);
    choice.addEventListener("change", function () { apply(section, choice.value); });
  });
})();
