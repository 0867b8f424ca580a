// Passkeys and security keys in the back office: sign in with one, or add one to the account.
// Buttons marked data-passkey stay hidden where the browser cannot use them.
(function () {
  "use strict";
  var WebAuthn = window.PublicKeyCredential;
  if (!WebAuthn || !WebAuthn.parseRequestOptionsFromJSON || !window.fetch) { return; }

  function post(url, token, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: body === undefined ? "{}" : JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.error || ""); }
        return data;
      });
    });
  }

  function say(button, text) {
    var status = document.getElementById(button.getAttribute("data-status"));
    if (status) { status.textContent = text; }
  }

  // The page's own CSRF token, as its forms carry it.
  function csrfToken() {
    var field = document.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }

  function signIn(button) {
    var token = csrfToken();
    return post(button.getAttribute("data-options"), token).then(function (options) {
      return navigator.credentials.get({ publicKey: WebAuthn.parseRequestOptionsFromJSON(options) });
    }).then(function (credential) {
      return post(button.getAttribute("data-passkey-sign-in"), token, credential.toJSON());
    });
  }

  function register(button) {
    var token = csrfToken();
    var name = document.getElementById(button.getAttribute("data-name"));
    return post(button.getAttribute("data-options"), token).then(function (options) {
      return navigator.credentials.create({ publicKey: WebAuthn.parseCreationOptionsFromJSON(options) });
    }).then(function (credential) {
      return post(button.getAttribute("data-passkey-register"), token,
        { name: name ? name.value : "", credential: credential.toJSON() });
    });
  }

  document.querySelectorAll("[data-passkey]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function (event) {
      event.preventDefault();
      button.disabled = true;
      say(button, "");
      var ceremony = button.hasAttribute("data-passkey-register") ? register : signIn;
      ceremony(button).then(function (data) {
        window.location.assign(data.redirect);
      }).catch(function (error) {
        button.disabled = false;
        say(button, error.message || button.getAttribute("data-failed"));
      });
    });
  });
}());
