// Small touches on top of pages that work without JavaScript.
(function () {
  "use strict";

  // Times arrive in UTC; show them in the viewer's own time zone, chart labels too.
  function localTimes(root) {
    root.querySelectorAll("time[datetime]:not([data-zone])").forEach(function (el) {  // data-zone: already local
      var when = new Date(el.getAttribute("datetime"));
      if (!isNaN(when)) { el.textContent = when.toLocaleString(); el.title = el.getAttribute("datetime"); }
    });
    root.querySelectorAll("svg text[data-time]").forEach(function (el) {
      var when = new Date(el.getAttribute("data-time"));
      if (isNaN(when)) { return; }
      el.textContent = el.getAttribute("data-format") === "time"
        ? when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
        : when.toLocaleDateString([], { day: "numeric", month: "short" });
    });
  }

  // One press is enough: the button says what is happening, cannot be pressed twice, and its bar
  // fills over the camera's usual time (the page is told it), so a slow camera does not look broken.
  function pressed(form) {
    var button = form.querySelector("button");
    var bar = form.querySelector("progress");
    var note = form.querySelector(".progress-note");
    var usual = parseFloat(form.getAttribute("data-usual-seconds")) || 0;
    var started = Date.now();
    button.disabled = true;
    button.setAttribute("data-label", button.textContent);
    button.textContent = "Taking a photo…";
    form.classList.add("busy");
    if (!bar) { return; }
    bar.hidden = false;
    if (!usual) { bar.removeAttribute("value"); return; }
    bar.value = 0;
    form.ticker = setInterval(function () {
      var elapsed = (Date.now() - started) / 1000;
      if (elapsed < usual) {
        bar.value = Math.min(99, 100 * elapsed / usual);
      } else if (elapsed > usual * 1.5 + 1 && bar.hasAttribute("value")) {
        bar.removeAttribute("value");
        note.textContent = "The camera is slower than usual; still waiting for it.";
      }
    }, 100);
  }

  function ready(form) {
    var button = form.querySelector("button");
    var bar = form.querySelector("progress");
    clearInterval(form.ticker);
    button.disabled = false;
    if (button.hasAttribute("data-label")) { button.textContent = button.getAttribute("data-label"); }
    form.classList.remove("busy");
    if (bar) { bar.hidden = true; }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form.snapshot")) { return; }
    if (form.classList.contains("busy")) { event.preventDefault(); return; }
    pressed(form);
  });

  // Coming back with the browser's Back button shows the page as it was left: make the button usable again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { document.querySelectorAll("form.snapshot").forEach(ready); }
  });

  // Opt-in auto-refresh: fetch the newest page and swap in its content, without reloading the page.
  var refreshTimer = null;
  var refreshDue = false;

  function scheduleRefresh() {
    var main = document.querySelector("main[data-refresh-seconds]");
    clearTimeout(refreshTimer);
    if (!main) { return; }
    refreshTimer = setTimeout(function () {
      refreshDue = true;
      if (!document.hidden) { refresh(main); }
    }, 1000 * parseFloat(main.getAttribute("data-refresh-seconds")));
  }

  function refresh(main) {
    refreshDue = false;
    fetch(main.getAttribute("data-refresh-url"), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (answer) {
        if (new URL(answer.url).pathname === "/login") { window.location.assign(answer.url); return null; }
        if (!answer.ok) { throw new Error("hambot answered " + answer.status); }
        return answer.text().then(function (html) { return { url: answer.url, html: html }; });
      })
      .then(function (page) {
        if (!page) { return; }  // signed out meanwhile: the sign-in page is on its way
        var fresh = new DOMParser().parseFromString(page.html, "text/html");
        var content = fresh.querySelector("main");
        if (!content || !content.hasAttribute("data-refresh-seconds")) { throw new Error("no page came back"); }
        document.title = fresh.title;
        main.replaceWith(document.adoptNode(content));
        history.replaceState(null, "", page.url);
        localTimes(content);
        scheduleRefresh();
      })
      .catch(function (problem) {
        var state = main.querySelector(".refresh-state");
        if (state) {
          state.textContent = "Could not refresh at " + new Date().toLocaleTimeString() +
            " (" + (problem.message || "no connection") + "); trying again later.";
        }
        scheduleRefresh();
      });
  }

  // A phone in a pocket does not need new photos; refresh when the page is looked at again.
  document.addEventListener("visibilitychange", function () {
    var main = document.querySelector("main[data-refresh-seconds]");
    if (!document.hidden && refreshDue && main) { refresh(main); }
  });

  localTimes(document);
  scheduleRefresh();
})();
