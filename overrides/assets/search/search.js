// Site search: Pagefind over Traditional->Simplified-normalised Han bigrams.
//
// The index (build_tools/search) holds, per page, the token stream of
// build_tools/search/normalize.py and the page's ORIGINAL title and text as
// Pagefind metadata and fragment content. This file tokenises the query with the same rules
// (normChar/tokens below must match normalize.py; tests/test_search_tokens.py
// checks that), asks Pagefind for pages holding every token, and renders the
// original title and an excerpt with the matches highlighted.
//
// Everything is loaded from this site: pagefind/pagefind.js, its wasm and
// index chunks, and assets/search/t2s/*.json (OpenCC's t2s character table, by block).

const HAN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{323af}]/u;
const WORD = /[\p{L}\p{N}_]/u;
const MAX_RESULTS = 10;
const EXCERPT = 110; // characters of original text around the first match

// Traditional->Simplified (T2S) and Simplified->[Traditional] (INV) character maps,
// filled block by block (assets/search/t2s/<code point >> 8 in hex>.json) for the
// characters a query uses.
const T2S = new Map();
const INV = new Map();
const loadedBlocks = new Map();

function addPairs(from, to) {
  const f = Array.from(from);
  const t = Array.from(to);
  f.forEach((c, i) => {
    T2S.set(c, t[i]);
    INV.set(t[i], (INV.get(t[i]) || "") + c);
  });
}

// The whole table at once (tests, Node): {from, to}.
export function setCharMap(map) {
  T2S.clear();
  INV.clear();
  addPairs(map.from, map.to);
}

function blocksOf(text) {
  const out = new Set();
  for (const c of text) if (HAN.test(c)) out.add((c.codePointAt(0) >> 8).toString(16));
  return out;
}

export function loadBlocks(text, baseUrl, fetchJson) {
  const jobs = [];
  for (const b of blocksOf(text)) {
    if (!loadedBlocks.has(b)) {
      loadedBlocks.set(
        b,
        fetchJson(new URL(`assets/search/t2s/${b}.json`, baseUrl)).then((doc) => {
          if (doc.f) addPairs(doc.f, doc.t);
          if (doc.p) setPhrases(doc.p);
          for (const [simp, trads] of Object.entries(doc.v || {})) {
            const have = INV.get(simp) || "";
            INV.set(simp, have + [...trads].filter((c) => !have.includes(c)).join(""));
          }
        }),
      );
    }
    jobs.push(loadedBlocks.get(b));
  }
  return Promise.all(jobs);
}

function mapChars(s) {
  let out = "";
  for (const c of s) out += T2S.get(c) ?? c;
  return out;
}

export function normalize(text) {
  return mapChars(text.normalize("NFKC").toLowerCase());
}

export function normChar(ch) {
  return mapChars(ch.normalize("NFKC").toLowerCase());
}

// Maximal Han runs (group 1) and word tokens (group 2): normalize._runs_re. A word token keeps
// its symbols: a leading "." or "$", inner "." and a trailing "++", "+", "#" or "%".
const HANC = "\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\u{20000}-\\u{323af}";
const WC = `[[\\p{L}\\p{N}_]--[${HANC}]]`;
const RUNS_SRC =
  `([${HANC}]+)|((?:(?<![[\\p{L}\\p{N}_.$]--[${HANC}]])[.$](?=${WC}))?${WC}+(?:\\.${WC}+)*(?:\\+\\+|[+#%])?)`;
// normalize.py: ESCAPE, TERMINATOR, BOUNDARY and the symbol escapes of encode_word.
const ESCAPE = "\u01c1";
const TERMINATOR = "\u01c2";
const BOUNDARY = "\u01c0";
const NAME_END = "\u01c3";
const TITLE_SLOTS = 64; // service.TITLE_SLOTS: positions before it are the title's
const ESCAPES = { ".": "d", $: "s", "+": "p", "#": "h", "%": "c", _: "u" };

function runMatches(norm) {
  return norm.matchAll(new RegExp(RUNS_SRC, "gv"));
}

// [[isHan, run], ...] of normalised text
export function runs(norm) {
  return Array.from(runMatches(norm), (m) => (m[1] ? [true, m[1]] : [false, m[2]]));
}

