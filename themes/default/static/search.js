/* ocopsite search. Loaded when the search box is first focused (or on the search page).
 * Every query word must match the start of a word of a product; nothing is dropped
 * silently. fold() must equal ocopsite.search.fold in Python (a browser test checks). */
(function () {
  "use strict";
  var MARKS = /\p{Mn}/gu, NON_WORD = /[^0-9a-z]+/, FACETS = ["stars", "category", "province", "certification", "channel"];
  function fold(s) {
    return String(s).normalize("NFD").replace(MARKS, "").toLowerCase().replace(/đ/g, "d").replace(/\s+/g, " ").trim();
  }
  function slugify(s) { return fold(s).split(NON_WORD).filter(Boolean).join("-"); }
  var WEIGHTS = [8, 4, 2, 1], FIELDS = WEIGHTS.length;

  /* A vocabulary: each distinct word, sorted, with the products (and field) it occurs in.
     A query word's prefix is a range of it, found by binary search: no scan of products. */
  function Vocabulary() { this.map = new Map(); }
  Vocabulary.prototype.add = function (word, posting) {
    var list = this.map.get(word);
    if (!list) this.map.set(word, list = []);
    if (list[list.length - 1] !== posting) list.push(posting);
  };
  Vocabulary.prototype.seal = function () {
    this.words = Array.from(this.map.keys()).sort();
    var map = this.map;
    this.postings = this.words.map(function (w) { return map.get(w); });
    delete this.map;
  };
  Vocabulary.prototype.each = function (prefix, visit) {
    var words = this.words, lo = 0, hi = words.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (words[mid] < prefix) lo = mid + 1; else hi = mid; }
    for (var i = lo; i < words.length && words[i].lastIndexOf(prefix, 0) === 0; i++) {
      var list = this.postings[i];
      for (var j = 0; j < list.length; j++) visit(list[j]);
    }
  };

  function foldedWords(text) { return fold(text).split(NON_WORD); }
  function ownWords(text) { return String(text).normalize("NFC").toLowerCase().split(/[^\p{L}\p{N}]+/u); }

  function prepare(engine, ix) {
    var P = ix.products, F = ix.facets, n = P.n.length, cache = new Map();
    var folded = new Vocabulary(), own = new Vocabulary(), products = [], foldedWord = new Map();
    function foldWord(word) {
      /* a catalogue has a few thousand distinct words: fold each once */
      var parts = foldedWord.get(word);
      if (!parts) foldedWord.set(word, parts = foldedWords(word).filter(Boolean));
      return parts;
    }
    function index(text, id, field) {
      /* the words of the same text (a producer, a label) are split once */
      var words = cache.get(text);
      if (!words) cache.set(text, words = ownWords(text).filter(Boolean));
      var posting = id * FIELDS + field;
      for (var w = 0; w < words.length; w++) {
        own.add(words[w], posting);
        var parts = foldWord(words[w]);
        for (var k = 0; k < parts.length; k++) folded.add(parts[k], posting);
      }
    }
    var keys = engine.keys;
    /* days since the build, to re-check each rating on the reader's date */
    var now = new Date(), since = Math.floor((Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()) - Date.parse(ix.asof)) / 864e5);
    function stateNow(i) {
      var state = P.e[i], u = P.u[i] || [];
      for (var c = 0; c < u.length; c += 2) if (since >= u[c]) state = u[c + 1];
      return state;
    }
    for (var i = 0; i < n; i++) {
      var maker = ix.producers[P.m[i]], province = F.province[maker[1]];
      var certs = keys.certification.filter(function (k, b) { return P.x[i] & (1 << b); });
      var product = {
        name: P.n[i], slug: P.s[i] || slugify(P.v[i] || P.n[i]), maker: maker[0], province: province[1],
        stars: P.k[i], state: stateNow(i), photo: P.i[i],
        values: {
          stars: P.k[i] > 0 ? [String(P.k[i])] : [], category: [keys.category[P.c[i]]],
          province: [province[0]], certification: certs,
          channel: P.h[i].map(function (c) { return keys.channel[c]; })
        }
      };
      products.push(product);
      index(P.n[i] + " " + P.v[i], i, 0);
      index(maker[0], i, 1);
      /* the producer's own address (its pre-2025 province) ranks above the mere fact that
         its province took in former provinces, so "bac kan" puts Bắc Kạn's products first */
      index(province[1] + " " + maker[2] + " " + (maker[3] < 0 ? "" : province[2][maker[3]]), i, 2);
      index(F.category[P.c[i]][1], i, 3);
      if (P.g[i]) index(P.g[i], i, 3);
      if (province[2].length) index(province[2].join(" "), i, 3);
      F.certification.forEach(function (c, b) { if (P.x[i] & (1 << b)) index(c[1], i, 3); });
      P.h[i].forEach(function (c) { index(F.channel[c][1], i, 3); });
    }
    folded.seal();
    own.seal();
    var collator = new Intl.Collator(ix.lang);
    products.map(function (p, i) { return i; })
      .sort(function (a, b) { return collator.compare(products[a].name, products[b].name); })
      .forEach(function (id, rank) { products[id].rank = rank; });
    engine.folded = folded;
    engine.own = own;
    return products;
  }

  function OcopSearch(ix, base) {
    this.ix = ix;
    this.base = base;
    this.keys = {};
    var self = this;
    FACETS.slice(1).forEach(function (f) { self.keys[f] = ix.facets[f].map(function (v) { return v[0]; }); });
    this.products = prepare(this, ix);
  }
  /* Scores of all products for one query word: the best field's weight, half again for a
     match with the same diacritics when the word has any; 0 where the word matches nothing. */
  OcopSearch.prototype.word = function (word) {
    var best = new Float32Array(this.products.length), any = false;
    this.folded.each(word.f, function (posting) {
      var id = (posting / FIELDS) | 0, weight = WEIGHTS[posting % FIELDS];
      if (weight > best[id]) best[id] = weight;
      any = true;
    });
    if (word.marked) this.own.each(word.o, function (posting) {
      var id = (posting / FIELDS) | 0, weight = WEIGHTS[posting % FIELDS];
      if (weight * 1.5 > best[id]) best[id] = weight * 1.5;
    });
    return any ? best : null;
  };
  OcopSearch.prototype.run = function (text, filters) {
    var own = ownWords(text).filter(Boolean);
    var query = foldedWords(text).filter(Boolean).map(function (f, n) {
      var o = own[n] || f;
      return { f: f, o: o, marked: o !== f };
    });
    var self = this, products = this.products, scores = null, unmatched = [], hits = [], counts = {};
    query.forEach(function (word) {
      var best = self.word(word);
      if (!best) { unmatched.push(word.o); return; }
      if (!scores) { scores = best; return; }
      for (var i = 0; i < scores.length; i++) scores[i] = scores[i] && best[i] ? scores[i] + best[i] : 0;
    });
    FACETS.forEach(function (f) { counts[f] = {}; });
    var active = FACETS.filter(function (f) { return filters[f]; });
    if (!unmatched.length) for (var i = 0; i < products.length; i++) {
      if (scores && !scores[i]) continue;
      var p = products[i], failed = null, fails = 0;
      for (var a = 0; a < active.length; a++) {
        if (p.values[active[a]].indexOf(filters[active[a]]) < 0) { failed = active[a]; fails++; }
      }
      if (fails > 1) continue;
      /* a facet's counts apply every filter but its own */
      for (var f = 0; f < FACETS.length; f++) {
        if (fails && failed !== FACETS[f]) continue;
        var values = p.values[FACETS[f]], bucket = counts[FACETS[f]];
        for (var v = 0; v < values.length; v++) bucket[values[v]] = (bucket[values[v]] || 0) + 1;
      }
      if (!fails) hits.push({ p: p, s: scores ? scores[i] : 0 });
    }
    hits.sort(function (a, b) {
      return b.s - a.s || Math.max(b.p.stars, 0) - Math.max(a.p.stars, 0) || a.p.rank - b.p.rank;
    });
    return { hits: hits.map(function (h) { return h.p; }), counts: counts, unmatched: unmatched };
  };
  OcopSearch.prototype.url = function (p) {
    return this.base.root + this.base.prefix + "products/" + p.slug + "/";
  };
  window.OcopSearch = OcopSearch;
  OcopSearch.fold = fold;

  /* ---------------------------------------------------------------- the page */
  var form = document.querySelector("form.search"), input = form && form.querySelector("input[name=q]");
  if (!form || !input) return;
  var app = document.getElementById("search-app"), engine = null, timer = 0, panel = null;
  var base = { root: form.dataset.root, prefix: form.dataset.prefix };
  var status = document.createElement("p");
  status.className = "vh";
  status.setAttribute("aria-live", "polite");
  document.body.appendChild(status);

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return values[k]; });
  }
  function state() {
    var params = new URLSearchParams(location.search), filters = {};
    FACETS.forEach(function (f) { if (params.get(f)) filters[f] = params.get(f); });
    return { q: params.get("q") || "", filters: filters };
  }
  var current = state();
  function address(s) {
    var params = new URLSearchParams();
    if (s.q) params.set("q", s.q);
    FACETS.forEach(function (f) { if (s.filters[f]) params.set(f, s.filters[f]); });
    var text = params.toString();
    return location.pathname + (text ? "?" + text : "");
  }

  function card(p) {
    var S = engine.ix.strings, li = el("li", "card"), a = el("a");
    a.href = engine.url(p);
    if (p.photo) {
      var img = el("img");
      img.src = base.root + "products/" + p.slug + "/thumb.jpg";
      img.alt = "";
      img.loading = "lazy";
      img.width = 320;
      img.height = 240;
      a.appendChild(img);
    }
    a.appendChild(el("span", "name", p.name));
    li.appendChild(a);
    var stars = el("span", "stars");
    stars.setAttribute("role", "img");
    stars.setAttribute("aria-label", say(S.stars, { n: Math.abs(p.stars) }));
    stars.textContent = "★★★★★".slice(0, Math.abs(p.stars)) + "☆☆☆☆☆".slice(Math.abs(p.stars));
    var rate = el("span", "rate");
    rate.appendChild(stars);
    if (p.state) {  /* anything but valid is said in words, as on the product pages */
      rate.appendChild(document.createTextNode(" "));
      rate.appendChild(el("span", "st st-" + S.states[p.state][0], S.states[p.state][1]));
    }
    li.appendChild(rate);
    li.appendChild(el("span", "meta", p.maker + " · " + p.province));
    return li;
  }

  var filtersOpen = window.matchMedia("(min-width: 48rem)").matches;
  function facetBox(result) {
    /* folded away on phones, so that results come first; the choice is kept while typing */
    var details = el("details", "filters"), box = el("div", "facet-box");
    var active = Object.keys(current.filters).length;
    details.open = filtersOpen || false;
    details.addEventListener("toggle", function () { filtersOpen = details.open; });
    details.appendChild(el("summary", null, engine.ix.strings.filters + (active ? " (" + active + ")" : "")));
    details.appendChild(box);
    FACETS.forEach(function (f) {
      var counts = result.counts[f], values = f === "stars" ? [["5"], ["4"], ["3"]] : engine.ix.facets[f];
      var group = el("fieldset", "facet");
      group.appendChild(el("legend", null, form.dataset["facet" + f[0].toUpperCase() + f.slice(1)]));
      values.forEach(function (v) {
        var key = v[0], n = counts[key] || 0, on = current.filters[f] === key;
        if (!n && !on) return;
        var label = f === "stars" ? key + "★" : v[1];
        var button = el("button", null, label + " (" + n + ")");
        button.type = "button";
        button.setAttribute("aria-pressed", on ? "true" : "false");
        button.addEventListener("click", function () {
          if (on) delete current.filters[f]; else current.filters[f] = key;
          history.pushState(null, "", address(current));
          render(true);
        });
        group.appendChild(button);
      });
      if (group.children.length > 1) box.appendChild(group);
    });
    return details;
  }

  function render(full) {
    if (!engine) return;
    var S = engine.ix.strings, result = engine.run(current.q, current.filters), hits = result.hits;
    var target = full ? app : panel, active = current.q || Object.keys(current.filters).length;
    target.textContent = "";
    target.hidden = !active && !full;
    if (!active && !full) return;
    var summary = hits.length === 1 ? S.one_result : say(S.results, { n: hits.length, q: current.q });
    status.textContent = summary;
    if (full) target.appendChild(facetBox(result));
    if (full && hits.length) target.appendChild(el("p", "meta", summary));
    if (!hits.length) {
      var empty = el("div", "note");
      empty.setAttribute("role", "note");
      empty.appendChild(el("p", null, say(S.none, { q: current.q })));
      if (result.unmatched.length) empty.appendChild(el("p", null, say(S.unmatched, { words: result.unmatched.join(", ") })));
      empty.appendChild(el("p", null, S.none_hint));
      var browse = el("a", null, S.browse);
      browse.href = form.dataset.browse;
      empty.appendChild(browse);
      target.appendChild(empty);
      return;
    }
    if (!full) target.appendChild(el("p", "meta", summary));
    var list = el("ul", "cards results");
    hits.slice(0, full ? 200 : 8).forEach(function (p) { list.appendChild(card(p)); });
    target.appendChild(list);
    if (!full && hits.length) {
      var all = el("a", null, S.all);
      all.href = form.action + "?" + new URLSearchParams({ q: current.q }).toString();
      target.appendChild(all);
    }
  }

  function links() {
    return Array.prototype.slice.call((app && !app.hidden ? app : panel).querySelectorAll(".results a"));
  }
  form.addEventListener("keydown", function (event) {
    var list = links(), at = list.indexOf(document.activeElement);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!list.length) return;
      event.preventDefault();
      var next = event.key === "ArrowDown" ? at + 1 : at - 1;
      if (next < 0) input.focus(); else list[Math.min(next, list.length - 1)].focus();
    } else if (event.key === "Escape" && panel) {
      panel.hidden = true;
      input.focus();
    }
  });
  /* the arrow keys also work from inside the result list */
  function listKeys(box) {
    box.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp" || event.key === "Escape") {
        form.dispatchEvent(new KeyboardEvent("keydown", { key: event.key }));
        event.preventDefault();
      }
    });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      current.q = input.value;
      if (app) history.replaceState(null, "", address(current));
      render(!!app);
    }, 60);
  });
  if (app) {
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    window.addEventListener("popstate", function () {
      current = state();
      input.value = current.q;
      render(true);
    });
    listKeys(app);
  } else {
    panel = el("div", "search-panel");
    panel.hidden = true;
    form.parentNode.insertBefore(panel, form.nextSibling);
    listKeys(panel);
  }
  if (app) input.value = current.q;

  /* the manifest (small, revalidated) names this build's index (content-hashed, cached for ever),
     so that pages need not change when only the index does */
  fetch(form.dataset.index, { cache: "no-cache" }).then(function (r) { return r.json(); }).then(function (manifest) {
    return fetch(manifest[document.documentElement.lang]);
  }).then(function (r) { return r.json(); }).then(function (ix) {
    engine = new OcopSearch(ix, base);
    if (app) {
      app.hidden = false;
      render(true);
      document.documentElement.dataset.searchReady = "";
    } else {
      current.q = input.value;
      render(false);
      document.documentElement.dataset.searchReady = "";
    }
  });
})();
