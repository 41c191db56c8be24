// Case pages: show the doorstep / proxy fields for the chosen channel, fold the walk-in fields
// away once a person from the registry is chosen, and add material rows when publishing an
// item. Every page works without this file (all fields are then shown).
(function () {
  "use strict";

  function syncChannel(root) {
    var form = (root || document).querySelector("[data-open-form]");
    if (!form) { return; }
    var checked = form.querySelector("input[name=channel]:checked");
    var channel = checked ? checked.value : "window";
    form.querySelectorAll("[data-channel]").forEach(function (box) {
      var wanted = box.getAttribute("data-channel").split(" ");
      box.hidden = wanted.indexOf(channel) === -1;
    });
  }

  function syncApplicant(root) {
    var form = (root || document).querySelector("[data-open-form]");
    if (!form) { return; }
    var picked = form.querySelector("input[name=recipient]:checked");
    var onFile = !!(picked && picked.value);
    form.querySelectorAll("[data-walk-in]").forEach(function (el) { el.hidden = onFile; });
  }

  function addMaterialRow(button) {
    var prefix = button.getAttribute("data-add-row");
    var template = document.getElementById(prefix + "-empty");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var list = document.getElementById(prefix + "-rows");
    if (!template || !total || !list) { return; }
    var index = parseInt(total.value, 10) || 0;
    var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__num__/g, String(index + 1));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    list.appendChild(row);
    total.value = String(index + 1);
    var first = row.querySelector("input[type=text]");
    if (first) { first.focus(); }
  }

  document.addEventListener("change", function (event) {
    if (event.target.name === "channel") { syncChannel(document); }
    if (event.target.name === "recipient") { syncApplicant(document); }
  });
  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      event.preventDefault();
      addMaterialRow(add);
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    syncChannel(document);
    syncApplicant(document);
  });
  document.addEventListener("htmx:afterSwap", function () { syncApplicant(document); });
})();
