// Shows an import's progress while it runs in the background, and reloads the page when it is done.
// Without JavaScript the page still works: it has a "Refresh" link.
(function () {
  "use strict";
  var section = document.querySelector("[data-progress-url]");
  if (!section) { return; }
  var url = section.getAttribute("data-progress-url");
  var bar = section.querySelector("progress");
  var text = section.querySelector("[data-progress-text]");
  var template = text ? text.textContent.replace(/\d+/, "{}") : "";
  var lastShown = -1;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (!data.running) { window.location.reload(); return; }
        bar.value = data.percent;
        bar.textContent = data.percent + " %";
        // Announce in steps of 10 % so screen readers are not flooded.
        if (text && Math.floor(data.percent / 10) !== Math.floor(lastShown / 10)) {
          text.textContent = template.replace("{}", data.percent);
        }
        lastShown = data.percent;
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
