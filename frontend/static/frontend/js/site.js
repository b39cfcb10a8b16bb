// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";

  function moveFocusTo(el) {
    if (!el.hasAttribute("tabindex") && !el.matches("a[href], button, input, select, textarea")) {
      el.setAttribute("tabindex", "-1");
    }
    el.focus({ preventScroll: false });
  }

  // An error summary (or anything marked data-autofocus) takes focus once, when it first appears: on load
  // after a failed form submission, or after htmx swaps it in. The attribute is dropped once used, so a later
  // swap elsewhere on the page does not pull focus back to it.
  function focusAutofocus() {
    var el = document.querySelector("[data-autofocus]");
    if (!el) { return false; }
    el.removeAttribute("data-autofocus");
    moveFocusTo(el);
    return true;
  }

  function lostFocus() {
    var active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusAutofocus);
  } else {
    focusAutofocus();
  }

  // After htmx swaps a region, move focus to the result, so keyboard and screen-reader users follow the change:
  // 1. an error summary or [data-autofocus] that came in with the swap;
  // 2. when focus was on what the swap replaced (it would fall to <body>): the swapped region, or the region
  //    around it, marked data-focus-after-swap; else the page's [data-focus-fallback] (the catalog's result
  //    count). htmx itself first puts focus back on an element with the same id as the one that had it.
  // A swap the user did not ask for (polling, "revealed") leaves focus where it is.
  var focusRegion = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    focusRegion = target ? target.closest("[data-focus-after-swap]") : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var region = focusRegion;
    focusRegion = null;
    if (focusAutofocus()) { return; }
    if (!lostFocus()) { return; }
    if (region && !region.isConnected && region.id) { region = document.getElementById(region.id); }
    if (region && region.isConnected) {
      moveFocusTo(region);
      return;
    }
    var fallback = document.querySelector("[data-focus-fallback]");
    if (fallback) { moveFocusTo(fallback); }
  });

  // Select filters submit their form on change when JavaScript is available.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) {
      if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
    }
  });
})();
