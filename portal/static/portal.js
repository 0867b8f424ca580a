// Quick exit, and a visit that stays a single history entry. The site works without this file.
(function () {
  "use strict";
  var EXIT = "/exit";
  var shifts = [];

  function leave(event) {
    if (event) { event.preventDefault(); }
    var link = document.querySelector("a[data-exit]");
    var target = link ? link.href : EXIT;
    // Blank first, in this very event handler, then replace this history entry.
    document.documentElement.className += " leaving";
    document.title = "";
    if (document.body) { document.body.innerHTML = ""; }
    window.location.replace(target);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") { leave(event); return; }
    // Only Shift pressed on its own counts: typing capitals must never leave the page.
    if (event.key !== "Shift") { shifts = []; return; }
    if (event.repeat) { return; }
    var now = Date.now();
    shifts = shifts.filter(function (t) { return now - t < 5000; });
    shifts.push(now);
    if (shifts.length >= 3) { leave(event); }
  }, true);

  // A page brought back from the back-forward cache is hidden and left again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { leave(null); }
  });

  function sameSite(url) {
    return url.origin === window.location.origin;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || event.defaultPrevented || event.button !== 0 ||
        event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) { return; }
    if (link.hasAttribute("data-exit")) { leave(event); return; }
    var url = new URL(link.href, window.location.href);
    if (!sameSite(url) || link.target || url.protocol.indexOf("http") !== 0) { return; }
    if (url.pathname === window.location.pathname && url.hash) { return; }
    event.preventDefault();
    window.location.replace(url.href);
  });

  function show(html, url) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    document.title = doc.title;
    document.documentElement.lang = doc.documentElement.lang;
    document.documentElement.dir = doc.documentElement.dir;
    document.body.replaceWith(document.adoptNode(doc.body));
    window.history.replaceState(null, "", url);
    var target = document.querySelector("[data-focus]") || document.querySelector("h1");
    if (target) {
      if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
      target.focus();
    }
    window.scrollTo(0, 0);
  }

  // Forms are sent in the background and their answer shown in place of this page,
  // so sending adds no history entry. On any network failure the form is sent normally.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-replace") || !window.fetch || !window.DOMParser) { return; }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    window.fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      // Kept through the redirect: the answer is shown in place, never from the page cache.
      headers: {"X-Requested-With": "fetch"},
      credentials: "same-origin",
      redirect: "follow"
    }).then(function (response) {
      return response.text().then(function (html) { show(html, response.url); });
    }).catch(function () {
      form.removeAttribute("data-replace");
      HTMLFormElement.prototype.submit.call(form);
    });
  });

  // A proof of work, solved while she types, keeps her request's place in the queue during a
  // flood. Never needed: unsolved, unfinished or without this script, a request is stored as any.
  function solve(form) {
    var subtle = window.crypto && window.crypto.subtle, task;
    try { task = JSON.parse(form.getAttribute("data-proof")); } catch (e) { task = null; }
    form.removeAttribute("data-proof");
    if (!subtle || !window.TextEncoder || !task) { return; }
    var encoder = new TextEncoder();
    function hex(buffer) {
      return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
        return (b + 256).toString(16).slice(1);
      }).join("");
    }
    function found(number) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "proof";
      input.value = window.btoa(JSON.stringify({algorithm: task.algorithm,
        challenge: task.challenge, number: number, salt: task.salt, signature: task.signature}));
      form.appendChild(input);
    }
    function batch(start) {
      var tries = [];
      for (var n = start; n < start + 250 && n <= task.maxNumber; n++) {
        tries.push(subtle.digest("SHA-256", encoder.encode(task.salt + n)));
      }
      if (!tries.length) { return; }
      Promise.all(tries).then(function (hashes) {
        for (var i = 0; i < hashes.length; i++) {
          if (hex(hashes[i]) === task.challenge) { found(start + i); return; }
        }
        batch(start + 250);
      }, function () {});
    }
    batch(0);
  }

  ["focusin", "input"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var form = event.target.closest ? event.target.closest("form[data-proof]") : null;
      if (form) { solve(form); }
    });
  });
}());
