// Quiz attempt enhancements; the attempt works without this file (the server enforces the deadline).
(function () {
  "use strict";
  // Show refusals of an autosave (400, 409) in the question's status line instead of dropping them.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // Count down to the server's deadline; the server closes the attempt whatever this shows.
  function tick(el) {
    var left = Math.max(0, Math.round(Number(el.getAttribute("data-deadline")) - Date.now() / 1000));
    var minutes = Math.floor(left / 60);
    var seconds = left % 60;
    el.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    if (left === 0) {
      window.location.reload();
      return;
    }
    window.setTimeout(function () { tick(el); }, 1000);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".quiz-countdown[data-deadline]").forEach(tick);
  });
})();
