// CLI pane: keep the input ready, scroll to the newest output, recall earlier lines with Up/Down.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("cli-form");
    var input = document.getElementById("cli-line");
    var terminal = document.getElementById("terminal");
    if (!form || !input || !terminal) { return; }
    var position = -1;
    function lines() {
      return Array.prototype.map.call(terminal.querySelectorAll("[data-line]"), function (el) {
        return el.dataset.line;
      }).filter(function (l) { return l; });
    }
    terminal.scrollTop = terminal.scrollHeight;
    document.body.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.elt !== form) { return; }
      input.value = "";
      position = -1;
      input.focus();
      terminal.scrollTop = terminal.scrollHeight;
    });
    input.addEventListener("keydown", function (event) {
      var all = lines();
      if (event.key === "ArrowUp" && all.length) {
        position = position < 0 ? all.length - 1 : Math.max(0, position - 1);
        input.value = all[position];
        event.preventDefault();
      } else if (event.key === "ArrowDown" && position >= 0) {
        position += 1;
        input.value = position < all.length ? all[position] : "";
        if (position >= all.length) { position = -1; }
        event.preventDefault();
      }
    });
  });
})();
