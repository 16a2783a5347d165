/* ocopsite: the "Save for offline" page. Lists the packs of the page's language with
 * their size, and asks the service worker (sw.js) to save the one chosen. */
(function () {
  /* shown without a signal in place of a page that was not saved (see sw.js) */
  var note = document.getElementById("not-saved");
  if (note && location.pathname !== note.dataset.own) note.hidden = false;
  var app = document.getElementById("offline-app");
  if (!app || !("serviceWorker" in navigator) || !window.caches) return;
  var d = app.dataset, list = app.querySelector(".packs"), status = app.querySelector("[role=status]");
  /* in the page's language: "0,7 MB" on Vietnamese pages, as the data page writes sizes */
  function size(bytes) {
    var mb = (bytes / 1048576).toLocaleString(document.documentElement.lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    return d.mb.replace("{n}", mb);
  }
  function say(text) { status.textContent = text; }
  navigator.serviceWorker.addEventListener("message", function (e) {
    var m = e.data || {};
    if (m.progress) say(d.saving.replace("{n}", m.progress).replace("{of}", m.of));
    if (m.saved) { say(d.saved); app.dataset.done = m.saved; }
    if (m.failed) say(d.failed);
  });
  function save(pack) {
    say(d.saving.replace("{n}", 0).replace("{of}", pack.files));
    navigator.serviceWorker.register(d.script, { scope: d.scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) { reg.active.postMessage({ save: pack.list }); }).catch(function () { say(d.failed); });
  }
  fetch(d.index, { cache: "no-cache" }).then(function (r) { return r.json(); }).then(function (index) {
    (index[d.lang] || []).forEach(function (pack) {
      var li = document.createElement("li"), button = document.createElement("button");
      button.type = "button";
      button.className = "button";
      button.dataset.pack = pack.key;
      button.textContent = (pack.key === "all" ? d.all : pack.name) + " · " + size(pack.bytes);
      button.addEventListener("click", function () { save(pack); });
      li.appendChild(button);
      list.appendChild(li);
    });
    app.hidden = false;
    document.querySelectorAll(".nojs").forEach(function (el) { el.hidden = true; });
  });
})();
