// Registry pages: profile tabs. Without JavaScript every section shows, one under another,
// and the tab strip works as a list of anchors.
(function () {
  "use strict";
  function setupTabs(strip) {
    var tabs = Array.prototype.slice.call(strip.querySelectorAll("[data-tab]"));
    if (!tabs.length) { return; }
    var host = strip.parentElement;
    host.classList.add("js-tabs");
    function show(id, focus) {
      tabs.forEach(function (tab) {
        var on = tab.getAttribute("data-tab") === id;
        tab.classList.toggle("active", on);
        tab.setAttribute("aria-selected", on ? "true" : "false");
        var panel = document.getElementById(tab.getAttribute("data-tab"));
        if (panel) { panel.classList.toggle("active", on); }
        if (on && focus) { tab.focus(); }
      });
    }
    var wanted = (window.location.hash || "").slice(1);
    var initial = tabs.some(function (t) { return t.getAttribute("data-tab") === wanted; })
      ? wanted : tabs[0].getAttribute("data-tab");
    show(initial, false);
    if (wanted === initial) { host.scrollIntoView({ block: "start" }); }
    strip.addEventListener("click", function (event) {
      var tab = event.target.closest("[data-tab]");
      if (!tab) { return; }
      event.preventDefault();
      var id = tab.getAttribute("data-tab");
      show(id, false);
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", "#" + id);
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-tabs]").forEach(setupTabs);
  });
})();
