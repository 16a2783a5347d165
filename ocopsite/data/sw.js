/* ocopsite offline pack, version __VERSION__ (changes whenever a pack changes).
 * Pages: the network first, the saved copy when there is no signal. Other files:
 * the saved copy first. A page asks to save a pack with postMessage({save: list});
 * a new version re-saves the packs kept, fetching only files whose hash changed. */
var ROOT = "__ROOT__", INDEX = "__INDEX__", FILES = "ocop-files", META = ROOT + "offline/saved";
var OFFLINE = __OFFLINE__; /* each language's offline page, by where its addresses start */
function json(r) { return r ? r.json() : null; }
function meta(c) {
  return c.match(META).then(json).then(function (m) { m = m || { packs: {}, files: {} }; m.alias = m.alias || {}; return m; });
}
function save(list, client) {
  return Promise.all([caches.open(FILES), fetch(list, { cache: "no-cache" }).then(json)]).then(function (a) {
    var c = a[0], entries = a[1], done = 0;
    return meta(c).then(function (m) {
      /* [href, bytes, hash] or [href, 0, "", page]: a page saved as another */
      entries.forEach(function (e) { if (e[3]) m.alias[e[0]] = e[3]; });
      var todo = entries.filter(function (e) { return !e[3] && m.files[e[0]] !== e[2]; });
      function one() {
        var e = todo.shift();
        if (!e) return;
        return fetch(e[0], { cache: "no-cache" }).then(function (r) {
          if (!r.ok) throw new Error(e[0]);
          m.files[e[0]] = e[2];
          return c.put(e[0], r);
        }).then(function () {
          done++;
          if (client) client.postMessage({ progress: done, of: todo.length + done });
          return one();
        });
      }
      return Promise.all([one(), one(), one(), one()]).then(function () {
        m.packs[list.replace(/\.[0-9a-f]+\.json$/, "")] = list;
        return c.put(META, new Response(JSON.stringify(m)));
      });
    });
  });
}
function update() {
  return caches.open(FILES).then(function (c) {
    return meta(c).then(function (m) {
      var kept = Object.keys(m.packs);
      if (!kept.length) return;
      return fetch(INDEX, { cache: "no-cache" }).then(json).then(function (index) {
        var lists = [];
        Object.keys(index).forEach(function (lang) {
          index[lang].forEach(function (p) { if (kept.indexOf(p.list.replace(/\.[0-9a-f]+\.json$/, "")) >= 0) lists.push(p.list); });
        });
        return lists.reduce(function (chain, l) { return chain.then(function () { return save(l); }); }, Promise.resolve());
      });
    });
  });
}
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (e) { e.waitUntil(self.clients.claim().then(update).catch(function () {})); });
self.addEventListener("message", function (e) {
  if (e.data && e.data.save) e.waitUntil(save(e.data.save, e.source).then(
    function () { e.source.postMessage({ saved: e.data.save }); },
    function (err) { e.source.postMessage({ failed: String(err) }); }));
});
function saved(req) {
  var url = new URL(req.url), path = url.pathname;
  var tries = [path];
  if (!/\/$|\.[a-z0-9]+$/i.test(path)) tries.push(path + "/");
  return caches.open(FILES).then(function (c) {
    function next() {
      var p = tries.shift();
      if (!p) return meta(c).then(function (m) {
        var page = m.alias[path] || m.alias[path + "/"];
        return page ? c.match(page) : photo(c, path);
      });
      return c.match(p).then(function (r) { return r || next(); });
    }
    return next();
  });
}
function photo(c, path) {
  /* a photo in another width than the saved one: the saved width will do */
  var m = path.match(/^(.*\/media\/[^/]+-)\d+\.(webp|jpg)$/);
  if (!m) return null;
  return c.keys().then(function (keys) {
    var hit = keys.filter(function (k) { return new URL(k.url).pathname.indexOf(m[1]) === 0; })[0];
    return hit ? c.match(hit) : null;
  });
}
self.addEventListener("fetch", function (e) {
  var req = e.request;
  if (req.method !== "GET" || new URL(req.url).origin !== location.origin) return;
  if (req.mode === "navigate") {
    /* revalidated, never a copy the HTTP cache holds: a fresh verdict when online */
    e.respondWith(fetch(req.url, { cache: "no-cache", credentials: "same-origin" }).then(function (r) {
      return r.redirected ? Response.redirect(r.url, 302) : r;
    }, function () {
      /* a page not saved: a saved offline page, which says so (its language's first) */
      var path = new URL(req.url).pathname, starts = Object.keys(OFFLINE);
      var pages = starts.filter(function (s) { return !path.indexOf(s); }).concat(starts).map(function (s) { return OFFLINE[s]; });
      return saved(req).then(function (r) {
        return r || caches.open(FILES).then(function first(c) {
          var page = pages.shift();
          return page && c.match(page).then(function (hit) { return hit || first(c); });
        });
      }).then(function (r) { return r || Response.error(); });
    }));
  } else {
    e.respondWith(saved(req).then(function (r) { return r || fetch(req); }));
  }
});
