/* ocopsite: progressive enhancements; every page works without this file.
 * 1. A page outlives its build: re-check each validity date against the reader's
 *    own date, so a rating that has expired since the build says so.
 * 2. On pages reached by scanning a QR code (no language in the URL), switch to
 *    the reader's preferred language once; a language link clicked is remembered.
 * 3. Load the search script and index when the search box is first focused. */
(function () {
  var doc = document.documentElement, data = doc.dataset, KEY = "ocop-lang";
  var now = new Date();
  var today = now.getFullYear() + "-" + ("0" + (now.getMonth() + 1)).slice(-2) + "-" + ("0" + now.getDate()).slice(-2);
  var changed = false;
  document.querySelectorAll("[data-until]").forEach(function (el) {
    var until = el.dataset.until;
    var days = (Date.parse(until) - Date.parse(today)) / 864e5;
    var state = days < 0 ? "expired" : days <= 90 ? "expiring" : "";
    if (!state || el.classList.contains("st-" + state) || el.classList.contains("verdict-" + state)) return;
    changed = true;
    if (el.classList.contains("st")) {
      el.className = "st st-" + state;
      el.textContent = data[state];
    } else {
      el.className = "verdict verdict-" + state;
      el.textContent = el.dataset[state + "Text"];
      el.setAttribute("role", "alert");
    }
  });
  if (changed) document.querySelectorAll(".asof").forEach(function (el) {
    el.textContent += " " + data.rechecked;
  });
  var box = document.querySelector("form.search input[name=q]");
  function loadSearch() {
    if (document.getElementById("ocop-search")) return;
    var script = document.createElement("script");
    script.id = "ocop-search";
    script.src = box.form.dataset.js;
    document.head.appendChild(script);
  }
  if (box) {
    /* notes meant for readers without JavaScript */
    document.querySelectorAll(".nojs").forEach(function (el) { el.hidden = true; });
    if (document.getElementById("search-app")) loadSearch();
    else box.addEventListener("focus", loadSearch, { once: true });
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[hreflang]");
    if (link) try { localStorage.setItem(KEY, link.hreflang); } catch (e) {}
  });
  if (!("autolang" in data)) return;
  var wanted = null;
  try { wanted = localStorage.getItem(KEY); } catch (e) {}
  var alternates = {};
  // the language links of the page, which stay on this host (canonical URLs may not)
  document.querySelectorAll("a[rel=alternate][hreflang]").forEach(function (a) { alternates[a.hreflang] = a.href; });
  if (!wanted) (navigator.languages || [navigator.language]).some(function (tag) {
    var code = String(tag).toLowerCase().split("-")[0];
    if (alternates[code]) { wanted = code; return true; }
  });
  if (wanted && wanted !== doc.lang && alternates[wanted]) location.replace(alternates[wanted]);
})();
