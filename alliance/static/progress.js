// Keeps a progress page current without a meta refresh: every two seconds it fetches the page again and
// swaps in the new [data-progress] region (a live region, so screen readers hear the change), and stops
// once the region says it is done. Without JavaScript the page offers a "Check again" link instead.
(function () {
  "use strict";
  var region = document.querySelector("[data-progress]");
  if (!region || region.dataset.done === "true") { return; }
  var manual = document.querySelector("[data-progress-manual]");
  if (manual) { manual.hidden = true; }
  function poll() {
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Requested-With": "progress" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-progress]");
        if (!fresh) { return; }
        region.innerHTML = fresh.innerHTML;
        region.dataset.done = fresh.dataset.done;
        if (fresh.dataset.done === "true") {
          var heading = new DOMParser().parseFromString(html, "text/html").querySelector("h1");
          if (heading) { document.querySelector("h1").textContent = heading.textContent; document.title = heading.textContent + " · alliance"; }
          if (manual) { manual.remove(); }
        } else {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () { if (manual) { manual.hidden = false; } });
  }
  window.setTimeout(poll, 2000);
})();