function hanTokens(run) {
  const cs = Array.from(run);
  if (cs.length === 1) return [run];
  const out = [];
  for (let i = 0; i + 1 < cs.length; i++) out.push(cs[i] + cs[i + 1]);
  return out;
}

// Plain tokens (normalize.tokens): Han bigrams and words.
export function tokens(text) {
  const out = [];
  for (const [han, run] of runs(normalize(text))) {
    if (han) out.push(...hanTokens(run));
    else out.push(run);
  }
  return out;
}

export function queryTerms(query) {
  return [...new Set(tokens(query))];
}

export function encodeWord(word) {
  let out = "";
  for (const c of word) out += c in ESCAPES ? ESCAPE + ESCAPES[c] : c;
  return out + TERMINATOR;
}

export function gapToken(gap) {
  const marks = [];
  for (const c of gap) if (!/\s/u.test(c)) marks.push(c.codePointAt(0).toString(16));
  return BOUNDARY + marks.slice(0, 4).join(BOUNDARY);
}

// Index tokens of normalised text, as normalize.stream writes them.
export function stream(norm) {
  const found = Array.from(runMatches(norm), (m) => [m.index, m.index + m[0].length, m[1], m[2]]);
  const touch = [];
  for (let i = 0; i + 1 < found.length; i++) {
    const gap = norm.slice(found[i][1], found[i + 1][0]);
    touch.push(!gap || (!gap.trim() && Boolean(found[i][2]) !== Boolean(found[i + 1][2])));
  }
  const out = [];
  found.forEach(([, , han, word], i) => {
    if (i && !touch[i - 1]) out.push(gapToken(norm.slice(found[i - 1][1], found[i][0])));
    if (!han) {
      out.push(encodeWord(word));
      return;
    }
    const cs = Array.from(han);
    const left = i > 0 && touch[i - 1] && !found[i - 1][2];
    const right = i + 1 < found.length && touch[i] && !found[i + 1][2];
    if (cs.length > 1 && left) out.push(cs[0]);
    out.push(...hanTokens(han));
    if (cs.length > 1 && right) out.push(cs[cs.length - 1]);
  });
  return out;
}

// ---- OpenCC's phrase and variant tables (build_tools/search/phrases.py) ------------

// key (NFKC, lower case) -> what t2s / tw2s / hk2s / tw2sp make of it, besides the character fold
const PHRASES = new Map();
let maxKey = 1;

export function setPhrases(table) {
  for (const [k, alts] of Object.entries(table)) {
    PHRASES.set(k, alts);
    maxKey = Math.max(maxKey, Array.from(k).length);
  }
}

const MAX_VARIANTS = 16;

function product(lists) {
  let out = [""];
  for (const opts of lists) {
    const next = [];
    for (const a of out) for (const b of opts) if (next.length < MAX_VARIANTS) next.push(a + b);
    out = next;
  }
  return out;
}

// The folds of one Han run (NFKC, lower case, not yet folded): longest phrase-table key first at
// each position; a key is kept as its character fold or any of its table folds.
function runFolds(run) {
  const cs = Array.from(run);
  const segs = [];
  for (let i = 0; i < cs.length; ) {
    let found = null;
    for (let n = Math.min(maxKey, cs.length - i); n >= 1 && !found; n--) {
      const k = cs.slice(i, i + n).join("");
      if (PHRASES.has(k)) found = k;
    }
    if (found) {
      segs.push([...new Set([mapChars(found), ...PHRASES.get(found)])]);
      i += Array.from(found).length;
    } else {
      segs.push([mapChars(cs[i])]);
      i += 1;
    }
  }
  return product(segs);
}

// Every fold of a phrase (NFKC, lower case): its Han runs replaced by their folds.
export function phraseFolds(text) {
  const lists = [];
  let pos = 0;
  for (const m of runMatches(text)) {
    lists.push([mapChars(text.slice(pos, m.index))]);
    lists.push(m[1] ? runFolds(m[1]) : [m[2]]);
    pos = m.index + m[0].length;
  }
  lists.push([mapChars(text.slice(pos))]);
  return [...new Set(product(lists))];
}

// A query is a list of phrases: quoted strings ("…", “…”, 「…」, 『…』) and the whitespace-free
// pieces of the rest. Each phrase: {text (as typed), folds, seqs: token sequences to find}.
const QUOTED = /"([^"]*)"|\u201c([^\u201d]*)\u201d|\u300c([^\u300d]*)\u300d|\u300e([^\u300f]*)\u300f|(\S+)/gu;

