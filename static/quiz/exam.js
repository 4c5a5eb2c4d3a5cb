// iamlab exam timer: counts down to the deadline the server stored, and submits the exam at zero.
// The deadline comes from data-deadline (ISO 8601); data-now is the server's clock when the page
// was made, so a learner's wrong computer clock does not change how much time is left.
(function () {
  "use strict";

  var timer = document.querySelector("[data-quiz-timer]");
  if (!timer) return;
  var deadline = Date.parse(timer.getAttribute("data-deadline"));
  var serverNow = Date.parse(timer.getAttribute("data-now"));
  if (isNaN(deadline)) return;
  var skew = isNaN(serverNow) ? 0 : serverNow - Date.now();
  var text = timer.querySelector("[data-quiz-timer-text]");
  var form = document.getElementById(timer.getAttribute("data-submit-form"));
  var submitted = false;

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function format(ms) {
    var total = Math.max(0, Math.floor(ms / 1000));
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    return (h > 0 ? h + ":" + pad(m) : String(m)) + ":" + pad(s);
  }

  function tick() {
    var left = deadline - (Date.now() + skew);
    if (text) text.textContent = format(left);
    timer.classList.toggle("is-low", left <= 5 * 60 * 1000);
    if (left <= 0 && !submitted) {
      submitted = true;
      window.clearInterval(handle);
      // form.submit() skips the confirm dialogue: time is up, there is nothing to ask.
      if (form) form.submit();
      else window.location.reload();
    }
  }

  var handle = window.setInterval(tick, 1000);
  tick();
})();
