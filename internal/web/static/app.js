// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Move focus to the error summary so screen readers announce it.
  var errs = document.querySelector(".errors");
  if (errs) { errs.setAttribute("tabindex", "-1"); errs.focus(); }
})();

// A long import's progress page: poll its progress and show the report when
// it is done (without this the page has a refresh link). The status line is
// announced at most every tenth of the work, not on every poll.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box || !window.fetch) { return; }
  var bar = document.getElementById("import-bar");
  var count = document.getElementById("import-count");
  var lastTenth = -1;
  function poll() {
    fetch(box.getAttribute("data-poll"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (!p) { return; }
        if (p.finished) { window.location.reload(); return; }
        if (p.total > 0) { bar.value = p.percent; }
        var tenth = Math.floor(p.percent / 10);
        if (tenth !== lastTenth) { count.textContent = p.text; lastTenth = tenth; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
