/* ocopsite search. Loaded when the search box is first focused (or on the search page).
 * Every query word must match the start of a word of a product; nothing is dropped
 * silently. fold() must equal ocopsite.search.fold in Python (a browser test checks). */
(function () {
  "use strict";
  var MARKS = /\p{Mn}/gu, NON_WORD = /[^0-9a-z]+/, FACETS = ["stars", "category", "province", "certification", "channel"];
  /* the dash class of ocopsite.search._DASH: every dash, with its spaces, is one hyphen */
  var DASH = /\s*[\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d]\s*/g;
  function fold(s) {
    return String(s).normalize("NFD").replace(MARKS, "").toLowerCase().replace(/đ/g, "d").replace(/\s+/g, " ").trim().replace(DASH, "-");
  }
  function slugify(s) { return fold(s).split(NON_WORD).filter(Boolean).join("-"); }
  /* the lookup key of a GTIN or lot code, as ocopsite.search.code_key */
  function codeKey(s) {
    var key = fold(s).replace(/[^0-9a-z]+/g, ""), digits = key.replace(/^0+/, "");
    return /^\d{8,}$/.test(key) && digits.length <= 14 ? ("00000000000000" + digits).slice(-14) : key;
  }
  function codeShard(key, shards) {
    var sum = 0;
    for (var i = 0; i < key.length; i++) sum += key.charCodeAt(i);
    return sum % shards;
  }

  /* Fields, best first: name, producer, place, the producer's own former province or
     district (said on the card: "formerly Bắc Kạn"), everything else, administrative words */
  var NAME = 0, MAKER = 1, PLACE = 2, FORMER = 3, OTHER = 4, ADMIN = 5;
  var WEIGHTS = [8, 4, 2, 2, 1, 0.01], FIELDS = WEIGHTS.length, RANKS = 1 << 20;
  /* the bonus of two query words found side by side in a field: as much as a name for a
     name, producer or place, so that "bac kan" ranks the producers whose old address
     says Bắc Kạn above a product that merely has "Bắc" in its name */
  var PHRASE = [8, 8, 8, 8, 1, 0];
  var TOKEN = /[^\p{L}\p{N}]+/u;
  var CASE_SPLIT = /(?<=\p{Ll})(?=\p{Lu})|(?<=\p{L})(?=\p{N})|(?<=\p{N})(?=\p{L})/u;

  /* A vocabulary: each distinct word, sorted, with the targets (and field) it occurs in.
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
  Vocabulary.prototype.each = function (prefix, visit, exact) {
    var words = this.words, lo = 0, hi = words.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (words[mid] < prefix) lo = mid + 1; else hi = mid; }
    for (var i = lo; i < words.length && words[i].lastIndexOf(prefix, 0) === 0; i++) {
      if (exact && words[i] !== prefix) break;
      var list = this.postings[i];
      for (var j = 0; j < list.length; j++) visit(list[j]);
    }
  };

  /* English inflections, for English pages: "teas", "noodles", "dried", "drying" */
  function stem(w) {
    if (w.length < 4 || !/^[a-z]+$/.test(w) || /(ss|us|is)$/.test(w)) return w;
    if (/i(es|ed)$/.test(w)) return w.slice(0, -3) + "y";
    if (/(sh|ch|x|z|o)es$/.test(w)) return w.slice(0, -2);
    if (/s$/.test(w)) return w.slice(0, -1);
    if (/[^e]ed$/.test(w) && w.length > 4) return w.slice(0, -2);
    if (/ing$/.test(w) && w.length > 5) return w.slice(0, -3);
    return w;
  }

  /* The words of a chunk of text (between spaces) in order ([own, folded]), and the extra
     forms a label may be typed in: "GlobalG.A.P." is also "globalgap", "global" and "gap";
     "ST25" also "st" and "25". Chunks repeat across a catalogue: each is analysed once. */
  function chunkWords(engine, chunk) {
    var found = engine.chunks.get(chunk);
    if (found) return found;
    var tokens = chunk.split(TOKEN).filter(Boolean), words = [], extra = [], pieces = [], joined = "";
    for (var t = 0; t < tokens.length; t++) {
      var f = fold(tokens[t]).replace(/[^0-9a-z]+/g, "");
      if (!f) continue;
      words.push([tokens[t].toLowerCase(), f]);
      joined += f;
      tokens[t].split(CASE_SPLIT).forEach(function (piece) {
        var last = pieces.length - 1;
        /* single letters in a row are an acronym written with dots: G.A.P. */
        if (piece.length === 1 && last >= 0 && pieces[last].single) pieces[last].text += piece;
        else pieces.push({ text: piece, single: piece.length === 1 });
      });
    }
    if (words.length > 1) extra.push(joined);
    if (pieces.length > 1) pieces.forEach(function (p) {
      var f = fold(p.text).replace(/[^0-9a-z]+/g, "");
      if (f) extra.push(f);
    });
    engine.chunks.set(chunk, found = { words: words, extra: extra });
    return found;
  }

  /* One set of vocabularies: the engine has one for facet values and one per part. */
  function Indexer(engine) {
    this.engine = engine;
    this.folded = new Vocabulary();
    this.own = new Vocabulary();
    this.pairs = new Vocabulary();
  }
  Indexer.prototype.index = function (text, target, field, place) {
    if (!text) return;
    var engine = this.engine, chunks = String(text).normalize("NFC").split(/\s+/), words = [], extra = [];
    for (var c = 0; c < chunks.length; c++) {
      if (!chunks[c]) continue;
      var found = chunkWords(engine, chunks[c]);
      words.push.apply(words, found.words);
      extra.push.apply(extra, found.extra);
    }
    var base = target * FIELDS, kinds = [], admin = engine.admin, english = engine.ix.lang === "en";
    if (place) for (var k = 0; k < words.length; k++) {
      /* "thị trấn", "xã", "TP": kinds of units, weighed next to nothing */
      if (k + 1 < words.length && admin.has(words[k][1] + " " + words[k + 1][1])) { kinds[k] = kinds[k + 1] = ADMIN; k++; }
      else if (admin.has(words[k][1])) kinds[k] = ADMIN;
    }
    for (var w = 0; w < words.length; w++) {
      var posting = base + (kinds[w] || field);
      this.own.add(words[w][0], posting);
      this.folded.add(words[w][1], posting);
      if (english) { var s = stem(words[w][1]); if (s !== words[w][1]) this.folded.add(s, posting); }
      if (w + 1 < words.length && !kinds[w] && !kinds[w + 1]) {
        /* neighbours: a phrase bonus, and the joined form ("ha noi" typed "hanoi") */
        this.pairs.add(words[w][1] + " " + words[w + 1][1], base + field);
        this.folded.add(words[w][1] + words[w + 1][1], base + field);
      }
    }
    for (var e = 0; e < extra.length; e++) this.folded.add(extra[e], base + field);
  };
  Indexer.prototype.seal = function () {
    this.folded.seal();
    this.own.seal();
    this.pairs.seal();
    return this;
  };

  /* The engine over one language's index. Products arrive in parts (engine.add), so that
     the first results need only the first part; a product's id is its position in the
     catalogue (slug order), which also breaks ties between equal scores. Targets of
     postings are products, then producers, then facet values (groups of products). */
  function OcopSearch(ix) {
    var self = this, n = ix.count;
    this.ix = ix;
    this.keys = {};
    this.shards = {};
    this.chunks = new Map();
    this.admin = new Set(ix.admin);
    this.products = new Array(n);
    this.loaded = [];
    this.makers = new Array(ix.makers);
    this.members = [];
    this.former = new Uint8Array(n);
    for (var m = 0; m < ix.makers; m++) this.members.push([]);
    FACETS.slice(1).forEach(function (f) { self.keys[f] = ix.facets[f].map(function (v) { return v[0]; }); });
    var F = ix.facets, values = new Indexer(this);
    function group() { self.members.push([]); return n + self.members.length - 1; }
    this.groups = {};
    FACETS.slice(1).forEach(function (f) { self.groups[f] = F[f].map(group); });
    /* facet values are indexed once, as groups of products */
    F.province.forEach(function (p, v) {
      var target = self.groups.province[v];
      values.index(p[1], target, PLACE, true);
      p[3].forEach(function (name) { values.index(name, target, PLACE, true); });
      p[2].forEach(function (former) { values.index(former[1], target, OTHER, true); values.index(former[2], target, OTHER, true); });
    });
    F.category.forEach(function (c, v) { values.index(c[1], self.groups.category[v], OTHER); });
    F.certification.forEach(function (c, v) {
      values.index(c[1], self.groups.certification[v], OTHER);
      values.index(c[2], self.groups.certification[v], OTHER);
    });
    F.channel.forEach(function (c, v) { values.index(c[1], self.groups.channel[v], OTHER); });
    this.vocabs = [values.seal()];
    this.parts = 0;
  }
  /* Adds one part of the index: its producers (each indexed once) and its products. */
  OcopSearch.prototype.add = function (part) {
    var self = this, P = part.products, F = this.ix.facets, keys = this.keys, n = this.ix.count;
    var words = new Indexer(this), members = this.members, groups = this.groups;
    part.producers.forEach(function (row) {
      var m = row[0];
      if (self.makers[m]) return;
      var maker = self.makers[m] = row.slice(1), target = n + m;
      var former = maker[3] < 0 ? null : F.province[maker[1]][2][maker[3]];
      words.index(maker[0], target, MAKER);
      words.index(maker[2], target, PLACE, true);
      /* the producer's own old address ranks above the mere fact that its province took
         in former provinces, so "bac kan" puts Bắc Kạn's products first */
      if (former) { words.index(former[1], target, FORMER, true); words.index(former[2], target, FORMER, true); }
      words.index(maker[4], target, FORMER, true);
    });
    /* days since the build, to re-check each rating on the reader's date */
    var now = new Date(), since = Math.floor((Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()) - Date.parse(this.ix.asof)) / 864e5);
    function stateNow(j) {
      var state = P.e[j], u = P.u[j] || [];
      for (var c = 0; c < u.length; c += 2) if (since >= u[c]) state = u[c + 1];
      return state;
    }
    for (var j = 0; j < P.n.length; j++) {
      var i = part.start + j, maker = this.makers[P.m[j]], province = F.province[maker[1]], certs = [];
      for (var b = 0; b < keys.certification.length; b++) if (P.x[j] & (1 << b)) {
        certs.push(keys.certification[b]);
        members[groups.certification[b] - n].push(i);
      }
      this.products[i] = {
        name: P.n[j], slug: P.s[j] || slugify(P.v[j] || P.n[j]), maker: maker[0], province: province[1],
        stars: P.k[j], state: stateNow(j), photo: P.i[j], producer: P.m[j], rank: i,
        values: {
          stars: P.k[j] > 0 ? [String(P.k[j])] : [], category: [keys.category[P.c[j]]],
          province: [province[0]], certification: certs,
          channel: P.h[j].map(function (c) { return keys.channel[c]; })
        }
      };
      this.loaded.push(i);
      members[P.m[j]].push(i);
      members[groups.province[maker[1]] - n].push(i);
      members[groups.category[P.c[j]] - n].push(i);
      for (var h = 0; h < P.h[j].length; h++) members[groups.channel[P.h[j][h]] - n].push(i);
      words.index(P.n[j] + " " + P.v[j], i, NAME);
      if (P.g[j]) P.g[j].split(",").forEach(function (tag) { words.index(tag, i, OTHER); });
      if (P.o[j]) P.o[j].split("|").forEach(function (label) { words.index(label, i, OTHER); });
    }
    this.vocabs.push(words.seal());
    this.parts++;
  };
  /* Whether every part has been added. */
  OcopSearch.prototype.complete = function () { return this.parts === this.ix.parts.length; };
  /* Calls visit(product, field) for every posting of vocabulary ``kind`` under ``prefix``. */
  OcopSearch.prototype.visit = function (kind, prefix, visit, exact) {
    var n = this.products.length, members = this.members;
    function each(posting) {
      var target = (posting / FIELDS) | 0, field = posting % FIELDS;
      if (target < n) { visit(target, field); return; }
      var ids = members[target - n];
      for (var k = 0; k < ids.length; k++) visit(ids[k], field);
    }
    for (var v = 0; v < this.vocabs.length; v++) this.vocabs[v][kind].each(prefix, each, exact);
  };
  /* Scores of all products for one folded query word: the best field's weight, half again
     for a match with the same diacritics when the word has any; null if it matches nothing. */
  OcopSearch.prototype.word = function (word) {
    var best = new Float32Array(this.products.length), any = false, former = this.former;
    function hit(id, field) {
      if (WEIGHTS[field] > best[id]) best[id] = WEIGHTS[field];
      if (field === FORMER) former[id] = 1;
      any = true;
    }
    this.visit("folded", word.f, hit);
    if (this.ix.lang === "en") { var s = stem(word.f); if (s !== word.f) this.visit("folded", s, hit); }
    if (word.marked) this.visit("own", word.o, function (id, field) {
      var weight = WEIGHTS[field] * 1.5;
      if (best[id] && weight > best[id]) best[id] = weight;
    });
    return any ? best : null;
  };
  /* The words of a query: each chunk between spaces; a chunk with punctuation inside
     ("TP.HCM", "G.A.P", "iso-22000") is also tried joined. Punctuation alone is no word. */
  function queryWords(text) {
    var units = [];
    String(text).normalize("NFC").split(/\s+/).forEach(function (chunk) {
      var tokens = chunk.split(TOKEN).filter(Boolean).map(function (t) {
        var f = fold(t).replace(/[^0-9a-z]+/g, ""), o = t.toLowerCase();
        return { f: f, o: o, marked: o !== f };
      }).filter(function (t) { return t.f; });
      if (tokens.length) units.push({ tokens: tokens, text: chunk, joined: tokens.map(function (t) { return t.f; }).join("") });
    });
    return units;
  }
  OcopSearch.prototype.unit = function (unit) {
    var self = this, scores = null;
    for (var t = 0; t < unit.tokens.length; t++) {
      var best = this.word(unit.tokens[t]);
      if (!best) { scores = null; break; }
      if (!scores) scores = best;
      else for (var i = 0; i < scores.length; i++) scores[i] = scores[i] && best[i] ? scores[i] + best[i] : 0;
    }
    if (unit.tokens.length > 1) {
      var joined = self.word({ f: unit.joined, o: unit.joined, marked: false });
      if (joined && !scores) scores = joined;
      else if (joined) for (var j = 0; j < scores.length; j++) scores[j] = Math.max(scores[j], joined[j]);
    }
    return scores;
  };
  /* Which query words name a kind of administrative unit, when other words name the place */
  OcopSearch.prototype.adminUnits = function (units) {
    var set = new Set(this.ix.admin), marks = [], plain = 0;
    function word(u) { return units[u].tokens.length === 1 ? units[u].joined : ""; }
    for (var u = 0; u < units.length; u++) {
      if (u + 1 < units.length && set.has(word(u) + " " + word(u + 1))) { marks[u] = marks[u + 1] = true; u++; }
      else if (set.has(word(u))) marks[u] = true;
      else plain++;
    }
    return plain ? marks : [];
  };
  OcopSearch.prototype.run = function (text, filters, guessing) {
    var units = queryWords(text);
    var self = this, products = this.products, scores = null, unmatched = [], hits = [], counts = {};
    this.former.fill(0);
    var admin = this.adminUnits(units);
    units.forEach(function (unit, u) {
      var best = self.unit(unit);
      if (admin[u]) {
        /* "tỉnh", "xã", "thành phố" beside a place name: what any address may say */
        best = best || new Float32Array(products.length);
        for (var a = 0; a < best.length; a++) if (!best[a]) best[a] = WEIGHTS[ADMIN];
      }
      if (!best) { unmatched.push(unit.text); return; }
      if (!scores) { scores = best; return; }
      for (var i = 0; i < scores.length; i++) scores[i] = scores[i] && best[i] ? scores[i] + best[i] : 0;
    });
    if (scores && units.length > 1) {
      /* words that follow each other in one field, as typed: a clear bonus ("dac san") */
      for (var u = 0; u + 1 < units.length; u++) {
        var a = units[u].tokens, b = units[u + 1].tokens, bonus = new Float32Array(scores.length);
        this.visit("pairs", a[a.length - 1].f + " " + b[0].f, function (id, field) {
          if (PHRASE[field] > bonus[id]) bonus[id] = PHRASE[field];
        });
        for (var s = 0; s < scores.length; s++) if (scores[s]) scores[s] += bonus[s];
      }
    }
    FACETS.forEach(function (f) { counts[f] = {}; });
    var active = FACETS.filter(function (f) { return filters[f]; }), loaded = this.loaded;
    /* one number per hit orders it: score, then stars in force, then catalogue order */
    var order = new Float64Array(loaded.length), found = 0;
    if (!unmatched.length) for (var l = 0; l < loaded.length; l++) {
      var i = loaded[l];
      if (scores && !scores[i]) continue;
      var p = products[i], failed = null, fails = 0;
      for (var k = 0; k < active.length; k++) {
        if (p.values[active[k]].indexOf(filters[active[k]]) < 0) { failed = active[k]; fails++; }
      }
      if (fails > 1) continue;
      /* a facet's counts apply every filter but its own */
      for (var f = 0; f < FACETS.length; f++) {
        if (fails && failed !== FACETS[f]) continue;
        var values = p.values[FACETS[f]], bucket = counts[FACETS[f]];
        for (var v = 0; v < values.length; v++) bucket[values[v]] = (bucket[values[v]] || 0) + 1;
      }
      if (!fails) order[found++] = (Math.round((scores ? scores[i] : 0) * 100) * 8 + Math.max(p.stars, 0)) * RANKS + (RANKS - 1 - i);
    }
    order = order.subarray(0, found).sort();
    var former = this.former, ids = new Array(found);
    for (var h = 0; h < found; h++) ids[h] = RANKS - 1 - order[found - 1 - h] % RANKS;
    var result = {
      hits: ids.map(function (id) { return products[id]; }),
      formerly: ids.map(function (id) { return !!scores && former[id] === 1; }),
      counts: counts, unmatched: unmatched, suggestion: null
    };
    if (unmatched.length && !guessing) result.suggestion = this.suggest(units, filters);
    return result;
  };
  /* Only when a query finds nothing: the same query with each unknown word of five or
     more letters replaced by a known word one edit away, if that finds something. */
  OcopSearch.prototype.suggest = function (units, filters) {
    var self = this, changed = false;
    var words = units.map(function (unit) {
      if (unit.tokens.length !== 1 || self.unit(unit) || unit.joined.length < 5) return unit.text;
      var near = self.near(unit.joined);
      if (!near) return unit.text;
      changed = true;
      return near;
    });
    if (!changed) return null;
    var text = words.join(" ");
    return this.run(text, filters, true).hits.length ? text : null;
  };
  OcopSearch.prototype.near = function (word) {
    var best = null, most = 0;
    this.vocabs.forEach(function (vocab) {
      var words = vocab.folded.words, postings = vocab.folded.postings;
      for (var i = 0; i < words.length; i++) {
        var w = words[i];
        if (Math.abs(w.length - word.length) > 1 || !oneEdit(word, w)) continue;
        if (postings[i].length > most) { most = postings[i].length; best = w; }
      }
    });
    return best;
  };
  function oneEdit(a, b) {
    if (a === b) return false;
    var i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    if (a.length === b.length) {
      return a.slice(i + 1) === b.slice(i + 1) ||
        (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2));
    }
    return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
  }
  OcopSearch.prototype.url = function (p) {
    return this.ix.urls.product.replace("0slug0", p.slug);
  };
  /* The products and lots a code names exactly (a GTIN with or without leading zeros, a
     lot code), each [product position, href, code]; calls back with [] when none. */
  OcopSearch.prototype.code = function (text, callback) {
    var key = codeKey(text), hrefs = this.ix.codes, shards = this.shards;
    if (!hrefs.length || key.length < 3 || !/\d/.test(key)) { callback([]); return; }
    var href = hrefs[codeShard(key, hrefs.length)];
    if (!shards[href]) shards[href] = fetch(href).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
    shards[href].then(function (table) { callback(table[key] || []); }, function () { callback([]); });
  };
  window.OcopSearch = OcopSearch;
  OcopSearch.fold = fold;
  OcopSearch.codeKey = codeKey;
  OcopSearch.codeShard = codeShard;

  /* ---------------------------------------------------------------- the page */
  var form = document.querySelector("form.search"), input = form && form.querySelector("input[name=q]");
  if (!form || !input) return;
  var app = document.getElementById("search-app"), engine = null, timer = 0, panel = null;
  var PAGE = 48, shown = PAGE, opening = !!app;
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
  /* a former province's slug in the URL (an old link) is its new province */
  function mapFormer() {
    var slug = current.filters.province;
    if (!slug || engine.keys.province.indexOf(slug) >= 0) return;
    engine.ix.facets.province.forEach(function (p) {
      if (p[2].some(function (f) { return f[0] === slug; })) current.filters.province = p[0];
    });
    if (current.filters.province !== slug) history.replaceState(null, "", address(current));
  }
  function known(f, value) {
    return f === "stars" ? ["3", "4", "5"].indexOf(value) >= 0 : engine.keys[f].indexOf(value) >= 0;
  }

  function card(p, formerly) {
    var S = engine.ix.strings, li = el("li", "card"), a = el("a");
    a.href = engine.url(p);
    if (p.photo) {
      var img = el("img");
      img.src = engine.ix.urls.thumb.replace("0slug0", p.slug);
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
    if (formerly) {
      /* why a product of another place matched: its producer's pre-2025 address */
      var maker = engine.makers[p.producer], province = engine.ix.facets.province[maker[1]];
      var former = maker[3] < 0 ? "" : province[2][maker[3]][engine.ix.lang === "vi" ? 1 : 2];
      var place = [maker[4], former].filter(Boolean).join(", ");
      if (place) li.appendChild(el("span", "meta why", say(S.formerly, { place: place })));
    }
    return li;
  }

  var filtersOpen = window.matchMedia("(min-width: 48rem)").matches;
  function toggle(f, key, on) {
    if (on) delete current.filters[f]; else current.filters[f] = key;
    history.pushState(null, "", address(current));
    shown = PAGE;
    render(true);
  }
  function facetBox(result) {
    /* folded away on phones, so that results come first; the choice is kept while typing */
    var S = engine.ix.strings, details = el("details", "filters"), box = el("div", "facet-box");
    var active = Object.keys(current.filters).length;
    details.open = filtersOpen || false;
    details.addEventListener("toggle", function () { filtersOpen = details.open; });
    details.appendChild(el("summary", null, S.filters + (active ? " (" + active + ")" : "")));
    details.appendChild(box);
    FACETS.forEach(function (f) {
      var counts = result.counts[f], values = f === "stars" ? [["5"], ["4"], ["3"]] : engine.ix.facets[f];
      var legend = form.dataset["facet" + f[0].toUpperCase() + f.slice(1)];
      var group = el("fieldset", "facet");
      group.appendChild(el("legend", null, legend));
      values.forEach(function (v) {
        var key = v[0], n = counts[key] || 0, on = current.filters[f] === key;
        if (!n && !on) return;
        var label = f === "stars" ? key + "★" : v[1];
        var button = el("button", null, label + " (" + n + ")");
        button.type = "button";
        button.setAttribute("aria-pressed", on ? "true" : "false");
        button.addEventListener("click", function () { toggle(f, key, on); });
        group.appendChild(button);
      });
      var value = current.filters[f];
      if (value && !known(f, value)) {
        /* a value from an old or mistyped link: shown, so that a click removes it */
        var unknown = el("button", "unknown", say(S.unknown, { facet: legend, value: value }) + " ✕");
        unknown.type = "button";
        unknown.title = S.remove;
        unknown.setAttribute("aria-pressed", "true");
        unknown.addEventListener("click", function () { toggle(f, value, true); });
        group.appendChild(unknown);
        details.open = true;
      }
      if (group.children.length > 1) box.appendChild(group);
    });
    return details;
  }

  /* an exact code opens its page: at once when the search page was opened with it (a
     code box, a submitted form), else as the first thing offered */
  function offerCode(target, q, open) {
    engine.code(q, function (matches) {
      if (q !== current.q || !matches.length) return;
      var hrefs = matches.map(function (m) { return m[1]; }).filter(function (h, i, all) { return all.indexOf(h) === i; });
      if (open && hrefs.length === 1) { location.replace(hrefs[0]); return; }
      var box = el("ul", "codes results");
      matches.forEach(function (m) {
        var li = el("li"), a = el("a", null, say(engine.ix.strings.code_open, { code: m[2] }) + " · " + engine.products[m[0]].name);
        a.href = m[1];
        li.appendChild(a);
        box.appendChild(li);
      });
      target.insertBefore(box, target.firstChild);
    });
  }

  function render(full) {
    if (!engine) return;
    var S = engine.ix.strings, result = engine.run(current.q, current.filters), hits = result.hits;
    var target = full ? app : panel, words = queryWords(current.q).length;
    var active = words || Object.keys(current.filters).length;
    target.textContent = "";
    target.hidden = !active && !full;
    if (!active && !full) return;
    var summary = hits.length === 1 ? S.one_result : say(S.results, { n: hits.length, q: current.q });
    status.textContent = summary;
    if (full) target.appendChild(facetBox(result));
    if (/\d/.test(current.q)) offerCode(target, current.q, opening);
    opening = false;
    if (full && hits.length) target.appendChild(el("p", "meta", summary));
    if (!hits.length) {
      var empty = el("div", "note");
      empty.setAttribute("role", "note");
      empty.appendChild(el("p", null, words ? say(S.none, { q: current.q.trim() }) : S.none_filters));
      if (result.unmatched.length) empty.appendChild(el("p", null, say(S.unmatched, { words: result.unmatched.join(", ") })));
      if (result.suggestion) {
        var guess = el("p", "suggest", S.did_you_mean + " "), link = el("a", null, result.suggestion);
        link.href = (full ? location.pathname : form.action) + "?" + new URLSearchParams(Object.assign({}, current.filters, { q: result.suggestion })).toString();
        if (full) link.addEventListener("click", function (event) {
          event.preventDefault();
          input.value = current.q = result.suggestion;
          history.pushState(null, "", address(current));
          render(true);
        });
        guess.appendChild(link);
        guess.appendChild(document.createTextNode("?"));
        empty.appendChild(guess);
      }
      empty.appendChild(el("p", null, S.none_hint));
      var browse = el("a", null, S.browse);
      browse.href = form.dataset.browse;
      empty.appendChild(browse);
      target.appendChild(empty);
      return;
    }
    if (!full) target.appendChild(el("p", "meta", summary));
    var list = el("ul", "cards results"), limit = full ? shown : 8;
    function fill(from, to) {
      for (var i = from; i < to && i < hits.length; i++) list.appendChild(card(hits[i], result.formerly[i]));
    }
    fill(0, limit);
    target.appendChild(list);
    if (full && hits.length > limit) {
      /* every result can be seen: a page at a time */
      var more = el("button", "more", say(S.more, { n: Math.min(PAGE, hits.length - limit) }));
      more.type = "button";
      more.addEventListener("click", function () {
        var from = shown;
        shown += PAGE;
        fill(from, shown);
        if (shown >= hits.length) more.remove();
        else more.textContent = say(S.more, { n: Math.min(PAGE, hits.length - shown) });
        var next = list.children[from] && list.children[from].querySelector("a");
        if (next) next.focus();
      });
      target.appendChild(more);
    }
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
      shown = PAGE;
      if (app) history.replaceState(null, "", address(current));
      render(!!app);
    }, 60);
  });
  if (app) {
    form.addEventListener("submit", function (event) {
      /* Enter on an exact code opens its page; otherwise the results are already here */
      event.preventDefault();
      if (!engine) return;
      current.q = input.value;
      opening = true;
      render(true);
    });
    window.addEventListener("popstate", function () {
      current = state();
      if (engine) mapFormer();
      input.value = current.q;
      shown = PAGE;
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
  /* shows the results of ``q`` as if it had been typed (bench/searchbench.py times this) */
  OcopSearch.show = function (q) {
    input.value = current.q = q;
    shown = PAGE;
    render(!!app);
  };

  function failed() {
    /* offline or a host error: say so; the browse lists below still work */
    var note = document.getElementById("search-unavailable");
    if (note) note.hidden = false;
    document.documentElement.dataset.searchFailed = "";
  }
  /* the manifest (small, revalidated) names this build's index (content-hashed, cached for ever),
     so that pages need not change when only the index does */
  function json(r) {
    if (!r.ok) throw new Error(r.status);
    return r.json();
  }
  fetch(form.dataset.index, { cache: "no-cache" }).then(json).then(function (manifest) {
    return fetch(manifest[document.documentElement.lang]);
  }).then(json).then(function (ix) {
    engine = new OcopSearch(ix);
    if (app) mapFormer();
    /* the parts load side by side; on the search page, results show from the first part
       that arrives and are completed as the others do */
    ix.parts.forEach(function (href) {
      fetch(href).then(json).then(function (part) {
        engine.add(part);
        if (engine.complete()) start();
        else if (app && (queryWords(current.q).length || Object.keys(current.filters).length)) {
          app.hidden = false;
          render(true);
        }
      }).catch(failed);
    });
    if (engine.complete()) start();
  }, failed);
  function start() {
    if (app) {
      app.hidden = false;
      render(true);
    } else {
      current.q = input.value;
      render(false);
    }
    document.documentElement.dataset.searchReady = "";
  }
})();