export function parseQuery(query) {
  const out = [];
  const seen = new Set();
  for (const m of query.normalize("NFKC").matchAll(QUOTED)) {
    const raw = (m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? "").trim();
    const text = raw.toLowerCase();
    const folds = phraseFolds(text);
    const seqs = [];
    for (const f of folds) {
      const seq = stream(f);
      if (seq.length && !seqs.some((s) => s.join(" ") === seq.join(" "))) seqs.push(seq);
    }
    if (!seqs.length || seen.has(seqs[0].join(" "))) continue;
    seen.add(seqs[0].join(" "));
    out.push({ text: raw, folds: folds.filter((f) => f.trim()), seqs, quoted: m[5] === undefined });
  }
  return out;
}

// ---- highlighting on the original text -------------------------------------

// The phrases of a query as they are highlighted: each fold, longest first.
export function needlesOf(query) {
  const full = parseQuery(query).flatMap((p) => p.folds);
  full.sort((a, b) => b.length - a.length);
  return { full, all: full };
}

const RE_SPECIAL = /[\\^$.*+?()[\]{}|\/]/g;
const STARTS_WORD = new RegExp(`^${WC}`, "v");
const ENDS_WORD = new RegExp(`${WC}[+#%]?$`, "v");

// A pattern matching `needle` (normalised text) in ORIGINAL text: every Simplified
// character also as its Traditional forms, Latin in either case and full width; a word at
// either end of the needle must be a whole word there.
function needlePattern(needle) {
  let src = "";
  let prevHan = null;
  for (const c of needle) {
    if (/\s/u.test(c)) {
      src += "\\s+";
      prevHan = null;
      continue;
    }
    // "AI芯片" is also "AI 芯片" (a space between Han and other characters does not count)
    const han = HAN.test(c);
    if (prevHan !== null && han !== prevHan) src += "\\s*";
    prevHan = han;
    const alts = new Set([c, ...(INV.get(c) || "")]);
    for (const a of [...alts]) {
      alts.add(a.toUpperCase());
      const cp = a.codePointAt(0);
      if (cp >= 0x21 && cp <= 0x7e) {
        alts.add(String.fromCodePoint(cp + 0xfee0));
        alts.add(String.fromCodePoint(a.toUpperCase().codePointAt(0) + 0xfee0));
      }
    }
    const parts = [...alts].map((a) => a.replace(RE_SPECIAL, "\\$&"));
    src += parts.length > 1 ? `(?:${parts.join("|")})` : parts[0];
  }
  if (STARTS_WORD.test(needle)) src = `(?<!${WC}|[.$]${WC})` + src;
  if (ENDS_WORD.test(needle)) src += `(?!${WC}|[+#%]|\\.${WC})`;
  return new RegExp(src, "gv");
}

export function matchRanges(text, needles) {
  if (!text) return [];
  const ranges = [];
  const taken = new Uint8Array(text.length);
  for (const nd of needles) {
    if (!nd) continue;
    for (const m of text.matchAll(needlePattern(nd))) {
      const a = m.index;
      const b = a + m[0].length;
      if (b === a || taken.subarray(a, b).some((x) => x)) continue;
      taken.fill(1, a, b);
      ranges.push([a, b]);
    }
  }
  ranges.sort((x, y) => x[0] - y[0]);
  return ranges;
}

function appendMarked(el, text, ranges, from = 0, to = text.length) {
  let pos = from;
  for (const [s, e] of ranges) {
    if (e <= from || s >= to) continue;
    const a = Math.max(s, from);
    const b = Math.min(e, to);
    if (a > pos) el.append(text.slice(pos, a));
    const m = document.createElement("mark");
    m.textContent = text.slice(a, b);
    el.append(m);
    pos = b;
  }
  if (pos < to) el.append(text.slice(pos, to));
}

// Article text around the FIRST match of a phrase, wherever it is in the page; every match in
// view highlighted whole (the window grows to the end of a match it cuts).
export function excerpt(el, text, needles) {
  const ranges = matchRanges(text, needles.full);
  const start = ranges.length ? Math.max(0, ranges[0][0] - 24) : 0;
  let end = Math.min(text.length, start + EXCERPT);
  for (const [a, b] of ranges) if (a < end && b > end) end = b;
  if (start > 0) el.append("…");
  appendMarked(el, text.replace(/\n/g, " "), ranges, start, end);
  if (end < text.length) el.append("…");
  return ranges.length > 0;
}

