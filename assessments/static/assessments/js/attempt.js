// Quiz attempt enhancements; the attempt works without this file (the plain form saves and submits, and the
// server enforces the deadline).
(function () {
  "use strict";

  var TYPING_DELAY_MS = 800;
  var RETRY_FIRST_MS = 2000;
  var RETRY_MOST_MS = 30000;

  function form() {
    return document.querySelector("form.quiz-form");
  }

  function questionOf(element) {
    return element && element.closest ? element.closest("fieldset[data-autosave]") : null;
  }

  function statusOf(question) {
    return document.getElementById("status-" + question.getAttribute("data-key"));
  }

  // Which questions hold changes the server has not confirmed: a counter per question, bumped on every edit.
  var edits = new WeakMap();
  var sent = new WeakMap();
  var retries = new WeakMap();
  var submitting = false;

  function edited(question) {
    edits.set(question, (edits.get(question) || 0) + 1);
  }

  function unsaved(question) {
    return (edits.get(question) || 0) !== (sent.get(question) || 0);
  }

  // Typed answers are saved as the learner types, a moment after the last keystroke.
  var timers = new WeakMap();
  document.addEventListener("input", function (event) {
    var question = questionOf(event.target);
    if (!question) {
      return;
    }
    edited(question);
    if (event.target.matches("input[type=text], textarea")) {
      window.clearTimeout(timers.get(question));
      timers.set(question, window.setTimeout(function () {
        window.htmx.trigger(question, "autosave");
      }, TYPING_DELAY_MS));
    }
  });
  document.addEventListener("change", function (event) {
    var question = questionOf(event.target);
    if (question) {
      edited(question);
      window.clearTimeout(timers.get(question));
    }
  }, true);

  document.addEventListener("htmx:beforeRequest", function (event) {
    var question = questionOf(event.detail.elt);
    if (question) {
      event.detail.requestConfig.edits = edits.get(question) || 0;
    }
  });

  // Never let an answer of the quiz replace the page (django-htmx's debug helper swaps error bodies into the
  // whole document): stop the event below the document, where that helper listens.
  function guard(event) {
    event.stopPropagation();
  }

  function notSaved(question) {
    var status = statusOf(question);
    if (status) {
      status.innerHTML = "";
      var line = document.createElement("span");
      line.className = "save-error";
      line.textContent = form().getAttribute("data-not-saved");
      status.appendChild(line);
    }
    var wait = Math.min(RETRY_MOST_MS, retries.get(question) || RETRY_FIRST_MS);
    retries.set(question, wait * 2);
    window.setTimeout(function () {
      if (!submitting) {
        window.htmx.trigger(question, "autosave");
      }
    }, wait);
  }

  function settled(event) {
    var question = questionOf(event.detail.elt);
    if (!question) {
      return;
    }
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status >= 200 && status < 300) {
      sent.set(question, Math.max(sent.get(question) || 0, event.detail.requestConfig.edits || 0));
      retries.delete(question);
    } else if (status === 400 || status === 409) {
      // The server refused this answer with a message, shown in the status line: sending it again won't help.
      sent.set(question, edits.get(question) || 0);
    } else {
      notSaved(question);
    }
  }

  function install(quiz) {
    quiz.addEventListener("htmx:beforeOnLoad", guard);
    quiz.addEventListener("htmx:responseError", guard);
    quiz.addEventListener("htmx:afterRequest", settled);
    quiz.addEventListener("htmx:sendError", guard);
    // Refusals of an autosave or a check (400, 409) carry their message: show it where the request aims.
    quiz.addEventListener("htmx:beforeSwap", function (event) {
      var status = event.detail.xhr.status;
      if (status === 400 || status === 409) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      } else if (status >= 300 || status === 0) {
        event.detail.shouldSwap = false;
      }
    });
    quiz.addEventListener("submit", function () {
      submitting = true; // the form carries every answer
    });
    // Answers typed in the last moment before leaving: sent with the page's CSRF token as the page unloads.
    window.addEventListener("pagehide", function () {
      if (submitting) {
        return;
      }
      var token = quiz.querySelector("input[name=csrfmiddlewaretoken]");
      quiz.querySelectorAll("fieldset[data-autosave]").forEach(function (question) {
        if (!unsaved(question)) {
          return;
        }
        var data = new FormData();
        data.append("csrfmiddlewaretoken", token ? token.value : "");
        data.append("key", question.getAttribute("data-key"));
        question.querySelectorAll("input, select, textarea").forEach(function (field) {
          if (!field.name || ((field.type === "radio" || field.type === "checkbox") && !field.checked)) {
            return;
          }
          data.append(field.name, field.value);
        });
        navigator.sendBeacon(question.getAttribute("hx-post"), data);
        sent.set(question, edits.get(question) || 0);
      });
    });
  }

  // Count down to the server's deadline; the server closes the attempt whatever this shows. The countdown is
  // silent for screen readers; the warning region announces five minutes and one minute left, once each.
  function tick(el, warning) {
    var left = Math.max(0, Math.round(Number(el.getAttribute("data-deadline")) - Date.now() / 1000));
    var minutes = Math.floor(left / 60);
    var seconds = left % 60;
    el.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    var mark = left <= 60 ? 60 : left <= 300 ? 300 : 0;
    if (warning && mark && warning.getAttribute("data-shown") !== String(mark)) {
      warning.setAttribute("data-shown", String(mark));
      warning.textContent = warning.getAttribute("data-warn-" + mark);
    }
    if (left === 0) {
      window.location.reload();
      return;
    }
    window.setTimeout(function () { tick(el, warning); }, 1000);
  }

  // "Read the time left": the timer stays silent, and says the time once, on demand, through the quiz's polite
  // announcer (the text is replaced inside the region, which stays in the page).
  function readTimeOnDemand(countdown) {
    var button = document.querySelector(".quiz-timer-read");
    var announcer = document.getElementById("quiz-announcer");
    if (!button || !announcer) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = button.getAttribute("data-says").replace("%(time)s", countdown.textContent.trim());
      // Empty first, so saying the same time twice is still a change the screen reader announces.
      announcer.textContent = "";
      window.setTimeout(function () { announcer.textContent = text; }, 50);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var quiz = form();
    if (quiz) {
      install(quiz);
    }
    var warning = document.getElementById("timer-warning");
    document.querySelectorAll(".quiz-countdown[data-deadline]").forEach(function (el) {
      tick(el, warning);
      readTimeOnDemand(el);
    });
  });
})();
