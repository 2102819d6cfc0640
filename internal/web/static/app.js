// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Move focus to the error summary so screen readers announce it.
  var errs = document.querySelector(".errors");
  if (errs) { errs.setAttribute("tabindex", "-1"); errs.focus(); }
})();