// ---- the search box ----------------------------------------------------------

function setup(root) {
  const toggle = document.getElementById("__search");
  const input = root.querySelector("input[name=query]");
  const form = root.querySelector("form");
  const list = root.querySelector(".md-search-result__list");
  const meta = root.querySelector(".md-search-result__meta");
  const t = root.dataset;
  const base = new URL((t.base || ".").replace(/\/?$/, "/"), document.baseURI);
  let engine = null;
  let seq = 0;
  const fetchJson = (url) =>
    fetch(url).then((r) => {
      if (!r.ok) throw new Error(`${r.status} ${url}`);
      return r.json();
    });

  function load() {
    if (engine) return engine;
    engine = (async () => {
      const mod = await import(new URL("pagefind/pagefind.js", base).href);
      // Pagefind word-segments queries itself when the page language is zh
      // (Intl.Segmenter), which would split our bigrams again: create the
      // instance while <html lang> says "en", the language of the index.
      const html = document.documentElement;
      const lang = html.getAttribute("lang");
      html.setAttribute("lang", "en");
      let pf;
      try {
        pf = mod.createInstance({
          basePath: new URL("pagefind/", base).href,
          noWorker: true,
          // Short pages (entity stubs) should not outrank articles only for being short.
          ranking: { pageLength: 0.3 },
        });
      } finally {
        if (lang === null) html.removeAttribute("lang");
        else html.setAttribute("lang", lang);
      }
      await pf.init();
      return pf;
    })();
    engine.catch(() => { engine = null; });
    return engine;
  }

  function open() {
    if (toggle && !toggle.checked) {
      toggle.checked = true;
      toggle.dispatchEvent(new Event("change"));
    }
    input.focus();
    load();
  }

  function close() {
    if (toggle && toggle.checked) {
      toggle.checked = false;
      toggle.dispatchEvent(new Event("change"));
    }
    input.blur();
  }

  function countText(n) {
    if (n === 0) return t.tNone;
    if (n === 1) return t.tOne;
    return t.tOther.replace("#", String(n));
  }

  function renderItem(li, data, needles, viaAlias = "") {
    const a = document.createElement("a");
    a.className = "md-search-result__link";
    a.href = new URL(data.url.replace(/^\//, ""), base).href;
    a.setAttribute("role", "option");
    const art = document.createElement("article");
    art.className = "md-search-result__article md-typeset";
    const h = document.createElement("h1");
    appendMarked(h, data.meta.title || data.url, matchRanges(data.meta.title || "", needles.all));
    art.append(h);
    if (data.meta.kind === "entity") {
      const tag = document.createElement("span");
      tag.className = "archive-search__kind";
      tag.textContent = "实体";
      h.prepend(tag);
      if (data.meta.aliases) {
        const p = document.createElement("p");
        p.className = "archive-search__aliases";
        appendMarked(p, data.meta.aliases, matchRanges(data.meta.aliases, needles.all));
        art.append(p);
      }
    }
    const facts = [data.meta.date, data.meta.source].filter(Boolean).join(" · ");
    if (facts) {
      const f = document.createElement("p");
      f.className = "archive-search__facts";
      f.textContent = facts;
      art.append(f);
    }
    const p = document.createElement("p");
    const inText = excerpt(p, data.content || "", needles);
    art.append(p);
    const byAlias = !inText && !matchRanges(data.meta.title || "", needles.full).length && data.meta.aliases
      && matchRanges(data.meta.aliases, needles.full).length;
    if (byAlias || viaAlias) {
      // viaAlias: the page holds another name of the entity the query names, not the query itself
      const tag = document.createElement("span");
      tag.className = `archive-search__kind archive-search__alias${viaAlias ? " archive-search__via-alias" : ""}`;
      tag.textContent = "别名匹配";
      tag.title = viaAlias ? `本页写作「${viaAlias}」` : "";
      h.append(tag);
    }
    a.append(art);
    li.replaceChildren(a);
  }

  // Pages holding one phrase: the union over its folds, each an exact Pagefind search of its token
  // sequence (adjacent as typed, whole words). A lone Han character is a prefix search (its
  // bigrams); the last word of a query still being typed may be a prefix when it is no whole word.
  async function phraseHits(pf, phrase, prefixOk) {
    const hits = new Map();
    for (const seq of phrase.seqs) {
      const lone = seq.length === 1 && !seq[0].endsWith(TERMINATOR);
      let res = await pf.search(lone ? seq[0] : `"${seq.join(" ")}"`);
      let loose = lone;
      if (prefixOk && seq.length === 1 && !lone && !res.results.length) {
        res = await pf.search(seq[0].slice(0, -1));
        loose = true;
      }
      if (!res.results.length) continue;
      // An exact search scores every page alike and gives one location: the same tokens searched
      // loosely give Pagefind's score (title weighted) and every location, for the order.
      const terms = [...new Set(seq.filter((tok) => !tok.startsWith(BOUNDARY)))];
      const ranked = loose ? res : await pf.search(terms.join(" "));
      const info = new Map(ranked.results.map((r) => [r.id, r]));
      for (const r of res.results) {
        const x = info.get(r.id) || r;
        const have = hits.get(r.id);
        if (!have || have.score < x.score) hits.set(r.id, { score: x.score, words: x.words, n: terms.length, data: r.data });
      }
    }
    return hits;
  }

  // Whether the phrase's `n` distinct tokens have as many locations in the title (before TITLE_SLOTS).
  function inTitle(words, n) {
    return words.filter((w) => w < TITLE_SLOTS).length >= n;
  }

  // Pages whose title (position 0) or an alias (after TITLE_SLOTS) is exactly the phrase: id -> 2 | 1.
  async function wholeNames(pf, phrase) {
    const out = new Map();
    for (const seq of phrase.seqs) {
      const res = await pf.search(`"${[...seq, NAME_END].join(" ")}"`);
      for (const r of res.results) {
        const tier = r.words.includes(0) ? 2 : r.words.some((w) => w >= TITLE_SLOTS) ? 1 : 0;
        out.set(r.id, Math.max(out.get(r.id) || 0, tier));
      }
    }
    return out;
  }

  // Every page holding every phrase of `query`, best first; `missing`: the phrases found nowhere.
  // Order: the title is the query, the title holds it, an alias is the query, then Pagefind's score
  // (how often, title weighted), then the earliest match.
  async function find(query) {
    await Promise.all([loadBlocks(query, base, fetchJson), loadBlocks(normalize(query), base, fetchJson)]);
    const pf = await load();
    const phrases = parseQuery(query);
    const typing = !/[\s"\u201d\u300d\u300f]$/u.test(query);
    const missing = [];
    let pages = null;
    for (let i = 0; i < phrases.length; i++) {
      const hits = await phraseHits(pf, phrases[i], typing && i === phrases.length - 1 && !phrases[i].quoted);
      if (!hits.size) missing.push(phrases[i].text);
      const next = new Map();
      for (const [id, r] of hits) {
        const prev = pages === null ? { id, score: 0, title: true, first: 0, data: r.data } : pages.get(id);
        if (!prev) continue;
        const body = r.words.filter((w) => w >= TITLE_SLOTS);
        const first = body.length ? Math.min(...body) : Infinity;
        prev.score += r.score;
        prev.title = prev.title && inTitle(r.words, r.n);
        prev.first = Math.max(prev.first, first);
        next.set(id, prev);
      }
      pages = next;
    }
    const names = phrases.length === 1 && pages && pages.size ? await wholeNames(pf, phrases[0]) : new Map();
    const rank = (p) => {
      const name = names.get(p.id) || 0;
      return name === 2 ? 3 : p.title ? 2 : name;
    };
    const results = [...(pages || new Map()).values()].sort(
      (a, b) => rank(b) - rank(a) || b.score - a.score || a.first - b.first || (a.id < b.id ? -1 : 1),
    );
    return { phrases, missing, results, names };
  }

  function noneText(found) {
    const names = found.missing.length ? found.missing : found.phrases.map((p) => p.text);
    const quoted = names.map((n) => `「${n}」`).join("和");
    const both = !found.missing.length && names.length > 1 ? "同时" : "";
    return `没有找到${both}包含${quoted}的文章。可以换一种字形（简体/繁体）试试，或输入更短的词。`;
  }

  const filterBox = root.querySelector(".archive-search__filters");
  let facetsLoad = null;
  function facets() {
    facetsLoad ??= fetchJson(new URL("assets/search/facets.json", base)).catch(() => {
      facetsLoad = null;
      return null;
    });
    return facetsLoad;
  }

  function finish(query, count) {
    root.dataset.doneQuery = query;
    root.dispatchEvent(new CustomEvent("archive-search:done", { detail: { query, count } }));
  }

  function clearList() {
    list.replaceChildren();
    // after the list, not in it: a listbox holds options only
    for (const old of root.querySelectorAll(".archive-search__more")) old.remove();
  }

  async function run(query) {
    const mine = ++seq;
    if (filterBox) filterBox.hidden = true;
    if (!query.trim() || tokens(query).length === 0) {
      clearList();
      meta.textContent = t.tPlaceholder;
      root.dataset.doneQuery = query;
      return;
    }
    let found;
    try {
      found = await find(query);
    } catch (err) {
      if (mine === seq) meta.textContent = t.tError;
      throw err;
    }
    if (mine !== seq) return;
    const needles = needlesOf(query);
    if (!found.results.length) {
      clearList();
      meta.textContent = noneText(found);
      return finish(query, 0);
    }
    const shown = await show(found.results, mine, needles);
    const extra = mine === seq ? await aliasMatches(found) : [];
    if (mine !== seq) return;
    if (extra.length) {
      await shown.append(extra);
      meta.textContent = `${countText(found.results.length)}，另有 ${extra.length} 篇别名匹配`;
    }
    finish(query, found.results.length);
    await setupFilters(query, found.results, mine, needles);
  }

  // Render `results` ten at a time (a "more" button after the list).
  async function show(results, mine, needles) {
    meta.textContent = countText(results.length);
    clearList();
    let shown = 0;
    let pending = false; // a "more" button is waiting
    const more = document.createElement("div");
    more.className = "md-search-result__item archive-search__more";
    const moreButton = document.createElement("button");
    moreButton.type = "button";
    more.append(moreButton);

    async function showNext(first) {
      more.remove();
      const batch = results.slice(shown, shown + MAX_RESULTS);
      const items = batch.map(() => {
        const li = document.createElement("li");
        li.className = "md-search-result__item";
        li.setAttribute("role", "none"); // the listbox's options are the links
        return li;
      });
      list.append(...items);
      shown += batch.length;
      if (batch.length && first) {
        // the first result first: it is what the reader waits for; let it paint
        renderItem(items[0], await batch[0].data(), batch[0].needles || needles, batch[0].alias);
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (mine !== seq) return;
      }
      await Promise.all(
        batch.map(async (r, i) => {
          if (first && i === 0) return;
          const d = await r.data();
          if (mine === seq) renderItem(items[i], d, r.needles || needles, r.alias);
        }),
      );
      pending = mine === seq && shown < results.length;
      if (pending) {
        moreButton.textContent = t.tMore.replace("#", String(results.length - shown));
        list.after(more);
      }
    }
    moreButton.addEventListener("click", () => {
      const next = shown;
      showNext(false).then(() => list.querySelectorAll("a.md-search-result__link")[next]?.focus());
    });
    if (results.length) await showNext(true);
    return {
      // more results after these (alias matches): shown now if every result so far is on screen
      async append(extra) {
        results = results.concat(extra);
        if (pending) moreButton.textContent = t.tMore.replace("#", String(results.length - shown));
        else if (mine === seq) await showNext(false);
      },
    };
  }

  // Pages that hold another name of the entity the query names exactly (黄仁勋 -> "Jensen Huang"), not
  // yet among the results: shown after them, marked "别名匹配". Only names from entities.yml count.
  async function aliasMatches(found) {
    if (found.phrases.length !== 1) return [];
    const pf = await load();
    const have = new Set(found.results.map((r) => r.id));
    const extra = [];
    for (const r of found.results) {
      if (!found.names.get(r.id)) continue;
      const d = await r.data();
      if (d.meta.kind !== "entity") continue;
      for (const name of [d.meta.title, ...(d.meta.aliases || "").split(" · ")].filter(Boolean)) {
        await loadBlocks(name, base, fetchJson);
        const phrase = parseQuery(`"${name}"`)[0];
        if (!phrase || phrase.folds.some((f) => found.phrases[0].folds.includes(f))) continue;
        for (const [id, hit] of await phraseHits(pf, phrase, false)) {
          if (have.has(id)) continue;
          have.add(id);
          extra.push({ id, data: hit.data, alias: name, needles: needlesOf(`"${name}"`) });
        }
      }
    }
    return extra;
  }

  // Filters by source, year and linked entity, and a sort by date, over the results of a query
  // (assets/search/facets.json, loaded once results are on screen).
  async function setupFilters(query, results, mine, needles) {
    if (!filterBox || results.length < 2) return;
    const fx = await facets();
    if (!fx || mine !== seq) return;
    const info = (r) => fx.p[r.id] || [-1, "", []];
    const fill = (name, values, label) => {
      const counts = new Map();
      for (const r of results) for (const v of values(info(r))) counts.set(v, (counts.get(v) || 0) + 1);
      const select = filterBox.querySelector(`select[name=${name}]`);
      const all = document.createElement("option");
      all.value = "";
      all.textContent = "全部";
      const opts = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1)).map(([v, n]) => {
        const o = document.createElement("option");
        o.value = v;
        o.textContent = `${label(v)}（${n}）`;
        return o;
      });
      select.replaceChildren(all, ...opts);
      select.closest("label").hidden = !opts.length;
    };
    fill("source", (i) => (i[0] >= 0 ? [String(i[0])] : []), (v) => fx.s[Number(v)]);
    fill("year", (i) => (i[1] ? [i[1].slice(0, 4)] : []), (v) => v);
    fill("entity", (i) => i[2].map(String), (v) => fx.e[Number(v)][1]);
    filterBox.querySelector("select[name=sort]").value = "";
    filterBox.hidden = false;
    filterBox.onchange = async () => {
      const f = Object.fromEntries([...filterBox.querySelectorAll("select")].map((el) => [el.name, el.value]));
      let out = results.filter((r) => {
        const [src, date, ents] = info(r);
        return (!f.source || String(src) === f.source) && (!f.year || date.startsWith(f.year))
          && (!f.entity || ents.includes(Number(f.entity)));
      });
      if (f.sort === "date") {
        const date = (r) => info(r)[1];
        out = out.map((r, k) => [r, k]).sort((a, b) => (date(a[0]) < date(b[0])) - (date(a[0]) > date(b[0])) || a[1] - b[1]);
        out = out.map(([r]) => r);
      }
      const now = ++seq;
      await show(out, now, needles);
      if (now === seq) finish(query, out.length);
    };
  }

  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => run(input.value).catch((e) => console.warn("search:", e)), 150);
  });
  input.addEventListener("focus", () => {
    if (toggle && !toggle.checked) open();
    load();
  });
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const first = list.querySelector("a");
    if (first) first.click();
  });
  form.addEventListener("reset", () => {
    setTimeout(() => { run(""); input.focus(); }, 0);
  });
  if (toggle) {
    toggle.addEventListener("change", () => {
      if (toggle.checked) setTimeout(() => input.focus(), 50);
    });
  }

  function links() {
    return Array.from(list.querySelectorAll("a.md-search-result__link, .archive-search__more button"));
  }

  root.addEventListener("keydown", (ev) => {
    const items = links();
    const idx = items.indexOf(document.activeElement);
    if (ev.key === "ArrowDown") {
      ev.preventDefault();
      (items[idx + 1] || items[0])?.focus();
    } else if (ev.key === "ArrowUp") {
      ev.preventDefault();
      if (idx <= 0) input.focus();
      else items[idx - 1].focus();
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      close();
    }
  });

  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const el = document.activeElement;
    const typing = el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
    if (typing) return;
    if (ev.key === "/" || ev.key === "s" || ev.key === "f") {
      ev.preventDefault();
      open();
    }
  });

  // find: for tests and `make search-eval` (every result's URL, without rendering)
  root.archiveSearch = {
    run, load, open, close, queryTerms,
    find: async (q) => Promise.all((await find(q)).results.map(async (r) => ({ url: (await r.data()).url }))),
  };
}

const root = typeof document !== "undefined" ? document.querySelector("[data-archive-search]") : null;
if (root) setup(root);
