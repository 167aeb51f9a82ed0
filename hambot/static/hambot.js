// Small touches on top of pages that work without JavaScript.
(function () {
  "use strict";
  // Times arrive in UTC; show them in the viewer's own time zone.
  document.querySelectorAll("time[datetime]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    if (!isNaN(when)) { el.textContent = when.toLocaleString(); el.title = el.getAttribute("datetime"); }
  });
  // Chart axis labels too.
  document.querySelectorAll("svg text[data-time]").forEach(function (el) {
    var when = new Date(el.getAttribute("data-time"));
    if (isNaN(when)) { return; }
    el.textContent = el.getAttribute("data-format") === "time"
      ? when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
      : when.toLocaleDateString([], { day: "numeric", month: "short" });
  });
  // One press is enough: the button says what is happening and cannot be pressed twice.
  document.querySelectorAll("form.snapshot").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var button = form.querySelector("button");
      if (button.disabled) { event.preventDefault(); return; }
      button.disabled = true;
      button.textContent = "Taking a photo…";
    });
  });
})();
