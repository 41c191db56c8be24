// Small behaviours for the staff pages; everything works without it where it can.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-nav-toggle]");
    if (toggle) {
      var nav = document.getElementById("sidenav");
      if (nav) {
        var open = nav.classList.toggle("open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      }
      return;
    }
    var treeToggle = event.target.closest("[data-tree-toggle]");
    if (treeToggle) {
      // First click loads the children (htmx); later clicks fold and unfold them.
      var subtree = treeToggle.parentElement.querySelector(".subtree");
      var open = treeToggle.getAttribute("aria-expanded") === "true";
      if (!open && subtree && !subtree.hasChildNodes() && window.htmx) {
        window.htmx.trigger(treeToggle, "junjia:load");
      }
      if (subtree) { subtree.hidden = open; }
      treeToggle.setAttribute("aria-expanded", open ? "false" : "true");
      treeToggle.textContent = open ? "＋" : "－";
      return;
    }
    var confirmEl = event.target.closest("[data-confirm]");
    if (confirmEl && !window.confirm(confirmEl.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
    var printEl = event.target.closest("[data-print]");
    if (printEl) {
      event.preventDefault();
      window.print();
    }
  }, true);
  // Progress bars carry their value in data-percent: CSP forbids inline styles.
  function paintBars(root) {
    (root || document).querySelectorAll("[data-percent]").forEach(function (bar) {
      bar.style.width = Math.max(0, Math.min(100, parseInt(bar.getAttribute("data-percent"), 10) || 0)) + "%";
    });
  }
  // Signing out drops the pages kept on the phone for visits offline (visits/offline.js),
  // which show people's names; visits recorded but not yet sent stay until their user sends.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-logout]") || !window.caches || form.getAttribute("data-cleared")) { return; }
    event.preventDefault();
    form.setAttribute("data-cleared", "1");
    var done = function () { form.submit(); };
    if (window.indexedDB) { window.indexedDB.deleteDatabase("junjia-visits-forms"); }
    window.caches.delete("junjia-pages").then(done, done);
  });
  document.addEventListener("DOMContentLoaded", function () { paintBars(document); });
  document.addEventListener("htmx:afterSwap", function (e) { paintBars(e.target); });
})();
