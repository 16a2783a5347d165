/* ocopsite search. Loaded when the search box is first focused (or on the search page).
 * Every query word must match the start of a word of a product, but a star level ("5 sao",
 * which filters) and, beside other words or a filter, words any address or product may
 * have ("xã", "tỉnh", "OCOP": see adminUnits); nothing else is dropped. fold() must equal
 * ocopsite.model.vietnamese.fold in Python (a browser test checks). */
(function () {
  "use strict";
  var MARKS = /\p{Mn}/gu, NON_WORD = /[^0-9a-z]+/, FACETS = ["stars", "category", "province", "certification", "channel"];
  /* the dash class of ocopsite.model.vietnamese._DASH (STARS uses it too): every dash, with
     its spaces, is one hyphen */
  var DASHES = "[\\-\\u2010-\\u2015\\u2212\\ufe58\\ufe63\\uff0d]", DASH = RegExp("\\s*" + DASHES + "\\s*", "g");
  function fold(s) {
    return String(s).normalize("NFD").replace(MARKS, "").toLowerCase().replace(/đ/g, "d").replace(/\s+/g, " ").trim().replace(DASH, "-");
  }
  function slugify(s) { return fold(s).split(NON_WORD).filter(Boolean).join("-"); }
  /* the lookup key of a GTIN or lot code, as ocopsite.search.codes.code_key */
  function codeKey(s) {
    var key = fold(s).replace(/[^0-9a-z]+/g, ""), digits = key.replace(/^0+/, "");
    return /^\d{8,}$/.test(key) && digits.length <= 14 ? digits.padStart(14, "0") : key;
  }
  function codeShard(key, shards) {
    var sum = 0;
    for (var i = 0; i < key.length; i++) sum += key.charCodeAt(i);
    return sum % shards;
  }

  /* Fields, best first: name 0, producer 1, place 2, the producer's own former province or
     district 3 (said on the card: "formerly Bắc Kạn"), everything else 4, administrative words 5
     (each weight, its three quarters and its half again are whole hundredths: see
     ocopsite.search.quick) */
  var FORMER = 3, ADMIN = 5;
  var WEIGHTS = [8, 4, 2, 2, 1, 0.04], FIELDS = WEIGHTS.length, RANKS = 1 << 20;
  /* the bonus of two query words found side by side in a field: as much as a name for a
     name, producer or place, so that "bac kan" ranks the producers whose old address
     says Bắc Kạn above a product that merely has "Bắc" in its name */
  var PHRASE = [8, 8, 8, 8, 1, 0];
  var TOKEN = /[^\p{L}\p{N}]+/u;

  /* Calls visit(postings, share) for the postings of each word of ``vocab`` (made by
     ocopsite.search.vocabulary: sorted words, postings as differences in base 32, see
     varints there) under ``prefix``: a range of the words, found by binary search. A
     word's postings are read once, then kept as numbers for the next query. ``share`` is
     1 for the word ``prefix`` itself and three quarters for a longer word it begins, so
     that "tra" ranks "Trà hoa vàng" above "Tinh dầu trầu" (ocopsite.search.quick mirrors
     this, PART); 1 for every word under a single letter, which begins words rather than
     names one (as its letter file counts them). */
  function scan(vocab, prefix, visit) {
    var words = vocab.w, lo = 0, hi = words.length, got = vocab.d || (vocab.d = []);
    while (lo < hi) { var mid = (lo + hi) >> 1; if (words[mid] < prefix) lo = mid + 1; else hi = mid; }
    for (var i = lo; i < words.length && words[i].lastIndexOf(prefix, 0) === 0; i++) {
      var ids = got[i];
      if (!ids) ids = got[i] = decode(vocab.p[i]);
      visit(ids, words[i] > prefix && prefix[1] ? .75 : 1);
    }
  }

  /* English inflections, for English pages: "teas", "noodles", "dried", "drying"
     (ocopsite.search.vocabulary.stem makes the same stems for the index) */
  function stem(w) {
    if (w.length < 4 || !/^[a-z]+$/.test(w) || /(ss|us|is)$/.test(w)) return w;
    if (/i(es|ed)$/.test(w)) return w.slice(0, -3) + "y";
    if (/(sh|ch|x|z|o)es$/.test(w)) return w.slice(0, -2);
    if (/s$/.test(w)) return w.slice(0, -1);
    if (/[^e]ed$/.test(w) && w.length > 4) return w.slice(0, -2);
    if (/ing$/.test(w) && w.length > 5) return w.slice(0, -3);
    return w;
  }
  function json(r) {
    if (!r.ok) throw Error(r.status);
    return r.json();
  }
  /* files the search page asked for as it was read (templates/_search_early.html), by
     href: each taken once */
  var early = window.ocopEarly || {};
  function get(href, options) {
    var got = early[href] || fetch(href, options).then(json);
    delete early[href];
    return got;
  }

  var DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_", CODE = new Uint8Array(128);
  for (var d = 0; d < 64; d++) CODE[DIGITS.charCodeAt(d)] = d;
  /* the numbers of a column packed by ocopsite.search.encoding.pack (from ``from`` to ``to``) */
  function unpack(col, from, to) {
    var str = col.s, w = col.w, c = (from = from || 0) * w;
    var values = new Int32Array((to == null ? str.length / w | 0 : to) - from);
    for (var l = 0; l < values.length; l++) {
      for (var v = 0, stop = c + w; c < stop; c++) v = v * 64 + CODE[str.charCodeAt(c)];
      values[l] = v + (col.o || 0);
    }
    return values;
  }
  /* The sorted numbers written by ocopsite.search.vocabulary.varints (as postings are):
     one loop and no call per number, which counts on a page just opened (code not yet
     compiled) */
  function decode(str) {
    for (var out = [], at = 0, v = 0, c = 0; c < str.length; c++) {
      var d = CODE[str.charCodeAt(c)];
      v = v * 32 + (d & 31);
      if (d < 32) { out.push(at += v); v = 0; }
    }
    return out;
  }
  /* The engine over one language's index: its head orders, filters and counts every
     product; the shards of the word index (by the beginnings of words) and the parts
     (what cards show) are loaded as queries need them (engine.load). A product's id is
     its position in the catalogue (slug order), which also breaks ties between equal
     scores. Targets of postings are products, then facet values (numbered after the
     products and producers). */
  function OcopSearch(ix) {
    var self = this, n = ix.count, C = ix.products, F = ix.facets;
    this.ix = ix;
    ["keys", "words", "files", "hrefs", "cards", "lists", "letters"].forEach(function (k) { self[k] = {}; });
    this.parts = [];
    this.former = new Uint8Array(n);
    this.P = { c: unpack(C.c), k: unpack(C.k), x: unpack(C.x) };
    this.province = unpack(C.p);
    /* what each file holds, as [kind, key]s: files of equal content have one name (their
       hash), so one file may hold the letters or shards of several keys */
    ["words", "letters", "columns"].forEach(function (kind) {
      Object.keys(ix[kind]).forEach(function (key) {
        var href = ix[kind][key];
        (self.hrefs[href] || (self.hrefs[href] = [])).push([kind, key]);
      });
    });
    /* facet values, as [facet, value] after the producers, in the numbering of the postings */
    this.groups = [];
    FACETS.slice(1).forEach(function (f, k) {
      self.keys[f] = F[f].map(function (v, i) { self.groups.push([k + 1, i]); return v[0]; });
    });
    /* days since the build, to re-check each rating on the reader's date */
    var now = new Date();
    this.since = Math.floor((now - now.getTimezoneOffset() * 6e4 - Date.parse(ix.asof)) / 864e5);
  }
  var proto = OcopSearch.prototype;
  /* The products of each value of facet number ``kind`` (category, province or
     certificate), made once, in catalogue order. Postings to a facet value stand for
     these (the build posts a producer's and a channel's words to their products). */
  proto.groupOf = function (kind) {
    var got = this.lists[kind];
    if (got) return got;
    var P = this.P, X = P.x, one = kind === 1 ? P.c : kind === 2 ? this.province : null, c, v;
    got = this.lists[kind] = this.keys[FACETS[kind]].map(function () { return []; });
    for (var i = 0; i < this.ix.count; i++) {
      if (one) got[one[i]].push(i);
      else for (c = 0, v = X[i]; v; c++, v >>= 1) if (v & 1) got[c].push(i);
    }
    return got;
  };
  /* The products of channel number ``v`` (ocopsite.search.index.channel_lists), in
     catalogue order, read from column h the first time a filter or count needs them */
  proto.channel = function (v) {
    var key = "h" + v, ids = this.lists[key];
    return ids || (this.lists[key] = Int32Array.from(decode(this.P.h[v] || "")));
  };
  /* Loads the files named by ``hrefs`` (shards, letters, columns, parts), once each. */
  proto.load = function (hrefs) {
    var self = this;
    return Promise.all(hrefs.map(function (href) {
      return self.files[href] || (self.files[href] = get(href).then(function (data) {
        var kinds = self.hrefs[href];
        if (kinds) kinds.forEach(function (kind) {
          self[kind[0] === "columns" ? "P" : kind[0]][kind[1]] = kind[0] === "letters" ? unpack(data) : data;
        });
        else self.parts[data.start / self.ix.per] = data.products;
        /* the first cards a letter or a shard carries (ocopsite.search.index.letter_cards,
           shard_cards): each as a part of one */
        if (data.c) data.c.p.forEach(function (id, k) {
          var one = self.cards[id] = {};
          for (var key in data.c) one[key] = [data.c[key][k]];
        });
      }));
    }));
  };
  /* The shards that hold the words beginning with ``prefix`` (see ocopsite.search.vocabulary.shard_key) */
  proto.shardKeys = function (prefix) {
    var words = this.ix.words, p = prefix[0] + prefix.slice(1).replace(/[^0-9a-z]/g, "."), k = 0;
    while (k++ < p.length) if (words[p.slice(0, k)]) return [p.slice(0, k)];
    return Object.keys(words).filter(function (key) { return !key.lastIndexOf(p, 0); });
  };
  /* The files a query needs that are not loaded yet: the shards of its words */
  proto.missing = function (text, filters) {
    var self = this, ix = this.ix, units = queryWords(text), hrefs = [];
    /* one letter: what it finds, unless its diacritics count (then the shards); a
       channel filter: the products of each channel (column h) */
    function need(prefix, own) {
      if (prefix.length < 2 && !own) {
        if (!self.letters[prefix] && ix.letters[prefix]) hrefs.push(ix.letters[prefix]);
        return;
      }
      self.shardKeys(prefix).forEach(function (key) { if (!self.words[key]) hrefs.push(ix.words[key]); });
    }
    if (filters.channel && !self.P.h) hrefs.push(ix.columns.h);
    units.forEach(function (unit, u) {
      unit.tokens.forEach(function (t) { need(t.f); need(ix.lang === "en" ? stem(t.f) : t.f); if (t.marked) need(t.f, true); });
      need(unit.joined);
      if (u) need(units[u - 1].tokens[units[u - 1].tokens.length - 1].f + " " + unit.tokens[0].f);
    });
    return hrefs;
  };
  /* The parts that hold the products ``ids`` and are not loaded yet */
  proto.partsFor = function (ids) {
    var hrefs = [], ix = this.ix;
    for (var k = 0; k < ids.length; k++) {
      var part = ids[k] / ix.per | 0, href = ix.parts[part];
      if (!this.parts[part] && !this.cards[ids[k]] && hrefs.indexOf(href) < 0) hrefs.push(href);
    }
    return hrefs;
  };
  /* Every file of the index: loaded after the first results, so that later queries
     (and the typo suggestions, which look through every word) need no request */
  proto.all = function () {
    var ix = this.ix, all = Object.values;
    return all(ix.columns).concat(all(ix.words), all(ix.letters), ix.parts);
  };
  /* What a card shows of product ``i`` (its part must be loaded) */
  proto.product = function (i) {
    var ix = this.ix, P = this.parts[i / ix.per | 0], j = P ? i % ix.per : 0, state;
    P = P || this.cards[i];
    state = P.e[j];
    for (var u = P.u[j], c = 0; c < u.length; c += 2) if (this.since >= u[c]) state = u[c + 1];
    return {
      name: P.n[j], slug: P.s[j] || slugify(P.n[j]), maker: P.a[j], former: P.f[j], district: P.d[j],
      province: this.ix.facets.province[this.province[i]], stars: this.P.k[i], state: state, photo: P.i[j]
    };
  };
  /* Calls visit(product, field, share) for every posting of vocabulary ``kind`` under
     ``prefix`` (``share``: see scan). */
  /* (the shards are those of ``by``, the folded form of ``prefix``, when it has one) */
  proto.visit = function (kind, prefix, visit, by) {
    var self = this, n = this.ix.count, m = n + this.ix.producers;
    function each(postings, v) {
      for (var p = 0; p < postings.length; p++) {
        var target = (postings[p] / FIELDS) | 0, field = postings[p] - target * FIELDS, group = target < n ? null : self.groups[target - m];
        if (!group) visit(target, field, v);
        else for (var ids = self.groupOf(group[0])[group[1]], k = 0; k < ids.length; k++) visit(ids[k], field, v);
      }
    }
    this.shardKeys(by || prefix).forEach(function (key) {
      var shard = self.words[key];
      if (shard && shard[kind]) scan(shard[kind], prefix, each);
    });
  };
  /* Scores of all products for one folded query word: the best field's weight (its share
     of it: see scan), and for a match with the same diacritics when the word has any, half
     again (a quarter again for a longer word: its share and a half); null if it matches
     nothing. */
  proto.word = function (word) {
    var best = new Float32Array(this.ix.count), any = false, former = this.former;
    function hit(id, field, v) {
      var w = WEIGHTS[field] * v;
      if (w > best[id]) best[id] = w;
      if (field === FORMER) former[id] = 1;
      any = true;
    }
    var letter = this.letters[word.f], n = this.ix.count;
    /* (a letter: hit() written out, one product each, no call) */
    if (letter) {
      for (var i = 0, code, field; i < n; i++) if ((code = letter[i])) {
        best[i] = WEIGHTS[field = (code - 1) % 7];
        if (field === FORMER || code > 7) former[i] = 1;
        any = true;
      }
    } else this.visit("f", word.f, hit);
    if (this.ix.lang === "en") { var s = stem(word.f); if (s !== word.f) this.visit("f", s, hit); }
    if (word.marked) this.visit("o", word.o, function (id, field, v) {
      var w = WEIGHTS[field] * (v + .5);
      if (best[id] && w > best[id]) best[id] = w;
    }, word.f);
    return any ? best : null;
  };
  /* "5 sao", "4 stars", "3-star": a star level typed, which filters as the stars filter
     does (unless that chooses one): [the text without it, the level (0: none), the words
     that said it] */
  var STARS = RegExp("(^|\\s)([345])(?:\\s|" + DASHES + ")*(sao|stars?)\\b", "gi");
  function starless(text) {
    var level = 0, said = "";
    text = String(text).replace(STARS, function (m, s, k) { level = k; said = m.trim(); return s; });
    return [text, level, said];
  }
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
  proto.unit = function (unit) {
    var scores = null;
    for (var t = 0; t < unit.tokens.length; t++) {
      var best = this.word(unit.tokens[t]);
      if (!best) { scores = null; break; }
      if (!scores) scores = best;
      else for (var i = 0; i < scores.length; i++) scores[i] = scores[i] && best[i] ? scores[i] + best[i] : 0;
    }
    if (unit.tokens.length > 1) {
      var joined = this.word({ f: unit.joined });
      if (joined && !scores) scores = joined;
      else if (joined) for (var j = 0; j < scores.length; j++) scores[j] = Math.max(scores[j], joined[j]);
    }
    return scores;
  };
  /* Which query words name a kind of administrative unit, when other words or a filter
     (``plain``) say which place, or what every product is ("sản phẩm", "OCOP": these
     alone find every product, those that have them first) */
  proto.adminUnits = function (units, plain) {
    var set = new Set(this.ix.admin), own = this.ix.catalogue, marks = [], pair;
    function word(u) { return units[u].tokens.length === 1 ? units[u].joined : ""; }
    for (var u = 0; u < units.length; u++) {
      pair = u + 1 < units.length && word(u) + " " + word(u + 1);
      if (pair && set.has(pair)) { marks[u] = marks[++u] = true; plain += own.indexOf(pair) >= 0; }
      else if (set.has(word(u))) { marks[u] = true; plain += own.indexOf(word(u)) >= 0; }
      else plain++;
    }
    return plain ? marks : [];
  };
  /* Whether product ``i`` has the value number ``v`` of facet number ``f`` */
  proto.has = function (f, i, v) {
    var P = this.P, lists = this.lists;
    if (f === 4) return (lists["in" + v] || (lists["in" + v] = new Set(this.channel(v)))).has(i);
    return f === 0 ? v > 0 && P.k[i] === v : f === 1 ? P.c[i] === v : f === 2 ? this.province[i] === v :
      f === 3 && v >= 0 && (P.x[i] & (1 << v)) !== 0;
  };
  /* The hits of a query (product ids, best first), whether each matched by its producer's
     former place, the counts of each facet's values, the words that matched nothing */
  proto.run = function (text, filters, guessing) {
    var typed = starless(text), stars = typed[1];
    text = typed[0];
    if (stars && !filters.stars) filters = Object.assign({}, filters, { stars: stars });
    var units = queryWords(text), n = this.ix.count, P = this.P, H = P.h, keys = this.keys;
    var self = this, scores = null, unmatched = [], counts = null;
    this.former.fill(0);
    var admin = this.adminUnits(units, FACETS.some(function (f) { return filters[f]; }));
    units.forEach(function (unit, u) {
      var best = self.unit(unit);
      if (admin[u]) {
        /* "tỉnh", "xã", "thành phố" beside a place name: what any address may say */
        best = best || new Float32Array(n);
        for (var a = 0; a < best.length; a++) if (!best[a]) best[a] = WEIGHTS[ADMIN];
      }
      if (!best) { unmatched.push(unit.text); return; }
      if (!scores) { scores = best; return; }
      for (var i = 0; i < scores.length; i++) scores[i] = scores[i] && best[i] ? scores[i] + best[i] : 0;
    });
    if (scores && units.length > 1) {
      /* words that follow each other in one field, as typed: a clear bonus ("dac san") */
      for (var u = 0; u + 1 < units.length; u++) {
        var a = units[u].tokens, b = units[u + 1].tokens, bonus = new Float32Array(n);
        this.visit("q", a[a.length - 1].f + " " + b[0].f, function (id, field) {
          if (PHRASE[field] > bonus[id]) bonus[id] = PHRASE[field];
        });
        for (var s = 0; s < n; s++) if (scores[s]) scores[s] += bonus[s];
      }
    }
    /* filters and counts work on value numbers: -1 for a value no product has */
    var want = FACETS.map(function (f, k) {
      return !filters[f] ? null : k ? keys[f].indexOf(filters[f]) : Number(filters[f]);
    });
    var order = new Float64Array(n), found = 0, filtered = want.some(function (w) { return w !== null; });
    if (!unmatched.length) for (var i = 0; i < n; i++) {
      if (scores && !scores[i]) continue;
      var fails = 0;
      if (filtered) for (var k = 0; k < 5 && !fails; k++) if (want[k] !== null && !this.has(k, i, want[k])) fails++;
      /* one number per hit orders it: score, then stars in force, then catalogue order */
      if (!fails) order[found++] = (Math.round((scores ? scores[i] : 0) * 100) * 8 + Math.max(P.k[i], 0)) * RANKS + (RANKS - 1 - i);
    }
    order = order.subarray(0, found).sort();
    var former = this.former, ids = new Array(found), formerly = new Array(found);
    for (var o = 0; o < found; o++) {
      var id = ids[o] = RANKS - 1 - order[found - 1 - o] % RANKS;
      formerly[o] = !!scores && former[id] === 1;
    }
    var result = { hits: ids, formerly: formerly, unmatched: unmatched, suggestion: null,
      /* the counts only when asked for (the filters, folded on phones, are opened); none
         when a word matched nothing */
      get counts() { return counts || (counts = self.tally(unmatched.length ? [] : scores, want, H)); } };
    /* (typos are looked for once every shard is in) */
    if (unmatched.length && !guessing && Object.keys(this.words).length === Object.keys(this.ix.words).length) result.suggestion = this.suggest(units, filters, typed[2]);
    return result;
  };
  /* The counts of each facet's values among the products with a score in ``scores`` (all
     when null): a facet's counts apply every filter but its own */
  proto.tally = function (scores, want, H) {
    var n = this.ix.count, P = this.P, keys = this.keys, counts = {};
    var tally = FACETS.map(function (f, k) { return new Int32Array(k ? keys[f].length : 6); });
    var open = new Uint8Array(n);
    for (var i = 0; i < n; i++) {
      if (scores && !scores[i]) continue;
      var failed = -1, fails = 0;
      for (var k = 0; k < 5; k++) if (want[k] !== null && !this.has(k, i, want[k])) { failed = k; fails++; }
      if (fails > 1) continue;
      if ((!fails || failed === 0) && P.k[i] > 0) tally[0][P.k[i]]++;
      if (!fails || failed === 1) tally[1][P.c[i]]++;
      if (!fails || failed === 2) tally[2][this.province[i]]++;
      if (!fails || failed === 3) for (var c = 0, x = P.x[i]; x; c++, x >>= 1) if (x & 1) tally[3][c]++;
      if (!fails || failed === 4) open[i] = 1;
    }
    if (H) for (var v = 0; v < keys.channel.length; v++) {
      for (var ids = this.channel(v), h = 0; h < ids.length; h++) if (open[ids[h]]) tally[4][v]++;
    }
    FACETS.forEach(function (f, k) {
      var bucket = counts[f] = {};
      tally[k].forEach(function (count, v) { if (count) bucket[k ? keys[f][v] : String(v)] = count; });
    });
    return counts;
  };
  /* Only when a query finds nothing: the same query with each unknown word of five or
     more letters replaced by a known word one edit away, if that finds something. */
  proto.suggest = function (units, filters, stars) {
    var self = this, changed = false;
    var words = units.map(function (unit) {
      var near = unit.tokens.length === 1 && !self.unit(unit) && unit.joined.length > 4 && self.near(unit.joined);
      if (near) changed = true;
      return near || unit.text;
    });
    if (!changed) return null;
    var text = words.concat(stars || []).join(" ");
    return this.run(text, filters, true).hits.length ? text : null;
  };
  proto.near = function (word) {
    var best = null, most = 0, shards = this.words;
    Object.keys(shards).sort().forEach(function (key) {
      var words = shards[key].f.w, postings = shards[key].f.p;
      for (var i = 0; i < words.length; i++) {
        var w = words[i];
        if (Math.abs(w.length - word.length) > 1 || !oneEdit(word, w)) continue;
        var count = decode(postings[i]).length;
        if (count > most) { most = count; best = w; }
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
  /* The products and lots a code names exactly (a GTIN with or without leading zeros, a
     lot code), each [product position, href, code]; calls back with [] when none. */
  proto.code = function (text, callback) {
    var key = codeKey(text), hrefs = this.ix.codes, shards = this.files;
    if (!hrefs.length || key.length < 3 || !/\d/.test(key)) { callback([]); return; }
    var href = hrefs[codeShard(key, hrefs.length)];
    (shards[href] = shards[href] || get(href)).then(function (table) { callback(table[key] || []); }, function () { callback([]); });
  };
  window.OcopSearch = OcopSearch;
  OcopSearch.fold = fold;
  OcopSearch.stem = stem;
  OcopSearch.codeKey = codeKey;
  OcopSearch.codeShard = codeShard;

  /* ---------------------------------------------------------------- the page */
  var form = document.querySelector("form.search"), input = form && form.querySelector("input[name=q]");
  if (!form || !input) return;
  var app = document.getElementById("search-app"), engine = null, timer = 0, panel = null, everything = null, last = [];
  /* how many results are shown: kept in the history entry, so that Back to the search
     page shows as many as were shown (when the browser made the page again) */
  var PAGE = 48, shown = history.state || PAGE, opening = !!app;
  var status = el("p", "vh");
  status.setAttribute("aria-live", "polite");
  document.body.append(status);

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  /* a button that does ``click``, pressed or not (aria-pressed) unless ``pressed`` is null */
  function button(text, cls, pressed, click) {
    var b = el("button", cls, text);
    b.type = "button";
    if (pressed != null) b.setAttribute("aria-pressed", pressed);
    b.addEventListener("click", click);
    return b;
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
  /* the address of the search as it is now */
  function address() {
    var params = new URLSearchParams(), s = current;
    if (s.q) params.set("q", s.q);
    FACETS.forEach(function (f) { if (s.filters[f]) params.set(f, s.filters[f]); });
    var text = String(params);
    return location.pathname + (text ? "?" + text : "");
  }
  /* a former province's slug in the URL (an old link) is its new province */
  function mapFormer() {
    var slug = current.filters.province;
    if (!slug || known("province", slug)) return;
    engine.ix.facets.province.forEach(function (p) {
      if (p[2].some(function (f) { return f[0] === slug; })) current.filters.province = p[0];
    });
    if (current.filters.province !== slug) history.replaceState(null, "", address());
  }
  function known(f, value) {
    return (f === "stars" ? ["3", "4", "5"] : engine.keys[f]).indexOf(value) >= 0;
  }

  function card(p, formerly) {
    var S = engine.ix.strings, li = el("li", "card"), a = el("a");
    a.href = engine.ix.urls.product.replace("0slug0", p.slug);
    if (p.photo) {
      var img = el("img");
      img.src = engine.ix.urls.thumb.replace("0slug0", p.slug);
      img.alt = "";
      img.loading = "lazy";
      img.width = 320;
      img.height = 240;
      a.append(img);
    }
    a.append(el("span", "name", p.name));
    li.append(a);
    var stars = el("span", "stars");
    stars.setAttribute("role", "img");
    var n = Math.abs(p.stars);
    stars.setAttribute("aria-label", say(S.stars, { n: n }));
    stars.textContent = "★".repeat(n) + "☆".repeat(5 - n);
    var rate = el("span", "rate");
    rate.append(stars);
    /* anything but valid is said in words, as on the product pages */
    if (p.state) rate.append(" ", el("span", "st st-" + S.states[p.state][0], S.states[p.state][1]));
    li.append(rate, el("span", "meta", p.maker + " · " + p.province[1]));
    if (formerly) {
      /* why a product of another place matched: its producer's pre-2025 address */
      var former = p.former < 0 ? "" : p.province[2][p.former][engine.ix.lang === "vi" ? 1 : 2];
      var place = [p.district, former].filter(Boolean).join(", ");
      if (place) li.append(el("span", "meta why", say(S.formerly, { place: place })));
    }
    return li;
  }

  var filtersOpen = matchMedia("(min-width: 48rem)").matches;
  function toggle(f, key, on) {
    if (on) delete current.filters[f]; else current.filters[f] = key;
    /* a star level typed goes with the stars filter: a click on a star says what is wanted */
    if (f === "stars") input.value = current.q = starless(current.q)[0].replace(/\s+/g, " ").trim();
    history.pushState(null, "", address());
    anew();
  }
  /* the results of a new search, from the first page */
  function anew() {
    shown = PAGE;
    render(!!app);
  }
  function facetBox(result) {
    /* folded away on phones, so that results come first; the choice is kept while typing.
       Folded, its buttons are made when it is first opened, not before the first cards */
    var S = engine.ix.strings, details = el("details", "filters"), box = el("div", "facet-box");
    var typed = !current.filters.stars && starless(current.q)[1];
    var active = Object.keys(current.filters).length + !!typed, summary = el("summary", null, S.filters + (active ? " (" + active + ")" : ""));
    /* a value from an old or mistyped link is shown at once, so that a click removes it */
    details.open = filtersOpen || FACETS.some(function (f) { return current.filters[f] && !known(f, current.filters[f]); });
    details.addEventListener("toggle", function () { filtersOpen = details.open; });
    details.append(summary, box);
    if (details.open) fill(); else summary.addEventListener("click", fill);
    return details;
    function fill() { if (!box.firstChild) FACETS.forEach(function (f) {
      var counts = result.counts[f], values = f === "stars" ? [["5"], ["4"], ["3"]] : engine.ix.facets[f];
      var legend = form.dataset["facet" + f[0].toUpperCase() + f.slice(1)];
      var group = el("fieldset", "facet");
      group.append(el("legend", null, legend));
      values.forEach(function (v) {
        var key = v[0], n = counts[key] || 0, on = current.filters[f] === key || f === "stars" && typed === key;
        if (!n && !on) return;
        var label = f === "stars" ? key + "★" : v[1];
        group.append(button(label + " (" + n + ")", null, on, function () { toggle(f, key, on); }));
      });
      var value = current.filters[f];
      if (value && !known(f, value)) {
        var unknown = button(say(S.unknown, { facet: legend, value: value }) + " ✕", "unknown", true, function () { toggle(f, value, true); });
        unknown.title = S.remove;
        group.append(unknown);
      }
      if (group.children.length > 1) box.append(group);
    }); }
  }

  /* an exact code opens its page: at once when the search page was opened with it (a
     code box, a submitted form), else as the first thing offered */
  function offerCode(target, q, open) {
    engine.code(q, function (matches) {
      if (after(engine.partsFor(matches.map(function (m) { return m[0]; })), function () { offerCode(target, q, open); })) return;
      if (q !== current.q || !matches.length) return;
      var href = matches[0][1];
      if (open && matches.every(function (m) { return m[1] === href; })) { location.replace(href); return; }
      var box = el("ul", "codes results");
      matches.forEach(function (m) {
        var li = el("li"), a = el("a", null, say(engine.ix.strings.code_open, { code: m[2] }) + " · " + engine.product(m[0]).name);
        a.href = m[1];
        li.append(a);
        box.append(li);
      });
      target.insertBefore(box, target.firstChild);
    });
  }

  /* ``then`` once ``hrefs`` are loaded: at once when they are */
  function after(hrefs, then) {
    if (!hrefs.length) return false;
    engine.load(hrefs).then(then, failed);
    return true;
  }
  function render(full) {
    if (!engine || after(engine.missing(current.q, current.filters), function () { render(full); })) return;
    /* the same query again (once the parts of its cards are in): the same results */
    var key = [current.q, JSON.stringify(current.filters), Object.keys(engine.words).length, Object.keys(engine.letters).length, !engine.P.h].join("|");
    if (key !== last[0]) last = [key, engine.run(current.q, current.filters)];
    var S = engine.ix.strings, result = last[1], hits = result.hits;
    var target = full ? app : panel, words = queryWords(current.q).length, limit = full ? shown : 8;
    var active = words || Object.keys(current.filters).length, again = function () { render(full); };
    var need = engine.partsFor(active || full ? hits.slice(0, limit) : []), partial = need.length > 0;
    if (partial) {
      /* the first cards come first, then the rest of the page */
      if (after(engine.partsFor(hits.slice(0, 8)), again)) return;
      limit = 8;
    }
    if (partial) setTimeout(function () { after(need, again); });
    else if (!everything) {
      /* the rest of the index comes once the first results are on screen, a few files
         at a time, so that the page stays responsive */
      var rest = everything = engine.all();
      setTimeout(function next() {
        if (rest.length) engine.load(rest.splice(0, 6)).then(function () { setTimeout(next); }, failed);
        else start();
      });
    }
    /* a result a keyboard user is on (the page's first cards, drawn before this script
       ran, or cards drawn before their parts were in) keeps the focus when drawn again */
    var keep = Array.from(target.querySelectorAll(".cards a")).indexOf(document.activeElement);
    target.textContent = "";
    if (target.hidden = !active && !full) return;
    var summary = hits.length === 1 ? S.one_result : say(S.results, { n: hits.length, q: current.q });
    status.textContent = summary;
    if (full) target.append(facetBox(result));
    if (/\d/.test(current.q)) offerCode(target, current.q, opening);
    opening = false;
    if (hits.length) target.append(el("p", "meta", summary));
    else {
      var empty = el("div", "note");
      empty.setAttribute("role", "note");
      /* words that found products the filters then left out (the same words run with no
         filters, 0, find some): the filters are blamed, not the words */
      empty.append(el("p", null, !words || engine.run(current.q, {}, 1).hits.length ? S.none_filters : say(S.none, { q: current.q.trim() })));
      if (result.unmatched.length) empty.append(el("p", null, say(S.unmatched, { words: result.unmatched.join(", ") })));
      if (result.suggestion) {
        var guess = el("p", "suggest", S.did_you_mean + " "), link = el("a", null, result.suggestion);
        link.href = (full ? location.pathname : form.action) + "?" + new URLSearchParams(Object.assign({}, current.filters, { q: result.suggestion }));
        if (full) link.addEventListener("click", function (event) {
          event.preventDefault();
          input.value = current.q = result.suggestion;
          history.pushState(null, "", address());
          anew();
        });
        guess.append(link, "?");
        empty.append(guess);
      }
      var browse = el("a", null, S.browse);
      browse.href = form.dataset.browse;
      empty.append(el("p", null, S.none_hint), browse);
      target.append(empty);
      return;
    }
    var list = el("ul", "cards results");
    function fill(from, to) {
      for (var i = from; i < to && i < hits.length; i++) list.append(card(engine.product(hits[i]), result.formerly[i]));
    }
    fill(0, limit);
    target.append(list);
    if ((keep = list.querySelectorAll("a")[keep])) keep.focus();
    if (full && !partial && hits.length > limit) {
      /* every result can be seen: a page at a time */
      var more = button(say(S.more, { n: Math.min(PAGE, hits.length - shown) }), "more", null, function () {
        var from = shown;
        history.replaceState(shown += PAGE, "");
        engine.load(engine.partsFor(hits.slice(from, shown))).then(function () { next(from); }, failed);
      });
      function next(from) {
        fill(from, shown);
        if (shown >= hits.length) more.remove();
        else more.textContent = say(S.more, { n: Math.min(PAGE, hits.length - shown) });
        var link = list.querySelectorAll("a")[from];  /* (a card has one link) */
        if (link) link.focus();
      }
      target.append(more);
    }
    if (!full && hits.length) {
      var all = el("a", null, S.all);
      all.href = form.action + "?" + new URLSearchParams({ q: current.q });
      target.append(all);
    }
  }

  function links() {
    return Array.from((app && !app.hidden ? app : panel).querySelectorAll(".results a"));
  }
  /* the arrow keys and Escape in the search box, and also inside the result list */
  function keys(event) {
    var list = links(), at = list.indexOf(document.activeElement), key = event.key, arrow = key === "ArrowDown" || key === "ArrowUp";
    if (this !== form && (arrow || key === "Escape")) event.preventDefault();
    if (arrow) {
      if (!list.length) return;
      event.preventDefault();
      var next = key === "ArrowDown" ? at + 1 : at - 1;
      if (next < 0) input.focus(); else list[Math.min(next, list.length - 1)].focus();
    } else if (key === "Escape" && panel) {
      panel.hidden = true;
      input.focus();
    }
  }
  form.addEventListener("keydown", keys);

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      current.q = input.value;
      if (app) history.replaceState(null, "", address());
      anew();
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
      anew();
    });
  } else {
    panel = el("div", "search-panel");
    panel.hidden = true;
    form.parentNode.insertBefore(panel, form.nextSibling);
  }
  (app || panel).addEventListener("keydown", keys);
  if (app) input.value = current.q;
  /* shows the results of ``q`` as if it had been typed (bench/searchbench.py times this) */
  OcopSearch.show = function (q) {
    input.value = current.q = q;
    anew();
  };

  function failed() {
    /* offline or a host error: say so; the browse lists below still work */
    var note = document.getElementById("search-unavailable");
    if (note) note.hidden = false;
    document.documentElement.dataset.searchFailed = "";
  }
  /* the manifest (small, revalidated) names this build's index (content-hashed, cached for
     ever), so that pages need not change when only the index does; the search page carries
     its own copy (an older page, kept by a cache, may name an index gone: then the
     manifest is read). The index's head comes first; a query then reads the shards of its
     words and the parts of the results shown. */
  var own = !!window.ocopOwnIndex;
  function head(again) {
    return get(form.dataset.index, { cache: "no-cache" }).then(function (manifest) {
      /* a head the page names itself is asked of the host, not of a cache that may have
         kept it from an index gone since */
      return get(manifest[document.documentElement.lang], own && !again ? { cache: "no-cache" } : undefined);
    });
  }
  head().catch(function (error) {
    if (!own) throw error;
    return head(true);
  }).then(function (ix) {
    engine = new OcopSearch(ix);
    if (app) mapFormer();
    show();
  }, failed);
  function show() {
    if (app) {
      app.hidden = false;
      render(true);
    } else {
      current.q = input.value;
      render(false);
    }
  }
  function start() {
    show();
    document.documentElement.dataset.searchReady = "";
  }
})();
