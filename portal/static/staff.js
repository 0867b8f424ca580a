// The back office's own script: focus on a form's errors, and a warning before the session ends.
// Every page works without it.
(function () {
  "use strict";

  // GOV.UK's error summary pattern: the summary takes focus, so it is in view and read first.
  function focusErrors() {
    var summary = document.querySelector("[data-focus]");
    if (summary) { summary.focus(); }
  }

  function parisTime(date) {
    try {
      return new Intl.DateTimeFormat("fr-FR", {hour: "2-digit", minute: "2-digit",
        timeZone: "Europe/Paris"}).format(date);
    } catch (e) { return ""; }
  }

  // A timed warning before the idle limit; "Stay signed in" then asks the server in the
  // background, so that what she is typing on this page stays where it is.
  function watchSession() {
    var form = document.querySelector("form[data-keep-session]");
    if (!form || !window.fetch || !window.URLSearchParams) { return; }
    var idle = parseInt(form.getAttribute("data-idle-seconds"), 10) * 1000;
    var warn = parseInt(form.getAttribute("data-warning-seconds"), 10) * 1000;
    var words = form.querySelector(".session-words");
    var endsAt = Date.now() + idle;
    var timer = null;

    function say(kind) {
      var text = form.getAttribute(kind === "warning" ? "data-warning-text" : "data-calm-text");
      words.textContent = text.replace("{time}", parisTime(new Date(endsAt)));
      words.setAttribute("role", kind === "warning" ? "alert" : "status");
      form.classList.toggle("ending", kind === "warning");
    }
    function restart() {
      endsAt = Date.now() + idle;
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(function () { say("warning"); }, Math.max(idle - warn, 0));
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = new URLSearchParams(new FormData(form));
      body.append("background", "1");
      window.fetch(form.action, {method: "POST", body: body, credentials: "same-origin"})
        .then(function (response) {
          if (response.status !== 204) { throw new Error("not kept"); }
          restart();
          say("calm");
        }).catch(function () { HTMLFormElement.prototype.submit.call(form); });
    });
    restart();
  }

  function start() {
    focusErrors();
    watchSession();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
