// Policy simulator: action-name completion from the AWS catalog and condition-key shortcuts.
(function () {
  "use strict";

  function setup(root) {
    var picker = root.querySelector("[data-action-picker]");
    var target = root.querySelector("[data-action-target]");
    if (picker && target && !picker.dataset.ready) {
      picker.dataset.ready = "1";
      var list = document.getElementById(picker.getAttribute("list"));
      var timer = null;
      picker.addEventListener("input", function () {
        var q = picker.value.trim();
        if (list && q.length >= 2) {
          clearTimeout(timer);
          timer = setTimeout(function () {
            fetch(picker.dataset.suggestUrl + "?q=" + encodeURIComponent(q), {credentials: "same-origin"})
              .then(function (r) { return r.json(); })
              .then(function (data) {
                list.replaceChildren();
                (data.actions || []).forEach(function (name) {
                  var option = document.createElement("option");
                  option.value = name;
                  list.appendChild(option);
                });
              })
              .catch(function () {});
          }, 150);
        }
      });
      function add() {
        var value = picker.value.trim();
        if (!/^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/.test(value)) { return; }
        var lines = target.value.split("\n").map(function (l) { return l.trim(); }).filter(Boolean);
        if (lines.indexOf(value) === -1) { lines.push(value); }
        target.value = lines.join("\n");
        picker.value = "";
      }
      picker.addEventListener("change", add);
      picker.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); add(); }
      });
    }
    root.querySelectorAll("[data-add-key]").forEach(function (button) {
      if (button.dataset.ready) { return; }
      button.dataset.ready = "1";
      button.addEventListener("click", function () {
        var context = document.querySelector("[data-context-target]");
        if (!context) { return; }
        var line = button.dataset.addKey + "=";
        context.value = (context.value.replace(/\s+$/, "") + "\n" + line).replace(/^\n/, "");
        context.focus();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  document.addEventListener("htmx:afterSwap", function (event) { setup(event.target); });
})();
