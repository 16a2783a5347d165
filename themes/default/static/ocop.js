/* ocopsite: progressive enhancements; every page works without this file.
 * 1. A page outlives its build: re-check every rating, certificate and scan verdict
 *    against the reader's own date (OcopRating mirrors ocopsite/model/ratings.py; both
 *    pass tests/rating_cases.yaml).
 * 2. A language link clicked is remembered (the switch of scanned pages happens
 *    before paint, in a script in their head).
 * 3. Load the search script and index when the search box is first focused.
 * 4. The code box: the digits under a barcode open their GS1 page. */
(function () {
  var R = window.OcopRating = {
    /* The state on day (YYYY-MM-DD) of a history [[code, date(, expires)], ...]:
     * g a grant, s suspended, r reinstated, x revoked. Returns [state, decisive date]. */
    state: function (h, day) {
      var grant = null, cause = null;
      for (var i = 0; i < h.length && h[i][1] <= day; i++) {
        if (h[i][0] == "g") { grant = h[i]; cause = null; }
        else if (h[i][0] == "r") cause = null;
        else cause = h[i];
      }
      if (!grant) return ["pending", ""];
      if (cause) return [cause[0] == "s" ? "suspended" : "revoked", cause[1]];
      return [day > grant[2] ? "expired" : "valid", grant[1]];
    },
    /* The verdict of a scanned page: {h: history, r: recalled on, b: best before}. */
    verdict: function (v, day) {
      if (v.r && v.r <= day) return "recalled";
      if (v.b && day > v.b) return "lot_expired";
      var s = R.state(v.h, day);
      return s[0] == "pending" ? "pending" : s[0] + "@" + s[1];
    },
    today: function () {
      var now = new Date();
      return now.getFullYear() + "-" + ("0" + (now.getMonth() + 1)).slice(-2) + "-" + ("0" + now.getDate()).slice(-2);
    }
  };
  var doc = document.documentElement, data = doc.dataset, KEY = "ocop-lang";
  var today = R.today(), changed = false, labels = {};
  try { labels = JSON.parse(data.st || "{}"); } catch (e) {}
  function mark(el, state) {
    if (el.classList.contains("st-" + state)) return;
    changed = true;
    el.className = "st st-" + state;
    el.textContent = labels[state] || state;
    el.hidden = false;
  }
  document.querySelectorAll(".st[data-h]").forEach(function (el) {
    var state = R.state(JSON.parse(el.dataset.h), today)[0];
    if (state == "valid" && el.hidden) return;
    mark(el, state);
  });
  document.querySelectorAll(".st[data-until]").forEach(function (el) {
    if (el.dataset.until < today) mark(el, "expired");
  });
  document.querySelectorAll(".verdict[data-v]").forEach(function (el) {
    var key = R.verdict(JSON.parse(el.dataset.v), today), texts = JSON.parse(el.dataset.t);
    if (key == el.dataset.k || !texts[key]) return;
    changed = true;
    el.dataset.k = key;
    el.className = "verdict verdict-" + key.split("@")[0];
    el.textContent = texts[key];
    if (key.indexOf("valid@") == 0) el.removeAttribute("role");
    else el.setAttribute("role", "alert");
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
  /* 12 to 14 digits (spaces aside, as printed under a barcode; 8 are as often a lot's
     date) are a barcode's: they open the GTIN's page, whose 404 page says when the
     catalogue does not list it, or a wrong last digit is said at once, with a link to
     look the number up as a lot code. Anything else is looked up by the search page. */
  var codebox = document.querySelector("form.codebox");
  if (codebox) codebox.addEventListener("submit", function (event) {
    var typed = codebox.q.value, digits = typed.replace(/\s/g, ""), n = digits.length, sum = 0;
    if (!/^\d{12,14}$/.test(digits)) return;
    for (var i = 1; i < n; i++) sum += digits[n - 1 - i] * (i % 2 ? 3 : 1);
    event.preventDefault();
    if ((10 - sum % 10) % 10 == digits[n - 1]) {
      location.href = codebox.dataset.gtin.replace(/0{14}/, ("00" + digits).slice(-14));
      return;
    }
    var wrong = codebox.querySelector(".wrong");
    wrong.querySelector("a").href = codebox.action + "?" + new URLSearchParams({ q: typed });
    wrong.hidden = false;
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[hreflang]");
    if (link) try { localStorage.setItem(KEY, link.hreflang); } catch (e) {}
  });
})();
