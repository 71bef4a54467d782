// The contact form keeps what was typed in this browser tab (sessionStorage) until it is
// saved, so an expired session or a lost connection loses nothing: after logging in again
// the form comes back filled in. It also shows only the part for the chosen kind of record
// and lets a double tap send the form only once.
(function () {
  "use strict";
  var form = document.querySelector("form[data-draft]");
  if (!form) { return; }
  var key = form.getAttribute("data-draft");
  var skip = ["csrfmiddlewaretoken"];

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && skip.indexOf(el.name) === -1 && el.type !== "submit";
    });
  }

  function save() {
    var data = {};
    fields().forEach(function (el) {
      var id = el.type === "checkbox" || el.type === "radio" ? el.name + "=" + el.value : el.name;
      data[id] = el.type === "checkbox" || el.type === "radio" ? el.checked : el.value;
    });
    try { sessionStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* full or off */ }
  }

  function restore() {
    var raw = null;
    try { raw = sessionStorage.getItem(key); } catch (e) { return; }
    if (!raw) { return; }
    var data = JSON.parse(raw);
    fields().forEach(function (el) {
      var id = el.type === "checkbox" || el.type === "radio" ? el.name + "=" + el.value : el.name;
      if (!(id in data)) { return; }
      if (el.type === "checkbox" || el.type === "radio") { el.checked = data[id]; }
      else { el.value = data[id]; }
    });
  }

  function showMode() {
    var chosen = form.querySelector("input[name=mode]:checked");
    var named = chosen && chosen.value === "named";
    form.querySelectorAll(".mode-group").forEach(function (el) { el.hidden = named; });
    form.querySelectorAll(".mode-named").forEach(function (el) { el.hidden = !named; });
  }

  if (form.hasAttribute("data-saved")) {
    try { sessionStorage.removeItem(key); } catch (e) { /* nothing to clear */ }
  } else if (!form.querySelector(".field-error, .error-summary")) {
    restore();
  } else {
    save();  // the server's answer (with the input) is the newest draft
  }
  showMode();
  form.addEventListener("input", save);
  form.addEventListener("change", function () { save(); showMode(); });
  form.addEventListener("submit", function () {
    save();
    var button = form.querySelector("button[type=submit]");
    window.setTimeout(function () { button.disabled = true; }, 0);
  });
}());
