// Public pages: print buttons, confirm prompts, one-submit buttons, a searchable station list,
// the 大字 / 高对比度 switches without reloading the page (what was typed stays).
// Every page works without this file; it only makes them easier to use.
(function () {
  "use strict";

  // The same cookie the server reads (portal.views.display), so the next page is drawn in
  // the chosen display from its first paint.
  var DISPLAY_OPTIONS = ["contrast", "large"];
  function saveDisplay() {
    var root = document.documentElement;
    var chosen = DISPLAY_OPTIONS.filter(function (o) { return root.classList.contains("p-" + o); });
    var cookie = chosen.length
      ? "junjia_display=" + chosen.join(".") + "; max-age=31536000"
      : "junjia_display=; max-age=0";
    document.cookie = cookie + "; path=/; samesite=lax" + (location.protocol === "https:" ? "; secure" : "");
  }

  document.addEventListener("click", function (event) {
    var displayEl = event.target.closest("[data-display]");
    if (displayEl) {
      event.preventDefault();
      var option = displayEl.getAttribute("data-display");
      var on = document.documentElement.classList.toggle("p-" + option);
      saveDisplay();
      displayEl.textContent = displayEl.getAttribute(on ? "data-label-on" : "data-label-off");
      displayEl.href = displayEl.href.replace(
        new RegExp("([?&]" + option + "=)[01]"), "$1" + (on ? "0" : "1")
      );
      return;
    }
    var printEl = event.target.closest("[data-print]");
    if (printEl) {
      event.preventDefault();
      window.print();
      return;
    }
    var confirmEl = event.target.closest("[data-confirm]");
    if (confirmEl && !window.confirm(confirmEl.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  // A second tap on "提交" while the first is on its way would book twice.
  document.addEventListener("submit", function (event) {
    var button = event.target.querySelector("[data-once]");
    if (button) {
      window.setTimeout(function () { button.disabled = true; button.textContent = "正在提交…"; }, 0);
    }
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("[data-once][disabled]").forEach(function (button) {
      button.disabled = false;
    });
  });

  // The station search box narrows the list of stations as the person types.
  function wireFilter(input) {
    var list = document.getElementById(input.getAttribute("data-filter-for"));
    if (!list) { return; }
    var empty = list.parentElement.querySelector("[data-filter-empty]");
    input.addEventListener("input", function () {
      var words = input.value.trim();
      var shown = [];
      list.querySelectorAll("[data-filter-text]").forEach(function (choice) {
        var match = !words || choice.getAttribute("data-filter-text").indexOf(words) !== -1;
        var radio = choice.querySelector("input[type=radio]");
        choice.hidden = !match;
        if (match) { shown.push(radio); } else if (radio) { radio.checked = false; }
      });
      // One station left: choose it, so "下一步" is one tap away.
      if (shown.length === 1 && shown[0]) { shown[0].checked = true; }
      if (empty) { empty.hidden = shown.length !== 0; }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-filter-for]").forEach(wireFilter);
    // After a failed submit, bring the first problem into view.
    var summary = document.querySelector("[data-error-summary], .p-alert");
    if (summary) {
      var first = document.querySelector(".has-error input, .has-error select, .has-error textarea");
      summary.scrollIntoView({ block: "start" });
      if (first && first.type !== "radio") { first.focus({ preventScroll: true }); }
    }
  });
})();
