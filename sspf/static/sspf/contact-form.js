// The contact form keeps what was typed in this browser tab (sessionStorage) until it is
// saved, so an expired session or a lost connection loses nothing: after logging in again
// the form comes back filled in, marked as a restored draft with a button to discard it.
// The draft carries the form's one-time token, so it is restored only as the same form: sent
// after it was already saved, the server shows the contact it recorded instead of a second
// one. A saved form (or a discarded draft) is deleted from the browser. The script also shows
// only the part for the chosen kind of record and lets a double tap send the form only once.
(function () {
  "use strict";
  var cleared = document.querySelector("[data-draft-clear]");
  if (cleared) {
    try { sessionStorage.removeItem(cleared.getAttribute("data-draft-clear")); } catch (e) { /* off */ }
  }
  var form = document.querySelector("form[data-draft]");
  if (!form) { return; }
  var key = form.getAttribute("data-draft");
  var skip = ["csrfmiddlewaretoken"];
  var notice = document.querySelector(".draft-notice");

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && skip.indexOf(el.name) === -1 && el.type !== "submit" && el.type !== "button";
    });
  }

  function idOf(el) {
    return el.type === "checkbox" || el.type === "radio" ? el.name + "=" + el.value : el.name;
  }

  function save() {
    var data = {};
    fields().forEach(function (el) {
      data[idOf(el)] = el.type === "checkbox" || el.type === "radio" ? el.checked : el.value;
    });
    try { sessionStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* full or off */ }
  }

  function forget() {
    try { sessionStorage.removeItem(key); } catch (e) { /* nothing to clear */ }
  }

  function restore() {
    var raw = null;
    try { raw = sessionStorage.getItem(key); } catch (e) { return false; }
    if (!raw) { return false; }
    var data;
    try { data = JSON.parse(raw); } catch (e) { forget(); return false; }
    fields().forEach(function (el) {
      var id = idOf(el);
      if (!(id in data)) { return; }
      if (el.type === "checkbox" || el.type === "radio") { el.checked = data[id]; }
      else { el.value = data[id]; }
    });
    return true;
  }

  function showMode() {
    var chosen = form.querySelector("input[name=mode]:checked");
    var named = chosen && chosen.value === "named";
    form.querySelectorAll(".mode-group").forEach(function (el) { el.hidden = named; });
    form.querySelectorAll(".mode-named").forEach(function (el) { el.hidden = !named; });
  }

  if (form.hasAttribute("data-saved")) {
    forget();
  } else if (form.querySelector(".field-error, .error-summary")) {
    save();  // the server's answer (with the input) is the newest draft of this form
  } else if (restore() && notice) {
    notice.hidden = false;
    notice.querySelector("button").addEventListener("click", function () {
      forget();
      window.location.replace(window.location.pathname);  // a new, empty form
    });
  }
  showMode();
  form.addEventListener("input", save);
  form.addEventListener("change", function () { save(); showMode(); });
  form.addEventListener("submit", function () {
    save();
    var button = form.querySelector("button[type=submit]");
    window.setTimeout(function () { button.disabled = true; }, 0);
  });
  // Back to this page from the browser's cache: the button may be pressed again (the server
  // then shows what the form already recorded).
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { form.querySelector("button[type=submit]").disabled = false; }
  });
}());
