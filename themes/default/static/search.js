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
  function words(text) {
    return {
      f: fold(text).split(NON_WORD).filter(Boolean),
      o: String(text).normalize("NFC").toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean)
    };
  }
  function starts(list, prefix) {
    for (var i = 0; i < list.length; i++) if (list[i].lastIndexOf(prefix, 0) === 0) return true;
    return false;
  }

  function prepare(ix) {
    var P = ix.products, F = ix.facets, out = [];
    /* the producer's own address (with its pre-2025 form) ranks above the mere fact that
       its province took in former provinces, so "bac kan" puts Bắc Kạn's products first */
    var makers = ix.producers.map(function (p) {
      var province = F.province[p[1]], former = p[3] < 0 ? "" : province[2][p[3]];
      return { name: p[0], province: p[1], words: words(p[0]), place: words(province[1] + " " + p[2] + " " + former), region: province[2].join(" ") };
    });
    for (var i = 0; i < P.n.length; i++) {
      var maker = makers[P.m[i]], other = [F.category[P.c[i]][1], P.g[i], maker.region];
      F.certification.forEach(function (c, b) { if (P.x[i] & (1 << b)) other.push(c[1]); });
      P.h[i].forEach(function (c) { other.push(F.channel[c][1]); });
      out.push({
        name: P.n[i], slug: P.s[i] || slugify(P.v[i] || P.n[i]), maker: maker, category: P.c[i],
        stars: P.k[i], state: P.e[i], certs: P.x[i], channels: P.h[i], photo: P.i[i],
        fields: [words(P.n[i] + " " + P.v[i]), maker.words, maker.place, words(other.join(" "))]
      });
    }
    return out;
  }

  var WEIGHTS = [8, 4, 2, 1];
  /* The score of a product for the query words, or -1 when a word matches nothing in it. */
  function score(product, query) {
    var total = 0;
    for (var q = 0; q < query.length; q++) {
      var word = query[q], best = -1;
      for (var f = 0; f < 4 && best < 0; f++) {
        if (starts(product.fields[f].f, word.f)) {
          best = WEIGHTS[f];
          if (word.marked && starts(product.fields[f].o, word.o)) best += WEIGHTS[f] / 2;
        }
      }
      if (best < 0) return -1;
      total += best;
    }
    return total;
  }

  function OcopSearch(ix, base) {
    this.ix = ix;
    this.base = base;
    this.products = prepare(ix);
    this.keys = {};
    var self = this;
    FACETS.slice(1).forEach(function (f) { self.keys[f] = ix.facets[f].map(function (v) { return v[0]; }); });
  }
  OcopSearch.prototype.value = function (product, facet) {
    /* the facet values of a product, as the keys used in URLs */
    var keys = this.keys[facet];
    if (facet === "stars") return product.stars > 0 ? [String(product.stars)] : [];
    if (facet === "category") return [keys[product.category]];
    if (facet === "province") return [keys[product.maker.province]];
    if (facet === "channel") return product.channels.map(function (c) { return keys[c]; });
    return keys.filter(function (k, b) { return product.certs & (1 << b); });
  };
  OcopSearch.prototype.run = function (text, filters) {
    var query = fold(text).split(NON_WORD).filter(Boolean).map(function (f, n) {
      var o = String(text).normalize("NFC").toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean)[n] || f;
      return { f: f, o: o, marked: o !== f };
    });
    var self = this, hits = [], counts = {}, matchedWord = query.map(function () { return false; });
    FACETS.forEach(function (f) { counts[f] = {}; });
    this.products.forEach(function (p) {
      query.forEach(function (w, n) {
        if (!matchedWord[n]) for (var f = 0; f < 4; f++) if (starts(p.fields[f].f, w.f)) { matchedWord[n] = true; break; }
      });
      var s = query.length ? score(p, query) : 0;
      if (s < 0) return;
      var values = {}, failed = [];
      FACETS.forEach(function (f) {
        values[f] = self.value(p, f);
        if (filters[f] && values[f].indexOf(filters[f]) < 0) failed.push(f);
      });
      FACETS.forEach(function (f) {
        /* a facet's counts apply every filter but its own */
        if (failed.length === 0 || (failed.length === 1 && failed[0] === f)) values[f].forEach(function (v) {
          counts[f][v] = (counts[f][v] || 0) + 1;
        });
      });
      if (!failed.length) hits.push({ p: p, s: s });
    });
    hits.sort(function (a, b) {
      return b.s - a.s || Math.max(b.p.stars, 0) - Math.max(a.p.stars, 0) || a.p.name.localeCompare(b.p.name, self.ix.lang);
    });
    return {
      hits: hits.map(function (h) { return h.p; }), counts: counts,
      unmatched: query.filter(function (w, n) { return !matchedWord[n]; }).map(function (w) { return w.o; })
    };
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
    li.appendChild(el("span", "meta", p.maker.name + " · " + engine.ix.facets.province[p.maker.province][1]));
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

  fetch(form.dataset.index).then(function (r) { return r.json(); }).then(function (ix) {
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
