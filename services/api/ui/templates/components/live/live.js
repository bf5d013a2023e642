// Live refresh: every element with data-live-seconds is replaced, every so many seconds, by the element of the
// same id in a fresh GET of the page (same origin, same credentials). No inline script: the CSP forbids it.
(function () {
  "use strict";

  function refresh(region, stamp, stop) {
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(region.id);
        if (fresh === null) { return; }  // signed out, or the page changed shape: keep what is shown
        region.innerHTML = fresh.innerHTML;
        if (!fresh.hasAttribute("data-live-seconds")) { stop(); }  // e.g. the run has finished: nothing will move
        if (stamp !== null) { stamp.textContent = "updated " + new Date().toLocaleTimeString(); }
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ });
  }

  function start(region) {
    var seconds = Number(region.getAttribute("data-live-seconds")) || 5;
    var toggle = document.getElementById(region.getAttribute("data-live-toggle") || "");
    var stamp = document.getElementById(region.id + "-stamp");
    var timer = window.setInterval(function () {
      if (document.hidden || (toggle !== null && !toggle.checked)) { return; }
      refresh(region, stamp, function () { window.clearInterval(timer); });
    }, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live-seconds]").forEach(start);
  });
})();
