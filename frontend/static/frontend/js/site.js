// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";
  // After htmx swaps a region, move focus to it so keyboard and screen-reader users follow the change.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.hasAttribute("data-focus-after-swap")) {
      target.setAttribute("tabindex", "-1");
      target.focus({ preventScroll: false });
    }
  });
  // Select filters submit their form on change when JavaScript is available.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) {
      if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
    }
  });
})();
